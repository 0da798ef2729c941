/**
 * @tiefe/datasets: the course's data sets (MNIST, Fashion-MNIST, CIFAR-10/100, image folders, Cityscapes,
 * NIfTI volumes, synthetic sets) as tensors in one call, with splits, batching and augmentation; data-quality
 * reports (duplicates, leakage, label errors) and labels from several raters (Dawid-Skene, STAPLE, kappas).
 *
 * @packageDocumentation
 */
export { type AugmentOptions, augmentImages, augmentSegmentation, type SegmentationAugmentOptions } from './augment.js';
export {
  type BatchOptions,
  batchCount,
  batches,
  type FitDataset,
  type TfDatasetOptions,
  toTfDataset,
} from './batches.js';
export {
  CIFAR10_CLASSES,
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  type Cifar100Options,
  type CifarOptions,
  type CifarRecords,
  loadCifar10,
  loadCifar100,
  parseCifar,
} from './cifar.js';
export {
  CITYSCAPES_CATEGORIES,
  CITYSCAPES_IGNORE,
  CITYSCAPES_LABELS,
  CITYSCAPES_TRAIN_CLASSES,
  type CityscapesLabel,
  type CityscapesLabelMode,
  type CityscapesOptions,
  cityscapesLookup,
  loadCityscapes,
  mapCityscapesLabels,
  randomCropImageAndMask,
  resizeImageAndMask,
  type SegmentationData,
} from './cityscapes.js';
export {
  type DownloadOptions,
  defaultCacheDir,
  downloadFile,
  type ProgressFn,
  sha256File,
  stderrProgress,
} from './download.js';
export { DatasetFormatError, DatasetHashError, DatasetMissingError, DownloadError } from './errors.js';
export { DEFAULT_MAX_GUNZIP_BYTES, type GunzipOptions, gzip, isGzip, maybeGunzip } from './gzip.js';
export {
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type ReadIdxOptions,
  readIdx,
  type WriteIdxOptions,
  writeIdx,
} from './idx.js';
export {
  DEFAULT_MAX_PIXELS,
  type DecodedImage,
  type DecodeImageOptions,
  decodeImage,
  imageKind,
  resizeBytes,
  rgbaTo,
} from './image.js';
export {
  type ImageFileEntry,
  type ImageFilesOptions,
  type ImageFolderOptions,
  loadImageFiles,
  loadImageFolder,
} from './imageFolder.js';
export {
  FASHION_MNIST_CLASSES,
  type LabeledImages,
  type LabelTensor,
  loadFashionMnist,
  loadMnist,
  MNIST_CLASSES,
  type MnistOptions,
} from './mnist.js';
export {
  loadNiftiFolder,
  loadNiftiPairs,
  type NiftiData,
  type NiftiDtype,
  type NiftiFolderOptions,
  type NiftiVolume,
  niftiToTensor,
  readNifti,
  type VolumeData,
  type VolumeNormalization,
  type WriteNiftiOptions,
  writeNifti,
} from './nifti.js';
export { type LabelEncoding, labelsToTensor, type PixelScale, pixelsToTensor, type TensorTransform } from './pixels.js';
export {
  type ChannelStats,
  type DatasetReport,
  type DatasetReportOptions,
  type DuplicateList,
  type DuplicatePair,
  datasetReport,
  type SplitReport,
} from './quality/datasetReport.js';
export { type FormatDatasetReportOptions, formatDatasetReport } from './quality/formatDatasetReport.js';
export { type FindLabelIssuesOptions, findLabelIssues, type LabelIssues } from './quality/labelIssues.js';
export { type OutOfFoldOptions, type OutOfFoldResult, outOfFoldProbabilities } from './quality/outOfFold.js';
export {
  type CohenKappaOptions,
  cohenKappa,
  type FleissKappaOptions,
  fleissKappa,
  type PairwiseDiceResult,
  pairwiseDice,
} from './raters/agreement.js';
export { type DawidSkeneOptions, type DawidSkeneResult, dawidSkene } from './raters/dawidSkene.js';
export {
  type MaskConsensus,
  type MeanProbabilityMaskOptions,
  majorityVoteMasks,
  meanProbabilityMask,
  type RaterMasks,
} from './raters/masks.js';
export type { Ratings } from './raters/ratings.js';
export { type StapleOptions, type StapleResult, staple } from './raters/staple.js';
export {
  type MajorityVoteOptions,
  type MajorityVoteResult,
  majorityVote,
  meanSoftLabels,
  type SoftRatings,
} from './raters/vote.js';
export { CIFAR10, CIFAR100, DATASETS, type DatasetSpec, FASHION_MNIST, MNIST, type RemoteFile } from './registry.js';
export { locateFiles, readDatasetFiles, type SourceFile, type SourceOptions } from './source.js';
export {
  type SplitIndicesOptions,
  shuffledIndices,
  splitData,
  splitIndices,
  stratifiedSplitIndices,
  type TrainTestSplitOptions,
  takeRows,
  trainTestSplit,
} from './splits.js';
export {
  DIGIT_ADDITION_VOCABULARY,
  type DigitAdditionData,
  type NoisySinesOptions,
  SYNTHETIC_SHAPE_CLASSES,
  type SyntheticSegmentation,
  type SyntheticSequences,
  type SyntheticShapeClassesOptions,
  type SyntheticShapes2dOptions,
  type SyntheticShapes3dOptions,
  syntheticAddingProblem,
  syntheticDigitAddition,
  syntheticNoisySines,
  syntheticShapeClasses,
  syntheticShapes2d,
  syntheticShapes3d,
} from './synthetic.js';
export { extractTar, type ReadTarOptions, readTar, safeMemberPath, type TarEntry } from './tar.js';
