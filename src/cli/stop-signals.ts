/**
 * SIGINT/SIGTERM for the long-running node commands (`node`, `sim-node`): the first signal starts an orderly
 * stop; any later one, of either kind, while that stop is still running exits at once with 130 (128 + SIGINT,
 * what a shell reports for Ctrl-C) and says so. Listeners stay installed until `dispose`, so a second Ctrl-C
 * reaches us instead of Node's default handler (which would kill the process without a word).
 */
import { stderrLogger } from '../logging.js';

export const SIGNAL_EXIT_CODE = 130;

export interface StopSignals {
  /** Removes the listeners (after the stop finished). */
  dispose(): void;
}

export function onStopSignals(stop: (signal: NodeJS.Signals) => void): StopSignals {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      stderrLogger.warn(`${signal} again while stopping: exiting now (${SIGNAL_EXIT_CODE})`);
      process.exit(SIGNAL_EXIT_CODE);
    }
    stopping = true;
    stderrLogger.info(`${signal}: stopping (send it again to exit at once)`);
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
