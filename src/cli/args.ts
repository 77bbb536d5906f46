/**
 * Declarative option parsing for subcommands, on top of node:util parseArgs. One table per command gives
 * type, default, range and help; bad values become a ConfigError naming the flag and the fix, and `--help`
 * text is generated from the same table.
 */
import { parseArgs } from 'node:util';
import { ConfigError, type ConfigIssue } from '../errors.js';

type Kind = 'string' | 'number' | 'integer' | 'boolean';

export interface OptionSpec<K extends Kind = Kind> {
  kind: K;
  description: string;
  default?: K extends 'boolean' ? boolean : K extends 'string' ? string : number;
  /** Allowed values for strings. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  short?: string;
  required?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['kind'] extends 'boolean'
  ? boolean
  : S['kind'] extends 'string'
    ? string
    : number;

export type ParsedOptions<T extends OptionTable> = {
  [K in keyof T]: T[K]['default'] extends undefined
    ? T[K]['required'] extends true
      ? ValueOf<T[K]>
      : ValueOf<T[K]> | undefined
    : ValueOf<T[K]>;
} & { help: boolean; positionals: string[] };

/** Parses argv against a table; throws one ConfigError listing every bad flag. */
export function parseOptions<T extends OptionTable>(argv: string[], table: T): ParsedOptions<T> {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(table)) {
    config[name] = {
      type: spec.kind === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help for the valid options.`);
  }
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {
    help: parsed.values['help'] === true,
    positionals: parsed.positionals,
  };
  for (const [name, spec] of Object.entries(table)) {
    const raw = parsed.values[name];
    const flag = `--${name}`;
    if (raw === undefined) {
      if (spec.required && out['help'] !== true)
        issues.push({ path: flag, message: `is required (${spec.description})` });
      out[name] = spec.default;
      continue;
    }
    if (spec.kind === 'boolean') {
      out[name] = raw;
      continue;
    }
    const text = String(raw);
    if (spec.kind === 'string') {
      if (spec.choices && !spec.choices.includes(text)) {
        issues.push({ path: flag, message: `'${text}' is not one of: ${spec.choices.join(', ')}` });
      }
      out[name] = text;
      continue;
    }
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      issues.push({ path: flag, message: `expected a finite number, got '${text}'` });
      continue;
    }
    if (spec.kind === 'integer' && !Number.isInteger(value)) {
      issues.push({ path: flag, message: `expected a whole number, got '${text}'` });
      continue;
    }
    if (spec.min !== undefined && value < spec.min)
      issues.push({ path: flag, message: `${value} is below the minimum ${spec.min}` });
    if (spec.max !== undefined && value > spec.max)
      issues.push({ path: flag, message: `${value} is above the maximum ${spec.max}` });
    out[name] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out as ParsedOptions<T>;
}

/** Help and command lists are laid out for an 80-column terminal. */
export const HELP_WIDTH = 80;
/** Where option descriptions start; a longer flag puts its description on the next line. */
const HELP_COLUMN = 30;

/**
 * Splits `text` into lines of at most `width` characters at spaces (`restWidth` for the lines after the first;
 * a longer word stands alone).
 */
export function wrapWords(text: string, width: number, restWidth = width): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    const limit = lines.length === 0 ? width : restWidth;
    if (line !== '' && line.length + 1 + word.length > limit) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * `left` then `right` wrapped from column `column` to HELP_WIDTH; `right` starts on the next line when `left`
 * leaves fewer than two spaces, so the two never run into each other.
 */
export function twoColumns(left: string, right: string, column: number): string[] {
  const pad = ' '.repeat(column);
  const body = wrapWords(right, HELP_WIDTH - column).map((l) => pad + l);
  if (left.length + 2 > column) return [left, ...body];
  return [left.padEnd(column) + (body[0]?.slice(column) ?? ''), ...body.slice(1)];
}

/**
 * The usage text, each given line wrapped at HELP_WIDTH: a command line continues indented under its command,
 * a prose line under itself.
 */
function usageLines(usage: string): string[] {
  return usage.split('\n').flatMap((line, i) => {
    const body = line.trimStart();
    const prefix = i === 0 ? 'usage: ' : line.slice(0, line.length - body.length);
    const cont = prefix.length + (body.startsWith('df-planner') ? 4 : 0);
    const [first = '', ...rest] = wrapWords(body, HELP_WIDTH - prefix.length, HELP_WIDTH - cont);
    return [prefix + first, ...rest.map((l) => ' '.repeat(cont) + l)];
  });
}

/** Help text generated from the option table, at most HELP_WIDTH columns. */
export function formatHelp(usage: string, summary: string, table: OptionTable): string {
  const lines = [...usageLines(usage), '', ...wrapWords(summary, HELP_WIDTH), '', 'options:'];
  for (const [name, spec] of Object.entries(table)) {
    const parts = [spec.description];
    if (spec.choices) parts.push(`one of: ${spec.choices.join(', ')}`);
    if (spec.min !== undefined || spec.max !== undefined)
      parts.push(`range [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]`);
    if (spec.default !== undefined) parts.push(`default ${String(spec.default)}`);
    if (spec.required) parts.push('required');
    const arg = spec.kind === 'boolean' ? '' : ` <${spec.kind}>`;
    lines.push(...twoColumns(`  --${name}${arg}`, parts.join('; '), HELP_COLUMN));
  }
  lines.push(...twoColumns('  --help, -h', 'show this help', HELP_COLUMN));
  return lines.join('\n');
}
