/**
 * The picture of fruit-swap arm episodes (`df-planner eval --task arm-swap --plot`): a grid of panels, one per
 * episode, each with
 *   - its label (episode, case, outcome) on a band coloured by the outcome (green success, red failure),
 *   - the slot timeline: three lanes A, C, B (as on the table, +y first) over the episode's time, the apple's
 *     slot drawn red and the orange's orange (a gap while the fruit is in the hand or off the slots), so the
 *     order of moves reads left to right,
 *   - the arm's grasp point seen from above (the table with the three slot markers; the arm's base is below
 *     the panel), light at the start and dark at the end, a dot where it ended.
 */
import { encodePng, Raster, type Rgb, TEXT_HEIGHT, textWidth } from '../../src/render/index.js';
import { SLOT_HALF_SIZE, SLOTS, type SlotName } from '../arm/geometry.js';

export interface ArmEpisodeDrawing {
  readonly label: string;
  readonly success: boolean;
  /** Slot codes (A 0, C 1, B 2, −1 none) per step: [apple₀, orange₀, apple₁, orange₁, …]. */
  readonly slots: ArrayLike<number>;
  /** Grasp point (x, y) per step. */
  readonly path: ArrayLike<number>;
}

export interface ArmPictureOptions {
  readonly title?: string;
  /** Seconds per step (time axis); default 0.1. */
  readonly stepSeconds?: number;
  /** Panels per row; default min(4, episodes). */
  readonly columns?: number;
}

const PANEL = 240;
const LABEL_H = 14;
const TIMELINE_H = 62;
const TOP_H = PANEL - LABEL_H - TIMELINE_H;
const MARGIN = 8;
const TITLE_H = 20;
const COLORS = {
  apple: [210, 40, 40] as Rgb,
  orange: [245, 150, 20] as Rgb,
  slot: [200, 200, 200] as Rgb,
  text: [30, 30, 30] as Rgb,
  success: [60, 150, 70] as Rgb,
  failure: [200, 50, 50] as Rgb,
  table: [246, 244, 238] as Rgb,
  path: [40, 70, 160] as Rgb,
  grid: [225, 225, 225] as Rgb,
};
const LANES: readonly SlotName[] = ['A', 'C', 'B'];
/** Top view window in metres: world y across (A on the left), world x up (away from the arm's base below). */
const VIEW = { yMax: 0.28, yMin: -0.28, xMin: 0.12, xMax: 0.42 };

export function renderArmEpisodes(
  episodes: readonly ArmEpisodeDrawing[],
  options: ArmPictureOptions = {},
): Raster {
  const n = Math.max(1, episodes.length);
  const columns = Math.max(1, Math.min(options.columns ?? 4, n));
  const rows = Math.ceil(n / columns);
  const width = columns * (PANEL + MARGIN) + MARGIN;
  const height = TITLE_H + rows * (PANEL + MARGIN) + MARGIN;
  const raster = new Raster(width, height);
  if (options.title) raster.text(MARGIN, 6, options.title, COLORS.text, 2);
  episodes.forEach((ep, k) => {
    const x = MARGIN + (k % columns) * (PANEL + MARGIN);
    const y = TITLE_H + MARGIN + Math.floor(k / columns) * (PANEL + MARGIN);
    drawPanel(raster, x, y, ep, options.stepSeconds ?? 0.1);
  });
  if (episodes.length === 0) raster.text(MARGIN, TITLE_H + MARGIN, 'no episodes recorded', COLORS.text);
  return raster;
}

export function armPicturePng(
  episodes: readonly ArmEpisodeDrawing[],
  options: ArmPictureOptions = {},
): Buffer {
  return encodePng(renderArmEpisodes(episodes, options));
}

function drawPanel(raster: Raster, x: number, y: number, ep: ArmEpisodeDrawing, stepSeconds: number): void {
  raster.strokeRect(x, y, x + PANEL, y + PANEL, COLORS.grid);
  raster.fillRect(x, y, x + PANEL, y + LABEL_H, ep.success ? COLORS.success : COLORS.failure);
  raster.text(x + 4, y + (LABEL_H - TEXT_HEIGHT) / 2, ep.label, [255, 255, 255]);
  drawTimeline(raster, x, y + LABEL_H, ep, stepSeconds);
  drawTopView(raster, x, y + LABEL_H + TIMELINE_H, ep);
}

function drawTimeline(
  raster: Raster,
  x: number,
  y: number,
  ep: ArmEpisodeDrawing,
  stepSeconds: number,
): void {
  const left = x + 14;
  const right = x + PANEL - 6;
  const laneGap = (TIMELINE_H - 16) / 2;
  const laneY = (lane: number) => y + 6 + lane * laneGap;
  LANES.forEach((slot, lane) => {
    raster.text(x + 4, laneY(lane) - 2, slot, COLORS.text);
    raster.line(left, laneY(lane) + 0.5, right, laneY(lane) + 0.5, COLORS.grid);
  });
  const steps = Math.floor(ep.slots.length / 2);
  const seconds = Math.max(1, (steps - 1) * stepSeconds);
  const px = (t: number) => left + ((right - left) * t) / Math.max(1, steps - 1);
  // Ticks every 10 s.
  for (let s = 0; s <= seconds + 1e-9; s += 10) {
    const tx = left + ((right - left) * s) / seconds;
    raster.line(tx, y + TIMELINE_H - 12, tx, y + TIMELINE_H - 9, COLORS.text);
    const label = `${s}s`;
    raster.text(
      Math.min(tx - textWidth(label) / 2, right - textWidth(label)),
      y + TIMELINE_H - 7,
      label,
      COLORS.text,
    );
  }
  const fruit = (offset: number, dy: number, color: Rgb) => {
    for (let t = 0; t + 1 < steps; t++) {
      const a = ep.slots[2 * t + offset]!;
      const b = ep.slots[2 * (t + 1) + offset]!;
      if (a < 0 || a !== b) continue;
      raster.fillRect(px(t), laneY(a) + dy - 1.5, px(t + 1) + 1, laneY(a) + dy + 1.5, color);
    }
  };
  fruit(0, -2, COLORS.apple);
  fruit(1, 2, COLORS.orange);
}

function drawTopView(raster: Raster, x: number, y: number, ep: ArmEpisodeDrawing): void {
  const w = PANEL - 8;
  const h = TOP_H - 6;
  const scale = Math.min(w / (VIEW.yMax - VIEW.yMin), h / (VIEW.xMax - VIEW.xMin));
  const cx = x + 4 + (w - scale * (VIEW.yMax - VIEW.yMin)) / 2;
  const toPixel = (wx: number, wy: number): [number, number] => [
    cx + (VIEW.yMax - wy) * scale,
    y + 2 + (VIEW.xMax - wx) * scale,
  ];
  const [tx0, ty0] = toPixel(VIEW.xMax, VIEW.yMax);
  const [tx1, ty1] = toPixel(VIEW.xMin, VIEW.yMin);
  raster.fillRect(tx0, ty0, tx1, ty1, COLORS.table);
  for (const slot of LANES) {
    const [sx, sy] = SLOTS[slot];
    const [a, b] = toPixel(sx + SLOT_HALF_SIZE, sy + SLOT_HALF_SIZE);
    const [c, d] = toPixel(sx - SLOT_HALF_SIZE, sy - SLOT_HALF_SIZE);
    raster.strokeRect(a, b, c, d, COLORS.slot, 1.5);
    raster.text(a + 2, b + 2, slot, COLORS.slot);
  }
  const n = Math.floor(ep.path.length / 2);
  for (let t = 0; t + 1 < n; t++) {
    const [ax, ay] = toPixel(ep.path[2 * t]!, ep.path[2 * t + 1]!);
    const [cx2, cy2] = toPixel(ep.path[2 * t + 2]!, ep.path[2 * t + 3]!);
    raster.line(ax, ay, cx2, cy2, COLORS.path, 1.2, 0.25 + (0.7 * t) / Math.max(1, n - 1));
  }
  if (n > 0) {
    const [ex, ey] = toPixel(ep.path[2 * n - 2]!, ep.path[2 * n - 1]!);
    raster.fillCircle(ex, ey, 2.5, COLORS.path);
  }
}
