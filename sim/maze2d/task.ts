/**
 * The three D4RL Maze2D tasks as registry descriptors (sim/task-descriptor.ts), one per layout of MAZE_TASKS:
 * the point-mass robot, the recorded waypoint-expert stream, the MuJoCo env and the D4RL normalised score.
 */
import type { TaskDescriptor } from '../task-descriptor.js';
import { MAZE_TASKS } from './layouts.js';
import { createMazeEnv } from './maze-env.js';
import { mazeTrainingTask } from './training-task.js';

export const MAZE2D_TASKS: readonly TaskDescriptor[] = Object.values(MAZE_TASKS).map(
  (task): TaskDescriptor => ({
    id: task.id,
    description: `D4RL ${task.id}: a point mass (force-controlled ball) reaching the fixed goal, ${task.episodeLength} steps at 100 Hz`,
    robot: 'maze2d',
    commands: ['train', 'dataset', 'eval', 'run', 'node', 'sim-node', 'bench'],
    training: mazeTrainingTask(task.id),
    createEnv: (options = {}) => createMazeEnv(task.id, options),
    scoring: 'd4rl-normalized',
    modelDir: `models/${task.id}`,
  }),
);
