/**
 * The ROS 2 launch files cannot run here (no ROS 2), so this checks what can be checked without it:
 * - launch/maze2d.launch.py compiles (`python3 -m py_compile`), and run against recorders standing in for the
 *   `launch`/`launch_ros` modules (describe-launch.py) it builds the nodes, arguments and parameters expected;
 * - launch/maze2d.launch.xml is well-formed XML and describes the same launch as the Python file;
 * - the command lines both files start parse (`sim-node`/`node` with their flags);
 * - `task:=maze2d-umaze lockstep:=true` really gives both nodes umaze in lockstep under rclnodejs's parameter
 *   precedence: the ROS arguments launch_ros builds (docs/ros2.md §2.1, §2.4: `-r __node:=name`, then each params
 *   file as `--params-file`, each `Parameter` as `-p name:=value`) go through the bus's override rules, which
 *   are rclnodejs's (src/transport/param-overrides.ts), and the node's own parameter table;
 * - every launch/params/*.yaml loads through src/params (the loader the nodes use) against the sim's and the
 *   planner's parameter tables without a single issue, and has no section that matches neither node.
 * What this cannot prove (launch_ros accepting the files, rclnodejs, DDS) is the README's ROS 2 machine check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARM_SIM_PARAMS, SIM_PARAMS } from '../../sim/nodes/index.js';
import { armInterface } from '../../src/node/index.js';
import { NODE_PARAMS, nodeParamTable } from '../../src/node/node-params.js';
import {
  declareParams,
  loadParamsFile,
  type ParamTable,
  parseParamsFile,
  TRANSPORT_PARAMS,
  validateOverrides,
} from '../../src/params/index.js';
import { createBus } from '../../src/transport/index.js';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { parseXml, type XmlElement } from './parse-xml.js';

const launchDir = join(repoRoot, 'launch');
const pyFile = join(launchDir, 'maze2d.launch.py');
const xmlFile = join(launchDir, 'maze2d.launch.xml');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
const pycache = mkdtempSync(join(tmpdir(), 'df-launch-pycache-'));
afterAll(() => rmSync(pycache, { recursive: true, force: true }));

const NODE_TABLES = { maze_sim: SIM_PARAMS, planner: NODE_PARAMS } as const;
/** The arm launch's nodes: the arm sim node and the planner with the arm interface's parameter section. */
const ARM_TABLES: Record<string, ParamTable> = {
  arm_sim: ARM_SIM_PARAMS,
  planner: nodeParamTable(armInterface),
};
/** Each params file's nodes and their tables. */
const PARAMS_FILES: Record<string, Record<string, ParamTable>> = {
  'maze2d.yaml': NODE_TABLES,
  'arm_swap.yaml': ARM_TABLES,
};

interface LaunchArg {
  readonly name: string;
  readonly default: string | null;
}
interface LaunchNode {
  readonly name: string;
  readonly executable: string;
  readonly arguments: string[];
  readonly cwd: string;
  /** Params files (in order). */
  readonly files: string[];
  /** What the launch passes as plain `-p name:=value` (rclnodejs keys these `/**`). */
  readonly values: Record<string, string>;
}

/** Paths made comparable: the checkout as the Python file computes it, `$(dirname)/..` in the XML. */
function rooted(text: string): string {
  return text
    .split(repoRoot)
    .join('<root>')
    .split('$(dirname)/..')
    .join('<root>')
    .split('$(dirname)')
    .join('<root>/launch');
}

function describePython(file: string = pyFile): { args: LaunchArg[]; nodes: LaunchNode[] } {
  const r = spawnSync('python3', [join(import.meta.dirname, 'describe-launch.py'), file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`describe-launch.py failed:\n${r.stderr}`);
  const entities = JSON.parse(r.stdout) as Record<string, unknown>[];
  const args = entities
    .filter((e) => e['kind'] === 'arg')
    .map((e) => ({
      name: e['name'] as string,
      default: e['default'] === null ? null : rooted(e['default'] as string),
    }));
  const nodes = entities
    .filter((e) => e['kind'] === 'node')
    .map((e) => {
      const files: string[] = [];
      const values: Record<string, string> = {};
      for (const p of e['parameters'] as (string | Record<string, string>)[]) {
        if (typeof p === 'string') files.push(rooted(p));
        else if (typeof p['param'] === 'string') values[p['param']] = rooted(p['value']!);
        // A dict would become a temporary params file keyed by the node's full name or '/**' (launch_ros).
        else throw new Error(`parameter dicts are not used by these launch files: ${JSON.stringify(p)}`);
      }
      expect(e['package'], 'no ROS package: the nodes run from the checkout').toBeNull();
      return {
        name: e['name'] as string,
        executable: e['executable'] as string,
        arguments: (e['arguments'] as string[]).map(rooted),
        cwd: rooted(e['cwd'] as string),
        files,
        values,
      };
    });
  return { args, nodes };
}

function describeXml(root: XmlElement): { args: LaunchArg[]; nodes: LaunchNode[] } {
  expect(root.name).toBe('launch');
  const args = root.children
    .filter((c) => c.name === 'arg')
    .map((c) => ({
      name: c.attributes['name']!,
      default: c.attributes['default'] === undefined ? null : rooted(c.attributes['default']),
    }));
  const nodes = root.children
    .filter((c) => c.name === 'node')
    .map((c) => {
      const files: string[] = [];
      const values: Record<string, string> = {};
      for (const p of c.children) {
        expect(p.name).toBe('param');
        expect(p.attributes['from'], '<param name value> would be keyed by the full node name').toBeDefined();
        files.push(rooted(p.attributes['from']!));
      }
      const rosArgs = rooted(c.attributes['ros_args'] ?? '').match(/(?:\$\([^)]*\)|\S)+/g) ?? [];
      for (let i = 0; i < rosArgs.length; i += 2) {
        expect(rosArgs[i]).toBe('-p');
        const rule = rosArgs[i + 1]!;
        values[rule.slice(0, rule.indexOf(':='))] = rule.slice(rule.indexOf(':=') + 2);
      }
      expect(c.attributes['pkg'], 'no ROS package: the nodes run from the checkout').toBeUndefined();
      return {
        name: c.attributes['name']!,
        executable: c.attributes['exec']!,
        // Split as launch's XML frontend does: on whitespace outside $(…) substitutions.
        arguments: rooted(c.attributes['args'] ?? '').match(/(?:\$\([^)]*\)|\S)+/g) ?? [],
        cwd: rooted(c.attributes['cwd']!),
        files,
        values,
      };
    });
  return { args, nodes };
}

describe('launch/maze2d.launch.py', () => {
  it('compiles (python3 -m py_compile)', (ctx) => {
    if (!hasPython) ctx.skip('python3 is not installed: cannot compile launch/maze2d.launch.py here');
    const r = spawnSync('python3', ['-m', 'py_compile', pyFile], {
      encoding: 'utf8',
      // Keep __pycache__ out of the checkout.
      env: { ...process.env, PYTHONPYCACHEPREFIX: pycache },
    });
    expect(r.status, r.stderr).toBe(0);
  });

  it('builds the sim node and the planner node with the expected command lines and parameters', (ctx) => {
    if (!hasPython) ctx.skip('python3 is not installed: cannot run launch/maze2d.launch.py here');
    const { args, nodes } = describePython();
    expect(args).toEqual([
      { name: 'task', default: 'maze2d-medium' },
      { name: 'model', default: '<root>/models/$(var task)' },
      { name: 'params_file', default: '<root>/launch/params/maze2d.yaml' },
      { name: 'lockstep', default: 'false' },
      { name: 'use_sim_time', default: '$(var lockstep)' },
    ]);
    expect(nodes).toEqual([
      {
        name: 'maze_sim',
        executable: 'node',
        arguments: ['<root>/bin/df-planner.js', 'sim-node', '--transport', 'ros'],
        cwd: '<root>',
        files: ['$(var params_file)'],
        values: { task: '$(var task)', lockstep: '$(var lockstep)' },
      },
      {
        name: 'planner',
        executable: 'node',
        arguments: ['<root>/bin/df-planner.js', 'node', '--transport', 'ros', '--model', '$(var model)'],
        cwd: '<root>',
        files: ['$(var params_file)'],
        values: {
          task: '$(var task)',
          model: '$(var model)',
          lockstep: '$(var lockstep)',
          use_sim_time: '$(var use_sim_time)',
        },
      },
    ]);
    // Every value the launch sets is a parameter of that node.
    for (const n of nodes) {
      const table = NODE_TABLES[n.name as keyof typeof NODE_TABLES];
      for (const key of Object.keys(n.values)) {
        expect(table.some((d) => d.name === key) || TRANSPORT_PARAMS.includes(key), `${n.name}: ${key}`).toBe(
          true,
        );
      }
    }
  });
});

describe('launch/maze2d.launch.xml', () => {
  const text = readFileSync(xmlFile, 'utf8');

  it('is well-formed XML (and the checker refuses broken XML)', () => {
    expect(() => parseXml(text)).not.toThrow();
    expect(() => parseXml(text.replace('</launch>', ''))).toThrow(/never closed/);
    expect(() => parseXml(text.replace('<param from=', '<param from=x from='))).toThrow();
    expect(() => parseXml(text.replace('</node>', '</nodes>'))).toThrow(/closes <node>/);
  });

  it('describes the same launch as the Python file', (ctx) => {
    const xml = describeXml(parseXml(text));
    expect(xml.nodes.map((n) => n.name)).toEqual(['maze_sim', 'planner']);
    if (!hasPython) ctx.skip('python3 is not installed: cannot compare with launch/maze2d.launch.py');
    const py = describePython();
    expect(xml.args).toEqual(py.args);
    expect(xml.nodes).toEqual(py.nodes);
  });
});

/** `$(var x)` and `<root>` replaced as `ros2 launch … name:=value` would (defaults, then the given values). */
function substitute(
  text: string,
  args: readonly LaunchArg[],
  given: Readonly<Record<string, string>>,
): string {
  const value = (name: string): string => {
    if (name in given) return given[name]!;
    const d = args.find((a) => a.name === name)?.default;
    if (d === undefined || d === null) throw new Error(`launch argument ${name} has no value`);
    return substitute(d, args, given);
  };
  return text
    .replace(/\$\(var (\w+)\)/g, (_, name: string) => value(name))
    .split('<root>')
    .join(repoRoot);
}

/** The ROS arguments launch_ros gives a node without a namespace: its name, then each params entry in order. */
function rosArgv(
  n: LaunchNode,
  args: readonly LaunchArg[],
  given: Readonly<Record<string, string>>,
): string[] {
  const out = ['--ros-args', '-r', `__node:=${n.name}`];
  for (const f of n.files) out.push('--params-file', substitute(f, args, given));
  for (const [k, v] of Object.entries(n.values)) out.push('-p', `${k}:=${substitute(v, args, given)}`);
  return out;
}

const TABLES: Record<string, ParamTable> = NODE_TABLES;

describe('what the nodes start with under rclnodejs precedence', () => {
  const launches = (): [string, { args: LaunchArg[]; nodes: LaunchNode[] }][] => {
    const out: [string, { args: LaunchArg[]; nodes: LaunchNode[] }][] = [
      ['maze2d.launch.xml', describeXml(parseXml(readFileSync(xmlFile, 'utf8')))],
    ];
    if (hasPython) out.push(['maze2d.launch.py', describePython()]);
    return out;
  };

  it('task:=maze2d-umaze lockstep:=true runs umaze in lockstep (sim and planner, planner on sim time)', async () => {
    for (const [file, { args, nodes }] of launches()) {
      for (const given of [{ task: 'maze2d-umaze', lockstep: 'true' }, {}] as Record<string, string>[]) {
        const bus = createBus();
        try {
          for (const n of nodes) {
            const node = bus.node('launched', '', rosArgv(n, args, given));
            expect(node.name, file).toBe(n.name);
            const cfg = declareParams(node, TABLES[n.name]!) as Record<string, unknown>;
            const where = `${file} ${n.name} ${JSON.stringify(given)}`;
            expect(cfg['task'], where).toBe(given['task'] ?? 'maze2d-medium');
            expect(cfg['lockstep'], where).toBe(given['lockstep'] === 'true');
            if (n.name === 'planner') {
              expect(node.param('use_sim_time'), where).toBe(given['lockstep'] === 'true');
              expect(cfg['model'], where).toBe(join(repoRoot, 'models', given['task'] ?? 'maze2d-medium'));
            }
          }
        } finally {
          await bus.close();
        }
      }
    }
  });

  it('the params file leaves the launch-controlled parameters to the launch', () => {
    for (const file of readdirSync(join(launchDir, 'params')).filter((f) => f.endsWith('.yaml'))) {
      const parsed = parseParamsFile(readFileSync(join(launchDir, 'params', file), 'utf8'), file);
      for (const s of parsed.sections) {
        for (const key of ['task', 'model', 'lockstep', 'use_sim_time']) {
          expect(s.params.has(key), `${file}: ${s.node}.${key} would beat the launch argument`).toBe(false);
        }
      }
    }
  });
});

describe('the command lines the launch files start', () => {
  it('parse, with the flags the launch passes (checked without ROS through --params)', () => {
    const sim = runCli(['sim-node', '--transport', 'ros', '--params']);
    expect(sim.status, sim.stderr).toBe(0);
    expect(sim.stdout).toContain('| `task` |');
    const model = join(repoRoot, 'models', 'maze2d-medium');
    const planner = runCli(['node', '--transport', 'ros', '--model', model, '--params']);
    expect(planner.status, planner.stderr).toBe(0);
    expect(planner.stdout).toContain('| `model` |');
  });
});

describe('launch/params/*.yaml', () => {
  const files = readdirSync(join(launchDir, 'params')).filter((f) => f.endsWith('.yaml'));

  it('exist', () => {
    expect(files).toContain('maze2d.yaml');
    expect(files).toContain('arm_swap.yaml');
  });

  for (const file of files) {
    const path = join(launchDir, 'params', file);
    it(`${file} loads through src/params against both nodes' tables without issues`, () => {
      const tables = PARAMS_FILES[file];
      expect(tables, `${file}: which launch's nodes it is for (PARAMS_FILES)`).toBeDefined();
      for (const [node, table] of Object.entries(tables!)) {
        const raw = loadParamsFile(path, node);
        expect(raw.size, `${file} sets nothing for /${node}`).toBeGreaterThan(0);
        expect(validateOverrides(table, raw), `${file} for /${node}`).toEqual([]);
      }
      // A section that matches neither node (a typo such as 'planer') would be ignored silently by ROS.
      const sections = parseParamsFile(readFileSync(path, 'utf8'), path).sections.map((s) => s.node);
      for (const s of sections) {
        // rclnodejs reads only '/**' and the bare node name; '/planner' or '/robot1/planner' would be ignored.
        expect(['/**', ...Object.keys(tables!)], `${file}: section '${s}'`).toContain(s);
      }
      // Model paths are relative to the checkout (the launch runs the nodes there) and must exist.
      const model = loadParamsFile(path, 'planner').get('model');
      if (typeof model === 'string') expect(existsSync(join(repoRoot, model)), model).toBe(true);
    });
  }

  it('the loader would catch the mistakes this test is for', () => {
    const bad = parseParamsFile(
      'maze_sim:\n  ros__parameters:\n    real_time_factor: 2\n    lockstp: true\n',
      'inline.yaml',
    );
    const raw = new Map(bad.sections.flatMap((s) => [...s.params]));
    expect(
      validateOverrides(SIM_PARAMS, raw)
        .map((i) => i.path)
        .sort(),
    ).toEqual(['lockstp', 'real_time_factor']);
  });
});

describe('launch/arm_swap.launch.{py,xml}', () => {
  const armPy = join(launchDir, 'arm_swap.launch.py');
  const armXml = join(launchDir, 'arm_swap.launch.xml');
  const both = (): [string, { args: LaunchArg[]; nodes: LaunchNode[] }][] => [
    ['arm_swap.launch.xml', describeXml(parseXml(readFileSync(armXml, 'utf8')))],
    ...(hasPython
      ? [
          ['arm_swap.launch.py', describePython(armPy)] as [
            string,
            { args: LaunchArg[]; nodes: LaunchNode[] },
          ],
        ]
      : []),
  ];

  it('the Python file compiles and the XML twin describes the same launch: arm_sim and the planner on the arm', (ctx) => {
    const xml = describeXml(parseXml(readFileSync(armXml, 'utf8')));
    expect(xml.nodes.map((n) => n.name)).toEqual(['arm_sim', 'planner']);
    expect(xml.nodes[0]!.arguments).toEqual([
      '<root>/bin/df-planner.js',
      'sim-node',
      '--task',
      'arm-swap',
      '--transport',
      'ros',
    ]);
    expect(xml.args.map((a) => a.name)).toEqual(['model', 'params_file', 'lockstep', 'use_sim_time']);
    for (const n of xml.nodes) {
      for (const key of Object.keys(n.values)) {
        const known = ARM_TABLES[n.name]!.some((d) => d.name === key) || TRANSPORT_PARAMS.includes(key);
        expect(known, `${n.name}: ${key}`).toBe(true);
      }
    }
    if (!hasPython) ctx.skip('python3 is not installed: cannot compile launch/arm_swap.launch.py here');
    const r = spawnSync('python3', ['-m', 'py_compile', armPy], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: pycache },
    });
    expect(r.status, r.stderr).toBe(0);
    const py = describePython(armPy);
    expect(xml.args).toEqual(py.args);
    expect(xml.nodes).toEqual(py.nodes);
  });

  it('lockstep:=true runs both nodes in lockstep on arm-swap, the planner on sim time, with the arm interface', async () => {
    for (const [file, { args, nodes }] of both()) {
      for (const given of [{ lockstep: 'true' }, {}] as Record<string, string>[]) {
        const bus = createBus();
        try {
          for (const n of nodes) {
            const node = bus.node('launched', '', rosArgv(n, args, given));
            expect(node.name, file).toBe(n.name);
            const cfg = declareParams(node, ARM_TABLES[n.name]!) as Record<string, unknown>;
            const where = `${file} ${n.name} ${JSON.stringify(given)}`;
            expect(cfg['task'], where).toBe('arm-swap');
            expect(cfg['lockstep'], where).toBe(given['lockstep'] === 'true');
            if (n.name === 'planner') {
              expect(node.param('use_sim_time'), where).toBe(given['lockstep'] === 'true');
              expect(cfg['jointNames'], where).toEqual([
                'yaw',
                'shoulder',
                'elbow',
                'wrist',
                'fingerL',
                'fingerR',
              ]);
              expect(cfg['guidanceScale'], where).toBe(0);
            } else {
              expect(cfg['joints'], where).toEqual([
                'yaw',
                'shoulder',
                'elbow',
                'wrist',
                'fingerL',
                'fingerR',
              ]);
            }
          }
        } finally {
          await bus.close();
        }
      }
    }
  });
});
