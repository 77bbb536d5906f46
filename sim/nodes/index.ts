// Public exports of the sim nodes (the maze as a ROS node); src/cli imports only this file.

export * from './maze-sim-config.js';
export * from './maze-sim-node.js';
export * from './sim-node-core.js';
export * from './sim-params.js';
