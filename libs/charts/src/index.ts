/**
 * @kestrel/charts — line charts rendered to PNG without native dependencies (a raster canvas on
 * coco-data's RgbImage, its 5×7 font and PNG encoder): training curves, study plots.
 */
export {
  chartLayout,
  lineChart,
  lineChartPng,
  writeLineChart,
  type ChartLayout,
  type ChartPoint,
  type ChartSeries,
  type LegendPosition,
  type LineChartOptions,
  type ReferenceLine,
} from './line-chart';
export { formatNumber, linearScale, log10Scale, log2Scale, logTicks, niceStep, niceTicks, tickDecimals, type Ticks } from './axis';
export { movingAverage } from './smooth';
export { lighten, PALETTE } from './palette';
export { Canvas, measureText } from './canvas';
