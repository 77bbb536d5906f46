/**
 * Per-token loss weights for the three prediction objectives (docs/diffusion-forcing.md §2.3).
 *
 * Notation:
 *   SNR_k   ᾱ_k/(1 − ᾱ_k) at the token's level k (`schedule.snr`)
 *   C       `snrClip` (5 in the paper)
 *   constant   w = 0.5·C (2.5), whatever the objective or level (paper branch, planning and robot)
 *   min_snr    x₀: w = min(SNR, C);   ε: w = min(SNR, C)/SNR;   v: w = min(SNR, C)/(SNR + 1)
 *   fused SNR (video only, needs the whole sequence; `fusedSnrWeights`):
 *     S_t  = min(SNR_t, C)/C,  U_t = SNR_t/C (unclipped)
 *     S̄_t  = running mean over earlier tokens: S̄_0 = S_0, S̄_t = γ·S̄_{t−1} + (1 − γ)·S_t; before token 0 it is 0
 *     S′_t = 1 − (1 − γ·S̄_{t−1})(1 − S_t),  U′_t = 1 − (1 − γ·S̄_{t−1})(1 − U_t)
 *     x₀: w = S′·C;   ε: w = S′/U′;   v: w = S′·C/(U′·C + 1)
 *   γ       `decay` = cum_snr_decay^F (the caller raises it to the frame stack F)
 */
import { ConfigError } from '../errors.js';
import type { NoiseSchedule } from './noise-schedule.js';

/** Same union as `Objective` in src/model/types.ts: what the network's head predicts. */
export type Objective = 'x0' | 'eps' | 'v';
export const objectives: readonly Objective[] = ['x0', 'eps', 'v'];

/** Weightings that depend on the token's level alone (fused SNR needs the sequence: `fusedSnrWeights`). */
export type LossWeightKind = 'constant' | 'min_snr';
export const lossWeightKinds: readonly LossWeightKind[] = ['constant', 'min_snr'];

/** The loss weight of one token at diffusion level `level` (0 … K−1). */
export function lossWeight(
  kind: LossWeightKind,
  objective: Objective,
  schedule: NoiseSchedule,
  level: number,
  snrClip = 5,
): number {
  checkArguments(kind, objective, snrClip);
  checkTrainingLevel(schedule, level);
  return weightAt(kind, objective, schedule.snr[level]!, snrClip);
}

/** Weights for every level 0 … K−1, so a training step looks them up by level. */
export function lossWeightTable(
  kind: LossWeightKind,
  objective: Objective,
  schedule: NoiseSchedule,
  snrClip = 5,
): Float64Array {
  checkArguments(kind, objective, snrClip);
  const table = new Float64Array(schedule.levels);
  for (let k = 0; k < schedule.levels; k++) table[k] = weightAt(kind, objective, schedule.snr[k]!, snrClip);
  return table;
}

/**
 * Fused-SNR weights for one sequence of tokens (in time order) at the given levels. Earlier tokens that are
 * already clear lower the weight of later noisy ones, which the paper found helps video only.
 */
export function fusedSnrWeights(
  objective: Objective,
  schedule: NoiseSchedule,
  levels: ArrayLike<number>,
  options: { snrClip?: number; decay: number },
): Float64Array {
  const snrClip = options.snrClip ?? 5;
  const { decay } = options;
  checkArguments('constant', objective, snrClip);
  if (!(decay >= 0 && decay <= 1)) {
    throw new ConfigError(`the fused-SNR decay γ must be in [0, 1], got ${decay}`, 'decay');
  }
  const out = new Float64Array(levels.length);
  let runningMean = 0;
  for (let t = 0; t < levels.length; t++) {
    const level = levels[t]!;
    checkTrainingLevel(schedule, level);
    const snr = schedule.snr[level]!;
    const clipped = Math.min(snr, snrClip) / snrClip;
    const unclipped = snr / snrClip;
    const carried = t === 0 ? 0 : decay * runningMean;
    const fused = 1 - (1 - carried) * (1 - clipped);
    const fusedUnclipped = 1 - (1 - carried) * (1 - unclipped);
    switch (objective) {
      case 'x0':
        out[t] = fused * snrClip;
        break;
      case 'eps':
        out[t] = fused / fusedUnclipped;
        break;
      case 'v':
        out[t] = (fused * snrClip) / (fusedUnclipped * snrClip + 1);
        break;
    }
    runningMean = t === 0 ? clipped : decay * runningMean + (1 - decay) * clipped;
  }
  return out;
}

function weightAt(kind: LossWeightKind, objective: Objective, snr: number, snrClip: number): number {
  if (kind === 'constant') return 0.5 * snrClip;
  const clipped = Math.min(snr, snrClip);
  switch (objective) {
    case 'x0':
      return clipped;
    case 'eps':
      return clipped / snr;
    case 'v':
      return clipped / (snr + 1);
  }
}

function checkArguments(kind: LossWeightKind, objective: Objective, snrClip: number): void {
  const issues: { path: string; message: string }[] = [];
  if (!lossWeightKinds.includes(kind)) {
    issues.push({
      path: 'lossWeight',
      message: `unknown weighting '${String(kind)}'; valid: ${lossWeightKinds.join(', ')}`,
    });
  }
  if (!objectives.includes(objective)) {
    issues.push({
      path: 'objective',
      message: `unknown objective '${String(objective)}'; valid: ${objectives.join(', ')}`,
    });
  }
  if (!(Number.isFinite(snrClip) && snrClip > 0)) {
    issues.push({
      path: 'snrClip',
      message: `the SNR clip must be a positive number (paper: 5), got ${snrClip}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

function checkTrainingLevel(schedule: NoiseSchedule, level: number): void {
  if (!Number.isInteger(level) || level < 0 || level >= schedule.levels) {
    throw new ConfigError(
      `loss weights exist for training levels 0 … ${schedule.levels - 1}, got ${level}`,
      'level',
    );
  }
}
