/**
 * What the training loop reads: any source of token windows (the synthetic oscillator, recorded maze episodes).
 * Arrays are plain Float32Arrays in the model's tensor layout so the trainer turns them into tensors without
 * reshuffling: time-major [T, B, D] (docs/performance.md §3.4: batch-major layouts are slow).
 */
import type { Rng } from '../math/rng.js';
import type { Normalization, TokenLayout } from './token-layout.js';

export interface SequenceBatch {
  /** Clean, normalised tokens, time-major [T, B, D] with D = tokenSize(layout). */
  readonly x0: Float32Array;
  /** Normalised observation before the first token (o₀, read by the init encoder), [B, observationSize]. */
  readonly firstObservation: Float32Array | null;
  /** Validity mask [T, B]: 1 where the token counts in the loss, 0 after an episode ended (padding). */
  readonly mask: Float32Array;
}

export interface SequenceDataset {
  /** Stable identifier written into a model's provenance, e.g. `oscillator-v1/F2`. */
  readonly id: string;
  readonly layout: TokenLayout;
  readonly normalization: Normalization;
  /** Draws `batchSize` windows of `tokens` tokens using only `rng`, so a seeded run is reproducible. */
  sampleBatch(batchSize: number, tokens: number, rng: Rng): SequenceBatch;
  /** Windows of held-out data (same layout and normalisation), for the validation loss at checkpoints. */
  sampleValidationBatch?(batchSize: number, tokens: number, rng: Rng): SequenceBatch;
}
