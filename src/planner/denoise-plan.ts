/**
 * Runs a plan's rows (Algorithm 2 with guidance) and skips the work that cannot change the result
 * (docs/performance.md §7, "to go faster"):
 *
 *   prefix     tokens 0 … p−1 that are finished (level −1) at this row. They never change again and z₀ is
 *              fixed, so the latent after them, z_p, is the same in every later row: it is computed once, when
 *              a token joins the prefix, by a forward pass over the newly finished tokens (fed at the
 *              stabilisation label, as the full rollout would feed them), and every row's rollout starts at
 *              z_p instead of z₀. Exact, and it removes the growing clean half of the pyramid from every row.
 *   tail       tokens after the last one whose level changes. Without guidance nothing reads their outputs,
 *              so unguided rows stop the rollout before them. Guided rows keep them: their x̂₀ (the model's
 *              prediction of the far future from pure noise) is part of J, and its gradient reaches the
 *              active tokens through the latent chain. The last row always covers every token, because its
 *              x̂₀ is the plan.
 *   guidance   rows where every gain is 0 (e.g. only final moves to clean) run without a gradient.
 *
 * Cell calls are counted as they run: tokens per rollout × batch, including the prefix passes.
 *
 * planNetwork 'plain' runs the same rows with the network in Float32Arrays (plainNetworkFor, plainRow): the
 * tokens and the prefix latent stay in typed arrays between rows, and the objective's gradient with respect
 * to x̂₀ is its plain form (`plainGradient`; tf.grad for an objective without one). Same rows, prefix cache, tail skipping, cell counts and noise draws; results
 * agree with 'tfjs' to float rounding. It needs the 'label' stabilisation (the planner's).
 *
 * known      entries of the first tokens that are already known (steps executed or committed within the
 *            current token, known-steps.ts) are replaced at each token's level before the first row, after
 *            every row that moves the token, and exactly in the returned plan.
 */
import * as tf from '@tensorflow/tfjs';
import { denoiseRow, type SamplerContext } from '../diffusion/sampler.js';
import { ConfigError } from '../errors.js';
import { type MatrixTransition, type NoiseSchedule, paperGuidanceGain } from '../math/index.js';
import { type PlainNetwork, plainNetworkFor } from '../model/plain-network.js';
import { guidedRow, type PlainGradient, plainRow } from './guided-row.js';
import { type ImposeOptions, imposeKnown, type KnownSteps } from './known-steps.js';
import type { PlanNetwork } from './types.js';

export interface DenoisePlanOptions {
  /** Context of the whole plan: z0 [B, z], horizon H, batch B, 'label' stabilisation. */
  readonly context: SamplerContext;
  readonly transitions: readonly MatrixTransition[];
  /** Starting tokens [H, B, D] at the first row's levels (not disposed). */
  readonly x: tf.Tensor3D;
  /** Guidance scale s; guidance is off when 0 or when `score` is null. */
  readonly guidanceScale: number;
  /** J per sample of a whole plan [H, B, D] → [B]. */
  readonly score: ((x0Hat: tf.Tensor3D) => tf.Tensor1D) | null;
  /**
   * The objective's plain gradient with its context bound (planNetwork 'plain' uses it instead of tf.grad of
   * `score`); null or absent: tf.grad.
   */
  readonly plainGradient?: PlainGradient | null;
  /** Network implementation of the rows (default 'tfjs'). */
  readonly planNetwork?: PlanNetwork;
  /** Known entries of the first tokens (inpainted), or null/absent when every entry is planned. */
  readonly known?: KnownSteps | null;
}

export interface DenoisedPlan {
  /** Final clean estimate of every token [H, B, D] (the caller disposes it). */
  readonly x0Hat: tf.Tensor3D;
  /** Transitions run, and those of them that took a guidance gradient. */
  readonly rows: number;
  readonly guidedRows: number;
  readonly cellCalls: number;
  /** Real level of every token after the last row (−1 = clean). */
  readonly finalLevels: Int32Array;
}

export function denoisePlan(options: DenoisePlanOptions): DenoisedPlan {
  const { context, transitions, guidanceScale, score } = options;
  const { horizon: h, batch: b, tokenSize: d } = context;
  const finalLevels = new Int32Array(h);
  if (transitions.length === 0) {
    return { x0Hat: tf.clone(options.x), rows: 0, guidedRows: 0, cellCalls: 0, finalLevels };
  }
  if (options.planNetwork === 'plain') {
    if (context.stabilizationMode !== 'label') {
      throw new ConfigError(
        `planNetwork 'plain' feeds finished tokens at the stabilisation label only; got stabilisation ` +
          `'${context.stabilizationMode}' — use planNetwork 'tfjs' for it`,
        'planNetwork',
      );
    }
    return denoisePlanPlain(options, plainNetworkFor(context.model));
  }
  const guidance = score !== null && guidanceScale > 0;
  const { schedule, eta } = context;
  const known = options.known ?? null;
  let x = known === null ? options.x : imposedTensor(options.x, known, context, transitions[0]!.fromLevel);
  let z = context.z0;
  let prefix = 0;
  let cellCalls = 0;
  let guidedRows = 0;
  let x0Hat: tf.Tensor3D | null = null;
  const stabilisation = tf.scalar(context.stabilizationLevel, 'int32');
  try {
    for (const [i, transition] of transitions.entries()) {
      const last = i === transitions.length - 1;
      const { fromLevel, toLevel } = transition;

      let p = prefix;
      while (p < h && fromLevel[p] === -1) p++;
      if (p > prefix) {
        const from = prefix;
        const zNext = tf.tidy(() => {
          const tokens = tf.slice(x, [from, 0, 0], [p - from, b, d]);
          const labels = tf.broadcastTo(stabilisation, [p - from, b]) as tf.Tensor2D;
          const { out, zLast } = context.model.rollout(z, tokens, labels);
          out.dispose();
          return zLast;
        });
        cellCalls += (p - from) * b;
        if (z !== context.z0) z.dispose();
        z = zNext;
        prefix = p;
      }

      const { gains, guided, end } = rowPlan(
        fromLevel,
        toLevel,
        p,
        guidance ? guidanceScale : 0,
        schedule,
        eta,
        last,
      );
      if (end <= p) continue; // nothing moves and nothing is read this row

      const zRow = z;
      const start = p;
      const result = tf.tidy(() => {
        const sub: SamplerContext = { ...context, z0: zRow, horizon: end - start };
        const subTransition = sliceTransition(transition, start, end);
        const active = tf.slice(x, [start, 0, 0], [end - start, b, d]);
        const before = start > 0 ? tf.slice(x, [0, 0, 0], [start, b, d]) : null;
        let next: tf.Tensor3D;
        let estimate: tf.Tensor3D | null = null;
        if (guided) {
          const row = guidedRow({
            context: sub,
            x: active,
            transition: subTransition,
            prefix: before,
            score: score!,
            gains: gains.subarray(0, end - start),
          });
          next = row.x;
          estimate = row.x0Hat;
        } else {
          const row = denoiseRow(sub, active, subTransition);
          next = row.x;
          if (last)
            estimate = before === null ? row.x0Hat : (tf.concat([before, row.x0Hat], 0) as tf.Tensor3D);
        }
        const parts = [before, next, end < h ? tf.slice(x, [end, 0, 0], [h - end, b, d]) : null].filter(
          (part): part is tf.Tensor3D => part !== null,
        );
        const tokens = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor3D);
        return last ? { tokens, estimate: estimate! } : { tokens };
      });
      cellCalls += (end - start) * b;
      if (guided) guidedRows++;
      if (x !== options.x) x.dispose();
      x = result.tokens;
      if (known !== null) {
        const imposed = imposedTensor(x, known, context, transition.toLevel, transition.changes);
        x.dispose();
        x = imposed;
      }
      if (last) x0Hat = result.estimate ?? null;
    }
    finalLevels.set(transitions[transitions.length - 1]!.toLevel);
    // A last row with every token already finished runs nothing: the tokens are the plan.
    let plan = x0Hat ?? tf.clone(x);
    if (known !== null) {
      const exact = imposedTensor(plan, known, context, new Int32Array(h).fill(-1));
      plan.dispose();
      plan = exact;
    }
    return { x0Hat: plan, rows: transitions.length, guidedRows, cellCalls, finalLevels };
  } finally {
    stabilisation.dispose();
    if (x !== options.x) x.dispose();
    if (z !== context.z0) z.dispose();
  }
}

/** The same loop as `denoisePlan` with the tokens and latents in Float32Arrays and the plain network. */
function denoisePlanPlain(options: DenoisePlanOptions, net: PlainNetwork): DenoisedPlan {
  const { context, transitions, guidanceScale, score } = options;
  const { horizon: h, batch: b, tokenSize: d, schedule, eta } = context;
  const guidance = score !== null && guidanceScale > 0;
  const block = b * d;
  const x = Float32Array.from(options.x.dataSync() as Float32Array);
  const known = options.known ?? null;
  const impose = (buffer: Float32Array, levels: ArrayLike<number>, moved?: ArrayLike<boolean>) =>
    imposeKnown(buffer, known!, imposeOptions(context, levels, moved));
  if (known !== null) impose(x, transitions[0]!.fromLevel);
  let z = Float32Array.from(context.z0.dataSync() as Float32Array);
  let prefix = 0;
  let cellCalls = 0;
  let guidedRows = 0;
  let x0Hat: Float32Array | null = null;
  for (const [i, transition] of transitions.entries()) {
    const last = i === transitions.length - 1;
    const { fromLevel, toLevel } = transition;

    let p = prefix;
    while (p < h && fromLevel[p] === -1) p++;
    if (p > prefix) {
      const labels = new Int32Array((p - prefix) * b).fill(context.stabilizationLevel);
      z = net.forward(z, x.subarray(prefix * block, p * block), labels).zLast.slice();
      cellCalls += (p - prefix) * b;
      prefix = p;
    }

    const { gains, guided, end } = rowPlan(
      fromLevel,
      toLevel,
      p,
      guidance ? guidanceScale : 0,
      schedule,
      eta,
      last,
    );
    if (end <= p) continue;

    const row = plainRow({
      net,
      context: { ...context, horizon: end - p },
      z0: z,
      x: x.subarray(p * block, end * block),
      transition: sliceTransition(transition, p, end),
      prefix: p > 0 ? x.subarray(0, p * block) : null,
      guidance: guided
        ? { score: score!, plainGradient: options.plainGradient ?? null, gains: gains.subarray(0, end - p) }
        : null,
      estimate: last,
    });
    if (last) {
      x0Hat = new Float32Array(h * block);
      x0Hat.set(x.subarray(0, p * block));
      x0Hat.set(row.x0Hat!, p * block);
    }
    x.set(row.x, p * block);
    if (known !== null) impose(x, transition.toLevel, transition.changes);
    cellCalls += (end - p) * b;
    if (guided) guidedRows++;
  }
  const finalLevels = new Int32Array(h);
  finalLevels.set(transitions[transitions.length - 1]!.toLevel);
  // A last row with every token already finished runs nothing: the tokens are the plan.
  const out = x0Hat ?? x;
  if (known !== null) impose(out, new Int32Array(h).fill(-1));
  const plan = tf.tensor3d(out, [h, b, d]);
  return { x0Hat: plan, rows: transitions.length, guidedRows, cellCalls, finalLevels };
}

function imposeOptions(
  context: SamplerContext,
  levels: ArrayLike<number>,
  moved: ArrayLike<boolean> | undefined,
): ImposeOptions {
  return {
    levels,
    ...(moved === undefined ? {} : { moved }),
    batch: context.batch,
    tokenSize: context.tokenSize,
    schedule: context.schedule,
    rng: context.rng,
    clipNoise: context.clipNoise,
  };
}

/** A copy of `x` [H, B, D] with the known entries replaced (the tfjs path; the caller disposes both). */
function imposedTensor(
  x: tf.Tensor3D,
  known: KnownSteps,
  context: SamplerContext,
  levels: ArrayLike<number>,
  moved?: ArrayLike<boolean>,
): tf.Tensor3D {
  const values = Float32Array.from(x.dataSync() as Float32Array);
  imposeKnown(values, known, imposeOptions(context, levels, moved));
  return tf.tensor3d(values, x.shape);
}

/** The transition restricted to tokens [start, end). */
function sliceTransition(transition: MatrixTransition, start: number, end: number): MatrixTransition {
  const changes = transition.changes.slice(start, end);
  return {
    row: transition.row,
    from: transition.from.subarray(start, end),
    to: transition.to.subarray(start, end),
    fromLevel: transition.fromLevel.subarray(start, end),
    toLevel: transition.toLevel.subarray(start, end),
    changes,
    changedCount: changes.filter(Boolean).length,
  };
}

/**
 * What one row has to do from token `p` on: per-token guidance gains (scale · the paper-branch gain of the step
 * each token takes; 0 for tokens that keep their level or finish), whether any gain is non-zero (a gradient is
 * needed), and the end of the tokens to run (all of them when guided or on the last row, else up to the last
 * token whose level changes). Shared by the tfjs and the plain row paths.
 */
function rowPlan(
  fromLevel: Int32Array,
  toLevel: Int32Array,
  p: number,
  scale: number,
  schedule: NoiseSchedule,
  eta: number,
  last: boolean,
): { gains: Float32Array; guided: boolean; end: number } {
  const h = fromLevel.length;
  const gains = new Float32Array(h - p);
  let lastChanged = -1;
  let guided = false;
  for (let t = p; t < h; t++) {
    if (toLevel[t] === fromLevel[t]) continue;
    lastChanged = t;
    if (scale === 0 || toLevel[t] === -1) continue;
    const g = scale * paperGuidanceGain(schedule, fromLevel[t]!, toLevel[t]!, eta);
    gains[t - p] = g;
    if (g !== 0) guided = true;
  }
  return { gains, guided, end: guided || last ? h : lastChanged + 1 };
}
