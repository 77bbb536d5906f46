/**
 * Public surface of src/transport (other folders import only this file).
 *
 * - Types: `Transport`, `Bus`, `QosName`, `ParamSpec`, … (types.ts) and the message shapes + `MsgMap` (msgs.ts).
 * - `createBus(options?)` → in-process rxjs bus (bus/); `bus.node(name, ns?, argv?)` → `Transport`.
 * - `createTransport(kind, name, argv, options?)` → `Transport`; `'ros'` loads rclnodejs only by dynamic import.
 */
export * from './msgs.js';
export * from './types.js';
