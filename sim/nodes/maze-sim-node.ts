/**
 * The MuJoCo maze as a ROS node: owns a Maze2D env, publishes what a robot driver would (odometry, reward, sim
 * time, the goal) and applies the force commands it receives. Topic names, types, QoS and frames come from the
 * maze topic contract (src/node/maze-topics.ts), which the planner node shares. Stepping (lockstep or real
 * time), deadline misses, the start-up re-send and command counting are the shared sim node core
 * (sim-node-core.ts); this file is the maze's part of it.
 *
 * Per episode (the contract's publish order): goal_pose (latched), episode_start (carrying the goal), then the
 * first odom. Per step: /clock, reward, odom, all stamped with the sim time after the step. The planner pairs
 * rewards and episode starts with states by these stamps, so the order they arrive in does not matter
 * (maze-topics.ts). The lockstep re-send of an unanswered state repeats its reward too.
 *
 * Commands that cannot be applied are dropped and counted per reason: non-finite force components, a broken
 * stamp, a frame other than the fixed frame (an empty frame means the fixed frame), or a stamp older than the
 * previous command's (out of order). Forces beyond ±1 are not refused: the env clips them, as D4RL does.
 *
 * Episode starts follow `evaluatePolicy` (sim/maze2d/evaluate.ts): episode k is reset with the k-th draw of
 * createRng(seed), so a lockstep run and `df-planner eval --seed s` meet the same starts.
 */

import { ConfigError } from '../../src/errors.js';
import { MAZE_FRAMES, MAZE_QOS, MAZE_TOPICS, MAZE_TYPES } from '../../src/node/maze-topics.js';
import type {
  MsgInput,
  Odometry,
  PoseStamped,
  Time,
  Transport,
  Vector3Stamped,
  WrenchStamped,
} from '../../src/transport/index.js';
import type { EnvInfo } from '../env.js';
import type { EpisodeRecord } from '../maze2d/evaluate.js';
import { mazeTask, withinGoal } from '../maze2d/layouts.js';
import type { MazeEnv } from '../maze2d/maze-env.js';
import { normalizedScore } from '../maze2d/scoring.js';
import { defaultMazeSimConfig, type MazeSimConfig, validateMazeSimConfig } from './maze-sim-config.js';
import {
  type CommandRejectReason,
  droppedCommands,
  type SimEpisodeStats,
  SimNodeCore,
  type SimRobot,
} from './sim-node-core.js';

export interface SimStepEvent {
  /** Episode index in this run (0-based). */
  readonly episode: number;
  /** Steps taken in the episode so far (1 after the first step). */
  readonly t: number;
  readonly observation: Float64Array;
  readonly reward: number;
  readonly goal: readonly [number, number];
  readonly distanceToGoal: number;
  /** Whether a new command arrived for this step (always true in lockstep). */
  readonly fresh: boolean;
  /** The force applied (after dropping bad commands; before the env's clip). */
  readonly action: readonly [number, number];
  /** Sim time after the step, ns. */
  readonly stampNs: bigint;
  /** Real time: deadline misses so far in this episode (0 in lockstep). */
  readonly deadlineMisses: number;
}

/** One episode as the sim saw it: the evaluation record plus the command statistics. */
export interface SimEpisodeRecord extends EpisodeRecord, SimEpisodeStats {
  readonly task: string;
  /** (steps + 1) × 2 positions [x0, y0, x1, y1, …]. */
  readonly trajectory: Float64Array;
}

export interface MazeSimReport {
  readonly task: string;
  readonly config: MazeSimConfig;
  readonly episodes: readonly SimEpisodeRecord[];
}

export interface MazeSimNodeOptions {
  /** After every env step (live progress). Runs on the node's thread; keep it cheap. */
  readonly onStep?: (event: SimStepEvent) => void;
  /** After every episode. */
  readonly onEpisode?: (record: SimEpisodeRecord) => void;
}

const REJECT_HINTS: Readonly<Record<CommandRejectReason, string>> = {
  non_finite: 'wrench.force.x/y must be finite numbers',
  malformed:
    'header.stamp must be a valid builtin_interfaces/Time (nanosec in [0, 1e9)) and frame_id a string',
  wrong_frame: `header.frame_id must be '${MAZE_FRAMES.fixed}' (or empty)`,
  out_of_order: "the stamp is older than the previous command's",
};

/** The maze's outcome of the running episode (the loop keeps the timing and command counts). */
interface MazeEpisode {
  readonly index: number;
  readonly goal: readonly [number, number];
  readonly start: readonly [number, number];
  readonly trajectory: Float64Array;
  episodeReturn: number;
  firstReachStep: number | null;
  /** The force of the last step and its outcome (for the progress event). */
  action: readonly [number, number];
  reward: number;
}

export class MazeSimNode {
  readonly config: MazeSimConfig;
  readonly env: MazeEnv;
  /** Resolves after the last episode (or rejects if the node fails); see `interrupt()` for early stops. */
  readonly done: Promise<MazeSimReport>;

  readonly #core: SimNodeCore<readonly [number, number], SimEpisodeRecord>;
  readonly #transport: Transport;
  readonly #options: MazeSimNodeOptions;
  readonly #publishOdom: (msg: MsgInput<Odometry>) => void;
  readonly #publishReward: (msg: MsgInput<Vector3Stamped>) => void;
  readonly #publishGoal: (msg: MsgInput<PoseStamped>) => void;
  #episode: MazeEpisode | null = null;
  #observation: Float64Array = new Float64Array(4);
  /** The reward published with the last state (null at an episode start: the first state has none). */
  #lastReward: number | null = null;

  constructor(
    transport: Transport,
    env: MazeEnv,
    config: Partial<MazeSimConfig> = {},
    options: MazeSimNodeOptions = {},
  ) {
    this.config = Object.freeze(validateMazeSimConfig({ ...defaultMazeSimConfig, ...config }));
    this.env = env;
    this.#transport = transport;
    this.#options = options;
    const robot: SimRobot<readonly [number, number], SimEpisodeRecord> = {
      what: 'maze sim node',
      dt: env.dt,
      command: { type: MAZE_TYPES.command, topic: MAZE_TOPICS.command, qos: MAZE_QOS.command },
      episodeStart: { type: MAZE_TYPES.episodeStart, topic: MAZE_TOPICS.episodeStart },
      stampedCommands: true,
      rejectHints: REJECT_HINTS,
      readCommand: (msg) => readForce(msg as WrenchStamped),
      beginEpisode: (index, resetSeed, stamp) => this.#beginEpisode(index, resetSeed, stamp),
      publishState: (stamp) => this.#publishState(stamp),
      step: (command, stats) => this.#step(command, stats.t),
      afterStep: (stats) => this.#afterStep(stats.t, stats.fresh, stats.deadlineMisses),
      endEpisode: (stats) => this.#record(stats),
      afterEpisode: (record) => this.#reportEpisode(record),
    };
    // The core refuses use_sim_time and advertises /clock and episode_start first, as this node always did.
    this.#core = new SimNodeCore(transport, robot, this.config);
    this.#publishGoal = transport.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, MAZE_QOS.goal);
    this.#publishReward = transport.advertise(MAZE_TYPES.reward, MAZE_TOPICS.reward, MAZE_QOS.reward);
    this.#publishOdom = transport.advertise(MAZE_TYPES.odom, MAZE_TOPICS.odom, MAZE_QOS.odom);
    this.done = this.#core.done.then((episodes) => this.#report(episodes));
    // Nothing waits on `done` when the node is only closed; keep a rejection from being reported as unhandled.
    this.done.catch(() => {});
  }

  /** Subscribes to the command, starts the first episode, the timers and the transport's delivery. Call once. */
  start(): void {
    this.#core.start();
  }

  /** Episodes finished so far. */
  get records(): readonly SimEpisodeRecord[] {
    return this.#core.records;
  }

  /** The last published state [x, y, vx, vy]. */
  get observation(): Float64Array {
    return this.#observation;
  }

  /** Sim time of the last published state, ns. */
  get simTimeNs(): bigint {
    return this.#core.simTimeNs;
  }

  /** Commands that arrived after the last episode ended (dropped). */
  get lateCommands(): number {
    return this.#core.lateCommands;
  }

  /** Stops stepping and unsubscribes (the transport stays open). `done` stays pending if episodes were left. */
  stop(): void {
    this.#core.stop();
  }

  /**
   * Ends the run now (Ctrl-C): the episode in progress, if it took a step, is recorded as `interrupted`,
   * stepping stops, and `done` resolves with the episodes so far. Returns that report (the final one if the
   * run had already ended).
   */
  interrupt(): MazeSimReport {
    this.#core.interrupt();
    return this.#report(this.#core.records);
  }

  #report(episodes: readonly SimEpisodeRecord[]): MazeSimReport {
    return { task: this.env.id, config: this.config, episodes };
  }

  #beginEpisode(
    index: number,
    resetSeed: number,
    stamp: Time,
  ): { initialCommand: [0, 0]; limit: number; episodeStart: MsgInput<PoseStamped> } {
    const reset = this.env.reset(resetSeed, {
      ...(this.config.randomGoal ? { randomGoal: true } : {}),
      ...(this.config.start.length === 2 ? { start: [...this.config.start] } : {}),
    });
    const obs = reset.observation;
    const goal = goalOf(reset.info, this.env.id);
    const limit =
      this.config.maxSteps > 0
        ? Math.min(this.config.maxSteps, this.env.episodeLength)
        : this.env.episodeLength;
    const trajectory = new Float64Array((limit + 1) * 2);
    trajectory[0] = obs[0]!;
    trajectory[1] = obs[1]!;
    this.#episode = {
      index,
      goal,
      start: [obs[0]!, obs[1]!],
      trajectory,
      episodeReturn: 0,
      firstReachStep: null,
      action: [0, 0],
      reward: 0,
    };
    this.#observation = obs;
    this.#lastReward = null;
    // goal_pose and episode_start carry the stamp of the episode's first state, and episode_start the goal too:
    // the planner pairs them with that state by stamp, whichever of the three it happens to handle first.
    const goalPose: MsgInput<PoseStamped> = {
      header: { stamp, frame_id: MAZE_FRAMES.fixed },
      pose: { position: { x: goal[0], y: goal[1], z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    };
    this.#publishGoal(goalPose);
    // A fresh episode starts from a zero command: the previous episode's last force is not carried over.
    return { initialCommand: [0, 0], limit, episodeStart: goalPose };
  }

  /** One env step with the held force; the loop then publishes /clock and the state. */
  #step(command: readonly [number, number], t: number): boolean {
    const ep = this.#episode!;
    const action: [number, number] = [command[0], command[1]];
    const result = this.env.step(action);
    const obs = result.observation;
    this.#observation = obs;
    ep.episodeReturn += result.reward;
    ep.trajectory[2 * t] = obs[0]!;
    ep.trajectory[2 * t + 1] = obs[1]!;
    const inside =
      typeof result.info['success'] === 'boolean' ? result.info['success'] : withinGoal(obs, ep.goal);
    if (inside && ep.firstReachStep === null) ep.firstReachStep = t;
    ep.action = action;
    ep.reward = result.reward;
    this.#lastReward = result.reward;
    return result.truncated || result.terminated;
  }

  #afterStep(t: number, fresh: boolean, deadlineMisses: number): void {
    const ep = this.#episode!;
    const obs = this.#observation;
    this.#options.onStep?.({
      episode: ep.index,
      t,
      observation: obs,
      reward: ep.reward,
      goal: ep.goal,
      distanceToGoal: Math.hypot(obs[0]! - ep.goal[0], obs[1]! - ep.goal[1]),
      fresh,
      action: ep.action,
      stampNs: this.#core.simTimeNs,
      deadlineMisses,
    });
  }

  #record(stats: SimEpisodeStats): SimEpisodeRecord {
    const ep = this.#episode!;
    const task = mazeTask(this.env.id);
    return {
      task: task.id,
      ...stats,
      episodeReturn: ep.episodeReturn,
      normalizedScore: normalizedScore(task, ep.episodeReturn),
      success: ep.firstReachStep !== null,
      firstReachStep: ep.firstReachStep,
      start: ep.start as [number, number],
      goal: ep.goal as [number, number],
      trajectory: ep.trajectory.subarray(0, 2 * (stats.steps + 1)),
    };
  }

  #reportEpisode(record: SimEpisodeRecord): void {
    const rejected = droppedCommands(record.rejected);
    this.#transport.log(
      'info',
      `${record.task} episode ${record.index}: ${record.steps} steps, return ${record.episodeReturn}, score ${record.normalizedScore.toFixed(1)}, ` +
        `${record.success ? `reached the goal at step ${record.firstReachStep}` : 'did not reach the goal'}` +
        (this.config.lockstep ? '' : `, ${record.deadlineMisses} deadline misses`) +
        (rejected > 0 ? `, ${rejected} commands dropped` : ''),
    );
    this.#options.onEpisode?.(record);
  }

  #publishState(stamp: Time): void {
    // Each step's reward goes out just before its odom, stamped like it (vector.x; the stamp pairs the two), and a
    // re-send repeats it; an episode's first state has none.
    if (this.#lastReward !== null) {
      this.#publishReward({
        header: { stamp, frame_id: MAZE_FRAMES.fixed },
        vector: { x: this.#lastReward, y: 0, z: 0 },
      });
    }
    const obs = this.#observation;
    this.#publishOdom({
      header: { stamp, frame_id: MAZE_FRAMES.fixed },
      child_frame_id: MAZE_FRAMES.body,
      pose: {
        pose: { position: { x: obs[0]!, y: obs[1]!, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      },
      twist: { twist: { linear: { x: obs[2]!, y: obs[3]!, z: 0 }, angular: { x: 0, y: 0, z: 0 } } },
    });
  }
}

function goalOf(info: EnvInfo, id: string): readonly [number, number] {
  const g = info.goal;
  if (!g || g.length < 2) throw new ConfigError(`env ${id} reported no goal after reset`, 'goal');
  return [g[0]!, g[1]!];
}

/** The force of a command (frame and fields; the core checks the stamp), or why it is dropped. */
function readForce(msg: WrenchStamped): { command: readonly [number, number] } | CommandRejectReason {
  const frame = msg.header.frame_id;
  if (typeof frame !== 'string') return 'malformed';
  if (frame !== '' && frame !== MAZE_FRAMES.fixed) return 'wrong_frame';
  const x = msg.wrench?.force?.x;
  const y = msg.wrench?.force?.y;
  if (typeof x !== 'number' || typeof y !== 'number') return 'malformed';
  if (!Number.isFinite(x) || !Number.isFinite(y)) return 'non_finite';
  return { command: [x, y] };
}
