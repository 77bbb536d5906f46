/**
 * A synthetic sequence task generated in code: a damped 2-D oscillator. It lets the Diffusion Forcing engine
 * be trained and checked (statistics, long rollouts) without a simulator or a recorded dataset.
 *
 * Notation (per window; each axis a ∈ {x, y} has its own amplitude and phase, both share ω and ζ):
 *   t_i = i·dt                          time of env step i; step 0 is the first observation o₀
 *   p_a(t) = A_a e^{−ζt} cos(ωt + φ_a)  position
 *   v_a(t) = A_a e^{−ζt} (−ζ cos(ωt + φ_a) − ω sin(ωt + φ_a))   velocity, the exact derivative of p_a
 *   ω ~ U[ω₀, ω₁] rad/s,  ζ ~ U[ζ₀, ζ₁] 1/s,  A_a ~ U[A₀, A₁],  φ_a ~ U[0, 2π)
 * Step vector: [p_x, p_y, v_x, v_y] (fields `position`, `velocity`, both observations). A token packs F steps.
 *
 * Normalisation is exact, not estimated: the phase is uniform and independent of everything else, so every
 * mean is 0 and, with E_φ[cos²] = 1/2 and the cross term averaging to 0,
 *   E[p_a(t)²] = E[A²]/2 · E_ζ[e^{−2ζt}]
 *   E[v_a(t)²] = E[A²]/2 · (E_ζ[ζ² e^{−2ζt}] + E[ω²] E_ζ[e^{−2ζt}])
 * averaged over steps 1 … `referenceSteps` (the task's nominal window). The ζ expectations are integrated
 * numerically (Simpson); E[A²] = (A₁³ − A₀³)/(3(A₁ − A₀)) and E[ω²] likewise.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Rng } from '../math/rng.js';
import type { SequenceBatch, SequenceDataset } from './sequence-dataset.js';
import type { Normalization, TokenLayout } from './token-layout.js';

export interface OscillatorOptions {
  /** F: env steps per token. */
  readonly frameStack: number;
  /** Seconds per env step. */
  readonly dt: number;
  /** Angular frequency range ω, rad/s. */
  readonly frequency: readonly [number, number];
  /** Damping rate range ζ, 1/s (amplitude decays as e^{−ζt}). */
  readonly damping: readonly [number, number];
  /** Amplitude range at step 0, per axis. */
  readonly amplitude: readonly [number, number];
  /** Steps 1 … referenceSteps define the normalisation statistics (the task's nominal window). */
  readonly referenceSteps: number;
}

export const defaultOscillatorOptions: OscillatorOptions = {
  frameStack: 4,
  dt: 0.1,
  frequency: [1.5, 3],
  damping: [0.02, 0.2],
  amplitude: [0.5, 1.5],
  referenceSteps: 64,
};

export const OSCILLATOR_STEP_SIZE = 4;

export function oscillatorLayout(frameStack: number): TokenLayout {
  return {
    frameStack,
    fields: [
      { name: 'position', kind: 'observation', size: 2, labels: ['x', 'y'] },
      { name: 'velocity', kind: 'observation', size: 2, labels: ['x', 'y'] },
    ],
  };
}

function validateOptions(o: OscillatorOptions): void {
  const issues: ConfigIssue[] = [];
  if (!Number.isInteger(o.frameStack) || o.frameStack < 1) {
    issues.push({
      path: 'oscillator.frameStack',
      message: `must be a whole number ≥ 1, got ${o.frameStack}`,
    });
  }
  if (!(Number.isFinite(o.dt) && o.dt > 0))
    issues.push({ path: 'oscillator.dt', message: `must be > 0, got ${o.dt}` });
  const range = (name: string, r: readonly [number, number], min: number) => {
    if (!(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] >= min && r[1] >= r[0])) {
      issues.push({
        path: `oscillator.${name}`,
        message: `must be [lo, hi] with ${min} ≤ lo ≤ hi, got [${r.join(', ')}]`,
      });
    }
  };
  range('frequency', o.frequency, 0);
  range('damping', o.damping, 0);
  range('amplitude', o.amplitude, 0);
  if (o.amplitude[1] <= 0)
    issues.push({ path: 'oscillator.amplitude', message: 'the upper amplitude must be > 0' });
  if (!Number.isInteger(o.referenceSteps) || o.referenceSteps < 1) {
    issues.push({
      path: 'oscillator.referenceSteps',
      message: `must be a whole number ≥ 1, got ${o.referenceSteps}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Mean of f(ζ) for ζ uniform on [lo, hi] (composite Simpson, 256 panels; the integrands are smooth). */
function uniformMean(lo: number, hi: number, f: (z: number) => number): number {
  if (hi === lo) return f(lo);
  const n = 256;
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3 / (hi - lo);
}

/** E[X²] for X uniform on [lo, hi]. */
function uniformSecondMoment(lo: number, hi: number): number {
  return hi === lo ? lo * lo : (hi ** 3 - lo ** 3) / (3 * (hi - lo));
}

/** Exact per-step-dimension normalisation (see the notation block). */
export function oscillatorNormalization(options: Partial<OscillatorOptions> = {}): Normalization {
  const o = { ...defaultOscillatorOptions, ...options };
  validateOptions(o);
  const a2 = uniformSecondMoment(o.amplitude[0], o.amplitude[1]);
  const w2 = uniformSecondMoment(o.frequency[0], o.frequency[1]);
  let varP = 0;
  let varV = 0;
  for (let i = 1; i <= o.referenceSteps; i++) {
    const t = i * o.dt;
    const decay = uniformMean(o.damping[0], o.damping[1], (z) => Math.exp(-2 * z * t));
    const decayZ2 = uniformMean(o.damping[0], o.damping[1], (z) => z * z * Math.exp(-2 * z * t));
    varP += (a2 / 2) * decay;
    varV += (a2 / 2) * (decayZ2 + w2 * decay);
  }
  const sp = Math.sqrt(varP / o.referenceSteps);
  const sv = Math.sqrt(varV / o.referenceSteps);
  return { mean: [0, 0, 0, 0], std: [sp, sp, sv, sv] };
}

export interface OscillatorDataset extends SequenceDataset {
  readonly options: OscillatorOptions;
  /**
   * Raw (not normalised) env steps [B, N+1, 4] for `batchSize` windows of N steps, step 0 included. The
   * training batches are built from this, so tests and statistics see exactly the data the model saw.
   */
  sampleSteps(batchSize: number, steps: number, rng: Rng): Float32Array;
}

/** The oscillator as a `SequenceDataset`. */
export function oscillatorDataset(options: Partial<OscillatorOptions> = {}): OscillatorDataset {
  const o: OscillatorOptions = { ...defaultOscillatorOptions, ...options };
  validateOptions(o);
  const layout = oscillatorLayout(o.frameStack);
  const normalization = oscillatorNormalization(o);
  const d = OSCILLATOR_STEP_SIZE;
  const id =
    `oscillator-v1/F${o.frameStack}/dt${o.dt}/w${o.frequency.join('-')}/z${o.damping.join('-')}` +
    `/a${o.amplitude.join('-')}/ref${o.referenceSteps}`;

  const sampleSteps = (batchSize: number, steps: number, rng: Rng): Float32Array => {
    checkCount('batchSize', batchSize);
    checkCount('steps', steps);
    const out = new Float32Array(batchSize * (steps + 1) * d);
    const lerp = (r: readonly [number, number]) => r[0] + (r[1] - r[0]) * rng.uniform();
    for (let b = 0; b < batchSize; b++) {
      // Fixed draw order per window, so a seed pins every window.
      const w = lerp(o.frequency);
      const z = lerp(o.damping);
      const ax = lerp(o.amplitude);
      const ay = lerp(o.amplitude);
      const px = 2 * Math.PI * rng.uniform();
      const py = 2 * Math.PI * rng.uniform();
      for (let i = 0; i <= steps; i++) {
        const t = i * o.dt;
        const e = Math.exp(-z * t);
        const cx = Math.cos(w * t + px);
        const sx = Math.sin(w * t + px);
        const cy = Math.cos(w * t + py);
        const sy = Math.sin(w * t + py);
        const k = (b * (steps + 1) + i) * d;
        out[k] = ax * e * cx;
        out[k + 1] = ay * e * cy;
        out[k + 2] = ax * e * (-z * cx - w * sx);
        out[k + 3] = ay * e * (-z * cy - w * sy);
      }
    }
    return out;
  };

  const sampleBatch = (batchSize: number, tokens: number, rng: Rng): SequenceBatch => {
    checkCount('tokens', tokens);
    const f = o.frameStack;
    const n = tokens * f;
    const raw = sampleSteps(batchSize, n, rng);
    const tokenSize = f * d;
    const x0 = new Float32Array(tokens * batchSize * tokenSize);
    const firstObservation = new Float32Array(batchSize * d);
    for (let b = 0; b < batchSize; b++) {
      for (let j = 0; j < d; j++) {
        firstObservation[b * d + j] =
          (raw[b * (n + 1) * d + j]! - normalization.mean[j]!) / normalization.std[j]!;
      }
      for (let t = 0; t < tokens; t++) {
        for (let fr = 0; fr < f; fr++) {
          const src = (b * (n + 1) + 1 + t * f + fr) * d;
          const dst = (t * batchSize + b) * tokenSize + fr * d;
          for (let j = 0; j < d; j++)
            x0[dst + j] = (raw[src + j]! - normalization.mean[j]!) / normalization.std[j]!;
        }
      }
    }
    return { x0, firstObservation, mask: new Float32Array(tokens * batchSize).fill(1) };
  };

  return { id, layout, normalization, options: o, sampleSteps, sampleBatch };
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`${name} must be a whole number ≥ 1, got ${n}`, name);
}

/**
 * How well sampled velocities agree with sampled positions: the residual
 *   r_i = (p_{i+1} − p_i)/dt − (v_i + v_{i+1})/2
 * over consecutive steps, as RMS(r)/RMS(v). Exact oscillator data scores ≈ (ωdt)²/12 (< 0.01 here); an
 * untrained model, whose positions and velocities are unrelated, scores ≈ 1 or more.
 * `steps` is [B, N, 4] raw (denormalised) env steps.
 */
export function velocityConsistency(steps: ArrayLike<number>, batchSize: number, dt: number): number {
  const d = OSCILLATOR_STEP_SIZE;
  const n = steps.length / (batchSize * d);
  let rr = 0;
  let vv = 0;
  let count = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i + 1 < n; i++) {
      const k0 = (b * n + i) * d;
      const k1 = k0 + d;
      for (let a = 0; a < 2; a++) {
        const r = (steps[k1 + a]! - steps[k0 + a]!) / dt - (steps[k0 + 2 + a]! + steps[k1 + 2 + a]!) / 2;
        const v = (steps[k0 + 2 + a]! + steps[k1 + 2 + a]!) / 2;
        rr += r * r;
        vv += v * v;
        count++;
      }
    }
  }
  return count === 0 || vv === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(rr / count) / Math.sqrt(vv / count);
}
