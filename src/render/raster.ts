/**
 * The one RGBA raster behind every picture df-planner writes (loss curves, sampled trajectories, maze
 * episodes): crisp filled rectangles and outlines, anti-aliased circles, rings and thick polylines, all
 * alpha-blended, and text in a 3×5 bitmap font. Encoding to PNG is png.ts's job.
 *
 * Geometry is in pixel space: pixel (px, py) covers [px, px+1) × [py, py+1) and is sampled at its centre
 * (px + ½, py + ½). Anti-aliasing uses the one-pixel ramp coverage = clamp(r − d + ½, 0, 1), with d the
 * distance from the pixel centre to the shape's centre line and r its half-width (or radius). So a line of
 * width 1 through pixel centres (x + ½) covers exactly one pixel row or column; text and rectangles with
 * whole-number corners are pixel-exact.
 */
import { InputError } from '../errors.js';
import { bitmapGlyph } from './bitmap-font.js';

export type Rgb = readonly [r: number, g: number, b: number];

export class Raster {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, 4 bytes per pixel, fully opaque. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new InputError(`raster size must be whole numbers ≥ 1, got ${width} × ${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      this.data[p * 4] = background[0];
      this.data[p * 4 + 1] = background[1];
      this.data[p * 4 + 2] = background[2];
      this.data[p * 4 + 3] = 255;
    }
  }

  /** The colour at a pixel, e.g. for tests. */
  pixel(px: number, py: number): [number, number, number] {
    const k = (py * this.width + px) * 4;
    return [this.data[k]!, this.data[k + 1]!, this.data[k + 2]!];
  }

  /** Blends `color` into one pixel with weight `alpha` ∈ [0, 1]; ignores pixels outside the raster. */
  blend(px: number, py: number, color: Rgb, alpha: number): void {
    if (px < 0 || py < 0 || px >= this.width || py >= this.height || alpha <= 0) return;
    const k = (py * this.width + px) * 4;
    const a = Math.min(1, alpha);
    for (let c = 0; c < 3; c++) {
      this.data[k + c] = Math.round(this.data[k + c]! * (1 - a) + color[c]! * a);
    }
  }

  /** Fills every pixel whose centre lies in [x0, x1) × [y0, y1): crisp edges, no anti-aliasing. */
  fillRect(x0: number, y0: number, x1: number, y1: number, color: Rgb, alpha = 1): void {
    const pxFrom = Math.max(0, Math.ceil(x0 - 0.5));
    const pxTo = Math.min(this.width, Math.ceil(x1 - 0.5));
    const pyFrom = Math.max(0, Math.ceil(y0 - 0.5));
    const pyTo = Math.min(this.height, Math.ceil(y1 - 0.5));
    for (let py = pyFrom; py < pyTo; py++)
      for (let px = pxFrom; px < pxTo; px++) this.blend(px, py, color, alpha);
  }

  /** A crisp outline `lineWidth` pixels wide just inside the rectangle [x0, x1) × [y0, y1). */
  strokeRect(x0: number, y0: number, x1: number, y1: number, color: Rgb, lineWidth = 1, alpha = 1): void {
    const w = Math.min(lineWidth, (x1 - x0) / 2, (y1 - y0) / 2);
    this.fillRect(x0, y0, x1, y0 + w, color, alpha);
    this.fillRect(x0, y1 - w, x1, y1, color, alpha);
    this.fillRect(x0, y0 + w, x0 + w, y1 - w, color, alpha);
    this.fillRect(x1 - w, y0 + w, x1, y1 - w, color, alpha);
  }

  fillCircle(cx: number, cy: number, radius: number, color: Rgb, alpha = 1): void {
    this.#stamp(cx - radius - 1, cy - radius - 1, cx + radius + 1, cy + radius + 1, color, alpha, (x, y) =>
      coverage(radius - Math.hypot(x - cx, y - cy)),
    );
  }

  /** A ring of the given line width centred on the circle of `radius`. */
  strokeCircle(cx: number, cy: number, radius: number, lineWidth: number, color: Rgb, alpha = 1): void {
    const half = lineWidth / 2;
    const outer = radius + half + 1;
    this.#stamp(cx - outer, cy - outer, cx + outer, cy + outer, color, alpha, (x, y) =>
      coverage(half - Math.abs(Math.hypot(x - cx, y - cy) - radius)),
    );
  }

  /** One straight segment; see strokePolyline. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, lineWidth = 1, alpha = 1): void {
    this.strokePolyline([x0, y0, x1, y1], lineWidth, color, alpha);
  }

  /**
   * A thick polyline through points [x0, y0, x1, y1, …] with round joins and caps. Coverage is the maximum
   * over segments and is blended once, so a translucent line does not darken where its segments overlap.
   * A segment with a non-finite end is skipped, so gaps in data show as gaps; an isolated finite point
   * becomes a dot. Work is bounded by the raster, however far outside it a point lies.
   */
  strokePolyline(points: ArrayLike<number>, lineWidth: number, color: Rgb, alpha = 1): void {
    const n = Math.floor(points.length / 2);
    const half = lineWidth / 2;
    const finite = (k: number) => Number.isFinite(points[2 * k]!) && Number.isFinite(points[2 * k + 1]!);
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      if (!finite(k)) continue;
      minX = Math.min(minX, points[2 * k]!);
      maxX = Math.max(maxX, points[2 * k]!);
      minY = Math.min(minY, points[2 * k + 1]!);
      maxY = Math.max(maxY, points[2 * k + 1]!);
    }
    const x0 = Math.max(0, Math.floor(minX - half - 1));
    const y0 = Math.max(0, Math.floor(minY - half - 1));
    const x1 = Math.min(this.width, Math.ceil(maxX + half + 1));
    const y1 = Math.min(this.height, Math.ceil(maxY + half + 1));
    if (!(x1 > x0 && y1 > y0)) return;
    const w = x1 - x0;
    const mask = new Float32Array(w * (y1 - y0));
    // A lone point (no finite neighbour) is a degenerate segment from the point to itself: a round dot.
    const lone = (k: number) => finite(k) && !(k > 0 && finite(k - 1)) && !(k + 1 < n && finite(k + 1));
    for (let k = 0; k < n; k++) {
      const b = k + 1 < n && finite(k) && finite(k + 1) ? k + 1 : lone(k) ? k : -1;
      if (b < 0) continue;
      const ax = points[2 * k]!;
      const ay = points[2 * k + 1]!;
      const bx = points[2 * b]!;
      const by = points[2 * b + 1]!;
      const sx0 = Math.max(x0, Math.floor(Math.min(ax, bx) - half - 1));
      const sy0 = Math.max(y0, Math.floor(Math.min(ay, by) - half - 1));
      const sx1 = Math.min(x1, Math.ceil(Math.max(ax, bx) + half + 1));
      const sy1 = Math.min(y1, Math.ceil(Math.max(ay, by) + half + 1));
      for (let py = sy0; py < sy1; py++) {
        for (let px = sx0; px < sx1; px++) {
          const c = coverage(half - segmentDistance(px + 0.5, py + 0.5, ax, ay, bx, by));
          const m = (py - y0) * w + (px - x0);
          if (c > mask[m]!) mask[m] = c;
        }
      }
    }
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.blend(px, py, color, alpha * mask[(py - y0) * w + (px - x0)]!);
    }
  }

  /** Text in the 3×5 bitmap font with its top-left corner at (x, y), rounded to whole pixels. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    const top = Math.round(y);
    let left = Math.round(x);
    for (const ch of text) {
      this.#glyph(ch, (gx, gy) => {
        const px = left + gx * scale;
        const py = top + gy * scale;
        this.fillRect(px, py, px + scale, py + scale, color);
      });
      left += 4 * scale;
    }
  }

  /** Text rotated 90° counter-clockwise (reads bottom to top), with its bottom-left corner at (x, y). */
  textVertical(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    const left = Math.round(x);
    let bottom = Math.round(y);
    for (const ch of text) {
      this.#glyph(ch, (gx, gy) => {
        const px = left + gy * scale;
        const py = bottom - (gx + 1) * scale;
        this.fillRect(px, py, px + scale, py + scale, color);
      });
      bottom -= 4 * scale;
    }
  }

  /** Calls `ink(gx, gy)` for each inked font pixel of one character. */
  #glyph(ch: string, ink: (gx: number, gy: number) => void): void {
    bitmapGlyph(ch).forEach((row, gy) => {
      for (let gx = 0; gx < row.length; gx++) if (row[gx] === '#') ink(gx, gy);
    });
  }

  #stamp(
    fx0: number,
    fy0: number,
    fx1: number,
    fy1: number,
    color: Rgb,
    alpha: number,
    cover: (x: number, y: number) => number,
  ): void {
    const x0 = Math.max(0, Math.floor(fx0));
    const y0 = Math.max(0, Math.floor(fy0));
    const x1 = Math.min(this.width, Math.ceil(fx1));
    const y1 = Math.min(this.height, Math.ceil(fy1));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.blend(px, py, color, alpha * cover(px + 0.5, py + 0.5));
    }
  }
}

function coverage(signedDistance: number): number {
  const c = signedDistance + 0.5;
  return Math.min(1, Math.max(0, c));
}

/** Distance from (px, py) to the segment a–b. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = Math.min(1, Math.max(0, t));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
