/**
 * Errors from the MuJoCo WASM layer: the module failed to start, an MJCF did not compile, or a handle was
 * used after it was freed. MuJoCo's own message (e.g. `XML Error: Schema violation … line 3`) is kept in
 * the text so the caller sees what the engine said.
 */
import { DfPlannerError } from '../../src/errors.js';

export class MujocoError extends DfPlannerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('mujoco', message, options);
  }
}

/** The engine's text for a thrown value, without the binding's duplicated "MuJoCo Error:" prefix. */
export function mujocoMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // The bindings repeat the message twice, separated by whitespace; keep the first copy.
  const cleaned = text.replace(/^Error:\s*/, '').trim();
  const prefix = 'MuJoCo Error:';
  const second = cleaned.indexOf(prefix, prefix.length);
  const first = second > 0 ? cleaned.slice(0, second) : cleaned;
  return first.replace(prefix, '').replace(/\s+/g, ' ').trim();
}
