/**
 * src/params — node parameters from one declaration table. Imports only src/errors.
 *
 * Declare a table (ROS snake_case names, camelCase keys with units):
 *
 *   export const PLANNER_PARAMS = defineParams([
 *     { name: 'control_frequency', key: 'controlFrequencyHz', type: 'double', default: 20.0, range: [1, 100],
 *       unit: 'Hz', mode: 'static', description: 'Control loop rate' },
 *     { name: 'planner.num_samples', key: 'numSamples', type: 'int', default: 8, range: [1, 256],
 *       mode: 'dynamic', description: 'Monte Carlo guidance samples' },
 *   ] as const);
 *   type PlannerParams = ConfigOf<typeof PLANNER_PARAMS>;   // { controlFrequencyHz: number; numSamples: number }
 *
 * Then:
 * - `declareParams(transport, table)` → the typed config (argv / params-file overrides applied; all refusals in
 *   one ConfigError);
 * - `configPatch(table, changes)` → the camelCase keys of an accepted runtime change (`transport.onParamChanged`);
 * - `validateParams(table, values, {runtime})`, `validateOverrides(table, loadParamsFile(path, name))` → every
 *   ConfigIssue (unknown names with a suggestion, static params, int/double rule, ranges, choices);
 * - `closestName(name, candidates)`, `didYouMean(…)` → the nearest known name (parameter or node names);
 * - `paramsMarkdown(table)` → the README table; `paramSpec(decl)` → the transport's ParamSpec.
 *
 * Values: int and double are both JS numbers at runtime; files and `-p` keep YAML's distinction (ints are bigint
 * in `RawParamValue`) so `coerceRawValue` can refuse `20` for a double (write `20.0`) exactly as rclnodejs does.
 * `readParamsFile(path)` is the one params-file reader; `loadParamsFile(path, nodeName)` gives one node's values.
 */
export { checkParamSpec, checkParamValue, coerceRawValue, formatParamValue } from './check-value.js';
export { closestName, didYouMean } from './closest-name.js';
export {
  type ConfigOf,
  configPatch,
  declareParams,
  defineParams,
  type ParamDecl,
  type ParamHost,
  type ParamTable,
  paramSpec,
  paramsMarkdown,
  TRANSPORT_PARAMS,
  validateOverrides,
  validateParams,
} from './param-table.js';
export {
  loadParamsFile,
  matchNodeKey,
  type ParamsFileContents,
  paramsForNode,
  parseParamsFile,
  parseParamText,
  readParamsFile,
} from './params-file.js';
export {
  PARAM_TYPES,
  type ParamSpec,
  type ParamType,
  type ParamValue,
  type RawParamValue,
  type RawScalar,
  type ValueOfType,
} from './types.js';
