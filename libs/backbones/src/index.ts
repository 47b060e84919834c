export * from './resnet';
export { BasicBlock, Bottleneck, type BlockOptions, type BottleneckOptions } from './blocks';
export { kestrelKeyForTorchvision, loadTorchvisionResNet, type TorchvisionImportReport } from './torchvision-import';
