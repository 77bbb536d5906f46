/** A benchmark group: a table of named cases run by `df-planner bench <group>`. */
export interface BenchGroupOptions {
  /** Run only cases whose name contains this. */
  filter?: string | undefined;
  /** Timed repetitions per case; the group picks a default. */
  repeats?: number | undefined;
  /** Task whose model the group benchmarks (groups that need one, e.g. `plan`; others ignore it). */
  task?: string | undefined;
  /** `bench latency`: episodes per point, seed of the starts, delays (ms, comma-separated), variants, picture. */
  episodes?: number | undefined;
  seed?: number | undefined;
  delays?: string | undefined;
  variants?: string | undefined;
  out?: string | undefined;
}

/** Whether the case `name` runs under `options.filter`. */
export function wantsCase(options: BenchGroupOptions, name: string): boolean {
  return options.filter === undefined || name.includes(options.filter);
}

export interface BenchGroup {
  /**
   * Runs the group's cases and returns the JSON body (e.g. `{ backend, stepMsMedian, stepsPerSecond,
   * cases: [...] }`). Headline fields the issues name sit at the top level; per-case stats under `cases`.
   */
  run(options: BenchGroupOptions): Promise<Record<string, unknown>>;
}
