/**
 * When the node asks for plans (src/node/plan-timing.ts): the grid, 'hold' and 'ahead', the adaptive lead,
 * and the warm-up's effect, on a fake clock (a planner whose latency is a function of its plan count).
 */
import { describe, expect, it } from 'vitest';
import {
  LEAD_MARGIN_MS,
  nextGridStep,
  PlanLead,
  type PlanTiming,
  planRequest,
} from '../../src/node/plan-timing.js';

const F = 10;
const PERIOD_MS = 10;

describe('plan requests', () => {
  it('finds the next grid step after the last target', () => {
    expect(nextGridStep({ start: 5, period: 10, lastTarget: 5 })).toBe(15);
    expect(nextGridStep({ start: 5, period: 10, lastTarget: 14 })).toBe(15);
    expect(nextGridStep({ start: 5, period: 10, lastTarget: 15 })).toBe(25);
    expect(nextGridStep({ start: 0, period: 1, lastTarget: 7 })).toBe(8);
    // A target off the grid (a late 'ahead' request) continues the grid after it.
    expect(nextGridStep({ start: 0, period: 10, lastTarget: 13 })).toBe(20);
  });

  it("'hold' asks at the grid step itself and skips a grid step that finds the planner busy", () => {
    const base = { timing: 'hold' as const, start: 0, period: 10, lastTarget: 0, lead: 4 };
    expect(planRequest({ ...base, step: 9, busy: false })).toEqual({ kind: 'wait' });
    expect(planRequest({ ...base, step: 10, busy: false })).toEqual({ kind: 'request', target: 10 });
    expect(planRequest({ ...base, step: 10, busy: true })).toEqual({ kind: 'skip', target: 10 });
    // After a skip the next request waits for the following grid step.
    expect(planRequest({ ...base, lastTarget: 10, step: 13, busy: false })).toEqual({ kind: 'wait' });
  });

  it("'ahead' asks lead steps early for the grid step, and at once for step + lead when it is late", () => {
    const base = { timing: 'ahead' as const, start: 0, period: 10, lastTarget: 0 };
    expect(planRequest({ ...base, lead: 3, step: 6, busy: false })).toEqual({ kind: 'wait' });
    expect(planRequest({ ...base, lead: 3, step: 7, busy: false })).toEqual({ kind: 'request', target: 10 });
    expect(planRequest({ ...base, lead: 3, step: 7, busy: true })).toEqual({ kind: 'wait' });
    expect(planRequest({ ...base, lead: 3, step: 9, busy: false })).toEqual({ kind: 'request', target: 12 });
    // Every step (period 1) with a 4-step latency: each request is for the step it can make.
    expect(planRequest({ ...base, period: 1, lastTarget: 20, lead: 4, step: 21, busy: false })).toEqual({
      kind: 'request',
      target: 25,
    });
  });
});

describe('the lead', () => {
  it('is F before any latency is known, then ⌈(max(p90, last) + margin) / period⌉ within 1 … F', () => {
    const lead = new PlanLead(PERIOD_MS, F);
    expect(lead.steps).toBe(F);
    for (let i = 0; i < 50; i++) lead.record(i === 7 ? 400 : 30); // one outlier in 50: below the p90
    expect(lead.steps).toBe(Math.ceil((30 + LEAD_MARGIN_MS) / PERIOD_MS));
    lead.record(51); // a slower plan raises the lead at once
    expect(lead.steps).toBe(6);
    lead.record(30);
    expect(lead.steps).toBe(4);
    for (let i = 0; i < 50; i++) lead.record(62);
    expect(lead.steps).toBe(7);
    for (let i = 0; i < 50; i++) lead.record(2);
    expect(lead.steps).toBe(1);
    for (let i = 0; i < 50; i++) lead.record(500);
    expect(lead.steps).toBe(F);
  });
});

/**
 * A 100 Hz loop on a fake clock around plan-timing, as the node runs it: one decision per step; a requested plan
 * lands `latency(n)` ms later (n = plans the planner thread made so far, warm-up included). Returns per plan
 * (after the first of the episode) how many steps after its target it landed, and the first plan's latency.
 */
function simulate(options: {
  timing: PlanTiming;
  warmup: boolean;
  latency: (n: number) => number;
  steps?: number;
}) {
  const lead = new PlanLead(PERIOD_MS, F);
  let made = 0;
  if (options.warmup) {
    // The warm-up's cold and warm plans, before the first state.
    made = 2;
    lead.record(options.latency(1));
  }
  let lastTarget = 0;
  let inFlight: { target: number; landsMs: number; sentMs: number } | null = null;
  const late: number[] = [];
  let firstLatency = Number.NaN;
  for (let s = 0; s < (options.steps ?? 300); s++) {
    const now = s * PERIOD_MS;
    if (inFlight && inFlight.landsMs <= now) {
      if (Number.isNaN(firstLatency)) firstLatency = inFlight.landsMs - inFlight.sentMs;
      else late.push(Math.max(0, Math.ceil((inFlight.landsMs - inFlight.target * PERIOD_MS) / PERIOD_MS)));
      lead.record(inFlight.landsMs - inFlight.sentMs);
      inFlight = null;
    }
    let target: number | null = s === 0 ? 0 : null;
    if (s > 0) {
      const d = planRequest({
        timing: options.timing,
        step: s,
        start: 0,
        period: F,
        lastTarget,
        busy: inFlight !== null,
        lead: lead.steps,
      });
      if (d.kind !== 'wait') lastTarget = d.target;
      if (d.kind === 'request') target = d.target;
    }
    if (target !== null) {
      inFlight = { target, sentMs: now, landsMs: now + options.latency(made) };
      made += 1;
    }
  }
  return { late, firstLatency };
}

describe('timing on a fake clock', () => {
  // The first plan of a planner thread pays 1 s of one-off costs; later ones take 34 ms, then 64 ms.
  const latency = (n: number) => (n === 0 ? 1000 : n < 15 ? 34 : 64);

  it('with the warm-up the first plan of the episode is not late by the one-off cost', () => {
    expect(simulate({ timing: 'ahead', warmup: false, latency }).firstLatency).toBe(1000);
    expect(simulate({ timing: 'ahead', warmup: true, latency }).firstLatency).toBe(34);
  });

  it("'ahead' has its plans in place at their step, adapting to a slower planner; 'hold' lands every one late", () => {
    const ahead = simulate({ timing: 'ahead', warmup: true, latency });
    expect(ahead.late.length).toBeGreaterThan(20);
    // The step to 64 ms costs at most the one plan that met it; the lead follows from the next one.
    expect(ahead.late.filter((l) => l > 0).length).toBeLessThanOrEqual(1);
    const hold = simulate({ timing: 'hold', warmup: true, latency });
    expect(hold.late.every((l) => l >= 4)).toBe(true);
  });
});
