/** RGBA images in plain JavaScript (browser and Node): drawing, grids and PNG output (charts: @tiefe/charts). */
export { drawImage, drawLine, fillRect, type Rect } from './draw.js';
export { grayImage, labelImage } from './fromValues.js';
export { type GridOptions, imageGrid } from './imageGrid.js';
export { encodePng } from './png.js';
export { blankImage, type Color, checkImage, type RgbaImage } from './rgbaImage.js';
export { upscale } from './upscale.js';
export { writePng } from './writePng.js';
