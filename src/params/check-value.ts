/**
 * Value checks shared by the bus, the ROS adapter and the declaration table, so a bad value is refused with the
 * same words everywhere:
 * - `checkParamValue`: a runtime value (JS numbers for int and double) against a spec — type, integer-ness,
 *   range, choices. Returns every problem, not just the first.
 * - `coerceRawValue`: a params-file / `-p` value (YAML ints are bigint, floats are number) to a runtime value,
 *   with the int/double rule of rclnodejs with an explicit descriptor (docs/ros2.md §2.4): `20` is refused for a
 *   `double` (write `20.0`), `20.0` is refused for an `int`.
 */
import type { ParamSpec, ParamType, ParamValue, RawParamValue, RawScalar } from './types.js';

type Scalar = 'bool' | 'int' | 'double' | 'string';

function elementType(type: ParamType): Scalar {
  return type.replace('[]', '') as Scalar;
}

function isArrayType(type: ParamType): boolean {
  return type.endsWith('[]');
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return String(v);
}

function checkScalar(el: Scalar, v: unknown, spec: ParamSpec): string | null {
  switch (el) {
    case 'bool':
      return typeof v === 'boolean' ? null : `expects true or false, got ${show(v)}`;
    case 'string':
      if (typeof v !== 'string') return `expects a string, got ${show(v)}`;
      if (spec.choices && !spec.choices.includes(v)) {
        return `${show(v)} is not one of ${spec.choices.map(show).join(', ')}`;
      }
      return null;
    case 'int':
    case 'double': {
      if (typeof v !== 'number') return `expects ${el === 'int' ? 'an integer' : 'a number'}, got ${show(v)}`;
      if (Number.isNaN(v)) return 'is NaN';
      if (el === 'int' && !Number.isSafeInteger(v)) return `expects an integer, got ${show(v)}`;
      if (spec.range && !(v >= spec.range[0] && v <= spec.range[1])) {
        return `${show(v)} is outside [${spec.range[0]}, ${spec.range[1]}]`;
      }
      return null;
    }
  }
}

/** Problems of `value` for `spec` (empty when valid). Messages start with the parameter name. */
export function checkParamValue(name: string, spec: ParamSpec, value: unknown): string[] {
  const el = elementType(spec.type);
  if (!isArrayType(spec.type)) {
    const p = checkScalar(el, value, spec);
    return p ? [`'${name}' (${spec.type}) ${p}`] : [];
  }
  if (!Array.isArray(value)) return [`'${name}' (${spec.type}) expects an array, got ${show(value)}`];
  const out: string[] = [];
  value.forEach((v, i) => {
    const p = checkScalar(el, v, spec);
    if (p) out.push(`'${name}[${i}]' (${spec.type}) ${p}`);
  });
  return out;
}

function rawScalar(
  name: string,
  el: Scalar,
  v: RawScalar,
): { value: boolean | number | string } | { problem: string } {
  switch (el) {
    case 'bool':
      return typeof v === 'boolean'
        ? { value: v }
        : { problem: `'${name}' (bool) expects true or false, got ${show(v)}` };
    case 'string':
      return typeof v === 'string'
        ? { value: v }
        : {
            problem: `'${name}' (string) got the ${typeof v === 'boolean' ? 'bool' : 'number'} ${show(v)}; quote it: '${show(v)}'`,
          };
    case 'int':
      if (typeof v === 'bigint') {
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          return { problem: `'${name}' (int) ${v} is beyond ±2^53, which a JS number cannot hold exactly` };
        }
        return { value: Number(v) };
      }
      if (typeof v === 'number') {
        return {
          problem: `'${name}' is an int; the override ${show(v)} is a double (ROS refuses a double for an int parameter)${Number.isInteger(v) ? `: write ${v}` : ''}`,
        };
      }
      return { problem: `'${name}' (int) expects an integer, got ${show(v)}` };
    case 'double':
      if (typeof v === 'number') return { value: v };
      if (typeof v === 'bigint') {
        return {
          problem: `'${name}' is a double; the override ${v} is an integer (ROS refuses an integer for a double parameter): write ${v}.0`,
        };
      }
      return { problem: `'${name}' (double) expects a number, got ${show(v)}` };
  }
}

/**
 * Convert a raw params-file / `-p` value for `spec`. Returns the runtime value, or every problem (type rule,
 * then range and choices).
 */
export function coerceRawValue(
  name: string,
  spec: ParamSpec,
  raw: RawParamValue,
): { ok: true; value: ParamValue } | { ok: false; problems: string[] } {
  const el = elementType(spec.type);
  let value: ParamValue;
  if (!isArrayType(spec.type)) {
    if (Array.isArray(raw))
      return { ok: false, problems: [`'${name}' (${spec.type}) expects a single value, got ${show(raw)}`] };
    const r = rawScalar(name, el, raw as RawScalar);
    if ('problem' in r) return { ok: false, problems: [r.problem] };
    value = r.value;
  } else {
    if (!Array.isArray(raw))
      return { ok: false, problems: [`'${name}' (${spec.type}) expects an array, got ${show(raw)}`] };
    const problems: string[] = [];
    const values: (boolean | number | string)[] = [];
    (raw as readonly RawScalar[]).forEach((v, i) => {
      const r = rawScalar(`${name}[${i}]`, el, v);
      if ('problem' in r) problems.push(r.problem);
      else values.push(r.value);
    });
    if (problems.length > 0) return { ok: false, problems };
    value = values as ParamValue;
  }
  const problems = checkParamValue(name, spec, value);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** Problems of a spec itself (a bad default, a range on a string, an empty range). */
export function checkParamSpec(name: string, spec: ParamSpec): string[] {
  const out: string[] = [];
  const el = elementType(spec.type);
  if (spec.range) {
    if (el !== 'int' && el !== 'double') out.push(`'${name}' has a range but is a ${spec.type}`);
    else if (!(spec.range[0] <= spec.range[1]))
      out.push(`'${name}' range [${spec.range[0]}, ${spec.range[1]}] is empty`);
  }
  if (spec.choices && el !== 'string') out.push(`'${name}' has choices but is a ${spec.type}`);
  for (const p of checkParamValue(name, spec, spec.default)) out.push(`default: ${p}`);
  return out;
}

/** Render a value the way it would be written in YAML / `-p` (doubles keep a decimal point). */
export function formatParamValue(type: ParamType, value: ParamValue): string {
  const el = elementType(type);
  const one = (v: boolean | number | string): string => {
    if (typeof v === 'number' && el === 'double' && Number.isInteger(v)) return v.toFixed(1);
    if (typeof v === 'string') return v === '' ? "''" : v;
    return String(v);
  };
  return Array.isArray(value) ? `[${value.map(one).join(', ')}]` : one(value as boolean | number | string);
}
