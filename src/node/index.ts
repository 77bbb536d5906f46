/**
 * Public surface of src/node: the planner node, its parameter table, the maze robot interface it shares with
 * the sim node, and the planner host (worker thread or inline).
 */

export { AgentDriver, collectGarbage, loadAgentDriver } from './agent-driver.js';
export * from './convert.js';
export * from './diagnostics.js';
export * from './maze-interface.js';
export * from './node-params.js';
export type { NodeTask } from './node-task.js';
export {
  createPlannerHost,
  inlineHost,
  type PlannerHost,
  PlannerHostError,
  type PlannerHostOptions,
  type PlannerThread,
} from './planner-host.js';
export {
  type CommandSource,
  PlannerNode,
  type PlannerNodeOptions,
  startPlannerNode,
} from './planner-node.js';
export type { HostInfo, HostMemory, HostPlan, PlannerRequest } from './planner-protocol.js';
