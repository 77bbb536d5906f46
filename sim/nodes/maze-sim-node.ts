/**
 * The MuJoCo maze as a ROS node: owns a Maze2D env, publishes what a robot driver would (odometry, reward, sim
 * time, the goal) and applies the force commands it receives. Topic names, types, QoS and frames come from the
 * maze interface (src/node/maze-topics.ts), which the planner node shares.
 *
 * Per episode (the interface's publish order): goal_pose (latched), episode_start, then the first odom. Per
 * step: /clock, reward, odom, all stamped with the sim time after the step (t·dt; one extra dt between episodes,
 * so stamps strictly increase across episodes).
 *
 * Two modes:
 * - lockstep: one env step per command received, nothing else moves time. Deterministic; tests and eval. The
 *   planner answers every odom with exactly one command, in order, so commands are matched to the odoms they
 *   answer through a FIFO: the answer to an episode's final odom is dropped (the episode is over).
 * - real time: a steady (wall-clock) timer steps the env every dt / real_time_factor holding the last command.
 *   A step for which no new command arrived since the previous step is a deadline miss (the command is stale);
 *   before the first command of an episode the command is zero. With `wait_for_controller`, an episode's clock
 *   starts at its first command (like a robot enabled once its controller is up), so a controller that is still
 *   loading its model is not charged for it. From then on time runs: a controller that needs a while for its
 *   first plan sends zeros meanwhile (it must keep receiving states to plan at all, so the sim cannot pause for
 *   it), and those steps are part of the episode, as they would be on a robot.
 *
 * Start-up and lost messages: over ROS the two nodes start in parallel and odom is a best-effort sensor topic (not
 * latched), so a planner that subscribes late would miss an episode's first state, and on a real link any odom
 * can be lost; in lockstep the pair would then wait on each other for ever. So, in lockstep, while a state is
 * unanswered for ANNOUNCE_PERIOD_S of wall time the sim re-sends it (same stamp, with /clock and its reward); in
 * real time it re-sends an episode's first state until the first command. A planner that already has the state
 * drops the copy (same stamp).
 *
 * Commands that cannot be applied are dropped and counted per reason: non-finite force components, a broken
 * stamp, a frame other than the fixed frame (an empty frame means the fixed frame), or a stamp older than the
 * previous command's (out of order). Forces beyond ±1 are not refused: the env clips them, as D4RL does.
 *
 * Episode starts follow `evaluatePolicy` (sim/maze2d/evaluate.ts): episode k is reset with the k-th draw of
 * createRng(seed), so a lockstep run and `df-planner eval --seed s` meet the same starts.
 */
import { ConfigError } from '../../src/errors.js';
import { createRng, type Rng } from '../../src/math/rng.js';
import { MAZE_FRAMES, MAZE_QOS, MAZE_TOPICS, MAZE_TYPES } from '../../src/node/maze-topics.js';
import {
  type Empty,
  type MsgInput,
  nsFromTime,
  type Odometry,
  type PoseStamped,
  type Received,
  type TimerHandle,
  type Transport,
  timeFromNs,
  type WrenchStamped,
} from '../../src/transport/index.js';
import type { EnvInfo } from '../env.js';
import type { EpisodeRecord } from '../maze2d/evaluate.js';
import { mazeTask, withinGoal } from '../maze2d/layouts.js';
import type { MazeEnv } from '../maze2d/maze-env.js';
import { normalizedScore } from '../maze2d/scoring.js';
import { defaultMazeSimConfig, type MazeSimConfig, validateMazeSimConfig } from './maze-sim-config.js';

/** Why a command was dropped. */
export type CommandRejectReason = 'non_finite' | 'malformed' | 'wrong_frame' | 'out_of_order';

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
export interface SimEpisodeRecord extends EpisodeRecord {
  readonly task: string;
  readonly mode: 'lockstep' | 'realtime';
  /** (steps + 1) × 2 positions [x0, y0, x1, y1, …]. */
  readonly trajectory: Float64Array;
  /** Commands applied to a step. */
  readonly commandsApplied: number;
  /** Real time: steps taken with a stale command (no new one since the previous step), incl. zero-command steps. */
  readonly deadlineMisses: number;
  /** Real time: steps taken before the episode's first command arrived (zero command; part of the misses). */
  readonly zeroCommandSteps: number;
  /**
   * Real time: steps taken back to back because the sim's own timer fired late (the command is held; they are
   * the sim's lateness, not the controller's, so they are not counted as deadline misses).
   */
  readonly catchUpSteps: number;
  /** Real time: steps the sim fell behind the wall clock beyond MAX_CATCH_UP_STEPS and gave up (time slipped). */
  readonly slippedSteps: number;
  /** Cut short by `interrupt()` (Ctrl-C) before its last step: its score is not a full episode's. */
  readonly interrupted?: true;
  /** Commands dropped, per reason. */
  readonly rejected: Readonly<Record<CommandRejectReason, number>>;
  /** Wall time from the episode's first step to its last, s. */
  readonly wallSeconds: number;
  /** Sim seconds per wall second over the episode (real time: ≈ realTimeFactor when the sim keeps up). */
  readonly achievedRealTimeFactor: number;
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

const REJECT_REASONS: readonly CommandRejectReason[] = [
  'non_finite',
  'malformed',
  'wrong_frame',
  'out_of_order',
];

interface EpisodeState {
  readonly index: number;
  readonly resetSeed: number;
  readonly goal: readonly [number, number];
  readonly start: readonly [number, number];
  readonly limit: number;
  readonly trajectory: Float64Array;
  t: number;
  episodeReturn: number;
  firstReachStep: number | null;
  commandsApplied: number;
  deadlineMisses: number;
  zeroCommandSteps: number;
  catchUpSteps: number;
  slippedSteps: number;
  rejected: Record<CommandRejectReason, number>;
  /** Real time: whether the episode's clock runs (false while waiting for the controller). */
  running: boolean;
  wallStartMs: number;
  wallEndMs: number;
}

/** What the FIFO of lockstep odoms holds: whether the odom ended its episode (its answer is then dropped). */
type PendingOdom = 'step' | 'final';

const NS_PER_S = 1e9;
/** Real time: most steps taken back to back when the sim's timer fired late (0.1 s of sim time). */
export const MAX_CATCH_UP_STEPS = 10;
/** Wall-clock period of the start-up re-send of an episode's first state (see the header). */
export const ANNOUNCE_PERIOD_S = 1;

export class MazeSimNode {
  readonly config: MazeSimConfig;
  readonly env: MazeEnv;
  /** Resolves after the last episode (or rejects if the node fails); see `close()` for early stops. */
  readonly done: Promise<MazeSimReport>;

  readonly #transport: Transport;
  readonly #options: MazeSimNodeOptions;
  readonly #periodNs: bigint;
  readonly #seeds: Rng;
  readonly #records: SimEpisodeRecord[] = [];
  readonly #publishOdom: (msg: MsgInput<Odometry>) => void;
  readonly #publishReward: (msg: { data: number }) => void;
  readonly #publishClock: (msg: { clock: { sec: number; nanosec: number } }) => void;
  readonly #publishGoal: (msg: MsgInput<PoseStamped>) => void;
  readonly #publishEpisodeStart: (msg: MsgInput<Empty>) => void;
  #resolve!: (report: MazeSimReport) => void;
  #reject!: (error: unknown) => void;

  #simNs = 0n;
  #episode: EpisodeState | null = null;
  #observation: Float64Array = new Float64Array(4);
  /** Latest accepted command, the stamp it carried and a sequence number (real time: fresh = seq changed). */
  #command: [number, number] = [0, 0];
  #commandStampNs = -1n;
  #commandSeq = 0;
  #appliedSeq = 0;
  /** Lockstep: odoms published and not yet answered, oldest first. */
  readonly #pending: PendingOdom[] = [];
  /** Commands dropped while no episode ran (after the end). */
  #lateCommands = 0;
  #timer: TimerHandle | null = null;
  #announceTimer: TimerHandle | null = null;
  /** Whether a command arrived since the current episode began (ends the start-up re-send). */
  #heardThisEpisode = false;
  /** Wall time of the last state published, and the reward published with it (null at an episode start). */
  #lastStateWallMs = 0;
  #lastReward: number | null = null;
  #subscription: { unsubscribe(): void } | null = null;
  #started = false;
  readonly #warned = new Set<CommandRejectReason>();
  #finished = false;

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
    this.#periodNs = BigInt(Math.round(env.dt * NS_PER_S));
    this.#seeds = createRng(this.config.seed);
    this.done = new Promise<MazeSimReport>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nothing waits on `done` when the node is only closed; keep a rejection from being reported as unhandled.
    this.done.catch(() => {});

    let simTime = false;
    try {
      simTime = transport.param('use_sim_time') === true;
    } catch {
      // A transport that does not declare use_sim_time runs on its own clock.
    }
    if (simTime) {
      throw new ConfigError(
        'the maze sim node publishes /clock and cannot also follow it; set use_sim_time:=false for the sim (true only for the nodes that use its time)',
        'use_sim_time',
      );
    }
    this.#publishClock = transport.advertise(MAZE_TYPES.clock, MAZE_TOPICS.clock, MAZE_QOS.clock);
    this.#publishGoal = transport.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, MAZE_QOS.goal);
    this.#publishEpisodeStart = transport.advertise(
      MAZE_TYPES.episodeStart,
      MAZE_TOPICS.episodeStart,
      MAZE_QOS.episodeStart,
    );
    this.#publishReward = transport.advertise(MAZE_TYPES.reward, MAZE_TOPICS.reward, MAZE_QOS.reward);
    this.#publishOdom = transport.advertise(MAZE_TYPES.odom, MAZE_TOPICS.odom, MAZE_QOS.odom);
  }

  /**
   * Milliseconds on the node's own clock: wall time (the bus clock, which tests run virtually). The sim is the
   * source of sim time, so its clock never follows /clock (refused in the constructor).
   */
  #wallMs(): number {
    return Number(this.#transport.nowNs()) / 1e6;
  }

  /** Subscribes to the command, starts the first episode, the timers and the transport's delivery. Call once. */
  start(): void {
    if (this.#started) throw new ConfigError('the maze sim node was already started', 'start');
    this.#started = true;
    this.#subscription = this.#transport
      .observe(MAZE_TYPES.command, MAZE_TOPICS.command, MAZE_QOS.command)
      .subscribe({ next: (r) => this.#guard(() => this.#onCommand(r)) });
    this.#transport.onShutdown(() => this.#stop());
    this.#beginEpisode();
    this.#announceTimer = this.#transport.every(
      BigInt(ANNOUNCE_PERIOD_S * NS_PER_S),
      () => this.#guard(() => this.#announce()),
      'steady',
    );
    if (!this.config.lockstep) {
      // Ticks at half the step period: a step is taken when the wall clock says it is due (see #onTimer), so a
      // timer that fires a little late costs at most half a period of phase.
      const wallPeriodNs = BigInt(
        Math.max(1, Math.round(Number(this.#periodNs) / this.config.realTimeFactor / 2)),
      );
      this.#timer = this.#transport.every(wallPeriodNs, () => this.#guard(() => this.#onTimer()), 'steady');
    }
    this.#transport.start();
  }

  /** Episodes finished so far. */
  get records(): readonly SimEpisodeRecord[] {
    return this.#records;
  }

  /** The last published state [x, y, vx, vy]. */
  get observation(): Float64Array {
    return this.#observation;
  }

  /** Sim time of the last published state, ns. */
  get simTimeNs(): bigint {
    return this.#simNs;
  }

  /** Commands that arrived after the last episode ended (dropped). */
  get lateCommands(): number {
    return this.#lateCommands;
  }

  /** Stops stepping and unsubscribes (the transport stays open). `done` stays pending if episodes were left. */
  stop(): void {
    this.#stop();
  }

  /**
   * Ends the run now (Ctrl-C): the episode in progress, if it took a step, is recorded as `interrupted`,
   * stepping stops, and `done` resolves with the episodes so far. Returns that report (the final one if the
   * run had already ended).
   */
  interrupt(): MazeSimReport {
    if (!this.#finished) {
      if (this.#episode !== null && this.#episode.t > 0) this.#endEpisode(true);
      else this.#finish();
    }
    return { task: this.env.id, config: this.config, episodes: this.#records };
  }

  #finish(): void {
    this.#finished = true;
    this.#episode = null;
    this.#stop();
    this.#resolve({ task: this.env.id, config: this.config, episodes: this.#records });
  }

  #stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#announceTimer?.cancel();
    this.#announceTimer = null;
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }

  #guard(body: () => void): void {
    try {
      body();
    } catch (err) {
      this.#stop();
      this.#finished = true;
      this.#reject(err);
    }
  }

  #beginEpisode(): void {
    const index = this.#records.length;
    const resetSeed = this.#seeds.int(2 ** 31);
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
      resetSeed,
      goal,
      start: [obs[0]!, obs[1]!],
      limit,
      trajectory,
      t: 0,
      episodeReturn: 0,
      firstReachStep: null,
      commandsApplied: 0,
      deadlineMisses: 0,
      zeroCommandSteps: 0,
      catchUpSteps: 0,
      slippedSteps: 0,
      rejected: { non_finite: 0, malformed: 0, wrong_frame: 0, out_of_order: 0 },
      running: this.config.lockstep || !this.config.waitForController,
      wallStartMs: this.#wallMs(),
      wallEndMs: this.#wallMs(),
    };
    // A fresh episode starts from a zero command: the previous episode's last force is not carried over.
    this.#command = [0, 0];
    this.#appliedSeq = this.#commandSeq;
    this.#observation = obs;
    this.#heardThisEpisode = false;
    this.#lastReward = null;
    if (index > 0) this.#simNs += this.#periodNs;
    const stamp = timeFromNs(this.#simNs);
    this.#publishClock({ clock: stamp });
    this.#publishGoal({
      header: { stamp, frame_id: MAZE_FRAMES.fixed },
      pose: { position: { x: goal[0], y: goal[1], z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    });
    this.#publishEpisodeStart({});
    if (this.config.lockstep) this.#pending.push('step');
    // The first state goes out one event-loop turn later. rclnodejs hands a node one message per ready
    // subscription per round, in subscription order (the planner subscribes odom first), so an odom published
    // in the same round as episode_start would be handled before it: the planner would plan from the new
    // episode's first state, then restart one step later on a shifted token grid. The turn lets the round that
    // carries goal_pose and episode_start run first (on ROS 2 it makes that order likely, not certain; an
    // unanswered state is re-sent anyway).
    const episode = this.#episode;
    setImmediate(() => {
      if (!this.#finished && this.#episode === episode) this.#publishState(obs, stamp);
    });
  }

  #onCommand(received: Received<WrenchStamped>): void {
    const ep = this.#episode;
    if (this.#finished || !ep) {
      this.#lateCommands++;
      return;
    }
    const lockstep = this.config.lockstep;
    // Lockstep: match the command to the odom it answers before judging it, so a bad answer still consumes
    // its slot (the planner does not resend).
    const answers = lockstep ? this.#pending.shift() : 'step';
    if (answers === undefined) {
      this.#lateCommands++;
      return;
    }
    this.#heardThisEpisode = true;
    const checked = checkCommand(received.msg, this.#commandStampNs);
    if (typeof checked === 'string') {
      ep.rejected[checked]++;
      if (!this.#warned.has(checked)) {
        // One line per reason (then only counts), so a broken publisher cannot flood the log.
        this.#warned.add(checked);
        this.#transport.log(
          'warn',
          `dropped a ${MAZE_TOPICS.command} command (${checked}): ${REJECT_HINTS[checked]}`,
        );
      }
      if (lockstep && answers === 'step') {
        // Nothing else will move a lockstep sim: step with the held command so the loop goes on (counted).
        this.#step(false);
      }
      return;
    }
    if (answers === 'final') return;
    this.#command = [checked.x, checked.y];
    this.#commandStampNs = checked.stampNs;
    this.#commandSeq++;
    if (lockstep) {
      this.#step(true);
    } else if (!ep.running) {
      ep.running = true;
      ep.wallStartMs = this.#wallMs();
    }
  }

  /** Re-sends the newest state while it is unanswered (lockstep) or while no command came yet (see the header). */
  #announce(): void {
    const ep = this.#episode;
    if (this.#finished || !ep) return;
    if (this.config.lockstep) {
      const quietMs = this.#wallMs() - this.#lastStateWallMs;
      if (this.#pending.length === 0 || quietMs < ANNOUNCE_PERIOD_S * 1000) return;
    } else if (this.#heardThisEpisode || ep.t > 0) return;
    const stamp = timeFromNs(this.#simNs);
    this.#publishClock({ clock: stamp });
    if (this.#lastReward !== null) this.#publishReward({ data: this.#lastReward });
    this.#publishState(this.#observation, stamp);
  }

  /**
   * Real time: takes the steps the wall clock says are due since the episode's clock started. The first is judged
   * fresh or stale; any further ones in the same tick are catch-up steps (this timer fired late). A backlog beyond
   * MAX_CATCH_UP_STEPS is dropped (sim time slips behind the wall clock) rather than replayed in a burst.
   */
  #onTimer(): void {
    const ep = this.#episode;
    if (this.#finished || !ep || !ep.running) return;
    const periodMs = (this.env.dt * 1000) / this.config.realTimeFactor;
    const due = Math.min(ep.limit, Math.floor((this.#wallMs() - ep.wallStartMs) / periodMs));
    let n = due - ep.t;
    if (n <= 0) return;
    if (n > MAX_CATCH_UP_STEPS) {
      ep.slippedSteps += n - MAX_CATCH_UP_STEPS;
      ep.wallStartMs += (n - MAX_CATCH_UP_STEPS) * periodMs;
      n = MAX_CATCH_UP_STEPS;
    }
    const fresh = this.#commandSeq !== this.#appliedSeq;
    if (!fresh) {
      ep.deadlineMisses++;
      if (ep.commandsApplied === 0) ep.zeroCommandSteps++;
    }
    this.#step(fresh);
    for (let k = 1; k < n && this.#episode === ep && !this.#finished; k++) {
      ep.catchUpSteps++;
      this.#step(false);
    }
  }

  /** Applies the held command for one env step and publishes the outcome; ends the episode at its limit. */
  #step(fresh: boolean): void {
    const ep = this.#episode!;
    if (ep.t === 0 && this.config.lockstep) ep.wallStartMs = this.#wallMs();
    if (fresh) {
      ep.commandsApplied++;
      this.#appliedSeq = this.#commandSeq;
    }
    const action: [number, number] = [this.#command[0], this.#command[1]];
    const result = this.env.step(action);
    ep.t++;
    this.#simNs += this.#periodNs;
    const obs = result.observation;
    this.#observation = obs;
    ep.episodeReturn += result.reward;
    ep.trajectory[2 * ep.t] = obs[0]!;
    ep.trajectory[2 * ep.t + 1] = obs[1]!;
    const inside =
      typeof result.info['success'] === 'boolean' ? result.info['success'] : withinGoal(obs, ep.goal);
    if (inside && ep.firstReachStep === null) ep.firstReachStep = ep.t;
    const stamp = timeFromNs(this.#simNs);
    this.#publishClock({ clock: stamp });
    this.#lastReward = result.reward;
    this.#publishReward({ data: result.reward });
    this.#publishState(obs, stamp);
    const final = ep.t >= ep.limit || result.truncated || result.terminated;
    if (this.config.lockstep) this.#pending.push(final ? 'final' : 'step');
    this.#options.onStep?.({
      episode: ep.index,
      t: ep.t,
      observation: obs,
      reward: result.reward,
      goal: ep.goal,
      distanceToGoal: Math.hypot(obs[0]! - ep.goal[0], obs[1]! - ep.goal[1]),
      fresh,
      action,
      stampNs: this.#simNs,
      deadlineMisses: ep.deadlineMisses,
    });
    if (final) this.#endEpisode();
  }

  #endEpisode(interrupted = false): void {
    const ep = this.#episode!;
    ep.wallEndMs = this.#wallMs();
    const wallSeconds = (ep.wallEndMs - ep.wallStartMs) / 1000;
    const task = mazeTask(this.env.id);
    const record: SimEpisodeRecord = {
      task: task.id,
      mode: this.config.lockstep ? 'lockstep' : 'realtime',
      index: ep.index,
      resetSeed: ep.resetSeed,
      episodeReturn: ep.episodeReturn,
      normalizedScore: normalizedScore(task, ep.episodeReturn),
      steps: ep.t,
      success: ep.firstReachStep !== null,
      firstReachStep: ep.firstReachStep,
      start: ep.start as [number, number],
      goal: ep.goal as [number, number],
      trajectory: ep.trajectory.subarray(0, 2 * (ep.t + 1)),
      commandsApplied: ep.commandsApplied,
      deadlineMisses: ep.deadlineMisses,
      zeroCommandSteps: ep.zeroCommandSteps,
      catchUpSteps: ep.catchUpSteps,
      slippedSteps: ep.slippedSteps,
      rejected: { ...ep.rejected },
      wallSeconds,
      achievedRealTimeFactor: wallSeconds > 0 ? (ep.t * this.env.dt) / wallSeconds : Number.POSITIVE_INFINITY,
      ...(interrupted ? { interrupted: true as const } : {}),
    };
    this.#records.push(record);
    const rejected = REJECT_REASONS.reduce((n, r) => n + ep.rejected[r], 0);
    this.#transport.log(
      'info',
      `${task.id} episode ${ep.index}: ${ep.t} steps, return ${ep.episodeReturn}, score ${record.normalizedScore.toFixed(1)}, ` +
        `${record.success ? `reached the goal at step ${ep.firstReachStep}` : 'did not reach the goal'}` +
        (this.config.lockstep ? '' : `, ${ep.deadlineMisses} deadline misses`) +
        (rejected > 0 ? `, ${rejected} commands dropped` : ''),
    );
    this.#options.onEpisode?.(record);
    if (interrupted || this.#records.length >= this.config.episodes) {
      this.#finish();
      return;
    }
    this.#beginEpisode();
  }

  #publishState(obs: Float64Array, stamp: { sec: number; nanosec: number }): void {
    this.#lastStateWallMs = this.#wallMs();
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

/** Validates a received command: the force, or why it is dropped. */
function checkCommand(
  msg: WrenchStamped,
  previousStampNs: bigint,
): { x: number; y: number; stampNs: bigint } | CommandRejectReason {
  const stamp = msg?.header?.stamp;
  if (
    !stamp ||
    !Number.isInteger(stamp.sec) ||
    !Number.isInteger(stamp.nanosec) ||
    stamp.nanosec < 0 ||
    stamp.nanosec >= NS_PER_S
  ) {
    return 'malformed';
  }
  const frame = msg.header.frame_id;
  if (typeof frame !== 'string') return 'malformed';
  if (frame !== '' && frame !== MAZE_FRAMES.fixed) return 'wrong_frame';
  const x = msg.wrench?.force?.x;
  const y = msg.wrench?.force?.y;
  if (typeof x !== 'number' || typeof y !== 'number') return 'malformed';
  if (!Number.isFinite(x) || !Number.isFinite(y)) return 'non_finite';
  const stampNs = nsFromTime(stamp);
  if (stampNs < previousStampNs) return 'out_of_order';
  return { x, y, stampNs };
}
