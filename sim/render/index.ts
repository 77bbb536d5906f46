// Public exports of the renderer.
export * from './maze-picture.js';
export * from './png.js';
export * from './raster.js';
