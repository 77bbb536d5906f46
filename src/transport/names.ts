/**
 * ROS name expansion and remapping, as rcl does it (the bus's resolver; the ROS transport leaves this to rcl):
 *   `/x` → `/x`;  `x` → `<ns>/x`;  `~` / `~/x` → `<ns>/<node>` / `<ns>/<node>/x`;
 * then the first remap rule whose (expanded) `from` equals the name replaces it with its (expanded) `to`.
 * Names are `/`-separated tokens of letters, digits and `_`, not starting with a digit; no `//`, no trailing `/`.
 */
import { TransportError } from '../errors.js';
import type { Remap } from './ros-args.js';

const TOKEN = '[A-Za-z_][A-Za-z0-9_]*';
const ABSOLUTE_RE = new RegExp(`^(/${TOKEN})+$`);
const NODE_NAME_RE = new RegExp(`^${TOKEN}$`);

/** Check a node name (`planner`). */
export function checkNodeName(name: string): string {
  if (!NODE_NAME_RE.test(name)) {
    throw new TransportError(
      `invalid node name '${name}': use letters, digits and '_', not starting with a digit (e.g. 'planner')`,
    );
  }
  return name;
}

/** Normalise a namespace: '' → '/', 'robot1' → '/robot1' (rcl makes relative namespaces absolute). */
export function normalizeNamespace(ns: string): string {
  if (ns === '' || ns === '/') return '/';
  const abs = ns.startsWith('/') ? ns : `/${ns}`;
  if (!ABSOLUTE_RE.test(abs)) {
    throw new TransportError(`invalid namespace '${ns}': use '/'-separated tokens such as '/robot1'`);
  }
  return abs;
}

/** `/ns/name` (or `/name` in the root namespace). */
export function fullyQualifiedName(name: string, ns: string): string {
  return ns === '/' ? `/${name}` : `${ns}/${name}`;
}

/** Expand a topic name for the node `name` in namespace `ns`, without remapping. */
export function expandTopicName(topic: string, name: string, ns: string): string {
  let out: string;
  if (topic === '~') out = fullyQualifiedName(name, ns);
  else if (topic.startsWith('~/')) out = `${fullyQualifiedName(name, ns)}/${topic.slice(2)}`;
  else if (topic.startsWith('/')) out = topic;
  else out = ns === '/' ? `/${topic}` : `${ns}/${topic}`;
  if (!ABSOLUTE_RE.test(out)) {
    throw new TransportError(
      `invalid topic name '${topic}' (expands to '${out}'): use '/'-separated tokens of letters, digits and '_' (e.g. 'cmd_vel', '~/plan', '/diagnostics')`,
    );
  }
  return out;
}

/** Expand and remap: the name the node really uses. */
export function resolveTopicName(topic: string, name: string, ns: string, remaps: readonly Remap[]): string {
  const expanded = expandTopicName(topic, name, ns);
  for (const r of remaps) {
    if (r.node !== undefined && r.node !== name) continue;
    if (expandTopicName(r.from, name, ns) === expanded) return expandTopicName(r.to, name, ns);
  }
  return expanded;
}
