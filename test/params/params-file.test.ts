import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadParamsFile, matchNodeKey, parseParamsFile, parseParamText } from '../../src/params/index.js';

const FIX = join(import.meta.dirname, 'fixtures');

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadParamsFile', () => {
  it('reads ros__parameters for a node by name, keeping YAML ints as bigint and floats as number', () => {
    const p = loadParamsFile(join(FIX, 'planner.yaml'), 'planner');
    expect(p.get('control_frequency')).toBe(20);
    expect(p.get('planner.horizon')).toBe(16n);
    expect(p.get('planner.num_samples')).toBe(8n);
    expect(p.get('planner.guidance_scale')).toBe(2.5);
    expect(p.get('action_limits')).toEqual([1, 1]);
    expect(p.get('weights')).toEqual([1.5, 2.5, 3.5]);
    expect(p.get('joint_names')).toEqual(['x', 'y']);
    expect(p.get('enable_stamped_cmd_vel')).toBe(false);
    expect(p.get('quoted_number')).toBe('16');
    expect(p.get('use_sim_time')).toBe(true);
    expect(p.get('frame_id')).toBe('map');
  });

  it('applies the /** section, then the one named exactly after the node, whatever the file order (rclnodejs)', () => {
    // planner.yaml has /robot1/planner first, then /**, then planner: only /** and planner count.
    const p = loadParamsFile(join(FIX, 'planner.yaml'), 'planner');
    expect(p.get('control_frequency')).toBe(20);
    expect(p.get('frame_id')).toBe('map');
    const other = loadParamsFile(join(FIX, 'planner.yaml'), 'sim');
    expect([...other.keys()].sort()).toEqual(['control_frequency', 'frame_id', 'use_sim_time']);
    expect(other.get('control_frequency')).toBe(10);
  });

  it('ignores fully qualified keys and nested namespaces, as rclnodejs does', () => {
    expect(loadParamsFile(join(FIX, 'nested-ns.yaml'), 'planner').size).toBe(0);
    expect(loadParamsFile(join(FIX, 'planner.yaml'), 'planner').get('frame_id')).not.toBe('robot1/odom');
    expect(() => loadParamsFile(join(FIX, 'planner.yaml'), '/robot1/planner')).toThrow(/node name/);
  });

  it('reports every structural problem of a file at once', () => {
    const issues = issuesOf(() => loadParamsFile(join(FIX, 'bad.yaml'), 'planner'));
    const text = issues.map((i) => `${i.path}: ${i.message}`);
    expect(text).toHaveLength(5);
    expect(text.some((t) => t.includes("'ros__parameters' must sit under a node name"))).toBe(true);
    expect(text.some((t) => t.includes('planner.empty') && t.includes('has no value'))).toBe(true);
    expect(text.some((t) => t.includes('planner.mixed') && t.includes('mixes int and double'))).toBe(true);
    expect(text.some((t) => t.includes('planner.maps[0]'))).toBe(true);
    expect(text.some((t) => t.includes('other') && t.includes('node section'))).toBe(true);
  });

  it('reports YAML syntax errors with file, line and column', () => {
    // Inline, not a fixture: the repository's formatter would refuse a broken YAML file.
    const text = 'planner:\n  ros__parameters:\n    horizon: [1, 2\n    rate: 20.0\n';
    const issues = issuesOf(() => parseParamsFile(text, 'broken.yaml'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.path).toMatch(/broken\.yaml:\d+:\d+$/);
  });

  it('names a missing file and the fix', () => {
    const issues = issuesOf(() => loadParamsFile(join(FIX, 'nope.yaml'), 'planner'));
    expect(issues).toEqual([
      { path: join(FIX, 'nope.yaml'), message: expect.stringMatching(/ENOENT.*--params-file/) },
    ]);
  });

  it('treats an empty file as no parameters', () => {
    expect(parseParamsFile('', 'empty.yaml').sections).toEqual([]);
  });
});

describe('matchNodeKey', () => {
  it('matches only /** and the bare node name (rclnodejs lib/node.js:2550-2566)', () => {
    expect(matchNodeKey('/**', 'planner')).toBe(0);
    expect(matchNodeKey('planner', 'planner')).toBe(1);
    for (const key of ['/planner', '/a/planner', 'a/planner', '/**/planner', '/*/planner', 'other']) {
      expect(matchNodeKey(key, 'planner'), key).toBe(-1);
    }
  });
});

describe('parseParamText (-p name:=value)', () => {
  it('types values as rcl does', () => {
    expect(parseParamText('x', '20')).toBe(20n);
    expect(parseParamText('x', '-3')).toBe(-3n);
    expect(parseParamText('x', '20.0')).toBe(20);
    expect(parseParamText('x', '1e-3')).toBe(0.001);
    expect(parseParamText('x', 'true')).toBe(true);
    expect(parseParamText('x', '[1.0, 2.5]')).toEqual([1, 2.5]);
    expect(parseParamText('x', '[a, b]')).toEqual(['a', 'b']);
    expect(parseParamText('x', 'goal_reaching')).toBe('goal_reaching');
    expect(parseParamText('x', "'16'")).toBe('16');
    expect(parseParamText('x', '/robot/cmd_vel')).toBe('/robot/cmd_vel');
  });

  it('refuses mixed arrays and empty values, naming the parameter', () => {
    expect(issuesOf(() => parseParamText('limits', '[1, 2.0]'))[0]).toMatchObject({ path: 'limits' });
    expect(issuesOf(() => parseParamText('limits', '[1, 2.0]'))[0]!.message).toMatch(/write 1\.0/);
    expect(issuesOf(() => parseParamText('x', ''))[0]!.message).toMatch(/no value/);
  });
});
