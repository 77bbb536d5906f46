/**
 * Output paths are checked before a command does its work, so a typo or an unwritable place costs a second,
 * not a training run: `checkOutputFile` for a file (a PNG, a dataset), `checkOutputDir` for a folder (a model
 * directory). Both probe by really creating (and removing) a file where the output will go, because
 * permission bits lie (root ignores them; read-only mounts and /sys do not).
 *
 * `writeAfterWork` turns a write that fails anyway (disk full, the folder removed meanwhile) into one line that
 * the command prints after its summary.
 */
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/** The nearest existing ancestor of `p` (p itself if it exists), with its stat. */
function nearestExisting(p: string): { at: string; isDir: boolean } {
  let at = path.resolve(p);
  for (;;) {
    try {
      return { at, isDir: statSync(at).isDirectory() };
    } catch {
      const up = path.dirname(at);
      if (up === at) return { at, isDir: true };
      at = up;
    }
  }
}

/** Creates and removes a probe file in the existing folder `dir`; the error code when that fails. */
function probeFolder(dir: string): string | null {
  const probe = path.join(dir, `.df-planner-write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

function reason(code: string): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  return code;
}

/**
 * Throws a ConfigError naming `flag`, the path and the fix unless a file can be written at `file` (its folder
 * may be missing: it will be created). `example` is a file name to suggest when `file` is a folder.
 */
export function checkOutputFile(file: string, flag: string, example: string): void {
  const { at, isDir } = nearestExisting(file);
  const resolved = path.resolve(file);
  if (at === resolved) {
    if (isDir) {
      throw new ConfigError(`${file} is a folder; give a file name, e.g. ${path.join(file, example)}`, flag);
    }
    // An existing file is replaced: it must be writable (opened without truncating it).
    try {
      closeSync(openSync(resolved, 'r+'));
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(
        `${file} is not writable (${reason(code)}); choose another path or fix its permissions`,
        flag,
      );
    }
  }
  checkFolderUnder(file, at, isDir, flag);
}

/** Like `checkOutputFile` for a folder the command creates if missing and writes files into. */
export function checkOutputDir(dir: string, flag: string): void {
  const { at, isDir } = nearestExisting(dir);
  if (at === path.resolve(dir)) {
    if (!isDir) throw new ConfigError(`${dir} is a file, not a folder; choose another path`, flag);
    const code = probeFolder(at);
    if (code !== null) {
      throw new ConfigError(
        `${dir} is not writable (${reason(code)}); choose another path or fix its permissions`,
        flag,
      );
    }
    return;
  }
  checkFolderUnder(dir, at, isDir, flag);
}

/** `target` does not exist; `at` is its nearest existing ancestor: it must be a writable folder. */
function checkFolderUnder(target: string, at: string, isDir: boolean, flag: string): void {
  if (!isDir) {
    throw new ConfigError(
      `${target} cannot be created: ${at} is a file, not a folder; choose another path`,
      flag,
    );
  }
  const code = probeFolder(at);
  if (code !== null) {
    throw new ConfigError(
      `${target} cannot be created: ${at} is not writable (${reason(code)}); choose another path`,
      flag,
    );
  }
}

/** One line for a write that failed after the work was done (the summary is printed before it). */
function describeWriteError(what: string, file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return `could not write ${what} ${file} (${e.code ? reason(e.code) : e.message}); the results above are complete without it`;
}

/**
 * Runs a write that comes after the work (a picture); returns null, or the one-line error to print after the
 * summary (the command then exits 1), so a failed write never hides the results.
 */
export function writeAfterWork(what: string, file: string, write: () => void): string | null {
  try {
    write();
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === undefined) throw err;
    return describeWriteError(what, file, err);
  }
}

/** After the summary: prints the one-line error of a late write (`df-planner <command>: …`, exit 1), else 0. */
export function exitAfterWrites(command: string, error: string | null): number {
  if (error === null) return 0;
  process.stderr.write(`df-planner ${command}: ${error}\n`);
  return 1;
}
