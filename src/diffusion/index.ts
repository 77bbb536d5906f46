/** Public API of the diffusion folder: the Algorithm 1 loss, the Algorithm 2 sampler and chunked rollouts. */
export { generate } from './generate.js';
export { diffusionForcingLoss } from './loss.js';
export { sample } from './sampler.js';
