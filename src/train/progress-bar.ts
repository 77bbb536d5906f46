/**
 * Training progress on stderr (cli-progress): step, loss EMA, steps/s and ETA. On a non-TTY stderr (CI, logs
 * piped to a file) it prints a plain line every few seconds instead of redrawing a bar.
 */
import cliProgress from 'cli-progress';
import type { StepInfo } from './train-loop.js';

export interface ProgressBar {
  update(info: StepInfo): void;
  stop(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.max(0, Math.round(s));
  const h = Math.floor(r / 3600);
  const m = Math.floor((r % 3600) / 60);
  const sec = r % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(sec).padStart(2, '0')}s`
      : `${sec}s`;
}

/** A bar for a run of `total` steps, starting at `start` (resumed runs). */
export function createProgressBar(
  total: number,
  start = 0,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  if (!stream.isTTY) {
    let last = 0;
    return {
      update(info) {
        const now = Date.now();
        if (now - last < 5000 && info.step < info.totalSteps) return;
        last = now;
        stream.write(
          `[df-planner] step ${info.step}/${info.totalSteps} loss ${info.lossEma.toPrecision(4)} ` +
            `${info.stepsPerSecond.toFixed(2)} steps/s eta ${formatSeconds(info.etaSeconds)}\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'train [{bar}] {value}/{total} | loss {lossEma} | {rate} steps/s | ETA {etaText}',
      barsize: 30,
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { lossEma: '-', rate: '-', etaText: '?' });
  return {
    update(info) {
      bar.update(info.step, {
        lossEma: info.lossEma.toPrecision(4),
        rate: info.stepsPerSecond.toFixed(2),
        etaText: formatSeconds(info.etaSeconds),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
