/**
 * Public API of the planner folder (the only file other folders import): the MPC agent around one Diffusion
 * Forcing model, its settings and contract.
 */

export { type ActionLaw, actionLaw, lawAction } from './action-source.js';
export { type CreateAgentOptions, createAgent, planActions } from './agent.js';
export { defaultPlannerConfig, resolvePlannerConfig } from './config.js';
export {
  explainConfigError,
  type ResolvedPlannerConfig,
  resolvePlannerSettings,
  type SettingSource,
} from './resolve-settings.js';
export { PLANNER_SETTINGS, type PlannerSettingDecl } from './settings.js';
export type {
  ActionSource,
  Agent,
  AgentResetOptions,
  AgentStatus,
  LatentMode,
  McgSelect,
  NoisyAbsorb,
  ObserveOptions,
  PlanNetwork,
  PlannerConfig,
  PlanOptions,
  PlanResult,
} from './types.js';
