/**
 * The MuJoCo fruit-swap arm as a ROS node: owns an ArmSwapEnv, publishes what the arm's drivers would (joint
 * states, each fruit's pose reading, sim time, the episode start) and applies the joint position targets a
 * forward command controller receives. Topics, types, QoS and joint names: the arm contract
 * (src/node/arm-topics.ts), which the planner's arm interface shares. Stepping (lockstep or real time), deadline
 * misses, the start-up re-send and command counting: the shared sim node core (sim-node-core.ts).
 *
 * What goes out is the env's observation (read-out noise included, sim/arm/sensor-noise.ts), nothing truer:
 * - joint_states: the `joints` in the controller's order; positions and velocities of the four arm joints from
 *   the observation; each finger slide at half the observed gripper opening (the observation has only their
 *   sum), its velocity the change of that half over the step.
 * - apple/pose, orange/pose: the observed centre, orientation identity (not observed), covariance = the read-out
 *   variance on the position diagonal and ROTATION_UNKNOWN_VARIANCE on the rotation's. While the `occlude` fruit
 *   is hidden (`occlude_window`), its reading still goes out, with a NaN position and OCCLUDED_VARIANCE.
 * Per step: /clock, the fruit poses, then joint_states, all stamped with the sim time after the step.
 *
 * Commands: std_msgs/Float64MultiArray, one position target per controller joint (no header: the last one
 * applies). A wrong length is `malformed`, a NaN/inf target `non_finite` (dropped and counted). An episode
 * starts holding the reset pose (HOME, fingers open) until the first command.
 *
 * The episode record: the case, success judged on the final state (docs/arm-swap.md), the step of the first
 * completed swap, where each fruit ended, and the grasp point's and fruits' paths for the picture.
 */

import { ConfigError } from '../../src/errors.js';
import {
  ARM_FRAMES,
  ARM_JOINT_NAMES,
  ARM_QOS,
  ARM_TOPICS,
  ARM_TYPES,
  OCCLUDED_VARIANCE,
  ROTATION_UNKNOWN_VARIANCE,
} from '../../src/node/arm-topics.js';
import type {
  Float64MultiArray,
  Header,
  JointState,
  MsgInput,
  PoseWithCovarianceStamped,
  Time,
  Transport,
} from '../../src/transport/index.js';
import type { ArmInfo, ArmSwapEnv } from '../arm/arm-env.js';
import { ARM_JOINTS, FINGER_OPEN, FRUITS, type FruitName, HOME, type SlotName } from '../arm/geometry.js';
import { armIk } from '../arm/kinematics.js';
import { DEFAULT_SENSOR_NOISE } from '../arm/sensor-noise.js';
import { type SwapCase, slotOf } from '../arm/success.js';
import { type ArmSimConfig, defaultArmSimConfig, validateArmSimConfig } from './arm-sim-params.js';
import {
  type CommandRejectReason,
  droppedCommands,
  type SimEpisodeStats,
  SimNodeCore,
  type SimRobot,
} from './sim-node-core.js';

/** Slot codes of the record's `slots` (the order of the slots on the table, +y first). */
export const SLOT_CODES: readonly SlotName[] = ['A', 'C', 'B'];

/** The env's joint order for joint targets: the four arm joints, then the finger slides. */
const ENV_JOINTS = [...ARM_JOINTS, 'fingerL', 'fingerR'] as const;

export interface ArmStepEvent {
  readonly episode: number;
  readonly t: number;
  readonly case: SwapCase;
  /** Whether the fruits are swapped now (the final verdict is the episode's last step). */
  readonly success: boolean;
  readonly fruitSlots: Readonly<Record<FruitName, SlotName | null>>;
  readonly fresh: boolean;
  readonly deadlineMisses: number;
}

export interface ArmEpisodeRecord extends SimEpisodeStats {
  readonly task: string;
  readonly case: SwapCase;
  /** The swap is complete at the episode's end (final state; docs/arm-swap.md). */
  readonly success: boolean;
  /** First step at which the swap was complete, or null. */
  readonly firstSuccessStep: number | null;
  readonly finalSlots: Readonly<Record<FruitName, SlotName | null>>;
  /** (steps + 1) × 3 true grasp-point positions. */
  readonly graspPath: Float64Array;
  /** (steps + 1) × 2 slot codes [apple, orange] per state (A 0, C 1, B 2, −1 none: in the hand or off the slots). */
  readonly slots: Int8Array;
  /** Steps whose fruit reading was occluded. */
  readonly occludedSteps: number;
}

export interface ArmSimReport {
  readonly task: string;
  readonly config: ArmSimConfig;
  readonly episodes: readonly ArmEpisodeRecord[];
}

export interface ArmSimNodeOptions {
  readonly onStep?: (event: ArmStepEvent) => void;
  readonly onEpisode?: (record: ArmEpisodeRecord) => void;
}

const REJECT_HINTS: Readonly<Record<CommandRejectReason, string>> = {
  non_finite: 'every joint target in data must be a finite number',
  malformed: `data must hold one position target per controller joint (the 'joints' parameter, default ${ARM_JOINT_NAMES.join(', ')})`,
  wrong_frame: 'not used (the command has no header)',
  out_of_order: 'not used (the command has no header)',
};

interface ArmEpisode {
  readonly index: number;
  readonly case: SwapCase;
  readonly graspPath: Float64Array;
  readonly slots: Int8Array;
  firstSuccessStep: number | null;
  info: ArmInfo;
  occludedSteps: number;
  /** The finger halves published with the previous state, for their velocity. */
  lastFinger: number;
}

export class ArmSimNode {
  readonly config: ArmSimConfig;
  readonly env: ArmSwapEnv;
  readonly done: Promise<ArmSimReport>;

  readonly #core: SimNodeCore<Float64Array, ArmEpisodeRecord>;
  readonly #transport: Transport;
  readonly #options: ArmSimNodeOptions;
  /** Controller joint k → index into ENV_JOINTS. */
  readonly #order: readonly number[];
  readonly #publishJoints: (msg: MsgInput<JointState>) => void;
  readonly #publishPoses: ((msg: MsgInput<PoseWithCovarianceStamped>) => void)[];
  readonly #covariance: Float64Array;
  readonly #occludedCovariance: Float64Array;
  #episode: ArmEpisode | null = null;
  #observation: Float64Array = new Float64Array(15);
  #t = 0;

  constructor(
    transport: Transport,
    env: ArmSwapEnv,
    config: Partial<ArmSimConfig> = {},
    options: ArmSimNodeOptions = {},
  ) {
    this.config = Object.freeze(validateArmSimConfig({ ...defaultArmSimConfig, ...config }));
    this.env = env;
    this.#transport = transport;
    this.#options = options;
    const joints = this.config.joints;
    this.#order = joints.map((name) => ENV_JOINTS.indexOf(name as (typeof ENV_JOINTS)[number]));
    if (
      this.#order.some((i) => i < 0) ||
      new Set(this.#order).size !== ENV_JOINTS.length ||
      joints.length !== ENV_JOINTS.length
    ) {
      throw new ConfigError(
        `joints must list each of ${ENV_JOINTS.join(', ')} once, in the controller's order; got [${joints.join(', ')}]`,
        'joints',
      );
    }
    const robot: SimRobot<Float64Array, ArmEpisodeRecord> = {
      what: 'arm sim node',
      dt: env.dt,
      command: { type: ARM_TYPES.command, topic: ARM_TOPICS.command, qos: ARM_QOS.command },
      stampedCommands: false,
      episodeStart: { type: ARM_TYPES.episodeStart, topic: ARM_TOPICS.episodeStart },
      rejectHints: REJECT_HINTS,
      readCommand: (msg) => this.#readTargets(msg as Float64MultiArray),
      beginEpisode: (index, resetSeed, stamp) => this.#beginEpisode(index, resetSeed, stamp),
      publishState: (stamp) => this.#publishState(stamp),
      step: (targets, stats) => this.#step(targets, stats.t),
      afterStep: (stats) => this.#afterStep(stats.t, stats.fresh, stats.deadlineMisses),
      endEpisode: (stats) => this.#record(stats),
      afterEpisode: (record) => this.#reportEpisode(record),
    };
    this.#core = new SimNodeCore(transport, robot, this.config);
    this.#publishPoses = ARM_TOPICS.objectPoses.map((topic) =>
      transport.advertise(ARM_TYPES.objectPose, topic, ARM_QOS.objectPose),
    );
    this.#publishJoints = transport.advertise(
      ARM_TYPES.jointStates,
      ARM_TOPICS.jointStates,
      ARM_QOS.jointStates,
    );
    const variance = DEFAULT_SENSOR_NOISE.fruitPosition ** 2;
    this.#covariance = covariance(variance);
    this.#occludedCovariance = covariance(OCCLUDED_VARIANCE);
    this.done = this.#core.done.then((episodes) => this.#report(episodes));
    this.done.catch(() => {});
  }

  start(): void {
    this.#core.start();
  }

  get records(): readonly ArmEpisodeRecord[] {
    return this.#core.records;
  }

  /** The last published observation (15 values, the env's order). */
  get observation(): Float64Array {
    return this.#observation;
  }

  get simTimeNs(): bigint {
    return this.#core.simTimeNs;
  }

  get lateCommands(): number {
    return this.#core.lateCommands;
  }

  stop(): void {
    this.#core.stop();
  }

  interrupt(): ArmSimReport {
    this.#core.interrupt();
    return this.#report(this.#core.records);
  }

  #report(episodes: readonly ArmEpisodeRecord[]): ArmSimReport {
    return { task: this.env.id, config: this.config, episodes };
  }

  #readTargets(msg: Float64MultiArray): { command: Float64Array } | CommandRejectReason {
    const data = msg?.data as ArrayLike<unknown> | undefined;
    if (data === undefined || data === null || typeof data.length !== 'number') return 'malformed';
    if (data.length !== this.#order.length) return 'malformed';
    const targets = new Float64Array(ENV_JOINTS.length);
    for (let k = 0; k < data.length; k++) {
      const v = data[k];
      if (typeof v !== 'number') return 'malformed';
      if (!Number.isFinite(v)) return 'non_finite';
      targets[this.#order[k]!] = v;
    }
    return { command: targets };
  }

  #beginEpisode(
    index: number,
    resetSeed: number,
    stamp: Time,
  ): { initialCommand: Float64Array; limit: number; episodeStart: MsgInput<Header> } {
    const reset = this.env.reset(resetSeed, this.config.case !== '' ? { case: this.config.case } : {});
    const info = reset.info as ArmInfo;
    const limit = this.env.episodeLength;
    const steps = this.config.maxSteps > 0 ? Math.min(this.config.maxSteps, limit) : limit;
    this.#observation = reset.observation;
    this.#t = 0;
    this.#episode = {
      index,
      case: info.case,
      graspPath: new Float64Array((steps + 1) * 3),
      slots: new Int8Array((steps + 1) * 2),
      firstSuccessStep: null,
      info,
      occludedSteps: 0,
      lastFinger: reset.observation[8]! / 2,
    };
    this.#trace(0);
    // Until the first command the arm holds its reset pose: HOME with the fingers open (what reset set).
    const hold = new Float64Array(ENV_JOINTS.length);
    hold.set(armIk(HOME), 0);
    hold[4] = hold[5] = FINGER_OPEN;
    // The episode start carries the stamp of the episode's first state (the planner pairs them by stamp).
    return { initialCommand: hold, limit, episodeStart: { stamp, frame_id: ARM_FRAMES.fixed } };
  }

  #trace(t: number): void {
    const ep = this.#episode!;
    const truth = this.env.truth();
    ep.graspPath.set(truth.grasp, 3 * t);
    for (const [k, f] of FRUITS.entries()) {
      const slot = slotOf(truth.fruits[f]);
      ep.slots[2 * t + k] = slot === null ? -1 : SLOT_CODES.indexOf(slot);
    }
  }

  #step(targets: Float64Array, t: number): boolean {
    const ep = this.#episode!;
    const result = this.env.stepJoints(targets);
    this.#observation = result.observation;
    this.#t = t;
    ep.info = result.info as ArmInfo;
    if (ep.info.success && ep.firstSuccessStep === null) ep.firstSuccessStep = t;
    if (t < ep.graspPath.length / 3) this.#trace(t);
    if (this.#occluded()) ep.occludedSteps++;
    return result.truncated || result.terminated;
  }

  #afterStep(t: number, fresh: boolean, deadlineMisses: number): void {
    const ep = this.#episode!;
    this.#options.onStep?.({
      episode: ep.index,
      t,
      case: ep.case,
      success: ep.info.success,
      fruitSlots: ep.info.fruitSlots,
      fresh,
      deadlineMisses,
    });
  }

  #occluded(): boolean {
    const w = this.config.occludeWindow;
    if (this.config.occlude === '' || w.length !== 2) return false;
    const s = this.#t * this.env.dt;
    return s >= w[0]! && s < w[1]!;
  }

  #publishState(stamp: Time): void {
    const ep = this.#episode!;
    const o = this.#observation;
    const occluded = this.#occluded();
    for (const [k, fruit] of FRUITS.entries()) {
      const hidden = occluded && this.config.occlude === fruit;
      const at = 9 + 3 * k;
      this.#publishPoses[k]!({
        header: { stamp, frame_id: ARM_FRAMES.fixed },
        pose: {
          pose: {
            position: hidden
              ? { x: Number.NaN, y: Number.NaN, z: Number.NaN }
              : { x: o[at]!, y: o[at + 1]!, z: o[at + 2]! },
            orientation: { x: 0, y: 0, z: 0, w: 1 },
          },
          covariance: hidden ? this.#occludedCovariance : this.#covariance,
        },
      });
    }
    const finger = o[8]! / 2;
    const fingerVelocity = this.#t === 0 ? 0 : (finger - ep.lastFinger) / this.env.dt;
    ep.lastFinger = finger;
    const envPositions = [o[0]!, o[1]!, o[2]!, o[3]!, finger, finger];
    const envVelocities = [o[4]!, o[5]!, o[6]!, o[7]!, fingerVelocity, fingerVelocity];
    this.#publishJoints({
      header: { stamp, frame_id: '' },
      name: [...this.config.joints],
      position: this.#order.map((i) => envPositions[i]!),
      velocity: this.#order.map((i) => envVelocities[i]!),
      effort: [],
    });
  }

  #record(stats: SimEpisodeStats): ArmEpisodeRecord {
    const ep = this.#episode!;
    const n = stats.steps + 1;
    return {
      task: this.env.id,
      ...stats,
      case: ep.case,
      success: ep.info.success,
      firstSuccessStep: ep.firstSuccessStep,
      finalSlots: ep.info.fruitSlots,
      graspPath: ep.graspPath.subarray(0, 3 * n),
      slots: ep.slots.subarray(0, 2 * n),
      occludedSteps: ep.occludedSteps,
    };
  }

  #reportEpisode(record: ArmEpisodeRecord): void {
    const dropped = droppedCommands(record.rejected);
    this.#transport.log(
      'info',
      `${record.task} episode ${record.index} (case ${record.case}): ${record.steps} steps, ` +
        (record.success
          ? 'swapped'
          : `not swapped (apple in ${record.finalSlots.apple ?? 'no slot'}, orange in ${record.finalSlots.orange ?? 'no slot'})`) +
        (this.config.lockstep ? '' : `, ${record.deadlineMisses} deadline misses`) +
        (dropped > 0 ? `, ${dropped} commands dropped` : ''),
    );
    this.#options.onEpisode?.(record);
  }
}

/** A row-major 6×6 pose covariance: `positionVariance` on x, y, z, rotation unknown. */
function covariance(positionVariance: number): Float64Array {
  const c = new Float64Array(36);
  for (const i of [0, 7, 14]) c[i] = positionVariance;
  for (const i of [21, 28, 35]) c[i] = ROTATION_UNKNOWN_VARIANCE;
  return c;
}
