/**
 * Confidence interval of a success rate: the Wilson score interval, which stays inside [0, 1] and is not
 * degenerate at 0 or n successes (unlike the normal-approximation p ± z·√(p(1−p)/n)):
 *   centre = (p + z²/2n) / (1 + z²/n),   half width = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)
 * with p = k/n and z = 1.959964 for 95 %.
 */
import { InputError } from '../errors.js';

/** z of a two-sided 95 % normal interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval [low, high] for `successes` out of `trials`; [NaN, NaN] for no trials. */
export function wilsonInterval(successes: number, trials: number, z = Z95): [number, number] {
  if (!(Number.isInteger(trials) && trials >= 0) || !(Number.isInteger(successes) && successes >= 0)) {
    throw new InputError(
      `wilsonInterval: successes and trials must be whole counts ≥ 0, got ${successes} of ${trials}`,
    );
  }
  if (successes > trials)
    throw new InputError(`wilsonInterval: ${successes} successes exceed ${trials} trials`);
  if (trials === 0) return [Number.NaN, Number.NaN];
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // Clamp rounding only: exact 0 and n successes give an end at exactly 0 or 1.
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === n ? 1 : Math.min(1, centre + half)];
}
