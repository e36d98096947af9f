/** Public API of the datamodels (see docs/datamodels.md). */
export { buildDatamodels, datamodelSettings, readLdsPerTarget, subsetMask, DATAMODELS_KIND, SUBSET_MODELS_KIND, type DatamodelManifest, type DatamodelProgress, type DatamodelQuality, type DatamodelRequest, type DatamodelResult } from './datamodels';
export { BETA_FILE, BetaWriter, readBetaRows, sumBetaRows, type BetaRows } from './beta-file';
export { diffMeansFit, diffMeansFitter, fitAll, LassoProblem, predictWithFit, ridgeFit, RidgeProblem, sumRows, DEFAULT_LASSO_GRID, ESTIMATORS, TILE, type BlockFitter, type DatamodelFit, type Estimator } from './estimators';
export { linearDatamodelScore, spearman, type LdsResult } from './lds';
export { buildTrakDatamodels, trakSettings, DEFAULT_TRAK_MODELS, type TrakManifest, type TrakRequest, type TrakResult } from './trak';
export { DEFAULT_TRAK_SETTINGS, trakBeta, type TrakSettings } from './trak-scores';
