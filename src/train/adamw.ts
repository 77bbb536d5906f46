/**
 * AdamW (Loshchilov & Hutter) with the paper code's linear warm-up, written out because tfjs ships Adam only,
 * and an optional linear decay tail (off by default; the paper code has none) to anneal the end of a long run.
 *
 * Notation (per variable θ with gradient g; n = 1, 2, … is the update count, `step` = n − 1 before it):
 *   lr_n   = lr · min(1, n / warmup) · d(n − 1)         linear warm-up (docs/diffusion-forcing.md §2.5) times the decay tail
 *   d(s)   = 1                                  for s ≤ s₀
 *          = 1 − (1 − f) · (s − s₀) / (s₁ − s₀)  for s₀ ≤ s ≤ s₁     linear from 1 at s₀ to f at s₁
 *          = f                                  for s ≥ s₁
 *            with (s₀, s₁, f) = lrDecay (startStep, endStep, finalFactor); lrDecay null (default): d ≡ 1
 *   g      ← g · min(1, c / ‖G‖)                         optional global-norm clip over all gradients G
 *   m      ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
 *   θ      ← θ (1 − lr_n·λ) − lr_n · (m / (1 − β₁ⁿ)) / (√(v / (1 − β₂ⁿ)) + ε)
 * λ is the decoupled weight decay: it shrinks the weights directly instead of entering the gradient, so it is
 * not rescaled by the Adam denominator (PyTorch `AdamW` order: decay first, then the Adam step). It applies to
 * every variable, biases included, as the paper code's `torch.optim.AdamW(model.parameters())` does.
 *
 * Two forms of one update: `apply` with tfjs ops on tensors, and `applyPlain` on Float32Arrays (the plain
 * training engine's: no tensor per gradient, no kernel dispatch, no read-back of the weights). applyPlain does
 * the same float32 operations in the same order (every product, sum, quotient and square root rounded to
 * float32 with Math.fround, which equals float32 arithmetic for these operations), so the weights and moments
 * are bit for bit those of `apply`; only the global norm is summed in float64 (tfjs sums in float32), which
 * reaches the weights through the clip factor when gradClipNorm is set (a relative difference ≈ 1e-7 there).
 * The moments live in one place at a time: Float32Arrays after applyPlain, tfjs variables after apply (each
 * form moves them over when it runs after the other); getState/setState read and write wherever they are.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ConfigIssue } from '../errors.js';

export interface AdamWOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Steps of linear warm-up (lr·min(1, (step+1)/warmup)); 0 = none. */
  readonly warmupSteps: number;
  /** Global gradient-norm clip c; null = no clipping (the paper's maze training has none). */
  readonly gradClipNorm: number | null;
  /**
   * Linear lr decay tail: the factor is 1 up to `startStep`, falls linearly to `finalFactor` at `endStep`
   * and stays there (steps count completed updates, as in `learningRateAt`); null = constant after warm-up.
   */
  readonly lrDecay: LrDecay | null;
}

export interface LrDecay {
  readonly startStep: number;
  readonly endStep: number;
  /** lr multiplier reached at `endStep`, in [0, 1]. */
  readonly finalFactor: number;
}

export const defaultAdamWOptions: AdamWOptions = {
  learningRate: 2e-4,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 1e-4,
  warmupSteps: 100,
  gradClipNorm: null,
  lrDecay: null,
};

/** d(step) of the notation block: the decay multiplier for the update that follows `step` completed ones. */
function lrDecayFactor(decay: LrDecay | null, step: number): number {
  if (decay === null) return 1;
  const { startStep, endStep, finalFactor } = decay;
  if (step <= startStep) return 1;
  if (step >= endStep) return finalFactor;
  return 1 - ((1 - finalFactor) * (step - startStep)) / (endStep - startStep);
}

/** Moments and update count, as plain arrays (for checkpoints). */
export interface AdamWState {
  /** Updates applied so far. */
  readonly step: number;
  /** First and second moments per variable, in the optimizer's variable order. */
  readonly m: readonly Float32Array[];
  readonly v: readonly Float32Array[];
}

export function validateAdamWOptions(o: AdamWOptions): void {
  const issues: ConfigIssue[] = [];
  const positive = (path: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0))
      issues.push({ path, message: `must be a finite number > 0, got ${v}` });
  };
  positive('learningRate', o.learningRate);
  positive('epsilon', o.epsilon);
  for (const [path, v] of [
    ['beta1', o.beta1],
    ['beta2', o.beta2],
  ] as const) {
    if (!(v >= 0 && v < 1)) issues.push({ path, message: `must be in [0, 1), got ${v}` });
  }
  if (!(Number.isFinite(o.weightDecay) && o.weightDecay >= 0)) {
    issues.push({ path: 'weightDecay', message: `must be ≥ 0, got ${o.weightDecay}` });
  }
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0) {
    issues.push({ path: 'warmupSteps', message: `must be a whole number ≥ 0, got ${o.warmupSteps}` });
  }
  if (o.gradClipNorm !== null) positive('gradClipNorm', o.gradClipNorm);
  if (o.lrDecay !== null) {
    const { startStep, endStep, finalFactor } = o.lrDecay;
    if (!Number.isSafeInteger(startStep) || startStep < 0) {
      issues.push({ path: 'lrDecay.startStep', message: `must be a whole number ≥ 0, got ${startStep}` });
    }
    if (!Number.isSafeInteger(endStep) || !(endStep > startStep)) {
      issues.push({
        path: 'lrDecay.endStep',
        message: `must be a whole number > startStep (${startStep}), got ${endStep}`,
      });
    }
    if (!(finalFactor >= 0 && finalFactor <= 1)) {
      issues.push({ path: 'lrDecay.finalFactor', message: `must be in [0, 1], got ${finalFactor}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

export class AdamW {
  readonly options: AdamWOptions;
  readonly #variables: readonly tf.Variable[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  /** The moments as Float32Arrays while applyPlain runs (the tfjs variables are then out of date), else null. */
  #plain: { m: Float32Array[]; v: Float32Array[] } | null = null;
  #step = 0;

  constructor(variables: readonly tf.Variable[], options: Partial<AdamWOptions> = {}) {
    // `lrDecay: undefined` (a Partial built from optional flags) means no decay, like leaving it out.
    this.options = Object.freeze({ ...defaultAdamWOptions, ...options, lrDecay: options.lrDecay ?? null });
    validateAdamWOptions(this.options);
    this.#variables = variables;
    // Unnamed slot variables: tfjs gives them unique ids, so two optimizers never collide.
    // tidy frees the zero tensors the variables are made from (a variable holds its own reference).
    this.#m = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));
    this.#v = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));
  }

  /** The variables it updates, in its order. */
  get variables(): readonly tf.Variable[] {
    return this.#variables;
  }

  /** Updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /** lr for the update that follows `step` completed ones: warm-up times the decay tail. */
  learningRateAt(step: number): number {
    const { learningRate, warmupSteps, lrDecay } = this.options;
    const warm = warmupSteps > 0 ? learningRate * Math.min(1, (step + 1) / warmupSteps) : learningRate;
    return warm * lrDecayFactor(lrDecay, step);
  }

  /**
   * Applies one update from gradients aligned with the variables (same order, same shapes). Returns the
   * global gradient norm before clipping as a scalar tensor the caller owns (read it together with the loss to
   * avoid an extra GPU/wasm sync).
   */
  apply(grads: readonly tf.Tensor[]): tf.Scalar {
    if (grads.length !== this.#variables.length) {
      throw new ConfigError(
        `AdamW got ${grads.length} gradients for ${this.#variables.length} variables`,
        'grads',
      );
    }
    this.#movePlainMoments();
    const { beta1, beta2, epsilon, weightDecay, gradClipNorm } = this.options;
    const n = this.#step + 1;
    const lr = this.learningRateAt(this.#step);
    const norm = tf.tidy(() => {
      const sq = grads.map((g) => tf.sum(tf.square(g)));
      const gNorm = tf.sqrt(tf.addN(sq)) as tf.Scalar;
      const scale =
        gradClipNorm === null
          ? null
          : tf.minimum(tf.scalar(1), tf.div(tf.scalar(gradClipNorm), tf.add(gNorm, 1e-6)));
      const b1 = tf.scalar(beta1);
      const b2 = tf.scalar(beta2);
      const c1 = tf.scalar(1 - beta1);
      const c2 = tf.scalar(1 - beta2);
      const stepSize = tf.scalar(lr / (1 - beta1 ** n));
      const bias2 = tf.scalar(1 / Math.sqrt(1 - beta2 ** n));
      const eps = tf.scalar(epsilon);
      const shrink = tf.scalar(1 - lr * weightDecay);
      this.#variables.forEach((w, i) => {
        const g = scale === null ? grads[i]! : tf.mul(grads[i]!, scale);
        const m = tf.add(tf.mul(this.#m[i]!, b1), tf.mul(g, c1));
        const v = tf.add(tf.mul(this.#v[i]!, b2), tf.mul(tf.square(g), c2));
        const update = tf.div(tf.mul(m, stepSize), tf.add(tf.mul(tf.sqrt(v), bias2), eps));
        const next = tf.sub(weightDecay > 0 ? tf.mul(w, shrink) : w, update);
        this.#m[i]!.assign(m);
        this.#v[i]!.assign(v);
        w.assign(next);
      });
      return gNorm;
    });
    this.#step = n;
    return norm;
  }

  /**
   * `apply` on Float32Arrays (see the header): `weights` are the variables' current values in the optimizer's
   * order, updated in place and then written into the variables; `grads` aligned with them. Returns the global
   * gradient norm before clipping.
   */
  applyPlain(weights: readonly Float32Array[], grads: readonly Float32Array[]): number {
    const vars = this.#variables;
    if (grads.length !== vars.length || weights.length !== vars.length) {
      throw new ConfigError(
        `AdamW got ${weights.length} weights and ${grads.length} gradients for ${vars.length} variables`,
        'grads',
      );
    }
    for (let i = 0; i < vars.length; i++) {
      if (weights[i]!.length !== vars[i]!.size || grads[i]!.length !== vars[i]!.size) {
        throw new ConfigError(`AdamW: variable ${i} has ${vars[i]!.size} values, got other sizes`, 'grads');
      }
    }
    this.#plain ??= {
      m: this.#m.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
      v: this.#v.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    };
    const moments = this.#plain;
    const { beta1, beta2, epsilon, weightDecay, gradClipNorm } = this.options;
    const n = this.#step + 1;
    const lr = this.learningRateAt(this.#step);
    const f = Math.fround;
    let sq = 0;
    for (const g of grads) for (let j = 0; j < g.length; j++) sq += g[j]! * g[j]!;
    const norm = Math.sqrt(sq);
    // The scalars as tf.scalar makes them (float32), and the clip factor as apply forms it.
    const scale = gradClipNorm === null ? null : Math.min(1, f(f(gradClipNorm) / f(f(norm) + f(1e-6))));
    const b1 = f(beta1);
    const b2 = f(beta2);
    const c1 = f(1 - beta1);
    const c2 = f(1 - beta2);
    const stepSize = f(lr / (1 - beta1 ** n));
    const bias2 = f(1 / Math.sqrt(1 - beta2 ** n));
    const eps = f(epsilon);
    const shrink = f(1 - lr * weightDecay);
    for (let i = 0; i < vars.length; i++) {
      const w = weights[i]!;
      const gi = grads[i]!;
      const m = moments.m[i]!;
      const v = moments.v[i]!;
      for (let j = 0; j < w.length; j++) {
        const g = scale === null ? gi[j]! : f(gi[j]! * scale);
        const mj = f(f(m[j]! * b1) + f(g * c1));
        const vj = f(f(v[j]! * b2) + f(f(g * g) * c2));
        const update = f(f(mj * stepSize) / f(f(f(Math.sqrt(vj)) * bias2) + eps));
        m[j] = mj;
        v[j] = vj;
        w[j] = f((weightDecay > 0 ? f(w[j]! * shrink) : w[j]!) - update);
      }
    }
    tf.tidy(() => {
      for (let i = 0; i < vars.length; i++)
        vars[i]!.assign(tf.tensor(weights[i]!, vars[i]!.shape, 'float32'));
    });
    this.#step = n;
    return norm;
  }

  /** After applyPlain: the moments back into the tfjs variables (before a tfjs update reads them). */
  #movePlainMoments(): void {
    const plain = this.#plain;
    if (plain === null) return;
    tf.tidy(() => {
      this.#variables.forEach((w, i) => {
        this.#m[i]!.assign(tf.tensor(plain.m[i]!, w.shape, 'float32'));
        this.#v[i]!.assign(tf.tensor(plain.v[i]!, w.shape, 'float32'));
      });
    });
    this.#plain = null;
  }

  /** Copies the moments out (for a checkpoint). */
  async getState(): Promise<AdamWState> {
    if (this.#plain !== null) {
      return {
        step: this.#step,
        m: this.#plain.m.map((a) => Float32Array.from(a)),
        v: this.#plain.v.map((a) => Float32Array.from(a)),
      };
    }
    const m = await Promise.all(this.#m.map(async (t) => Float32Array.from(await t.data())));
    const v = await Promise.all(this.#v.map(async (t) => Float32Array.from(await t.data())));
    return { step: this.#step, m, v };
  }

  /** Restores moments and update count from `getState()` (sizes must match the variables). */
  setState(state: AdamWState): void {
    const sizes = this.#variables.map((w) => w.size);
    if (
      state.m.length !== sizes.length ||
      state.v.length !== sizes.length ||
      sizes.some((s, i) => state.m[i]!.length !== s || state.v[i]!.length !== s)
    ) {
      throw new ConfigError(
        'optimizer state does not match the model variables (count or sizes differ)',
        'optimizer',
      );
    }
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new ConfigError(`optimizer step must be a whole number ≥ 0, got ${state.step}`, 'optimizer.step');
    }
    tf.tidy(() => {
      this.#variables.forEach((w, i) => {
        this.#m[i]!.assign(tf.tensor(state.m[i]!, w.shape, 'float32'));
        this.#v[i]!.assign(tf.tensor(state.v[i]!, w.shape, 'float32'));
      });
    });
    this.#plain = null;
    this.#step = state.step;
  }

  dispose(): void {
    for (const t of [...this.#m, ...this.#v]) t.dispose();
  }
}
