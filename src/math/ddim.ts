/**
 * DDIM on real diffusion levels (docs/diffusion-forcing.md §4.1, §4.5, §5.2): which levels S sampling steps visit, the
 * coefficients of one move τ → τ′, the move itself on Float32Arrays, and the paper's guidance gain.
 *
 * Notation:
 *   K            diffusion levels of the schedule (`schedule.levels`), real levels 0 … K−1, −1 = clean
 *   S            DDIM sampling steps (`steps`)
 *   τ, τ′        `fromLevel`, `toLevel` (τ′ < τ; τ′ = −1 means clean, where ᾱ = 1)
 *   η            `eta`: 0 = deterministic DDIM, 1 = DDPM-like noise
 *   σ            `sigma` = η·√((1 − ᾱ_τ/ᾱ_τ′)(1 − ᾱ_τ′)/(1 − ᾱ_τ))
 *   c            √(1 − ᾱ_τ′ − σ²), the weight of ε̂
 *   x′           next sample = √ᾱ_τ′·x̂₀ + c·ε̂ + σ·w,  w ~ N(0, I) (clamped by the caller)
 *   g            paper guidance gain = (1 − ᾱ_τ) − c·√(1 − ᾱ_τ)
 */
import { ConfigError } from '../errors.js';
import { alphaBarAt, checkLevel, type NoiseSchedule } from './noise-schedule.js';

/**
 * Real levels visited by S DDIM steps, descending, length S+1: int(linspace(−1, K−1, S+1)) reversed.
 * S = 50, K = 1000 → 999, 979, …, 19, −1. Computed in integers (−1 + ⌊i·K/S⌋), so no float rounding can
 * move a level by one.
 */
export function ddimLevels(steps: number, levels = 1000): Int32Array {
  if (!Number.isInteger(levels) || levels < 1) {
    throw new ConfigError(`diffusion levels must be a whole number ≥ 1, got ${levels}`, 'levels');
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > levels) {
    throw new ConfigError(
      `DDIM steps must be a whole number from 1 to the ${levels} trained diffusion levels, got ${steps}`,
      'steps',
    );
  }
  const out = new Int32Array(steps + 1);
  // linspace(−1, K−1, S+1)[i] = −1 + i·K/S ≥ −1; truncating toward zero equals flooring for i ≥ 1.
  for (let i = 0; i <= steps; i++) out[steps - i] = i === 0 ? -1 : -1 + Math.floor((i * levels) / steps);
  return out;
}

/**
 * The level a finished (clean) token is labelled with when it only feeds the latent chain: the last noisy
 * DDIM level, ddimLevels(S)[S−1] (19 for S = 50, 39 for S = 25, 9 for S = 100). The paper branch feeds
 * clean tokens at this label so the network is never called with a level it rarely saw (docs/diffusion-forcing.md §4.5).
 */
export function stabilizationLevel(steps: number, levels = 1000): number {
  return ddimLevels(steps, levels)[steps - 1]!;
}

export interface DdimStepCoefficients {
  /** √ᾱ_τ′, the weight of x̂₀ (1 when τ′ = −1). */
  readonly sqrtAlphaBarNext: number;
  /** c = √(1 − ᾱ_τ′ − σ²), the weight of ε̂. */
  readonly c: number;
  /** σ, the weight of fresh noise w. */
  readonly sigma: number;
}

/**
 * Coefficients of the DDIM move τ → τ′ (τ′ ≤ τ). τ′ = −1 gives x′ = x̂₀ (1, 0, 0). τ′ = τ (a token that keeps
 * its level) gives σ = 0 and c = √(1−ᾱ_τ), i.e. x̂₀ and ε̂ are recombined at the same level.
 */
export function ddimStepCoefficients(
  schedule: NoiseSchedule,
  fromLevel: number,
  toLevel: number,
  eta: number,
): DdimStepCoefficients {
  checkLevel(schedule, fromLevel, 'fromLevel');
  checkLevel(schedule, toLevel, 'toLevel');
  if (toLevel > fromLevel) {
    throw new ConfigError(
      `a DDIM step goes toward less noise, but it was asked to go from level ${fromLevel} up to ${toLevel}; ` +
        `use q_sample to add noise`,
      'toLevel',
    );
  }
  if (!(eta >= 0 && eta <= 1)) {
    throw new ConfigError(`eta must be in [0, 1] (0 = deterministic DDIM, 1 = DDPM-like), got ${eta}`, 'eta');
  }
  if (toLevel === -1) return { sqrtAlphaBarNext: 1, c: 0, sigma: 0 };
  const alphaBar = alphaBarAt(schedule, fromLevel);
  const alphaBarNext = alphaBarAt(schedule, toLevel);
  const sigma =
    toLevel === fromLevel
      ? 0
      : eta * Math.sqrt(((1 - alphaBar / alphaBarNext) * (1 - alphaBarNext)) / (1 - alphaBar));
  // σ² ≤ 1 − ᾱ_τ′ holds exactly for η ≤ 1; the clamp only absorbs rounding.
  const c = Math.sqrt(Math.max(0, 1 - alphaBarNext - sigma * sigma));
  return { sqrtAlphaBarNext: Math.sqrt(alphaBarNext), c, sigma };
}

/**
 * One DDIM move: x′ = √ᾱ_τ′·x̂₀ + c·ε̂ + σ·w. `noise` (w, already clamped) is required when σ > 0 and
 * ignored when σ = 0. Writes into `out` when given (may alias an input).
 */
export function ddimStep(
  x0Hat: Float32Array,
  epsHat: Float32Array,
  coeffs: DdimStepCoefficients,
  noise?: Float32Array,
  out?: Float32Array,
): Float32Array {
  const n = x0Hat.length;
  if (epsHat.length !== n) {
    throw new ConfigError(`ddimStep: x0Hat has ${n} elements but epsHat has ${epsHat.length}`, 'epsHat');
  }
  const { sqrtAlphaBarNext: a, c, sigma } = coeffs;
  const useNoise = sigma !== 0;
  if (useNoise && (noise === undefined || noise.length !== n)) {
    throw new ConfigError(
      `ddimStep: σ = ${sigma} > 0 needs a noise buffer of ${n} elements, got ` +
        `${noise === undefined ? 'none' : noise.length}; pass noise or use eta = 0`,
      'noise',
    );
  }
  const result = out ?? new Float32Array(n);
  if (result.length !== n)
    throw new ConfigError(`ddimStep: out has ${result.length} elements, expected ${n}`, 'out');
  if (useNoise) {
    const w = noise!;
    for (let i = 0; i < n; i++) result[i] = a * x0Hat[i]! + c * epsHat[i]! + sigma * w[i]!;
  } else {
    for (let i = 0; i < n; i++) result[i] = a * x0Hat[i]! + c * epsHat[i]!;
  }
  return result;
}

/**
 * The paper branch's guidance gain for a token that just moved τ → τ′ (docs/diffusion-forcing.md §5.2):
 * g = (1 − ᾱ_τ) − c·√(1 − ᾱ_τ); with η = 0 this is √(1−ᾱ_τ)(√(1−ᾱ_τ) − √(1−ᾱ_τ′)). 0 on the final move to
 * clean and for tokens that keep their level; ≈ 0 for tokens that have not started (ᾱ_999 ≈ ᾱ_979).
 */
export function paperGuidanceGain(
  schedule: NoiseSchedule,
  fromLevel: number,
  toLevel: number,
  eta: number,
): number {
  const { c } = ddimStepCoefficients(schedule, fromLevel, toLevel, eta);
  if (toLevel === -1 || fromLevel === toLevel) return 0;
  const oneMinus = 1 - alphaBarAt(schedule, fromLevel);
  return oneMinus - c * Math.sqrt(oneMinus);
}
