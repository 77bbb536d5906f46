import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordValidationLoss, VALIDATION_FILE } from '../../src/train/validation-loss.js';

const dir = mkdtempSync(join(tmpdir(), 'df-validation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validation loss history', () => {
  it('appends one entry per checkpoint and a resume replaces entries at or after its step', () => {
    recordValidationLoss(dir, { step: 100, loss: 1 });
    recordValidationLoss(dir, { step: 200, loss: 0.8 });
    recordValidationLoss(dir, { step: 300, loss: 0.7 });
    // Resumed from the checkpoint at step 200: the old entry for 300 belongs to the lost tail.
    const history = recordValidationLoss(dir, { step: 300, loss: 0.6 });
    expect(history).toEqual([
      { step: 100, loss: 1 },
      { step: 200, loss: 0.8 },
      { step: 300, loss: 0.6 },
    ]);
    expect(JSON.parse(readFileSync(join(dir, VALIDATION_FILE), 'utf8'))).toEqual(history);
  });
});
