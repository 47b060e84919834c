export {
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  METADATA_KEY,
  type CheckpointData,
  type JsonValue,
  type LoadedCheckpoint,
  type SaveCheckpointOptions,
} from './checkpoint';
export {
  checkpointFileName,
  latestCheckpoint,
  listCheckpoints,
  CHECKPOINT_EXTENSION,
  type CheckpointFile,
  type CheckpointNameOptions,
} from './checkpoint-files';
export { isTempFileName, writeFileAtomic } from './atomic-write';
export {
  decodeSafetensors,
  encodeSafetensors,
  isSafetensorsDtype,
  DTYPE_SIZES,
  MAX_HEADER_BYTES,
  SafetensorsError,
  type RawTensor,
  type SafetensorsContents,
  type SafetensorsDtype,
} from './safetensors';
export { bfloat16ToFloat, halfToFloat, rawToTensor, tensorToRaw } from './tensor-bytes';
