/**
 * The fruit-swap arm task as the planner node sees it (src/node/node-task.ts), built from sim/arm: 10 Hz control,
 * the 40 s episode, no goal and no reward (pure imitation), the action box, and the joint-space side the arm
 * interface needs: the joints by name, the observed fruits, and the closed-form kinematics that turn the model's
 * grasp-point action into joint position targets (IK) and measured joints into the action that holds them (FK).
 * Lives in src/cli because it joins the two layers (only src/cli and src/bench import sim/).
 */
import { ARM_ACTION_HIGH, ARM_ACTION_LOW } from '../../sim/arm/arm-env.js';
import { ARM_JOINTS, CONTROL_DT, EPISODE_STEPS, FRUITS } from '../../sim/arm/geometry.js';
import { armFk, armIk } from '../../sim/arm/kinematics.js';
import { armInterface, type NodeTask } from '../node/index.js';

/** The finger slides of the MJCF, in the env's order (both follow the action's grip target). */
const FINGER_JOINTS = ['fingerL', 'fingerR'] as const;

export function armNodeTask(taskId: string): NodeTask {
  return {
    id: taskId,
    robot: armInterface,
    stepRateHz: 1 / CONTROL_DT,
    episodeSteps: EPISODE_STEPS,
    defaultGoal: null,
    actionLow: Array.from(ARM_ACTION_LOW),
    actionHigh: Array.from(ARM_ACTION_HIGH),
    // No reward field in the arm's layout: the value is never part of a token.
    reward: () => 0,
    joints: {
      armJoints: ARM_JOINTS,
      fingerJoints: FINGER_JOINTS,
      objects: FRUITS,
      jointTargets(action) {
        const out = new Float64Array(6);
        out.set(armIk([action[0]!, action[1]!, action[2]!]), 0);
        out[4] = out[5] = action[3]!;
        return out;
      },
      holdAction(positions) {
        const [x, y, z] = armFk([positions[0]!, positions[1]!, positions[2]!, positions[3]!]);
        return Float64Array.of(x, y, z, (positions[4]! + positions[5]!) / 2);
      },
    },
  };
}
