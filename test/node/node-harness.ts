/**
 * Test harness for the planner node: an in-process bus on virtual time, the planner node under test and a
 * "robot" node that publishes the maze sensor topics and records every command, plan and diagnostics message.
 * No mocks: the node, the bus, the planner and the (tiny, untrained) model are the real ones.
 */

import type { Logger } from '../../src/logging.js';
import {
  MAZE_TOPICS,
  MAZE_TYPES,
  type NodeTask,
  type PlannerNode,
  startPlannerNode,
} from '../../src/node/index.js';
import type { Bus, Transport } from '../../src/transport/index.js';
import {
  createBus,
  type DiagnosticArray,
  type DiagnosticStatus,
  type MsgInput,
  type Odometry,
  type Path,
  type PoseStamped,
  timeFromNs,
  type Vector3Stamped,
  type WrenchStamped,
} from '../../src/transport/index.js';
import { FAST_PLANNER, umazeTask } from './maze-model.js';

export const MS = 1_000_000n;
/** Control period at the maze's 100 Hz. */
export const PERIOD = 10n * MS;

export interface Harness {
  readonly bus: Bus;
  readonly node: PlannerNode;
  readonly plannerTransport: Transport;
  readonly robot: Transport;
  readonly commands: WrenchStamped[];
  readonly plans: Path[];
  readonly diagnostics: DiagnosticArray[];
  /** Every line the bus logged (the planner node's log), as `level: text`. */
  readonly logs: string[];
  /** Publishes an odom (stamp in ns of sim time) and lets the bus deliver everything. */
  odom(x: number, y: number, vx: number, vy: number, stampNs: bigint, frame?: string): Promise<void>;
  /** Publishes a raw odom message (for malformed inputs). */
  rawOdom(msg: MsgInput<Odometry>): Promise<void>;
  /** Publishes the reward of the state stamped `stampNs`. */
  reward(value: number, stampNs: bigint): Promise<void>;
  goal(x: number, y: number, stampNs: bigint, frame?: string): Promise<void>;
  /** Publishes an episode start whose first state is stamped `stampNs`, toward `goal` (default: the task's). */
  episodeStart(stampNs: bigint, goal?: readonly [number, number]): Promise<void>;
  /** The latest control-loop status. */
  status(): DiagnosticStatus;
  value(key: string): string | undefined;
  close(): Promise<void>;
}

/** ROS args that set the planner's parameters (`-p name:=value`), with fast planner defaults. */
export function plannerArgs(params: Record<string, string | number | boolean>): string[] {
  const fast: Record<string, string | number | boolean> = {
    horizon: FAST_PLANNER.horizonTokens,
    sampling_steps: FAST_PLANNER.samplingSteps,
    warm_steps_left: FAST_PLANNER.warmStepsLeft,
    warm_rows: FAST_PLANNER.warmRows,
    guidance_scale: `${FAST_PLANNER.guidanceScale.toFixed(1)}`,
    ...params,
  };
  const argv = ['--ros-args'];
  for (const [k, v] of Object.entries(fast)) argv.push('-p', `${k}:=${v}`);
  return argv;
}

export function poseMessage(x: number, y: number, stampNs: bigint, frame = 'odom'): MsgInput<PoseStamped> {
  return {
    header: { stamp: timeFromNs(stampNs), frame_id: frame },
    pose: { position: { x, y, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
  };
}

export function rewardMessage(value: number, stampNs: bigint): MsgInput<Vector3Stamped> {
  return { header: { stamp: timeFromNs(stampNs), frame_id: 'odom' }, vector: { x: value, y: 0, z: 0 } };
}

export function odomMessage(
  x: number,
  y: number,
  vx: number,
  vy: number,
  stampNs: bigint,
  frame = 'odom',
): MsgInput<Odometry> {
  return {
    header: { stamp: timeFromNs(stampNs), frame_id: frame },
    child_frame_id: 'base_link',
    pose: { pose: { position: { x, y, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } } },
    twist: { twist: { linear: { x: vx, y: vy, z: 0 }, angular: { x: 0, y: 0, z: 0 } } },
  };
}

export async function startHarness(
  params: Record<string, string | number | boolean>,
  task: NodeTask = umazeTask(),
): Promise<Harness> {
  const logs: string[] = [];
  const logger: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  const bus = createBus({ logger });
  const robot = bus.node('robot');
  const commands: WrenchStamped[] = [];
  const plans: Path[] = [];
  const diagnostics: DiagnosticArray[] = [];
  // Depth 10 (not the sim's keep-last 1), so a burst of ticks fired in one synchronous clock advance is seen whole.
  robot.observe(MAZE_TYPES.command, MAZE_TOPICS.command, 'default').subscribe((r) => commands.push(r.msg));
  robot.observe(MAZE_TYPES.plan, '/planner/plan', 'default').subscribe((r) => plans.push(r.msg));
  robot
    .observe(MAZE_TYPES.diagnostics, MAZE_TOPICS.diagnostics, 'default')
    .subscribe((r) => diagnostics.push(r.msg));
  const pubOdom = robot.advertise(MAZE_TYPES.odom, MAZE_TOPICS.odom, 'sensor');
  const pubReward = robot.advertise(MAZE_TYPES.reward, MAZE_TOPICS.reward, 'sensor');
  const pubGoal = robot.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, 'latched');
  const pubEpisode = robot.advertise(MAZE_TYPES.episodeStart, MAZE_TOPICS.episodeStart, 'default');
  robot.start();
  const plannerTransport = bus.node('planner', '', plannerArgs(params));
  const node = await startPlannerNode({ transport: plannerTransport, resolveTask: () => task });
  await bus.idle();
  const status = (): DiagnosticStatus => {
    const last = diagnostics.at(-1);
    if (!last) throw new Error('no /diagnostics message yet');
    return last.status[0]!;
  };
  return {
    bus,
    node,
    plannerTransport,
    robot,
    commands,
    plans,
    diagnostics,
    logs,
    async odom(x, y, vx, vy, stampNs, frame) {
      pubOdom(odomMessage(x, y, vx, vy, stampNs, frame));
      await bus.idle();
    },
    async rawOdom(msg) {
      pubOdom(msg);
      await bus.idle();
    },
    async reward(value, stampNs) {
      pubReward(rewardMessage(value, stampNs));
      await bus.idle();
    },
    async goal(x, y, stampNs, frame = 'odom') {
      pubGoal(poseMessage(x, y, stampNs, frame));
      await bus.idle();
    },
    async episodeStart(stampNs, goal) {
      const [x, y] = goal ?? task.defaultGoal ?? [0, 0];
      pubEpisode(poseMessage(x!, y!, stampNs));
      await bus.idle();
    },
    status,
    value(key) {
      return status().values.find((v) => v.key === key)?.value;
    },
    async close() {
      await node.close();
      await bus.idle();
      await bus.close();
    },
  };
}

/** Waits (in real time, virtual time standing still) until `cond` holds; for worker-thread replies. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function force(c: WrenchStamped): [number, number] {
  return [c.wrench.force.x, c.wrench.force.y];
}

/** A short deterministic trajectory of odom states (x, y, vx, vy) for lockstep runs. */
export function trajectory(n: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < n; i++) out.push([1 + 0.01 * i, 1 + 0.005 * i, 0.5, 0.25]);
  return out;
}

/**
 * Publishes `n` odoms of `trajectory(n)` one control period apart from `first` (lockstep: each is one step;
 * `realTime`: one control period runs after each); `between(i)` runs before odom i. Returns the next stamp.
 */
export async function feedTrajectory(
  h: Harness,
  n: number,
  options: { first?: bigint; realTime?: boolean; between?: (i: number) => void } = {},
): Promise<bigint> {
  let stamp = options.first ?? 10n * MS;
  for (const [i, [x, y, vx, vy]] of trajectory(n).entries()) {
    options.between?.(i);
    await h.odom(x, y, vx, vy, stamp);
    if (options.realTime) await h.bus.run(PERIOD);
    stamp += PERIOD;
  }
  return stamp;
}
