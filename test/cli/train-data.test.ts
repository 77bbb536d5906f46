/**
 * `train`'s dataset handling (issue 10): a mistyped --data is refused instead of generating a 1M-step dataset
 * there; a dataset with a corrupt (non-finite) value is refused once, naming the file and the first bad row.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type MazeDataset, readMazeDataset, writeMazeDataset } from '../../sim/maze2d/dataset.js';
import train from '../../src/cli/train.js';
import { ConfigError, DatasetError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'df-train-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small well-formed umaze stream (the values only need to be finite for the reader). */
function syntheticDataset(steps: number): MazeDataset {
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => 1 + (i % 7) * 0.1);
  return {
    task: 'maze2d-umaze',
    seed: 0,
    noise: 0.5,
    steps,
    observations: ramp((steps + 1) * 4),
    actions: ramp(steps * 2),
    rewards: new Float32Array(steps),
    rewardsNext: new Float32Array(steps),
    goals: ramp(steps * 2),
    timeouts: new Float32Array(steps),
  };
}

async function refusal(argv: string[]): Promise<Error> {
  const error = await train.run(argv).then(
    () => null,
    (err: unknown) => err as Error,
  );
  if (error === null) throw new Error('expected a refusal');
  return error;
}

describe('train --data', () => {
  it('a missing file at a path other than the default is refused, not generated', async () => {
    const typo = join(dir, 'maze2d-umazee.bin');
    const error = await refusal(['--task', 'maze2d-umaze', '--data', typo, '--out', join(dir, 'm1')]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `--data: ${typo} does not exist; check the path, pass --generate to create it with the default recipe, ` +
        'or leave out --data for data/maze2d-umaze.bin',
    );
    expect(existsSync(typo)).toBe(false);
    expect(existsSync(join(dir, 'm1'))).toBe(false);
  });

  it('a non-finite value is one error naming the file and the first bad row', async () => {
    const file = join(dir, 'corrupt.bin');
    const data = syntheticDataset(2000);
    data.actions[2 * 1500 + 1] = Number.POSITIVE_INFINITY;
    data.observations[4 * 1234 + 1] = Number.NaN;
    data.observations[4 * 1800] = Number.NaN;
    writeMazeDataset(file, data);
    const expected =
      `${file}: row 1234 of 'observations' holds NaN (column 1; the first bad value); the file is corrupt: ` +
      'regenerate it with: ';
    expect(() => readMazeDataset(file)).toThrow(DatasetError);
    expect(() => readMazeDataset(file)).toThrow(expected);
    const error = await refusal(['--task', 'maze2d-umaze', '--data', file, '--out', join(dir, 'm2')]);
    expect(error).toBeInstanceOf(DatasetError);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message.startsWith(expected)).toBe(true);
  });

  it('the first bad row wins across fields', () => {
    const file = join(dir, 'corrupt-actions.bin');
    const data = syntheticDataset(2000);
    data.observations[4 * 1800 + 2] = Number.NaN;
    data.actions[2 * 900] = Number.NEGATIVE_INFINITY;
    writeMazeDataset(file, data);
    expect(() => readMazeDataset(file)).toThrow(/row 900 of 'actions' holds -Infinity \(column 0;/);
  });
});
