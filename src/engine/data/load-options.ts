/** Options every loader accepts. */
export interface LoadOptions {
  /** Keep only the first n training points (the `quick` preset uses 1,000). */
  trainSize?: number;
  /** Keep only the first n validation points. */
  valSize?: number;
  /** CSV: the column holding the class label (default `label`). */
  labelColumn?: string;
  /** Seed of the deterministic shuffle/split used where the files give no order or split. */
  splitSeed?: number;
  /** Overrides the dataset's name (default: the folder or file name). */
  name?: string;
}

/** Fraction of the points held out for validation when the data comes as one pool. */
export const VALIDATION_FRACTION = 0.2;
