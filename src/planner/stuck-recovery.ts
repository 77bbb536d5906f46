/**
 * Recognising a stuck plan and re-planning differently (issue 14): at every token boundary the executed token
 * is compared with what the plan predicted for it. When the robot ends the token far from the position the
 * plan expected (the plan asked for a move the world did not allow: in a maze, a plan through a wall that
 * leaves the ball pinned against it), the token is a miss. After `stuckTokens` misses in a row the next
 * `recoveryTokens` plans run with recovery settings (another horizon, guidance scale or MCG sample count),
 * then the normal settings return.
 *
 * Only the agent's own signals are used: its plan's predicted positions and the observed ones. Nothing here
 * knows the map. Pure and I/O-free; the agent (agent.ts) holds one `StuckState` per episode.
 */
import { ConfigError } from '../errors.js';

export interface StuckSettings {
  /** A token is a miss when its observed end position is farther than this from the predicted one (0 = off). */
  readonly distance: number;
  /** Consecutive misses that start a recovery. */
  readonly tokens: number;
  /** Plans made with the recovery settings once it starts. */
  readonly recoveryTokens: number;
}

export interface StuckState {
  /** Misses in a row so far (reset when a recovery starts or a token is not a miss). */
  readonly misses: number;
  /** Recovery plans still to make. */
  readonly recoveryLeft: number;
  /** Recoveries started since the episode began (diagnostics). */
  readonly recoveries: number;
}

export const idleStuckState: StuckState = Object.freeze({ misses: 0, recoveryLeft: 0, recoveries: 0 });

/**
 * Distance between the observed end-of-token position and the plan's prediction for the same step:
 * `planSteps` are the plan's raw steps [rows × stepSize] starting at the token's first step, `row` the plan row
 * of the token's last step, `stepPosition` / `obsPosition` where the position sits in a step / observation.
 */
export function predictionMiss(
  planSteps: ArrayLike<number>,
  stepSize: number,
  row: number,
  stepPosition: readonly number[],
  observation: ArrayLike<number>,
  obsPosition: readonly number[],
): number {
  let sum = 0;
  for (let i = 0; i < stepPosition.length; i++) {
    const diff = planSteps[row * stepSize + stepPosition[i]!]! - observation[obsPosition[i]!]!;
    sum += diff * diff;
  }
  return Math.sqrt(sum);
}

/** The state after a token whose prediction missed by `miss` (NaN: no prediction to compare, not a miss). */
export function afterToken(state: StuckState, miss: number, settings: StuckSettings): StuckState {
  if (settings.distance <= 0) return state;
  const missed = miss > settings.distance;
  const misses = missed ? state.misses + 1 : 0;
  if (misses >= settings.tokens && state.recoveryLeft === 0) {
    return { misses: 0, recoveryLeft: settings.recoveryTokens, recoveries: state.recoveries + 1 };
  }
  return {
    misses: state.recoveryLeft > 0 ? 0 : misses,
    recoveryLeft: state.recoveryLeft,
    recoveries: state.recoveries,
  };
}

/** The state after a plan was made: one recovery plan fewer to make. */
export function afterPlan(state: StuckState): StuckState {
  return state.recoveryLeft > 0 ? { ...state, recoveryLeft: state.recoveryLeft - 1 } : state;
}

/** ConfigError when stuck detection is on but the layout has no position fields to compare. */
export function checkStuckDetection(distance: number, hasPosition: boolean): void {
  if (distance > 0 && !hasPosition) {
    throw new ConfigError(
      "stuckDistance compares planned and observed positions, which needs observation fields 'position' and " +
        "'velocity' of the action's size; this model's layout has none: set stuckDistance to 0",
      'stuckDistance',
    );
  }
}
