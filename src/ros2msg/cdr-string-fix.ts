/**
 * @foxglove/cdr 3.5.0 (the latest release) writes a CDR string's length as the JavaScript string length (UTF-16
 * code units) instead of its UTF-8 byte count, so any non-ASCII text (a `→` or `ü` in a diagnostics message)
 * comes out truncated. Fixed upstream (foxglove/cdr pull request 35) but not released when this was written.
 *
 * Until then `CdrWriter.prototype.string` is replaced by one that writes the UTF-8 bytes with their real
 * length. The replacement is installed only if a probe shows the bug, so a fixed release makes this a no-op.
 * Covered by test/ros2msg/cdr.test.ts (a non-ASCII string round trip).
 */
import { CdrReader, CdrWriter } from '@foxglove/cdr';

/** The CdrWriter fields the replacement uses (declared private in its typings, plain fields at run time). */
interface WriterState {
  buffer: ArrayBuffer;
  offset: number;
  uint32(value: number): unknown;
  resizeIfNeeded(additionalBytes: number): void;
}

const utf8 = new TextEncoder();

function writesUtf8Lengths(): boolean {
  const writer = new CdrWriter();
  writer.string('é');
  return new CdrReader(writer.data).string() === 'é';
}

export function fixCdrStrings(): void {
  if (writesUtf8Lengths()) return;
  CdrWriter.prototype.string = function string(this: CdrWriter, value: string, writeLength = true) {
    const self = this as unknown as WriterState;
    const bytes = utf8.encode(value);
    if (writeLength) self.uint32(bytes.byteLength + 1); // + the null terminator
    self.resizeIfNeeded(bytes.byteLength + 1);
    const out = new Uint8Array(self.buffer, self.offset, bytes.byteLength + 1);
    out.set(bytes);
    out[bytes.byteLength] = 0;
    self.offset += bytes.byteLength + 1;
    return this;
  };
}
