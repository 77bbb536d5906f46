import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  type ConfigOf,
  checkParamValue,
  coerceRawValue,
  configPatch,
  declareParams,
  defineParams,
  loadParamsFile,
  type ParamSpec,
  paramSpec,
  paramsMarkdown,
  validateOverrides,
  validateParams,
} from '../../src/params/index.js';
import { createBus } from '../../src/transport/index.js';

const TABLE = defineParams([
  {
    name: 'control_frequency',
    key: 'controlFrequencyHz',
    type: 'double',
    default: 20.0,
    range: [1, 100],
    unit: 'Hz',
    mode: 'static',
    description: 'Control loop rate',
  },
  {
    name: 'planner.horizon',
    key: 'horizonTokens',
    type: 'int',
    default: 8,
    range: [1, 64],
    mode: 'dynamic',
    description: 'Plan tokens H',
  },
  {
    name: 'planner.num_samples',
    key: 'numSamples',
    type: 'int',
    default: 4,
    range: [1, 256],
    mode: 'dynamic',
    description: 'Monte Carlo samples',
  },
  {
    name: 'objective',
    key: 'objective',
    type: 'string',
    default: 'goal_reaching',
    choices: ['goal_reaching', 'reward_sum'],
    mode: 'dynamic',
    description: 'Guidance objective | registered name',
  },
  {
    name: 'action_limits',
    key: 'actionLimits',
    type: 'double[]',
    default: [1, 1],
    mode: 'static',
    description: 'Clamp per action dimension',
  },
] as const);

const FIX = join(import.meta.dirname, 'fixtures');
const dbl: ParamSpec = { type: 'double', default: 1 };
const int: ParamSpec = { type: 'int', default: 1, range: [0, 100] };

describe('coerceRawValue: the ROS int/double rule', () => {
  it('accepts a YAML int for an int and a YAML float for a double', () => {
    expect(coerceRawValue('n', int, 16n)).toEqual({ ok: true, value: 16 });
    expect(coerceRawValue('r', dbl, 20)).toEqual({ ok: true, value: 20 });
    expect(coerceRawValue('l', { type: 'double[]', default: [] }, [0.5, 2])).toEqual({
      ok: true,
      value: [0.5, 2],
    });
    expect(coerceRawValue('l', { type: 'int[]', default: [] }, [])).toEqual({ ok: true, value: [] });
  });

  it('refuses an int for a double and a double for an int, with the fix', () => {
    const r = coerceRawValue('control_frequency', dbl, 20n);
    expect(r).toEqual({
      ok: false,
      problems: [expect.stringMatching(/'control_frequency' is a double.*write 20\.0/)],
    });
    const s = coerceRawValue('steps', int, 2);
    expect(s.ok).toBe(false);
    expect(!s.ok && s.problems[0]).toMatch(/is an int; the override 2 is a double.*write 2$/);
    const arr = coerceRawValue('lim', { type: 'double[]', default: [] }, [1n, 2n]);
    expect(!arr.ok && arr.problems).toHaveLength(2);
  });

  it('refuses integers a JS number cannot hold, numbers for strings, out-of-range and bad choices', () => {
    expect(coerceRawValue('seed', int, 2n ** 60n).ok).toBe(false);
    expect(coerceRawValue('name', { type: 'string', default: '' }, 5n)).toEqual({
      ok: false,
      problems: [expect.stringMatching(/quote it/)],
    });
    expect(coerceRawValue('n', int, 300n)).toEqual({
      ok: false,
      problems: ["'n' (int) 300 is outside [0, 100]"],
    });
    const c = coerceRawValue('o', { type: 'string', default: 'a', choices: ['a', 'b'] }, 'c');
    expect(!c.ok && c.problems[0]).toMatch(/"c" is not one of "a", "b"/);
  });
});

describe('checkParamValue', () => {
  it('lists every bad element of an array and checks integer-ness of runtime numbers', () => {
    expect(checkParamValue('ids', { type: 'int[]', default: [], range: [0, 9] }, [1, 2.5, 12])).toEqual([
      "'ids[1]' (int[]) expects an integer, got 2.5",
      "'ids[2]' (int[]) 12 is outside [0, 9]",
    ]);
    expect(checkParamValue('x', dbl, Number.NaN)).toEqual(["'x' (double) is NaN"]);
    expect(checkParamValue('x', dbl, '1')).toEqual(['\'x\' (double) expects a number, got "1"']);
    expect(checkParamValue('x', dbl, 3)).toEqual([]);
  });
});

describe('defineParams', () => {
  it('keeps the table and its literal types', () => {
    expect(TABLE).toHaveLength(5);
    type Cfg = ConfigOf<typeof TABLE>;
    expectTypeOf<Cfg['controlFrequencyHz']>().toEqualTypeOf<number>();
    expectTypeOf<Cfg['objective']>().toEqualTypeOf<string>();
    expectTypeOf<Cfg['actionLimits']>().toEqualTypeOf<readonly number[]>();
  });

  it('reports every problem of a bad table', () => {
    let err: unknown;
    try {
      defineParams([
        { name: 'ControlRate', key: 'rate', type: 'double', default: 1, mode: 'static', description: 'x' },
        { name: 'a', key: 'Bad_key', type: 'int', default: 1.5, mode: 'static', description: 'x' },
        { name: 'a', key: 'a', type: 'string', default: 'x', range: [0, 1], mode: 'static', description: '' },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const messages = (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual([
      'ControlRate: ROS parameter names are snake_case, dot-separated groups',
      "a: key 'Bad_key' must be camelCase",
      "a: default: 'a' (int) expects an integer, got 1.5",
      'a: declared twice',
      'a: needs a description',
      "a: 'a' has a range but is a string",
    ]);
  });
});

describe('declareParams on a transport', () => {
  it('returns the typed config with argv and params-file overrides applied', async () => {
    const bus = createBus();
    const node = bus.node('planner', '', [
      '--ros-args',
      '--params-file',
      join(FIX, 'planner.yaml'),
      '-p',
      'objective:=reward_sum',
    ]);
    const cfg = declareParams(node, TABLE);
    expect(cfg).toEqual({
      controlFrequencyHz: 20,
      horizonTokens: 16,
      numSamples: 8,
      objective: 'reward_sum',
      actionLimits: [1, 1],
    });
    expect(node.setParams({ control_frequency: 30 })).toMatch(/read-only/);
    await bus.close();
  });

  it('gathers every refused override into one ConfigError', async () => {
    const bus = createBus();
    const node = bus.node('planner', '', [
      '--ros-args',
      '--params-file',
      join(FIX, 'overrides.yaml'),
      '-p',
      'planner:objective:=fastest',
    ]);
    let err: unknown;
    try {
      declareParams(node, TABLE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual([
      'control_frequency',
      'planner.horizon',
      'objective',
    ]);
    expect((err as ConfigError).message).toMatch(/write 20\.0/);
    await bus.close();
  });
});

describe('table helpers', () => {
  it('configPatch maps ROS names to config keys and ignores others', () => {
    expect(configPatch(TABLE, { 'planner.num_samples': 16, use_sim_time: true })).toEqual({ numSamples: 16 });
  });

  it('validateOverrides checks a params file against the table: unknown names with a suggestion, types', () => {
    const issues = validateOverrides(TABLE, loadParamsFile(join(FIX, 'overrides.yaml'), 'planner'));
    expect(issues.map((i) => i.path)).toEqual(['control_frequency', 'planner.horizon', 'planner.num_sample']);
    expect(issues[2]!.message).toBe("unknown parameter (did you mean 'planner.num_samples'?)");
  });

  it('validateParams refuses static parameters at runtime and bad values', () => {
    const issues = validateParams(
      TABLE,
      { control_frequency: 30, objective: 'x', 'planner.horizon': 4 },
      { runtime: true },
    );
    expect(issues.map((i) => i.path)).toEqual(['control_frequency', 'objective']);
    expect(validateParams(TABLE, { control_frequency: 30 })).toEqual([]);
  });

  it('paramSpec marks static parameters read-only and carries units into the description', () => {
    expect(paramSpec(TABLE[0])).toEqual({
      type: 'double',
      default: 20,
      description: 'Control loop rate [Hz]',
      readOnly: true,
      range: [1, 100],
    });
  });

  it('renders the README table', () => {
    const md = paramsMarkdown(TABLE).split('\n');
    expect(md[0]).toBe('| Parameter | Type | Default | Range / choices | Dynamic | Description |');
    expect(md[2]).toBe('| `control_frequency` | double | `20.0` | [1, 100] | no | Control loop rate (Hz) |');
    expect(md[5]).toBe(
      '| `objective` | string | `goal_reaching` | `goal_reaching`, `reward_sum` | yes | Guidance objective \\| registered name |',
    );
    expect(md[6]).toBe('| `action_limits` | double[] | `[1.0, 1.0]` |  | no | Clamp per action dimension |');
  });
});
