/**
 * The planner settings have one declaration (src/planner/settings.ts); the node's parameters, eval's flags and
 * PlannerConfig validation must all say the same thing about every setting: its name, type, default, limits.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseOptions } from '../../src/cli/args.js';
import evalCommand from '../../src/cli/eval.js';
import { plannerFlagOptions, plannerFlagsConfig } from '../../src/cli/planner-flags.js';
import { ConfigError } from '../../src/errors.js';
import { scheduleModes } from '../../src/math/index.js';
import { NODE_PARAMS } from '../../src/node/node-params.js';
import { objectiveNames } from '../../src/objectives/index.js';
import { paramSpec, validateParams } from '../../src/params/index.js';
import {
  defaultPlannerConfig,
  PLANNER_SETTINGS,
  type PlannerConfig,
  resolvePlannerConfig,
} from '../../src/planner/index.js';

const LEVELS = 1_000_000; // a model with more levels than any static limit, so only the declared range binds

/** A config where `key` = `value` and the settings tied to it stay valid. */
function withValue(key: keyof PlannerConfig, value: unknown): Partial<PlannerConfig> {
  const out: Record<string, unknown> = { [key]: value };
  if (key === 'samplingSteps' && typeof value === 'number' && value < defaultPlannerConfig.warmStepsLeft)
    out['warmStepsLeft'] = 1;
  if (key === 'warmStepsLeft') {
    out['samplingSteps'] = 10_000;
    out['warmRows'] = 10_000;
  }
  if (key === 'warmRows' && typeof value === 'number' && value < defaultPlannerConfig.warmStepsLeft)
    out['warmStepsLeft'] = 1;
  return out as Partial<PlannerConfig>;
}

function refused(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('planner settings: one declaration', () => {
  it('declares every PlannerConfig field once, and the defaults are the declared ones', () => {
    expect(PLANNER_SETTINGS.map((d) => d.key).sort()).toEqual(Object.keys(defaultPlannerConfig).sort());
    for (const d of PLANNER_SETTINGS) expect(defaultPlannerConfig[d.key]).toBe(d.default);
    expect(PLANNER_SETTINGS.find((d) => d.key === 'objective')!.choices).toEqual(objectiveNames());
    expect(PLANNER_SETTINGS.find((d) => d.key === 'scheduleMode')!.choices).toEqual(scheduleModes);
  });

  it('the node declares each as a parameter with the same name, type, default, limits and mode', () => {
    for (const d of PLANNER_SETTINGS) {
      const row = NODE_PARAMS.find((p) => p.key === d.key);
      expect(row, d.key).toBeDefined();
      expect(paramSpec(row!)).toEqual(paramSpec(d));
      expect(row!.name).toBe(d.name);
    }
  });

  it('PlannerConfig, the node and the eval flags accept each range end and refuse one step beyond it', () => {
    for (const d of PLANNER_SETTINGS) {
      if (!('range' in d)) continue;
      const [min, max] = d.range;
      const step = d.type === 'int' ? 1 : 1e-6 * Math.max(1, Math.abs(max));
      const flag = typeof d.flag === 'string' ? d.flag : '';
      for (const ok of [min, max]) {
        expect(
          () => resolvePlannerConfig(defaultPlannerConfig, withValue(d.key, ok), LEVELS),
          `${d.key}=${ok}`,
        ).not.toThrow();
        expect(validateParams(NODE_PARAMS, { [d.name]: ok }), `${d.name}:=${ok}`).toEqual([]);
        const opts = parseOptions([`--${flag}`, String(ok)], plannerFlagOptions);
        expect(plannerFlagsConfig(opts)[d.key], `--${flag} ${ok}`).toBe(ok);
      }
      for (const bad of [min - step, max + step]) {
        expect(
          refused(() => resolvePlannerConfig(defaultPlannerConfig, withValue(d.key, bad), LEVELS)),
        ).toContain(d.key);
        expect(validateParams(NODE_PARAMS, { [d.name]: bad }), `${d.name}:=${bad}`).not.toEqual([]);
        expect(refused(() => parseOptions([`--${flag}`, String(bad)], plannerFlagOptions))).toContain(
          `--${flag}`,
        );
      }
    }
  });

  it('PlannerConfig, the node and the eval flags accept the same choices', () => {
    for (const d of PLANNER_SETTINGS) {
      if (!('choices' in d)) continue;
      for (const c of d.choices) {
        expect(resolvePlannerConfig(defaultPlannerConfig, { [d.key]: c }, LEVELS)[d.key]).toBe(c);
        expect(validateParams(NODE_PARAMS, { [d.name]: c })).toEqual([]);
        expect(plannerFlagsConfig(parseOptions([`--${d.flag}`, c], plannerFlagOptions))[d.key]).toBe(c);
      }
      expect(
        refused(() => resolvePlannerConfig(defaultPlannerConfig, { [d.key]: 'nope' }, LEVELS)),
      ).toContain(d.key);
      expect(validateParams(NODE_PARAMS, { [d.name]: 'nope' })).not.toEqual([]);
      expect(refused(() => parseOptions([`--${d.flag}`, 'nope'], plannerFlagOptions))).toContain(
        `--${d.flag}`,
      );
    }
  });

  it('a boolean setting has an on and an off flag; both at once is refused', () => {
    for (const d of PLANNER_SETTINGS) {
      if (d.type !== 'bool') continue;
      const [on, off] = d.flag as readonly [string, string];
      expect(plannerFlagsConfig(parseOptions([`--${on}`], plannerFlagOptions))[d.key]).toBe(true);
      expect(plannerFlagsConfig(parseOptions([`--${off}`], plannerFlagOptions))[d.key]).toBe(false);
      expect(plannerFlagsConfig(parseOptions([], plannerFlagOptions))[d.key]).toBeUndefined();
      expect(
        refused(() => plannerFlagsConfig(parseOptions([`--${on}`, `--${off}`], plannerFlagOptions))),
      ).toContain('not both');
    }
  });

  it('eval --help promises the declared horizon range, and eval refuses beyond it before loading a model', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await evalCommand.run(['--help'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    // The --horizon entry: its first line and the wrapped lines under it, up to the next flag.
    const lines = out.join('').split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith('--horizon '));
    const end = lines.findIndex((l, k) => k > at && l.trimStart().startsWith('--'));
    const entry = lines.slice(at, end).join(' ').replace(/\s+/g, ' ');
    expect(entry).toContain('range [1, 1000]');
    await expect(
      evalCommand.run(['--task', 'maze2d-umaze', '--model', '/nonexistent', '--horizon', '1001']),
    ).rejects.toThrow(/--horizon.*1001 is above the maximum 1000/);
  });
});
