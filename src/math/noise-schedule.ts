/**
 * β schedules and the tables derived from them (docs/diffusion-forcing.md §2.2), computed in float64.
 *
 * Notation (index k = 0 … K−1 is the diffusion level; k = −1 means clean, see `alphaBarAt`):
 *   K           `levels`, number of diffusion levels (1000 in the paper)
 *   β_k         `betas`, per-level noise variance
 *   α_k         `alphas` = 1 − β_k
 *   ᾱ_k         `alphaBar` = Π_{j≤k} α_j
 *   √ᾱ_k        `sqrtAlphaBar`;  √(1−ᾱ_k) `sqrtOneMinusAlphaBar`
 *   SNR_k       `snr` = ᾱ_k / (1 − ᾱ_k)
 *
 * Schedules:
 *   linear   β = linspace(1e-4·1000/K, 0.02·1000/K, K)                       (maze2d planning)
 *   cosine   ᾱ(s) = cos²(((s/K) + 0.008)/1.008 · π/2) / ᾱ(0), s = 0 … K;  β_k = 1 − ᾱ(k+1)/ᾱ(k), β ≤ 0.999
 *   sigmoid  ᾱ(s) from the ramp σ((s/K)·(end−start) + start)/τ), start −3, end 3, τ 1, normalised; β ≤ 0.999
 * Every table is recomputed from the (possibly clipped) β, so ᾱ is always the true cumulative product.
 */
import { ConfigError } from '../errors.js';

/** Same union as `BetaScheduleKind` in src/model/types.ts (src/math imports nothing outside it but src/errors.ts, so it is repeated). */
export type BetaScheduleKind = 'linear' | 'cosine' | 'sigmoid';

export const betaScheduleKinds: readonly BetaScheduleKind[] = ['linear', 'cosine', 'sigmoid'];

export interface NoiseSchedule {
  readonly kind: BetaScheduleKind;
  /** K. */
  readonly levels: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphaBar: Float64Array;
  readonly sqrtAlphaBar: Float64Array;
  readonly sqrtOneMinusAlphaBar: Float64Array;
  readonly snr: Float64Array;
}

/** Largest β the cosine and sigmoid schedules allow; without it the last level would have ᾱ = 0. */
const maxBeta = 0.999;
const cosineOffset = 0.008;
const sigmoidStart = -3;
const sigmoidEnd = 3;
const sigmoidTau = 1;

/** Builds the β schedule of `kind` over `levels` diffusion levels and every table derived from it. */
export function noiseSchedule(kind: BetaScheduleKind, levels = 1000): NoiseSchedule {
  if (!Number.isInteger(levels) || levels < 1) {
    throw new ConfigError(
      `diffusion levels must be a whole number ≥ 1, got ${levels}; the paper uses 1000`,
      'levels',
    );
  }
  let betas: Float64Array;
  switch (kind) {
    case 'linear':
      betas = linearBetas(levels);
      break;
    case 'cosine':
      betas = betasFromAlphaBarCurve(levels, cosineAlphaBar);
      break;
    case 'sigmoid':
      betas = betasFromAlphaBarCurve(levels, sigmoidAlphaBar);
      break;
    default:
      throw new ConfigError(
        `unknown β schedule '${String(kind)}'; valid schedules: ${betaScheduleKinds.join(', ')}`,
        'schedule',
      );
  }
  const alphas = new Float64Array(levels);
  const alphaBar = new Float64Array(levels);
  const sqrtAlphaBar = new Float64Array(levels);
  const sqrtOneMinusAlphaBar = new Float64Array(levels);
  const snr = new Float64Array(levels);
  let product = 1;
  for (let k = 0; k < levels; k++) {
    const alpha = 1 - betas[k]!;
    product *= alpha;
    alphas[k] = alpha;
    alphaBar[k] = product;
    sqrtAlphaBar[k] = Math.sqrt(product);
    sqrtOneMinusAlphaBar[k] = Math.sqrt(1 - product);
    snr[k] = product / (1 - product);
  }
  return { kind, levels, betas, alphas, alphaBar, sqrtAlphaBar, sqrtOneMinusAlphaBar, snr };
}

/**
 * ᾱ at a diffusion level, with level −1 (clean) giving 1 so DDIM code can treat "go to clean" as one more
 * level instead of a special case.
 */
export function alphaBarAt(schedule: NoiseSchedule, level: number): number {
  if (level === -1) return 1;
  checkLevel(schedule, level);
  return schedule.alphaBar[level]!;
}

/** Throws a ConfigError unless `level` is an integer in [−1, K−1]. */
export function checkLevel(schedule: NoiseSchedule, level: number, name = 'level'): void {
  if (!Number.isInteger(level) || level < -1 || level >= schedule.levels) {
    throw new ConfigError(
      `diffusion level ${level} is outside this ${schedule.kind} schedule: use a whole number from ` +
        `-1 (clean) to ${schedule.levels - 1}`,
      name,
    );
  }
}

function linearBetas(levels: number): Float64Array {
  const scale = 1000 / levels;
  const start = 1e-4 * scale;
  const end = 0.02 * scale;
  // With few levels the scaled β would reach 1 and zero out ᾱ: say so instead of returning NaN tables.
  if (end >= 1) {
    throw new ConfigError(
      `the linear schedule needs more than 20 levels (β would reach ${end} with ${levels}); ` +
        `raise the levels or use the cosine schedule`,
      'levels',
    );
  }
  const betas = new Float64Array(levels);
  if (levels === 1) {
    betas[0] = start;
    return betas;
  }
  for (let k = 0; k < levels; k++) betas[k] = start + ((end - start) * k) / (levels - 1);
  return betas;
}

/** β_k = 1 − ᾱ(k+1)/ᾱ(k) from a continuous curve ᾱ(t), t = s/K ∈ [0, 1], clipped to [0, 0.999]. */
function betasFromAlphaBarCurve(levels: number, curve: (t: number) => number): Float64Array {
  const betas = new Float64Array(levels);
  const first = curve(0);
  let previous = 1;
  for (let k = 0; k < levels; k++) {
    const next = curve((k + 1) / levels) / first;
    const beta = 1 - next / previous;
    betas[k] = Math.min(Math.max(beta, 0), maxBeta);
    previous = next;
  }
  return betas;
}

function cosineAlphaBar(t: number): number {
  const c = Math.cos(((t + cosineOffset) / (1 + cosineOffset)) * Math.PI * 0.5);
  return c * c;
}

function sigmoidAlphaBar(t: number): number {
  const vStart = sigmoid(sigmoidStart / sigmoidTau);
  const vEnd = sigmoid(sigmoidEnd / sigmoidTau);
  return (vEnd - sigmoid((t * (sigmoidEnd - sigmoidStart) + sigmoidStart) / sigmoidTau)) / (vEnd - vStart);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
