/**
 * A minimal RGB raster for diagnostic pictures (loss curves, sampled trajectories): pixels, lines, rectangles
 * and a 3×5 bitmap font, encoded with pngjs. It draws only what a plot needs; there is no anti-aliasing, so
 * pictures stay byte-identical across machines (handy when a test compares them).
 */
import { PNG } from 'pngjs';

export type Rgb = readonly [number, number, number];

/** 3×5 glyphs, one string per row, '#' = ink. Lower-case letters print as upper case. */
const GLYPHS: Record<string, readonly string[]> = {
  A: ['.#.', '#.#', '###', '#.#', '#.#'],
  B: ['##.', '#.#', '##.', '#.#', '##.'],
  C: ['.##', '#..', '#..', '#..', '.##'],
  D: ['##.', '#.#', '#.#', '#.#', '##.'],
  E: ['###', '#..', '##.', '#..', '###'],
  F: ['###', '#..', '##.', '#..', '#..'],
  G: ['.##', '#..', '#.#', '#.#', '.##'],
  H: ['#.#', '#.#', '###', '#.#', '#.#'],
  I: ['###', '.#.', '.#.', '.#.', '###'],
  J: ['..#', '..#', '..#', '#.#', '.#.'],
  K: ['#.#', '#.#', '##.', '#.#', '#.#'],
  L: ['#..', '#..', '#..', '#..', '###'],
  M: ['#.#', '###', '###', '#.#', '#.#'],
  N: ['##.', '#.#', '#.#', '#.#', '#.#'],
  O: ['.#.', '#.#', '#.#', '#.#', '.#.'],
  P: ['##.', '#.#', '##.', '#..', '#..'],
  Q: ['.#.', '#.#', '#.#', '##.', '.##'],
  R: ['##.', '#.#', '##.', '#.#', '#.#'],
  S: ['.##', '#..', '.#.', '..#', '##.'],
  T: ['###', '.#.', '.#.', '.#.', '.#.'],
  U: ['#.#', '#.#', '#.#', '#.#', '###'],
  V: ['#.#', '#.#', '#.#', '#.#', '.#.'],
  W: ['#.#', '#.#', '###', '###', '#.#'],
  X: ['#.#', '#.#', '.#.', '#.#', '#.#'],
  Y: ['#.#', '#.#', '.#.', '.#.', '.#.'],
  Z: ['###', '..#', '.#.', '#..', '###'],
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['##.', '..#', '.#.', '#..', '###'],
  '3': ['##.', '..#', '.#.', '..#', '##.'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '##.', '..#', '##.'],
  '6': ['.##', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '##.'],
  '.': ['...', '...', '...', '...', '.#.'],
  ',': ['...', '...', '...', '.#.', '#..'],
  '-': ['...', '...', '###', '...', '...'],
  '+': ['...', '.#.', '###', '.#.', '...'],
  ':': ['...', '.#.', '...', '.#.', '...'],
  '/': ['..#', '..#', '.#.', '#..', '#..'],
  '(': ['.#.', '#..', '#..', '#..', '.#.'],
  ')': ['.#.', '..#', '..#', '..#', '.#.'],
  '=': ['...', '###', '...', '###', '...'],
  '%': ['#.#', '..#', '.#.', '#..', '#.#'],
  _: ['...', '...', '...', '...', '###'],
  '|': ['.#.', '.#.', '.#.', '.#.', '.#.'],
  ' ': ['...', '...', '...', '...', '...'],
};

/** Pixel width of `text` drawn at `scale` (glyph 3 px + 1 px gap). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * scale;
}

export const TEXT_HEIGHT = 5;

export class Raster {
  readonly width: number;
  readonly height: number;
  readonly #rgba: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    this.width = Math.max(1, Math.round(width));
    this.height = Math.max(1, Math.round(height));
    this.#rgba = new Uint8Array(this.width * this.height * 4);
    this.fillRect(0, 0, this.width, this.height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 4;
    this.#rgba[o] = color[0];
    this.#rgba[o + 1] = color[1];
    this.#rgba[o + 2] = color[2];
    this.#rgba[o + 3] = 255;
  }

  getPixel(x: number, y: number): Rgb {
    const o = (Math.round(y) * this.width + Math.round(x)) * 4;
    return [this.#rgba[o]!, this.#rgba[o + 1]!, this.#rgba[o + 2]!];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.setPixel(xx, yy, color);
  }

  /** Straight line (Bresenham). Non-finite end points are skipped, so gaps in data show as gaps. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    if (![x0, y0, x1, y1].every(Number.isFinite)) return;
    let xa = Math.round(x0);
    let ya = Math.round(y0);
    const xb = Math.round(x1);
    const yb = Math.round(y1);
    // Clamp absurd coordinates so a diverged series cannot make the loop run for billions of pixels.
    const limit = 4 * (this.width + this.height);
    if ([xa, ya, xb, yb].some((v) => Math.abs(v) > limit)) {
      const clip = (v: number) => Math.max(-limit, Math.min(limit, v));
      this.line(clip(xa), clip(ya), clip(xb), clip(yb), color, thickness);
      return;
    }
    const dx = Math.abs(xb - xa);
    const dy = -Math.abs(yb - ya);
    const sx = xa < xb ? 1 : -1;
    const sy = ya < yb ? 1 : -1;
    let err = dx + dy;
    const half = Math.floor((thickness - 1) / 2);
    for (;;) {
      if (thickness <= 1) this.setPixel(xa, ya, color);
      else this.fillRect(xa - half, ya - half, thickness, thickness, color);
      if (xa === xb && ya === yb) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        xa += sx;
      }
      if (e2 <= dx) {
        err += dx;
        ya += sy;
      }
    }
  }

  /** Polyline through points; a non-finite point breaks the line. */
  polyline(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Rgb, thickness = 1): void {
    for (let i = 1; i < xs.length; i++) this.line(xs[i - 1]!, ys[i - 1]!, xs[i]!, ys[i]!, color, thickness);
  }

  strokeRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    this.line(x, y, x + w, y, color);
    this.line(x + w, y, x + w, y + h, color);
    this.line(x + w, y + h, x, y + h, color);
    this.line(x, y + h, x, y, color);
  }

  /** Draws text with its top-left corner at (x, y). Unknown characters print as '?'-less blanks. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    let cx = Math.round(x);
    for (const ch of text.toUpperCase()) {
      const glyph = GLYPHS[ch] ?? GLYPHS[' ']!;
      glyph.forEach((row, gy) => {
        for (let gx = 0; gx < 3; gx++) {
          if (row[gx] === '#')
            this.fillRect(cx + gx * scale, Math.round(y) + gy * scale, scale, scale, color);
        }
      });
      cx += 4 * scale;
    }
  }

  /** Text rotated 90° counter-clockwise (reads bottom to top), with its bottom-left corner at (x, y). */
  textVertical(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    let cy = Math.round(y);
    for (const ch of text.toUpperCase()) {
      const glyph = GLYPHS[ch] ?? GLYPHS[' ']!;
      glyph.forEach((row, gy) => {
        for (let gx = 0; gx < 3; gx++) {
          if (row[gx] === '#')
            this.fillRect(Math.round(x) + gy * scale, cy - (gx + 1) * scale, scale, scale, color);
        }
      });
      cy -= 4 * scale;
    }
  }

  /** PNG file bytes (pngjs encoder). */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.#rgba.buffer, this.#rgba.byteOffset, this.#rgba.byteLength);
    return PNG.sync.write(png);
  }
}
