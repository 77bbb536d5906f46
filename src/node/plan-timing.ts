/**
 * When the node asks for a plan, and for which step (issue 14 items 2 and 4). Pure: steps in, decisions out;
 * the node owns the clock and the planner thread.
 *
 *   grid       plans are due at the steps g = start + n·P of an episode (P = replan_period, F by default: the
 *              token boundaries), each plan for one grid step, its "target": the step from which it is used
 *   hold       (the behaviour before plan_timing existed) the plan for g is requested at g; until it lands the
 *              previous plan's commands are held. A grid step that comes while a plan is still being computed
 *              is skipped (a deadline miss): requests never queue behind a slow planner
 *   ahead      real-time chunking (docs/real-time-planning.md): the plan for g is requested d steps before g,
 *              d = the lead below, with the actions that will run meanwhile (steps s … g−1 of the current
 *              plan) committed, so it is in place at g. A request that can no longer make g on time (the
 *              planner was busy) is made at once for step s + d instead, the steps it commits included, so
 *              what runs and what the plan assumed stay the same
 *   lead d     ⌈(max(p90 of the last 50 plan latencies, the last one) + margin) / control period⌉, from 1 to
 *              F (a plan is asked for at most a token early, so it is made from a fresh state). Before any
 *              latency is known (no warm-up) d = F. A high quantile rather than the median, because a plan
 *              that misses its step costs a held command while one that is early only plans from a state a
 *              step older; the last latency too, so a planner that slows down (load) is followed at once
 */
import { LatencyWindow } from './latency-window.js';

export type PlanTiming = 'hold' | 'ahead';
export const PLAN_TIMINGS: readonly PlanTiming[] = ['hold', 'ahead'];

/** Margin on top of the latency quantile, ms (the command timer's jitter and the reply's trip). */
export const LEAD_MARGIN_MS = 5;
const LEAD_QUANTILE = 90;
const LEAD_WINDOW = 50;

export interface PlanGrid {
  /** Step of the episode's reset (the first grid step). */
  readonly start: number;
  /** P, steps between grid steps (≥ 1). */
  readonly period: number;
  /** Target of the last plan requested in this episode. */
  readonly lastTarget: number;
}

export interface PlanRequestInput extends PlanGrid {
  readonly timing: PlanTiming;
  /** The step whose command is chosen now. */
  readonly step: number;
  /** Whether a plan is still being computed. */
  readonly busy: boolean;
  /** Lead d in steps (ahead only). */
  readonly lead: number;
}

export type PlanDecision =
  | { readonly kind: 'wait' }
  /** Ask for a plan used from `target` (≥ step); steps step … target−1 run the current plan's commands. */
  | { readonly kind: 'request'; readonly target: number }
  /** hold: a grid step passed while the planner was busy (a deadline miss); `target` is now owed no more. */
  | { readonly kind: 'skip'; readonly target: number };

/** The first grid step after `lastTarget`. */
export function nextGridStep(grid: PlanGrid): number {
  const { start, period, lastTarget } = grid;
  const n = Math.floor((lastTarget - start) / period) + 1;
  return start + Math.max(0, n) * period;
}

export function planRequest(input: PlanRequestInput): PlanDecision {
  const next = nextGridStep(input);
  const { step, busy } = input;
  if (input.timing === 'hold') {
    if (step < next) return { kind: 'wait' };
    // The latest grid step reached; the ones before it (if any) passed while the planner was busy.
    const due = nextGridStep({ ...input, lastTarget: step }) - input.period;
    if (busy) return { kind: 'skip', target: due };
    return due === step ? { kind: 'request', target: step } : { kind: 'skip', target: due };
  }
  const lead = Math.max(1, Math.floor(input.lead));
  if (busy || step < next - lead) return { kind: 'wait' };
  return { kind: 'request', target: Math.max(next, step + lead) };
}

/** The lead d from the plan latencies seen (see the header). */
export class PlanLead {
  readonly #latencies = new LatencyWindow(LEAD_WINDOW);
  readonly #periodMs: number;
  readonly #frames: number;
  #last: number | null = null;

  constructor(periodMs: number, frames: number) {
    this.#periodMs = periodMs;
    this.#frames = frames;
  }

  record(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) return;
    this.#latencies.record(ms);
    this.#last = ms;
  }

  /** d in steps, 1 … F. */
  get steps(): number {
    const q = this.#latencies.percentile(LEAD_QUANTILE);
    if (q === null || this.#last === null) return this.#frames;
    const d = Math.ceil((Math.max(q, this.#last) + LEAD_MARGIN_MS) / this.#periodMs);
    return Math.min(this.#frames, Math.max(1, d));
  }
}
