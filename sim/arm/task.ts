/**
 * The fruit-swap arm as a registry descriptor (sim/task-descriptor.ts): the 4-DoF arm, its recorded demos, the
 * MuJoCo env and final-state success. Commands join `commands` as they learn to serve the arm.
 */
import type { TaskDescriptor } from '../task-descriptor.js';
import { ARM_TASK_ID, createArmEnv } from './arm-env.js';
import { armTrainingTask } from './training-task.js';

export const ARM_SWAP_TASK: TaskDescriptor = {
  id: ARM_TASK_ID,
  description: 'fruit-swap arm: a 4-DoF arm swaps an apple and an orange between three slots, 40 s at 10 Hz',
  robot: 'arm',
  commands: ['train', 'dataset', 'eval', 'run', 'node', 'sim-node', 'bench'],
  training: armTrainingTask,
  createEnv: (options = {}) => createArmEnv(options),
  scoring: 'final-state-success',
};
