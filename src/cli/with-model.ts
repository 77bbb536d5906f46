/**
 * What the commands that run a network share: the `--backend` flag, starting the tfjs backend it names, and
 * loading a model directory whose tensors are freed however the command ends.
 */
import { stderrLogger } from '../logging.js';
import { loadModel } from '../model/checkpoint.js';
import { type BackendInfo, type BackendName, backendNames, initBackend } from '../tensor/backend.js';

/** The `--backend` option, the same for every command that runs tfjs. */
export const backendOption = {
  kind: 'string',
  description: 'tfjs backend (default: best available; DF_BACKEND also works)',
  choices: backendNames,
} as const;

/** Starts the backend `--backend` names (or DF_BACKEND, or the best available), logging it to stderr. */
export function startBackend(requested: string | undefined): Promise<BackendInfo> {
  return initBackend({ requested: requested as BackendName | undefined, logger: stderrLogger });
}

export interface LoadedModel extends Awaited<ReturnType<typeof loadModel>> {
  readonly backend: BackendInfo;
  /** Tokens per training window (from the provenance), or `fallback` for models that do not record it. */
  trainedTokens(fallback: number): number;
}

/** Starts the backend, loads the model in `dir`, runs `body` and disposes the model, even on a throw. */
export async function withModel<R>(
  dir: string,
  backend: string | undefined,
  body: (loaded: LoadedModel) => Promise<R>,
): Promise<R> {
  const info = await startBackend(backend);
  const { model, provenance } = await loadModel(dir);
  try {
    const tokens = provenance.training?.['tokens'];
    return await body({
      model,
      provenance,
      backend: info,
      trainedTokens: (fallback) => (typeof tokens === 'number' ? tokens : fallback),
    });
  } finally {
    model.dispose();
  }
}
