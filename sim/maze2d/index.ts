// Public exports of the Maze2D package: one line per module, so helpers can add theirs without conflicts.

export * from './dataset.js';
export * from './evaluate.js';
export * from './expert.js';
export * from './layouts.js';
export * from './maze-env.js';
export * from './mjcf.js';
export * from './q-iteration.js';
export * from './scoring.js';
export * from './task.js';
