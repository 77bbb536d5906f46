/**
 * Writes a file through a temporary sibling and a rename (atomic on one file system), so a killed process
 * never leaves a half-written model, checkpoint or dataset under the real name.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, bytes: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (err) {
    // A failed write (disk full, `file` is a folder) leaves nothing behind under either name.
    rmSync(tmp, { force: true });
    throw err;
  }
}
