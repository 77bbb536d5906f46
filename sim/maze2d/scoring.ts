/**
 * D4RL Maze2D scoring (docs/maze2d.md §8) and the episode statistics we report beside it.
 *
 * Notation:
 *   R                       undiscounted episode return (sparse: steps spent inside the 0.5 goal disc)
 *   score(R)                100 · (R − ref_min) / (ref_max − ref_min), the papers' ×100 convention
 *   success                 the post-step position was within 0.5 of the goal at least once
 *   first reach             1-based step index of the first post-step observation inside the disc
 *   mean, stderr            sample mean and s/√n with s the (n−1) sample standard deviation
 *
 * The raw score rewards *staying* in the disc, so a policy that reaches fast but leaves scores low; success rate
 * and first-reach step separate reaching from loitering (the Diffusion Forcing paper's criticism).
 */
import { type MazeTask, mazeTask } from './layouts.js';

/** D4RL normalised score ×100 for one return. */
export function normalizedScore(task: MazeTask | string, episodeReturn: number): number {
  const t = typeof task === 'string' ? mazeTask(task) : task;
  return (100 * (episodeReturn - t.refMinScore)) / (t.refMaxScore - t.refMinScore);
}

export interface MeanStderr {
  readonly mean: number;
  /** s/√n; NaN for fewer than two values (printed as null in JSON). */
  readonly stderr: number;
}

export function meanStderr(values: readonly number[]): MeanStderr {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, stderr: Number.NaN };
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  if (n < 2) return { mean, stderr: Number.NaN };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, stderr: Math.sqrt(ss / (n - 1) / n) };
}

export interface EpisodeOutcome {
  readonly episodeReturn: number;
  readonly steps: number;
  readonly success: boolean;
  /** 1-based step of the first post-step observation inside the disc; null if never reached. */
  readonly firstReachStep: number | null;
}

export interface ScoreSummary {
  readonly episodes: number;
  readonly normalizedScore: MeanStderr;
  readonly returnMean: number;
  readonly returnStderr: number;
  /** Fraction of episodes that reached the disc at least once. */
  readonly successRate: number;
  /** Mean first-reach step over the successful episodes; null if none succeeded. */
  readonly firstReachMean: number | null;
  readonly firstReachStderr: number | null;
}

export function summarizeEpisodes(
  task: MazeTask | string,
  outcomes: readonly EpisodeOutcome[],
): ScoreSummary {
  const t = typeof task === 'string' ? mazeTask(task) : task;
  const returns = outcomes.map((o) => o.episodeReturn);
  const scores = returns.map((r) => normalizedScore(t, r));
  const reached = outcomes.filter((o) => o.firstReachStep !== null).map((o) => o.firstReachStep as number);
  const ret = meanStderr(returns);
  const reach = meanStderr(reached);
  return {
    episodes: outcomes.length,
    normalizedScore: meanStderr(scores),
    returnMean: ret.mean,
    returnStderr: ret.stderr,
    successRate:
      outcomes.length === 0 ? Number.NaN : outcomes.filter((o) => o.success).length / outcomes.length,
    firstReachMean: reached.length === 0 ? null : reach.mean,
    firstReachStderr: reached.length < 2 ? null : reach.stderr,
  };
}
