/**
 * Public surface of src/node: the planner node, its parameter table, the robot interfaces (the maze's topic
 * contract is shared with the sim node), and the planner host (worker thread or inline).
 */

export { collectGarbage } from './agent-driver.js';
export * from './arm-interface.js';
export * from './convert.js';
export * from './diagnostics.js';
export * from './maze-interface.js';
export * from './node-params.js';
export type { JointTask, NodeTask } from './node-task.js';
export {
  createPlannerHost,
  type PlannerHost,
  PlannerHostError,
} from './planner-host.js';
export {
  INPUT_SYNC_WAIT_NS,
  PlannerNode,
  startPlannerNode,
} from './planner-node.js';
export type { HostMemory, HostPlan } from './planner-protocol.js';
export type * from './robot-interface.js';
