/**
 * Steps of a plan that are known before it is sampled, and how the sampler is held to them (inpainting by
 * replacement, the way Diffuser conditions on the current state). A plan's first token starts at the last token
 * boundary, so a plan made within a token, or for a later step than the one it is made at, overlaps steps whose
 * values are not free:
 *
 *   j          steps of the current token already executed and observed: every value (action, reward,
 *              observation) is known
 *   c          committed steps right after them: actions the robot will execute while the plan is computed
 *              (real-time chunking freezes them because they surely run); only their action entries are known,
 *              what they lead to is planned
 *   K, M       known values (normalised like tokens) and mask over the first ⌈(j + c)/F⌉ tokens
 *   replace    before the first row and after every row that moves a token t, each sample's known entries of t
 *              become √ᾱ_τ·K + √(1−ᾱ_τ)·w at the token's new level τ (w ~ N(0, I) fresh, clamped like the
 *              sampler's noise), and exactly K at τ = −1 (clean). The unknown entries are denoised with the known
 *              ones in the model's input, so the plan continues from what happened.
 *
 * A token is one input of the model with one noise level, so a partly known token cannot be "observed at a
 * lower level" entry by entry; replacement works per entry at the token's level. With nothing known (a plan at a
 * boundary, nothing committed) no noise is drawn and the plan is what it was without this module.
 */
import { alphaBarAt, type NoiseSchedule, type Rng } from '../math/index.js';
import type { StepCodec } from './step-codec.js';

export interface KnownSteps {
  /** Tokens that hold known entries (from token 0). */
  readonly tokens: number;
  /** Normalised values [tokens·D]; entries outside the mask are 0. */
  readonly values: Float32Array;
  /** 1 where the entry is known [tokens·D]. */
  readonly mask: Uint8Array;
}

export interface KnownStepsInput {
  readonly codec: StepCodec;
  /** F, steps per token. */
  readonly frames: number;
  /** Plan tokens H (known steps past the plan are dropped). */
  readonly horizon: number;
  /** Raw executed steps of the current token, [j × stepSize] in layout order. */
  readonly observed: Float32Array;
  /** Raw actions of the committed steps after them, [c × actionSize]. */
  readonly committed: ArrayLike<number>;
}

/** The known entries of a plan, or null when there are none. */
export function knownSteps(input: KnownStepsInput): KnownSteps | null {
  const { codec, frames, horizon, observed, committed } = input;
  const size = codec.stepSize;
  const j = observed.length / size;
  const c = committed.length / codec.actionSize;
  const steps = Math.min(j + c, horizon * frames);
  if (steps === 0) return null;
  const tokens = Math.ceil(steps / frames);
  const raw = new Float32Array(tokens * frames * size);
  const mask = new Uint8Array(raw.length);
  raw.set(observed.subarray(0, Math.min(j, steps) * size));
  mask.fill(1, 0, Math.min(j, steps) * size);
  for (let s = j; s < steps; s++) {
    for (const [i, k] of codec.actionIndices.entries()) {
      raw[s * size + k] = committed[(s - j) * codec.actionSize + i]!;
      mask[s * size + k] = 1;
    }
  }
  // Normalise whole steps (the codec's per-dimension statistics), then clear what is not known.
  const values = codec.normalize(raw);
  for (let i = 0; i < values.length; i++) if (mask[i] === 0) values[i] = 0;
  return { tokens, values, mask };
}

export interface ImposeOptions {
  /** Real level of every plan token after the row (−1 = clean). */
  readonly levels: ArrayLike<number>;
  /** Tokens to replace (e.g. those the row moved); all known tokens when absent. */
  readonly moved?: ArrayLike<boolean>;
  readonly batch: number;
  readonly tokenSize: number;
  readonly schedule: NoiseSchedule;
  readonly rng: Rng;
  readonly clipNoise: number;
}

/** Replaces the known entries of `x` [H·B·D] (time-major, in place) at their tokens' levels. */
export function imposeKnown(x: Float32Array, known: KnownSteps, options: ImposeOptions): void {
  const { levels, moved, batch, tokenSize: d, schedule, rng, clipNoise } = options;
  const tokens = Math.min(known.tokens, levels.length);
  for (let t = 0; t < tokens; t++) {
    if (moved !== undefined && !moved[t]) continue;
    const level = levels[t]!;
    const values = known.values.subarray(t * d, (t + 1) * d);
    const mask = known.mask.subarray(t * d, (t + 1) * d);
    let count = 0;
    for (const m of mask) count += m;
    if (count === 0) continue;
    const a = Math.sqrt(alphaBarAt(schedule, level));
    const s = Math.sqrt(1 - alphaBarAt(schedule, level));
    const noise = level === -1 ? null : rng.fillNormal(new Float32Array(count * batch), clipNoise);
    let n = 0;
    for (let b = 0; b < batch; b++) {
      const row = (t * batch + b) * d;
      for (let i = 0; i < d; i++) {
        if (mask[i] === 0) continue;
        x[row + i] = noise === null ? values[i]! : a * values[i]! + s * noise[n++]!;
      }
    }
  }
}
