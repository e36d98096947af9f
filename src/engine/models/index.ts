import { UnlearnError } from '../errors';
import { buildCnn } from './cnn';
import { buildMlp } from './mlp';
import { buildResnet9 } from './resnet9';
import { modelSpecSchema, type ModelDef, type ModelSpec } from './types';

export * from './types';

/** Parses a model spec (with defaults filled in) or explains what is wrong with it. */
export function parseModelSpec(value: unknown): ModelSpec {
  const r = modelSpecSchema.safeParse(value);
  if (!r.success) throw new UnlearnError('bad-config', `invalid model spec: ${r.error.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function buildModel(spec: ModelSpec, inputShape: readonly number[], numClasses: number): ModelDef {
  switch (spec.kind) {
    case 'logreg':
      return buildMlp(spec, inputShape, numClasses, []);
    case 'mlp':
      return buildMlp(spec, inputShape, numClasses, spec.hidden);
    case 'cnn':
      if (inputShape.length !== 3) throw new UnlearnError('bad-config', `the cnn model needs image data; this dataset's inputs have shape [${inputShape.join(', ')}]`);
      return buildCnn(spec, inputShape, numClasses, spec.channels);
    case 'resnet9':
      if (inputShape.length !== 3) throw new UnlearnError('bad-config', `resnet9 needs image data; this dataset's inputs have shape [${inputShape.join(', ')}]`);
      return buildResnet9(spec, inputShape, numClasses, spec.width);
  }
}
