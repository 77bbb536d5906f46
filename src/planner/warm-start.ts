/**
 * Warm start: begin a plan from the previous one instead of pure noise (measured on the maze while the planner
 * was prototyped: a clipped pyramid with 3 steps left on token 0 cost a third of a cold plan and scored
 * within noise of it).
 *
 * Notation:
 *   P_t        previous plan's final clean tokens (the executed sample), shifted by the `shift` tokens executed
 *              since: P_t = prev[t + shift]; tokens past the previous plan's end are fresh N(0, I)
 *   S, u       DDIM steps and pyramid delay of the planner
 *   r0         `stepsLeft`: DDIM steps left on token 0 after re-noising
 *   D_t        delay of token t in rows: r0 + ⌊t·u⌋ for reused tokens, max(S, r0 + ⌊t·u⌋) for fresh ones (they
 *              are pure noise, so they start at S)
 *   n_t        steps left on token t after re-noising: min(S, D_t)
 *   τ_t        real level of n_t: ddimLevels(S)[S − n_t]
 *   x_t        √ᾱ_τ·P_t + √(1−ᾱ_τ)·w, w ~ N(0, I) fresh per sample (clamped to ±clipNoise)
 *   𝒦_warm     n[m, t] = clip(D_t − m, 0, S), m = 0 … M with M = min(rows, max_t D_t): the cold pyramid with its
 *              first rows cut off, so token 0 starts r0 steps from clean and tokens further out wait at S for
 *              their turn exactly as in a cold plan. With rows ≥ r0 token 0 ends clean. Rows after every token
 *              is clean would change nothing and are not run.
 */
import {
  alphaBarAt,
  ddimLevels,
  type NoiseSchedule,
  qSample,
  type Rng,
  type SchedulingMatrix,
} from '../math/index.js';

export interface WarmStartOptions {
  /** Previous plan's final clean tokens of the executed sample, [Hp·D]. */
  readonly previous: Float32Array;
  readonly previousHorizon: number;
  /** Tokens executed (absorbed) since that plan: 1 at a token boundary, 0 for a replan within a token. */
  readonly shift: number;
  /** H, B (MCG samples) and D of the new plan. */
  readonly horizon: number;
  readonly batch: number;
  readonly tokenSize: number;
  /** S and u. */
  readonly steps: number;
  readonly uncertainty: number;
  /** r0 and the row budget. */
  readonly stepsLeft: number;
  readonly rows: number;
  readonly schedule: NoiseSchedule;
  readonly rng: Rng;
  readonly clipNoise: number;
}

export interface WarmStart {
  /** Re-noised starting tokens, time-major [H, B, D]. */
  readonly tokens: Float32Array;
  /** The clipped pyramid (mode 'custom'): its first row is n_t, its last the state after the row budget. */
  readonly matrix: SchedulingMatrix;
  /** n_t per token. */
  readonly stepsLeft: Int32Array;
}

/** Delay D_t of every token (see the header): reused tokens follow the pyramid, fresh ones start at S. */
export function warmDelays(
  horizon: number,
  reused: number,
  steps: number,
  uncertainty: number,
  stepsLeft: number,
): Int32Array {
  const out = new Int32Array(horizon);
  for (let t = 0; t < horizon; t++) {
    // The same ⌊t·u⌋ tolerance as the cold pyramid, so u = 0.7 delays token 10 by 7 rows, not 6.
    const delay = stepsLeft + Math.floor(t * uncertainty + 1e-9);
    out[t] = t < reused ? delay : Math.max(steps, delay);
  }
  return out;
}

/** The clipped pyramid n[m, t] = clip(D_t − m, 0, S) with at most `rows` transitions. */
export function warmMatrix(delays: Int32Array, steps: number, rows: number): SchedulingMatrix {
  let highest = 0;
  for (const delay of delays) highest = Math.max(highest, delay);
  const transitions = Math.min(rows, highest);
  const matrix: number[][] = [];
  for (let m = 0; m <= transitions; m++) {
    matrix.push(Array.from(delays, (delay) => Math.min(steps, Math.max(0, delay - m))));
  }
  return { mode: 'custom', steps, horizon: delays.length, rows: matrix };
}

/** Shifts, re-noises and schedules the previous plan; null when none of it lies in the new plan. */
export function warmStart(options: WarmStartOptions): WarmStart | null {
  const { previous, previousHorizon, shift, horizon, batch, tokenSize: d, steps, schedule, rng } = options;
  const reused = Math.min(horizon, previousHorizon - shift);
  if (reused < 1) return null;
  const delays = warmDelays(horizon, reused, steps, options.uncertainty, options.stepsLeft);
  const stepsLeft = delays.map((delay) => Math.min(steps, delay));
  const levels = ddimLevels(steps, schedule.levels);
  const block = batch * d;
  const tokens = rng.fillNormal(new Float32Array(horizon * block), options.clipNoise);
  const clean = new Float32Array(block);
  // Reused tokens: q_sample of P_t at τ_t, one ᾱ per token; fresh tokens (t ≥ reused) stay the noise itself.
  for (let t = 0; t < reused; t++) {
    const source = previous.subarray((t + shift) * d, (t + shift + 1) * d);
    for (let b = 0; b < batch; b++) clean.set(source, b * d);
    const slot = tokens.subarray(t * block, (t + 1) * block);
    qSample(clean, slot, alphaBarAt(schedule, levels[steps - stepsLeft[t]!]!), slot);
  }
  return { tokens, matrix: warmMatrix(delays, steps, options.rows), stepsLeft };
}
