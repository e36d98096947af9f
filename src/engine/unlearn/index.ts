/** Public API of the unlearners (see docs/unlearning.md). */
export { METHOD_IDS, METHOD_LABELS, UNLEARN_PRESETS, UNLEARN_PRESET_NAMES, parseMethodList, resolveMethodSettings, type MethodId, type MethodSettings, type MethodSettingsOverrides, type UnlearnPresetName } from './settings';
export { costOf, matchingSubset, runUnlearner, TRAINING_METHODS, type LossTraceEntry, type UnlearnCheckpoint, type UnlearnCost, type UnlearnInput, type UnlearnResult } from './run';
export { datamodelDirectLogits, loadGroupWeights, scoreLogits, unlearnOriginals, type BudgetOutcome, type UnlearnOriginalsRequest, type UnlearnOriginalsResult } from './apply';
