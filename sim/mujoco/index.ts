export { type LoadMujocoOptions, loadMujoco, type MujocoModule, mujocoVersion } from './load-mujoco.js';
export { MujocoError } from './mujoco-error.js';
export { compileModel, Simulation } from './simulation.js';
