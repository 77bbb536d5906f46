import { describe, expect, it } from 'vitest';
import { MAZE_TASKS } from '../../sim/maze2d/layouts.js';
import {
  findTask,
  getTask,
  ROBOTS,
  SCORING_FAMILIES,
  TASK_COMMANDS,
  TASKS,
  taskFor,
  taskIds,
} from '../../sim/task-registry.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { tokenSize } from '../../src/tasks/index.js';

describe('task registry', () => {
  it('lists every task once: the oscillator, the three mazes and the arm', () => {
    expect(taskIds()).toEqual(['oscillator', ...Object.keys(MAZE_TASKS), 'arm-swap']);
    expect(new Set(taskIds()).size).toBe(TASKS.length);
    expect(Object.isFrozen(TASKS)).toBe(true);
  });

  it('describes each task consistently', () => {
    for (const t of TASKS) {
      expect(t.training.name).toBe(t.id);
      expect(t.description.length).toBeGreaterThan(10);
      expect(t.commands).toContain('train');
      for (const c of t.commands) expect(TASK_COMMANDS).toContain(c);
      expect(new Set(t.commands).size).toBe(t.commands.length);
      if (t.robot !== null) expect(ROBOTS).toContain(t.robot);
      if (t.scoring !== null) expect(SCORING_FAMILIES).toContain(t.scoring);
      // A simulator, a score and a robot come together: no env means nothing to evaluate, run or record on.
      expect(t.createEnv === undefined).toBe(t.scoring === null);
      expect(t.createEnv === undefined).toBe(t.robot === null);
      const needsEnv: readonly string[] = ['dataset', 'eval', 'run', 'sim-node'];
      if (t.createEnv === undefined) expect(t.commands.filter((c) => needsEnv.includes(c))).toEqual([]);
      // A recorded task names its default data file and the command that makes it.
      if (t.training.needsDataFile) {
        expect(t.training.defaultDataFile).toBe(`data/${t.id}.bin`);
        expect(t.training.defaultDataRecipe).toContain(`df-planner dataset --task ${t.id} `);
        expect(t.training.defaultDataRecipe).toContain(`--out data/${t.id}.bin`);
      }
      expect(tokenSize(t.training.layout())).toBeGreaterThan(0);
    }
  });

  it('gives the mazes D4RL scoring, their shipped models and every command; the arm final-state success', () => {
    for (const id of Object.keys(MAZE_TASKS)) {
      const t = getTask(id);
      expect(t).toMatchObject({ robot: 'maze2d', scoring: 'd4rl-normalized', modelDir: `models/${id}` });
      expect([...t.commands].sort()).toEqual([...TASK_COMMANDS].sort());
    }
    expect(getTask('arm-swap')).toMatchObject({ robot: 'arm', scoring: 'final-state-success' });
    expect(getTask('oscillator')).toMatchObject({ robot: null, scoring: null, commands: ['train'] });
  });

  it("builds each task's own env through createEnv", async () => {
    for (const id of ['maze2d-umaze', 'arm-swap']) {
      const env = await getTask(id).createEnv!({ logger: silentLogger });
      try {
        expect(env.id).toBe(id);
        const layout = getTask(id).training.layout();
        const actionField = layout.fields.find((f) => f.kind === 'action')!;
        expect(env.actionSpace.low.length).toBe(actionField.size);
      } finally {
        env.close();
      }
    }
  });

  it('filters the tasks a command serves', () => {
    expect(taskIds('train')).toEqual(taskIds());
    expect(taskIds('node')).toEqual(TASKS.filter((t) => t.commands.includes('node')).map((t) => t.id));
    expect(taskIds('dataset')).not.toContain('oscillator');
    expect(taskIds('dataset')).toContain('arm-swap');
  });

  it('names the known tasks for an unknown id', () => {
    expect(findTask('maze2d-mediun')).toBeUndefined();
    expect(() => getTask('maze2d-mediun')).toThrow(InputError);
    expect(() => getTask('maze2d-mediun')).toThrow(`known tasks: ${taskIds().join(', ')}`);
  });

  it('refuses a task a command does not serve in one line naming the ones it does', () => {
    const oscillator = () => taskFor('oscillator', 'run', '--task');
    expect(oscillator).toThrow(ConfigError);
    expect(oscillator).toThrow(
      `--task: df-planner run does not serve task 'oscillator' (yet); it serves: ${taskIds('run').join(', ')}`,
    );
    expect(() => taskFor('nope', 'eval')).toThrow(`task: unknown task 'nope'; df-planner eval serves: `);
    try {
      oscillator();
    } catch (error) {
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
    expect(taskFor('maze2d-large', 'node')).toBe(getTask('maze2d-large'));
  });
});
