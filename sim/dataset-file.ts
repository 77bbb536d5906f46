/**
 * The binary dataset container shared by every task's recorded data (maze streams, arm demos): a fixed
 * header, a table of named float32 arrays, then the arrays. Each task fixes its own magic, version and field
 * list; this module only writes and checks the container.
 *
 * Layout (all little-endian):
 *   offset  size     content
 *   0       8        magic, ASCII (per task, e.g. 'DFMAZE2D', 'DFARMSWP')
 *   8       4        u32 format version
 *   12      4        u32 H, header size in bytes (multiple of 8); arrays start at byte H
 *   16      4        u32 N, number of transitions
 *   20      4        u32 F, number of fields
 *   24      8        f64 generation seed
 *   32      8        f64 action noise σ
 *   40      32       task id, ASCII, NUL-padded
 *   72      F × 24   field descriptors: name (16 bytes ASCII, NUL-padded), u32 rows, u32 columns
 *   …       …        zero padding up to H
 *   H       …        the F arrays in descriptor order, float32, rows × columns, row-major
 * File size = H + 4 · Σ rows·columns. A field has N rows, or N + extraRows (e.g. a final observation).
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { DatasetError, InputError } from '../src/errors.js';
import { writeFileAtomic } from '../src/write-file-atomic.js';

export const FIXED_HEADER_BYTES = 72;
const FIELD_DESCRIPTOR_BYTES = 24;
const FIELD_NAME_BYTES = 16;
const TASK_ID_BYTES = 32;

/** One array of a format: its name on disk, the key in memory, its shape relative to N. */
export interface DatasetFieldSpec<K extends string = string> {
  readonly name: string;
  readonly key: K;
  readonly columns: number;
  /** Extra rows beyond N (observations carry the final state). */
  readonly extraRows: number;
  readonly description: string;
}

/** A task's file format: magic, version, fields, and how its messages talk about it. */
export interface DatasetFormat<K extends string = string> {
  readonly magic: string;
  readonly version: number;
  /** For messages and the sidecar, e.g. 'Maze2D'. */
  readonly label: string;
  readonly fields: readonly DatasetFieldSpec<K>[];
  /** Added to the "not ours" message (e.g. that D4RL HDF5 files are not read). */
  readonly foreignHint: string;
  /** The command that regenerates a file with this header. */
  regenerateCommand(task: string, steps: number, seed: number, noise: number, path: string): string;
  /** How to make a missing file (for the task the caller expects, if any). */
  missingHint(expectTask: string | undefined, path: string): string;
}

export interface DatasetHeader {
  readonly task: string;
  readonly seed: number;
  readonly noise: number;
  /** N, the number of transitions. */
  readonly steps: number;
}

export function headerBytesFor(fieldCount: number): number {
  const raw = FIXED_HEADER_BYTES + fieldCount * FIELD_DESCRIPTOR_BYTES;
  return Math.ceil(raw / 8) * 8;
}

export function fieldRows(spec: DatasetFieldSpec, steps: number): number {
  return steps + spec.extraRows;
}

/** The sidecar's description of the format. */
export function describeFormat(format: DatasetFormat, steps: number) {
  return {
    name: `df-planner ${format.label.toLowerCase()} dataset`,
    version: format.version,
    byteOrder: 'little-endian' as const,
    dtype: 'float32' as const,
    headerBytes: headerBytesFor(format.fields.length),
    fields: format.fields.map((f) => ({
      name: f.name,
      rows: fieldRows(f, steps),
      columns: f.columns,
      description: f.description,
    })),
  };
}

/** Writes `path` via a temporary file renamed into place, so a crash never leaves a half file. */
export function writeDatasetFile<K extends string>(
  path: string,
  format: DatasetFormat<K>,
  header: DatasetHeader,
  arrays: Readonly<Record<K, Float32Array>>,
): void {
  const headerBytes = headerBytesFor(format.fields.length);
  let total = headerBytes;
  for (const f of format.fields) total += 4 * fieldRows(f, header.steps) * f.columns;
  const buf = Buffer.alloc(total);
  buf.write(format.magic, 0, 'ascii');
  buf.writeUInt32LE(format.version, 8);
  buf.writeUInt32LE(headerBytes, 12);
  buf.writeUInt32LE(header.steps, 16);
  buf.writeUInt32LE(format.fields.length, 20);
  buf.writeDoubleLE(header.seed, 24);
  buf.writeDoubleLE(header.noise, 32);
  if (header.task.length > TASK_ID_BYTES)
    throw new InputError(`task id '${header.task}' is longer than 32 characters`);
  buf.write(header.task, 40, 'ascii');
  let offset = headerBytes;
  format.fields.forEach((f, k) => {
    if (f.name.length > FIELD_NAME_BYTES) {
      throw new InputError(`dataset field name '${f.name}' is longer than ${FIELD_NAME_BYTES} characters`);
    }
    const at = FIXED_HEADER_BYTES + k * FIELD_DESCRIPTOR_BYTES;
    buf.write(f.name, at, 'ascii');
    const rows = fieldRows(f, header.steps);
    buf.writeUInt32LE(rows, at + FIELD_NAME_BYTES);
    buf.writeUInt32LE(f.columns, at + FIELD_NAME_BYTES + 4);
    const values = arrays[f.key];
    if (values.length !== rows * f.columns) {
      throw new InputError(
        `dataset field ${f.name} has ${values.length} values, expected ${rows} × ${f.columns}`,
      );
    }
    writeFloat32(buf, offset, values);
    offset += 4 * values.length;
  });
  writeFileAtomic(path, buf);
}

export interface ReadDatasetOptions {
  /** Refuse a dataset of another task (DatasetError naming both). */
  readonly expectTask?: string;
}

/** Reads and validates a file of `format`; every problem is a DatasetError naming the file and the fix. */
export function readDatasetFile<K extends string>(
  path: string,
  format: DatasetFormat<K>,
  options: ReadDatasetOptions = {},
): DatasetHeader & { readonly arrays: Record<K, Float32Array> } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new DatasetError(
      path,
      `cannot read the dataset (${(err as Error).message}); ${format.missingHint(options.expectTask, path)}`,
      { cause: err },
    );
  }
  if (size < FIXED_HEADER_BYTES) {
    throw new DatasetError(
      path,
      `truncated: ${size} bytes, shorter than the ${FIXED_HEADER_BYTES}-byte header; regenerate it with df-planner dataset`,
    );
  }
  const head = Buffer.alloc(FIXED_HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, FIXED_HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const magic = head.toString('ascii', 0, 8);
  if (magic !== format.magic) {
    throw new DatasetError(
      path,
      `not a df-planner ${format.label} dataset (magic '${printable(magic)}', expected '${format.magic}'); ` +
        format.foreignHint,
    );
  }
  const version = head.readUInt32LE(8);
  const headerBytes = head.readUInt32LE(12);
  const steps = head.readUInt32LE(16);
  const fieldCount = head.readUInt32LE(20);
  const seed = head.readDoubleLE(24);
  const noise = head.readDoubleLE(32);
  const task = head.toString('ascii', 40, 40 + TASK_ID_BYTES).replace(/\0+$/, '');
  const regenerate = `regenerate it with: ${format.regenerateCommand(task, steps, seed, noise, path)}`;
  if (version !== format.version) {
    throw new DatasetError(
      path,
      `format version ${version}, this build reads version ${format.version}; ${regenerate}`,
    );
  }
  if (options.expectTask !== undefined && task !== options.expectTask) {
    throw new DatasetError(
      path,
      `holds task '${task}' but '${options.expectTask}' was requested; use a ${options.expectTask} dataset ` +
        `(df-planner dataset --task ${options.expectTask} ...) or switch the task to ${task}`,
    );
  }
  const fields = format.fields;
  if (headerBytes !== headerBytesFor(fieldCount) || fieldCount !== fields.length) {
    throw new DatasetError(
      path,
      `corrupt header (${fieldCount} fields, header ${headerBytes} bytes; version ${format.version} has ` +
        `${fields.length} fields in ${headerBytesFor(fields.length)} bytes); ${regenerate}`,
    );
  }
  let expected = headerBytes;
  for (const f of fields) expected += 4 * fieldRows(f, steps) * f.columns;
  if (size !== expected) {
    const what = size < expected ? 'truncated' : 'longer than its header says';
    throw new DatasetError(
      path,
      `${what}: expected ${expected} bytes for ${steps} steps of ${task}, found ${size}; ${regenerate}`,
    );
  }
  const buf = readFileSync(path);
  const arrays = {} as Record<K, Float32Array>;
  let offset = headerBytes;
  fields.forEach((f, k) => {
    const at = FIXED_HEADER_BYTES + k * FIELD_DESCRIPTOR_BYTES;
    const name = buf.toString('ascii', at, at + FIELD_NAME_BYTES).replace(/\0+$/, '');
    const rows = buf.readUInt32LE(at + FIELD_NAME_BYTES);
    const columns = buf.readUInt32LE(at + FIELD_NAME_BYTES + 4);
    if (name !== f.name || rows !== fieldRows(f, steps) || columns !== f.columns) {
      throw new DatasetError(
        path,
        `field ${k} is '${name}' ${rows}×${columns}, expected '${f.name}' ${fieldRows(f, steps)}×${f.columns}; ${regenerate}`,
      );
    }
    arrays[f.key] = readFloat32(buf, offset, rows * columns);
    offset += 4 * rows * columns;
  });
  // A corrupt value would otherwise surface later, once per statistic it spoils, far from its cause.
  const bad = firstNonFinite(
    fields.map((f) => ({ name: f.name, values: arrays[f.key], columns: f.columns })),
  );
  if (bad !== null) {
    throw new DatasetError(
      path,
      `row ${bad.row} of '${bad.field}' holds ${bad.value} (column ${bad.column}; the first bad value); ` +
        `the file is corrupt: ${regenerate}`,
    );
  }
  return { task, seed, noise, steps, arrays };
}

/** The first non-finite value by row (stream order), over all fields, or null. */
function firstNonFinite(
  fields: readonly { name: string; values: Float32Array; columns: number }[],
): { field: string; row: number; column: number; value: number } | null {
  let best: { field: string; row: number; column: number; value: number } | null = null;
  for (const { name, values, columns } of fields) {
    // Only rows before the best one so far can beat it.
    const end = best === null ? values.length : Math.min(values.length, best.row * columns);
    for (let i = 0; i < end; i++) {
      if (!Number.isFinite(values[i]!)) {
        best = { field: name, row: Math.floor(i / columns), column: i % columns, value: values[i]! };
        break;
      }
    }
  }
  return best;
}

/** Per-column mean and population std (numpy's default ddof = 0) of a rows × columns array. */
export function columnStats(values: Float32Array, columns: number): { mean: number[]; std: number[] } {
  const rows = values.length / columns;
  const mean = new Array<number>(columns).fill(0);
  const std = new Array<number>(columns).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) mean[c]! += values[r * columns + c]!;
  for (let c = 0; c < columns; c++) mean[c] = mean[c]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const d = values[r * columns + c]! - mean[c]!;
      std[c]! += d * d;
    }
  }
  for (let c = 0; c < columns; c++) std[c] = Math.sqrt(std[c]! / rows);
  return { mean, std };
}

const littleEndianHost = endianness() === 'LE';

function writeFloat32(buf: Buffer, offset: number, values: Float32Array): void {
  if (littleEndianHost) {
    buf.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, offset + 4 * i);
}

function readFloat32(buf: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (littleEndianHost) {
    new Uint8Array(out.buffer).set(buf.subarray(offset, offset + 4 * count));
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(offset + 4 * i);
  return out;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
