/**
 * A small seeded PRNG whose whole state is four 32-bit words, so training can checkpoint it and resume the
 * exact stream. Generator: xoshiro128** (Blackman & Vigna), state filled from the seed by splitmix32.
 *
 * Notation:
 *   s₀…s₃     `state`, four uint32 words, never all zero
 *   U         uniform in [0, 1) with 32 random bits: x / 2³²
 *   N(0, 1)   Box–Muller: √(−2 ln U₁)·cos(2πU₂) (and ·sin for the second of a pair)
 * `normal()` uses one Box–Muller pair per call (keeping no spare, so the state stays four words);
 * `fillNormal` uses both halves of each pair, so it draws half as many words per value.
 */
import { ConfigError } from '../errors.js';

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Uniform integer in [0, n), unbiased; n a whole number in [1, 2³²]. */
  int(n: number): number;
  /** Fills `out` with N(0, 1) values, clamped to ±clip when given (the paper code's `clip_noise`). */
  fillNormal(out: Float32Array, clip?: number): Float32Array;
  /** Fills `out` with uniform integers in [0, n). */
  fillUniformInt(out: Int32Array, n: number): Int32Array;
  /** Fisher–Yates shuffle in place (e.g. the order of training windows); returns the array. */
  shuffle<T>(items: T[]): T[];
  /** The four state words, for checkpoints. */
  getState(): number[];
  /** Restores a state from `getState()`. */
  setState(state: number[]): void;
}

const twoPow32 = 4294967296;
const twoPi = 2 * Math.PI;

/** A generator seeded from any safe integer; the same seed always gives the same stream. */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new ConfigError(`the random seed must be a whole number (a safe integer), got ${seed}`, 'seed');
  }
  const state = new Uint32Array(seedState(seed));

  // xoshiro128**: one uint32 per call.
  const next = (): number => {
    const s0 = state[0]!;
    const s1 = state[1]!;
    const s2 = state[2]!;
    const s3 = state[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    state[1] = s1 ^ n2;
    state[0] = s0 ^ n3;
    state[2] = n2 ^ t;
    state[3] = rotl(n3, 11);
    return result;
  };
  // (x + 0.5)/2³² lies strictly inside (0, 1), so ln never sees 0.
  const openUniform = (): number => (next() + 0.5) / twoPow32;

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > twoPow32) {
      throw new ConfigError(`int(n) needs a whole number n from 1 to 2^32, got ${n}`, 'n');
    }
    // Reject the top partial block of 2³² so every residue is equally likely.
    const limit = twoPow32 - (twoPow32 % n);
    let x = next();
    while (x >= limit) x = next();
    return x % n;
  };

  const rng: Rng = {
    uniform: () => next() / twoPow32,
    normal: () => Math.sqrt(-2 * Math.log(openUniform())) * Math.cos(twoPi * openUniform()),
    int,
    fillNormal(out, clip) {
      if (clip !== undefined && !(clip > 0)) {
        throw new ConfigError(`the noise clip must be a positive number, got ${clip}`, 'clip');
      }
      const bound = clip ?? Number.POSITIVE_INFINITY;
      for (let i = 0; i < out.length; i += 2) {
        const radius = Math.sqrt(-2 * Math.log(openUniform()));
        const angle = twoPi * openUniform();
        out[i] = clamp(radius * Math.cos(angle), bound);
        if (i + 1 < out.length) out[i + 1] = clamp(radius * Math.sin(angle), bound);
      }
      return out;
    },
    fillUniformInt(out, n) {
      int(n);
      for (let i = 0; i < out.length; i++) out[i] = int(n);
      return out;
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = items[i]!;
        items[i] = items[j]!;
        items[j] = tmp;
      }
      return items;
    },
    getState: () => Array.from(state),
    setState(words) {
      if (
        !Array.isArray(words) ||
        words.length !== 4 ||
        !words.every((w) => Number.isInteger(w) && w >= 0 && w < twoPow32) ||
        words.every((w) => w === 0)
      ) {
        throw new ConfigError(
          `an RNG state is four whole numbers in [0, 2^32), not all zero (as getState() returns); got ${JSON.stringify(words)}`,
          'rngState',
        );
      }
      state.set(words);
    },
  };
  return rng;
}

function clamp(x: number, bound: number): number {
  return Math.min(Math.max(x, -bound), bound);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32 over the seed's low and high 32-bit halves, so seeds beyond 2³² still differ. */
function seedState(seed: number): number[] {
  const low = seed >>> 0;
  const high = Math.floor(seed / twoPow32) >>> 0;
  let z = (low ^ Math.imul(high, 0x85ebca6b)) >>> 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let x = z;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    x = (x ^ (x >>> 16)) >>> 0;
    words.push(x);
  }
  // splitmix32 can in principle yield four zero words; xoshiro would then be stuck at 0 forever.
  if (!words.some((w) => w !== 0)) words[0] = 0x9e3779b9;
  return words;
}
