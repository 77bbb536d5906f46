/**
 * PNG pictures of Maze2D episodes: walls where the physics has them, start, goal with its success disc,
 * the executed trajectory and an optional plan polyline; several episodes as a grid of panels or overlaid.
 *
 * Frames (docs/maze2d.md §2.2): the picture's horizontal axis is qpos y (layout columns, rightwards) and its
 * vertical axis qpos x (layout rows, downwards), so the picture reads like the layout text. Wall cell (i, j)
 * covers [i−0.7, i+0.3] × [j−0.7, j+0.3] in qpos (taken from `mazeWalls`, the same squares the MJCF builds),
 * not [i−0.5, i+0.5] as Diffuser's and DF's renderers draw it. A panel spans the outer wall ring:
 * qpos x ∈ [−0.7, rows − 0.7], y ∈ [−0.7, columns − 0.7].
 *
 * Colours: dark grey walls; light corridors; green translucent disc = goal success region (radius 0.5) with a
 * dark green dot at the goal; blue dot = start; coloured line = executed trajectory with a ball-sized dot at its
 * end; thin purple line with dots = plan; faint thin purple lines = the plans an MPC planner made along the
 * episode (one per plan, each starting at a small purple dot where the ball was when it was made; where many
 * overlap the colour deepens); the bar above a panel is green when the episode reached the goal disc, red
 * otherwise (grid layout only). The picture carries its own legend: an optional title line, each panel's label
 * (episode, score) in its bar, and a key of the colours actually used under the panels.
 */
import { InputError } from '../../src/errors.js';
import { encodePng, Raster, type Rgb, TEXT_HEIGHT, textWidth } from '../../src/render/index.js';
import { MAZE_LAYOUTS, type MazeName, mazeWalls } from '../maze2d/index.js';

export interface EpisodeDrawing {
  /** Positions [x0, y0, x1, y1, …] in qpos. */
  readonly trajectory: ArrayLike<number>;
  /** Defaults to the first trajectory point. */
  readonly start?: readonly number[];
  readonly goal?: readonly number[];
  /** Planned positions [x0, y0, …] in qpos, drawn as a thin polyline. */
  readonly plan?: ArrayLike<number>;
  /** Every plan of an MPC episode, [x0, y0, …] each (x0, y0 = where it was made), drawn thin and faint. */
  readonly plans?: readonly ArrayLike<number>[];
  /** Colours the status bar (grid layout); omitted → no bar colour. */
  readonly success?: boolean;
  /** Text in the panel's bar, e.g. 'ep 3 score 147.0' (grid layout; cut to the panel's width). */
  readonly label?: string;
}

export interface MazePictureOptions {
  /** 'grid' (one panel per episode, default) or 'overlay' (one panel, one colour per episode). */
  readonly layout?: 'grid' | 'overlay';
  /** Pixels per maze unit; default 40 (a wall cell is 40 px). */
  readonly pixelsPerUnit?: number;
  /** Panels per row in the grid layout; default ⌈√n⌉. */
  readonly columns?: number;
  /** Success-disc radius to draw; default 0.5. */
  readonly goalRadius?: number;
  readonly trajectoryWidthPx?: number;
  /**
   * Opacity of each line of `plans`. Default: 8 / (plans in the episode), kept within [0.08, 0.3], so a long
   * episode's 60 overlapping plans read as a density instead of a solid blot.
   */
  readonly plansAlpha?: number;
  /** A line of text above the panels, e.g. the task, policy and mean score. */
  readonly title?: string;
  /** Draw the key of colours under the panels (default true). */
  readonly legend?: boolean;
}

export const MAZE_COLORS = {
  background: [255, 255, 255] as Rgb,
  corridor: [246, 244, 236] as Rgb,
  wall: [62, 66, 75] as Rgb,
  goalDisc: [76, 175, 80] as Rgb,
  goal: [27, 94, 32] as Rgb,
  start: [30, 90, 200] as Rgb,
  trajectory: [230, 81, 0] as Rgb,
  plan: [123, 31, 162] as Rgb,
  success: [67, 160, 71] as Rgb,
  failure: [211, 47, 47] as Rgb,
} as const;

/** Distinct trajectory colours for the overlay layout. */
const PALETTE: readonly Rgb[] = [
  [230, 81, 0],
  [21, 101, 192],
  [46, 125, 50],
  [198, 40, 40],
  [106, 27, 154],
  [0, 131, 143],
  [249, 168, 37],
  [173, 20, 87],
  [78, 52, 46],
  [84, 110, 122],
];

const GAP_PX = 8;
const BAR_PX = 6;

/** Maps qpos to pixels for one panel. */
export interface PanelFrame {
  readonly originX: number;
  readonly originY: number;
  readonly pixelsPerUnit: number;
  /** Pixel coordinates (continuous) of qpos (x, y): horizontal from y, vertical from x. */
  toPixel(x: number, y: number): [px: number, py: number];
}

export function panelFrame(originX: number, originY: number, pixelsPerUnit: number): PanelFrame {
  return {
    originX,
    originY,
    pixelsPerUnit,
    toPixel: (x, y) => [originX + (y + 0.7) * pixelsPerUnit, originY + (x + 0.7) * pixelsPerUnit],
  };
}

/** Panel size in pixels for a maze. */
export function panelSize(maze: MazeName, pixelsPerUnit: number): { width: number; height: number } {
  const layout = MAZE_LAYOUTS[maze];
  return {
    width: Math.round(layout[0]!.length * pixelsPerUnit),
    height: Math.round(layout.length * pixelsPerUnit),
  };
}

/** Renders episodes of one maze into a raster. */
export function renderMazeEpisodes(
  maze: MazeName,
  episodes: readonly EpisodeDrawing[],
  options: MazePictureOptions = {},
): { raster: Raster; frames: PanelFrame[] } {
  const scale = options.pixelsPerUnit ?? 40;
  if (!(scale > 0)) throw new InputError(`pixelsPerUnit must be > 0, got ${scale}`);
  const layoutMode = options.layout ?? 'grid';
  const panels = layoutMode === 'overlay' ? 1 : Math.max(1, episodes.length);
  const columns = Math.max(1, Math.min(panels, options.columns ?? Math.ceil(Math.sqrt(panels))));
  const rows = Math.ceil(panels / columns);
  const { width: pw, height: ph } = panelSize(maze, scale);
  // Text is the 3×5 bitmap font at 2 px per font pixel (1 on small panels).
  const fs = pw >= 120 ? 2 : 1;
  const labelled = layoutMode === 'grid' && episodes.some((e) => e.label !== undefined);
  const barPx = labelled ? TEXT_HEIGHT * fs + 2 * fs + 2 : BAR_PX;
  const cellW = pw + GAP_PX;
  const cellH = ph + barPx + GAP_PX;
  const width = columns * cellW + GAP_PX;
  const titleLines = options.title ? wrapText(options.title, width - 2 * GAP_PX, fs) : [];
  const titlePx =
    titleLines.length * (TEXT_HEIGHT * fs + 3 * fs) + (titleLines.length > 0 ? GAP_PX - 3 * fs : 0);
  const key = options.legend === false ? [] : legendEntries(episodes, layoutMode);
  const keyRows = layoutLegend(key, width - 2 * GAP_PX, fs);
  const keyPx = keyRows.length === 0 ? 0 : keyRows.length * (TEXT_HEIGHT * fs + 4 * fs) + GAP_PX;
  const gridTop = GAP_PX + titlePx;
  const raster = new Raster(width, gridTop + rows * cellH + keyPx, MAZE_COLORS.background);
  for (const [k, line] of titleLines.entries()) {
    raster.text(GAP_PX, GAP_PX + k * (TEXT_HEIGHT * fs + 3 * fs), line, TEXT, fs);
  }
  const frames: PanelFrame[] = [];
  for (let p = 0; p < panels; p++) {
    const ox = GAP_PX + (p % columns) * cellW;
    const oy = gridTop + Math.floor(p / columns) * cellH + barPx;
    const frame = panelFrame(ox, oy, scale);
    frames.push(frame);
    drawMaze(raster, maze, frame);
  }
  const goalRadius = options.goalRadius ?? 0.5;
  const lineWidth = options.trajectoryWidthPx ?? Math.max(1.5, scale / 16);
  // Goals first (under every trajectory); a goal shared by overlaid episodes is drawn once, so its disc keeps
  // the same shade as in a single-episode panel.
  const drawn = new Set<string>();
  const goals: { frame: PanelFrame; goal: readonly number[] }[] = [];
  episodes.forEach((ep, k) => {
    const panel = layoutMode === 'overlay' ? 0 : k;
    const key = ep.goal ? `${panel}:${ep.goal[0]},${ep.goal[1]}` : '';
    if (!ep.goal || drawn.has(key)) return;
    drawn.add(key);
    goals.push({ frame: frames[panel]!, goal: ep.goal });
    drawGoal(raster, frames[panel]!, ep.goal, goalRadius);
  });
  episodes.forEach((ep, k) => {
    const frame = frames[layoutMode === 'overlay' ? 0 : k]!;
    const color = layoutMode === 'overlay' ? PALETTE[k % PALETTE.length]! : MAZE_COLORS.trajectory;
    if (layoutMode === 'grid' && ep.success !== undefined) {
      raster.fillRect(
        frame.originX,
        frame.originY - barPx,
        frame.originX + pw,
        frame.originY - 1,
        ep.success ? MAZE_COLORS.success : MAZE_COLORS.failure,
      );
    }
    if (layoutMode === 'grid' && ep.label !== undefined) {
      const fit = Math.max(0, Math.floor((pw - 2 * fs + fs) / (4 * fs)));
      const ink = ep.success === undefined ? TEXT : ([255, 255, 255] as Rgb);
      raster.text(frame.originX + 2 * fs, frame.originY - barPx + fs + 1, ep.label.slice(0, fit), ink, fs);
    }
    const plans = ep.plans?.length ?? 0;
    const plansAlpha = options.plansAlpha ?? Math.min(0.3, Math.max(0.08, 8 / Math.max(1, plans)));
    drawEpisode(raster, frame, ep, color, lineWidth, plansAlpha);
  });
  // The goal's outline and dot again on top: dense plans converge on the goal and would hide it.
  for (const { frame, goal } of goals) drawGoalMarker(raster, frame, goal, goalRadius);
  drawLegend(raster, keyRows, GAP_PX, gridTop + rows * cellH, fs, scale);
  return { raster, frames };
}

const TEXT: Rgb = [40, 40, 40];

type Swatch = 'wall' | 'goal' | 'start' | 'path' | 'plan' | 'plans' | 'reached' | 'missed' | 'palette';
interface LegendEntry {
  readonly swatch: Swatch;
  readonly text: string;
}

/** The key of what the picture actually shows. */
function legendEntries(episodes: readonly EpisodeDrawing[], layoutMode: 'grid' | 'overlay'): LegendEntry[] {
  const out: LegendEntry[] = [
    { swatch: 'wall', text: 'wall' },
    { swatch: 'goal', text: 'goal, success disc r 0.5' },
    { swatch: 'start', text: 'start' },
    layoutMode === 'overlay'
      ? { swatch: 'palette', text: 'executed path, one colour per episode' }
      : { swatch: 'path', text: 'executed path, dot = end' },
  ];
  if (episodes.some((e) => e.plan !== undefined)) out.push({ swatch: 'plan', text: 'plan' });
  if (episodes.some((e) => (e.plans?.length ?? 0) > 0))
    out.push({ swatch: 'plans', text: 'plans made along the way' });
  if (layoutMode === 'grid' && episodes.some((e) => e.success === true))
    out.push({ swatch: 'reached', text: 'bar: reached the goal disc' });
  if (layoutMode === 'grid' && episodes.some((e) => e.success === false))
    out.push({ swatch: 'missed', text: 'bar: never reached the goal disc' });
  return out;
}

/** Words of `text` in lines no wider than `width` pixels (a word longer than a line is cut). */
function wrapText(text: string, width: number, fs: number): string[] {
  const perLine = Math.max(1, Math.floor((width + fs) / (4 * fs)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (next.length <= perLine) line = next;
    else {
      if (line !== '') lines.push(line);
      line = word.slice(0, perLine);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Flows the entries into rows no wider than `width`. */
function layoutLegend(entries: readonly LegendEntry[], width: number, fs: number): LegendEntry[][] {
  const rows: LegendEntry[][] = [];
  let row: LegendEntry[] = [];
  let used = 0;
  for (const e of entries) {
    const w = entryWidth(e, fs);
    if (row.length > 0 && used + w > width) {
      rows.push(row);
      row = [];
      used = 0;
    }
    row.push(e);
    used += w;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

function entryWidth(e: LegendEntry, fs: number): number {
  return 8 * fs + 3 * fs + textWidth(e.text, fs) + 8 * fs;
}

function drawLegend(
  raster: Raster,
  rows: LegendEntry[][],
  x0: number,
  y0: number,
  fs: number,
  scale: number,
): void {
  const th = TEXT_HEIGHT * fs;
  rows.forEach((row, r) => {
    const y = y0 + r * (th + 4 * fs);
    let x = x0;
    for (const e of row) {
      drawSwatch(raster, e.swatch, x, y, 8 * fs, th, scale);
      raster.text(x + 8 * fs + 3 * fs, y, e.text, TEXT, fs);
      x += entryWidth(e, fs);
    }
  });
}

function drawSwatch(
  raster: Raster,
  swatch: Swatch,
  x: number,
  y: number,
  w: number,
  h: number,
  scale: number,
): void {
  const cx = x + w / 2;
  const cy = y + h / 2;
  const line = (color: Rgb, width: number, alpha = 0.9) =>
    raster.strokePolyline(Float64Array.of(x, cy, x + w, cy), width, color, alpha);
  switch (swatch) {
    case 'wall':
      raster.fillRect(x, y, x + w, y + h, MAZE_COLORS.wall);
      break;
    case 'goal':
      raster.fillCircle(cx, cy, h / 2 + 1, MAZE_COLORS.goalDisc, 0.28);
      raster.strokeCircle(cx, cy, h / 2 + 1, 1, MAZE_COLORS.goal, 0.8);
      raster.fillCircle(cx, cy, 1.5, MAZE_COLORS.goal);
      break;
    case 'start':
      raster.fillCircle(cx, cy, h / 2, MAZE_COLORS.start);
      break;
    case 'path':
      line(MAZE_COLORS.trajectory, Math.max(1.5, scale / 16));
      raster.fillCircle(x + w, cy, h / 3, MAZE_COLORS.trajectory);
      break;
    case 'palette':
      for (const [k, c] of PALETTE.slice(0, 3).entries()) {
        raster.fillRect(x + (k * w) / 3, y, x + ((k + 1) * w) / 3, y + h, c);
      }
      break;
    case 'plan':
      line(MAZE_COLORS.plan, 1.5, 0.85);
      break;
    case 'plans':
      line(MAZE_COLORS.plan, 1, 0.4);
      raster.fillCircle(x, cy, 1.5, MAZE_COLORS.plan, 0.6);
      break;
    case 'reached':
      raster.fillRect(x, y, x + w, y + h, MAZE_COLORS.success);
      break;
    case 'missed':
      raster.fillRect(x, y, x + w, y + h, MAZE_COLORS.failure);
      break;
  }
}

/** Renders and encodes to PNG bytes. */
export function mazePicturePng(
  maze: MazeName,
  episodes: readonly EpisodeDrawing[],
  options: MazePictureOptions = {},
): Buffer {
  return encodePng(renderMazeEpisodes(maze, episodes, options).raster);
}

function drawMaze(raster: Raster, maze: MazeName, frame: PanelFrame): void {
  const layout = MAZE_LAYOUTS[maze];
  const [x0, y0] = frame.toPixel(-0.7, -0.7);
  const [x1, y1] = frame.toPixel(layout.length - 0.7, layout[0]!.length - 0.7);
  raster.fillRect(x0, y0, x1, y1, MAZE_COLORS.corridor);
  for (const w of mazeWalls(maze)) {
    const [a, b] = frame.toPixel(w.xMin, w.yMin);
    const [c, d] = frame.toPixel(w.xMax, w.yMax);
    raster.fillRect(a, b, c, d, MAZE_COLORS.wall);
  }
}

function drawGoal(raster: Raster, frame: PanelFrame, goal: readonly number[], radius: number): void {
  const [gx, gy] = frame.toPixel(goal[0]!, goal[1]!);
  const s = frame.pixelsPerUnit;
  raster.fillCircle(gx, gy, radius * s, MAZE_COLORS.goalDisc, 0.28);
  drawGoalMarker(raster, frame, goal, radius);
}

function drawGoalMarker(raster: Raster, frame: PanelFrame, goal: readonly number[], radius: number): void {
  const [gx, gy] = frame.toPixel(goal[0]!, goal[1]!);
  const s = frame.pixelsPerUnit;
  raster.strokeCircle(gx, gy, radius * s, 1.5, MAZE_COLORS.goal, 0.8);
  raster.fillCircle(gx, gy, Math.max(2.5, 0.07 * s), MAZE_COLORS.goal);
}

function drawEpisode(
  raster: Raster,
  frame: PanelFrame,
  ep: EpisodeDrawing,
  color: Rgb,
  lineWidth: number,
  plansAlpha: number,
): void {
  const s = frame.pixelsPerUnit;
  // Under the executed path, so the path stays readable through dozens of plans.
  for (const planned of ep.plans ?? []) {
    if (planned.length < 2) continue;
    const pts = toPixels(frame, planned);
    if (pts.length >= 4)
      raster.strokePolyline(pts, Math.max(1, lineWidth * 0.5), MAZE_COLORS.plan, plansAlpha);
    raster.fillCircle(
      pts[0]!,
      pts[1]!,
      Math.max(1.5, lineWidth * 0.7),
      MAZE_COLORS.plan,
      Math.min(1, 2 * plansAlpha),
    );
  }
  if (ep.plan && ep.plan.length >= 2) {
    const plan = toPixels(frame, ep.plan);
    raster.strokePolyline(plan, Math.max(1, lineWidth * 0.6), MAZE_COLORS.plan, 0.85);
    for (let k = 0; k + 1 < plan.length; k += 2) {
      raster.fillCircle(plan[k]!, plan[k + 1]!, Math.max(1.2, lineWidth * 0.6), MAZE_COLORS.plan, 0.85);
    }
  }
  const traj = toPixels(frame, ep.trajectory);
  raster.strokePolyline(traj, lineWidth, color, 0.9);
  const start = ep.start ?? (ep.trajectory.length >= 2 ? [ep.trajectory[0]!, ep.trajectory[1]!] : undefined);
  if (start) {
    const [sx, sy] = frame.toPixel(start[0]!, start[1]!);
    raster.fillCircle(sx, sy, Math.max(3, 0.1 * s) + 1.5, [255, 255, 255]);
    raster.fillCircle(sx, sy, Math.max(3, 0.1 * s), MAZE_COLORS.start);
  }
  if (traj.length >= 2) {
    // The ball (radius 0.1) at its final position.
    raster.fillCircle(traj[traj.length - 2]!, traj[traj.length - 1]!, Math.max(2.5, 0.1 * s), color);
  }
}

function toPixels(frame: PanelFrame, points: ArrayLike<number>): Float64Array {
  const n = Math.floor(points.length / 2);
  const out = new Float64Array(n * 2);
  for (let k = 0; k < n; k++) {
    const [px, py] = frame.toPixel(points[2 * k]!, points[2 * k + 1]!);
    out[2 * k] = px;
    out[2 * k + 1] = py;
  }
  return out;
}
