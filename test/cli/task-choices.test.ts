/**
 * No command keeps a task list of its own: every `--task` choice list, and the sim node's `task` parameter, is
 * exactly the registry's tasks that serve that command (sim/task-registry.ts), and the CLI layers hold no
 * maze-only list or test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_PARAMS } from '../../sim/nodes/index.js';
import { findTask, TASK_COMMANDS, type TaskCommand, taskIds } from '../../sim/task-registry.js';
import type { OptionTable } from '../../src/cli/args.js';
import type { CliCommand } from '../../src/cli/command.js';
import { NODE_TASK_BUILDERS, nodeTaskFor } from '../../src/cli/node-tasks.js';
import { ConfigError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '../..');

const modules: Record<TaskCommand, () => Promise<{ default: CliCommand }>> = {
  train: () => import('../../src/cli/train.js'),
  dataset: () => import('../../src/cli/dataset.js'),
  eval: () => import('../../src/cli/eval.js'),
  run: () => import('../../src/cli/run.js'),
  node: () => import('../../src/cli/node.js'),
  'sim-node': () => import('../../src/cli/sim-node.js'),
  bench: () => import('../../src/cli/bench.js'),
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mts|mjs)$/.test(e) ? [p] : [];
  });
}

describe('task choices come from the registry', () => {
  it.each(TASK_COMMANDS)("df-planner %s: --task choices = the registry's tasks serving it", async (name) => {
    const command = (await modules[name]()).default;
    const task = (command.options as OptionTable | undefined)?.['task'];
    expect(task, `${name} has a --task option`).toBeDefined();
    expect(task!.choices).toEqual(taskIds(name));
    expect(taskIds(name).length).toBeGreaterThan(0);
  });

  it("the sim node's task parameter offers the tasks serving sim-node", () => {
    const param = SIM_PARAMS.find((p) => p.name === 'task')!;
    expect(param.choices).toEqual(taskIds('sim-node'));
    expect(taskIds('sim-node')).toContain(param.default);
  });

  it('the planner node builds every task that lists node, and refuses others in one line', () => {
    for (const id of taskIds('node')) {
      const robot = findTask(id)!.robot;
      expect(robot !== null && NODE_TASK_BUILDERS[robot] !== undefined, `${id} has a node builder`).toBe(
        true,
      );
      expect(nodeTaskFor(id).id).toBe(id);
    }
    const refused = taskIds().find((id) => !taskIds('node').includes(id))!;
    expect(() => nodeTaskFor(refused)).toThrow(ConfigError);
    expect(() => nodeTaskFor(refused)).toThrow(
      `task: df-planner node does not serve task '${refused}' (yet); it serves: ${taskIds('node').join(', ')}`,
    );
  });

  it('src/cli, src/bench and sim/nodes keep no task list and no maze-only test', () => {
    const files = ['src/cli', 'src/bench', 'sim/nodes'].flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(20);
    const banned = [
      /\bMAZE_TASKS\b/,
      /\bARM_TASK_ID\b/,
      /startsWith\(\s*['"`]maze2d/,
      // A literal list of task ids, e.g. ['maze2d-umaze', 'maze2d-medium', …].
      /['"`](maze2d-\w+|arm-swap|oscillator)['"`]\s*,\s*['"`](maze2d-\w+|arm-swap|oscillator)['"`]/,
    ];
    const hits = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          banned.some((re) => re.test(line)) ? [`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(hits).toEqual([]);
    // The detector itself: each pattern catches what it is for.
    expect(banned[2]!.test("id.startsWith('maze2d-')")).toBe(true);
    expect(banned[3]!.test("const TASKS = ['maze2d-umaze', 'maze2d-medium'];")).toBe(true);
  });
});
