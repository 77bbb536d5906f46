/**
 * The planner node's health report: one diagnostic_msgs/DiagnosticStatus named `<node fqn>: control loop`
 * (docs/ros2.md §3.3) in a DiagnosticArray on /diagnostics. Levels: STALE before the first valid state message,
 * ERROR when the planner failed or made a non-finite command since the last report, WARN on a needed topic that
 * stayed silent since the start, a sensor timeout, missed deadlines, a stamp restart or rejected messages (other
 * than duplicates) since the last report, OK otherwise.
 */
import { DIAGNOSTIC_LEVEL, type DiagnosticArray, type MsgInput, timeFromNs } from '../transport/index.js';
import { keyValues } from './convert.js';
import type { LatencyWindow } from './latency-window.js';

export type DiagnosticLevel = (typeof DIAGNOSTIC_LEVEL)[keyof typeof DIAGNOSTIC_LEVEL];

/** Monotonic counters since start (never reset, so deltas between reports are exact). */
export interface NodeCounters {
  /** Executed steps (each got a command). */
  steps: number;
  commands: number;
  zeroCommands: number;
  /** Commands that came from the previous plan (hold) or zero because the current plan was late or failed. */
  fallbackCommands: number;
  plans: number;
  warmPlans: number;
  planErrors: number;
  /** Plans not back by their deadline (plan_deadline after the request; default one token period), or skipped for a busy planner. */
  deadlineMisses: number;
  /** Times the state went stale (count of timeout episodes, not of zero commands). */
  sensorTimeouts: number;
  /** Commands the planner made non-finite, published as the zero command instead (an ERROR each time). */
  nonFiniteCommands: number;
  /** Input stamps that jumped back beyond the restart threshold (stamp-order.ts): taken as a restarted clock. */
  stampRestarts: number;
  /** Steps whose state a sensor flagged unreliable (an occluded object): absorbed as noisy by the agent. */
  noisyStates: number;
  resets: number;
  goals: number;
  paramUpdates: number;
  paramRejections: number;
  received: Record<string, number>;
  /** `<topic role>.<reason>` → count. */
  rejected: Record<string, number>;
}

export function emptyCounters(): NodeCounters {
  return {
    steps: 0,
    commands: 0,
    zeroCommands: 0,
    fallbackCommands: 0,
    plans: 0,
    warmPlans: 0,
    planErrors: 0,
    deadlineMisses: 0,
    sensorTimeouts: 0,
    nonFiniteCommands: 0,
    stampRestarts: 0,
    noisyStates: 0,
    resets: 0,
    goals: 0,
    paramUpdates: 0,
    paramRejections: 0,
    received: {},
    rejected: {},
  };
}

export interface DiagnosticsInput {
  readonly name: string;
  readonly hardwareId: string;
  readonly stampNs: bigint;
  readonly counters: NodeCounters;
  /** Counters at the previous report (deltas decide WARN/ERROR). */
  readonly previous: NodeCounters;
  /** No valid state message yet. */
  readonly stale: boolean;
  /** The state is older than sensor_timeout right now. */
  readonly timedOut: boolean;
  readonly sensorAgeMs: number | null;
  /** Needed topics that delivered nothing yet for longer than input-watch.ts allows, with how long (ms). */
  readonly silentTopics: readonly { readonly topic: string; readonly forMs: number }[];
  readonly lastError: string | null;
  readonly tickLatency: LatencyWindow;
  readonly planLatency: LatencyWindow;
  readonly fixed: Readonly<Record<string, string | number | boolean>>;
}

function sumValues(r: Record<string, number>, skipDuplicates = false): number {
  let n = 0;
  for (const [k, v] of Object.entries(r)) if (!(skipDuplicates && k.endsWith('.duplicate'))) n += v;
  return n;
}

/** Level and one-line message of a report. */
export function diagnosticLevel(input: DiagnosticsInput): { level: DiagnosticLevel; message: string } {
  const c = input.counters;
  const p = input.previous;
  // A needed topic that never delivered anything is a WARN (a wrong topic name?), not only "waiting".
  const silent = input.silentTopics.map(
    (s) =>
      `no message on ${s.topic} for ${Math.round(s.forMs / 1000)} s: check the topic name (remaps, *_topic parameters) and that its publisher runs`,
  );
  // Duplicates (re-sent states) are expected at start-up and are no reason to warn.
  const rejected = sumValues(c.rejected, true) - sumValues(p.rejected, true);
  // Before the first valid state: STALE, unless something is wrong that the user can fix (silence, rejections).
  if (input.stale && silent.length === 0 && rejected === 0)
    return { level: DIAGNOSTIC_LEVEL.STALE, message: 'waiting for the first valid state message' };
  if (c.planErrors > p.planErrors) {
    return {
      level: DIAGNOSTIC_LEVEL.ERROR,
      message: `planner failed ${c.planErrors - p.planErrors}× since the last report: ${input.lastError ?? 'unknown error'}`,
    };
  }
  if (c.nonFiniteCommands > p.nonFiniteCommands) {
    return {
      level: DIAGNOSTIC_LEVEL.ERROR,
      message: `${c.nonFiniteCommands - p.nonFiniteCommands} non-finite command(s) since the last report, zero published instead`,
    };
  }
  const warnings: string[] = [...silent];
  if (input.timedOut)
    warnings.push(
      `sensor timeout: no valid state for ${Math.round(input.sensorAgeMs ?? 0)} ms, sending zero commands`,
    );
  else if (c.sensorTimeouts > p.sensorTimeouts)
    warnings.push(`${c.sensorTimeouts - p.sensorTimeouts} sensor timeout(s)`);
  if (c.stampRestarts > p.stampRestarts)
    warnings.push(`${c.stampRestarts - p.stampRestarts} stamp restart(s) (a clock jumped back)`);
  if (c.deadlineMisses > p.deadlineMisses)
    warnings.push(`${c.deadlineMisses - p.deadlineMisses} deadline miss(es)`);
  if (rejected > 0) warnings.push(`${rejected} rejected message(s)`);
  if (warnings.length > 0) return { level: DIAGNOSTIC_LEVEL.WARN, message: warnings.join('; ') };
  return { level: DIAGNOSTIC_LEVEL.OK, message: 'ok' };
}

const round3 = (x: number | null) => (x !== null && Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 'n/a');

export function diagnosticsMessage(input: DiagnosticsInput): {
  msg: MsgInput<DiagnosticArray>;
  level: DiagnosticLevel;
} {
  const { level, message } = diagnosticLevel(input);
  const c = input.counters;
  const values: Record<string, string | number | boolean> = {
    ...input.fixed,
    'tick latency median ms': round3(input.tickLatency.percentile(50)),
    'tick latency p99 ms': round3(input.tickLatency.percentile(99)),
    'tick latency max ms': round3(input.tickLatency.max),
    'plan latency median ms': round3(input.planLatency.percentile(50)),
    'plan latency p99 ms': round3(input.planLatency.percentile(99)),
    'sensor age ms': input.sensorAgeMs === null ? 'n/a' : Math.round(input.sensorAgeMs),
    steps: c.steps,
    commands: c.commands,
    'zero commands': c.zeroCommands,
    'fallback commands': c.fallbackCommands,
    plans: c.plans,
    'warm plans': c.warmPlans,
    'deadline misses': c.deadlineMisses,
    'planner errors': c.planErrors,
    'sensor timeouts': c.sensorTimeouts,
    'non-finite commands': c.nonFiniteCommands,
    'stamp restarts': c.stampRestarts,
    'noisy states': c.noisyStates,
    resets: c.resets,
    goals: c.goals,
    'rejected messages': sumValues(c.rejected),
    'parameter updates': c.paramUpdates,
    'parameter rejections': c.paramRejections,
  };
  for (const [k, v] of Object.entries(c.received)) values[`received ${k}`] = v;
  for (const [k, v] of Object.entries(c.rejected)) values[`rejected ${k}`] = v;
  if (input.lastError) values['last error'] = input.lastError;
  return {
    level,
    msg: {
      header: { stamp: timeFromNs(input.stampNs), frame_id: '' },
      status: [
        {
          level,
          name: `${input.name}: control loop`,
          message,
          hardware_id: input.hardwareId,
          values: keyValues(values),
        },
      ],
    },
  };
}

export function copyCounters(c: NodeCounters): NodeCounters {
  return { ...c, received: { ...c.received }, rejected: { ...c.rejected } };
}
