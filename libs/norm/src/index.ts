// @kestrel/norm: normalization layers for small-batch training, Cross-Iteration BN by default.
// Imports nothing detection-specific, so any Nx app can use it.
export { Norm, type Producer, type ConvProducer, type DenseProducer, type ConvPadding } from './norm';
export { BatchNorm, BATCH_NORM_DEFAULTS, type BatchNormOptions } from './batch-norm';
export { FrozenBatchNorm, type FrozenBatchNormOptions } from './frozen-batch-norm';
export { GroupNorm, type GroupNormOptions } from './group-norm';
export { BatchRenorm, BATCH_RENORM_DEFAULTS, type BatchRenormOptions } from './batch-renorm';
export { IdentityNorm } from './identity-norm';
export { CrossIterationBatchNorm, CBN_DEFAULTS, validateCbnOptions, type CbnOptions } from './cbn/cross-iteration-bn';
export { createNorm, normTypes, parseNormSpec, registerNorm, type NormDefinition, type NormObjectSpec, type NormSpec } from './registry';
export { ConvNorm, type Activation, type ConvNormOptions } from './conv-norm';
export { LinearNorm, type LinearNormOptions } from './linear-norm';
export { loadCbnFixture, type CbnFixture } from './golden/fixture';
export { replayCbnFixture, relativeError } from './golden/replay';
export { ConvNormLayer, type ConvNormLayerArgs } from './layers/conv-norm-layer';
