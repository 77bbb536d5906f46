/**
 * The network's weights as data: every weight's stable name, shape and initialisation fan-in, in the fixed
 * order `DfModel.variables` uses. Model files, the parameter count and the tfjs model all read this one list.
 *
 * Notation: z = latentSize, Hd = hiddenWidth, L = mlpLayers, E = levelEmbeddingSize, D = token size (F·step),
 * O = observation size, W = initEncoderWidth. Matrices are [in, out] (x·W convention; PyTorch stores [out, in]).
 *
 *   level.w1 [E,E] level.b1 [E] level.w2 [E,E] level.b2 [E]        e(k) = W2·act(W1·sin/cos(k) + b1) + b2
 *   pre.block0.{w1z [z,Hd], w1x [D,Hd], w1e [E,Hd], b1 [Hd]}         first ResBlock, input u = [z, x, e]
 *   pre.block0.{w2 [Hd,Hd], b2}, pre.block0.{wsz, wsx, wse, bs}      its second layer and linear shortcut
 *   pre.block1…L−2.{w1 [Hd,Hd], b1, w2 [Hd,Hd], b2}                  ResBlock(Hd→Hd), identity shortcut
 *   pre.out.{w [Hd,z], b}
 *   gru.{wih [z,3z], bih, whh [z,3z], bhh}                           column blocks r | u (update) | n
 *   post.block0.{w1 [z,Hd], b1, w2 [Hd,Hd], b2} (+ ws [z,Hd], bs when z ≠ Hd)
 *   post.block1…L−2.{w1, b1, w2, b2}, post.out.{w [Hd,z], b}
 *   head.{w [z,D], b [D]}
 *   init.{w1 [O,W], b1, w2 [W,W], b2, w3 [W,z], b3} (encoder) | init.z [z] (learned) | nothing (zeros)
 *
 * Initialisation follows PyTorch's defaults: U(−1/√fanIn, 1/√fanIn) for weights and biases of a linear layer
 * (fanIn = the layer's whole input, z+D+E for the split first layer), U(−1/√z, 1/√z) for the GRU, 0 for init.z.
 */
import { observationSize, tokenSize } from '../tasks/token-layout.js';
import type { ModelConfig } from './types.js';

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** Initialisation bound is 1/√fanIn; 0 means initialise to zeros. */
  readonly fanIn: number;
}

export function weightLayout(config: ModelConfig): WeightSpec[] {
  const z = config.latentSize;
  const hd = config.hiddenWidth;
  const e = config.levelEmbeddingSize;
  const d = tokenSize(config.layout);
  const specs: WeightSpec[] = [];
  const add = (name: string, shape: number[], fanIn: number): void => {
    specs.push({ name, shape, fanIn });
  };
  const dense = (prefix: string, inSize: number, outSize: number, w = 'w', b = 'b'): void => {
    add(`${prefix}.${w}`, [inSize, outSize], inSize);
    add(`${prefix}.${b}`, [outSize], inSize);
  };

  dense('level', e, e, 'w1', 'b1');
  dense('level', e, e, 'w2', 'b2');

  const preIn = z + d + e;
  add('pre.block0.w1z', [z, hd], preIn);
  add('pre.block0.w1x', [d, hd], preIn);
  add('pre.block0.w1e', [e, hd], preIn);
  add('pre.block0.b1', [hd], preIn);
  dense('pre.block0', hd, hd, 'w2', 'b2');
  add('pre.block0.wsz', [z, hd], preIn);
  add('pre.block0.wsx', [d, hd], preIn);
  add('pre.block0.wse', [e, hd], preIn);
  add('pre.block0.bs', [hd], preIn);
  for (let i = 1; i <= config.mlpLayers - 2; i++) {
    dense(`pre.block${i}`, hd, hd, 'w1', 'b1');
    dense(`pre.block${i}`, hd, hd, 'w2', 'b2');
  }
  dense('pre.out', hd, z);

  add('gru.wih', [z, 3 * z], z);
  add('gru.bih', [3 * z], z);
  add('gru.whh', [z, 3 * z], z);
  add('gru.bhh', [3 * z], z);

  dense('post.block0', z, hd, 'w1', 'b1');
  dense('post.block0', hd, hd, 'w2', 'b2');
  if (z !== hd) dense('post.block0', z, hd, 'ws', 'bs');
  for (let i = 1; i <= config.mlpLayers - 2; i++) {
    dense(`post.block${i}`, hd, hd, 'w1', 'b1');
    dense(`post.block${i}`, hd, hd, 'w2', 'b2');
  }
  dense('post.out', hd, z);

  dense('head', z, d);

  if (config.initLatent === 'encoder') {
    const o = observationSize(config.layout);
    const w = config.initEncoderWidth;
    dense('init', o, w, 'w1', 'b1');
    dense('init', w, w, 'w2', 'b2');
    dense('init', w, z, 'w3', 'b3');
  } else if (config.initLatent === 'learned') {
    add('init.z', [z], 0);
  }
  return specs;
}

/** Number of scalar parameters a config gives, without building the model. */
export function modelParameterCount(config: ModelConfig): number {
  return weightLayout(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}
