/**
 * Reward sum (docs/diffusion-forcing.md §5.1, the dense-reward alternative; §9 "expected-reward
 * guidance"): the plan is scored by the rewards it predicts for itself.
 *
 * Notation (per sample b of the batch):
 *   j     unstacked env step of the plan, j = t·F + f, 0 … H·F − 1
 *   r̂_j   the token's reward field of x̂₀ at step j, denormalised (summed over components if it has several)
 *   m_j   step mask (1 inside the episode, 0 past its end)
 *   J_b   Σ_j m_j · r̂_j                          (larger is better)
 * The reward field is the layout's first field of kind 'reward'. No goal is read.
 * Gradient (the plain form): ∂J_b/∂x̂₀[step j, reward component c] = m_j · std_c, 0 elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors.js';
import { fieldOffset, stepSize, type TokenLayout } from '../tasks/token-layout.js';
import { checkStepMask } from './check-step-mask.js';
import type { GuidanceObjective, ObjectiveContext, PlainObjective } from './types.js';

function rewardField(layout: TokenLayout) {
  const field = layout.fields.find((f) => f.kind === 'reward');
  if (field === undefined) {
    throw new ConfigError(
      `objective reward_sum needs a field of kind 'reward', but this layout has only: ` +
        `${layout.fields.map((f) => `${f.name} (${f.kind})`).join(', ')}; use a task that records rewards or another objective`,
      'objective',
    );
  }
  return field;
}

export const rewardSum: GuidanceObjective = {
  name: 'reward_sum',

  goalSize(layout) {
    rewardField(layout);
    return 0;
  },

  check(context) {
    rewardField(context.layout);
  },

  plain: {
    score(x0Hat, horizon, batch, context, out) {
      out.fill(0, 0, batch);
      const { std, mean } = context.normalization;
      visitRewards(x0Hat, horizon, batch, context, 0, (b, at, k, mask) => {
        out[b] = out[b]! + mask * (x0Hat[at]! * std[k]! + mean[k]!);
      });
    },
    gradient(x0Hat, horizon, batch, context, weight, from, grad) {
      const d = stepSize(context.layout) * context.layout.frameStack;
      grad.fill(0, 0, (horizon - from) * batch * d);
      const base = from * batch * d;
      const { std } = context.normalization;
      visitRewards(x0Hat, horizon, batch, context, from, (_b, at, k, mask) => {
        grad[at - base] = weight * mask * std[k]!;
      });
    },
  } satisfies PlainObjective,

  score(x0Hat, context) {
    const { layout, normalization, stepMask } = context;
    const [h, b, d] = x0Hat.shape;
    const frames = layout.frameStack;
    const step = stepSize(layout);
    checkStepMask('reward_sum', stepMask, h, frames);
    if (d !== step * frames) {
      throw new InputError(`reward_sum: tokens have ${d} numbers, the layout needs ${step * frames}`);
    }
    const field = rewardField(layout);
    const offset = fieldOffset(layout, field.name);
    const std = normalization.std.slice(offset, offset + field.size);
    const mean = normalization.mean.slice(offset, offset + field.size);
    const steps = tf.reshape(x0Hat, [h, b, frames, step]);
    const reward = tf.slice(steps, [0, 0, 0, offset], [h, b, frames, field.size]);
    const raw = tf.sum(tf.add(tf.mul(reward, tf.tensor1d(std)), tf.tensor1d(mean)), 3); // [H, B, F]
    return tf.sum(tf.mul(raw, tf.tensor3d(stepMask, [h, 1, frames])), [0, 2]) as tf.Tensor1D;
  },
};

/**
 * Calls `visit` for every reward component of every env step of tokens from … H − 1 of every sample with its
 * index in x0Hat, its index k in the step (for the normalisation) and m_j.
 */
function visitRewards(
  x0Hat: Float32Array,
  horizon: number,
  batch: number,
  context: ObjectiveContext,
  from: number,
  visit: (b: number, at: number, k: number, mask: number) => void,
): void {
  const { layout, stepMask } = context;
  const frames = layout.frameStack;
  const step = stepSize(layout);
  checkStepMask('reward_sum', stepMask, horizon, frames);
  const d = step * frames;
  if (x0Hat.length < horizon * batch * d) {
    throw new InputError(`reward_sum: the plan has ${x0Hat.length} numbers, expected ${horizon * batch * d}`);
  }
  const field = rewardField(layout);
  const offset = fieldOffset(layout, field.name);
  for (let t = from; t < horizon; t++) {
    for (let b = 0; b < batch; b++) {
      for (let f = 0; f < frames; f++) {
        const mask = stepMask[t * frames + f]!;
        const at = (t * batch + b) * d + f * step + offset;
        for (let k = 0; k < field.size; k++) visit(b, at + k, offset + k, mask);
      }
    }
  }
}
