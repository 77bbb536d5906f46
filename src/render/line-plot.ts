/**
 * Multi-panel line plots as PNG bytes: axes with "nice" ticks (1-2-5 steps, or decades on a log axis), a title
 * per panel and any number of series. Used for the training loss curve and for sampled trajectories.
 */
import { TEXT_HEIGHT, textWidth } from './bitmap-font.js';
import { encodePng } from './png.js';
import { Raster, type Rgb } from './raster.js';

export interface PlotSeries {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: Rgb;
  readonly thickness?: number;
  /** Shown in the panel's legend (series without a label are not listed). */
  readonly label?: string;
}

export interface PlotPanel {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly PlotSeries[];
  /** Logarithmic y axis; non-positive values are dropped. */
  readonly logY?: boolean;
  /** Fixed y range (otherwise the data's, with a 5% margin). */
  readonly yRange?: readonly [number, number];
  /** Shaded horizontal band, e.g. the data's mean ± 2 std; a label lists it in the legend. */
  readonly band?: { readonly y0: number; readonly y1: number; readonly color: Rgb; readonly label?: string };
}

export interface LinePlotOptions {
  readonly title?: string;
  readonly columns?: number;
  readonly panelWidth?: number;
  readonly panelHeight?: number;
  /** Font scale (pixels per glyph pixel). */
  readonly fontScale?: number;
}

const AXIS: Rgb = [40, 40, 40];
const GRID: Rgb = [228, 228, 228];

/** Short tick label: 3 significant digits, exponent form for very large or small values. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(1).split('e');
    return `${m!.replace(/\.0$/, '')}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(3)));
}

/** Ticks at 1-2-5 × 10^k steps covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi <= lo) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function dataRange(values: number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) return [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  return [lo, hi];
}

function drawPanel(
  r: Raster,
  panel: PlotPanel,
  ox: number,
  oy: number,
  w: number,
  h: number,
  s: number,
): void {
  const th = TEXT_HEIGHT * s;
  const left = ox + 14 * s + 6 * 4 * s; // room for a vertical label and 6-character tick labels
  const top = oy + th + 4 * s;
  const right = ox + w - 6 * s;
  const bottom = oy + h - 2 * th - 8 * s;
  const pw = right - left;
  const ph = bottom - top;
  const log = panel.logY === true;
  const ty = (v: number) => (log ? (v > 0 ? Math.log10(v) : Number.NaN) : v);

  const xs: number[] = [];
  const ys: number[] = [];
  for (const series of panel.series) {
    for (let i = 0; i < series.x.length; i++) xs.push(series.x[i]!);
    for (let i = 0; i < series.y.length; i++) ys.push(ty(series.y[i]!));
  }
  const [x0, x1] = dataRange(xs);
  let [y0, y1] = panel.yRange ? [ty(panel.yRange[0]), ty(panel.yRange[1])] : dataRange(ys);
  if (!panel.yRange) {
    const pad = 0.05 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
  }
  const px = (v: number) => left + ((v - x0) / (x1 - x0)) * pw;
  const py = (v: number) => bottom - ((v - y0) / (y1 - y0)) * ph;

  if (panel.band) {
    const b0 = Math.max(y0, Math.min(y1, ty(panel.band.y0)));
    const b1 = Math.max(y0, Math.min(y1, ty(panel.band.y1)));
    r.fillRect(left, py(b1), right, py(b0), panel.band.color);
  }

  // Grid and tick labels. On a log axis ticks are decades when the range spans one, else 1-2-5 in log space.
  let yTicks: number[];
  if (!log) yTicks = niceTicks(y0, y1);
  else if (y1 - y0 >= 3) yTicks = niceTicks(Math.ceil(y0), Math.floor(y1), 5).filter(Number.isInteger);
  else if (y1 - y0 >= 1) {
    // A few decades: label 1×, 2× and 5× of each, so the curve can be read off.
    yTicks = [];
    for (let d = Math.floor(y0); d <= Math.ceil(y1); d++)
      yTicks.push(d, d + Math.log10(2), d + Math.log10(5));
  } else {
    // Less than a decade: round values on the value scale, placed on the log axis.
    yTicks = niceTicks(10 ** y0, 10 ** y1)
      .filter((v) => v > 0)
      .map(Math.log10);
  }
  for (const t of yTicks) {
    const y = py(t);
    if (y < top - 0.5 || y > bottom + 0.5) continue;
    r.fillRect(left, Math.round(y), right, Math.round(y) + 1, GRID);
    const label = formatTick(log ? 10 ** t : t);
    r.text(left - 3 * s - textWidth(label, s), y - Math.floor(th / 2), label, AXIS, s);
  }
  for (const t of niceTicks(x0, x1)) {
    const x = px(t);
    if (x < left - 0.5 || x > right + 0.5) continue;
    r.fillRect(Math.round(x), top, Math.round(x) + 1, bottom, GRID);
    r.fillRect(Math.round(x), bottom, Math.round(x) + 1, bottom + 2 * s + 1, AXIS);
    const label = formatTick(t);
    // Centred under the tick, but kept inside the picture at the right edge.
    const lx = Math.min(x - textWidth(label, s) / 2, ox + w - 2 * s - textWidth(label, s));
    r.text(lx, bottom + 4 * s, label, AXIS, s);
  }
  r.strokeRect(left, top, right + 1, bottom + 1, AXIS);

  // Series are anti-aliased lines through pixel centres (+½); a non-finite value leaves a gap.
  for (const series of panel.series) {
    const n = Math.min(series.x.length, series.y.length);
    const points = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      points[2 * i] = px(series.x[i]!) + 0.5;
      points[2 * i + 1] = py(Math.max(y0, Math.min(y1, ty(series.y[i]!)))) + 0.5;
    }
    r.strokePolyline(points, series.thickness ?? 1, series.color);
  }

  drawLegend(r, panel, right, top, s);
  if (panel.title) r.text(left, oy + 2 * s, panel.title, AXIS, s);
  if (panel.xLabel)
    r.text(left + pw / 2 - textWidth(panel.xLabel, s) / 2, bottom + 6 * s + th, panel.xLabel, AXIS, s);
  if (panel.yLabel)
    r.textVertical(ox + 2 * s, top + ph / 2 + textWidth(panel.yLabel, s) / 2, panel.yLabel, AXIS, s);
}

/** The legend in the panel's top-right corner: one swatch and label per labelled series (and the band). */
function drawLegend(r: Raster, panel: PlotPanel, right: number, top: number, s: number): void {
  const entries: { label: string; color: Rgb; kind: 'line' | 'fill'; thickness: number }[] = [];
  if (panel.band?.label)
    entries.push({ label: panel.band.label, color: panel.band.color, kind: 'fill', thickness: 1 });
  for (const series of panel.series) {
    if (series.label)
      entries.push({
        label: series.label,
        color: series.color,
        kind: 'line',
        thickness: series.thickness ?? 1,
      });
  }
  if (entries.length === 0) return;
  const th = TEXT_HEIGHT * s;
  const swatch = 6 * s;
  const rowH = th + 3 * s;
  const width = swatch + 3 * s + Math.max(...entries.map((e) => textWidth(e.label, s))) + 6 * s;
  const height = entries.length * rowH + 3 * s;
  const x0 = right - width - 3 * s;
  const y0 = top + 3 * s;
  r.fillRect(x0, y0, x0 + width, y0 + height, [255, 255, 255]);
  r.strokeRect(x0, y0, x0 + width, y0 + height, GRID);
  entries.forEach((e, i) => {
    const y = y0 + 3 * s + i * rowH;
    const sx = x0 + 3 * s;
    if (e.kind === 'fill') {
      r.fillRect(sx, y, sx + swatch, y + th, e.color);
      r.strokeRect(sx, y, sx + swatch, y + th, GRID);
    } else {
      const mid = y + Math.floor(th / 2) + 0.5;
      r.strokePolyline(Float64Array.of(sx, mid, sx + swatch, mid), Math.max(s, e.thickness), e.color);
    }
    r.text(sx + swatch + 3 * s, y, e.label, AXIS, s);
  });
}

/** Renders panels on a grid (row-major) and returns PNG bytes. */
export function renderLinePlot(panels: readonly PlotPanel[], options: LinePlotOptions = {}): Buffer {
  const s = options.fontScale ?? 2;
  const columns = Math.max(1, Math.min(options.columns ?? panels.length, panels.length));
  const rows = Math.ceil(panels.length / columns);
  const pw = options.panelWidth ?? 480;
  const ph = options.panelHeight ?? 300;
  const header = options.title ? TEXT_HEIGHT * s + 8 * s : 0;
  const r = new Raster(columns * pw, rows * ph + header);
  if (options.title) r.text(8 * s, 4 * s, options.title, AXIS, s);
  panels.forEach((panel, i) => {
    drawPanel(r, panel, (i % columns) * pw, header + Math.floor(i / columns) * ph, pw, ph, s);
  });
  return encodePng(r);
}
