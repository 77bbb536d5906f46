/**
 * The scripted swap expert (expert.ts) as an evaluation policy: the reference the planner is measured against
 * (it reads the privileged true state through `truth`, so occluded readings do not affect it). A fresh plan
 * per episode, from the episode's case in `info.case`; durations and placements from the policy's own stream.
 */
import { InputError } from '../../src/errors.js';
import type { Rng } from '../../src/math/rng.js';
import type { Policy } from '../episode-runner.js';
import type { ArmInfo, ArmTruth } from './arm-env.js';
import { SwapExpert } from './expert.js';

export function armExpertPolicy(truth: () => ArmTruth, rng: Rng): Policy {
  let expert: SwapExpert | null = null;
  return {
    reset(_observation, info) {
      const swapCase = (info as ArmInfo).case;
      if (swapCase !== 'AB' && swapCase !== 'BA') {
        throw new InputError(`armExpertPolicy: info.case must be 'AB' or 'BA', got ${String(swapCase)}`);
      }
      expert = new SwapExpert();
      expert.begin(swapCase, rng);
    },
    act() {
      if (expert === null) throw new InputError('armExpertPolicy: act() before reset()');
      return expert.act(truth()).action;
    },
  };
}
