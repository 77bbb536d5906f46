// Public exports of the fruit-swap arm package: one line per module.

export * from './arm-env.js';
export * from './dataset.js';
export * from './evaluate.js';
export * from './expert.js';
export * from './expert-policy.js';
export * from './geometry.js';
export * from './kinematics.js';
export * from './leak-check.js';
export * from './mjcf.js';
export * from './occlusion.js';
export * from './sensor-noise.js';
export * from './success.js';
export * from './task.js';
export * from './training-task.js';
