/** The trainer's run report: metrics.jsonl reading, training plots and report.md. */
export { MetricsFileError, parseMetrics, parseRecord, readMetrics } from './read-metrics';
export { PLOT_FILES, writeTrainingPlots, type TrainingPlotOptions, type TrainingPlots } from './plots';
export type { CategoryAp, FinalEval, NormsPerPart, RunSummary } from './summary';
export { formatAp, formatDuration, renderReport, REPORT_FILE, writeReport } from './write-report';
