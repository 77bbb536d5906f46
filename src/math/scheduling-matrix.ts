/**
 * Scheduling matrices 𝒦 (docs/diffusion-forcing.md §4.2, §4.4): which noise level every plan token holds after every
 * denoising iteration, in the main-branch form, plus the checks a user-given matrix must pass.
 *
 * Notation:
 *   S        `steps`: DDIM sampling steps; matrix level S = pure noise, 0 = clean
 *   H        `horizon`: number of plan tokens (columns)
 *   m        row index = denoising iteration, 0 … M−1; row 0 is all S, row M−1 all 0
 *   t        column index = token, 0 … H−1
 *   u        `uncertainty`: delay, in rows, between successive tokens of the pyramid
 *   n[m,t]   matrix level of token t after iteration m; every column is non-increasing down the rows
 *   d_t      delay of token t: t (pyramid), min(t, H−1−t) (trapezoid)
 *   pyramid  n[m,t] = clip(S + ⌊d_t·u⌋ − m, 0, S),  m = 0 … S + max_t ⌊d_t·u⌋
 * Transition m → m+1 moves each token from n[m,t] to n[m+1,t]; matrix level n is the real diffusion level
 * ddimLevels(S, K)[S − n], so S ↦ K−1 and 0 ↦ −1 (clean).
 */
import { ConfigError, ScheduleError } from '../errors.js';
import { ddimLevels } from './ddim.js';

export type ScheduleMode = 'pyramid' | 'full_sequence' | 'autoregressive' | 'trapezoid';

export const scheduleModes: readonly ScheduleMode[] = [
  'pyramid',
  'full_sequence',
  'autoregressive',
  'trapezoid',
];

export interface SchedulingMatrix {
  readonly mode: ScheduleMode | 'custom';
  /** S. */
  readonly steps: number;
  /** H, the number of columns. */
  readonly horizon: number;
  /** rows[m][t] = n[m,t]. */
  readonly rows: number[][];
}

export interface SchedulingMatrixOptions {
  mode: ScheduleMode;
  steps: number;
  horizon: number;
  /** u ≥ 0, may be fractional; default 1. Used by pyramid and trapezoid; the other modes fix it (0, S). */
  uncertainty?: number;
}

/**
 * Matrices larger than this are refused rather than built: the sampler would need rows·H cell calls per
 * plan, far past anything a controller can afford, and the array alone would take hundreds of MB.
 */
export const maxMatrixEntries = 20_000_000;

/** Builds 𝒦 for one of the standard modes. */
export function schedulingMatrix(options: SchedulingMatrixOptions): SchedulingMatrix {
  const { mode, steps, horizon } = options;
  const uncertainty = options.uncertainty ?? 1;
  const issues: { path: string; message: string }[] = [];
  if (!scheduleModes.includes(mode)) {
    issues.push({
      path: 'mode',
      message: `unknown mode '${String(mode)}'; valid modes: ${scheduleModes.join(', ')}`,
    });
  }
  if (!Number.isInteger(steps) || steps < 1) {
    issues.push({ path: 'steps', message: `expected a whole number of sampling steps ≥ 1, got ${steps}` });
  }
  if (!Number.isInteger(horizon) || horizon < 1) {
    issues.push({ path: 'horizon', message: `expected a whole number of plan tokens ≥ 1, got ${horizon}` });
  }
  if (!(Number.isFinite(uncertainty) && uncertainty >= 0)) {
    issues.push({
      path: 'uncertainty',
      message: `expected a finite number ≥ 0 (0 = full sequence, 1 = paper default), got ${uncertainty}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  if ((steps + 1) * horizon > maxMatrixEntries) throw tooLarge(mode, steps, horizon, uncertainty, steps + 1);
  const delays = new Array<number>(horizon);
  let maxDelay = 0;
  for (let t = 0; t < horizon; t++) {
    switch (mode) {
      case 'full_sequence':
        delays[t] = 0;
        break;
      case 'pyramid':
        delays[t] = floorProduct(t, uncertainty);
        break;
      case 'autoregressive':
        delays[t] = t * steps;
        break;
      case 'trapezoid':
        // Both ends first, the middle last. For even H the two middle tokens share the largest delay; every
        // column is written (the official code leaves the middle column of even H at 0, docs/diffusion-forcing.md §7).
        delays[t] = floorProduct(Math.min(t, horizon - 1 - t), uncertainty);
        break;
    }
    maxDelay = Math.max(maxDelay, delays[t]!);
  }
  const rowCount = steps + maxDelay + 1;
  if (rowCount * horizon > maxMatrixEntries) throw tooLarge(mode, steps, horizon, uncertainty, rowCount);
  const rows: number[][] = [];
  for (let m = 0; m < rowCount; m++) {
    const row = new Array<number>(horizon);
    for (let t = 0; t < horizon; t++) row[t] = Math.min(Math.max(steps + delays[t]! - m, 0), steps);
    rows.push(row);
  }
  return { mode, steps, horizon, rows };
}

function tooLarge(
  mode: string,
  steps: number,
  horizon: number,
  uncertainty: number,
  rowCount: number,
): ConfigError {
  return new ConfigError(
    `a ${mode} matrix with S=${steps}, H=${horizon}, u=${uncertainty} would have ${rowCount} rows × ` +
      `${horizon} tokens (> ${maxMatrixEntries} entries); lower the steps, horizon or uncertainty`,
    'horizon',
  );
}

/**
 * ⌊a·u⌋ with a small tolerance, so that e.g. 10·0.7 = 7.000000000000001 and 3·0.1·10 land where the
 * decimal arithmetic a user has in mind puts them.
 */
function floorProduct(a: number, u: number): number {
  return Math.floor(a * u + 1e-9);
}

/**
 * Checks a user-given matrix: at least one column, rows of equal length, integer entries in [0, S], first
 * row all S, last row all 0, and no column rising down the rows. Throws a ScheduleError naming the first
 * offending row and column (0-based) and the value; returns the matrix (copied) with mode 'custom'.
 */
export function validateSchedulingMatrix(rows: number[][], steps: number): SchedulingMatrix {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new ScheduleError(`steps must be a whole number ≥ 1, got ${steps}`);
  }
  // `rows` often comes straight from JSON, so check the shape at run time whatever the static type says.
  const input: unknown = rows;
  if (!Array.isArray(input) || input.length === 0) {
    throw new ScheduleError('a scheduling matrix must be a non-empty array of rows (arrays of levels)');
  }
  if (input.length < 2) {
    throw new ScheduleError(
      `a scheduling matrix needs at least two rows (all ${steps} first, all 0 last), got ${input.length}`,
      { row: 0 },
    );
  }
  let horizon = -1;
  const copy: number[][] = [];
  for (let m = 0; m < input.length; m++) {
    const row: unknown = input[m];
    if (!Array.isArray(row))
      throw new ScheduleError(`row ${m}: expected an array of levels, got ${describe(row)}`, { row: m });
    if (horizon < 0) {
      if (row.length === 0)
        throw new ScheduleError(`row ${m}: a row needs at least one column (token)`, { row: m });
      horizon = row.length;
    } else if (row.length !== horizon) {
      throw new ScheduleError(
        `row ${m}: has ${row.length} columns but row 0 has ${horizon}; all rows need the same length`,
        {
          row: m,
        },
      );
    }
    const levels = new Array<number>(horizon);
    for (let t = 0; t < horizon; t++) {
      const value: unknown = row[t];
      const where = { row: m, column: t };
      const at = `row ${m}, column ${t}`;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > steps) {
        throw new ScheduleError(
          `${at}: ${describe(value)} is not a level; use a whole number from 0 (clean) to ${steps} (noise)`,
          where,
        );
      }
      if (m === 0 && value !== steps) {
        throw new ScheduleError(
          `${at}: level ${value} in the first row; the first row must be all ${steps} (pure noise)`,
          where,
        );
      }
      if (m > 0) {
        const above = copy[m - 1]![t]!;
        if (value > above) {
          throw new ScheduleError(
            `${at}: level ${value} rises from ${above} in the row above; levels may only stay or fall`,
            where,
          );
        }
      }
      if (m === input.length - 1 && value !== 0) {
        throw new ScheduleError(
          `${at}: level ${value} in the last row; the last row must be all 0 (clean)`,
          where,
        );
      }
      levels[t] = value;
    }
    copy.push(levels);
  }
  return { mode: 'custom', steps, horizon, rows: copy };
}

function describe(value: unknown): string {
  if (typeof value === 'number') return `level ${value}`;
  if (typeof value === 'string') return `the string '${value}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** Matrix level n (S = noise, 0 = clean) → real diffusion level ddimLevels(S, K)[S − n]: S ↦ K−1, 0 ↦ −1. */
export function matrixLevelToDiffusionLevel(level: number, steps: number, levels = 1000): number {
  if (!Number.isInteger(level) || level < 0 || level > steps) {
    throw new ConfigError(`matrix level ${level} is outside 0 … ${steps}`, 'level');
  }
  return ddimLevels(steps, levels)[steps - level]!;
}

export interface MatrixTransition {
  /** Row m of the transition m → m+1. */
  readonly row: number;
  /** Matrix levels before (row m) and after (row m+1), per token. */
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** The same as real diffusion levels (K−1 … 0, −1 = clean), ready for the model and the DDIM tables. */
  readonly fromLevel: Int32Array;
  readonly toLevel: Int32Array;
  /** Per token: does its level fall in this transition? (A token that keeps its level is copied, §4.4.) */
  readonly changes: readonly boolean[];
  /** Number of tokens that change. */
  readonly changedCount: number;
}

/**
 * Lists the M−1 transitions of a matrix with matrix and real levels per token. `levels` is K of the
 * diffusion schedule the model was trained with.
 */
export function matrixTransitions(matrix: SchedulingMatrix, levels = 1000): MatrixTransition[] {
  const { steps, horizon, rows } = matrix;
  const table = ddimLevels(steps, levels);
  const out: MatrixTransition[] = [];
  for (let m = 0; m + 1 < rows.length; m++) {
    const current = rows[m]!;
    const next = rows[m + 1]!;
    const from = new Int32Array(horizon);
    const to = new Int32Array(horizon);
    const fromLevel = new Int32Array(horizon);
    const toLevel = new Int32Array(horizon);
    const changes = new Array<boolean>(horizon);
    let changedCount = 0;
    for (let t = 0; t < horizon; t++) {
      const a = current[t]!;
      const b = next[t]!;
      const inRange = Number.isInteger(a) && Number.isInteger(b) && b >= 0 && a <= steps;
      if (!inRange || b > a) {
        throw new ScheduleError(
          `row ${m + 1}, column ${t}: cannot move from level ${a} to ${b}; validate the matrix first`,
          { row: m + 1, column: t },
        );
      }
      from[t] = a;
      to[t] = b;
      fromLevel[t] = table[steps - a]!;
      toLevel[t] = table[steps - b]!;
      changes[t] = b < a;
      if (b < a) changedCount++;
    }
    out.push({ row: m, from, to, fromLevel, toLevel, changes, changedCount });
  }
  return out;
}
