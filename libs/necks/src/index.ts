// @kestrel/necks: feature necks between a backbone and the detection heads (FPN).
import '@kestrel/runtime';

export { FPN, FPN_DEFAULTS, type FPNOptions, type FeatureShape, type FpnTopBlock } from './fpn';
