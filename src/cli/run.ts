/**
 * `df-planner run` (what `npm start` runs): the MuJoCo maze sim node and the planner node on one in-process bus,
 * wired exactly as `launch/maze2d.launch.py` wires them on ROS 2 (same topics, parameters and clocks), with the
 * planner planning in its worker thread. Real time by default: the sim steps at 1/dt of wall time holding the
 * last command, and the planner must keep up. `--lockstep` makes the pair deterministic (one step per command).
 *
 * While it runs, one progress line on stderr (step, distance to goal, tick latency, deadline misses). At the end:
 * the D4RL-normalised score, success and first reach, the planner's tick latency (state in → command out),
 * its plan latency, both sides' deadline misses, and a PNG of the trajectory with every plan overlaid.
 *
 * Arguments after `--ros-args` go to both nodes, as on ROS: scope them to one node with its name
 * (`-p planner:horizon:=20`, `-p maze_sim:real_time_factor:=0.5`); they win over the flags.
 *
 * Deadline misses are counted on both sides: the sim counts steps taken with a stale command (no new command
 * since the previous step); the planner counts plans not back within plan_deadline (default one token) (it then holds the
 * previous plan's next actions).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMazeEnv,
  MAZE_LAYOUTS,
  type MazeEnv,
  mazeTask,
  summarizeEpisodes,
} from '../../sim/maze2d/index.js';
import {
  MazeSimNode,
  type MazeSimReport,
  SIM_PARAMS,
  type SimEpisodeRecord,
  type SimStepEvent,
} from '../../sim/nodes/index.js';
import { mazePicturePng } from '../../sim/render/index.js';
import { taskFor, taskIds } from '../../sim/task-registry.js';
import { roundTo } from '../bench/timing.js';
import { ConfigError, PlanningError } from '../errors.js';
import { type Logger, stderrLogger } from '../logging.js';
import { readModelFile } from '../model/checkpoint.js';
import {
  copyCounters,
  MAZE_NODE_NAMES,
  MAZE_QOS,
  MAZE_TYPES,
  NODE_PARAMS,
  type NodeCounters,
  type PlannerNode,
  plannerParamArgs,
  startPlannerNode,
} from '../node/index.js';
import { declareParams } from '../params/index.js';
import { writePng } from '../render/index.js';
import { createBus, type Path as PathMsg } from '../transport/index.js';
import { BusOutputs, busOutputLines, LIVE_OPTIONS, RECORD_OPTION, withLivePort } from './bus-outputs.js';
import { type CliCommand, defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { nodeTaskFor } from './node-tasks.js';
import { checkOutputFile, exitAfterWrites, writeAfterWork } from './output-path.js';
import { keyedTo, param } from './pair-args.js';
import { warnRosArgs } from './ros-arg-warnings.js';
import { runArmCli } from './run-arm.js';
import { errorRecordingLogger, readModelForTask } from './run-pair.js';
import { onStopSignals, SIGNAL_EXIT_CODE } from './stop-signals.js';
import { fixed, ms } from './summary-format.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const options = {
  task: { kind: 'string', description: 'task to run', choices: taskIds('run'), default: 'maze2d-medium' },
  model: { kind: 'string', description: 'model directory (default: the shipped models/<task>)' },
  lockstep: {
    kind: 'boolean',
    description: 'deterministic: the sim steps once per command (default: real time)',
  },
  episodes: { kind: 'integer', description: 'episodes to run', min: 1, max: 1000, default: 1 },
  seed: {
    kind: 'integer',
    description: 'seed of the episode starts and the planner',
    min: 0,
    max: 2 ** 31,
    default: 0,
  },
  out: {
    kind: 'string',
    description: 'PNG of the trajectories with the plans overlaid (default runs/run-<task>.png)',
  },
  'max-steps': {
    kind: 'integer',
    description: "cut episodes after N steps (smoke runs; the score is then not D4RL's)",
    min: 1,
  },
  'real-time-factor': {
    kind: 'number',
    description: 'real time: sim seconds per wall second',
    min: 0.01,
    max: 100,
    default: 1,
  },
  'plan-delay-ms': {
    kind: 'number',
    description: 'artificial planning latency, ms: the planner thread stays busy this long after each plan',
    min: 0,
    max: 10_000,
    default: 0,
  },
  'planner-thread': {
    kind: 'string',
    description: 'worker: plan in a worker thread (default); inline: on the node thread',
    choices: ['worker', 'inline'],
    default: 'worker',
  },
  backend: {
    kind: 'string',
    description: 'tfjs backend of the planner thread',
    choices: ['wasm', 'cpu', 'tensorflow'],
  },
  'params-file': {
    kind: 'string',
    description: 'ROS 2 params file for both nodes (e.g. launch/params/maze2d.yaml); flags win over it',
  },
  record: RECORD_OPTION,
  ...LIVE_OPTIONS,
  json: { kind: 'boolean', description: 'print the summary as one JSON line on stdout' },
  quiet: { kind: 'boolean', description: 'no progress line and no node logs on stderr' },
} as const;

const SUMMARY = COMMAND_SUMMARIES.run;

/** The command for one invocation; `passThrough` is what followed `--ros-args` (given to both nodes). */
function runCommand(passThrough: readonly string[]): CliCommand {
  return defineCommand({
    summary: SUMMARY,
    usage:
      'df-planner run [--task maze2d-medium] [--model DIR] [--lockstep] [--episodes 1] [--seed 0] [--out runs/run-<task>.png] [--record runs/run.mcap] [--live [8765]] [--ros-args -p planner:horizon:=20 …]',
    options,
    async run(opts) {
      const descriptor = taskFor(opts.task, 'run', '--task');
      const shipped = descriptor.modelDir;
      if (descriptor.robot === 'arm') {
        const armModel = opts.model ?? (shipped === undefined ? undefined : path.join(packageRoot, shipped));
        if (armModel === undefined) {
          throw new ConfigError(
            `no model is shipped for task '${descriptor.id}' yet; pass --model DIR`,
            '--model',
          );
        }
        return runArmCli({
          task: descriptor.id,
          modelDir: armModel,
          lockstep: opts.lockstep === true,
          episodes: opts.episodes,
          seed: opts.seed,
          out: opts.out,
          maxSteps: opts['max-steps'],
          realTimeFactor: opts['real-time-factor'],
          plannerThread: opts['planner-thread'] as 'worker' | 'inline',
          backend: opts.backend,
          paramsFile: opts['params-file'],
          record: opts.record,
          live: opts.live,
          liveHost: opts['live-host'],
          json: opts.json === true,
          quiet: opts.quiet === true,
          passThrough,
        });
      }
      const task = mazeTask(opts.task);
      const modelDir = opts.model ?? (shipped === undefined ? undefined : path.join(packageRoot, shipped));
      if (modelDir === undefined) {
        throw new ConfigError(`no model is shipped for task '${task.id}'; pass --model DIR`, '--model');
      }
      const out = opts.out ?? `runs/run-${task.id}.png`;
      checkOutputFile(out, '--out', `run-${task.id}.png`);
      const lockstep = opts.lockstep === true;
      const model = readModelFile(modelDir);

      // Both nodes get the params file and the ROS arguments: warn about what neither will read.
      warnRosArgs(
        [
          '--ros-args',
          ...(opts['params-file'] !== undefined ? ['--params-file', opts['params-file']] : []),
          ...passThrough,
        ],
        [
          { name: MAZE_NODE_NAMES.planner, table: NODE_PARAMS },
          { name: MAZE_NODE_NAMES.sim, table: SIM_PARAMS },
        ],
      );
      const progress = new ProgressLine(opts.quiet === true);
      // Before the run: a bad bag path or a busy port fails now, not after the episodes.
      const outputs = await BusOutputs.open({
        record: opts.record,
        live: opts.live,
        liveHost: opts['live-host'],
        logger: progress.logger,
      });
      // Ctrl-C / SIGTERM: stop the sim, let the planner publish its zero command, then the summary and the
      // picture of what ran, and exit 130; a second signal exits at once.
      const stop = new AbortController();
      let stoppedBy: NodeJS.Signals | null = null;
      const signals = onStopSignals((signal) => {
        stoppedBy = signal;
        stderrLogger.warn(
          `${signal}: stopping the sim; the planner publishes a zero command, then the summary and the picture follow (${signal} again exits at once)`,
        );
        stop.abort();
      });
      const mode = lockstep
        ? 'lockstep'
        : `real time${opts['real-time-factor'] !== 1 ? ` ×${opts['real-time-factor']}` : ''}`;
      const result = await runMazePair({
        task: task.id,
        modelDir,
        lockstep,
        seed: opts.seed,
        episodes: opts.episodes,
        ...(opts['max-steps'] !== undefined ? { maxSteps: opts['max-steps'] } : {}),
        realTimeFactor: opts['real-time-factor'],
        planDelayMs: opts['plan-delay-ms'],
        plannerThread: opts['planner-thread'] as 'worker' | 'inline',
        ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
        ...(opts['params-file'] !== undefined ? { paramsFile: opts['params-file'] } : {}),
        passThrough,
        busOutputs: outputs,
        signal: stop.signal,
        logger: progress.logger,
        onStep: (e, planner) => progress.update(e, planner),
        onReady: (planner, loadSeconds) =>
          progress.logger.info(
            `${task.id}, ${mode}: model ${path.relative(process.cwd(), modelDir) || '.'} loaded in the planner's ${planner.host.thread} thread (${planner.info.backend}) in ${loadSeconds.toFixed(1)} s`,
          ),
      }).finally(async () => {
        signals.dispose();
        progress.done();
        await outputs.close(); // also when the run failed before its bus existed
      });
      const { report, plans } = result;

      const drawings = report.episodes.map((e) => ({
        trajectory: e.trajectory,
        start: e.start,
        goal: e.goal,
        success: e.success,
        label: `ep ${e.index} score ${e.normalizedScore.toFixed(1)}`,
        plans: plans.filter((p) => p.episode === e.index).map((p) => p.points),
      }));
      // About 480 px across for one episode (umaze cells 96 px, medium 60 px, large 40 px); smaller in a grid.
      const cells = Math.max(MAZE_LAYOUTS[task.maze].length, MAZE_LAYOUTS[task.maze][0]!.length);
      const pixelsPerUnit = Math.max(24, Math.floor((drawings.length === 1 ? 480 : 240) / cells));
      const pictureError = writeAfterWork('the picture', out, () =>
        writePng(
          out,
          mazePicturePng(task.maze, drawings, {
            columns: Math.min(4, drawings.length),
            pixelsPerUnit,
            title: `${task.id}, ${lockstep ? 'lockstep' : 'real time'}, seed ${opts.seed}`,
          }),
        ),
      );

      const summary = summarize(result, {
        task: task.id,
        model: modelDir,
        modelSteps: model.provenance.steps,
        mode: lockstep ? 'lockstep' : 'realtime',
        seed: opts.seed,
        picture: out,
        interrupted: stoppedBy,
        planDelayMs: opts['plan-delay-ms'],
        ...(opts['max-steps'] !== undefined ? { maxSteps: opts['max-steps'] } : {}),
      });
      const outputSummary = await outputs.close();
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ ...summary, ...outputSummary })}\n`
          : summaryText(summary) +
              busOutputLines(outputSummary)
                .map((l) => `${l}\n`)
                .join(''),
      );
      const code = exitAfterWrites('run', pictureError);
      return stoppedBy !== null ? SIGNAL_EXIT_CODE : code;
    },
  });
}

const command: CliCommand = {
  summary: SUMMARY,
  options,
  run(args) {
    const i = args.indexOf('--ros-args');
    const argv = withLivePort(i < 0 ? args : args.slice(0, i));
    return runCommand(i < 0 ? [] : args.slice(i + 1)).run(argv);
  },
};
export default command;

export interface MazePairOptions {
  readonly task: string;
  readonly modelDir: string;
  readonly lockstep: boolean;
  readonly seed: number;
  readonly episodes: number;
  /** Cut episodes after N steps (the planner's episode_steps follows). */
  readonly maxSteps?: number;
  readonly realTimeFactor?: number;
  /** Artificial planning latency (the planner's plan_delay_ms), ms. */
  readonly planDelayMs?: number;
  readonly plannerThread?: 'worker' | 'inline';
  readonly backend?: string;
  /** A ROS 2 params file given to both nodes (before the flags' values). */
  readonly paramsFile?: string;
  /** ROS arguments for both nodes, last (`-p planner:horizon:=20`). */
  readonly passThrough?: readonly string[];
  /** Where node logs go. */
  readonly logger: Logger;
  readonly onStep?: (event: SimStepEvent, planner: PlannerNode) => void;
  readonly onReady?: (planner: PlannerNode, loadSeconds: number) => void;
  /** Bag recorder / live view: tapped into the bus before any node starts, closed after the bus (every exit). */
  readonly busOutputs?: Pick<BusOutputs, 'attachBus' | 'close'>;
  /** Give up when the sim has not stepped for this long (a stuck planner stalls a lockstep pair); default 60 s. */
  readonly stallTimeoutS?: number;
  /** Ctrl-C: stop the sim now (the episode in progress is kept, marked interrupted) and close both nodes. */
  readonly signal?: AbortSignal;
}

/** Latency statistics in ms; null when nothing was measured (no ticks or no plans). */
export interface LatencySummary {
  readonly median: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly count: number;
}

export interface MazePairResult {
  readonly report: MazeSimReport;
  /** Every plan the planner published, as [x, y] points from where the ball was when it arrived. */
  readonly plans: readonly { readonly episode: number; readonly points: Float64Array }[];
  /** The planner node's counters at the end. */
  readonly counters: NodeCounters;
  readonly tickLatencyMs: LatencySummary;
  readonly planLatencyMs: LatencySummary;
  readonly loadSeconds: number;
  readonly wallSeconds: number;
  /** The last error either node logged (the first line), or null. */
  readonly lastError: string | null;
  /** Whether `signal` stopped the run early. */
  readonly interrupted: boolean;
  /** The commands seen on the command topic while the planner closed (the safe command: zero force). */
  readonly stopCommands: readonly (readonly [number, number])[];
}

/**
 * The sim node and the planner node on one in-process bus, wired as launch/maze2d.launch.py wires them on ROS 2:
 * node names maze_sim and planner, the same parameters (the model's tuned planner settings from its provenance,
 * then the params file, then these options keyed by node name unless `passThrough` sets them, then
 * `passThrough`), the planner on sim time in lockstep and on the
 * wall clock in real time. Resolves after the sim's last episode; both nodes and the bus are closed by then.
 */
export async function runMazePair(o: MazePairOptions): Promise<MazePairResult> {
  const task = mazeTask(o.task);
  const model = readModelForTask(
    o.modelDir,
    task.id,
    (trainedOn) => `pass --model for a ${task.id} model or --task ${trainedOn}`,
  );
  const { logger, lastError } = errorRecordingLogger(o.logger);
  const bus = createBus({ time: 'real', logger });
  o.busOutputs?.attachBus(bus);
  const shared = o.paramsFile !== undefined ? ['--params-file', o.paramsFile] : [];
  const passThrough = o.passThrough ?? [];
  const plannerArgs = [
    '--ros-args',
    ...plannerParamArgs((model.provenance as { planner?: unknown }).planner),
    ...shared,
    ...keyedTo(MAZE_NODE_NAMES.planner, passThrough, [
      ...param('model', o.modelDir),
      ...param('task', task.id),
      ...param('lockstep', o.lockstep),
      // Lockstep runs on sim time (/clock from the sim), real time on the wall clock: as the launch files do.
      ...param('use_sim_time', o.lockstep),
      ...param('seed', o.seed),
      ...param('planner_thread', o.plannerThread ?? 'worker'),
      ...(o.backend !== undefined ? param('backend', o.backend) : []),
      ...(o.planDelayMs ? param('plan_delay_ms', o.planDelayMs, 'double') : []),
      ...(o.maxSteps !== undefined ? param('episode_steps', Math.min(o.maxSteps, task.episodeLength)) : []),
    ]),
    ...passThrough,
  ];
  const simArgs = [
    '--ros-args',
    ...shared,
    ...keyedTo(MAZE_NODE_NAMES.sim, passThrough, [
      ...param('task', task.id),
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
  let sim: MazeSimNode | null = null;
  let env: MazeEnv | null = null;
  let closePlanner = (p: PlannerNode) => p.close();
  try {
    // The planner first: its subscriptions must exist before the sim publishes an episode's first state.
    const plannerTransport = bus.node(MAZE_NODE_NAMES.planner, '', plannerArgs);
    planner = await startPlannerNode({ transport: plannerTransport, resolveTask: (id) => nodeTaskFor(id) });
    const loadSeconds = (performance.now() - startedMs) / 1000;

    // A monitor node, as `ros2 topic echo` or RViz would be: records every plan with where the ball was.
    const monitor = bus.node('run_monitor');
    const plans: { episode: number; points: Float64Array }[] = [];
    let episode = 0;
    monitor
      .observe(MAZE_TYPES.plan, plannerTransport.resolve(PLAN_TOPIC), MAZE_QOS.plan)
      .subscribe(({ msg }) => {
        if (sim) plans.push({ episode, points: planPoints(msg, sim.observation) });
      });
    // And the commands the planner sends while it closes: what a robot would get on Ctrl-C.
    let closing = false;
    const stopCommands: [number, number][] = [];
    monitor
      .observe(MAZE_TYPES.command, plannerTransport.resolve(COMMAND_TOPIC), MAZE_QOS.command)
      .subscribe(({ msg }) => {
        if (closing) stopCommands.push([msg.wrench.force.x, msg.wrench.force.y]);
      });
    monitor.start();
    closePlanner = async (p) => {
      closing = true;
      await p.close();
      await bus.idle();
    };

    const simTransport = bus.node(MAZE_NODE_NAMES.sim, '', simArgs);
    const simParams = declareParams(simTransport, SIM_PARAMS);
    env = await createMazeEnv(simParams.task, { logger: o.logger });
    const p = planner;
    let lastStepMs = performance.now();
    let lastStep = 0;
    sim = new MazeSimNode(simTransport, env, simParams, {
      onStep: (e) => {
        episode = e.episode;
        lastStepMs = performance.now();
        lastStep = e.t;
        o.onStep?.(e, p);
      },
    });
    o.onReady?.(planner, loadSeconds);
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
        if (performance.now() - lastStepMs > stallMs) {
          reject(
            new PlanningError(
              `the sim has not stepped for ${(stallMs / 1000).toFixed(0)} s (episode ${episode}, step ${lastStep}); ` +
                `the planner stopped answering${o.lockstep ? ' (lockstep waits for every command)' : ''}; see the log above`,
            ),
          );
        }
      }, 1000);
    });
    let report: MazeSimReport;
    try {
      report = await Promise.race([sim.done, stalled]);
    } finally {
      clearInterval(watchdog);
    }
    const latency = (w: PlannerNode['tickLatency']): LatencySummary => ({
      median: w.percentile(50),
      p99: w.percentile(99),
      max: w.max,
      count: w.count,
    });
    return {
      report,
      plans,
      counters: copyCounters(planner.counters),
      tickLatencyMs: latency(planner.tickLatency),
      planLatencyMs: latency(planner.planLatency),
      loadSeconds,
      wallSeconds: (performance.now() - startedMs) / 1000,
      lastError: lastError(),
      interrupted: o.signal?.aborted === true,
      stopCommands,
    };
  } finally {
    sim?.stop();
    if (planner) await closePlanner(planner);
    await bus.close();
    env?.close();
    // After the bus: the nodes' last messages (the zero command on close) are in the bag too.
    await o.busOutputs?.close();
  }
}

/** The planner's plan topic as declared in its parameter table (`~/plan`). */
const PLAN_TOPIC = String(NODE_PARAMS.find((d) => d.name === 'plan_topic')!.default);
/** Its command topic (`cmd_force`). */
const COMMAND_TOPIC = String(NODE_PARAMS.find((d) => d.name === 'command_topic')!.default);

/** A plan as [x, y] points starting where the ball was when the plan arrived. */
function planPoints(msg: PathMsg, at: Float64Array): Float64Array {
  const n = msg.poses.length;
  const out = new Float64Array(2 * (n + 1));
  out[0] = at[0]!;
  out[1] = at[1]!;
  for (let j = 0; j < n; j++) {
    const p = msg.poses[j]!.pose.position;
    out[2 * j + 2] = p.x;
    out[2 * j + 3] = p.y;
  }
  return out;
}

interface RunSummary {
  readonly task: string;
  readonly model: string;
  readonly modelSteps: number;
  readonly mode: 'lockstep' | 'realtime';
  readonly seed: number;
  readonly episodes: readonly Omit<SimEpisodeRecord, 'trajectory'>[];
  /** The signal that stopped the run early (the last episode is then cut short), or null. */
  readonly interrupted: NodeJS.Signals | null;
  /** Commands seen on the command topic while the planner closed: the safe command, zero force. */
  readonly stopCommands: readonly (readonly [number, number])[];
  /** Eval's score fields (`df-planner eval --json`: the same names and meaning); null where nothing ran. */
  readonly normalizedScore: { readonly mean: number | null; readonly stderr: number | null };
  readonly successRate: number | null;
  readonly firstReachMean: number | null;
  readonly firstReachStderr: number | null;
  readonly returnMean: number | null;
  readonly returnStderr: number | null;
  readonly episodeLength: number;
  readonly refMinScore: number;
  readonly refMaxScore: number;
  readonly perEpisode: readonly {
    readonly index: number;
    readonly resetSeed: number;
    readonly start: readonly [number, number];
    readonly return: number;
    readonly normalizedScore: number;
    readonly success: boolean;
    readonly firstReachStep: number | null;
  }[];
  /** Real time: steps applied with no new command since the previous step (deadline misses + catch-up steps). */
  readonly staleSteps: number;
  /** staleSteps / simSteps (null when no step ran). */
  readonly staleStepFraction: number | null;
  readonly catchUpSteps: number;
  readonly planDelayMs: number;
  /** Latencies are null when there was nothing to time (no state reached the planner). */
  readonly tickLatencyMs: LatencySummary;
  readonly planLatencyMs: Omit<LatencySummary, 'max'>;
  /** Plans that failed and other planner errors (each logged as `error:`), and the last error's text. */
  readonly plannerErrors: number;
  readonly lastError: string | null;
  /** Zero (safe) commands the planner published: before its first plan, after a failure, on a stale state. */
  readonly zeroCommands: number;
  readonly simDeadlineMisses: number;
  readonly simSteps: number;
  readonly plannerDeadlineMisses: number;
  readonly plans: number;
  readonly fallbackCommands: number;
  readonly plansReceived: number;
  readonly picture: string;
  readonly loadSeconds: number;
  readonly wallSeconds: number;
}

function summarize(
  result: MazePairResult,
  info: Pick<
    RunSummary,
    'task' | 'model' | 'modelSteps' | 'mode' | 'seed' | 'picture' | 'interrupted' | 'planDelayMs'
  > & { readonly maxSteps?: number },
): RunSummary {
  const episodes = result.report.episodes;
  const task = mazeTask(info.task);
  const score = summarizeEpisodes(task, episodes);
  const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
  const c = result.counters;
  const simSteps = episodes.reduce((n, e) => n + e.steps, 0);
  const misses = episodes.reduce((n, e) => n + e.deadlineMisses, 0);
  const catchUpSteps = episodes.reduce((n, e) => n + e.catchUpSteps, 0);
  const { maxSteps: _m, ...rest } = info;
  return {
    ...rest,
    episodes: episodes.map(({ trajectory: _t, ...rest }) => rest),
    normalizedScore: {
      mean: finite(score.normalizedScore.mean),
      stderr: finite(score.normalizedScore.stderr),
    },
    successRate: finite(score.successRate),
    firstReachMean: score.firstReachMean,
    firstReachStderr: score.firstReachStderr,
    returnMean: finite(score.returnMean),
    returnStderr: finite(score.returnStderr),
    episodeLength: Math.min(info.maxSteps ?? task.episodeLength, task.episodeLength),
    refMinScore: task.refMinScore,
    refMaxScore: task.refMaxScore,
    perEpisode: episodes.map((e) => ({
      index: e.index,
      resetSeed: e.resetSeed,
      start: e.start,
      return: e.episodeReturn,
      normalizedScore: roundTo(e.normalizedScore, 4),
      success: e.success,
      firstReachStep: e.firstReachStep,
    })),
    staleSteps: misses + catchUpSteps,
    staleStepFraction: simSteps === 0 ? null : (misses + catchUpSteps) / simSteps,
    catchUpSteps,
    tickLatencyMs: result.tickLatencyMs,
    planLatencyMs: result.planLatencyMs,
    stopCommands: result.stopCommands,
    plannerErrors: c.planErrors,
    lastError: result.lastError,
    zeroCommands: c.zeroCommands,
    simDeadlineMisses: misses,
    simSteps,
    plannerDeadlineMisses: c.deadlineMisses,
    plans: c.plans,
    fallbackCommands: c.fallbackCommands,
    plansReceived: result.plans.length,
    loadSeconds: result.loadSeconds,
    wallSeconds: result.wallSeconds,
  };
}

function summaryText(s: RunSummary): string {
  const f1 = (x: number | null) => fixed(x, 1);
  const n = s.episodes.length;
  const t = s.tickLatencyMs;
  const p = s.planLatencyMs;
  const lines = [
    `${s.task}, ${s.mode === 'lockstep' ? 'lockstep' : 'real time'}${s.planDelayMs > 0 ? ` (+${s.planDelayMs} ms plan delay)` : ''}, ${n} episode${n === 1 ? '' : 's'}, seed ${s.seed}, model ${path.relative(process.cwd(), s.model) || '.'} (${s.modelSteps} training steps)`,
  ];
  for (const e of s.episodes) {
    lines.push(
      `  episode ${e.index}: score ${f1(e.normalizedScore)}, ${e.success ? `reached the goal at step ${e.firstReachStep}` : 'did not reach the goal'}, return ${e.episodeReturn} of ${e.steps} steps${e.interrupted ? ' (interrupted: a partial episode)' : ''}`,
    );
  }
  lines.push(
    `score             ${s.normalizedScore.mean === null ? 'none (no episode ran)' : `${f1(s.normalizedScore.mean)}${s.normalizedScore.stderr !== null ? ` ± ${f1(s.normalizedScore.stderr)}` : ''} (D4RL normalised${n > 1 ? ', mean ± stderr' : ''})`}`,
    `success           ${s.successRate === null ? 'none' : `${f1(100 * s.successRate)} %`}${s.firstReachMean !== null ? `, first reach at step ${f1(s.firstReachMean)}${n > 1 ? ' (mean)' : ''}` : ''}`,
    t.count === 0
      ? 'tick latency      none: no state reached the planner (0 ticks); check its odom topic'
      : `tick latency      median ${ms(t.median)}, p99 ${ms(t.p99)} (${t.count} ticks, state in → command out)`,
    p.count === 0
      ? 'plan latency      none (0 plans)'
      : `plan latency      median ${ms(p.median)}, p99 ${ms(p.p99)} (${p.count} plans, in the planner thread)`,
    s.plannerErrors === 0
      ? `planner errors    none (${s.zeroCommands} zero commands)`
      : `planner errors    ${s.plannerErrors} (failed plans and other errors, each logged above), ${s.zeroCommands} zero commands; last: ${clip(s.lastError ?? 'unknown', 160)}`,
    s.mode === 'lockstep'
      ? `deadline misses   none in lockstep (the sim waits for every command); ${s.plannerDeadlineMisses} reported by the planner`
      : `deadline misses   sim: ${s.simDeadlineMisses} of ${s.simSteps} steps had a stale command${s.catchUpSteps > 0 ? ` (and ${s.catchUpSteps} catch-up steps after the sim's own timer was late)` : ''}; planner: ${s.plannerDeadlineMisses} plans late (${s.fallbackCommands} commands from the previous plan)`,
    `picture           ${s.picture} (${s.plansReceived} plans overlaid)`,
    `wall time         ${f1(s.wallSeconds)} s (model load ${f1(s.loadSeconds)} s)`,
  );
  if (s.interrupted !== null) {
    // The last one counts: commands sent just before the close may still be in delivery.
    const last = s.stopCommands.at(-1);
    const zero = last !== undefined && last[0] === 0 && last[1] === 0;
    lines.push(
      `interrupted       ${s.interrupted}: the sim stopped after ${n} episode${n === 1 ? '' : 's'}${s.episodes.at(-1)?.interrupted ? ' (the last one partial)' : ''}; ` +
        (zero
          ? 'the planner published a zero command on closing (seen on its command topic)'
          : `commands seen while the planner closed: ${JSON.stringify(s.stopCommands)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The live line on stderr. On a terminal it is redrawn in place a few times a second; otherwise (logs, CI) a
 * line is printed every 100 steps. Node log lines clear it first so both stay readable.
 */
class ProgressLine {
  readonly logger: Logger;
  readonly #quiet: boolean;
  readonly #tty: boolean;
  #text = '';
  #lastDrawMs = 0;

  constructor(quiet: boolean) {
    this.#quiet = quiet;
    this.#tty = process.stderr.isTTY === true;
    const write = (prefix: string) => (m: string) => {
      if (this.#quiet) return;
      this.#clear();
      process.stderr.write(`[df-planner] ${prefix}${m}\n`);
      this.#draw();
    };
    this.logger = { info: write(''), warn: write('warning: '), error: write('error: ') };
  }

  update(e: SimStepEvent, planner: PlannerNode): void {
    if (this.#quiet) return;
    const c = planner.counters;
    const tick = planner.tickLatency.percentile(50);
    this.#text =
      `episode ${e.episode} step ${String(e.t).padStart(3)}  distance to goal ${e.distanceToGoal.toFixed(2)}` +
      `  tick ${tick === null ? '-' : tick.toFixed(2)} ms (median)  plans ${c.plans}` +
      `  deadline misses: sim ${e.deadlineMisses}, planner ${c.deadlineMisses}`;
    const now = performance.now();
    if (this.#tty) {
      if (now - this.#lastDrawMs > 100) {
        this.#lastDrawMs = now;
        this.#draw();
      }
    } else if (e.t % 100 === 0) {
      process.stderr.write(`[df-planner] ${this.#text}\n`);
    }
  }

  done(): void {
    this.#clear();
    this.#text = '';
  }

  #draw(): void {
    if (this.#tty && this.#text !== '') process.stderr.write(`\r${this.#text}\x1b[K`);
  }

  #clear(): void {
    if (this.#tty && this.#text !== '') process.stderr.write('\r\x1b[K');
  }
}
