/**
 * The fruit-swap arm (`arm-swap`) on the MuJoCo engine: a 4-DoF arm swaps an apple and an orange between
 * slots A and B using the spare slot C (docs/arm-swap.md). Implements the generic `Env`.
 *
 * Action (4): absolute grasp-point target (x, y, z) in metres plus the per-finger opening target g
 * (0 closed … 0.045 open). Each step clips it to the action space, turns (x, y, z) into joint targets with the
 * closed-form IK (kinematics.ts), holds those servo targets for 50 physics substeps of 2 ms (10 Hz), and
 * returns the post-step observation. The episode is truncated at 400 steps (40 s); it never terminates early.
 *
 * Observation (15): q (4) | qd (4) | gripper opening = sum of both finger slides (1) | apple xyz (3) |
 * orange xyz (3). The identity of a fruit is its place in the vector. No time, phase or orientation is
 * observed, and read-out noise (sensor-noise.ts) is added, so at HOME the two cases look alike.
 *
 * Reset(seed) draws from one PRNG seeded by `seed`, in this order: the case bit (AB or BA, 50/50; drawn even
 * when `options.case` forces the case, so forcing changes nothing else), then per fruit (apple, orange) the
 * xy jitter U(±1.5 cm)² inside its start slot and its yaw U(−π, π); the same stream then supplies the sensor
 * noise of every observation of the episode. The arm starts at rest at HOME with the gripper open.
 *
 * There is no reward: the layout has no reward field, and `reward` is always 0. `info.success` says whether
 * the current true state is a completed swap (success.ts); on the step that ends the episode
 * `info.episodeSuccess` carries the final verdict. `info.fruitSlots` gives each fruit's slot (or null).
 *
 * Grasping is physical (friction between the pads and the fruit). `grasp: 'weld'` adds the fallback: while
 * the gripper target is closing, a fruit centred between the pads is welded to the hand; opening releases it.
 */
import { InputError } from '../../src/errors.js';
import type { Logger } from '../../src/logging.js';
import { createRng, type Rng } from '../../src/math/rng.js';
import type { TokenField } from '../../src/tasks/token-layout.js';
import { describeValue as describe } from '../describe-value.js';
import type { BoxSpace, Env, EnvInfo, ResetOptions, ResetResult, StepResult } from '../env.js';
import { loadMujoco, type MujocoModule, mujocoVersion } from '../mujoco/load-mujoco.js';
import { Simulation } from '../mujoco/simulation.js';
import {
  ARM_JOINT_RANGES,
  ARM_JOINTS,
  EPISODE_STEPS,
  FINGER_OPEN,
  FRUIT_HALF_HEIGHT,
  FRUITS,
  type FruitName,
  HOME,
  PLACE_JITTER,
  SLOTS,
  type SlotName,
  SUBSTEPS,
} from './geometry.js';
import { armIk } from './kinematics.js';
import { type ArmMjcfOptions, armMjcf } from './mjcf.js';
import { addSensorNoise, DEFAULT_SENSOR_NOISE, noiseScales, type SensorNoise } from './sensor-noise.js';
import {
  type FruitState,
  SWAP_CASES,
  type SwapCase,
  slotOf,
  startSlots,
  swapSucceeded,
  tiltFromQuaternion,
} from './success.js';

export const ARM_TASK_ID = 'arm-swap';

export const ARM_OBSERVATION_LABELS = [
  'q_yaw',
  'q_shoulder',
  'q_elbow',
  'q_wrist',
  'qd_yaw',
  'qd_shoulder',
  'qd_elbow',
  'qd_wrist',
  'gripper',
  'apple_x',
  'apple_y',
  'apple_z',
  'orange_x',
  'orange_y',
  'orange_z',
] as const;
export const ARM_ACTION_LABELS = ['x', 'y', 'z', 'grip'] as const;

/** Action bounds: a box in front of the arm that covers the slots, HOME and the carry height. */
export const ARM_ACTION_LOW = Float64Array.of(0.05, -0.4, 0, 0);
export const ARM_ACTION_HIGH = Float64Array.of(0.5, 0.4, 0.35, FINGER_OPEN);

/** Physics settles this many substeps at reset so the first observation shows the fruits at rest. */
const SETTLE_SUBSTEPS = 25;
/** A fruit is welded when its centre is this close (xy, z) to the grasp point as the gripper closes. */
const WELD_CAPTURE_XY = 0.02;
const WELD_CAPTURE_Z = 0.025;
/** MuJoCo's eq_data stride (mjNEQDATA). */
const EQ_DATA_STRIDE = 11;

export type ArmGrasp = 'friction' | 'weld';

export interface ArmEnvOptions {
  /** 'friction' (default): physical finger grasp. 'weld': add the run-time weld fallback. */
  readonly grasp?: ArmGrasp;
  /** Read-out noise σ per group (default DEFAULT_SENSOR_NOISE; NO_SENSOR_NOISE for a clean read-out). */
  readonly sensorNoise?: SensorNoise;
  /** Time limit in control steps (default 400 = 40 s). */
  readonly episodeSteps?: number;
  /** Scene friction overrides (robustness studies). */
  readonly mjcf?: ArmMjcfOptions;
  readonly logger?: Logger;
}

/** Privileged true state (for the scripted expert, scoring and pictures; never part of the observation). */
export interface ArmTruth {
  readonly case: SwapCase;
  readonly fruits: Record<FruitName, FruitState>;
  /** True grasp-point position. */
  readonly grasp: readonly [number, number, number];
}

export interface ArmInfo extends EnvInfo {
  readonly case: SwapCase;
  readonly success: boolean;
  readonly fruitSlots: Record<FruitName, SlotName | null>;
  readonly episodeSuccess?: boolean;
}

export interface ArmEnv extends Env {
  readonly cases: readonly SwapCase[];
  readonly grasp: ArmGrasp;
  readonly engineVersion: string;
  /** The true state now (no noise). */
  truth(): ArmTruth;
}

export async function createArmEnv(options: ArmEnvOptions = {}): Promise<ArmSwapEnv> {
  const mj = await loadMujoco(options.logger ? { logger: options.logger } : {});
  return new ArmSwapEnv(mj, options);
}

export class ArmSwapEnv implements ArmEnv {
  readonly id = ARM_TASK_ID;
  readonly cases = SWAP_CASES;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly episodeLength: number;
  readonly dt = 0.1;
  readonly tokenFields: readonly TokenField[] = [
    { name: 'action', kind: 'action', size: 4, labels: ARM_ACTION_LABELS },
    { name: 'joint_position', kind: 'observation', size: 4, labels: ARM_OBSERVATION_LABELS.slice(0, 4) },
    { name: 'joint_velocity', kind: 'observation', size: 4, labels: ARM_OBSERVATION_LABELS.slice(4, 8) },
    { name: 'gripper', kind: 'observation', size: 1, labels: ARM_OBSERVATION_LABELS.slice(8, 9) },
    { name: 'apple', kind: 'observation', size: 3, labels: ARM_OBSERVATION_LABELS.slice(9, 12) },
    { name: 'orange', kind: 'observation', size: 3, labels: ARM_OBSERVATION_LABELS.slice(12, 15) },
  ];
  readonly grasp: ArmGrasp;
  readonly engineVersion: string;

  readonly #sim: Simulation;
  readonly #noiseScales: Float64Array;
  readonly #fruitQpos: Record<FruitName, number>;
  readonly #fruitBody: Record<FruitName, number>;
  readonly #handBody: number;
  readonly #graspSite: number;
  readonly #jointTargets = new Float64Array(4);
  #rng: Rng = createRng(0);
  #case: SwapCase = 'AB';
  #t = -1;

  constructor(mj: MujocoModule, options: ArmEnvOptions = {}) {
    this.grasp = options.grasp ?? 'friction';
    if (this.grasp !== 'friction' && this.grasp !== 'weld') {
      throw new InputError(`${ARM_TASK_ID}: grasp must be 'friction' or 'weld', got '${String(this.grasp)}'`);
    }
    this.episodeLength = options.episodeSteps ?? EPISODE_STEPS;
    if (!Number.isInteger(this.episodeLength) || this.episodeLength < 1) {
      throw new InputError(
        `${ARM_TASK_ID}: episodeSteps must be a whole number ≥ 1, got ${this.episodeLength}`,
      );
    }
    this.#noiseScales = noiseScales(options.sensorNoise ?? DEFAULT_SENSOR_NOISE);
    this.engineVersion = mujocoVersion(mj);
    const margin = 0.2;
    this.observationSpace = {
      low: Float64Array.of(
        ...ARM_JOINT_RANGES.map(([lo]) => lo - margin),
        -30,
        -30,
        -30,
        -30,
        -0.01,
        -2,
        -2,
        -0.5,
        -2,
        -2,
        -0.5,
      ),
      high: Float64Array.of(
        ...ARM_JOINT_RANGES.map(([, hi]) => hi + margin),
        30,
        30,
        30,
        30,
        2 * FINGER_OPEN + 0.01,
        2,
        2,
        2,
        2,
        2,
        2,
      ),
      labels: ARM_OBSERVATION_LABELS,
    };
    this.actionSpace = { low: ARM_ACTION_LOW, high: ARM_ACTION_HIGH, labels: ARM_ACTION_LABELS };

    this.#sim = new Simulation(mj, armMjcf(options.mjcf), ARM_TASK_ID);
    const m = this.#sim.model;
    const id = (type: 'mjOBJ_BODY' | 'mjOBJ_JOINT' | 'mjOBJ_SITE', name: string): number => {
      const k = mj.mj_name2id(m, mj.mjtObj[type].value, name);
      if (k < 0) throw new InputError(`${ARM_TASK_ID}: the MJCF has no ${type} '${name}'`);
      return k;
    };
    const qposAdr = (joint: string) => m.jnt_qposadr[id('mjOBJ_JOINT', joint)] as number;
    ARM_JOINTS.forEach((joint, k) => {
      if (qposAdr(joint) !== k) throw new InputError(`${ARM_TASK_ID}: joint ${joint} is not qpos[${k}]`);
    });
    this.#fruitQpos = { apple: qposAdr('apple'), orange: qposAdr('orange') };
    this.#fruitBody = { apple: id('mjOBJ_BODY', 'apple'), orange: id('mjOBJ_BODY', 'orange') };
    this.#handBody = id('mjOBJ_BODY', 'hand');
    this.#graspSite = id('mjOBJ_SITE', 'grasp');
  }

  /** Starts an episode. `options.case` ('AB' | 'BA') forces the arrangement; other draws stay the same. */
  reset(seed: number, options: ResetOptions = {}): ResetResult {
    this.#assertOpen();
    if (!Number.isSafeInteger(seed)) {
      throw new InputError(`${ARM_TASK_ID}: reset seed must be a whole number (a safe integer), got ${seed}`);
    }
    if (options.case !== undefined && !SWAP_CASES.includes(options.case as SwapCase)) {
      throw new InputError(
        `${ARM_TASK_ID}: unknown case '${String(options.case)}'; use one of ${SWAP_CASES.join(', ')}`,
      );
    }
    const rng = createRng(seed);
    const drawn: SwapCase = rng.uniform() < 0.5 ? 'AB' : 'BA';
    this.#case = (options.case as SwapCase | undefined) ?? drawn;
    const slots = startSlots(this.#case);

    const sim = this.#sim;
    sim.resetData();
    const data = sim.data;
    const eqActive = data.eq_active as Uint8Array;
    eqActive.fill(0);
    const { qpos, ctrl } = sim.state;
    armIk(HOME, this.#jointTargets);
    for (let k = 0; k < 4; k++) {
      qpos[k] = this.#jointTargets[k]!;
      ctrl[k] = this.#jointTargets[k]!;
    }
    qpos[4] = qpos[5] = ctrl[4] = ctrl[5] = FINGER_OPEN;
    for (const fruit of FRUITS) {
      const [sx, sy] = SLOTS[slots[fruit]];
      const a = this.#fruitQpos[fruit];
      qpos[a] = sx + PLACE_JITTER * (2 * rng.uniform() - 1);
      qpos[a + 1] = sy + PLACE_JITTER * (2 * rng.uniform() - 1);
      qpos[a + 2] = FRUIT_HALF_HEIGHT;
      const yaw = Math.PI * (2 * rng.uniform() - 1);
      qpos[a + 3] = Math.cos(yaw / 2);
      qpos[a + 4] = 0;
      qpos[a + 5] = 0;
      qpos[a + 6] = Math.sin(yaw / 2);
    }
    sim.forward();
    for (let i = 0; i < SETTLE_SUBSTEPS; i++) sim.step();
    data.time = 0;
    this.#rng = rng;
    this.#t = 0;
    return { observation: this.#observation(), info: this.#info(false) };
  }

  step(action: ArrayLike<number>): StepResult {
    this.#assertStep();
    const a = this.#checkAction(action);
    armIk(a, this.#jointTargets);
    return this.#advance(this.#jointTargets, a[3]!, a[3]!);
  }

  /**
   * One control step in joint space, as a position controller (ros2_control's forward command controller) would
   * drive the arm: `targets` = position targets of ARM_JOINTS then the two finger slides (6 values, rad and m),
   * each clipped to its joint's range; the grip (weld fallback) follows the fingers' mean target. `step(action)`
   * is this with the closed-form IK of the action's grasp point.
   */
  stepJoints(targets: ArrayLike<number>): StepResult {
    this.#assertStep();
    if (targets == null || typeof targets.length !== 'number' || targets.length !== 6) {
      throw new InputError(
        `${ARM_TASK_ID}: joint targets must have 6 components [${ARM_JOINTS.join(', ')}, fingerL, fingerR], got ${describe(targets)}`,
      );
    }
    const q = new Float64Array(4);
    for (let k = 0; k < 6; k++) {
      const v = targets[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new InputError(
          `${ARM_TASK_ID}: joint targets must be finite numbers, got ${describe(targets)}`,
        );
      }
      if (k < 4) q[k] = Math.min(ARM_JOINT_RANGES[k]![1], Math.max(ARM_JOINT_RANGES[k]![0], v));
    }
    const finger = (v: number) => Math.min(FINGER_OPEN, Math.max(0, v));
    return this.#advance(q, finger(targets[4]!), finger(targets[5]!));
  }

  #assertStep(): void {
    this.#assertOpen();
    if (this.#t < 0) throw new InputError(`${ARM_TASK_ID}: step() before reset(); call reset(seed) first`);
    if (this.#t >= this.episodeLength) {
      throw new InputError(
        `${ARM_TASK_ID}: the episode ended at t = ${this.episodeLength} (episodeLength); call reset(seed) before stepping again`,
      );
    }
  }

  /** Holds the servo targets for one control step (50 physics substeps) and reads the outcome. */
  #advance(joints: ArrayLike<number>, fingerL: number, fingerR: number): StepResult {
    const { ctrl } = this.#sim.state;
    for (let k = 0; k < 4; k++) ctrl[k] = joints[k]!;
    ctrl[4] = fingerL;
    ctrl[5] = fingerR;
    if (this.grasp === 'weld') this.#updateWeld((fingerL + fingerR) / 2);
    for (let i = 0; i < SUBSTEPS; i++) this.#sim.step();
    this.#t += 1;
    const truncated = this.#t >= this.episodeLength;
    return {
      observation: this.#observation(),
      reward: 0,
      truncated,
      terminated: false,
      info: this.#info(truncated),
    };
  }

  truth(): ArmTruth {
    this.#assertOpen();
    const { qpos } = this.#sim.state;
    const fruit = (name: FruitName): FruitState => {
      const a = this.#fruitQpos[name];
      return {
        position: [qpos[a]!, qpos[a + 1]!, qpos[a + 2]!],
        tilt: tiltFromQuaternion(qpos[a + 3]!, qpos[a + 4]!, qpos[a + 5]!, qpos[a + 6]!),
      };
    };
    const site = this.#sim.data.site_xpos as Float64Array;
    const g = 3 * this.#graspSite;
    return {
      case: this.#case,
      fruits: { apple: fruit('apple'), orange: fruit('orange') },
      grasp: [site[g]!, site[g + 1]!, site[g + 2]!],
    };
  }

  close(): void {
    this.#sim.close();
  }

  #observation(): Float64Array {
    const { qpos, qvel } = this.#sim.state;
    const o = new Float64Array(15);
    for (let k = 0; k < 4; k++) {
      o[k] = qpos[k]!;
      o[4 + k] = qvel[k]!;
    }
    o[8] = qpos[4]! + qpos[5]!;
    const a = this.#fruitQpos.apple;
    const b = this.#fruitQpos.orange;
    for (let k = 0; k < 3; k++) {
      o[9 + k] = qpos[a + k]!;
      o[12 + k] = qpos[b + k]!;
    }
    addSensorNoise(o, this.#noiseScales, this.#rng);
    return o;
  }

  #info(ended: boolean): ArmInfo {
    const truth = this.truth();
    const success = swapSucceeded(this.#case, truth.fruits);
    const fruitSlots = { apple: slotOf(truth.fruits.apple), orange: slotOf(truth.fruits.orange) };
    const info: ArmInfo = { t: this.#t, case: this.#case, success, fruitSlots };
    return ended ? { ...info, episodeSuccess: success } : info;
  }

  /** Weld fallback: capture a centred fruit while closing, release everything when opening. */
  #updateWeld(gripTarget: number): void {
    const data = this.#sim.data;
    const eqActive = data.eq_active as Uint8Array;
    if (gripTarget >= FINGER_OPEN / 2) {
      eqActive.fill(0);
      return;
    }
    if (eqActive.some((v) => v !== 0)) return;
    const xpos = data.xpos as Float64Array;
    const xquat = data.xquat as Float64Array;
    const site = data.site_xpos as Float64Array;
    const g = 3 * this.#graspSite;
    FRUITS.forEach((name, i) => {
      const b = this.#fruitBody[name];
      const dxy = Math.hypot(xpos[3 * b]! - site[g]!, xpos[3 * b + 1]! - site[g + 1]!);
      const dz = Math.abs(xpos[3 * b + 2]! - site[g + 2]!);
      if (dxy > WELD_CAPTURE_XY || dz > WELD_CAPTURE_Z || eqActive.some((v) => v !== 0)) return;
      const h = this.#handBody;
      const rel = relativePose(
        [xpos[3 * h]!, xpos[3 * h + 1]!, xpos[3 * h + 2]!],
        [xquat[4 * h]!, xquat[4 * h + 1]!, xquat[4 * h + 2]!, xquat[4 * h + 3]!],
        [xpos[3 * b]!, xpos[3 * b + 1]!, xpos[3 * b + 2]!],
        [xquat[4 * b]!, xquat[4 * b + 1]!, xquat[4 * b + 2]!, xquat[4 * b + 3]!],
      );
      // The weld holds body2 at eq_data[3..9] (position, quaternion) in body1's frame; it must be the
      // current pose, or the constraint snaps the fruit back to its compile-time relative pose.
      const eqData = this.#sim.model.eq_data as Float64Array;
      eqData.fill(0, i * EQ_DATA_STRIDE, i * EQ_DATA_STRIDE + 3);
      eqData.set(rel, i * EQ_DATA_STRIDE + 3);
      eqData[i * EQ_DATA_STRIDE + 10] = 1;
      eqActive[i] = 1;
    });
  }

  #checkAction(action: ArrayLike<number>): Float64Array {
    if (action == null || typeof action.length !== 'number' || action.length !== 4) {
      throw new InputError(
        `${ARM_TASK_ID}: action must have 4 components [x, y, z, grip] (grasp-point target in m, finger opening 0–${FINGER_OPEN}), got ${describe(action)}`,
      );
    }
    const out = new Float64Array(4);
    for (let k = 0; k < 4; k++) {
      const v = action[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new InputError(
          `${ARM_TASK_ID}: action components must be finite numbers [x, y, z, grip], got ${describe(action)}`,
        );
      }
      out[k] = Math.min(ARM_ACTION_HIGH[k]!, Math.max(ARM_ACTION_LOW[k]!, v));
    }
    return out;
  }

  #assertOpen(): void {
    if (this.#sim.closed) {
      throw new InputError(`${ARM_TASK_ID}: the env was closed; create a new one with createArmEnv`);
    }
  }
}

/** Pose of body 2 in body 1's frame: [R₁ᵀ(p₂ − p₁), q₁* ⊗ q₂] (quaternions w, x, y, z). */
function relativePose(
  p1: readonly number[],
  q1: readonly number[],
  p2: readonly number[],
  q2: readonly number[],
): number[] {
  const inv = [q1[0]!, -q1[1]!, -q1[2]!, -q1[3]!];
  const d = [0, p2[0]! - p1[0]!, p2[1]! - p1[1]!, p2[2]! - p1[2]!];
  const local = quatMul(quatMul(inv, d), q1);
  return [local[1]!, local[2]!, local[3]!, ...quatMul(inv, q2)];
}

function quatMul(a: readonly number[], b: readonly number[]): number[] {
  const [aw, ax, ay, az] = [a[0]!, a[1]!, a[2]!, a[3]!];
  const [bw, bx, by, bz] = [b[0]!, b[1]!, b[2]!, b[3]!];
  return [
    aw * bw - ax * bx - ay * by - az * bz,
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
  ];
}
