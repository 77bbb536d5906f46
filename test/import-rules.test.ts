/**
 * The import rules the code's comments state, checked on the parsed imports of every file in src/, sim/ and
 * bin/ (the TypeScript parser, so comments and strings never count; `import type` is told apart because it
 * loads nothing at run time). The rclnodejs rule (only src/transport/rcl/, only by dynamic import) lives in
 * test/transport/import-guard.test.ts.
 *
 * 1. src/math is pure: it imports only src/math and src/errors.ts (no package, no Node built-in, no I/O).
 * 2. src/ never imports sim/, except the two layers that join them: src/cli (the commands) and src/bench
 *    (benchmarks on the sims).
 * 3. The sim does not import the planner: sim/ imports nothing of src/node (except the robots' topic contracts
 *    src/node/*-topics.ts, the topic, frame and QoS names both sides share, themselves import-free), src/planner, src/model, src/diffusion,
 *    src/objectives, src/train, src/tensor, src/cli or src/bench.
 * 4. ROS/transport code has no math: src/transport, src/params and the ROS 2 outputs (src/ros2msg, src/record,
 *    src/live) import nothing of src/math, src/model,
 *    src/diffusion, src/planner, src/objectives, src/tensor, src/tasks or src/train, and not tfjs; in src/node
 *    only the planner thread's side (agent-driver.ts) touches tfjs, src/model or src/tensor.
 * 5. Folders are entered through their public file: src/planner through index.ts (or settings.ts, the settings
 *    declaration, which loads without tfjs), src/transport through index.ts, sim/nodes through index.ts;
 *    src/bench does not import src/cli; src/params imports only src/errors.ts of the project.
 * 6. Imports flow one way: the folders of src/ and sim/ import each other without a cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface Import {
  /** Importing file, relative to the root. */
  readonly from: string;
  /** Root-relative path of a project file (with .ts for .js), or the bare package / `node:` name. */
  readonly to: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|mjs|js)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every import, export-from and dynamic import() with a literal specifier in `text`. */
function parseImports(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const s = spec.text;
    const to = s.startsWith('.')
      ? relative(ROOT, resolve(dirname(join(ROOT, file)), s)).replace(/\.js$/, '.ts')
      : s;
    out.push({
      from: file,
      to,
      typeOnly,
      line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
    });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const allTypes =
        c !== undefined &&
        (c.isTypeOnly ||
          (c.name === undefined &&
            c.namedBindings !== undefined &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length === 1
    ) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The folder a project path belongs to: `src/math`, `sim/maze2d`, `src/errors.ts`, `bin`. */
function folder(path: string): string {
  const parts = path.split('/');
  if ((parts[0] === 'src' || parts[0] === 'sim') && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts.length > 1 && parts[0] !== 'src' && parts[0] !== 'sim' ? parts[0]! : path;
}

const isProject = (to: string) => /^(src|sim|bin)\//.test(to);
const under = (path: string, ...dirs: string[]) => dirs.some((d) => path === d || path.startsWith(`${d}/`));
const show = (i: Import) => `${i.from}:${i.line} → ${i.to}${i.typeOnly ? ' (type)' : ''}`;

const all: Import[] = ['src', 'sim', 'bin'].flatMap((d) =>
  files(join(ROOT, d)).flatMap((f) => {
    const rel = relative(ROOT, f);
    return parseImports(rel, readFileSync(f, 'utf8'));
  }),
);
const fromDir = (...dirs: string[]) => all.filter((i) => under(i.from, ...dirs));
const TFJS = /^@tensorflow\//;
/** A robot's topic contract in src/node, shared with its sim node. */
const CONTRACT = /^src\/node\/[a-z0-9-]+-topics\.ts$/;

describe('import rules', () => {
  it('reads the imports of the whole tree, with types, exports and dynamic imports', () => {
    expect(new Set(all.map((i) => i.from)).size).toBeGreaterThan(100);
    const text = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import { type C } from './c.js';",
      "export { d } from './d.js';",
      "const e = await import('./e.js');",
      "// import f from './f.js';",
      'const g = \'import h from "./h.js"\';',
      "type I = import('./i.js').I;",
    ].join('\n');
    expect(parseImports('src/x.ts', text).map((i) => `${i.to}${i.typeOnly ? ' type' : ''}`)).toEqual([
      'src/a.ts',
      'src/b.ts type',
      'src/c.ts type',
      'src/d.ts',
      'src/e.ts',
      'src/i.ts type',
    ]);
  });

  it('1. src/math imports only src/math and src/errors.ts', () => {
    const bad = fromDir('src/math').filter((i) => !under(i.to, 'src/math') && i.to !== 'src/errors.ts');
    expect(bad.map(show)).toEqual([]);
  });

  it('2. src/ never imports sim/, except src/cli and src/bench', () => {
    const bad = fromDir('src')
      .filter((i) => under(i.to, 'sim'))
      .filter((i) => !under(i.from, 'src/cli', 'src/bench'));
    expect(bad.map(show)).toEqual([]);
  });

  it('3. the sim does not import the planner node, the planner or the network', () => {
    const bad = fromDir('sim').filter(
      (i) =>
        (under(i.to, 'src/node') && !CONTRACT.test(i.to)) ||
        under(
          i.to,
          'src/planner',
          'src/model',
          'src/diffusion',
          'src/objectives',
          'src/train',
          'src/tensor',
          'src/cli',
          'src/bench',
        ),
    );
    expect(bad.map(show)).toEqual([]);
    const contracts = readdirSync(join(ROOT, 'src/node'))
      .map((f) => `src/node/${f}`)
      .filter((f) => CONTRACT.test(f));
    expect(contracts).toContain('src/node/maze-topics.ts');
    const shared = contracts.flatMap((f) => parseImports(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(shared.filter((i) => !i.typeOnly).map(show)).toEqual([]);
  });

  it('4. ROS/transport code has no math', () => {
    const math = [
      'src/math',
      'src/model',
      'src/diffusion',
      'src/planner',
      'src/objectives',
      'src/tensor',
      'src/tasks',
      'src/train',
    ];
    const bad = fromDir('src/transport', 'src/params', 'src/ros2msg', 'src/record', 'src/live').filter(
      (i) => under(i.to, ...math) || TFJS.test(i.to),
    );
    expect(bad.map(show)).toEqual([]);
    const node = fromDir('src/node').filter(
      (i) =>
        !i.typeOnly &&
        i.from !== 'src/node/agent-driver.ts' &&
        (TFJS.test(i.to) || under(i.to, 'src/model', 'src/tensor', 'src/math', 'src/diffusion')),
    );
    expect(node.map(show)).toEqual([]);
  });

  it('5. folders are entered through their public file', () => {
    const planner = all.filter(
      (i) =>
        !under(i.from, 'src/planner') &&
        under(i.to, 'src/planner') &&
        !['src/planner/index.ts', 'src/planner/settings.ts'].includes(i.to),
    );
    const transport = all.filter(
      (i) =>
        !under(i.from, 'src/transport') && under(i.to, 'src/transport') && i.to !== 'src/transport/index.ts',
    );
    const simNodes = all.filter(
      (i) => !under(i.from, 'sim/nodes') && under(i.to, 'sim/nodes') && i.to !== 'sim/nodes/index.ts',
    );
    const benchCli = fromDir('src/bench').filter((i) => under(i.to, 'src/cli'));
    const params = fromDir('src/params').filter(
      (i) => isProject(i.to) && !under(i.to, 'src/params') && i.to !== 'src/errors.ts',
    );
    expect([...planner, ...transport, ...simNodes, ...benchCli, ...params].map(show)).toEqual([]);
  });

  it('6. the folders of src/ and sim/ import each other without a cycle', () => {
    const graph = new Map<string, Set<string>>();
    for (const i of all) {
      if (i.typeOnly || !isProject(i.to)) continue;
      const a = folder(i.from);
      const b = folder(i.to);
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(b);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string) => {
      state.set(n, 'open');
      stack.push(n);
      for (const m of graph.get(n) ?? []) {
        if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' → '));
        else if (!state.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, 'done');
    };
    for (const n of graph.keys()) if (!state.has(n)) visit(n);
    expect(graph.size).toBeGreaterThan(10);
    expect(cycles).toEqual([]);
  });
});
