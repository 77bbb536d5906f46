/**
 * Public API of the objectives folder: the guidance objectives registered by name (the name the `objective`
 * planner setting and the ROS parameter take) and their contract.
 */
import { InputError } from '../errors.js';
import { goalReaching } from './goal-reaching.js';
import { rewardSum } from './reward-sum.js';
import type { GuidanceObjective } from './types.js';

export type { GuidanceObjective, ObjectiveContext, PlainObjective } from './types.js';

const registry = new Map<string, GuidanceObjective>([
  [goalReaching.name, goalReaching],
  [rewardSum.name, rewardSum],
]);

/** Names of every registered objective, in registration order. */
export function objectiveNames(): string[] {
  return [...registry.keys()];
}

/** The objective registered as `name`; InputError listing the valid names otherwise. */
export function getObjective(name: string): GuidanceObjective {
  const objective = registry.get(name);
  if (objective === undefined) {
    throw new InputError(
      `unknown objective '${name}'; registered objectives: ${objectiveNames().join(', ')}`,
    );
  }
  return objective;
}

/**
 * Adds an objective (a task's own cost) under its `name`. Names are snake_case and unique: registering a
 * taken name is an InputError, so a typo cannot silently replace goal_reaching.
 */
export function registerObjective(objective: GuidanceObjective): void {
  if (!/^[a-z][a-z0-9_]*$/.test(objective.name)) {
    throw new InputError(`objective names are snake_case (a-z, 0-9, _), got '${objective.name}'`);
  }
  if (registry.has(objective.name)) {
    throw new InputError(`an objective named '${objective.name}' is already registered`);
  }
  registry.set(objective.name, objective);
}

export { goalReaching, rewardSum };
