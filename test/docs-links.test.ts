/**
 * The repository explains itself: no comment or document cites notes that live outside it, and every
 * `docs/<name>.md` a file cites exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SCANNED = ['src', 'sim', 'test', 'bin', 'launch', 'types', 'models', 'docs', 'README.md'];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((e) => (e === 'node_modules' ? [] : files(join(path, e))));
}

const texts = SCANNED.flatMap((d) => files(join(ROOT, d)))
  .filter((f) => /\.(ts|mts|mjs|js|py|xml|yaml|md)$/.test(f))
  .map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

/**
 * A citation of a notes file by its bare name (name, ".md", then a section), i.e. not a path inside the
 * repository. Built from parts so that this file cites nothing itself and is scanned like every other.
 */
const NOTES = [
  'ros2',
  'maze2d',
  'diffusion-forcing',
  'tfjs-performance',
  'style',
  'maze-prototype',
  'arm-swap',
  'realtime-chunking',
];
const MD = '.md';
const SECTION = '§';
const OUTSIDE = new RegExp(
  `(^|[^\\w/.-])(${NOTES.join('|')})\\${MD}\\b|${['shared', 'reference'].join('\\/')}|reference ${SECTION}`,
);

describe('documentation links', () => {
  it('no file cites notes outside the repository', () => {
    const bad: string[] = [];
    for (const { file, text } of texts) {
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.test(line) && !file.startsWith('docs/') && !line.includes('docs/'))
          bad.push(`${file}:${i + 1}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('every cited docs/ file exists', () => {
    const cited = new Set(
      texts.flatMap(({ text }) => [...text.matchAll(/\bdocs\/([\w-]+\.md)/g)].map((m) => m[1]!)),
    );
    expect(cited.size).toBeGreaterThan(2);
    expect([...cited].filter((name) => !existsSync(join(ROOT, 'docs', name)))).toEqual([]);
  });

  it('the detector catches a bare citation and lets a docs/ path through', () => {
    const cite = `ros2${MD} ${SECTION}3.1`;
    expect(OUTSIDE.test(` * QoS (${cite}): sensor`)).toBe(true);
    expect(OUTSIDE.test(` * (reference ${SECTION}2.3)`)).toBe(true);
    expect(OUTSIDE.test(` * QoS (docs/${cite}): sensor`)).toBe(false);
  });
});
