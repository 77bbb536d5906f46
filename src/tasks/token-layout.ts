/**
 * Token layouts as data. A Diffusion Forcing token for decision making is [action, reward, next observation]
 * for one env step, and `frameStack` (F) consecutive steps are concatenated into one token:
 *
 *   token = [ step_0 | step_1 | … | step_{F-1} ],  step = [ field_0 | field_1 | … ]  (fields in layout order)
 *
 * Normalisation is per step dimension (shared by all F frames): x_norm = (x − mean) / std. The std acts as a
 * per-dimension weight in diffusion space (docs/diffusion-forcing.md §2.4), so it is a tuning knob, not only a statistic.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';

export type FieldKind = 'action' | 'reward' | 'observation';

export interface TokenField {
  /** Unique name, e.g. `action`, `reward`, `position`, `velocity`. */
  readonly name: string;
  readonly kind: FieldKind;
  /** Number of scalars in one env step. */
  readonly size: number;
  /** Optional per-component labels, e.g. ['x', 'y']. */
  readonly labels?: readonly string[];
}

export interface TokenLayout {
  readonly fields: readonly TokenField[];
  /** F: env steps packed into one token. */
  readonly frameStack: number;
}

export interface Normalization {
  /** Length = stepSize(layout). */
  readonly mean: readonly number[];
  /** Length = stepSize(layout); every entry > 0. */
  readonly std: readonly number[];
}

export function stepSize(layout: TokenLayout): number {
  return layout.fields.reduce((n, f) => n + f.size, 0);
}

export function tokenSize(layout: TokenLayout): number {
  return stepSize(layout) * layout.frameStack;
}

/** Size of the observation part of a step (what the init encoder reads). */
export function observationSize(layout: TokenLayout): number {
  return layout.fields.filter((f) => f.kind === 'observation').reduce((n, f) => n + f.size, 0);
}

/** Offset of a field inside one step. Throws a ConfigError naming the valid fields. */
export function fieldOffset(layout: TokenLayout, name: string): number {
  let offset = 0;
  for (const f of layout.fields) {
    if (f.name === name) return offset;
    offset += f.size;
  }
  throw new ConfigError(
    `unknown token field '${name}'; this layout has: ${layout.fields.map((f) => f.name).join(', ')}`,
    'field',
  );
}

/** Step-dimension indices that belong to observation fields, in layout order. */
export function observationIndices(layout: TokenLayout): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const f of layout.fields) {
    if (f.kind === 'observation') for (let i = 0; i < f.size; i++) out.push(offset + i);
    offset += f.size;
  }
  return out;
}

export function validateLayout(layout: TokenLayout, normalization?: Normalization): void {
  const issues: ConfigIssue[] = [];
  if (!Number.isInteger(layout.frameStack) || layout.frameStack < 1) {
    issues.push({
      path: 'layout.frameStack',
      message: `must be a whole number ≥ 1, got ${layout.frameStack}`,
    });
  }
  if (layout.fields.length === 0) issues.push({ path: 'layout.fields', message: 'needs at least one field' });
  const seen = new Set<string>();
  layout.fields.forEach((f, i) => {
    if (seen.has(f.name))
      issues.push({ path: `layout.fields[${i}].name`, message: `duplicate field name '${f.name}'` });
    seen.add(f.name);
    if (!Number.isInteger(f.size) || f.size < 1) {
      issues.push({ path: `layout.fields[${i}].size`, message: `must be a whole number ≥ 1, got ${f.size}` });
    }
    if (!['action', 'reward', 'observation'].includes(f.kind)) {
      issues.push({
        path: `layout.fields[${i}].kind`,
        message: `must be action, reward or observation, got '${f.kind}'`,
      });
    }
    if (f.labels && f.labels.length !== f.size) {
      issues.push({
        path: `layout.fields[${i}].labels`,
        message: `has ${f.labels.length} labels for size ${f.size}`,
      });
    }
  });
  if (normalization) {
    const n = stepSize(layout);
    if (normalization.mean.length !== n) {
      issues.push({
        path: 'normalization.mean',
        message: `has length ${normalization.mean.length}, layout step size is ${n}`,
      });
    }
    if (normalization.std.length !== n) {
      issues.push({
        path: 'normalization.std',
        message: `has length ${normalization.std.length}, layout step size is ${n}`,
      });
    }
    normalization.mean.forEach((m, i) => {
      if (!Number.isFinite(m))
        issues.push({ path: `normalization.mean[${i}]`, message: `must be finite, got ${m}` });
    });
    normalization.std.forEach((s, i) => {
      if (!(Number.isFinite(s) && s > 0))
        issues.push({ path: `normalization.std[${i}]`, message: `must be finite and > 0, got ${s}` });
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Normalises a flat array of whole steps in place-free fashion: out[i] = (x[i] − mean[d]) / std[d]. */
export function normalizeSteps(
  x: ArrayLike<number>,
  norm: Normalization,
  out = new Float32Array(x.length),
): Float32Array {
  const d = norm.mean.length;
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - norm.mean[i % d]!) / norm.std[i % d]!;
  return out;
}

/** Inverse of normalizeSteps. */
export function denormalizeSteps(
  x: ArrayLike<number>,
  norm: Normalization,
  out = new Float32Array(x.length),
): Float32Array {
  const d = norm.mean.length;
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * norm.std[i % d]! + norm.mean[i % d]!;
  return out;
}
