// Public exports of the renderer: the raster, PNG encoding and the plots built on them.
export * from './bitmap-font.js';
export * from './line-plot.js';
export * from './loss-plot.js';
export * from './png.js';
export * from './raster.js';
export * from './trajectory-plot.js';
