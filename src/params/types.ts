/**
 * Parameter value types shared by the declaration table (this folder) and the transports (src/transport
 * re-exports them). A JS number cannot tell int from double, so every declaration carries its type.
 */

export type ParamType = 'bool' | 'int' | 'double' | 'string' | 'int[]' | 'double[]' | 'string[]';

export const PARAM_TYPES: readonly ParamType[] = [
  'bool',
  'int',
  'double',
  'string',
  'int[]',
  'double[]',
  'string[]',
];

/** A parameter value as the node sees it: integers are plain numbers (the ROS adapter converts from bigint). */
export type ParamValue = boolean | number | string | readonly number[] | readonly string[];

/**
 * A value as written in a params file or `-p name:=value`, before it meets a declaration: YAML integers are
 * `bigint` and YAML floats are `number`, so `20` and `20.0` stay distinguishable (rcl parses them the same way).
 */
export type RawParamValue = boolean | bigint | number | string | readonly RawScalar[];
export type RawScalar = boolean | bigint | number | string;

/** What a transport's `declare` needs. */
export interface ParamSpec {
  readonly type: ParamType;
  readonly default: ParamValue;
  readonly description?: string;
  /** Static parameter: fixed after declaration (ROS `read_only`); change it with `-p` or a params file. */
  readonly readOnly?: boolean;
  /** Inclusive [min, max] for int/double (each element of int[]/double[]). */
  readonly range?: readonly [number, number];
  /** Allowed values of a `string` or `string[]` parameter (checked on declare and on set). */
  readonly choices?: readonly string[];
}

/** Mapped value type of a `ParamType`. */
export type ValueOfType<T extends ParamType> = T extends 'bool'
  ? boolean
  : T extends 'int' | 'double'
    ? number
    : T extends 'string'
      ? string
      : T extends 'int[]' | 'double[]'
        ? readonly number[]
        : readonly string[];
