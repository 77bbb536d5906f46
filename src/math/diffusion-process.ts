/**
 * The forward process and the conversions between the three prediction targets (docs/diffusion-forcing.md §2.1, §2.3),
 * elementwise on plain numbers or Float32Arrays. The tfjs versions in src/diffusion/ follow these formulas;
 * these are the reference they are tested against.
 *
 * Notation (ᾱ = ᾱ_k of the element's level, see noise-schedule.ts):
 *   x₀   clean value           `x0` (a prediction of it: `x0Hat`)
 *   ε    unit Gaussian noise    `eps`
 *   x_k  noisy value            `xt`        x_k = √ᾱ·x₀ + √(1−ᾱ)·ε            (q_sample)
 *   v    velocity target        `v`         v   = √ᾱ·ε − √(1−ᾱ)·x₀
 * Inverses used everywhere:
 *   x₀ = (x_k − √(1−ᾱ)·ε)/√ᾱ        ε = (x_k − √ᾱ·x₀)/√(1−ᾱ)
 *   x₀ = √ᾱ·x_k − √(1−ᾱ)·v          ε = √(1−ᾱ)·x_k + √ᾱ·v
 * At ᾱ = 1 (clean, level −1) ε is undefined: `epsFromX0` returns ±Infinity/NaN there, as the formula does.
 *
 * `alphaBar` may be one number for all elements or an array: with as many entries as elements it is
 * per element; with fewer entries (a divisor of the length) each entry covers a contiguous block, e.g. one ᾱ
 * per token of a time-major [T, D] buffer.
 */
import { ConfigError } from '../errors.js';

export type AlphaBarInput = number | ArrayLike<number>;

type Pair = (a: number, b: number, sqrtAlphaBar: number, sqrtOneMinusAlphaBar: number) => number;

/** Forward diffusion q(x_k | x₀): x_k = √ᾱ·x₀ + √(1−ᾱ)·ε. */
export function qSample(x0: number, eps: number, alphaBar: number): number;
export function qSample(
  x0: Float32Array,
  eps: Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): Float32Array;
export function qSample(
  x0: number | Float32Array,
  eps: number | Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): number | Float32Array {
  return apply('qSample', (x, e, a, b) => a * x + b * e, x0, eps, alphaBar, out);
}

/** x̂₀ from a noisy value and an ε prediction: x̂₀ = (x_k − √(1−ᾱ)·ε̂)/√ᾱ. */
export function x0FromEps(xt: number, eps: number, alphaBar: number): number;
export function x0FromEps(
  xt: Float32Array,
  eps: Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): Float32Array;
export function x0FromEps(
  xt: number | Float32Array,
  eps: number | Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): number | Float32Array {
  return apply('x0FromEps', (x, e, a, b) => (x - b * e) / a, xt, eps, alphaBar, out);
}

/** ε̂ from a noisy value and an x₀ prediction: ε̂ = (x_k − √ᾱ·x̂₀)/√(1−ᾱ). */
export function epsFromX0(xt: number, x0: number, alphaBar: number): number;
export function epsFromX0(
  xt: Float32Array,
  x0: Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): Float32Array;
export function epsFromX0(
  xt: number | Float32Array,
  x0: number | Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): number | Float32Array {
  return apply('epsFromX0', (x, c, a, b) => (x - a * c) / b, xt, x0, alphaBar, out);
}

/** x̂₀ from a noisy value and a v prediction: x̂₀ = √ᾱ·x_k − √(1−ᾱ)·v̂. */
export function x0FromV(xt: number, v: number, alphaBar: number): number;
export function x0FromV(
  xt: Float32Array,
  v: Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): Float32Array;
export function x0FromV(
  xt: number | Float32Array,
  v: number | Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): number | Float32Array {
  return apply('x0FromV', (x, w, a, b) => a * x - b * w, xt, v, alphaBar, out);
}

/** The v target: v = √ᾱ·ε − √(1−ᾱ)·x₀. */
export function vFromX0Eps(x0: number, eps: number, alphaBar: number): number;
export function vFromX0Eps(
  x0: Float32Array,
  eps: Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): Float32Array;
export function vFromX0Eps(
  x0: number | Float32Array,
  eps: number | Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): number | Float32Array {
  return apply('vFromX0Eps', (c, e, a, b) => a * e - b * c, x0, eps, alphaBar, out);
}

/** ε̂ from a noisy value and a v prediction: ε̂ = √(1−ᾱ)·x_k + √ᾱ·v̂. */
export function epsFromV(xt: number, v: number, alphaBar: number): number;
export function epsFromV(
  xt: Float32Array,
  v: Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): Float32Array;
export function epsFromV(
  xt: number | Float32Array,
  v: number | Float32Array,
  alphaBar: AlphaBarInput,
  out?: Float32Array,
): number | Float32Array {
  return apply('epsFromV', (x, w, a, b) => b * x + a * w, xt, v, alphaBar, out);
}

/** Shared elementwise driver: checks shapes once, then runs `f` with √ᾱ and √(1−ᾱ) per element. */
function apply(
  name: string,
  f: Pair,
  first: number | Float32Array,
  second: number | Float32Array,
  alphaBar: AlphaBarInput,
  out: Float32Array | undefined,
): number | Float32Array {
  if (typeof first === 'number' || typeof second === 'number') {
    if (typeof first !== 'number' || typeof second !== 'number' || typeof alphaBar !== 'number') {
      throw new ConfigError(`${name}: pass either all numbers or two Float32Arrays, not a mix`, 'arguments');
    }
    checkAlphaBar(name, alphaBar);
    return f(first, second, Math.sqrt(alphaBar), Math.sqrt(1 - alphaBar));
  }
  const n = first.length;
  if (second.length !== n) {
    throw new ConfigError(`${name}: the two inputs differ in length (${n} vs ${second.length})`, 'arguments');
  }
  const result = out ?? new Float32Array(n);
  if (result.length !== n) {
    throw new ConfigError(`${name}: the output buffer has length ${result.length}, expected ${n}`, 'out');
  }
  if (typeof alphaBar === 'number') {
    checkAlphaBar(name, alphaBar);
    const a = Math.sqrt(alphaBar);
    const b = Math.sqrt(1 - alphaBar);
    for (let i = 0; i < n; i++) result[i] = f(first[i]!, second[i]!, a, b);
    return result;
  }
  const blocks = alphaBar.length;
  if (blocks === 0 || n % blocks !== 0) {
    throw new ConfigError(
      `${name}: ${blocks} alphaBar values do not divide ${n} elements; pass one per element or one per ` +
        `equal-sized block (e.g. per token)`,
      'alphaBar',
    );
  }
  const block = n / blocks;
  for (let j = 0; j < blocks; j++) {
    const ab = alphaBar[j]!;
    checkAlphaBar(name, ab);
    const a = Math.sqrt(ab);
    const b = Math.sqrt(1 - ab);
    const end = (j + 1) * block;
    for (let i = j * block; i < end; i++) result[i] = f(first[i]!, second[i]!, a, b);
  }
  return result;
}

function checkAlphaBar(name: string, alphaBar: number): void {
  if (!(alphaBar > 0 && alphaBar <= 1)) {
    throw new ConfigError(`${name}: alphaBar must be in (0, 1], got ${alphaBar}`, 'alphaBar');
  }
}
