// Public exports of the maze renderer (the raster and PNG encoding live in src/render).

export * from './arm-picture.js';
export * from './maze-picture.js';
