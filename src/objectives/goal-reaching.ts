/**
 * Goal reaching, the maze objective of the paper branch (docs/diffusion-forcing.md §5.1): every planned
 * step may be the arrival step, so the plan is scored by its summed distance to the goal.
 *
 * Notation (per sample b of the batch):
 *   j        unstacked env step of the plan, j = t·F + f (token t, frame f), 0 … H·F − 1
 *   p̂_j      planned position of step j in task units: the token's `position` field of x̂₀, denormalised
 *   g        goal (task units), same length as the position field
 *   m_j      step mask (1 inside the episode, 0 past its end)
 *   T        episode length in env steps (`episodeSteps`, the official n_frames)
 *   d_j      ‖p̂_j − g‖₂, computed as √(‖·‖² + ε) so the gradient stays finite at the goal itself
 *   J_b      −(T / (H·F)) · Σ_j m_j · d_j          (larger is better; the planner averages J over MCG samples)
 *
 * Gradient (the plain form): ∂J_b/∂x̂₀[step j, position c] = −(T / (H·F)) · m_j · std_c · δ_jc / d_j, with
 * δ_jc = p̂_jc − g_c (the raw offset), since ∂d_j/∂δ_jc = δ_jc / d_j and p̂ = x·std + mean.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ConfigIssue, InputError } from '../errors.js';
import { fieldOffset, stepSize, type TokenLayout } from '../tasks/token-layout.js';
import { checkStepMask } from './check-step-mask.js';
import type { GuidanceObjective, ObjectiveContext, PlainObjective } from './types.js';

/** The layout field that holds the position the goal is compared with. */
export const GOAL_FIELD = 'position';
/** ε under the square root: the distance's gradient at d = 0 is then 0 instead of NaN. */
const DISTANCE_EPSILON = 1e-8;

function positionField(layout: TokenLayout) {
  const field = layout.fields.find((f) => f.name === GOAL_FIELD);
  if (field === undefined) {
    throw new ConfigError(
      `objective goal_reaching compares the '${GOAL_FIELD}' field with the goal, but this layout has only: ` +
        `${layout.fields.map((f) => f.name).join(', ')}; use a task with a '${GOAL_FIELD}' observation or another objective`,
      'objective',
    );
  }
  return field;
}

export const goalReaching: GuidanceObjective = {
  name: 'goal_reaching',

  goalSize(layout) {
    return positionField(layout).size;
  },

  check(context) {
    const issues: ConfigIssue[] = [];
    let size = 0;
    try {
      size = positionField(context.layout).size;
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
    }
    const { goal } = context;
    if (goal === null) {
      issues.push({
        path: 'goal',
        message: `objective goal_reaching needs a goal (${size || 'position-sized'} numbers); pass one to reset() or setGoal()`,
      });
    } else {
      if (size > 0 && goal.length !== size) {
        issues.push({
          path: 'goal',
          message: `has ${goal.length} numbers, the '${GOAL_FIELD}' field has ${size}`,
        });
      }
      goal.forEach((v, i) => {
        if (!Number.isFinite(v)) issues.push({ path: `goal[${i}]`, message: `must be finite, got ${v}` });
      });
    }
    if (!(Number.isFinite(context.episodeSteps) && context.episodeSteps > 0)) {
      issues.push({
        path: 'episodeSteps',
        message: `must be a positive number, got ${context.episodeSteps}`,
      });
    }
    if (issues.length > 0) throw new ConfigError(issues);
  },

  plain: {
    score(x0Hat, horizon, batch, context, out) {
      out.fill(0, 0, batch);
      visitPositions(x0Hat, horizon, batch, context, 0, (b, _at, _c, distance, mask, scale) => {
        out[b] = out[b]! + scale * mask * distance;
      });
    },
    gradient(x0Hat, horizon, batch, context, weight, from, grad) {
      const d = stepSize(context.layout) * context.layout.frameStack;
      grad.fill(0, 0, (horizon - from) * batch * d);
      const base = from * batch * d;
      visitPositions(x0Hat, horizon, batch, context, from, (_b, at, c, distance, mask, scale, delta, std) => {
        for (let k = 0; k < c; k++)
          grad[at + k - base] = (weight * scale * mask * std[k]! * delta[k]!) / distance;
      });
    },
  } satisfies PlainObjective,

  score(x0Hat, context) {
    const { layout, normalization, goal, stepMask, episodeSteps } = context;
    if (goal === null)
      throw new ConfigError('objective goal_reaching needs a goal; call check() first', 'goal');
    const [h, b, d] = x0Hat.shape;
    const frames = layout.frameStack;
    const step = stepSize(layout);
    checkStepMask('goal_reaching', stepMask, h, frames);
    if (d !== step * frames) {
      throw new InputError(`goal_reaching: tokens have ${d} numbers, the layout needs ${step * frames}`);
    }
    const size = positionField(layout).size;
    const offset = fieldOffset(layout, GOAL_FIELD);
    const std = normalization.std.slice(offset, offset + size);
    const mean = normalization.mean.slice(offset, offset + size);
    // Raw position minus goal = x·std + (mean − g), per component.
    const shift = mean.map((m, i) => m - goal[i]!);
    const steps = tf.reshape(x0Hat, [h, b, frames, step]);
    const position = tf.slice(steps, [0, 0, 0, offset], [h, b, frames, size]);
    const delta = tf.add(tf.mul(position, tf.tensor1d(std)), tf.tensor1d(shift));
    const distance = tf.sqrt(tf.add(tf.sum(tf.square(delta), 3), DISTANCE_EPSILON)); // [H, B, F]
    const weighted = tf.mul(distance, tf.tensor3d(stepMask, [h, 1, frames]));
    return tf.mul(tf.sum(weighted, [0, 2]), -episodeSteps / (h * frames)) as tf.Tensor1D;
  },
};

/**
 * Calls `visit` for every env step of tokens from … H − 1 of every sample with the step's position index in
 * x0Hat (`at`), the position size, d_j, m_j, the scale −T/(H·F), and δ_j (raw position − goal) with std.
 */
function visitPositions(
  x0Hat: Float32Array,
  horizon: number,
  batch: number,
  context: ObjectiveContext,
  from: number,
  visit: (
    b: number,
    at: number,
    size: number,
    distance: number,
    mask: number,
    scale: number,
    delta: Float64Array,
    std: readonly number[],
  ) => void,
): void {
  const { layout, normalization, goal, stepMask, episodeSteps } = context;
  if (goal === null)
    throw new ConfigError('objective goal_reaching needs a goal; call check() first', 'goal');
  const frames = layout.frameStack;
  const step = stepSize(layout);
  checkStepMask('goal_reaching', stepMask, horizon, frames);
  const d = step * frames;
  if (x0Hat.length < horizon * batch * d) {
    throw new InputError(
      `goal_reaching: the plan has ${x0Hat.length} numbers, expected ${horizon * batch * d}`,
    );
  }
  const size = positionField(layout).size;
  const offset = fieldOffset(layout, GOAL_FIELD);
  const std = normalization.std.slice(offset, offset + size);
  const shift = normalization.mean.slice(offset, offset + size).map((m, i) => m - goal[i]!);
  const scale = -episodeSteps / (horizon * frames);
  const delta = new Float64Array(size);
  for (let t = from; t < horizon; t++) {
    for (let b = 0; b < batch; b++) {
      for (let f = 0; f < frames; f++) {
        const at = (t * batch + b) * d + f * step + offset;
        let sq = 0;
        for (let k = 0; k < size; k++) {
          const v = x0Hat[at + k]! * std[k]! + shift[k]!;
          delta[k] = v;
          sq += v * v;
        }
        visit(b, at, size, Math.sqrt(sq + DISTANCE_EPSILON), stepMask[t * frames + f]!, scale, delta, std);
      }
    }
  }
}
