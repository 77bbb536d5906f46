/**
 * The maze robot interface (robot-interface.ts), the planner node's first implementation: a force-driven point
 * mass (D4RL Maze2D). Topics, types, QoS and frames are the contract in maze-topics.ts, which the sim node shares.
 *
 * - State: nav_msgs/Odometry → [x, y, vx, vy] (convert.ts `readOdometry`); never noisy.
 * - Reward: geometry_msgs/Vector3Stamped stamped like its state (optional); episode start: geometry_msgs/PoseStamped
 *   stamped like the episode's first state, carrying its goal; goal: geometry_msgs/PoseStamped, subscribed twice — volatile, which is
 *   what RViz's 2D Goal Pose and `ros2 topic pub` offer (a transient-local subscription never matches a volatile
 *   publisher), and transient-local, so a latched goal published before the node started still arrives. A copy
 *   heard on both is handled once.
 * - Command: geometry_msgs/WrenchStamped, force.x/y = the action. Safe command: zero force (the ball coasts to a
 *   stop against the floor's friction; there is no position to hold).
 * - Plan: nav_msgs/Path of the planned positions.
 *
 * Order across topics (docs/ros2.md §4): rclnodejs takes one message from each ready subscription per round, in
 * the order they were created (lib/node.js:233-307 of rclnodejs 2.2.0), and DDS keeps no order across topics, so
 * the subscription order below decides nothing: the reward and the episode start carry the stamp of the state
 * they belong to, and the node pairs them with it by stamp. An episode's goal travels in its episode_start, so
 * it cannot lose a race against the episode's first odom.
 */
import { ConfigError } from '../errors.js';
import type { ConfigOf } from '../params/index.js';
import { fieldOffset } from '../tasks/token-layout.js';
import type { Odometry, PoseStamped, Received, Transport } from '../transport/index.js';
import { commandMessage, isRejection, pathMessage, readGoal, readOdometry, readReward } from './convert.js';
import { MAZE_INTERFACE_PARAMS } from './maze-params.js';
import { MAZE_QOS, MAZE_TYPES } from './maze-topics.js';
import type { NodeTask } from './node-task.js';
import type { HostInfo } from './planner-protocol.js';
import type { RobotConnectOptions, RobotInterface, RobotLink } from './robot-interface.js';

export { MAZE_INTERFACE_PARAMS } from './maze-params.js';
export * from './maze-topics.js';

type MazeParams = ConfigOf<typeof MAZE_INTERFACE_PARAMS>;

/** odom → [x, y, vx, vy] and force ← action: the model's layout must match. */
function checkMazeLayout(info: HostInfo, task: NodeTask): void {
  const obs = info.layout.fields.filter((f) => f.kind === 'observation');
  const ok =
    info.actionSize === 2 &&
    obs.length === 2 &&
    obs[0]!.name === 'position' &&
    obs[0]!.size === 2 &&
    obs[1]!.name === 'velocity' &&
    obs[1]!.size === 2;
  if (!ok) {
    throw new ConfigError(
      `the maze interface needs a model with a 2-d action and observation fields [position(2), velocity(2)]; this model has action size ${info.actionSize} and observation fields ${obs.map((f) => `${f.name}(${f.size})`).join(', ')}`,
      'model',
    );
  }
  if (task.actionLow.length !== 2 || task.actionHigh.length !== 2) {
    throw new ConfigError(
      `task ${task.id} has ${task.actionLow.length}-d action bounds, the model 2`,
      'task',
    );
  }
}

function connectMaze(t: Transport, o: RobotConnectOptions): RobotLink {
  const params = o.params as MazeParams;
  const frameId = params.frameId;
  const inputs = o.inputs;
  const positionOffset = fieldOffset(o.info.layout, 'position');
  const stepSize = o.info.stepSize;
  const zero = new Float32Array(o.info.actionSize);
  const watched: Record<string, string> = { odom: t.resolve(params.odomTopic) };
  if (o.goalNeeded) watched['goal'] = t.resolve(params.goalTopic);

  const publishCommand = t.advertise(MAZE_TYPES.command, params.commandTopic, MAZE_QOS.command);
  const publishPlan = t.advertise(MAZE_TYPES.plan, params.planTopic, MAZE_QOS.plan);

  const onOdom = (r: Received<Odometry>) => {
    inputs.heard('odom');
    const s = readOdometry(r.msg, frameId);
    if (isRejection(s)) inputs.rejected('odom', s);
    else inputs.state(s, r.recvNs);
  };
  let lastGoalKey: string | null = null;
  const onGoal = (r: Received<PoseStamped>) => {
    // A latched publisher matches both goal subscriptions: its message comes twice, back to back. Handle it once.
    const h = r.msg?.header;
    const p = r.msg?.pose?.position;
    const key = `${h?.stamp?.sec}.${h?.stamp?.nanosec}|${h?.frame_id}|${p?.x}|${p?.y}|${p?.z}`;
    if (key === lastGoalKey) return;
    lastGoalKey = key;
    inputs.heard('goal');
    const g = readGoal(r.msg, frameId);
    if (isRejection(g)) inputs.rejected('goal', g);
    else inputs.goal(g);
  };
  const subscriptions = [
    t.observe(MAZE_TYPES.odom, params.odomTopic, MAZE_QOS.odom).subscribe(onOdom),
    t.observe(MAZE_TYPES.goal, params.goalTopic, MAZE_QOS.goalVolatile).subscribe(onGoal),
    t.observe(MAZE_TYPES.goal, params.goalTopic, MAZE_QOS.goal).subscribe(onGoal),
  ];
  if (params.rewardTopic !== '') {
    subscriptions.push(
      t.observe(MAZE_TYPES.reward, params.rewardTopic, MAZE_QOS.reward).subscribe((r) => {
        inputs.heard('reward');
        const v = readReward(r.msg);
        if (isRejection(v)) inputs.rejected('reward', v);
        else inputs.reward(v.reward, v.stampNs);
      }),
    );
  }
  if (params.episodeTopic !== '') {
    subscriptions.push(
      t.observe(MAZE_TYPES.episodeStart, params.episodeTopic, MAZE_QOS.episodeStart).subscribe((r) => {
        inputs.heard('episode');
        const start = readGoal(r.msg, frameId, 'episode_start');
        if (isRejection(start)) inputs.rejected('episode', start);
        else inputs.episodeStart(start.stampNs, start);
      }),
    );
  }

  return {
    watched,
    sendAction(action, stampNs) {
      publishCommand(commandMessage(action, stampNs, frameId));
      return true;
    },
    sendSafe(stampNs) {
      publishCommand(commandMessage(null, stampNs, frameId));
      return zero;
    },
    publishPlan(plan, stampNs, periodNs) {
      publishPlan(pathMessage(plan.steps, stepSize, positionOffset, stampNs, periodNs, frameId));
    },
    unsubscribe() {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}

export const mazeInterface: RobotInterface = {
  name: 'maze',
  params: MAZE_INTERFACE_PARAMS,
  checkLayout: checkMazeLayout,
  connect: connectMaze,
};
