/**
 * Tabular Q-iteration on the maze grid, as D4RL's waypoint controller plans (docs/maze2d.md §9.1).
 *
 * Notation:
 *   s = (i, j)      a cell, i = row (qpos x), j = column (qpos y); every cell is a state, walls included
 *   a ∈ GRID_MOVES  NOOP (0,0), UP (0,−1), DOWN (0,+1), LEFT (−1,0), RIGHT (+1,0), added to (i, j)
 *   T(s, a)         the cell moved to; a move into a wall or off the grid stays put (deterministic)
 *   r(s)            1 if s is the target cell, else 0 (reward for *being in* the target)
 *   Q_{k+1}(s, a) = r(s) + γ · max_a' Q_k(T(s, a), a'),  Q_0 = 0, hard max, K iterations
 *
 * Ties in argmax go to the lowest action index in the order above, as numpy's argmax does; that order decides
 * which of two equally short routes the expert takes, so it is part of the data recipe.
 */
import { type Cell, MAZE_LAYOUTS, type MazeName } from './layouts.js';

/** Moves in D4RL's order; "UP" changes j (the column), which is how the source names them. */
export const GRID_MOVES: readonly Cell[] = [
  [0, 0],
  [0, -1],
  [0, 1],
  [-1, 0],
  [1, 0],
];

export interface QIterationOptions {
  /** K; D4RL uses 50. */
  readonly iterations?: number;
  /** γ; D4RL uses 0.99. */
  readonly discount?: number;
}

export interface QTable {
  readonly rows: number;
  readonly columns: number;
  /** Q[(i·columns + j)·5 + a]. */
  readonly q: Float64Array;
  readonly target: Cell;
  /** Cell reached from (i, j) by move a (walls and borders block). */
  next(cell: Cell, action: number): Cell;
  /** argmax_a Q(cell, a) with ties to the lowest index. */
  greedyAction(cell: Cell): number;
}

/** Runs Q-iteration towards `target` over every cell of the maze. */
export function qIteration(maze: MazeName, target: Cell, options: QIterationOptions = {}): QTable {
  const iterations = options.iterations ?? 50;
  const discount = options.discount ?? 0.99;
  const layout = MAZE_LAYOUTS[maze];
  const rows = layout.length;
  const columns = layout[0]!.length;
  const nStates = rows * columns;
  const nActions = GRID_MOVES.length;
  const inGrid = (i: number, j: number): boolean => i >= 0 && i < rows && j >= 0 && j < columns;
  const isWall = (i: number, j: number): boolean => layout[i]![j] === '#';

  // Transition table T[s·5 + a] = s'.
  const nextState = new Int32Array(nStates * nActions);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      const s = i * columns + j;
      GRID_MOVES.forEach(([di, dj], a) => {
        const ni = i + di;
        const nj = j + dj;
        nextState[s * nActions + a] = inGrid(ni, nj) && !isWall(ni, nj) ? ni * columns + nj : s;
      });
    }
  }
  const targetState = target[0] * columns + target[1];

  let q = new Float64Array(nStates * nActions);
  const value = new Float64Array(nStates);
  for (let k = 0; k < iterations; k++) {
    for (let s = 0; s < nStates; s++) {
      let best = q[s * nActions]!;
      for (let a = 1; a < nActions; a++) best = Math.max(best, q[s * nActions + a]!);
      value[s] = best;
    }
    const next = new Float64Array(nStates * nActions);
    for (let s = 0; s < nStates; s++) {
      const r = s === targetState ? 1 : 0;
      for (let a = 0; a < nActions; a++)
        next[s * nActions + a] = r + discount * value[nextState[s * nActions + a]!]!;
    }
    q = next;
  }

  const table = q;
  return {
    rows,
    columns,
    q: table,
    target,
    next(cell, action) {
      const s = nextState[(cell[0] * columns + cell[1]) * nActions + action]!;
      return [Math.floor(s / columns), s % columns];
    },
    greedyAction(cell) {
      const base = (cell[0] * columns + cell[1]) * nActions;
      let best = 0;
      for (let a = 1; a < nActions; a++) if (table[base + a]! > table[base + best]!) best = a;
      return best;
    },
  };
}
