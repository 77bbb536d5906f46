/** PNG encoding of a Raster with pngjs (8-bit RGBA, default zlib compression). */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { Raster } from './raster.js';

export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data.set(raster.data);
  return PNG.sync.write(png);
}

export function writePng(path: string, raster: Raster): void {
  writeFileSync(path, encodePng(raster));
}
