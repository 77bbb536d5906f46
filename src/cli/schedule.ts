/**
 * `df-planner schedule`: prints a scheduling matrix 𝒦 (which noise level every plan token holds after each
 * denoising iteration), or checks a user-written one (`--matrix FILE`) and prints it. Table by default,
 * one JSON line with --json. No tfjs, no model: it only runs src/math.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue, ScheduleError } from '../errors.js';
import {
  ddimLevels,
  type SchedulingMatrix,
  scheduleModes,
  schedulingMatrix,
  validateSchedulingMatrix,
} from '../math/index.js';
import { defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';

const options = {
  mode: {
    kind: 'string',
    description: 'matrix shape (default pyramid)',
    choices: scheduleModes,
  },
  steps: {
    kind: 'integer',
    description: 'S, DDIM sampling steps (matrix level S = pure noise)',
    min: 1,
    max: 10000,
  },
  horizon: { kind: 'integer', description: 'H, number of plan tokens (columns)', min: 1, max: 100000 },
  uncertainty: {
    kind: 'number',
    description:
      'u ≥ 0, delay between successive tokens for pyramid/trapezoid (default 1; 0 = full sequence)',
    min: 0,
  },
  matrix: {
    kind: 'string',
    description:
      'check and print a JSON matrix from this file (an array of rows, or {"rows": …} as --json prints)',
  },
  levels: {
    kind: 'integer',
    description: 'K, diffusion levels of the model (for --real)',
    min: 1,
    default: 1000,
  },
  real: {
    kind: 'boolean',
    description: 'also show the real diffusion levels (K−1 … 0, −1 = clean) the matrix levels map to',
  },
  json: { kind: 'boolean', description: 'print one JSON line: {"mode", "steps", "horizon", "rows"}' },
} as const;

const usage =
  'df-planner schedule --mode pyramid --steps S --horizon H [--uncertainty u] [--json]\n' +
  '       df-planner schedule --matrix FILE [--steps S] [--json]';

export default defineCommand({
  summary: COMMAND_SUMMARIES.schedule,
  usage,
  options,
  async run(opts) {
    const matrix =
      opts.matrix !== undefined
        ? loadMatrix(opts.matrix, opts.steps, opts)
        : buildMatrix(opts.mode, opts.steps, opts.horizon, opts.uncertainty);
    const real = opts.real ? realLevels(matrix, opts.levels) : undefined;
    if (opts.json) {
      const out: Record<string, unknown> = {
        mode: matrix.mode,
        steps: matrix.steps,
        horizon: matrix.horizon,
        rows: matrix.rows,
      };
      if (real) {
        out['levels'] = opts.levels;
        out['diffusionRows'] = real;
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      process.stdout.write(formatTable(matrix, opts.uncertainty, real, opts.levels));
    }
    return 0;
  },
});

function buildMatrix(
  mode: string | undefined,
  steps: number | undefined,
  horizon: number | undefined,
  uncertainty: number | undefined,
): SchedulingMatrix {
  const chosen = (mode ?? 'pyramid') as (typeof scheduleModes)[number];
  const issues: ConfigIssue[] = [];
  if (steps === undefined)
    issues.push({ path: '--steps', message: 'is required (S, DDIM sampling steps, e.g. 50)' });
  if (horizon === undefined) issues.push({ path: '--horizon', message: 'is required (H, plan tokens)' });
  if (uncertainty !== undefined && chosen !== 'pyramid' && chosen !== 'trapezoid') {
    issues.push({
      path: '--uncertainty',
      message: `applies to pyramid and trapezoid only; ${chosen} fixes it (full_sequence: 0, autoregressive: S)`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return schedulingMatrix({
    mode: chosen,
    steps: steps!,
    horizon: horizon!,
    ...(uncertainty !== undefined ? { uncertainty } : {}),
  });
}

function loadMatrix(
  file: string,
  steps: number | undefined,
  opts: { mode?: string | undefined; horizon?: number | undefined; uncertainty?: number | undefined },
): SchedulingMatrix {
  const conflicts = (['mode', 'horizon', 'uncertainty'] as const).filter((k) => opts[k] !== undefined);
  if (conflicts.length > 0) {
    throw new ConfigError(
      conflicts.map((k) => ({
        path: `--${k}`,
        message: 'is not used with --matrix (the file gives the matrix)',
      })),
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read '${file}': ${(err as Error).message}`, '--matrix');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`'${file}' is not valid JSON (${(err as Error).message})`, '--matrix');
  }
  let rows: unknown = data;
  let fileSteps: unknown;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    rows = (data as Record<string, unknown>)['rows'];
    fileSteps = (data as Record<string, unknown>)['steps'];
  }
  if (steps !== undefined && fileSteps !== undefined && fileSteps !== steps) {
    throw new ConfigError(
      `--steps ${steps} disagrees with "steps": ${JSON.stringify(fileSteps)} in '${file}'`,
      '--steps',
    );
  }
  // S is what the first row holds; an explicit --steps or "steps" makes the check stricter.
  const first = Array.isArray(rows) && Array.isArray(rows[0]) ? (rows[0] as unknown[])[0] : undefined;
  const inferred = steps ?? (typeof fileSteps === 'number' ? fileSteps : first);
  if (typeof inferred !== 'number' || !Number.isInteger(inferred) || inferred < 1) {
    throw new ScheduleError(
      `${file}: row 0, column 0: cannot take S from ${JSON.stringify(inferred)}; the first row must be all S ≥ 1 ` +
        `(or pass --steps)`,
      { row: 0, column: 0 },
    );
  }
  try {
    return validateSchedulingMatrix(rows as number[][], inferred);
  } catch (err) {
    if (err instanceof ScheduleError) {
      throw new ScheduleError(`${file}: ${err.message}`, {
        ...(err.row !== undefined ? { row: err.row } : {}),
        ...(err.column !== undefined ? { column: err.column } : {}),
      });
    }
    throw err;
  }
}

function realLevels(matrix: SchedulingMatrix, levels: number): number[][] {
  const table = ddimLevels(matrix.steps, levels);
  return matrix.rows.map((row) => row.map((n) => table[matrix.steps - n]!));
}

function formatTable(
  matrix: SchedulingMatrix,
  uncertainty: number | undefined,
  real: number[][] | undefined,
  levels: number,
): string {
  const { mode, steps, horizon, rows } = matrix;
  const u =
    mode === 'pyramid' || mode === 'trapezoid'
      ? `, u=${uncertainty ?? 1}`
      : mode === 'autoregressive'
        ? `, u=${steps}`
        : '';
  const transitions = rows.length - 1;
  const lines = [
    `${mode} schedule: S=${steps} steps, H=${horizon} tokens${u}`,
    `${rows.length} rows, ${transitions} transitions, ${transitions * horizon} network calls per plan ` +
      `(transitions × tokens)`,
    `level ${steps} = pure noise, 0 = clean; rows are denoising iterations, columns are plan tokens`,
    '',
    ...alignedTable(rows),
  ];
  if (real) {
    lines.push('', `real diffusion levels (K=${levels}; -1 = clean):`, '', ...alignedTable(real));
  }
  return `${lines.join('\n')}\n`;
}

function alignedTable(rows: number[][]): string[] {
  const horizon = rows[0]?.length ?? 0;
  const rowWidth = Math.max(3, String(rows.length - 1).length);
  let width = String(`t${horizon - 1}`).length;
  for (const row of rows) for (const n of row) width = Math.max(width, String(n).length);
  const header = ['row'.padStart(rowWidth)];
  for (let t = 0; t < horizon; t++) header.push(`t${t}`.padStart(width));
  const out = [header.join(' ')];
  rows.forEach((row, m) => {
    out.push([String(m).padStart(rowWidth), ...row.map((n) => String(n).padStart(width))].join(' '));
  });
  return out;
}
