import { describe, expect, it } from 'vitest';
import { SLOTS } from '../../../sim/arm/geometry.js';
import {
  type FruitState,
  goalSlots,
  slotOf,
  startSlots,
  swapSucceeded,
  tiltFromQuaternion,
} from '../../../sim/arm/success.js';

const at = (slot: 'A' | 'B' | 'C', dx = 0, dy = 0, z = 0.03, tilt = 0): FruitState => ({
  position: [SLOTS[slot][0] + dx, SLOTS[slot][1] + dy, z],
  tilt,
});

describe('fruit-swap success rule', () => {
  it('start and goal slots swap per case', () => {
    expect(startSlots('AB')).toEqual({ apple: 'A', orange: 'B' });
    expect(goalSlots('AB')).toEqual({ apple: 'B', orange: 'A' });
    expect(goalSlots('BA')).toEqual(startSlots('AB'));
  });

  it('a completed swap succeeds; the start arrangement and the other case do not', () => {
    expect(swapSucceeded('AB', { apple: at('B'), orange: at('A') })).toBe(true);
    expect(swapSucceeded('BA', { apple: at('A'), orange: at('B') })).toBe(true);
    expect(swapSucceeded('AB', { apple: at('A'), orange: at('B') })).toBe(false);
    expect(swapSucceeded('BA', { apple: at('B'), orange: at('A') })).toBe(false);
  });

  it('needs each fruit within 3 cm of its goal centre', () => {
    expect(swapSucceeded('AB', { apple: at('B', 0.029), orange: at('A') })).toBe(true);
    expect(swapSucceeded('AB', { apple: at('B', 0.022, 0.022), orange: at('A') })).toBe(false);
  });

  it('needs both fruits upright on the table: height within 5 mm, tilt below 0.2 rad', () => {
    expect(swapSucceeded('AB', { apple: at('B', 0, 0, 0.036), orange: at('A') })).toBe(false);
    expect(swapSucceeded('AB', { apple: at('B', 0, 0, 0.0245), orange: at('A') })).toBe(false);
    expect(swapSucceeded('AB', { apple: at('B', 0, 0, 0.03, 0.25), orange: at('A') })).toBe(false);
    expect(swapSucceeded('AB', { apple: at('B', 0, 0, 0.03, 0.19), orange: at('A') })).toBe(true);
  });

  it('fails with a fruit left in or near C', () => {
    expect(swapSucceeded('AB', { apple: at('C'), orange: at('A') })).toBe(false);
  });

  it('tilt treats the cylinder as symmetric end for end', () => {
    expect(tiltFromQuaternion(1, 0, 0, 0)).toBe(0);
    expect(tiltFromQuaternion(0, 1, 0, 0)).toBeCloseTo(0, 12); // upside down still stands
    const half = Math.SQRT1_2;
    expect(tiltFromQuaternion(half, half, 0, 0)).toBeCloseTo(Math.PI / 2, 12); // lying
    expect(tiltFromQuaternion(Math.cos(0.05), 0, Math.sin(0.05), 0)).toBeCloseTo(0.1, 12);
  });

  it('names the slot a resting fruit is in, and none while lifted or between slots', () => {
    expect(slotOf(at('A', 0.04))).toBe('A');
    expect(slotOf(at('C'))).toBe('C');
    expect(slotOf(at('A', 0, -0.085))).toBeNull();
    expect(slotOf(at('B', 0, 0, 0.1))).toBeNull();
  });
});
