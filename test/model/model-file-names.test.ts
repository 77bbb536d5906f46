/**
 * model.json written before the plan latency was named so (`tickMsMedian`, `tickMsP99` in
 * provenance.plannerEvaluation) still reads, under today's names.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_FILE, readModelFile } from '../../src/model/checkpoint.js';

const SHIPPED = join(import.meta.dirname, '..', '..', 'models', 'maze2d-umaze');
const dir = mkdtempSync(join(tmpdir(), 'df-model-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model.json field names', () => {
  it('reads the old tick names of the plan latency as planMsMedian / planMsP99', () => {
    const json = JSON.parse(readFileSync(join(SHIPPED, MODEL_FILE), 'utf8'));
    const { planMsMedian, planMsP99, ...rest } = json.provenance.plannerEvaluation;
    expect(typeof planMsMedian).toBe('number');
    json.provenance.plannerEvaluation = { ...rest, tickMsMedian: planMsMedian, tickMsP99: planMsP99 };
    writeFileSync(join(dir, MODEL_FILE), JSON.stringify(json));
    const read = readModelFile(dir).provenance.plannerEvaluation!;
    expect(read['planMsMedian']).toBe(planMsMedian);
    expect(read['planMsP99']).toBe(planMsP99);
    expect(read).not.toHaveProperty('tickMsMedian');
    expect(read['normalizedScore']).toBe(rest.normalizedScore);
  });

  it('leaves a current file as it is', () => {
    copyFileSync(join(SHIPPED, MODEL_FILE), join(dir, MODEL_FILE));
    const read = readModelFile(dir);
    expect(read).toEqual(JSON.parse(readFileSync(join(SHIPPED, MODEL_FILE), 'utf8')));
  });
});
