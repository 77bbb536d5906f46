/**
 * Import guard (docs/ros2.md §5.3 T3): importing rclnodejs without a prebuilt match starts a synchronous 5-minute
 * native rebuild and installs a process-wide SIGINT handler (§1.2). So only src/transport/rcl/ may load it, and
 * only with a dynamic `import()`; type-only imports are allowed in types/ (the T1 check) and src/transport/rcl/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'sim', 'test', 'bin', 'types', 'launch'];

function files(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|js|mjs|cjs|mts|cts)$/.test(e)) out.push(p);
  }
  return out;
}

interface Use {
  file: string;
  kind: 'static' | 'type' | 'dynamic' | 'require' | 'specifier';
  line: number;
}

/** Every place a file refers to the rclnodejs module. */
function rclnodejsUses(file: string, text: string): Use[] {
  const uses: Use[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const line = i + 1;
    if (/^\s*(\/\/|\*|\/\*)/.test(l)) return;
    if (/\bimport\s+type\b[^'"]*from\s*['"]rclnodejs['"]/.test(l)) uses.push({ file, kind: 'type', line });
    else if (
      /\b(import|export)\b[^'"(]*from\s*['"]rclnodejs['"]/.test(l) ||
      /^\s*import\s*['"]rclnodejs['"]/.test(l)
    ) {
      uses.push({ file, kind: 'static', line });
    } else if (/\bimport\s*\(\s*['"]rclnodejs['"]\s*\)/.test(l)) uses.push({ file, kind: 'dynamic', line });
    else if (/\brequire\s*\(\s*['"]rclnodejs['"]\s*\)/.test(l)) uses.push({ file, kind: 'require', line });
    else if (/=\s*['"]rclnodejs['"]/.test(l)) uses.push({ file, kind: 'specifier', line });
  });
  return uses;
}

describe('rclnodejs import guard', () => {
  const all = SCANNED.flatMap((d) => files(join(ROOT, d))).filter((f) => !f.endsWith('import-guard.test.ts'));

  it('scans the source tree', () => {
    expect(all.some((f) => f.includes(join('src', 'transport', 'rcl')))).toBe(true);
    expect(all.length).toBeGreaterThan(50);
  });

  it('only src/transport/rcl/ refers to rclnodejs, never with a static import or require', () => {
    const bad: string[] = [];
    for (const file of all) {
      const rel = relative(ROOT, file);
      for (const u of rclnodejsUses(rel, readFileSync(file, 'utf8'))) {
        const inRcl = rel.startsWith(join('src', 'transport', 'rcl'));
        const inTypes = rel.startsWith('types');
        const ok = (inRcl && u.kind !== 'static' && u.kind !== 'require') || (inTypes && u.kind === 'type');
        if (!ok) bad.push(`${rel}:${u.line} (${u.kind})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the detector catches each form it forbids', () => {
    const text = [
      "import rcl from 'rclnodejs';",
      "import * as r from 'rclnodejs';",
      "export { x } from 'rclnodejs';",
      "import 'rclnodejs';",
      "const r = require('rclnodejs');",
      "const m = await import('rclnodejs');",
      "import type { Node } from 'rclnodejs';",
      "const SPEC = 'rclnodejs';",
      "// import rcl from 'rclnodejs' in a comment is fine",
    ].join('\n');
    expect(rclnodejsUses('x.ts', text).map((u) => u.kind)).toEqual([
      'static',
      'static',
      'static',
      'static',
      'require',
      'dynamic',
      'type',
      'specifier',
    ]);
  });

  it('the rcl adapter loads rclnodejs dynamically, from one file', () => {
    const uses = all
      .filter((f) => relative(ROOT, f).startsWith(join('src', 'transport', 'rcl')))
      .flatMap((f) => rclnodejsUses(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(uses.map((u) => u.file)).toEqual([join('src', 'transport', 'rcl', 'create-ros-transport.ts')]);
    expect(uses.map((u) => u.kind)).toEqual(['specifier']);
    const text = readFileSync(join(ROOT, 'src', 'transport', 'rcl', 'create-ros-transport.ts'), 'utf8');
    expect(text).toMatch(/await import\(RCLNODEJS\)/);
  });

  it('loading the transport index and the bus does not install rclnodejs signal handlers', async () => {
    const before = process.listenerCount('SIGINT');
    const { createBus } = await import('../../src/transport/index.js');
    const bus = createBus();
    bus.node('n').start();
    await bus.close();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
