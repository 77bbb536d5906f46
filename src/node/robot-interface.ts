/**
 * The planner node's robot interface: everything the node knows about one kind of robot, so that
 * planner-node.ts keeps only the robot-agnostic stepping, timing, fallback and diagnostics. An interface
 * - reads its input topics into observations (with a "noisy" flag for readings the sensor marked unreliable),
 *   rewards and goals, and reports every message and rejection to the node (counting is the node's);
 * - checks that the model's token layout and the task fit the robot;
 * - turns an action into its command message, and knows the robot's SAFE command (zero force for the
 *   force-driven maze; the measured joint positions held for a position-controlled arm, never zeros);
 * - publishes the plan;
 * - owns its section of the node's parameter table (topics, frames, joint names), declared after the common one.
 *
 * The maze (maze-interface.ts) is the first implementation, the fruit-swap arm (arm-interface.ts) the second.
 * Interfaces hold no math of the task: what needs it (the arm's inverse kinematics) comes in with the NodeTask
 * from the CLI, which builds it from sim/.
 */
import type { ParamTable, ParamValue } from '../params/index.js';
import type { Transport } from '../transport/index.js';
import type { Rejection } from './input-checks.js';
import type { NodeTask } from './node-task.js';
import type { HostInfo, HostPlan } from './planner-protocol.js';

/** An observation in the model's layout order, the stamp of the message it came from, and its reliability. */
export interface StateSample {
  readonly observation: Float64Array;
  readonly stampNs: bigint;
  /**
   * A sensor flagged part of this observation as unreliable (an occluded camera): the agent absorbs its token
   * at `noisy_observe_level` instead of trusting it. Absent = trusted.
   */
  readonly noisy?: boolean;
}

/** A goal in the fixed frame and the stamp of its message. */
export interface GoalSample {
  readonly goal: Float64Array;
  readonly stampNs: bigint;
}

/** Where an interface delivers what it read. Called from transport callbacks (the node guards them). */
export interface RobotInputs {
  /** A message arrived on an input (counted per role; a watched role is no longer silent). */
  heard(role: string): void;
  /** A message was dropped before reaching the planner (counted per role and reason, logged once). */
  rejected(role: string, rejection: Rejection): void;
  /** A state, checked field by field; the node judges its stamp order and steps on it. */
  state(sample: StateSample, recvNs: bigint): void;
  /** The reward of the state stamped `stampNs` (paired with it by stamp: docs/ros2.md §4). */
  reward(value: number, stampNs: bigint): void;
  goal(sample: GoalSample): void;
  /**
   * A new episode whose first state is stamped `stampNs`, with the goal it carries (null: the goal stays). The
   * interface subscribes the episode topic (its message type is the robot's); the node restarts the agent there.
   */
  episodeStart(stampNs: bigint, goal: GoalSample | null): void;
}

/** The parameters every interface's section declares, because the node itself reads them. */
export interface CommonRobotParams {
  readonly episodeTopic: string;
  readonly planTopic: string;
  readonly publishPlan: boolean;
}

/** One connected robot: the node's publishers and subscriptions for this robot. */
export interface RobotLink {
  /** Resolved topic name per needed input role (silent-topic watch): the state inputs, the goal when needed. */
  readonly watched: Readonly<Record<string, string>>;
  /**
   * Publishes the command for a (finite) action. Returns false, publishing nothing, when the message would carry
   * a non-finite number (then the node sends the safe command instead).
   */
  sendAction(action: Float32Array, stampNs: bigint): boolean;
  /**
   * Publishes the safe command and returns the model-space action it amounts to (what the agent is told was
   * executed), or null when there is nothing safe to send yet (nothing is published: a position-controlled arm
   * whose joints were never measured keeps its controller's own target).
   */
  sendSafe(stampNs: bigint): Float32Array | null;
  /** Publishes a plan (the node decides whether plans are published at all). */
  publishPlan(plan: HostPlan, stampNs: bigint, periodNs: bigint): void;
  /** Accepted runtime changes of the interface's dynamic parameters (ROS names), applied at once. */
  applyParams?(changes: Readonly<Record<string, ParamValue>>): void;
  /** Ends the subscriptions (publishers stay: the safe command goes out after this on close). */
  unsubscribe(): void;
}

export interface RobotConnectOptions {
  /** The interface's own parameter values (declared from its `params`), keyed by camelCase key. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly task: NodeTask;
  readonly info: HostInfo;
  readonly inputs: RobotInputs;
  /** Whether the goal input is needed (the task has no default goal): then it is watched for silence. */
  readonly goalNeeded: boolean;
}

export interface RobotInterface {
  /** Short name for logs and errors, e.g. 'maze', 'arm'. */
  readonly name: string;
  /** Its section of the node's parameter table (after the common section; includes CommonRobotParams). */
  readonly params: ParamTable;
  /** Throws a ConfigError naming what does not fit when the model or the task is not for this robot. */
  checkLayout(info: HostInfo, task: NodeTask): void;
  /** Advertises the command and plan topics and subscribes the inputs, in the order the interface needs. */
  connect(t: Transport, options: RobotConnectOptions): RobotLink;
}
