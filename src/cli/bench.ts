/**
 * `df-planner bench <group> [--json] [--filter NAME] [--repeats N]`: runs one group of named benchmark
 * cases and prints a JSON object (median, p99, count, backend, machine). Each group lives in
 * `src/bench/<group>.ts` and exports a `BenchGroup` as default.
 */

import { taskIds } from '../../sim/task-registry.js';
import type { BenchGroup } from '../bench/group.js';
import { machineInfo } from '../bench/timing.js';
import { ConfigError } from '../errors.js';
import { defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';

const groups: Record<string, () => Promise<{ default: BenchGroup }>> = {
  train: () => import('../bench/train.js'),
  sample: () => import('../bench/sample.js'),
  sim: () => import('../bench/sim.js'),
  node: () => import('../bench/node.js'),
  plan: () => import('../bench/plan.js'),
  latency: () => import('./bench-latency.js'),
};

const options = {
  json: {
    kind: 'boolean',
    description: 'print one JSON object on stdout (the default is also JSON, pretty-printed)',
  },
  filter: { kind: 'string', description: 'run only cases whose name contains this text' },
  task: {
    kind: 'string',
    description:
      'task whose model `bench plan` loads from models/<task> (default maze2d-medium); `bench node` soaks on it (default maze2d-umaze)',
    choices: taskIds('bench'),
  },
  episodes: {
    kind: 'integer',
    description: '`bench latency`: episodes per sweep point (default 10)',
    min: 1,
    max: 1000,
  },
  seed: { kind: 'integer', description: '`bench latency`: seed of the episode starts (default 0)', min: 0 },
  delays: {
    kind: 'string',
    description: '`bench latency`: added planning latencies, ms, comma-separated (default 0,25,50,100,150)',
  },
  variants: {
    kind: 'string',
    description:
      "`bench latency`: planner variants 'NAME=param:=value,…;NAME…' (default hold and, where the node has plan_timing, ahead)",
  },
  out: { kind: 'string', description: '`bench latency`: the picture (default runs/latency-<task>.png)' },
  repeats: {
    kind: 'integer',
    description: 'timed repetitions per case (group default if omitted)',
    min: 1,
    max: 10000,
  },
} as const;

export default defineCommand({
  summary: COMMAND_SUMMARIES.bench,
  usage: 'df-planner bench <train|sample|sim|plan|node|latency> [options]',
  options,
  positionals: true,
  async run(opts, { help }) {
    const name = opts.positionals[0];
    if (name === undefined) {
      process.stdout.write(`${help}\n`);
      return 2;
    }
    const load = groups[name];
    if (!load)
      throw new ConfigError(
        `unknown bench group '${name}'; valid groups: ${Object.keys(groups).join(', ')}`,
        'group',
      );
    const group = (await load()).default;
    const result = await group.run({
      filter: opts.filter,
      repeats: opts.repeats,
      task: opts.task,
      episodes: opts.episodes,
      seed: opts.seed,
      delays: opts.delays,
      variants: opts.variants,
      out: opts.out,
    });
    const out = { group: name, ...result, machine: machineInfo() };
    process.stdout.write(`${opts.json ? JSON.stringify(out) : JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
});
