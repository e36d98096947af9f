/**
 * The JSON Schemas VS Code uses to check experiment and forget-set files as they are edited
 * (contributes.jsonValidation), generated from the zod schemas the engine parses them with.
 *   node --import tsx scripts/json-schemas.ts   (rewrites media/schemas/*.schema.json)
 * A unit test fails when the checked-in files drift from the zod schemas.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { z } from 'zod';
import { ForgetSetSchema } from '../src/engine/forget/forget-set';
import { experimentSchema } from '../src/protocol/experiment';

export function jsonSchemas(): Record<string, string> {
  const one = (schema: z.ZodType, title: string) =>
    JSON.stringify({ title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) }, null, 2) + '\n';
  return {
    'experiment.schema.json': one(experimentSchema, 'Unlearning Workbench experiment'),
    'forget-set.schema.json': one(ForgetSetSchema, 'Unlearning Workbench forget set'),
  };
}

if (process.argv[1]?.endsWith('json-schemas.ts')) {
  mkdirSync('media/schemas', { recursive: true });
  for (const [name, text] of Object.entries(jsonSchemas())) writeFileSync(`media/schemas/${name}`, text);
}
