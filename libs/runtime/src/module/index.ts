export { Rng, type RngState } from './rng';
export {
  c2MsraFill,
  c2XavierFill,
  calculateGain,
  computeFans,
  constant,
  depthwiseFans,
  kaimingNormal,
  kaimingUniform,
  normal,
  ones,
  uniform,
  xavierNormal,
  xavierUniform,
  zeros,
  type FanMode,
  type Fans,
  type KaimingOptions,
  type Nonlinearity,
  type NormalOptions,
  type Shape,
  type UniformOptions,
  type XavierOptions,
} from './init';
export {
  Module,
  type NamedOptions,
  type RegisterBufferOptions,
  type RegisterParameterOptions,
  type TensorOrInit,
} from './module';
export { ModuleList } from './module-list';
export {
  EXTRA_STATE_KEY,
  StateDictError,
  disposeStateDict,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDict,
  type StateDictMismatch,
} from './state-dict';
