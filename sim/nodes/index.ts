// Public exports of the sim nodes (the maze and the arm as ROS nodes); src/cli imports only this file.

export * from './arm-sim-node.js';
export * from './arm-sim-params.js';
export * from './maze-sim-config.js';
export * from './maze-sim-node.js';
export * from './sim-node-core.js';
export * from './sim-params.js';
