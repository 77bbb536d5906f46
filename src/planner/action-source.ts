/**
 * The executed action from a plan, per `PlannerConfig.actionSource` (the formulas are in types.ts):
 * 'diffused' hands out the planned action; 'feedback' adds state feedback toward the state the plan expected
 * before this step; 'track' is PD tracking of the planned next state. Feedback closes the loop inside a chunk of
 * F open-loop steps, where a diffused action alone cannot react to how the robot actually moved.
 */
import { ConfigError } from '../errors.js';
import type { TokenLayout } from '../tasks/token-layout.js';
import type { ActionSource } from './types.js';

/** Where position and velocity sit, per action component, in a step and in the observation vector. */
export interface TrackingIndices {
  readonly stepPosition: readonly number[];
  readonly stepVelocity: readonly number[];
  readonly obsPosition: readonly number[];
  readonly obsVelocity: readonly number[];
}

/** Null when the layout has no `position`/`velocity` observation fields of the action's size. */
export function trackingIndices(layout: TokenLayout, actionSize: number): TrackingIndices | null {
  let step = 0;
  let obs = 0;
  let position: { step: number; obs: number } | null = null;
  let velocity: { step: number; obs: number } | null = null;
  for (const field of layout.fields) {
    if (field.kind === 'observation') {
      if (field.name === 'position' && field.size === actionSize) position = { step, obs };
      if (field.name === 'velocity' && field.size === actionSize) velocity = { step, obs };
      obs += field.size;
    }
    step += field.size;
  }
  if (!position || !velocity) return null;
  const range = (start: number) => Array.from({ length: actionSize }, (_, i) => start + i);
  return {
    stepPosition: range(position.step),
    stepVelocity: range(velocity.step),
    obsPosition: range(position.obs),
    obsVelocity: range(velocity.obs),
  };
}

/** ConfigError when `source` needs tracking fields the layout lacks. */
export function checkActionSource(
  source: ActionSource,
  indices: TrackingIndices | null,
  actionSize: number,
): void {
  if (source !== 'diffused' && indices === null) {
    throw new ConfigError(
      `actionSource '${source}' tracks the planned state, which needs observation fields 'position' and ` +
        `'velocity' of size ${actionSize} (the action's size); this model's layout has none: use 'diffused'`,
      'actionSource',
    );
  }
}

export interface ActionInputs {
  readonly source: ActionSource;
  readonly kp: number;
  readonly kd: number;
  /** Planned raw steps of the chunk's token onward [H·F × stepSize]; step j of the chunk is row j. */
  readonly steps: Float32Array;
  readonly stepSize: number;
  /** The chunk's planned (clamped) actions [F × actionSize]. */
  readonly actions: Float32Array;
  /** Step within the chunk. */
  readonly step: number;
  /** Latest raw observation (before this step's action). */
  readonly observation: ArrayLike<number>;
  readonly low: Float32Array;
  readonly high: Float32Array;
}

export function executedAction(inputs: ActionInputs, indices: TrackingIndices | null): Float32Array {
  const { source, kp, kd, steps, stepSize, actions, step, observation, low, high } = inputs;
  const size = low.length;
  const out = actions.slice(step * size, (step + 1) * size);
  if (source === 'diffused' || indices === null) return out;
  // 'feedback' compares with the state planned before step j (row j−1; none at j = 0: the plan starts at the
  // observed state); 'track' with the state planned after step j (row j).
  const row = source === 'track' ? step : step - 1;
  if (source === 'track') out.fill(0);
  if (row < 0) return out;
  for (let i = 0; i < size; i++) {
    const pPlan = steps[row * stepSize + indices.stepPosition[i]!]!;
    const vPlan = steps[row * stepSize + indices.stepVelocity[i]!]!;
    const p = observation[indices.obsPosition[i]!]!;
    const v = observation[indices.obsVelocity[i]!]!;
    const a = out[i]! + kp * (pPlan - p) + kd * (vPlan - v);
    out[i] = Math.min(Math.max(a, low[i]!), high[i]!);
  }
  return out;
}

/**
 * The same law for a caller that holds a plan's rows outside the agent (the node's control loop, which runs in
 * another thread than the planner): `row` = steps since the plan's first step, `observation` = the state the
 * command is for. At row 0 'feedback' adds nothing (the plan starts at the observed state).
 */
export interface ActionLaw {
  readonly source: ActionSource;
  readonly kp: number;
  readonly kd: number;
  readonly stepSize: number;
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly indices: TrackingIndices | null;
}

export function actionLaw(
  config: { readonly actionSource: ActionSource; readonly trackKp: number; readonly trackKd: number },
  layout: TokenLayout,
  low: ArrayLike<number>,
  high: ArrayLike<number>,
): ActionLaw {
  const size = low.length;
  const indices = trackingIndices(layout, size);
  checkActionSource(config.actionSource, indices, size);
  let stepSize = 0;
  for (const field of layout.fields) stepSize += field.size;
  return {
    source: config.actionSource,
    kp: config.trackKp,
    kd: config.trackKd,
    stepSize,
    low: Float32Array.from(low),
    high: Float32Array.from(high),
    indices,
  };
}

/** The command for plan row `row`: `actions` are the plan's clamped actions, `steps` its raw planned steps. */
export function lawAction(
  law: ActionLaw,
  actions: Float32Array,
  steps: Float32Array,
  row: number,
  observation: ArrayLike<number>,
): Float32Array {
  return executedAction(
    {
      source: law.source,
      kp: law.kp,
      kd: law.kd,
      steps,
      stepSize: law.stepSize,
      actions,
      step: row,
      observation,
      low: law.low,
      high: law.high,
    },
    law.indices,
  );
}
