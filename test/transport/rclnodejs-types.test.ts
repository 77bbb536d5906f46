/**
 * T1 (docs/ros2.md §5.3) in `npm test`: the adapter's `RclLike` against rclnodejs 2.2.0's own declarations, fetched
 * with `npm pack` and checked against the pinned integrity (types/typecheck-rclnodejs.ts), so it runs on a
 * clean clone with no ROS and no rclnodejs installed. rcl-like-check.ts carries a `@ts-expect-error` on a member
 * rclnodejs does not have, so a check that silently resolved `rclnodejs` to `any` fails too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RCLNODEJS_VERSION, typecheckRclnodejs } from '../../types/typecheck-rclnodejs.js';

const root = join(import.meta.dirname, '..', '..');

describe('rclnodejs, declared and type-checked', () => {
  it('is an optional peer dependency whose range holds the version the adapter is checked against', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    expect(pkg['peerDependencies']?.['rclnodejs']).toBe(`~${RCLNODEJS_VERSION}`);
    expect(pkg['peerDependenciesMeta']?.['rclnodejs']).toEqual({ optional: true });
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      expect(pkg[field]?.['rclnodejs'], field).toBeUndefined();
    }
    expect(pkg['scripts']?.['typecheck:rclnodejs']).toBe('tsx types/typecheck-rclnodejs.ts');
  });

  it(`the adapter type-checks against rclnodejs ${RCLNODEJS_VERSION}'s own declarations`, () => {
    const r = typecheckRclnodejs(root);
    expect(r.output, r.output).toBe('');
    expect(r.ok).toBe(true);
    const declared = JSON.parse(readFileSync(join(r.typesDir, '..', 'package.json'), 'utf8')) as {
      version: string;
      types: string;
    };
    expect(declared.version).toBe(RCLNODEJS_VERSION);
    expect(declared.types).toBe('types/index.d.ts');
  });
});
