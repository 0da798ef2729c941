/** RGBA images in plain JavaScript (browser and Node): drawing, grids, training curves and PNG output. */
export { drawImage, drawLine, fillRect, type Rect } from './draw.js';
export { type GridOptions, imageGrid } from './imageGrid.js';
export { type ChartPanel, type ChartSeries, type LineChartOptions, lineChart } from './lineChart.js';
export { encodePng } from './png.js';
export { blankImage, type Color, type RgbaImage } from './rgbaImage.js';
export { upscale } from './upscale.js';
export { writePng } from './writePng.js';
