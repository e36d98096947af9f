/**
 * A dataset as the engine sees it: every loader (IDX, CIFAR binary, image folders, CSV, .npy)
 * produces this shape, so models, training and evaluation never care where the data came from.
 */
export interface DatasetSplit {
  /** Normalised inputs, row-major, n × prod(inputShape) (images as NHWC). */
  x: Float32Array;
  /** Integer class labels in [0, classNames.length). */
  y: Int32Array;
  n: number;
  /** The original 8-bit pixels (n × prod(inputShape)) for image datasets, for thumbnails. */
  pixels?: Uint8Array;
}

export interface Normalisation {
  /**
   * How x was derived from the stored values: x = (raw / scale - mean) / std, per channel
   * (images: mean/std have C entries) or per feature (feature vectors: prod(inputShape)
   * entries). Statistics come from the training split only.
   */
  scale: number;
  mean: number[];
  std: number[];
  /** What mean/std index; absent means per channel. */
  per?: 'channel' | 'feature';
}

export interface Dataset {
  /** Stable identity: the name plus a hash of the content; forget sets name it. */
  id: string;
  name: string;
  /** Where it came from: a path, or `embedded:<name>`. */
  source: string;
  format: 'idx' | 'cifar' | 'image-folder' | 'csv' | 'npy';
  /** Shape of one input: [H, W, C] for images, [d] for feature vectors. */
  inputShape: number[];
  classNames: string[];
  train: DatasetSplit;
  validation: DatasetSplit;
  normalisation: Normalisation;
}

export function inputSize(d: Pick<Dataset, 'inputShape'>): number {
  return d.inputShape.reduce((a, b) => a * b, 1);
}
