/**
 * Writes a file through a temporary sibling and a rename (atomic on one file system), so a killed process
 * never leaves a half-written model, checkpoint or dataset under the real name.
 */
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, bytes: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}
