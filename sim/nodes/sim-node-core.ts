/**
 * The part of a simulator node that does not depend on the robot: lockstep and real-time stepping, deadline
 * misses, the start-up re-send, command checking and counting, episode bookkeeping and the run's end. The maze
 * and arm sim nodes (maze-sim-node.ts, arm-sim-node.ts) bring a `SimRobot`: how an episode starts, what one step
 * does, which topics carry the state and how a command is read.
 *
 * Two modes:
 * - lockstep: one env step per command received, nothing else moves time. Deterministic; tests and eval. The
 *   planner answers every state with exactly one command, in order, so commands are matched to the states they
 *   answer through a FIFO: the answer to an episode's final state is dropped (the episode is over).
 * - real time: a steady (wall-clock) timer steps the env every dt / real_time_factor holding the last command.
 *   A step for which no new command arrived since the previous step is a deadline miss (the command is stale);
 *   before the first command of an episode the robot's initial command holds (zero force; the arm's current
 *   joints). With `wait_for_controller`, an episode's clock starts at its first command (like a robot enabled
 *   once its controller is up), so a controller that is still loading its model is not charged for it. From
 *   then on time runs: a controller that needs a while for its first plan sends safe commands meanwhile (it
 *   must keep receiving states to plan at all, so the sim cannot pause for it), and those steps are part of the
 *   episode, as they would be on a robot.
 *
 * Start-up and lost messages: over ROS the nodes start in parallel and the state topics are best-effort sensor
 * topics (not latched), so a planner that subscribes late would miss an episode's first state, and on a real link
 * any state can be lost; in lockstep the pair would then wait on each other for ever. So, in lockstep, while a
 * state is unanswered for ANNOUNCE_PERIOD_S of wall time the sim re-sends it (same stamp, with /clock); in real
 * time it re-sends an episode's first state until the first command. A planner that already has the state drops
 * the copy (same stamp).
 *
 * Commands that cannot be applied are dropped and counted per reason (one warning per reason): the robot's own
 * field checks (non-finite values, wrong sizes), a broken stamp, a frame other than the fixed frame, or a stamp
 * older than the previous command's (out of order).
 *
 * Stamps: every state is stamped with the sim time after its step (t·dt; one extra dt between episodes, so stamps
 * strictly increase across episodes). Episode starts: episode k is reset with the k-th draw of createRng(seed),
 * so a lockstep run and `df-planner eval --seed s` meet the same starts.
 */
import { ConfigError } from '../../src/errors.js';
import { createRng, type Rng } from '../../src/math/rng.js';
import type {
  MsgMap,
  QosName,
  Received,
  Time,
  TimerHandle,
  Transport,
  TypeName,
} from '../../src/transport/index.js';
import { nsFromTime, timeFromNs } from '../../src/transport/index.js';

/** Why a command was dropped. */
export type CommandRejectReason = 'non_finite' | 'malformed' | 'wrong_frame' | 'out_of_order';

export const COMMAND_REJECT_REASONS: readonly CommandRejectReason[] = [
  'non_finite',
  'malformed',
  'wrong_frame',
  'out_of_order',
];

/** The settings every sim node has (lockstep or real time, episodes, seed). */
export interface SimCoreConfig {
  readonly lockstep: boolean;
  readonly seed: number;
  readonly episodes: number;
  /** Cut episodes after this many steps (0 = the task's time limit). */
  readonly maxSteps: number;
  readonly realTimeFactor: number;
  readonly waitForController: boolean;
}

/** How an episode went, as the loop saw it (the robot adds its own outcome to the record). */
export interface SimEpisodeStats {
  readonly index: number;
  readonly resetSeed: number;
  readonly mode: 'lockstep' | 'realtime';
  readonly steps: number;
  /** Commands applied to a step. */
  readonly commandsApplied: number;
  /** Real time: steps taken with a stale command (no new one since the previous step), incl. initial-command steps. */
  readonly deadlineMisses: number;
  /** Real time: steps taken before the episode's first command arrived (the initial command; part of the misses). */
  readonly zeroCommandSteps: number;
  /**
   * Real time: steps taken back to back because the sim's own timer fired late (the command is held; they are
   * the sim's lateness, not the controller's, so they are not counted as deadline misses).
   */
  readonly catchUpSteps: number;
  /** Real time: steps the sim fell behind the wall clock beyond MAX_CATCH_UP_STEPS and gave up (time slipped). */
  readonly slippedSteps: number;
  /** Cut short by `interrupt()` (Ctrl-C) before its last step. */
  readonly interrupted?: true;
  /** Commands dropped, per reason. */
  readonly rejected: Readonly<Record<CommandRejectReason, number>>;
  /** Wall time from the episode's first step to its last, s. */
  readonly wallSeconds: number;
  /** Sim seconds per wall second over the episode (real time: ≈ realTimeFactor when the sim keeps up). */
  readonly achievedRealTimeFactor: number;
}

/** A command read from its message, with the stamp it carried. */
export interface CheckedCommand<C> {
  readonly command: C;
  readonly stampNs: bigint;
}

/** What a robot brings to the loop. Its methods run on the node's thread; the loop guards them. */
export interface SimRobot<C, R> {
  /** Node kind for messages ('maze sim node'). */
  readonly what: string;
  /** Control period, s. */
  readonly dt: number;
  readonly command: { readonly type: TypeName; readonly topic: string; readonly qos: QosName };
  /**
   * The episode start's topic and type: the robot's own message, stamped like the episode's first state (the
   * planner pairs it with that state by stamp; the maze's carries the goal).
   */
  readonly episodeStart: { readonly type: TypeName; readonly topic: string };
  /**
   * Whether commands carry a header stamp the loop checks (valid, not older than the last). A forward command
   * controller's Float64MultiArray has none: whatever arrives last applies.
   */
  readonly stampedCommands: boolean;
  /** The fix for each reject reason, for the one warning per reason. */
  readonly rejectHints: Readonly<Record<CommandRejectReason, string>>;
  /** Reads a received command (fields, frame); the loop checks the stamp and its order. */
  readCommand(msg: unknown): { readonly command: C } | CommandRejectReason;
  /**
   * Resets the env for episode `index` (seed drawn by the loop) and publishes what precedes the first state (a
   * goal). Returns the command held until the first one arrives, the episode's step limit and its episode start
   * message (stamped `stamp`, the first state's stamp).
   */
  beginEpisode(
    index: number,
    resetSeed: number,
    stamp: Time,
  ): { initialCommand: C; limit: number; episodeStart: unknown };
  /** Publishes the current state on the robot's sensor topics. `resend`: the start-up or lost-state re-send. */
  publishState(stamp: Time, resend: boolean): void;
  /** One env step with `command`; returns whether the env ended the episode itself (truncated, terminated). */
  step(
    command: C,
    stats: { readonly t: number; readonly fresh: boolean; readonly deadlineMisses: number },
  ): boolean;
  /** After the step's state went out (progress callbacks). */
  afterStep?(stats: { readonly t: number; readonly fresh: boolean; readonly deadlineMisses: number }): void;
  /** The episode ended: its record (the loop's stats and the robot's outcome). */
  endEpisode(stats: SimEpisodeStats): R;
  /** After the record joined the run's records (logs, callbacks). */
  afterEpisode?(record: R): void;
}

export interface SimReport<R> {
  readonly episodes: readonly R[];
}

interface EpisodeState {
  readonly index: number;
  readonly resetSeed: number;
  readonly limit: number;
  t: number;
  commandsApplied: number;
  deadlineMisses: number;
  zeroCommandSteps: number;
  catchUpSteps: number;
  slippedSteps: number;
  rejected: Record<CommandRejectReason, number>;
  /** Real time: whether the episode's clock runs (false while waiting for the controller). */
  running: boolean;
  wallStartMs: number;
}

/** What the FIFO of lockstep states holds: whether the state ended its episode (its answer is then dropped). */
type PendingState = 'step' | 'final';

const NS_PER_S = 1e9;
/** Real time: most steps taken back to back when the sim's timer fired late (0.1 s of sim time at 100 Hz). */
export const MAX_CATCH_UP_STEPS = 10;
/** Wall-clock period of the start-up re-send of an episode's first state (see the header). */
export const ANNOUNCE_PERIOD_S = 1;

export class SimNodeCore<C, R> {
  /** Resolves after the last episode (or rejects if the node fails); see `stop()` for early stops. */
  readonly done: Promise<readonly R[]>;

  readonly #t: Transport;
  readonly #robot: SimRobot<C, R>;
  readonly #config: SimCoreConfig;
  readonly #periodNs: bigint;
  readonly #seeds: Rng;
  readonly #records: R[] = [];
  readonly #publishClock: (msg: { clock: Time }) => void;
  readonly #publishEpisodeStart: (msg: unknown) => void;
  #resolve!: (records: readonly R[]) => void;
  #reject!: (error: unknown) => void;

  #simNs = 0n;
  #episode: EpisodeState | null = null;
  /** Latest accepted command, the stamp it carried and a sequence number (real time: fresh = seq changed). */
  #command!: C;
  #commandStampNs = -1n;
  #commandSeq = 0;
  #appliedSeq = 0;
  /** Lockstep: states published and not yet answered, oldest first. */
  readonly #pending: PendingState[] = [];
  /** Commands dropped while no episode ran (after the end). */
  #lateCommands = 0;
  #timer: TimerHandle | null = null;
  #announceTimer: TimerHandle | null = null;
  /** Whether a command arrived since the current episode began (ends the start-up re-send). */
  #heardThisEpisode = false;
  /** Wall time of the last state published. */
  #lastStateWallMs = 0;
  #subscription: { unsubscribe(): void } | null = null;
  #started = false;
  readonly #warned = new Set<CommandRejectReason>();
  #finished = false;

  constructor(transport: Transport, robot: SimRobot<C, R>, config: SimCoreConfig) {
    this.#t = transport;
    this.#robot = robot;
    this.#config = config;
    this.#periodNs = BigInt(Math.round(robot.dt * NS_PER_S));
    this.#seeds = createRng(config.seed);
    this.done = new Promise<readonly R[]>((resolve, reject) => {
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
        `the ${robot.what} publishes /clock and cannot also follow it; set use_sim_time:=false for the sim (true only for the nodes that use its time)`,
        'use_sim_time',
      );
    }
    this.#publishClock = transport.advertise('rosgraph_msgs/msg/Clock', '/clock', 'default');
    this.#publishEpisodeStart = transport.advertise(
      robot.episodeStart.type,
      robot.episodeStart.topic,
      'default',
    ) as (msg: unknown) => void;
  }

  /**
   * Milliseconds on the node's own clock: wall time (the bus clock, which tests run virtually). The sim is the
   * source of sim time, so its clock never follows /clock (refused in the constructor).
   */
  wallMs(): number {
    return Number(this.#t.nowNs()) / 1e6;
  }

  /** Subscribes to the command, starts the first episode, the timers and the transport's delivery. Call once. */
  start(): void {
    if (this.#started) throw new ConfigError(`the ${this.#robot.what} was already started`, 'start');
    this.#started = true;
    const c = this.#robot.command;
    this.#subscription = this.#t
      .observe(c.type, c.topic, c.qos)
      .subscribe({ next: (r) => this.#guard(() => this.#onCommand(r)) });
    this.#t.onShutdown(() => this.stop());
    this.#beginEpisode();
    this.#announceTimer = this.#t.every(
      BigInt(ANNOUNCE_PERIOD_S * NS_PER_S),
      () => this.#guard(() => this.#announce()),
      'steady',
    );
    if (!this.#config.lockstep) {
      // Ticks at half the step period: a step is taken when the wall clock says it is due (see #onTimer), so a
      // timer that fires a little late costs at most half a period of phase.
      const wallPeriodNs = BigInt(
        Math.max(1, Math.round(Number(this.#periodNs) / this.#config.realTimeFactor / 2)),
      );
      this.#timer = this.#t.every(wallPeriodNs, () => this.#guard(() => this.#onTimer()), 'steady');
    }
    this.#t.start();
  }

  /** Episodes finished so far. */
  get records(): readonly R[] {
    return this.#records;
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
    this.#timer?.cancel();
    this.#timer = null;
    this.#announceTimer?.cancel();
    this.#announceTimer = null;
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }

  /**
   * Ends the run now (Ctrl-C): the episode in progress, if it took a step, is recorded as `interrupted`,
   * stepping stops, and `done` resolves with the episodes so far.
   */
  interrupt(): void {
    if (this.#finished) return;
    if (this.#episode !== null && this.#episode.t > 0) this.#endEpisode(true);
    else this.#finish();
  }

  #finish(): void {
    this.#finished = true;
    this.#episode = null;
    this.stop();
    this.#resolve(this.#records);
  }

  #guard(body: () => void): void {
    try {
      body();
    } catch (err) {
      this.stop();
      this.#finished = true;
      this.#reject(err);
    }
  }

  #beginEpisode(): void {
    const index = this.#records.length;
    const resetSeed = this.#seeds.int(2 ** 31);
    if (index > 0) this.#simNs += this.#periodNs;
    const stamp = timeFromNs(this.#simNs);
    this.#publishClock({ clock: stamp });
    const { initialCommand, limit, episodeStart } = this.#robot.beginEpisode(index, resetSeed, stamp);
    this.#episode = {
      index,
      resetSeed,
      limit: this.#config.maxSteps > 0 ? Math.min(this.#config.maxSteps, limit) : limit,
      t: 0,
      commandsApplied: 0,
      deadlineMisses: 0,
      zeroCommandSteps: 0,
      catchUpSteps: 0,
      slippedSteps: 0,
      rejected: { non_finite: 0, malformed: 0, wrong_frame: 0, out_of_order: 0 },
      running: this.#config.lockstep || !this.#config.waitForController,
      wallStartMs: this.wallMs(),
    };
    // A fresh episode starts from its initial command: the previous episode's last command is not carried over.
    this.#command = initialCommand;
    this.#appliedSeq = this.#commandSeq;
    this.#heardThisEpisode = false;
    // episode_start carries the first state's stamp: the planner pairs the two by stamp, whichever of them (and
    // of the goal) it happens to handle first (docs/ros2.md §4), so the state can follow at once.
    this.#publishEpisodeStart(episodeStart);
    if (this.#config.lockstep) this.#pending.push('step');
    this.#publishState(stamp, false);
  }

  #onCommand(received: Received<MsgMap[TypeName]>): void {
    const ep = this.#episode;
    if (this.#finished || !ep) {
      this.#lateCommands++;
      return;
    }
    const lockstep = this.#config.lockstep;
    // Lockstep: match the command to the state it answers before judging it, so a bad answer still consumes
    // its slot (the planner does not resend).
    const answers = lockstep ? this.#pending.shift() : 'step';
    if (answers === undefined) {
      this.#lateCommands++;
      return;
    }
    this.#heardThisEpisode = true;
    const checked = this.#check(received.msg);
    if (typeof checked === 'string') {
      ep.rejected[checked]++;
      if (!this.#warned.has(checked)) {
        // One line per reason (then only counts), so a broken publisher cannot flood the log.
        this.#warned.add(checked);
        this.#t.log(
          'warn',
          `dropped a ${this.#robot.command.topic} command (${checked}): ${this.#robot.rejectHints[checked]}`,
        );
      }
      if (lockstep && answers === 'step') {
        // Nothing else will move a lockstep sim: step with the held command so the loop goes on (counted).
        this.#step(false);
      }
      return;
    }
    if (answers === 'final') return;
    this.#command = checked.command;
    this.#commandStampNs = checked.stampNs;
    this.#commandSeq++;
    if (lockstep) {
      this.#step(true);
    } else if (!ep.running) {
      ep.running = true;
      ep.wallStartMs = this.wallMs();
    }
  }

  /** The stamp checks every command passes (valid, not older than the last), then the robot's own. */
  #check(msg: unknown): CheckedCommand<C> | CommandRejectReason {
    if (!this.#robot.stampedCommands) {
      const read = this.#robot.readCommand(msg);
      return typeof read === 'string' ? read : { command: read.command, stampNs: this.#commandStampNs };
    }
    const stamp = (msg as { header?: { stamp?: Time } } | null)?.header?.stamp;
    if (
      !stamp ||
      !Number.isInteger(stamp.sec) ||
      !Number.isInteger(stamp.nanosec) ||
      stamp.nanosec < 0 ||
      stamp.nanosec >= NS_PER_S
    ) {
      return 'malformed';
    }
    const read = this.#robot.readCommand(msg);
    if (typeof read === 'string') return read;
    const stampNs = nsFromTime(stamp);
    if (stampNs < this.#commandStampNs) return 'out_of_order';
    return { command: read.command, stampNs };
  }

  /** Re-sends the newest state while it is unanswered (lockstep) or while no command came yet (see the header). */
  #announce(): void {
    const ep = this.#episode;
    if (this.#finished || !ep) return;
    if (this.#config.lockstep) {
      const quietMs = this.wallMs() - this.#lastStateWallMs;
      if (this.#pending.length === 0 || quietMs < ANNOUNCE_PERIOD_S * 1000) return;
    } else if (this.#heardThisEpisode || ep.t > 0) return;
    const stamp = timeFromNs(this.#simNs);
    this.#publishClock({ clock: stamp });
    this.#publishState(stamp, true);
  }

  /**
   * Real time: takes the steps the wall clock says are due since the episode's clock started. The first is judged
   * fresh or stale; any further ones in the same tick are catch-up steps (this timer fired late). A backlog beyond
   * MAX_CATCH_UP_STEPS is dropped (sim time slips behind the wall clock) rather than replayed in a burst.
   */
  #onTimer(): void {
    const ep = this.#episode;
    if (this.#finished || !ep || !ep.running) return;
    const periodMs = (this.#robot.dt * 1000) / this.#config.realTimeFactor;
    const due = Math.min(ep.limit, Math.floor((this.wallMs() - ep.wallStartMs) / periodMs));
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
    if (ep.t === 0 && this.#config.lockstep) ep.wallStartMs = this.wallMs();
    if (fresh) {
      ep.commandsApplied++;
      this.#appliedSeq = this.#commandSeq;
    }
    const stats = { t: ep.t + 1, fresh, deadlineMisses: ep.deadlineMisses };
    const ended = this.#robot.step(this.#command, stats);
    ep.t++;
    this.#simNs += this.#periodNs;
    const stamp = timeFromNs(this.#simNs);
    this.#publishClock({ clock: stamp });
    this.#publishState(stamp, false);
    const final = ep.t >= ep.limit || ended;
    if (this.#config.lockstep) this.#pending.push(final ? 'final' : 'step');
    this.#robot.afterStep?.(stats);
    if (final) this.#endEpisode();
  }

  #publishState(stamp: Time, resend: boolean): void {
    this.#lastStateWallMs = this.wallMs();
    this.#robot.publishState(stamp, resend);
  }

  #endEpisode(interrupted = false): void {
    const ep = this.#episode!;
    const wallSeconds = (this.wallMs() - ep.wallStartMs) / 1000;
    const record = this.#robot.endEpisode({
      index: ep.index,
      resetSeed: ep.resetSeed,
      mode: this.#config.lockstep ? 'lockstep' : 'realtime',
      steps: ep.t,
      commandsApplied: ep.commandsApplied,
      deadlineMisses: ep.deadlineMisses,
      zeroCommandSteps: ep.zeroCommandSteps,
      catchUpSteps: ep.catchUpSteps,
      slippedSteps: ep.slippedSteps,
      rejected: { ...ep.rejected },
      wallSeconds,
      achievedRealTimeFactor:
        wallSeconds > 0 ? (ep.t * this.#robot.dt) / wallSeconds : Number.POSITIVE_INFINITY,
      ...(interrupted ? { interrupted: true as const } : {}),
    });
    this.#records.push(record);
    this.#robot.afterEpisode?.(record);
    if (interrupted || this.#records.length >= this.#config.episodes) {
      this.#finish();
      return;
    }
    this.#beginEpisode();
  }
}

/** Dropped commands of an episode, summed over the reasons. */
export function droppedCommands(rejected: Readonly<Record<CommandRejectReason, number>>): number {
  return COMMAND_REJECT_REASONS.reduce((n, r) => n + rejected[r], 0);
}
