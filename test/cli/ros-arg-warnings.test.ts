/**
 * "Did you mean" for ROS arguments no node reads (issue 10): mistyped node names and parameter names, in `-p`
 * and in params files, for the nodes `run`, `node` and `sim-node` start; and the shared nearest-name rule.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_PARAMS } from '../../sim/nodes/index.js';
import { rosArgWarnings } from '../../src/cli/ros-arg-warnings.js';
import { NODE_PARAMS } from '../../src/node/index.js';
import { closestName } from '../../src/params/index.js';
import { runCliAsync } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-ros-arg-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const planner = { name: 'planner', table: NODE_PARAMS };
const sim = { name: 'maze_sim', table: SIM_PARAMS };

describe('closestName', () => {
  it('finds a typo of up to a third of the name, or the same last segment', () => {
    expect(closestName('horizn', ['horizon', 'seed'])).toBe('horizon');
    expect(closestName('plannr', ['planner', 'maze_sim'])).toBe('planner');
    expect(closestName('num_samples', ['planner.num_samples'])).toBe('planner.num_samples');
    expect(closestName('xyz', ['horizon', 'seed'])).toBeUndefined();
  });
});

describe('rosArgWarnings', () => {
  it('a mistyped parameter or node name in -p', () => {
    const args = ['--ros-args', '-p', 'planner:horizn:=5', '-p', 'plannr:horizon:=5', '-p', 'seed:=3'];
    expect(rosArgWarnings(args, [planner, sim])).toEqual([
      "-p planner:horizn:=…: unknown parameter (did you mean 'horizon'?); ignored",
      "-p plannr:horizon:=…: no node is named 'plannr' (did you mean 'planner'?); this process runs 'planner' and 'maze_sim'; ignored",
    ]);
  });

  it('an unscoped -p is unknown only when no node declares it; a node-scoped one is checked on that node', () => {
    expect(rosArgWarnings(['--ros-args', '-p', 'real_time_factor:=1.0'], [planner, sim])).toEqual([]);
    expect(rosArgWarnings(['--ros-args', '-p', 'planner:real_time_factor:=1.0'], [planner, sim])).toEqual([
      '-p planner:real_time_factor:=…: unknown parameter; ignored',
    ]);
    expect(rosArgWarnings(['--ros-args', '-p', 'use_sim_time:=true'], [planner])).toEqual([]);
  });

  it('a params file: a mistyped parameter, a section that matches no node', () => {
    const file = join(dir, 'params.yaml');
    writeFileSync(
      file,
      [
        'planner:',
        '  ros__parameters:',
        '    horizn: 5',
        '    seed: 1',
        'plannr:',
        '  ros__parameters:',
        '    horizon: 5',
        '/**:',
        '  ros__parameters:',
        '    use_sim_time: false',
        '    real_time_factor: 1.0',
        '',
      ].join('\n'),
    );
    expect(rosArgWarnings(['--ros-args', '--params-file', file], [planner, sim])).toEqual([
      `${file}: planner: horizn: unknown parameter (did you mean 'horizon'?); ignored`,
      `${file}: section 'plannr' matches no node (did you mean 'planner'?); this process runs 'planner' and 'maze_sim'; ignored`,
    ]);
    // The sim alone: the planner's section is another node's business only if named as such.
    expect(rosArgWarnings(['--ros-args', '--params-file', file], [sim])).toEqual([
      `${file}: section 'planner' matches no node; this process runs 'maze_sim'; ignored`,
      `${file}: section 'plannr' matches no node; this process runs 'maze_sim'; ignored`,
    ]);
  });

  it('malformed arguments and unreadable files are left to the transport', () => {
    expect(rosArgWarnings(['--ros-args', '-p', 'nonsense'], [planner])).toEqual([]);
    expect(rosArgWarnings(['--ros-args', '--params-file', join(dir, 'missing.yaml')], [planner])).toEqual([]);
  });
});

describe('the commands warn before starting their nodes', () => {
  it('run (params file and -p) and sim-node (-p), as processes', async () => {
    const file = join(dir, 'run-params.yaml');
    writeFileSync(file, 'planner:\n  ros__parameters:\n    horizn: 5\n');
    const [run, simNode] = await Promise.all([
      runCliAsync([
        'run',
        '--task',
        'maze2d-umaze',
        '--lockstep',
        '--max-steps',
        '3',
        '--quiet',
        '--out',
        join(dir, 'run.png'),
        '--params-file',
        file,
        '--ros-args',
        '-p',
        'plannr:horizon:=5',
      ]),
      runCliAsync([
        'sim-node',
        '--transport',
        'bus',
        '--task',
        'maze2d-umaze',
        '--max-steps',
        '2',
        '--ros-args',
        '-p',
        'maze_sim:sed:=1',
      ]),
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `warning: ${file}: planner: horizn: unknown parameter (did you mean 'horizon'?); ignored`,
    );
    expect(run.stderr).toContain(
      "warning: -p plannr:horizon:=…: no node is named 'plannr' (did you mean 'planner'?)",
    );
    expect(simNode.status, simNode.stderr).toBe(0);
    expect(simNode.stderr).toContain(
      "warning: -p maze_sim:sed:=…: unknown parameter (did you mean 'seed'?); ignored",
    );
  });
});
