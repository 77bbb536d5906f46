/**
 * Reward sum (reference diffusion-forcing.md §5.1, the dense-reward alternative; §9 "expected-reward
 * guidance"): the plan is scored by the rewards it predicts for itself.
 *
 * Notation (per sample b of the batch):
 *   j     unstacked env step of the plan, j = t·F + f, 0 … H·F − 1
 *   r̂_j   the token's reward field of x̂₀ at step j, denormalised (summed over components if it has several)
 *   m_j   step mask (1 inside the episode, 0 past its end)
 *   J_b   Σ_j m_j · r̂_j                          (larger is better)
 * The reward field is the layout's first field of kind 'reward'. No goal is read.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors.js';
import { fieldOffset, stepSize, type TokenLayout } from '../tasks/token-layout.js';
import { checkStepMask } from './check-step-mask.js';
import type { GuidanceObjective } from './types.js';

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
