/**
 * The planner node (issue 5 item 2): joins a robot's topics to a Diffusion Forcing agent that lives in a planner
 * host (a worker thread by default). The node thread owns the transport, the timers, the watchdog and every
 * publish; it never waits on the planner.
 *
 * Step bookkeeping (one step = one command = one env step of the model, F steps = one token):
 *
 *   s            global index of the step whose command is chosen now (never reset; plans are indexed by it)
 *   episode      the agent's current run: reset at step b₀ with the latest state, then one `observe` per step
 *                (the state that followed, the reward, and the command that was actually sent), a plan request
 *                at every token boundary b = b₀ + nF
 *   plan p       actions of its H·F steps, row j = step p.boundary + j
 *
 *   command(s) = p.row(s − b)        if the current token's plan p is back            ('plan')
 *              = q.row(s − q.boundary) for the newest plan q still covering s, if on_overrun = hold ('hold')
 *              = 0                    otherwise                                         ('zero')
 *
 * Plans are due every replan_period steps from the reset (default F: the token boundaries); plan-timing.ts
 * decides when each is asked for ('hold': at its step; 'ahead': early by the measured latency, with the commands
 * that run meanwhile committed) and for which step (its target); a plan is used from the moment it lands.
 *
 * Real-time mode (`lockstep: false`): with `control_trigger: state` (the default) every new valid state message
 * is one step, taken as it arrives (once its reward or episode start is in, see "Order across topics" at the
 * subscriptions), so each sensor step gets exactly one command, sent at once; a timer at
 * control_rate_hz only watches for sensor timeouts and plan deadlines. With `control_trigger: timer` that timer
 * takes the newest valid state each period and runs one step: a second free-running clock beside the sensor's,
 * so after a stall (the sim catches up its steps, the timer skips its missed periods) or when the two phases meet
 * (jitter reorders tick and sensor step), a sensor step gets no new command and another state is stepped twice.
 * A plan requested at a boundary has `plan_deadline` (default one token, F control periods: the
 * token rate) to come back; until it does, the step's command comes from the fallback above, and the fresh command is published as soon as the
 * plan arrives (a late plan is re-aligned: its row for the current step is used, the elapsed rows skipped). A
 * plan still missing at its deadline is a deadline miss. A boundary that comes while the previous plan is
 * still being computed is skipped (a miss too), so requests never queue up behind a slow planner.
 * So a boundary tick can publish twice: the fallback on time, then the fresh command when the plan lands.
 * Lockstep mode: every valid state message is one step, answered by exactly one command; a step at a token
 * boundary waits (asynchronously) for its plan. States that arrive meanwhile queue in order.
 *
 * Episodes: the agent restarts (re-encodes the state, full episode length for the flexible horizon) at the
 * first state, at the state an episode_start is stamped with (toward the goal it carries), after a sensor
 * timeout, after a planner error (one token later), and when episode_steps run out (continuous operation). Each
 * step's reward is the reward message stamped like its state, or the task's reward function of the state when
 * none came. Rewards and episode starts are paired with states by stamp, never by arrival order (see "Order
 * across topics" at the subscriptions). The plan goes out as a nav_msgs/Path
 * with one pose per planned step (H·F poses: predicted positions, stamped one control period apart).
 *
 * Safety (issue 5 item 4): no valid state within sensor_timeout → zero commands every period, WARN, and the
 * agent restarts from the next valid state; NaN/inf/wrong-size/wrong-frame/out-of-order messages are dropped,
 * counted per topic and reason, and never reach the planner; a planner error → fallback command, ERROR
 * diagnostic, retry (agent reset) one token later; close → timers stop, then one zero command, then nothing.
 */
import { ConfigError } from '../errors.js';
import { declareParams, type ParamValue } from '../params/index.js';
import {
  type ActionLaw,
  actionLaw,
  lawAction,
  type PlannerConfig,
  resolvePlannerConfig,
} from '../planner/index.js';
import type { DiagnosticArray, MsgInput, TimerHandle, Transport } from '../transport/index.js';
import {
  copyCounters,
  type DiagnosticLevel,
  diagnosticsMessage,
  emptyCounters,
  type NodeCounters,
} from './diagnostics.js';
import { allFinite, type Rejection } from './input-checks.js';
import { SilentTopicWatch } from './input-watch.js';
import { LatencyWindow } from './latency-window.js';
import { COMMON_NODE_PARAMS, type CommonNodeParams, plannerChanges, plannerConfigOf } from './node-params.js';
import type { NodeTask } from './node-task.js';
import { PlanLead, type PlanTiming, planRequest } from './plan-timing.js';
import { createPlannerHost, type HostInfo, type HostPlan, type PlannerHost } from './planner-host.js';
import type { HostWarmup } from './planner-protocol.js';
import type {
  CommonRobotParams,
  GoalSample,
  RobotInputs,
  RobotLink,
  StateSample,
} from './robot-interface.js';
import { STAMP_RESTART_NS, stampOrder } from './stamp-order.js';

export interface PlannerNodeOptions {
  readonly transport: Transport;
  /**
   * Resolves the `task` parameter ('' = the model's own task, which the resolver may read from `modelDir`) to
   * the robot task (the CLI builds it from sim/).
   */
  readonly resolveTask: (taskId: string, modelDir: string) => NodeTask;
}

/** Where a command came from. */
export type CommandSource = 'plan' | 'hold' | 'zero';

interface Sample extends StateSample {
  readonly recvNs: bigint;
}

/** An episode start not applied yet: the stamp of its first state (null = the next state taken) and its goal. */
interface PendingStart {
  readonly stampNs: bigint | null;
  readonly goal: GoalSample | null;
}

interface Episode {
  /** Step of the reset (the first step of the plan grid). */
  readonly start: number;
  /** Step of the current token boundary. */
  boundary: number;
  /** Step the last requested (or skipped) plan was for. */
  lastTarget: number;
  /** Steps observed since the reset. */
  stepsDone: number;
  readonly length: number;
}

interface StoredPlan {
  /** Step of its row 0 (the token boundary it was planned from), its target step, its episode's start. */
  readonly boundary: number;
  readonly target: number;
  readonly start: number;
  readonly actions: Float32Array;
  /** Planned raw steps (states the plan expects), for the planner's action law. */
  readonly steps: Float32Array;
  readonly rows: number;
}

interface InFlight {
  readonly boundary: number;
  readonly target: number;
  readonly start: number;
  /** `#generation` when requested: a reply from before a discontinuity (timeout, new episode) is not used. */
  readonly generation: number;
  readonly sentWallMs: number;
  readonly deadlineNs: bigint;
  missed: boolean;
}

type QueueItem = { readonly kind: 'state'; readonly sample: Sample } | { readonly kind: 'episode' };

const NS_PER_S = 1_000_000_000;

/** Topics every node uses whatever the robot: control-loop health and the episode start. */
const DIAGNOSTICS = {
  type: 'diagnostic_msgs/msg/DiagnosticArray',
  topic: '/diagnostics',
  qos: 'default',
} as const;
/**
 * Lockstep: how long (steady time) a state waits for its reward or episode start before it is taken without
 * them. Both are published before the state's odom and arrive within a millisecond or so; the wait only runs
 * out when a best-effort reward was lost. Short next to the sim's 1 s re-send of an unanswered state. In real
 * time the wait is half a control period at most, and ends when the next state arrives.
 */
export const INPUT_SYNC_WAIT_NS = 100_000_000n;
/** Rewards kept for states not taken yet (a late or unmatched reward is dropped once newer states are taken). */
const MAX_PENDING_REWARDS = 256;

/** Declares the parameters, starts the planner host, subscribes and starts the timers. */
export async function startPlannerNode(options: PlannerNodeOptions): Promise<PlannerNode> {
  const t = options.transport;
  const params = declareParams(t, COMMON_NODE_PARAMS);
  if (params.model === '') {
    throw new ConfigError(
      'no model: set the model parameter (-p model:=models/maze2d-umaze or --model)',
      'model',
    );
  }
  const task = options.resolveTask(params.task, params.model);
  // The robot's own section (topics, frames, joints) follows the common one, as in `nodeParamTable`.
  const robotParams = declareParams(t, task.robot.params);
  checkCommonRobotParams(robotParams, task.robot.name);
  let warmup: HostWarmup | null = null;
  const host = await createPlannerHost({
    thread: params.plannerThread as 'worker' | 'inline',
    modelDir: params.model,
    backend: params.backend === '' ? null : params.backend,
    config: plannerConfigOf(params),
    actionLow: task.actionLow,
    actionHigh: task.actionHigh,
  });
  try {
    if (params.warmup) {
      // Before any subscription or timer: the first real plan must not pay the thread's one-off costs. A
      // failed warm-up (a model that cannot plan) is only a warning: the node reports its plans' errors.
      try {
        warmup = await host.call<HostWarmup>({
          op: 'warmup',
          goal: task.defaultGoal ? Float32Array.from(task.defaultGoal) : null,
          episodeSteps: params.episodeSteps > 0 ? params.episodeSteps : task.episodeSteps,
        });
      } catch (err) {
        t.log('warn', `warm-up plan failed (${(err as Error).message}); starting without it`);
      }
    }
    return new PlannerNode(t, params, robotParams as RobotParams, task, host, warmup);
  } catch (err) {
    await host.dispose();
    throw err;
  }
}

export class PlannerNode {
  readonly #t: Transport;
  readonly #task: NodeTask;
  readonly #host: PlannerHost;
  readonly #info: HostInfo;
  readonly #lockstep: boolean;
  /** Real time: a step per state message ('state') or per control period ('timer'). */
  readonly #trigger: 'state' | 'timer';
  readonly #periodNs: bigint;
  readonly #F: number;
  /** How long a plan may take before it counts as a deadline miss (default: one token period). */
  readonly #planDeadlineNs: bigint;
  readonly #A: number;
  /** The robot's publishers and subscriptions (robot-interface.ts). */
  readonly #robot: RobotLink;
  readonly #publishDiagnostics: (msg: MsgInput<DiagnosticArray>) => void;
  readonly #timers: TimerHandle[] = [];
  readonly #subscriptions: { unsubscribe(): void }[] = [];
  readonly #fixedValues: Record<string, string | number | boolean>;

  // Dynamic settings.
  #sensorTimeoutNs: bigint;
  #onOverrun: 'hold' | 'zero';
  #planTiming: PlanTiming;
  /** Lead of 'ahead' plans, from the plan latencies (and the warm-up's). */
  readonly #lead: PlanLead;
  /** plan_deadline was given (else: one token after its step in 'hold', at its step in 'ahead'). */
  readonly #planDeadlineSet: boolean;
  #episodeSteps: number;
  #publishPlanOn: boolean;
  /** Artificial planning latency passed with every plan request (plan_delay_ms). */
  #planDelayMs: number;
  #plannerConfig: PlannerConfig;
  /** The planner's action law (diffused / feedback / track), applied here to the state each command is for. */
  #actionLaw: ActionLaw;
  /** The state the current step acts on (the sample `#advance` took). */
  #stepObservation: Float32Array | null = null;

  // Inputs.
  #latest: Sample | null = null;
  #lastOdomStamp: bigint | null = null;
  #lastGoalStamp: bigint | null = null;
  /** Rewards by the stamp of the state they belong to, until that state is taken. */
  readonly #rewards = new Map<bigint, number>();
  /** Episode starts waiting for their state, oldest first. */
  #starts: PendingStart[] = [];
  /**
   * Whether the robot sends rewards (one was heard): only then does a lockstep state wait, for its reward or,
   * at an episode's first state (which has no reward), its episode start.
   */
  #rewardsHeard = false;
  /** Stamp of the newest state taken into a step, and of the state the current agent run started at. */
  #takenStamp: bigint | null = null;
  #runStartStamp: bigint | null = null;
  /** The state at the head of the queue waiting for its reward or episode start, and its timer. */
  #syncWait: { readonly sample: Sample; readonly timer: TimerHandle } | null = null;
  #unpairedLogged = false;
  /** Queued states whose wait ran out (or, in real time, that a newer state overtook), taken without companions. */
  readonly #released = new Set<Sample>();
  #goal: Float32Array | null;
  #resetRequested = false;
  /** Needed topics that have delivered nothing yet (odom; goal_pose when the task has no default goal). */
  readonly #inputWatch: SilentTopicWatch;
  /** Resolved topic name per input role that the watch follows. */
  readonly #watched: Readonly<Record<string, string>>;
  /** Node time of the last stamp-restart log line (rate limit). */
  #restartLoggedNs: bigint | null = null;

  // Control state.
  #nextStep = 0;
  #episode: Episode | null = null;
  #retryAtStep = 0;
  #plan: StoredPlan | null = null;
  #generation = 0;
  #inFlight: InFlight | null = null;
  #lastCommand: Float32Array;
  #lastSource: CommandSource = 'zero';
  /** Step whose command was published last by a step (not by the watchdog), −1 before the first. */
  #publishedStep = -1;
  #timedOut = false;
  /** Managed node while not active: no steps, no commands (the lifecycle publishers would drop them anyway). */
  #paused = false;
  #parked: Sample | null = null;
  #queue: QueueItem[] = [];
  #awaiting: { step: number; wallMs: number } | null = null;
  #closed = false;

  // Reporting.
  readonly counters: NodeCounters = emptyCounters();
  #reported: NodeCounters = emptyCounters();
  #lastLevel: DiagnosticLevel | -1 = -1;
  #lastError: string | null = null;
  readonly tickLatency = new LatencyWindow(1000);
  readonly planLatency = new LatencyWindow(200);

  constructor(
    t: Transport,
    params: CommonNodeParams,
    robotParams: RobotParams,
    task: NodeTask,
    host: PlannerHost,
    warmup: HostWarmup | null = null,
  ) {
    this.#t = t;
    this.#task = task;
    this.#host = host;
    this.#info = host.info;
    const info = host.info;
    task.robot.checkLayout(info, task);
    this.#F = info.frameStack;
    this.#A = info.actionSize;
    this.#lockstep = params.lockstep;
    this.#trigger = params.controlTrigger as 'state' | 'timer';
    const rateHz = params.controlRateHz > 0 ? params.controlRateHz : task.stepRateHz;
    this.#periodNs = BigInt(Math.round(NS_PER_S / rateHz));
    this.#planDeadlineNs =
      params.planDeadlineS > 0
        ? BigInt(Math.round(params.planDeadlineS * NS_PER_S))
        : this.#periodNs * BigInt(this.#F);
    this.#sensorTimeoutNs = BigInt(Math.round(params.sensorTimeoutS * NS_PER_S));
    this.#onOverrun = params.onOverrun as 'hold' | 'zero';
    this.#planTiming = params.planTiming as PlanTiming;
    this.#planDeadlineSet = params.planDeadlineS > 0;
    this.#lead = new PlanLead(Number(this.#periodNs) / 1e6, this.#F);
    if (warmup) this.#lead.record(warmup.warmMs);
    this.#episodeSteps = params.episodeSteps;
    this.#publishPlanOn = robotParams.publishPlan;
    this.#planDelayMs = params.planDelayMs;
    this.#plannerConfig = info.config;
    this.#actionLaw = actionLaw(info.config, info.layout, task.actionLow, task.actionHigh);
    this.#goal = task.defaultGoal ? Float32Array.from(task.defaultGoal) : null;
    this.#lastCommand = new Float32Array(this.#A);
    this.#fixedValues = {
      mode: this.#lockstep ? 'lockstep' : 'real-time',
      'control rate hz': rateHz,
      'planner thread': host.thread,
      backend: info.backend,
      model: params.model === '' ? '(in memory)' : params.model,
      'model parameters': info.modelParameters,
      task: task.id,
      'frame stack F': this.#F,
      'warm-up plans ms': warmup
        ? `${warmup.coldMs.toFixed(1)} cold, ${warmup.warmMs.toFixed(1)} warm`
        : 'off',
    };

    this.#publishDiagnostics = t.advertise(DIAGNOSTICS.type, DIAGNOSTICS.topic, DIAGNOSTICS.qos);

    // Order across topics (docs/ros2.md §4): rclnodejs takes one message from each ready subscription per
    // round, in the order they were created (lib/node.js:233-307 of rclnodejs 2.2.0), and DDS keeps no order
    // across topics, so the interface's subscription order decides nothing. Rewards and episode starts carry the
    // stamp of the state they belong to and are paired with it by stamp (#takeInputs). Once rewards flow, a
    // state also waits (#ready) until its reward or episode start is in: in lockstep at most INPUT_SYNC_WAIT_NS,
    // in real time (control_trigger: state) half a control period at most or until the next state; so the
    // results do not depend on which arrived first. With control_trigger: timer each tick pairs the newest state
    // with what has arrived for it by then. A goal applies when it arrives; an episode's goal travels in its
    // episode start, so it cannot lose a race against the episode's first state.
    const inputs: RobotInputs = {
      heard: (role) => this.#guard(() => this.#count(role)),
      rejected: (role, r) => this.#guard(() => this.#reject(role, r)),
      state: (sample, recvNs) => this.#guard(() => this.#onState(sample, recvNs)),
      reward: (value, stampNs) => this.#guard(() => this.#onReward(value, stampNs)),
      goal: (sample) => this.#guard(() => this.#onGoal(sample)),
      episodeStart: (stampNs, goal) => this.#guard(() => this.#onEpisodeStart(stampNs, goal)),
    };
    this.#robot = task.robot.connect(t, {
      params: robotParams,
      task,
      info,
      inputs,
      goalNeeded: this.#goal === null,
    });
    this.#watched = this.#robot.watched;
    this.#inputWatch = new SilentTopicWatch(Object.values(this.#watched), t.nowNs());

    if (!params.managed && t.lifecycleState() === 'unconfigured') {
      // rclnodejs made a lifecycle node (decided before any parameter existed) that nothing would ever activate.
      throw new ConfigError(
        'the transport was created as a managed (lifecycle) node but the managed parameter is false; set -p managed:=true, or create the transport unmanaged',
        'managed',
      );
    }
    if (params.managed) {
      this.#paused = true;
      t.lifecycle({
        activate: () => {
          // Whatever the robot did while we were inactive, the latent and old plans do not describe it.
          this.#discontinuity();
          this.#inputWatch.restart(this.#t.nowNs());
          this.#paused = false;
          this.#t.log('info', 'activated: planning from the next state');
          const parked = this.#parked;
          this.#parked = null;
          if (parked) {
            this.#queue.push({ kind: 'state', sample: parked });
            this.#guard(() => this.#drain());
          }
          return true;
        },
        deactivate: () => {
          this.#sendCommand(null, 'zero');
          this.#paused = true;
          this.#queue = [];
          this.#released.clear();
          this.#endSyncWait();
          this.#t.log('info', 'deactivated: zero command sent, paused');
          return true;
        },
      });
    }
    t.onParamSet((changes) => this.#checkParams(changes));
    t.onParamChanged((changes) => this.#guard(() => this.#applyParams(changes)));
    t.onShutdown(() => this.#shutdown());

    if (this.#lockstep) {
      // No command timer in lockstep: commands answer states. The watchdog only reports.
      this.#timers.push(t.every(this.#periodNs * 5n, () => this.#guard(() => this.#watchdogLockstep())));
    } else {
      this.#timers.push(t.every(this.#periodNs, () => this.#guard(() => this.#controlTick())));
    }
    this.#timers.push(
      t.every(BigInt(Math.round(params.diagnosticsPeriodS * NS_PER_S)), () =>
        this.#guard(() => {
          this.#logSilentTopics();
          this.#report();
        }),
      ),
    );
    if (this.#goal) this.#host.send({ op: 'setGoal', goal: this.#goal }, this.#onHostError('setGoal'));
    t.log(
      'info',
      `planner node ${t.fqn}: task ${task.id}, ${this.#lockstep ? 'lockstep' : `real-time at ${rateHz} Hz`}, ` +
        `planner in ${host.thread} thread on ${info.backend}, F = ${this.#F}`,
    );
    t.start();
  }

  /** The planner host's model and layout. */
  get info(): HostInfo {
    return this.#info;
  }

  get plannerConfig(): PlannerConfig {
    return this.#plannerConfig;
  }

  /** Source of the last command published. */
  get lastSource(): CommandSource {
    return this.#lastSource;
  }

  /**
   * The newest plan received: its first step's global index, the step it was made for (its target) and its
   * clamped actions [H·F × actionSize].
   */
  get lastPlan(): {
    readonly boundary: number;
    readonly target: number;
    readonly actions: Float32Array;
  } | null {
    return this.#plan;
  }

  /** Global index of the next step (steps taken so far). */
  get stepIndex(): number {
    return this.#nextStep;
  }

  get host(): PlannerHost {
    return this.#host;
  }

  /** Publishes the zero command (through the transport's shutdown hooks), closes the transport, frees the planner. */
  async close(): Promise<void> {
    await this.#t.close();
    this.#shutdown();
    await this.#host.dispose();
  }

  // ---- inputs -------------------------------------------------------------------------------------------

  /** Callbacks never throw into the transport: a bug in one message must not stop the node. */
  #guard(body: () => void): void {
    if (this.#closed) return;
    try {
      body();
    } catch (err) {
      this.#lastError = `internal: ${(err as Error).message}`;
      this.counters.planErrors += 1;
      this.#t.log('error', `planner node: ${(err as Error).stack ?? err}`);
    }
  }

  #count(topic: string): void {
    this.counters.received[topic] = (this.counters.received[topic] ?? 0) + 1;
    const name = this.#watched[topic];
    if (name !== undefined) this.#inputWatch.heard(name);
  }

  /** One WARN line per needed topic that stays silent (a wrong topic name, a publisher that never started). */
  #logSilentTopics(): void {
    for (const { topic, forNs } of this.#inputWatch.newlySilent(this.#t.nowNs())) {
      this.#t.log(
        'warn',
        `no message on ${topic} for ${Number(forNs) / NS_PER_S} s since the start: check the topic name ` +
          '(remaps, *_topic parameters) and that its publisher runs; sending nothing until a state arrives',
      );
    }
  }

  #reject(topic: string, r: Rejection): void {
    const key = `${topic}.${r.rejected}`;
    const first = !(key in this.counters.rejected);
    this.counters.rejected[key] = (this.counters.rejected[key] ?? 0) + 1;
    // One log line per topic and reason (then counts in diagnostics), so a bad publisher cannot flood the log.
    if (first && r.rejected !== 'duplicate')
      this.#t.log('warn', `dropped a ${topic} message (${r.rejected}): ${r.detail}`);
  }

  /** A state the robot interface read and checked: judged by its stamp, then stepped on (or queued). */
  #onState(s: StateSample, recvNs: bigint): void {
    const order = stampOrder(this.#lastOdomStamp, s.stampNs);
    if (order === 'same' || order === 'older') {
      // An equal stamp is a copy of the last state (the sim re-sends an episode's first state until it hears a
      // command): answering it would put a lockstep pair out of step. Slightly older stamps are out of order.
      this.#reject(
        'odom',
        order === 'same'
          ? { rejected: 'duplicate', detail: `stamp ${s.stampNs} ns was already answered` }
          : {
              rejected: 'out_of_order',
              detail: `stamp ${s.stampNs} ns is not after the last accepted ${this.#lastOdomStamp} ns`,
            },
      );
      return;
    }
    if (order === 'restart') this.#stampRestart('odom', this.#lastOdomStamp!, s.stampNs);
    this.#lastOdomStamp = s.stampNs;
    const sample: Sample = { ...s, recvNs };
    const first = this.#latest === null;
    this.#latest = sample;
    if (this.#lockstep) {
      // While inactive, keep the newest state: a lockstep sim waits for its answer until we are activated.
      if (this.#paused) this.#parked = sample;
      else {
        // A restarted clock is a new run: the agent restarts at this state, in queue order.
        if (order === 'restart') this.#queue.push({ kind: 'episode' });
        this.#queue.push({ kind: 'state', sample });
        this.#drain();
      }
    } else {
      if (this.#trigger === 'state' && !this.#paused) {
        // A newer state came while an older one waits for its reward: that reward is not coming in time.
        for (const item of this.#queue) if (item.kind === 'state') this.#released.add(item.sample);
        this.#drain();
      }
      if (order === 'restart') this.#resetRequested = true;
      // Phase-locked to the sensor: this state is the step, answered as soon as its reward or episode start is
      // in (at once, in the usual case), not at the next timer tick.
      if (this.#trigger === 'state' && !this.#paused) {
        this.#queue.push({ kind: 'state', sample });
        this.#drain();
      }
    }

    if (first) this.#report();
  }

  /**
   * A stamp jumped back beyond the threshold: a restarted clock (sim restart, bag loop), not a late message.
   * Logged and reported at most once per second of node time, so a publisher with garbage stamps cannot flood.
   */
  #stampRestart(topic: string, lastNs: bigint, stampNs: bigint): void {
    this.counters.stampRestarts += 1;
    const now = this.#t.nowNs();
    if (this.#restartLoggedNs !== null && now - this.#restartLoggedNs < BigInt(NS_PER_S)) return;
    this.#restartLoggedNs = now;
    this.#t.log(
      'warn',
      `${topic} stamps jumped back ${Number(lastNs - stampNs) / NS_PER_S} s (more than ` +
        `${Number(STAMP_RESTART_NS) / NS_PER_S} s): taking it as a restarted clock` +
        (topic === 'odom' ? ' and restarting the planner from this state' : '') +
        ` (${this.counters.stampRestarts} so far)`,
    );
    this.#report();
  }

  #onReward(value: number, stampNs: bigint): void {
    this.#rewards.set(stampNs, value);
    if (this.#rewards.size > MAX_PENDING_REWARDS) {
      this.#rewards.delete(this.#rewards.keys().next().value as bigint);
    }
    this.#rewardsHeard = true;
    this.#companionArrived();
  }

  /** A reward or episode start came: the state waiting at the head of the queue may be complete. */
  #companionArrived(): void {
    if (!this.#paused) this.#drain();
  }

  #onGoal(g: GoalSample): void {
    const order = stampOrder(this.#lastGoalStamp, g.stampNs);
    if (order === 'older') {
      this.#reject('goal', {
        rejected: 'out_of_order',
        detail: `stamp ${g.stampNs} ns is older than the current goal's ${this.#lastGoalStamp} ns`,
      });
      return;
    }
    if (order === 'restart') this.#stampRestart('goal_pose', this.#lastGoalStamp!, g.stampNs);
    this.#setGoal(g);
  }

  #setGoal(g: GoalSample): void {
    this.#lastGoalStamp = g.stampNs;
    const goal = Float32Array.from(g.goal);
    // The same goal again (the sim's goal_pose and episode_start both carry it) changes nothing.
    if (
      this.#goal !== null &&
      goal.length === this.#goal.length &&
      goal.every((v, i) => v === this.#goal![i])
    )
      return;
    this.#goal = goal;
    this.counters.goals += 1;
    this.#host.send({ op: 'setGoal', goal: this.#goal.slice() }, this.#onHostError('setGoal'));
    this.#t.log('info', `new goal (${Array.from(g.goal, (v) => v.toFixed(3)).join(', ')})`);
  }

  /** An episode start the robot interface read: paired with the state it is stamped with (#takeInputs). */
  #onEpisodeStart(stampNs: bigint, goal: GoalSample | null): void {
    const start = { stampNs, goal };
    // A new episode may come from a restarted sim whose clock begins again near 0: its stamps start afresh. One
    // stamped like the newest accepted state is that state's own episode start, come after it: the stamp check
    // stays, so the sim's re-send of that state is still a duplicate.
    if (this.#lastOdomStamp !== null && start.stampNs < this.#lastOdomStamp) this.#lastOdomStamp = null;
    this.#lastGoalStamp = null;
    const taken = this.#takenStamp;
    if (taken !== null && start.stampNs <= taken) {
      if (start.stampNs === taken && taken === this.#runStartStamp && this.#episode !== null) {
        // It belongs to the newest state, where the agent (re)started anyway (a run's first state is taken before
        // the node knows that episode starts exist): only its goal is left to apply.
        if (goal) this.#setGoal(goal);
        return;
      }
      // Stamped at or before a state already taken: a restarted clock, or it came after its state (its wait ran
      // out): the next state taken starts the episode.
      this.#starts.push({ stampNs: null, goal });
    } else {
      this.#starts.push(start);
    }
    this.#companionArrived();
  }

  /**
   * Pairs a state with what was published for it (maze-interface.ts): its reward (same stamp) and the episode
   * starts stamped at or before it, whatever order they arrived in. Runs when the state is taken into a step.
   */
  #takeInputs(sample: Sample): void {
    const stamp = sample.stampNs;
    this.#takenStamp = stamp;
    for (const key of this.#rewards.keys()) if (key < stamp) this.#rewards.delete(key);
    const due = this.#starts.filter((e) => e.stampNs === null || e.stampNs <= stamp);
    if (due.length === 0) return;
    this.#starts = this.#starts.filter((e) => !due.includes(e));
    const goal = due.at(-1)!.goal;
    if (goal) this.#setGoal(goal);
    this.#resetRequested = true;
  }

  /** Whether a queued state may be taken now (its companion is in, or none is expected, or its wait ran out). */
  #ready(sample: Sample): boolean {
    if (!this.#rewardsHeard || this.#released.has(sample)) return true;
    const stamp = sample.stampNs;
    return this.#rewards.has(stamp) || this.#starts.some((e) => e.stampNs === null || e.stampNs <= stamp);
  }

  /**
   * Starts the bounded wait of the state at the head of the queue (once per state). When it runs out, every
   * state queued by then is taken without waiting again (the robot's companions stopped coming; a lockstep sim
   * has only one state in flight anyway). Logged the first time only: a lossy reward topic would flood.
   */
  #waitForCompanion(sample: Sample): void {
    if (this.#syncWait?.sample === sample) return;
    this.#syncWait?.timer.cancel();
    const waitNs = this.#lockstep ? INPUT_SYNC_WAIT_NS : this.#periodNs / 2n;
    const timer = this.#t.every(
      waitNs,
      () =>
        this.#guard(() => {
          if (this.#syncWait?.sample !== sample) return;
          this.#endSyncWait();
          for (const item of this.#queue) if (item.kind === 'state') this.#released.add(item.sample);
          if (!this.#unpairedLogged) {
            this.#unpairedLogged = true;
            this.#t.log(
              'warn',
              `state ${sample.stampNs} ns taken without its reward or episode start after ` +
                `${Number(waitNs) / 1e6} ms (lost on the way?); its reward comes from the task (logged once)`,
            );
          }
          this.#drain();
        }),
      'steady',
    );
    this.#syncWait = { sample, timer };
  }

  #endSyncWait(): void {
    this.#syncWait?.timer.cancel();
    this.#syncWait = null;
  }

  // ---- stepping -----------------------------------------------------------------------------------------

  /**
   * One step: records the outcome of the previous command (or restarts the agent), requests a plan at a token
   * boundary, and advances s. Returns the index of the step whose command is to be published.
   */
  #advance(sample: Sample): number {
    const s = this.#nextStep;
    this.#stepObservation = Float32Array.from(sample.observation);
    this.#nextStep += 1;
    this.counters.steps += 1;
    this.#takeInputs(sample);
    if (sample.noisy === true) this.counters.noisyStates += 1;
    if (this.#resetRequested) {
      // A new episode (the sim reset): the old latent and plan belong to another run.
      this.#resetRequested = false;
      this.#discontinuity();
    }
    const ep = this.#episode;
    if (ep) {
      this.#host.send(
        {
          op: 'observe',
          observation: Float32Array.from(sample.observation),
          reward: this.#rewardFor(sample),
          action: this.#lastCommand.slice(),
          ...(sample.noisy === true ? { noisy: true } : {}),
        },
        this.#onHostError('observe'),
      );
      ep.stepsDone += 1;
      if (ep.stepsDone >= ep.length) {
        this.#episode = null;
      } else {
        if (s - ep.boundary >= this.#F) ep.boundary = s;
        this.#schedulePlan(s, ep);
      }
    }
    if (!this.#episode && s >= this.#retryAtStep) {
      const length = this.#episodeSteps > 0 ? this.#episodeSteps : this.#task.episodeSteps;
      this.#host.send(
        {
          op: 'reset',
          observation: Float32Array.from(sample.observation),
          goal: this.#goal ? this.#goal.slice() : null,
          stepsRemaining: length,
          episodeSteps: length,
        },
        this.#onHostError('reset'),
      );
      this.#episode = { start: s, boundary: s, lastTarget: s, stepsDone: 0, length };
      this.#runStartStamp = sample.stampNs;
      this.counters.resets += 1;
      if (this.#inFlight === null) this.#requestPlan(s, s, s);
      else this.counters.deadlineMisses += 1;
    }
    return s;
  }

  /** The robot's state jumped (timeout, new episode, re-activation): restart the agent, forget old plans. */
  #discontinuity(): void {
    this.#episode = null;
    this.#plan = null;
    this.#generation += 1;
  }

  #rewardFor(sample: Sample): number {
    return this.#rewards.get(sample.stampNs) ?? this.#task.reward(sample.observation, this.#goal);
  }

  /** Asks for the plan of grid step `ep.lastTarget + …` when plan-timing.ts says so (or skips a passed one). */
  #schedulePlan(s: number, ep: Episode): void {
    const period = this.#plannerConfig.replanPeriod > 0 ? this.#plannerConfig.replanPeriod : this.#F;
    const decision = planRequest({
      timing: this.#lockstep ? 'hold' : this.#planTiming,
      step: s,
      start: ep.start,
      period,
      lastTarget: ep.lastTarget,
      busy: this.#inFlight !== null,
      lead: this.#lead.steps,
    });
    if (decision.kind === 'wait') return;
    ep.lastTarget = decision.target;
    if (decision.kind === 'request') {
      this.#requestPlan(ep.boundary, decision.target, s);
      return;
    }
    // The planner is still busy with an older step: skip this one rather than queue requests.
    this.counters.deadlineMisses += 1;
    if (this.#inFlight) this.#inFlight.missed = true;
  }

  /**
   * The plan rows the node sends at steps s … target − 1 while the plan for `target` is computed (the diffused
   * actions, before the action law's feedback; zero where the node would send zero). Null when none.
   */
  #committedActions(s: number, target: number): Float32Array | null {
    if (target <= s || this.#plan === null) return null;
    const p = this.#plan;
    const out = new Float32Array((target - s) * this.#A);
    for (let k = s; k < target; k++) {
      const row = k - p.boundary;
      if (row < 0 || row >= p.rows || this.#sourceFor(p, k) === 'zero') continue;
      out.set(p.actions.subarray(row * this.#A, (row + 1) * this.#A), (k - s) * this.#A);
    }
    return out;
  }

  #requestPlan(boundary: number, target: number, s: number): void {
    const ahead = target - s;
    // A plan asked for ahead must be in place at its step; one for the current step (hold, or the first of an
    // episode, which nothing precedes) has plan_deadline, one token by default.
    const grace = ahead === 0 || this.#planDeadlineSet ? this.#planDeadlineNs : 0n;
    const flight: InFlight = {
      boundary,
      target,
      start: this.#episode?.start ?? s,
      generation: this.#generation,
      sentWallMs: performance.now(),
      deadlineNs: this.#t.nowNs() + BigInt(ahead) * this.#periodNs + grace,
      missed: false,
    };
    this.#inFlight = flight;
    const committed = this.#committedActions(s, target);
    const request = {
      op: 'plan' as const,
      ...(this.#planDelayMs > 0 ? { delayMs: this.#planDelayMs } : {}),
      ...(committed ? { committed } : {}),
    };
    this.#host.send(request, (error, value) => {
      if (this.#inFlight === flight) this.#inFlight = null;
      if (this.#closed) return;
      const ms = performance.now() - flight.sentWallMs;
      this.planLatency.record(ms);
      if (!error) this.#lead.record(ms);
      this.#guard(() => (error ? this.#onPlanError(flight, error) : this.#onPlan(flight, value as HostPlan)));
    });
  }

  #onPlan(flight: InFlight, plan: HostPlan): void {
    this.counters.plans += 1;
    if (plan.warm) this.counters.warmPlans += 1;
    if (flight.generation !== this.#generation) {
      // Made for a state the robot has left (timeout, new episode): neither executed nor shown.
      this.#afterPlanReply();
      return;
    }
    if (!this.#lockstep && !flight.missed && this.#t.nowNs() > flight.deadlineNs) {
      flight.missed = true;
      this.counters.deadlineMisses += 1;
    }
    this.#plan = {
      boundary: flight.boundary,
      target: flight.target,
      start: flight.start,
      actions: plan.actions,
      steps: plan.steps,
      rows: plan.actions.length / this.#A,
    };
    if (this.#publishPlanOn) {
      this.#robot.publishPlan(plan, this.#t.nowNs(), this.#periodNs);
    }
    this.#afterPlanReply();
  }

  #onPlanError(flight: InFlight, error: Error): void {
    this.counters.planErrors += 1;
    this.#lastError = error.message;
    this.#t.log(
      'error',
      `${error.message} (step ${flight.boundary}); on_overrun=${this.#onOverrun}, retrying one token later`,
    );
    // The agent's state is unknown after a failure: restart it from a fresh state, one token from now.
    this.#episode = null;
    this.#retryAtStep = this.#nextStep + this.#F - 1;
    this.#afterPlanReply();
    this.#report();
  }

  #afterPlanReply(): void {
    if (this.#awaiting) {
      const { step, wallMs } = this.#awaiting;
      this.#awaiting = null;
      this.#publishStep(step, wallMs);
      this.#drain();
      return;
    }
    // Real-time: the current step's command already went out from a fallback; switch to the new plan at once
    // (a late plan is re-aligned to the current step; if it is not the current token's, it is the freshest hold).
    const s = this.#nextStep - 1;
    if (!this.#lockstep && this.#publishedStep === s && this.#lastSource !== 'plan') {
      const chosen = this.#commandFor(s);
      if (chosen.action !== null) this.#sendCommand(chosen.action, chosen.source);
    }
  }

  /**
   * Whether plan p's row for step s is fresh ('plan': p is the plan for the period s is in, or was made for a
   * later step and carries the committed commands), older ('hold' under on_overrun hold) or not to be used.
   */
  #sourceFor(p: StoredPlan, s: number): CommandSource {
    const period = this.#plannerConfig.replanPeriod > 0 ? this.#plannerConfig.replanPeriod : this.#F;
    const ep = this.#episode;
    if (ep !== null && p.start === ep.start && s < p.target + period) return 'plan';
    return this.#onOverrun === 'hold' ? 'hold' : 'zero';
  }

  #commandFor(s: number): { action: Float32Array | null; source: CommandSource } {
    const p = this.#plan;
    if (p && s >= p.boundary && s - p.boundary < p.rows) {
      const source = this.#sourceFor(p, s);
      if (source === 'zero') return { action: null, source };
      const row =
        this.#stepObservation === null
          ? p.actions.subarray((s - p.boundary) * this.#A, (s - p.boundary + 1) * this.#A)
          : lawAction(this.#actionLaw, p.actions, p.steps, s - p.boundary, this.#stepObservation);
      return { action: row, source };
    }
    return { action: null, source: 'zero' };
  }

  #publishStep(s: number, wallMs: number): void {
    const { action, source } = this.#commandFor(s);
    if (source !== 'plan') this.counters.fallbackCommands += 1;
    this.#sendCommand(action, source);
    this.#publishedStep = s;
    this.tickLatency.record(performance.now() - wallMs);
  }

  #sendCommand(action: Float32Array | null, source: CommandSource): void {
    if (this.#closed) return;
    if (action && !allFinite(action)) {
      // The last check before the wire: whatever made it (plan row, action law), a non-finite command never
      // leaves the node. Clamping cannot fix it (Math.min/max pass NaN through), so it becomes the zero command.
      this.counters.nonFiniteCommands += 1;
      this.#lastError = `non-finite command [${Array.from(action).join(', ')}] (${source}) replaced by zero`;
      if (this.counters.nonFiniteCommands === 1) this.#t.log('error', this.#lastError);
      action = null;
      source = 'zero';
    }
    const now = this.#t.nowNs();
    if (action && !this.#robot.sendAction(action, now)) {
      // The robot's message for a finite action was not (the arm's joint targets): the same rule applies.
      this.counters.nonFiniteCommands += 1;
      this.#lastError = `command for action [${Array.from(action).join(', ')}] (${source}) is non-finite; the safe command went out instead`;
      if (this.counters.nonFiniteCommands === 1) this.#t.log('error', this.#lastError);
      action = null;
      source = 'zero';
    }
    this.#lastSource = source;
    if (action) {
      this.#lastCommand.set(action);
    } else {
      // The safe command (zero force; an arm holds its measured joints). Nothing to send yet = nothing published.
      const held = this.#robot.sendSafe(now);
      if (held === null) return;
      this.#lastCommand.set(held);
      this.counters.zeroCommands += 1;
    }
    this.counters.commands += 1;
  }

  /**
   * Real-time timer, every control period: plan deadlines and sensor timeouts; with `control_trigger: timer`
   * also one step on the newest state.
   */
  #controlTick(): void {
    if (this.#paused) return;
    const wallMs = performance.now();
    const now = this.#t.nowNs();
    const flight = this.#inFlight;
    if (flight && !flight.missed && now >= flight.deadlineNs) {
      flight.missed = true;
      this.counters.deadlineMisses += 1;
    }
    const latest = this.#latest;
    if (latest === null) {
      this.#sendCommand(null, 'zero');
      return;
    }
    if (now - latest.recvNs > this.#sensorTimeoutNs) {
      if (!this.#timedOut) {
        this.#timedOut = true;
        this.counters.sensorTimeouts += 1;
        // The robot stood still meanwhile: neither the latent nor the old plan describe it any more.
        this.#discontinuity();
        this.#t.log(
          'warn',
          `no valid state for ${Number(now - latest.recvNs) / 1e6} ms (sensor_timeout): zero commands`,
        );
        this.#report();
      }
      this.#sendCommand(null, 'zero');
      return;
    }
    if (this.#trigger === 'timer') this.#realTimeStep(latest, wallMs);
  }

  /** Real time: one step on `sample`, its command published now. */
  #realTimeStep(sample: Sample, wallMs: number): void {
    if (this.#timedOut) {
      this.#timedOut = false;
      this.#t.log('info', 'state messages are back: restarting the planner from the newest state');
    }
    this.#publishStep(this.#advance(sample), wallMs);
  }

  /**
   * States in arrival order, one command each, each once its reward or episode start is in (#ready). Lockstep: a
   * step waiting for its plan holds the queue. Real time (control_trigger: state): never waits for a plan.
   */
  #drain(): void {
    while (this.#awaiting === null && this.#queue.length > 0 && !this.#closed) {
      const head = this.#queue[0]!;
      if (head.kind === 'state' && !this.#ready(head.sample)) {
        this.#waitForCompanion(head.sample);
        return;
      }
      if (head.kind === 'state' && this.#syncWait?.sample === head.sample) this.#endSyncWait();
      const item = this.#queue.shift()!;
      if (item.kind === 'state') this.#released.delete(item.sample);
      if (item.kind === 'episode') {
        this.#resetRequested = true;
        continue;
      }
      const wallMs = performance.now();
      if (!this.#lockstep) {
        this.#realTimeStep(item.sample, wallMs);
        continue;
      }
      const s = this.#advance(item.sample);
      const flight = this.#inFlight;
      if (flight && this.#episode && flight.start === this.#episode.start && flight.target === s) {
        this.#awaiting = { step: s, wallMs };
        return;
      }
      this.#publishStep(s, wallMs);
    }
  }

  #watchdogLockstep(): void {
    const latest = this.#latest;
    if (latest === null) return;
    const age = this.#t.nowNs() - latest.recvNs;
    if (age > this.#sensorTimeoutNs && this.#awaiting === null) {
      if (!this.#timedOut) {
        this.#timedOut = true;
        this.counters.sensorTimeouts += 1;
        this.#t.log(
          'warn',
          `lockstep: no state for ${Number(age) / 1e6} ms (sensor_timeout); is the sim running?`,
        );
        this.#report();
      }
    } else if (this.#timedOut && age <= this.#sensorTimeoutNs) {
      this.#timedOut = false;
    }
  }

  // ---- parameters, diagnostics, shutdown ----------------------------------------------------------------

  /** Veto check: the transport already checked type, range, choices and read-only; this adds the planner's. */
  #checkParams(changes: Readonly<Record<string, ParamValue>>): string | null {
    const planner = plannerChanges(changes);
    if (Object.keys(planner).length === 0) return null;
    try {
      const next = resolvePlannerConfig(this.#plannerConfig, planner, this.#info.levels);
      actionLaw(next, this.#info.layout, this.#task.actionLow, this.#task.actionHigh);
      return null;
    } catch (err) {
      this.counters.paramRejections += 1;
      return err instanceof ConfigError ? err.message : String(err);
    }
  }

  /** An accepted change: planner settings go to the agent (applied between plans), node settings at once. */
  #applyParams(changes: Readonly<Record<string, ParamValue>>): void {
    const planner = plannerChanges(changes);
    if (Object.keys(planner).length > 0) {
      this.#plannerConfig = resolvePlannerConfig(this.#plannerConfig, planner, this.#info.levels);
      this.#actionLaw = actionLaw(
        this.#plannerConfig,
        this.#info.layout,
        this.#task.actionLow,
        this.#task.actionHigh,
      );
      this.#host.send({ op: 'updateConfig', changes: planner }, this.#onHostError('updateConfig'));
    }
    for (const [name, value] of Object.entries(changes)) {
      if (name === 'sensor_timeout') this.#sensorTimeoutNs = BigInt(Math.round((value as number) * NS_PER_S));
      else if (name === 'on_overrun') this.#onOverrun = value as 'hold' | 'zero';
      else if (name === 'plan_timing') this.#planTiming = value as PlanTiming;
      else if (name === 'episode_steps') this.#episodeSteps = value as number;
      else if (name === 'publish_plan') this.#publishPlanOn = value as boolean;
      else if (name === 'plan_delay_ms') this.#planDelayMs = value as number;
    }
    this.#robot.applyParams?.(changes);
    this.counters.paramUpdates += 1;
    this.#t.log('info', `parameters updated: ${Object.keys(changes).join(', ')}`);
  }

  #onHostError(op: string): (error: Error | null) => void {
    return (error) => {
      if (!error || this.#closed) return;
      this.#guard(() => {
        this.counters.planErrors += 1;
        this.#lastError = error.message;
        this.#t.log('error', `planner ${op}: ${error.message}`);
        if (op === 'observe' || op === 'reset') {
          this.#episode = null;
          this.#retryAtStep = this.#nextStep + this.#F - 1;
        }
        this.#report();
      });
    };
  }

  /** Publishes /diagnostics now (the timer calls this; so do state changes). */
  #report(): void {
    if (this.#closed) return;
    const now = this.#t.nowNs();
    const { msg, level } = diagnosticsMessage({
      name: this.#t.fqn,
      hardwareId: this.#task.id,
      stampNs: now,
      counters: this.counters,
      previous: this.#reported,
      stale: this.#latest === null,
      timedOut: this.#timedOut,
      sensorAgeMs: this.#latest ? Number(now - this.#latest.recvNs) / 1e6 : null,
      silentTopics: this.#inputWatch
        .silent(now)
        .map(({ topic, forNs }) => ({ topic, forMs: Number(forNs) / 1e6 })),
      lastError: this.#lastError,
      tickLatency: this.tickLatency,
      planLatency: this.planLatency,
      fixed: this.#fixedValues,
    });
    this.#reported = copyCounters(this.counters);
    this.#lastLevel = level;
    this.#publishDiagnostics(msg);
  }

  /** Level of the last /diagnostics message (−1 before the first). */
  get lastLevel(): DiagnosticLevel | -1 {
    return this.#lastLevel;
  }

  #shutdown(): void {
    if (this.#closed) return;
    for (const timer of this.#timers) timer.cancel();
    this.#endSyncWait();
    for (const sub of this.#subscriptions) sub.unsubscribe();
    this.#robot.unsubscribe();
    this.#queue = [];
    this.#awaiting = null;
    this.#sendCommand(null, 'zero');
    this.#closed = true;
  }
}

type RobotParams = CommonRobotParams &
  Readonly<Record<string, string | number | boolean | number[] | string[]>>;

/** Every robot interface's section declares the parameters the node reads itself (robot-params.ts). */
function checkCommonRobotParams(values: Readonly<Record<string, unknown>>, robot: string): void {
  const missing = ['episodeTopic', 'planTopic', 'publishPlan'].filter((k) => !(k in values));
  if (missing.length > 0) {
    throw new ConfigError(
      `the ${robot} robot interface's parameter table lacks ${missing.join(', ')} (include EPISODE_TOPIC_PARAM and PLAN_PARAMS of src/node/robot-params.ts)`,
      'task',
    );
  }
}
