/**
 * D4RL Maze2D layouts (docs/maze2d.md §2.1) and the task table (§1). `#` wall, `O` free, `G` free cell holding the
 * fixed evaluation goal. Row index i (top line 0) is qpos x; column index j is qpos y. Cell (i, j) has the
 * nominal coordinate (i, j); wall squares in the physics sit 0.2 lower: [i−0.7, i+0.3] × [j−0.7, j+0.3].
 */
import { InputError } from '../../src/errors.js';
import type { Rng } from '../../src/math/rng.js';

export type MazeName = 'umaze' | 'medium' | 'large';

export const MAZE_LAYOUTS: Readonly<Record<MazeName, readonly string[]>> = {
  umaze: ['#####', '#GOO#', '###O#', '#OOO#', '#####'],
  medium: ['########', '#OO##OO#', '#OO#OOO#', '##OOO###', '#OO#OOO#', '#O#OO#O#', '#OOO#OG#', '########'],
  large: [
    '############',
    '#OOOO#OOOOO#',
    '#O##O#O#O#O#',
    '#OOOOOO#OOO#',
    '#O####O###O#',
    '#OO#O#OOOOO#',
    '##O#O#O#O###',
    '#OO#OOO#OGO#',
    '############',
  ],
};

export interface MazeTask {
  /** Task id as the CLI takes it, e.g. 'maze2d-medium'. */
  readonly id: string;
  readonly maze: MazeName;
  /** D4RL max_episode_steps (v1). */
  readonly episodeLength: number;
  /** D4RL reference returns for the normalised score (random policy, waypoint expert). */
  readonly refMinScore: number;
  readonly refMaxScore: number;
}

export const MAZE_TASKS: Readonly<Record<string, MazeTask>> = {
  'maze2d-umaze': {
    id: 'maze2d-umaze',
    maze: 'umaze',
    episodeLength: 300,
    refMinScore: 23.85,
    refMaxScore: 161.86,
  },
  'maze2d-medium': {
    id: 'maze2d-medium',
    maze: 'medium',
    episodeLength: 600,
    refMinScore: 13.13,
    refMaxScore: 277.39,
  },
  'maze2d-large': {
    id: 'maze2d-large',
    maze: 'large',
    episodeLength: 800,
    refMinScore: 6.7,
    refMaxScore: 273.99,
  },
};

/** Looks a task up by id; an unknown id is an InputError listing the valid ones. */
export function mazeTask(id: string): MazeTask {
  const task = MAZE_TASKS[id];
  if (!task) throw new InputError(`unknown task '${id}'; valid tasks: ${Object.keys(MAZE_TASKS).join(', ')}`);
  return task;
}

export type Cell = readonly [i: number, j: number];

/** Wall cells, in row-major order. */
export function wallCells(maze: MazeName): Cell[] {
  return cellsWhere(maze, (c) => c === '#');
}

/** Reset locations: every `O` cell plus the `G` cell, sorted row-major (D4RL's reset set). */
export function freeCells(maze: MazeName): Cell[] {
  return cellsWhere(maze, (c) => c === 'O' || c === 'G');
}

/** The fixed evaluation goal cell. */
export function goalCell(maze: MazeName): Cell {
  const g = cellsWhere(maze, (c) => c === 'G')[0];
  if (!g) throw new Error(`layout ${maze} has no goal cell`);
  return g;
}

function cellsWhere(maze: MazeName, keep: (c: string) => boolean): Cell[] {
  const out: Cell[] = [];
  MAZE_LAYOUTS[maze].forEach((row, i) => {
    for (let j = 0; j < row.length; j++) if (keep(row[j]!)) out.push([i, j]);
  });
  return out;
}

/** Radius of the goal disc: the sparse reward and "success" (docs/maze2d.md §6). */
export const GOAL_RADIUS = 0.5;

/** Jitter of reset positions and random goals around their cell, per axis (D4RL reset / set_target). */
export const CELL_JITTER = 0.1;

/** Whether the (x, y) of an observation lies in the goal disc. */
export function withinGoal(observation: ArrayLike<number>, goal: ArrayLike<number>): boolean {
  return Math.hypot(observation[0]! - goal[0]!, observation[1]! - goal[1]!) <= GOAL_RADIUS;
}

/** A uniformly drawn cell plus U(−CELL_JITTER, CELL_JITTER) per axis; draws cell, then x, then y. */
export function jitteredCell(rng: Rng, cells: readonly Cell[]): [number, number] {
  const [i, j] = cells[rng.int(cells.length)]!;
  return [i + CELL_JITTER * (2 * rng.uniform() - 1), j + CELL_JITTER * (2 * rng.uniform() - 1)];
}
