import { convGeometry, type ConvAttrs } from './conv-geometry';
import { convInputGradient } from './conv-input-gradient';
import { assertChannelsLast, type KernelArgs, type TensorInfo } from './wasm-backend';

interface BackpropInputAttrs extends ConvAttrs {
  dataFormat?: 'NHWC' | 'NCHW';
  inputShape: [number, number, number, number];
}

/**
 * Conv2DBackpropInput as forward XNNPACK convs of dy with the flipped, in/out-swapped filter
 * (one per stride phase). The built-in wasm kernel is a naive loop (~2 GFLOP/s).
 */
export function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  assertChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  const geo = convGeometry(attrs.inputShape, filter.shape, attrs, false);
  return convInputGradient(args.backend, dy, filter, geo, false);
}
