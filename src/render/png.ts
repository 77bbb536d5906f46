/** PNG encoding of a Raster with pngjs (8-bit RGBA, default zlib compression). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { Raster } from './raster.js';

export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data.set(raster.data);
  return PNG.sync.write(png);
}

/** Writes PNG bytes (a Raster, or bytes already encoded) to `path`, creating its folder. */
export function writePng(path: string, image: Raster | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, image instanceof Uint8Array ? image : encodePng(image));
}
