/**
 * `df-planner sim-node`: the MuJoCo maze as a ROS node (sim/nodes/maze-sim-node.ts) on real ROS 2
 * (`--transport ros`) or on the in-process bus. It publishes odom, reward, /clock and the latched goal, applies
 * the commands on cmd_force, and exits after its episodes with a report (stdout; `--json` for one JSON line).
 *
 * Flags are shorthands for the node's parameters (`--params` prints the table); everything after `--ros-args`
 * goes to the transport unchanged, as `ros2 launch` passes it. Precedence follows rclnodejs
 * (src/transport/param-overrides.ts): table defaults < --params-file `/**` < --params-file `maze_sim:` section <
 * flags (passed as `-p maze_sim:name:=v`, ros-flags.ts) and `-p` after --ros-args (a flag is left out when they
 * set the same parameter).
 */
import { createMazeEnv } from '../../sim/maze2d/index.js';
import { ARM_SIM_PARAMS, MazeSimNode, type MazeSimReport, SIM_PARAMS } from '../../sim/nodes/index.js';
import { taskFor, taskIds } from '../../sim/task-registry.js';
import { ConfigError } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { declareParams, paramsMarkdown } from '../params/index.js';
import { createTransport, finalNodeName, overrideValue, type TransportKind } from '../transport/index.js';
import { type CliCommand, defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { warnRosArgs } from './ros-arg-warnings.js';
import { flagParams } from './ros-flags.js';
import { runArmSimNode } from './sim-node-arm.js';
import { onStopSignals, SIGNAL_EXIT_CODE, type StopSignals } from './stop-signals.js';

const options = {
  task: {
    kind: 'string',
    description: 'task to simulate (default maze2d-medium); sets -p task:=…',
    choices: taskIds('sim-node'),
  },
  lockstep: { kind: 'boolean', description: 'one env step per command received (deterministic)' },
  seed: { kind: 'integer', description: 'seed of the episode starts; sets -p seed:=…', min: 0, max: 2 ** 31 },
  episodes: { kind: 'integer', description: 'episodes before exiting; sets -p episodes:=…', min: 1 },
  'max-steps': { kind: 'integer', description: 'cut episodes after N steps; sets -p max_steps:=…', min: 0 },
  'real-time-factor': {
    kind: 'number',
    description: 'real time: sim seconds per wall second; sets -p real_time_factor:=…',
    min: 0.01,
    max: 100,
  },
  transport: {
    kind: 'string',
    description:
      'ros: real ROS 2 through rclnodejs; bus: in-process bus (default: ros when ROS_DISTRO is set)',
    choices: ['bus', 'ros'],
  },
  'params-file': { kind: 'string', description: 'ROS 2 parameters YAML (a maze_sim or /** section)' },
  name: {
    kind: 'string',
    description: 'node name (-r __node:= after --ros-args wins; default maze_sim, arm_sim for the arm)',
  },
  params: { kind: 'boolean', description: 'print the parameter table (markdown) and exit' },
  json: { kind: 'boolean', description: 'print the report as one JSON line on stdout' },
} as const;

const SUMMARY = COMMAND_SUMMARIES['sim-node'];

function simNodeCommand(passThrough: readonly string[]): CliCommand {
  return defineCommand({
    summary: SUMMARY,
    usage:
      'df-planner sim-node [--task maze2d-medium] [--lockstep] [--seed s] [--episodes n] [--transport ros|bus] [--params-file f.yaml] [--ros-args …]',
    options,
    async run(opts) {
      const rosArgs = ['--ros-args'];
      if (opts['params-file'] !== undefined) rosArgs.push('--params-file', opts['params-file']);
      const tail = ['--ros-args', ...passThrough];
      // The robot decides the node's parameter table and default name: --task, else a task parameter set for
      // either sim's name, else the default maze.
      const given = [...rosArgs, ...passThrough];
      const taskId =
        opts.task ??
        String(
          overrideValue(opts.name ?? 'arm_sim', given, 'task') ??
            overrideValue(opts.name ?? 'maze_sim', given, 'task') ??
            'maze2d-medium',
        );
      const arm = taskFor(taskId, 'sim-node').robot === 'arm';
      const table = arm ? ARM_SIM_PARAMS : SIM_PARAMS;
      const name = opts.name ?? (arm ? 'arm_sim' : 'maze_sim');
      if (opts.params) {
        process.stdout.write(paramsMarkdown(table));
        return 0;
      }
      const flags: [string, string][] = [];
      if (opts.task !== undefined) flags.push(['task', opts.task]);
      if (opts.lockstep) flags.push(['lockstep', 'true']);
      if (opts.seed !== undefined) flags.push(['seed', String(opts.seed)]);
      if (opts.episodes !== undefined) flags.push(['episodes', String(opts.episodes)]);
      if (opts['max-steps'] !== undefined) flags.push(['max_steps', String(opts['max-steps'])]);
      if (opts['real-time-factor'] !== undefined)
        flags.push(['real_time_factor', doubleText(opts['real-time-factor'])]);
      rosArgs.push(...flagParams(finalNodeName(name, tail), tail, flags));
      rosArgs.push(...passThrough);
      const kind: TransportKind =
        (opts.transport as TransportKind | undefined) ?? (process.env['ROS_DISTRO'] ? 'ros' : 'bus');
      if (kind === 'bus') {
        stderrLogger.warn(
          'bus transport: this sim is alone on an in-process bus, so no planner can reach it (it steps with zero commands); use --transport ros, or `df-planner run` for the sim and planner in one process',
        );
      }
      const transport = await createTransport(kind, name, rosArgs, { handleSignals: false });
      warnRosArgs(rosArgs, [{ name: transport.name, table }]);
      if (arm) return runArmSimNode(transport, kind, opts.json === true);
      let node: MazeSimNode;
      try {
        const params = declareParams(transport, SIM_PARAMS);
        const task = taskFor(params.task, 'sim-node');
        if (task.robot !== 'maze2d') {
          throw new ConfigError(`no sim node for task '${task.id}' (robot ${task.robot ?? 'none'})`, 'task');
        }
        const env = await createMazeEnv(task.id, { logger: stderrLogger });
        // Alone on a bus nothing will ever command the sim: do not wait for a controller that cannot come.
        const waitForController = kind === 'bus' ? false : params.waitForController;
        node = new MazeSimNode(transport, env, { ...params, waitForController });
      } catch (err) {
        await transport.close();
        throw err;
      }
      node.start();
      const mode = node.config.lockstep ? 'lockstep' : `real time ×${node.config.realTimeFactor}`;
      stderrLogger.info(
        `sim node ${transport.fqn}: ${node.env.id}, ${mode}, ${node.config.episodes} episode(s), seed ${node.config.seed} (Ctrl-C to stop)`,
      );
      let signals: StopSignals | undefined;
      const stopped = new Promise<'signal'>((resolve) => {
        signals = onStopSignals((signal) => {
          stderrLogger.info(`${signal}: stopping the sim`);
          resolve('signal');
        });
      });
      try {
        const outcome = await Promise.race([node.done, stopped]);
        const report: MazeSimReport =
          outcome === 'signal' ? { task: node.env.id, config: node.config, episodes: node.records } : outcome;
        process.stdout.write(opts.json ? `${JSON.stringify(reportJson(report))}\n` : reportText(report));
        return outcome === 'signal' ? SIGNAL_EXIT_CODE : 0;
      } finally {
        node.stop();
        await transport.close();
        node.env.close();
        signals?.dispose();
      }
    },
  });
}

/** A double parameter must be written with a decimal point (ROS refuses an integer for a double). */
function doubleText(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

function reportJson(report: MazeSimReport): object {
  return {
    task: report.task,
    config: report.config,
    episodes: report.episodes.map(({ trajectory: _t, ...rest }) => rest),
  };
}

function reportText(report: MazeSimReport): string {
  const lines = [
    `${report.task}, ${report.config.lockstep ? 'lockstep' : 'real time'}, seed ${report.config.seed}`,
  ];
  for (const e of report.episodes) {
    const dropped = Object.values(e.rejected).reduce((a, b) => a + b, 0);
    lines.push(
      `episode ${e.index}: ${e.steps} steps, score ${e.normalizedScore.toFixed(1)}, ` +
        (e.success ? `reached the goal at step ${e.firstReachStep}` : 'did not reach the goal') +
        (report.config.lockstep ? '' : `, ${e.deadlineMisses} deadline misses`) +
        `, ${e.commandsApplied} commands applied, ${dropped} dropped`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const command: CliCommand = {
  summary: SUMMARY,
  options,
  run(argv) {
    const i = argv.indexOf('--ros-args');
    return i < 0 ? simNodeCommand([]).run(argv) : simNodeCommand(argv.slice(i + 1)).run(argv.slice(0, i));
  },
};
export default command;
