/**
 * The identity-ordered scripted expert for the fruit swap (docs/arm-swap.md, "expert").
 *
 * Move order, fixed by fruit identity (this is what makes the task need memory):
 *   1. apple → C   2. orange → the apple's start slot   3. apple (from C) → the orange's start slot.
 * Each move is 9 segments, nominal durations in s (each scaled by U(0.85, 1.15)):
 *   above the fruit at carry height 1.0 | descend to grasp height 0.6 | close 0.5 | lift 0.6 |
 *   transit to the goal slot centre + fresh U(±1.5 cm)² jitter (the reset's jitter) 1.0 | lower 0.6 |
 *   open 0.4 | rise 0.5 | back to HOME 1.0.
 * The arm waits U(1, 2) s at HOME before the first move and after each of the first two moves, and holds
 * HOME for 1.5 s at the end. HOME is the same for every move, and the shortest dwell (1 s) spans two tokens of
 * 5 steps, so the action chunk before a departure is pure "hold" (leak-proofing).
 *
 * Inside a segment the grasp-point target follows a minimum-jerk profile s(τ) = 10τ³ − 15τ⁴ + 6τ⁵ from the
 * previous segment's end; the gripper target ramps (same profile) over the first 60 % of a close/open segment.
 * The expert reads a fruit's true xy (privileged state) when it heads for it; everything else is open loop in
 * time. All random draws are made in `begin`, in a fixed order, from the caller's PRNG.
 */
import type { Rng } from '../../src/math/rng.js';
import type { ArmTruth } from './arm-env.js';
import {
  CARRY_Z,
  CONTROL_DT,
  FINGER_OPEN,
  type FruitName,
  GRASP_Z,
  HOME,
  PLACE_JITTER,
  PLACE_Z,
  SLOTS,
  type SlotName,
} from './geometry.js';
import { type SwapCase, startSlots } from './success.js';

/** Segment tags logged with every step (0 = waiting at HOME). */
export const SEGMENT_TAGS = [
  'hold',
  'above',
  'descend',
  'close',
  'lift',
  'transit',
  'lower',
  'open',
  'rise',
  'home',
] as const;
export type SegmentTag = (typeof SEGMENT_TAGS)[number];

export interface SwapExpertConfig {
  /** Nominal segment durations in s, in move order (above … home). */
  readonly durations: Readonly<Record<Exclude<SegmentTag, 'hold'>, number>>;
  /** Each duration is scaled by U(1 − spread, 1 + spread). */
  readonly durationSpread: number;
  /** Dwell at HOME before the first move and after moves 1 and 2: U(min, max) s. */
  readonly dwell: readonly [number, number];
  /** Final hold at HOME, s. */
  readonly finalHold: number;
  /** Fraction of a close/open segment over which the gripper target ramps. */
  readonly gripRamp: number;
}

export const DEFAULT_EXPERT_CONFIG: SwapExpertConfig = {
  durations: {
    above: 1.0,
    descend: 0.6,
    close: 0.5,
    lift: 0.6,
    transit: 1.0,
    lower: 0.6,
    open: 0.4,
    rise: 0.5,
    home: 1.0,
  },
  durationSpread: 0.15,
  dwell: [1, 2],
  finalHold: 1.5,
  gripRamp: 0.6,
};

/** One planned move: which fruit goes where (slot names), for logs and tests. */
export interface PlannedMove {
  readonly fruit: FruitName;
  readonly from: SlotName;
  readonly to: SlotName;
}

/** The identity-ordered move list for a case. */
export function swapMoves(swapCase: SwapCase): PlannedMove[] {
  const start = startSlots(swapCase);
  return [
    { fruit: 'apple', from: start.apple, to: 'C' },
    { fruit: 'orange', from: start.orange, to: start.apple },
    { fruit: 'apple', from: 'C', to: start.orange },
  ];
}

interface Segment {
  readonly tag: SegmentTag;
  /** Move index 0–2, or −1 for waits at HOME. */
  readonly move: number;
  readonly duration: number;
  /** End target of the grasp point, resolved when the segment starts. */
  readonly target: (truth: ArmTruth) => readonly [number, number, number];
  /** Gripper target at the end of the segment. */
  readonly grip: number;
}

export interface ExpertStep {
  /** Clean action [x, y, z, grip] for this control step. */
  readonly action: Float64Array;
  readonly tag: SegmentTag;
  /** Move index 0–2, −1 while waiting at HOME. */
  readonly move: number;
  /** True once the final hold is over (the demo is complete). */
  readonly done: boolean;
}

export class SwapExpert {
  readonly config: SwapExpertConfig;
  #segments: Segment[] = [];
  #index = 0;
  /** Time into the current segment (s). */
  #elapsed = 0;
  #from: readonly [number, number, number] = HOME;
  #to: readonly [number, number, number] = HOME;
  #gripFrom = FINGER_OPEN;
  #moves: PlannedMove[] = [];

  constructor(config: Partial<SwapExpertConfig> = {}) {
    this.config = { ...DEFAULT_EXPERT_CONFIG, ...config };
  }

  get moves(): readonly PlannedMove[] {
    return this.#moves;
  }

  /** Total planned duration in control steps (known after `begin`). */
  get plannedSteps(): number {
    return Math.round(this.#segments.reduce((s, g) => s + g.duration, 0) / CONTROL_DT);
  }

  /** Plans a demo for `swapCase`, drawing every duration and placement jitter from `rng` now. */
  begin(swapCase: SwapCase, rng: Rng): void {
    const c = this.config;
    const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
    const scaled = (tag: Exclude<SegmentTag, 'hold'>) =>
      c.durations[tag] * uniform(1 - c.durationSpread, 1 + c.durationSpread);
    const hold = (duration: number): Segment => ({
      tag: 'hold',
      move: -1,
      duration,
      target: () => HOME,
      grip: FINGER_OPEN,
    });
    this.#moves = swapMoves(swapCase);
    const segments: Segment[] = [hold(uniform(c.dwell[0], c.dwell[1]))];
    this.#moves.forEach((m, move) => {
      const [gx, gy] = SLOTS[m.to];
      const goal: [number, number] = [
        gx + PLACE_JITTER * (2 * rng.uniform() - 1),
        gy + PLACE_JITTER * (2 * rng.uniform() - 1),
      ];
      let fruitXy: [number, number] = [0, 0];
      const seg = (tag: Exclude<SegmentTag, 'hold'>, grip: number, target: Segment['target']): Segment => ({
        tag,
        move,
        duration: scaled(tag),
        target,
        grip,
      });
      segments.push(
        seg('above', FINGER_OPEN, (truth) => {
          const p = truth.fruits[m.fruit].position;
          fruitXy = [p[0], p[1]];
          return [fruitXy[0], fruitXy[1], CARRY_Z];
        }),
        seg('descend', FINGER_OPEN, (truth) => {
          const p = truth.fruits[m.fruit].position;
          fruitXy = [p[0], p[1]];
          return [fruitXy[0], fruitXy[1], GRASP_Z];
        }),
        seg('close', 0, () => [fruitXy[0], fruitXy[1], GRASP_Z]),
        seg('lift', 0, () => [fruitXy[0], fruitXy[1], CARRY_Z]),
        seg('transit', 0, () => [goal[0], goal[1], CARRY_Z]),
        seg('lower', 0, () => [goal[0], goal[1], PLACE_Z]),
        seg('open', FINGER_OPEN, () => [goal[0], goal[1], PLACE_Z]),
        seg('rise', FINGER_OPEN, () => [goal[0], goal[1], CARRY_Z]),
        seg('home', FINGER_OPEN, () => HOME),
      );
      segments.push(move < 2 ? hold(uniform(c.dwell[0], c.dwell[1])) : hold(c.finalHold));
    });
    this.#segments = segments;
    this.#index = -1;
    this.#elapsed = 0;
    this.#from = HOME;
    this.#to = HOME;
    this.#gripFrom = FINGER_OPEN;
  }

  /** The clean action for the next control step, given the true state now. */
  act(truth: ArmTruth): ExpertStep {
    if (this.#segments.length === 0)
      throw new Error('SwapExpert.act() before begin(); call begin(case, rng)');
    this.#elapsed += CONTROL_DT;
    // Enter the next segment(s) whose start this step has passed; a segment starts where the last one ended.
    while (this.#index < 0 || this.#elapsed > this.#segments[this.#index]!.duration + 1e-9) {
      if (this.#index >= 0) {
        this.#elapsed -= this.#segments[this.#index]!.duration;
        this.#gripFrom = this.#segments[this.#index]!.grip;
        this.#from = this.#to;
      }
      this.#index += 1;
      if (this.#index >= this.#segments.length) {
        this.#index = this.#segments.length - 1;
        this.#elapsed = this.#segments[this.#index]!.duration;
        return { action: this.#hold(), tag: 'hold', move: -1, done: true };
      }
      this.#to = this.#segments[this.#index]!.target(truth);
    }
    const segment = this.#segments[this.#index]!;
    const tau = Math.min(1, this.#elapsed / segment.duration);
    const s = minimumJerk(tau);
    const g = minimumJerk(Math.min(1, tau / this.config.gripRamp));
    const action = Float64Array.of(
      this.#from[0] + (this.#to[0] - this.#from[0]) * s,
      this.#from[1] + (this.#to[1] - this.#from[1]) * s,
      this.#from[2] + (this.#to[2] - this.#from[2]) * s,
      this.#gripFrom + (segment.grip - this.#gripFrom) * g,
    );
    return { action, tag: segment.tag, move: segment.move, done: false };
  }

  #hold(): Float64Array {
    return Float64Array.of(this.#to[0], this.#to[1], this.#to[2], this.#segments.at(-1)!.grip);
  }
}

/** Minimum-jerk position profile on τ ∈ [0, 1]: 10τ³ − 15τ⁴ + 6τ⁵. */
export function minimumJerk(tau: number): number {
  const t = Math.min(1, Math.max(0, tau));
  return t * t * t * (10 + t * (-15 + 6 * t));
}
