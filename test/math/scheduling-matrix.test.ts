import { describe, expect, it } from 'vitest';
import { ConfigError, ScheduleError } from '../../src/errors.js';
import { ddimLevels } from '../../src/math/ddim.js';
import {
  matrixLevelToDiffusionLevel,
  matrixTransitions,
  type SchedulingMatrix,
  scheduleModes,
  schedulingMatrix,
  validateSchedulingMatrix,
} from '../../src/math/scheduling-matrix.js';

/** The invariants every 𝒦 must satisfy (docs/diffusion-forcing.md §4.2, §4.4), collected as messages so one failure shows them all. */
function matrixViolations(m: SchedulingMatrix): string[] {
  const { steps: S, horizon: H, rows } = m;
  const out: string[] = [];
  if (rows.length < 2) out.push(`only ${rows.length} rows`);
  rows.forEach((row, r) => {
    if (row.length !== H) out.push(`row ${r} has ${row.length} columns`);
    row.forEach((n, t) => {
      if (!Number.isInteger(n) || n < 0 || n > S) out.push(`row ${r}, column ${t}: ${n} outside 0…${S}`);
      if (r === 0 && n !== S) out.push(`first row, column ${t}: ${n}`);
      if (r === rows.length - 1 && n !== 0) out.push(`last row, column ${t}: ${n}`);
      if (r > 0 && n > rows[r - 1]![t]!) out.push(`row ${r}, column ${t}: rises`);
    });
    // No wasted iteration: every transition moves at least one token.
    if (r > 0 && !row.some((n, t) => n < rows[r - 1]![t]!)) out.push(`row ${r} repeats the row above`);
  });
  return out;
}

function expectValidMatrix(m: SchedulingMatrix): void {
  expect(matrixViolations(m)).toEqual([]);
  // The validator accepts every generated matrix.
  expect(validateSchedulingMatrix(m.rows, m.steps).rows).toEqual(m.rows);
}

describe('schedulingMatrix contract (every mode, several S, H, u)', () => {
  const cases: [number, number, number][] = [
    [1, 1, 1],
    [3, 3, 1],
    [3, 4, 1],
    [5, 6, 0.5],
    [10, 7, 2.5],
    [50, 12, 1],
    [4, 9, 0],
  ];
  for (const mode of scheduleModes) {
    it.each(cases)(`${mode}: S=%i, H=%i, u=%f`, (steps, horizon, uncertainty) => {
      const m = schedulingMatrix({ mode, steps, horizon, uncertainty });
      expect(m.mode).toBe(mode);
      expect(m.steps).toBe(steps);
      expect(m.horizon).toBe(horizon);
      expectValidMatrix(m);
    });
  }
});

describe('schedulingMatrix modes', () => {
  it('pyramid S=3, H=3, u=1 is the worked example of docs/diffusion-forcing.md §4.2', () => {
    expect(schedulingMatrix({ mode: 'pyramid', steps: 3, horizon: 3 }).rows).toEqual([
      [3, 3, 3],
      [2, 3, 3],
      [1, 2, 3],
      [0, 1, 2],
      [0, 0, 1],
      [0, 0, 0],
    ]);
  });

  it('pyramid has S + ⌊(H−1)u⌋ + 1 rows and follows n = clip(S + ⌊t·u⌋ − m, 0, S)', () => {
    const m = schedulingMatrix({ mode: 'pyramid', steps: 50, horizon: 60, uncertainty: 1 });
    expect(m.rows.length).toBe(50 + 59 + 1);
    const f = schedulingMatrix({ mode: 'pyramid', steps: 6, horizon: 5, uncertainty: 0.5 });
    expect(f.rows.length).toBe(6 + 2 + 1);
    // Delays ⌊t·0.5⌋ = 0, 0, 1, 1, 2: columns 0–1 and 2–3 move together.
    expect(f.rows[6]).toEqual([0, 0, 1, 1, 2]);
    expect(f.rows[3]).toEqual([3, 3, 4, 4, 5]);
  });

  it('fractional u is floored as decimal arithmetic says: u = 0.7, t = 10 gives a delay of exactly 7', () => {
    const m = schedulingMatrix({ mode: 'pyramid', steps: 2, horizon: 11, uncertainty: 0.7 });
    expect(m.rows.length).toBe(2 + 7 + 1);
    expect(m.rows[7]![10]).toBe(2);
    expect(m.rows[8]![10]).toBe(1);
  });

  it('u = 0 equals full_sequence, which has S + 1 rows of one shared level', () => {
    const full = schedulingMatrix({ mode: 'full_sequence', steps: 4, horizon: 3 });
    expect(full.rows).toEqual([
      [4, 4, 4],
      [3, 3, 3],
      [2, 2, 2],
      [1, 1, 1],
      [0, 0, 0],
    ]);
    expect(schedulingMatrix({ mode: 'pyramid', steps: 4, horizon: 3, uncertainty: 0 }).rows).toEqual(
      full.rows,
    );
  });

  it('autoregressive (S=3, H=3) has 10 rows and equals pyramid with u = S', () => {
    const ar = schedulingMatrix({ mode: 'autoregressive', steps: 3, horizon: 3 });
    expect(ar.rows.length).toBe(10);
    expect(ar.rows.slice(0, 5)).toEqual([
      [3, 3, 3],
      [2, 3, 3],
      [1, 3, 3],
      [0, 3, 3],
      [0, 2, 3],
    ]);
    expect(schedulingMatrix({ mode: 'pyramid', steps: 3, horizon: 3, uncertainty: 3 }).rows).toEqual(ar.rows);
    // A token starts only once the one before it is clean.
    for (const row of ar.rows) {
      for (let t = 1; t < 3; t++) if (row[t]! < 3) expect(row[t - 1]).toBe(0);
    }
  });

  it('trapezoid with odd H denoises both ends first and the middle last', () => {
    expect(schedulingMatrix({ mode: 'trapezoid', steps: 2, horizon: 5 }).rows).toEqual([
      [2, 2, 2, 2, 2],
      [1, 2, 2, 2, 1],
      [0, 1, 2, 1, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('trapezoid with even H writes the middle columns too (not the main-branch bug of docs/diffusion-forcing.md §7) and is mirror-symmetric', () => {
    const m = schedulingMatrix({ mode: 'trapezoid', steps: 2, horizon: 4 });
    expect(m.rows).toEqual([
      [2, 2, 2, 2],
      [1, 2, 2, 1],
      [0, 1, 1, 0],
      [0, 0, 0, 0],
    ]);
    for (const H of [2, 6, 8, 11]) {
      const big = schedulingMatrix({ mode: 'trapezoid', steps: 5, horizon: H, uncertainty: 1 });
      expect(big.rows.length).toBe(5 + Math.floor((H - 1) / 2) + 1);
      for (const row of big.rows) expect(row).toEqual([...row].reverse());
      // Each middle column starts from pure noise and is the last to be cleaned.
      const mid = Math.floor((H - 1) / 2);
      expect(big.rows[1]![mid]).toBe(H <= 2 ? 4 : 5);
      expect(big.rows[big.rows.length - 2]![mid]).toBe(1);
    }
  });

  it('the contract catches the official even-H trapezoid bug (a middle column left at 0)', () => {
    const m = schedulingMatrix({ mode: 'trapezoid', steps: 3, horizon: 6 });
    const buggy = { ...m, rows: m.rows.map((row) => row.map((n, t) => (t === 3 ? 0 : n))) };
    expect(matrixViolations(buggy)).toContain('first row, column 3: 0');
    expect(() => validateSchedulingMatrix(buggy.rows, 3)).toThrow(
      /row 0, column 3: level 0 in the first row/,
    );
  });

  it('refuses bad options with one ConfigError listing every problem', () => {
    try {
      schedulingMatrix({ mode: 'pyramid', steps: 0, horizon: 2.5, uncertainty: -1 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['steps', 'horizon', 'uncertainty']);
    }
    expect(() => schedulingMatrix({ mode: 'zigzag' as never, steps: 3, horizon: 3 })).toThrow(/valid modes/);
    expect(() => schedulingMatrix({ mode: 'autoregressive', steps: 1000, horizon: 1000 })).toThrow(/entries/);
  });
});

describe('validateSchedulingMatrix', () => {
  const good = [
    [3, 3, 3],
    [2, 3, 3],
    [1, 2, 3],
    [0, 1, 2],
    [0, 0, 1],
    [0, 0, 0],
  ];

  it('accepts a valid matrix as mode custom, copying the rows', () => {
    const m = validateSchedulingMatrix(good, 3);
    expect(m).toEqual({ mode: 'custom', steps: 3, horizon: 3, rows: good });
    expect(m.rows).not.toBe(good);
    expect(validateSchedulingMatrix([[1], [0]], 1).rows).toEqual([[1], [0]]);
  });

  function errorOf(rows: unknown, steps = 3): ScheduleError {
    try {
      validateSchedulingMatrix(rows as number[][], steps);
    } catch (err) {
      expect(err).toBeInstanceOf(ScheduleError);
      return err as ScheduleError;
    }
    throw new Error('expected a ScheduleError');
  }

  it('names the row, column and value of a rising level', () => {
    const rows = good.map((r) => [...r]);
    rows[4]![1] = 2;
    const err = errorOf(rows);
    expect(err.message).toBe(
      'row 4, column 1: level 2 rises from 1 in the row above; levels may only stay or fall',
    );
    expect([err.row, err.column]).toEqual([4, 1]);
  });

  it('reports levels out of range or not whole numbers', () => {
    const rows = good.map((r) => [...r]);
    rows[2]![0] = 5;
    const err = errorOf(rows);
    expect([err.row, err.column]).toEqual([2, 0]);
    expect(err.message).toMatch(
      /row 2, column 0: level 5 is not a level; use a whole number from 0 \(clean\) to 3/,
    );
    rows[2]![0] = 0.5;
    expect(errorOf(rows).message).toMatch(/row 2, column 0: level 0.5/);
    rows[2]![0] = -1;
    expect(errorOf(rows).message).toMatch(/row 2, column 0: level -1/);
    rows[2]![0] = '1' as never;
    expect(errorOf(rows).message).toMatch(/row 2, column 0: the string '1'/);
  });

  it('requires the first row all S and the last row all 0', () => {
    let err = errorOf([
      [3, 2, 3],
      [0, 0, 0],
    ]);
    expect(err.message).toMatch(/^row 0, column 1: level 2 in the first row; the first row must be all 3/);
    err = errorOf([
      [3, 3],
      [1, 0],
      [0, 1],
    ]);
    // Rising comes first at row 2, column 1.
    expect([err.row, err.column]).toEqual([2, 1]);
    err = errorOf([
      [3, 3],
      [1, 0],
    ]);
    expect(err.message).toMatch(/^row 1, column 0: level 1 in the last row; the last row must be all 0/);
  });

  it('rejects ragged, empty and non-array input', () => {
    expect(errorOf([[3, 3], [0]]).message).toMatch(/row 1: has 1 columns but row 0 has 2/);
    expect(errorOf([]).message).toMatch(/non-empty array/);
    expect(errorOf({ rows: [] }).message).toMatch(/non-empty array/);
    expect(errorOf([[3]]).message).toMatch(/at least two rows/);
    expect(errorOf([[], []]).message).toMatch(/row 0: a row needs at least one column/);
    expect(errorOf([[3], 'x']).message).toMatch(/row 1: expected an array of levels/);
    expect(() => validateSchedulingMatrix(good, 0)).toThrow(ScheduleError);
  });
});

describe('matrixTransitions', () => {
  it('lists each transition with matrix levels, real levels and change flags', () => {
    const m = schedulingMatrix({ mode: 'pyramid', steps: 3, horizon: 3 });
    const tr = matrixTransitions(m);
    expect(tr.length).toBe(5);
    const real = ddimLevels(3); // 999, 665, 332, −1
    expect(tr[1]!.row).toBe(1);
    expect(Array.from(tr[1]!.from)).toEqual([2, 3, 3]);
    expect(Array.from(tr[1]!.to)).toEqual([1, 2, 3]);
    expect(Array.from(tr[1]!.fromLevel)).toEqual([real[1], real[0], real[0]]);
    expect(Array.from(tr[1]!.toLevel)).toEqual([332, 665, 999]);
    expect(tr[1]!.changes).toEqual([true, true, false]);
    expect(tr[1]!.changedCount).toBe(2);
    expect(Array.from(tr[4]!.toLevel)).toEqual([-1, -1, -1]);
    expect(tr[4]!.changes).toEqual([false, false, true]);
  });

  it('maps matrix level S to K−1 and 0 to −1 (clean) through ddimLevels', () => {
    expect(matrixLevelToDiffusionLevel(50, 50)).toBe(999);
    expect(matrixLevelToDiffusionLevel(49, 50)).toBe(979);
    expect(matrixLevelToDiffusionLevel(1, 50)).toBe(19);
    expect(matrixLevelToDiffusionLevel(0, 50)).toBe(-1);
    expect(matrixLevelToDiffusionLevel(10, 10, 100)).toBe(99);
    expect(() => matrixLevelToDiffusionLevel(51, 50)).toThrow(ConfigError);
  });

  it('over every mode, a changing token moves to a strictly lower real level and ends at −1', () => {
    for (const mode of scheduleModes) {
      const m = schedulingMatrix({ mode, steps: 10, horizon: 6, uncertainty: 1.5 });
      const tr = matrixTransitions(m, 1000);
      expect(tr.length).toBe(m.rows.length - 1);
      for (const step of tr) {
        for (let t = 0; t < 6; t++) {
          if (step.changes[t]) expect(step.toLevel[t]!).toBeLessThan(step.fromLevel[t]!);
          else expect(step.toLevel[t]).toBe(step.fromLevel[t]);
        }
      }
      expect(Array.from(tr[tr.length - 1]!.toLevel)).toEqual(new Array(6).fill(-1));
      // Each token makes exactly S moves in total.
      const moves = new Array(6).fill(0);
      for (const step of tr) {
        for (let t = 0; t < 6; t++) if (step.changes[t]) moves[t]++;
      }
      expect(moves).toEqual(new Array(6).fill(10));
    }
  });

  it('rejects an unvalidated matrix that rises', () => {
    const bad: SchedulingMatrix = { mode: 'custom', steps: 2, horizon: 1, rows: [[2], [0], [1], [0]] };
    expect(() => matrixTransitions(bad)).toThrow(/row 2, column 0/);
  });
});
