export { SGD, type OptimizedParameter, type SgdOptions } from './sgd';
export { learningRateAt, validateLrSchedule, type LrScheduleOptions } from './lr-schedule';
export { clipGradients, type GradientClipOptions } from './clip';
