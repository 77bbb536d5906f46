/**
 * `df-planner run --task arm-swap`: the MuJoCo fruit-swap arm sim node and the planner node on one in-process
 * bus, wired as launch/arm_swap.launch.py wires them on ROS 2 (same topics, parameters and clocks): joint_states
 * and the fruit poses in, joint position targets out on /arm_controller/commands, the task's IK between. Real
 * time by default (10 Hz of wall time, the sim holding the last targets); `--lockstep` steps once per command.
 *
 * At the end: per episode the case and whether the fruits were swapped (judged on the final state), the success
 * rate, the planner's tick and plan latency, its errors and safe (hold) commands, both sides' deadline misses, and
 * a PNG per episode (the fruits' slots over time and the grasp point's path seen from above).
 */
import path from 'node:path';
import { type ArmSwapEnv, createArmEnv } from '../../sim/arm/arm-env.js';
import { SLOTS } from '../../sim/arm/geometry.js';
import {
  ARM_SIM_PARAMS,
  type ArmEpisodeRecord,
  ArmSimNode,
  type ArmSimReport,
  type ArmStepEvent,
  SLOT_CODES,
} from '../../sim/nodes/index.js';
import { PlanningError } from '../errors.js';
import { type Logger, silentLogger, stderrLogger } from '../logging.js';
import { readModelFile } from '../model/checkpoint.js';
import {
  ARM_INTERFACE_PARAMS,
  ARM_NODE_NAMES,
  COMMON_NODE_PARAMS,
  copyCounters,
  type NodeCounters,
  type PlannerNode,
  plannerParamArgs,
  startPlannerNode,
} from '../node/index.js';
import { declareParams } from '../params/index.js';
import { type PlotPanel, type Rgb, renderLinePlot, writePng } from '../render/index.js';
import { createBus, type Float64MultiArray } from '../transport/index.js';
import { armNodeTask } from './arm-node-task.js';
import { BusOutputs, busOutputLines } from './bus-outputs.js';
import { checkOutputFile, exitAfterWrites, writeAfterWork } from './output-path.js';
import { keyedTo, param } from './pair-args.js';
import { warnRosArgs } from './ros-arg-warnings.js';
import { errorRecordingLogger, readModelForTask } from './run-pair.js';
import { onStopSignals, SIGNAL_EXIT_CODE } from './stop-signals.js';
import { fixed, ms } from './summary-format.js';

/** The planner's parameter table with the arm interface (what `run --task arm-swap` checks arguments against). */
export const ARM_NODE_PARAMS = [...COMMON_NODE_PARAMS, ...ARM_INTERFACE_PARAMS];

export interface ArmPairOptions {
  /** The registry's arm task id ('arm-swap'). */
  readonly task: string;
  readonly modelDir: string;
  readonly lockstep: boolean;
  readonly seed: number;
  readonly episodes: number;
  readonly maxSteps?: number;
  readonly realTimeFactor?: number;
  readonly plannerThread?: 'worker' | 'inline';
  readonly backend?: string;
  readonly paramsFile?: string;
  readonly passThrough?: readonly string[];
  readonly logger: Logger;
  readonly onStep?: (event: ArmStepEvent, planner: PlannerNode) => void;
  readonly busOutputs?: Pick<BusOutputs, 'attachBus' | 'close'>;
  readonly stallTimeoutS?: number;
  readonly signal?: AbortSignal;
}

interface Latency {
  readonly median: number | null;
  readonly p99: number | null;
  readonly count: number;
}

export interface ArmPairResult {
  readonly report: ArmSimReport;
  readonly counters: NodeCounters;
  readonly tickLatencyMs: Latency;
  readonly planLatencyMs: Latency;
  readonly loadSeconds: number;
  readonly wallSeconds: number;
  readonly lastError: string | null;
  readonly interrupted: boolean;
  /** The joint targets seen on the command topic while the planner closed: the hold of the measured joints. */
  readonly stopCommands: readonly (readonly number[])[];
}

/**
 * The arm sim node and the planner node on one bus: node names arm_sim and planner, the model's tuned planner
 * settings, then the params file, then these options keyed by node name unless `passThrough` sets them, then
 * `passThrough`; the planner on sim time in lockstep, on the wall clock in real time.
 */
export async function runArmPair(o: ArmPairOptions): Promise<ArmPairResult> {
  const task = armNodeTask(o.task);
  const model = readModelForTask(o.modelDir, task.id, () => `pass --model for an ${task.id} model`);
  const { logger, lastError } = errorRecordingLogger(o.logger);
  const bus = createBus({ time: 'real', logger });
  o.busOutputs?.attachBus(bus);
  const shared = o.paramsFile !== undefined ? ['--params-file', o.paramsFile] : [];
  const passThrough = o.passThrough ?? [];
  const plannerArgs = [
    '--ros-args',
    ...plannerParamArgs((model.provenance as { planner?: unknown }).planner),
    ...shared,
    ...keyedTo(ARM_NODE_NAMES.planner, passThrough, [
      ...param('model', o.modelDir),
      ...param('task', task.id),
      ...param('lockstep', o.lockstep),
      ...param('use_sim_time', o.lockstep),
      ...param('seed', o.seed),
      ...param('planner_thread', o.plannerThread ?? 'worker'),
      // Pure imitation: no objective fits the arm's layout (no reward, no goal), so the plan is unguided.
      ...param('guidance_scale', 0, 'double'),
      ...(o.backend !== undefined ? param('backend', o.backend) : []),
      ...(o.maxSteps !== undefined ? param('episode_steps', Math.min(o.maxSteps, task.episodeSteps)) : []),
    ]),
    ...passThrough,
  ];
  const simArgs = [
    '--ros-args',
    ...shared,
    ...keyedTo(ARM_NODE_NAMES.sim, passThrough, [
      ...param('lockstep', o.lockstep),
      ...param('seed', o.seed),
      ...param('episodes', o.episodes),
      ...param('real_time_factor', o.realTimeFactor ?? 1, 'double'),
      ...(o.maxSteps !== undefined ? param('max_steps', o.maxSteps) : []),
    ]),
    ...passThrough,
  ];

  const startedMs = performance.now();
  let planner: PlannerNode | null = null;
  let sim: ArmSimNode | null = null;
  let env: ArmSwapEnv | null = null;
  let closing = false;
  try {
    const plannerTransport = bus.node(ARM_NODE_NAMES.planner, '', plannerArgs);
    planner = await startPlannerNode({ transport: plannerTransport, resolveTask: () => task });
    const loadSeconds = (performance.now() - startedMs) / 1000;
    // A monitor node, as `ros2 topic echo` would be: the targets the planner sends while it closes.
    const monitor = bus.node('run_monitor');
    const stopCommands: number[][] = [];
    const commandTopic = plannerTransport.resolve(String(plannerTransport.param('command_topic')));
    monitor
      .observe('std_msgs/msg/Float64MultiArray', commandTopic, 'command')
      .subscribe(({ msg }: { msg: Float64MultiArray }) => {
        if (closing) stopCommands.push(Array.from(msg.data));
      });
    monitor.start();

    const simTransport = bus.node(ARM_NODE_NAMES.sim, '', simArgs);
    const simParams = declareParams(simTransport, ARM_SIM_PARAMS);
    env = await createArmEnv({ logger: o.logger });
    const p = planner;
    let lastStepMs = performance.now();
    let where = 'before the first step';
    sim = new ArmSimNode(simTransport, env, simParams, {
      onStep: (e) => {
        lastStepMs = performance.now();
        where = `episode ${e.episode}, step ${e.t}`;
        o.onStep?.(e, p);
      },
    });
    const s = sim;
    if (o.signal?.aborted) s.interrupt();
    else {
      o.signal?.addEventListener('abort', () => s.interrupt(), { once: true });
      s.start();
    }
    lastStepMs = performance.now();
    // A lockstep sim only moves when the planner answers: never wait forever on a planner that stopped.
    const stallMs = (o.stallTimeoutS ?? 60) * 1000;
    let watchdog: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      watchdog = setInterval(() => {
        if (performance.now() - lastStepMs > stallMs)
          reject(
            new PlanningError(
              `the arm sim has not stepped for ${stallMs / 1000} s (${where}); see the log above`,
            ),
          );
      }, 1000);
    });
    let report: ArmSimReport;
    try {
      report = await Promise.race([sim.done, stalled]);
    } finally {
      clearInterval(watchdog);
    }
    const latency = (w: PlannerNode['tickLatency']): Latency => ({
      median: w.percentile(50),
      p99: w.percentile(99),
      count: w.count,
    });
    const counters = copyCounters(planner.counters);
    const tickLatencyMs = latency(planner.tickLatency);
    const planLatencyMs = latency(planner.planLatency);
    sim.stop();
    closing = true;
    await planner.close();
    planner = null;
    await bus.idle();
    return {
      report,
      counters,
      tickLatencyMs,
      planLatencyMs,
      loadSeconds,
      wallSeconds: (performance.now() - startedMs) / 1000,
      lastError: lastError(),
      interrupted: o.signal?.aborted === true,
      stopCommands,
    };
  } finally {
    sim?.stop();
    closing = true;
    if (planner) await planner.close();
    await bus.close();
    env?.close();
    await o.busOutputs?.close();
  }
}

/** The run's summary as text (what `run --task arm-swap` prints) and as JSON fields. */
export function armSummary(
  r: ArmPairResult,
  info: { model: string; modelSteps: number; mode: 'lockstep' | 'realtime'; seed: number; picture: string },
): { text: string; json: Record<string, unknown> } {
  const episodes = r.report.episodes;
  const n = episodes.length;
  const swapped = episodes.filter((e) => e.success).length;
  const c = r.counters;
  const simMisses = episodes.reduce((k, e) => k + e.deadlineMisses, 0);
  const simSteps = episodes.reduce((k, e) => k + e.steps, 0);
  const lines = [
    `${r.report.task}, ${info.mode === 'lockstep' ? 'lockstep' : 'real time'}, ${n} episode${n === 1 ? '' : 's'}, seed ${info.seed}, model ${path.relative(process.cwd(), info.model) || '.'} (${info.modelSteps} training steps)`,
    ...episodes.map((e) => `  episode ${e.index} (case ${e.case}): ${episodeOutcome(e)}`),
    `success           ${n === 0 ? 'none (no episode ran)' : `${fixed((100 * swapped) / n, 1)} % (${swapped} of ${n}, judged on the final state)`}`,
    r.tickLatencyMs.count === 0
      ? 'tick latency      none: no joint state reached the planner (0 ticks); check its topics'
      : `tick latency      median ${ms(r.tickLatencyMs.median)}, p99 ${ms(r.tickLatencyMs.p99)} (${r.tickLatencyMs.count} ticks, state in → command out)`,
    r.planLatencyMs.count === 0
      ? 'plan latency      none (0 plans)'
      : `plan latency      median ${ms(r.planLatencyMs.median)}, p99 ${ms(r.planLatencyMs.p99)} (${r.planLatencyMs.count} plans, in the planner thread)`,
    c.planErrors === 0
      ? `planner errors    none (${c.zeroCommands} hold commands: the measured joints held)`
      : `planner errors    ${c.planErrors}, ${c.zeroCommands} hold commands; last: ${r.lastError ?? 'unknown'}`,
    info.mode === 'lockstep'
      ? `deadline misses   none in lockstep (the sim waits for every command); ${c.deadlineMisses} reported by the planner`
      : `deadline misses   sim: ${simMisses} of ${simSteps} steps had a stale command; planner: ${c.deadlineMisses} plans late (${c.fallbackCommands} commands from the previous plan)`,
    `picture           ${info.picture}`,
    `wall time         ${fixed(r.wallSeconds, 1)} s (model load ${fixed(r.loadSeconds, 1)} s)`,
  ];
  const last = r.stopCommands.at(-1);
  if (r.interrupted) {
    lines.push(
      `interrupted       the sim stopped after ${n} episode${n === 1 ? '' : 's'}; ` +
        (last
          ? `the planner held the measured joints on closing ([${last.map((v) => v.toFixed(3)).join(', ')}])`
          : 'no command was seen while the planner closed'),
    );
  }
  const json = {
    task: r.report.task,
    ...info,
    episodes: episodes.map(({ graspPath: _g, slots: _s, ...rest }) => rest),
    successRate: n === 0 ? null : swapped / n,
    tickLatencyMs: r.tickLatencyMs,
    planLatencyMs: r.planLatencyMs,
    plannerErrors: c.planErrors,
    lastError: r.lastError,
    holdCommands: c.zeroCommands,
    noisyStates: c.noisyStates,
    simDeadlineMisses: simMisses,
    simSteps,
    plannerDeadlineMisses: c.deadlineMisses,
    plans: c.plans,
    interrupted: r.interrupted,
    stopCommands: r.stopCommands,
    loadSeconds: r.loadSeconds,
    wallSeconds: r.wallSeconds,
  };
  return { text: `${lines.join('\n')}\n`, json };
}

function episodeOutcome(e: ArmEpisodeRecord): string {
  const end = `apple in ${e.finalSlots.apple ?? 'no slot'}, orange in ${e.finalSlots.orange ?? 'no slot'}`;
  const partial = e.interrupted ? ' (interrupted: a partial episode)' : '';
  return e.success
    ? `swapped (first complete at step ${e.firstSuccessStep}, ${fixed((e.firstSuccessStep ?? 0) / 10, 1)} s), ${e.steps} steps${partial}`
    : `not swapped after ${e.steps} steps (${end})${partial}`;
}

/**
 * The PNG of the run, two panels per episode drawn with the generic line plot: the grasp point seen from above
 * (world y across, A on the right of the axis, x up: away from the arm's base), with the slot centres marked;
 * and each fruit's slot over time (A = 0, C = 1, B = 2; −1 while it is in the hand or off the slots).
 */
export function armRunPicture(report: ArmSimReport, title: string): Buffer {
  const apple: Rgb = [210, 40, 40];
  const orange: Rgb = [245, 150, 20];
  const grasp: Rgb = [40, 70, 160];
  const panels: PlotPanel[] = report.episodes.flatMap((e) => {
    const n = e.graspPath.length / 3;
    const gx = new Float64Array(n);
    const gy = new Float64Array(n);
    const time = new Float64Array(n);
    const slotA = new Float64Array(n);
    const slotO = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      gx[t] = e.graspPath[3 * t + 1]!;
      gy[t] = e.graspPath[3 * t]!;
      time[t] = t / 10;
      slotA[t] = e.slots[2 * t]!;
      slotO[t] = e.slots[2 * t + 1]!;
    }
    const label = `ep ${e.index} case ${e.case}: ${e.success ? 'swapped' : 'not swapped'}`;
    return [
      {
        title: `${label}, grasp point from above`,
        xLabel: 'world y (m)',
        yLabel: 'world x (m)',
        series: [
          { x: gx, y: gy, color: grasp, label: 'grasp point' },
          ...SLOT_CODES.map((slot) => ({
            x: Float64Array.of(SLOTS[slot][1] - 0.01, SLOTS[slot][1] + 0.01),
            y: Float64Array.of(SLOTS[slot][0], SLOTS[slot][0]),
            color: [120, 120, 120] as Rgb,
            thickness: 3,
          })),
        ],
      },
      {
        title: `${label}, slots (A 0, C 1, B 2)`,
        xLabel: 'time (s)',
        yLabel: 'slot',
        yRange: [-1.2, 2.2] as const,
        series: [
          { x: time, y: slotA, color: apple, label: 'apple' },
          { x: time, y: slotO, color: orange, label: 'orange' },
        ],
      },
    ];
  });
  return renderLinePlot(panels, { title, columns: 2 });
}

export interface ArmRunCliOptions {
  readonly task: string;
  readonly modelDir: string;
  readonly lockstep: boolean;
  readonly episodes: number;
  readonly seed: number;
  readonly out: string | undefined;
  readonly maxSteps: number | undefined;
  readonly realTimeFactor: number;
  readonly plannerThread: 'worker' | 'inline';
  readonly backend: string | undefined;
  readonly paramsFile: string | undefined;
  readonly record: string | undefined;
  readonly live: number | undefined;
  readonly liveHost: string | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly passThrough: readonly string[];
}

/** `df-planner run --task arm-swap` after the options are read: the pair, the summary, the picture. */
export async function runArmCli(o: ArmRunCliOptions): Promise<number> {
  const out = o.out ?? `runs/run-${o.task}.png`;
  checkOutputFile(out, '--out', `run-${o.task}.png`);
  const model = readModelFile(o.modelDir);
  warnRosArgs(
    ['--ros-args', ...(o.paramsFile !== undefined ? ['--params-file', o.paramsFile] : []), ...o.passThrough],
    [
      { name: ARM_NODE_NAMES.planner, table: ARM_NODE_PARAMS },
      { name: ARM_NODE_NAMES.sim, table: ARM_SIM_PARAMS },
    ],
  );
  const logger: Logger = o.quiet ? silentLogger : stderrLogger;
  const outputs = await BusOutputs.open({ record: o.record, live: o.live, liveHost: o.liveHost, logger });
  const stop = new AbortController();
  const signals = onStopSignals((signal) => {
    stderrLogger.warn(
      `${signal}: stopping the sim; the planner holds the measured joints, then the summary and the picture follow (${signal} again exits at once)`,
    );
    stop.abort();
  });
  const result = await runArmPair({
    task: o.task,
    modelDir: o.modelDir,
    lockstep: o.lockstep,
    seed: o.seed,
    episodes: o.episodes,
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
    realTimeFactor: o.realTimeFactor,
    plannerThread: o.plannerThread,
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.paramsFile !== undefined ? { paramsFile: o.paramsFile } : {}),
    passThrough: o.passThrough,
    busOutputs: outputs,
    signal: stop.signal,
    logger,
    onStep: (e, planner) => {
      if (!o.quiet && e.t % 50 === 0) {
        logger.info(
          `episode ${e.episode} step ${e.t}: apple in ${e.fruitSlots.apple ?? '-'}, orange in ${e.fruitSlots.orange ?? '-'}, plans ${planner.counters.plans}, deadline misses: sim ${e.deadlineMisses}, planner ${planner.counters.deadlineMisses}`,
        );
      }
    },
  }).finally(async () => {
    signals.dispose();
    await outputs.close();
  });
  const mode = o.lockstep ? 'lockstep' : 'realtime';
  const pictureError = writeAfterWork('the picture', out, () =>
    writePng(
      out,
      armRunPicture(result.report, `arm-swap, ${o.lockstep ? 'lockstep' : 'real time'}, seed ${o.seed}`),
    ),
  );
  const { text, json } = armSummary(result, {
    model: o.modelDir,
    modelSteps: model.provenance.steps,
    mode,
    seed: o.seed,
    picture: out,
  });
  const outputSummary = await outputs.close();
  process.stdout.write(
    o.json
      ? `${JSON.stringify({ ...json, ...outputSummary })}\n`
      : text +
          busOutputLines(outputSummary)
            .map((l) => `${l}\n`)
            .join(''),
  );
  const code = exitAfterWrites('run', pictureError);
  return result.interrupted ? SIGNAL_EXIT_CODE : code;
}
