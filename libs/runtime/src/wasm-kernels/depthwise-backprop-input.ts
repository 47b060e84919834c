import { convGeometry, type ConvAttrs } from './conv-geometry';
import { convInputGradient } from './conv-input-gradient';
import type { KernelArgs, TensorInfo } from './wasm-backend';

interface DepthwiseBackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

/**
 * DepthwiseConv2dNativeBackpropInput (missing on wasm): XNNPACK depthwise convs of dy with the
 * flipped filter, one per stride phase; a channel multiplier M > 1 is summed over afterwards.
 */
export function depthwiseConv2dNativeBackpropInput(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseBackpropInputAttrs;
  const geo = convGeometry(attrs.inputShape, filter.shape, attrs, true);
  return convInputGradient(args.backend, dy, filter, geo, true);
}
