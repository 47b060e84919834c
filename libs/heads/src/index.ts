// @kestrel/heads: detection heads with detectron2's semantics — the RPN (head, anchor targets,
// losses, proposals) and the RoI heads (sampling, box head and predictor, mask head).
import '@kestrel/runtime';

export type { FeatureMaps, FeatureShape, ImageDetections, ImageSize, ImageTargets, Proposals } from './types';
export { decodeBoxesArray, maxIntersectionOverAreaArray } from './box-arrays';
export { Linear, type LinearOptions } from './linear';
export { loadRngStateTensors, rngStateTensors } from './rng-state';

export { StandardRPNHead, type RPNHeadOptions, type RPNHeadOutputs } from './rpn/rpn-head';
export { labelAndSampleAnchors, type AnchorTargetOptions, type AnchorTargets } from './rpn/anchor-targets';
export { findTopProposals, type LevelPredictions, type ProposalOptions } from './rpn/proposals';
export { RPN, RPN_DEFAULTS, type RPNLosses, type RPNOptions, type RPNOutput } from './rpn/rpn';

export { BOX_HEAD_DEFAULTS, FastRCNNConvFCHead, type BoxHeadOptions } from './roi-heads/box-head';
export {
  FAST_RCNN_OUTPUT_DEFAULTS,
  FastRCNNOutputLayers,
  type FastRCNNLosses,
  type FastRCNNOutputOptions,
} from './roi-heads/fast-rcnn-outputs';
export { labelAndSampleProposals, type ProposalSamplingOptions, type SampledProposals } from './roi-heads/proposal-sampling';
export {
  MASK_HEAD_DEFAULTS,
  MaskRCNNConvUpsampleHead,
  maskRcnnInference,
  maskRcnnLoss,
  selectClassMasks,
  type MaskHeadOptions,
} from './roi-heads/mask-head';
export {
  BOX_BRANCH_DEFAULTS,
  MASK_BRANCH_DEFAULTS,
  ROI_HEADS_DEFAULTS,
  StandardROIHeads,
  type BoxBranchOptions,
  type MaskBranchOptions,
  type PoolerOptions,
  type ROIHeadsLosses,
  type ROIHeadsOptions,
} from './roi-heads/roi-heads';
