/**
 * The file an MCAP writer appends to: sequential writes through one file handle, with the byte position the
 * writer needs for its indexes. Opened exclusively, so an existing file is never overwritten.
 */
import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import type { IWritable } from '@mcap/core';

export class FileSink implements IWritable {
  readonly #handle: FileHandle;
  #position = 0n;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Creates `file` (and its folder); fails with EEXIST if it exists. */
  static async create(file: string): Promise<FileSink> {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return new FileSink(await open(file, 'wx'));
  }

  async write(buffer: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesWritten } = await this.#handle.write(buffer, done, buffer.byteLength - done);
      done += bytesWritten;
    }
    this.#position += BigInt(buffer.byteLength);
  }

  position(): bigint {
    return this.#position;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
