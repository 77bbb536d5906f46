/**
 * `df-planner node`: runs the planner node (src/node) on real ROS 2 (`--transport ros`, rclnodejs) or on the
 * in-process bus (`--transport bus`). Flags are shorthands for parameters; everything after `--ros-args` goes to
 * the transport unchanged (`-p name:=value`, `--params-file f`, `-r from:=to`, `-r __node:=…`, `-r __ns:=…`), as
 * `ros2 run`/`ros2 launch` pass it.
 *
 * Parameter precedence follows rclnodejs (src/transport/param-overrides.ts): values keyed `/**` (plain
 * `-p name:=v`, a file's `/**` section) come first, then values keyed by the node's name (a file's `planner:`
 * section, `-p planner:name:=v`), argv order deciding within each. So: table defaults < the model's
 * `provenance.planner` block (tuned settings a shipped model carries; read when --model is given, passed as
 * plain -p) < --params-file `/**` < --params-file `planner:` section < flags (passed as `-p planner:name:=v`,
 * ros-flags.ts) and `-p` after --ros-args (a flag is left out when they set the same parameter).
 *
 * SIGINT/SIGTERM: the node publishes one zero command, the transport closes (ROS: after the shutdown hooks), the
 * planner thread ends, and the process exits 0. A second signal while closing exits at once (130; stop-signals.ts).
 */

import { taskIds } from '../../sim/task-registry.js';
import { ConfigError } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { readModelFile } from '../model/checkpoint.js';
import {
  NODE_PARAMS,
  type NodeTask,
  nodeParamTable,
  plannerParamArgs,
  startPlannerNode,
} from '../node/index.js';
import { paramsMarkdown } from '../params/index.js';
import {
  type Bus,
  createTransport,
  finalNodeName,
  overrideValue,
  type TransportKind,
} from '../transport/index.js';
import { BusOutputs, busOutputLines, RECORD_OPTION } from './bus-outputs.js';
import { type CliCommand, defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { nodeTaskFor } from './node-tasks.js';
import { modelTask } from './planner-policy.js';
import { warnRosArgs } from './ros-arg-warnings.js';
import { flagParams } from './ros-flags.js';
import { onStopSignals, type StopSignals } from './stop-signals.js';

const options = {
  model: { kind: 'string', description: 'model directory (model.json + weights.bin); sets -p model:=…' },
  task: {
    kind: 'string',
    description: "task id, e.g. maze2d-umaze (default: the model's training task); sets -p task:=…",
    choices: taskIds('node'),
  },
  transport: {
    kind: 'string',
    description:
      'ros: real ROS 2 through rclnodejs; bus: in-process bus (default: ros when ROS_DISTRO is set)',
    choices: ['bus', 'ros'],
  },
  'params-file': {
    kind: 'string',
    description: 'ROS 2 parameters YAML (ros__parameters under the node name or /**)',
  },
  lockstep: { kind: 'boolean', description: 'one command per odom, waiting for plans (deterministic sims)' },
  'planner-thread': {
    kind: 'string',
    description: 'worker (default) or inline; sets -p planner_thread:=…',
    choices: ['worker', 'inline'],
  },
  backend: {
    kind: 'string',
    description: 'tfjs backend of the planner thread; sets -p backend:=…',
    choices: ['wasm', 'cpu', 'tensorflow'],
  },
  name: { kind: 'string', description: 'node name (-r __node:= after --ros-args wins)', default: 'planner' },
  record: {
    ...RECORD_OPTION,
    description: "write the node's topics (published and received) to a ROS 2 bag",
  },
  params: { kind: 'boolean', description: 'print the parameter table (markdown) and exit' },
} as const;

/** The task named by the parameter, or the model's own task when it is empty. */
function resolveTask(taskId: string, modelDir: string): NodeTask {
  let id = taskId;
  if (id === '') {
    id = modelTask(readModelFile(modelDir).provenance) ?? '';
    if (id === '') {
      throw new ConfigError(
        `${modelDir} does not record its task; pass --task (e.g. --task maze2d-umaze)`,
        'task',
      );
    }
  }
  return nodeTaskFor(id);
}

const SUMMARY = COMMAND_SUMMARIES.node;

export interface NodeCommandOptions {
  /**
   * `--transport bus`: join this bus instead of a new one holding only the node, so other nodes in the same
   * process (a test's observer) can talk to it.
   */
  readonly bus?: Bus;
}

/** The command for one invocation; `passThrough` is what followed `--ros-args`. */
function nodeCommand(passThrough: readonly string[], deps: NodeCommandOptions = {}): CliCommand {
  return defineCommand({
    summary: SUMMARY,
    usage:
      'df-planner node --model models/maze2d-umaze [--task maze2d-umaze] [--transport ros|bus] [--params-file f.yaml] [--lockstep] [--ros-args …]',
    options,
    async run(opts) {
      const table = opts.task !== undefined ? nodeParamTable(nodeTaskFor(opts.task).robot) : NODE_PARAMS;
      if (opts.params) {
        // The robot's section follows the common one: --task picks it (the maze's by default).
        process.stdout.write(paramsMarkdown(table));
        return 0;
      }
      const rosArgs = ['--ros-args'];
      if (opts.model !== undefined)
        rosArgs.push(
          ...plannerParamArgs((readModelFile(opts.model).provenance as { planner?: unknown }).planner),
        );
      if (opts['params-file'] !== undefined) rosArgs.push('--params-file', opts['params-file']);
      const tail = ['--ros-args', ...passThrough];
      const flags: [string, string][] = [];
      if (opts.model !== undefined) flags.push(['model', opts.model]);
      if (opts.task !== undefined) flags.push(['task', opts.task]);
      if (opts.lockstep) flags.push(['lockstep', 'true']);
      if (opts['planner-thread'] !== undefined) flags.push(['planner_thread', opts['planner-thread']]);
      if (opts.backend !== undefined) flags.push(['backend', opts.backend]);
      rosArgs.push(...flagParams(finalNodeName(opts.name, tail), tail, flags), ...passThrough);
      // rclnodejs makes a node managed (a LifecycleNode) at construction, before any parameter is declared.
      const managed = overrideValue(opts.name, rosArgs, 'managed') === true;
      const kind: TransportKind =
        (opts.transport as TransportKind | undefined) ?? (process.env['ROS_DISTRO'] ? 'ros' : 'bus');
      if (kind === 'bus' && !deps.bus) {
        stderrLogger.warn(
          'bus transport: this node is alone on an in-process bus, so nothing can reach it; use --transport ros, or `df-planner run` for the sim and planner in one process',
        );
      }
      // Before the node starts: a bad bag path fails now. The bag is closed after the node (its zero command too).
      const outputs = await BusOutputs.open({ record: opts.record, logger: stderrLogger });
      let transport: Awaited<ReturnType<typeof createTransport>>;
      try {
        transport = outputs.wrapTransport(
          await createTransport(kind, opts.name, rosArgs, {
            handleSignals: false,
            managed,
            ...(deps.bus ? { bus: deps.bus } : {}),
          }),
        );
      } catch (err) {
        await outputs.close();
        throw err;
      }
      // ROS ignores what no node declares; a typo would then silently keep the default. Say so.
      warnRosArgs(rosArgs, [{ name: transport.name, table }]);
      let node: Awaited<ReturnType<typeof startPlannerNode>>;
      try {
        node = await startPlannerNode({ transport, resolveTask });
      } catch (err) {
        await transport.close();
        await outputs.close();
        throw err;
      }
      stderrLogger.info(`planner node ${transport.fqn} running (Ctrl-C to stop)`);
      let signals: StopSignals | undefined;
      try {
        return await new Promise<number>((resolve) => {
          signals = onStopSignals((signal) => {
            void (async () => {
              let failed = false;
              try {
                await node.close();
              } catch (err) {
                stderrLogger.error(`closing the node failed: ${(err as Error).message}`);
                failed = true;
              }
              try {
                // After the node: its zero command is in the bag; the bag is finished even if closing failed.
                for (const line of busOutputLines(await outputs.close()))
                  stderrLogger.info(line.replace(/ {2,}/, ' '));
              } catch (err) {
                stderrLogger.error(`finishing the bag failed: ${(err as Error).message}`);
                failed = true;
              }
              if (!failed) stderrLogger.info(`${signal}: zero command published, node closed`);
              resolve(failed ? 1 : 0);
            })();
          });
        });
      } finally {
        signals?.dispose();
      }
    },
  });
}

/** `df-planner node` with `argv` (everything after `node`); resolves to the exit code. */
export function runNodeCommand(argv: readonly string[], deps: NodeCommandOptions = {}): Promise<number> {
  const { own, ros } = splitRosArgs(argv);
  return nodeCommand(ros, deps).run(own);
}

const command: CliCommand = {
  summary: SUMMARY,
  options,
  run: (argv) => runNodeCommand(argv),
};
export default command;

/** Splits `argv` at `--ros-args`; the tail goes to the transport. */
export function splitRosArgs(argv: readonly string[]): { own: string[]; ros: string[] } {
  const i = argv.indexOf('--ros-args');
  return i < 0 ? { own: [...argv], ros: [] } : { own: argv.slice(0, i), ros: argv.slice(i + 1) };
}
