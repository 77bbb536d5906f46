/**
 * The maze task as the planner node sees it (src/node/node-task.ts), built from sim/maze2d: step rate (1/h,
 * h = 0.01 s), D4RL episode length, the fixed goal cell, action bounds ±1 and the sparse goal-disc reward.
 * Lives in src/cli because it joins the two layers (only src/cli and src/bench import sim/:
 * test/import-rules.test.ts).
 */
import { goalCell, mazeTask, withinGoal } from '../../sim/maze2d/layouts.js';
import { mazeInterface, type NodeTask } from '../node/index.js';

/** MuJoCo timestep of the maze MJCF (sim/maze2d/mjcf.ts, `<option timestep="0.01">`). */
const MAZE_STEP_S = 0.01;

export function mazeNodeTask(taskId: string): NodeTask {
  const task = mazeTask(taskId);
  const goal = goalCell(task.maze);
  return {
    id: task.id,
    robot: mazeInterface,
    stepRateHz: 1 / MAZE_STEP_S,
    episodeSteps: task.episodeLength,
    defaultGoal: [goal[0], goal[1]],
    actionLow: [-1, -1],
    actionHigh: [1, 1],
    reward: (observation, g) => (g !== null && withinGoal(observation, g) ? 1 : 0),
  };
}
