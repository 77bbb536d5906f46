/**
 * Number formatting for the printed summaries (run, eval, sim-node): a value that does not exist (no ticks, one
 * episode's stderr) prints as a word, never as `NaN`.
 */

/** `x` with `digits` decimals, or `none` when it is missing or not finite. */
export function fixed(x: number | null | undefined, digits: number, none = 'none'): string {
  return x === null || x === undefined || !Number.isFinite(x) ? none : x.toFixed(digits);
}

/** Milliseconds: two decimals below 10 ms, whole above; `none` when missing. */
export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'none';
  return `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;
}

/** `mean ± stderr`, or the mean alone when there is no stderr (a single episode). */
export function meanStderr(mean: number, stderr: number | null | undefined, digits = 1): string {
  const m = fixed(mean, digits);
  return stderr === null || stderr === undefined || !Number.isFinite(stderr)
    ? m
    : `${m} ± ${stderr.toFixed(digits)}`;
}
