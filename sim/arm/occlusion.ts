/**
 * Corrupted fruit readings for the arm's robustness evaluation (`df-planner eval --occlude`): the "camera" is
 * the six fruit-position numbers of the observation (apple xyz, orange xyz); the joints and the gripper are
 * proprioception and stay clean.
 *
 * When (`OcclusionWindow`; `moves` = completed moves so far, counted by the evaluation from the true state):
 *   window  a 3 s window (30 steps) starting at a step drawn uniformly in [20, 220] (while the task is usually
 *           under way), from the episode's own occlusion stream
 *   move    a whole move: from the step after the first move completed until the second move completes
 *           (capped at 100 steps = 10 s), i.e. the return, the dwell, the decision and all of move 2 — the
 *           move whose choice of fruit needs the memory of the start
 *   rest    from the step after the first move completed to the end of the episode
 * The reset observation is never corrupted (the start arrangement is always seen once).
 *
 * How (`OcclusionMode`):
 *   zeros       the six numbers read 0 (a dead sensor)
 *   stale       the last clean reading repeats (a frozen sensor)
 *   distractor  the two fruits' readings are swapped (a confusing view: a plausible, wrong arrangement)
 */
import { createRng } from '../../src/math/rng.js';

export const OCCLUSION_WINDOWS = ['window', 'move', 'rest'] as const;
export type OcclusionWindow = (typeof OCCLUSION_WINDOWS)[number];
export const OCCLUSION_MODES = ['zeros', 'stale', 'distractor'] as const;
export type OcclusionMode = (typeof OCCLUSION_MODES)[number];

/** Offset and size of the fruit readings in the arm observation: apple xyz at 9, orange xyz at 12. */
export const CAMERA_OFFSET = 9;
export const CAMERA_SIZE = 6;
const FRUIT_SIZE = 3;

export const OCCLUSION_WINDOW_STEPS = 30;
export const OCCLUSION_WINDOW_FIRST_START = 20;
export const OCCLUSION_WINDOW_LAST_START = 220;
export const OCCLUSION_MOVE_CAP_STEPS = 100;

export interface OcclusionSpec {
  readonly window: OcclusionWindow;
  readonly mode: OcclusionMode;
}

/** One episode's occlusion: call `sense` once per post-step observation, in order. */
export interface Occlusion {
  /**
   * The reading the policy gets after step `steps` (1-based) given the moves completed so far, and whether
   * it was corrupted. The input is not modified.
   */
  sense(
    observation: Float64Array,
    steps: number,
    moves: number,
  ): { observation: Float64Array; noisy: boolean };
  /** Steps corrupted so far. */
  readonly occludedSteps: number;
}

/** The occlusion of the episode reset with `resetSeed` (the window's start is drawn from its own stream). */
export function createOcclusion(spec: OcclusionSpec, resetSeed: number): Occlusion {
  const span = OCCLUSION_WINDOW_LAST_START - OCCLUSION_WINDOW_FIRST_START + 1;
  // A stream apart from the env's (which draws from createRng(resetSeed)), so occluding changes no start.
  const windowStart = OCCLUSION_WINDOW_FIRST_START + createRng(resetSeed + 2 ** 31).int(span);
  let firstMoveStep: number | null = null;
  let secondMoveDone = false;
  let lastClean: Float64Array | null = null;
  let occludedSteps = 0;

  const occluded = (steps: number, moves: number): boolean => {
    if (spec.window === 'window') return steps >= windowStart && steps < windowStart + OCCLUSION_WINDOW_STEPS;
    if (firstMoveStep === null) {
      if (moves < 1) return false;
      firstMoveStep = steps; // this observation shows the first move done; the occlusion starts after it
      return false;
    }
    if (spec.window === 'rest') return true;
    if (moves >= 2) secondMoveDone = true;
    return !secondMoveDone && steps - firstMoveStep <= OCCLUSION_MOVE_CAP_STEPS;
  };

  return {
    get occludedSteps() {
      return occludedSteps;
    },
    sense(observation, steps, moves) {
      if (!occluded(steps, moves)) {
        lastClean = observation.slice(CAMERA_OFFSET, CAMERA_OFFSET + CAMERA_SIZE);
        return { observation, noisy: false };
      }
      occludedSteps++;
      return { observation: corruptCamera(observation, spec.mode, lastClean), noisy: true };
    },
  };
}

/** A copy of `observation` with the fruit readings corrupted the `mode` way (`stale`: `lastClean`, else zeros). */
export function corruptCamera(
  observation: Float64Array,
  mode: OcclusionMode,
  lastClean: Float64Array | null,
): Float64Array {
  const out = observation.slice();
  const camera = out.subarray(CAMERA_OFFSET, CAMERA_OFFSET + CAMERA_SIZE);
  if (mode === 'zeros') camera.fill(0);
  else if (mode === 'stale') {
    if (lastClean) camera.set(lastClean);
    else camera.fill(0);
  } else {
    const apple = observation.subarray(CAMERA_OFFSET, CAMERA_OFFSET + FRUIT_SIZE);
    const orange = observation.subarray(CAMERA_OFFSET + FRUIT_SIZE, CAMERA_OFFSET + CAMERA_SIZE);
    camera.set(orange, 0);
    camera.set(apple, FRUIT_SIZE);
  }
  return out;
}
