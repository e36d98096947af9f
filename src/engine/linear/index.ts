/** The linear-model study (SPEC §7): settings, the runner and its output formats. */
export { linearSettingsSchema, parseLinearSettings, linearSettingsHash } from './settings';
export type { LinearSettings, LinearSettingsInput } from './settings';
export { runLinearStudy, recordSteps } from './study';
export type { LinearStudyResult, LinearMethodCurve, LinearDivergence, LinearStudyOptions } from './study';
