export { configureLogging, createLogger, type Logger, type LoggingOptions, type LogLevel } from './logger';
export { Progress, formatDuration, formatNumber, renderBar, type ProgressFields, type ProgressOptions } from './progress';
