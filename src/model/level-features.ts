/**
 * The noise-level features of create-model.ts, in a module without tfjs so that worker threads computing plain
 * gradients (src/train/gradient-worker.ts) can load it without loading tfjs.
 */

/** Sinusoidal features of every integer level 0 … K−1: row k = [sin(k·f_0…), cos(k·f_0…)]. */
export function levelFeatureTable(levels: number, size: number): Float32Array {
  const half = size / 2;
  const table = new Float32Array(levels * size);
  const step = Math.log(10000) / (half - 1);
  for (let k = 0; k < levels; k++) {
    for (let i = 0; i < half; i++) {
      const angle = k * Math.exp(-i * step);
      table[k * size + i] = Math.sin(angle);
      table[k * size + half + i] = Math.cos(angle);
    }
  }
  return table;
}
