import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { jsonSchemas } from '../../scripts/json-schemas';
import { parseExperiment } from '../../src/protocol/experiment';

test('the contributed JSON Schemas match the zod schemas (regenerate with scripts/json-schemas.ts)', () => {
  for (const [name, text] of Object.entries(jsonSchemas())) {
    assert.equal(readFileSync(`media/schemas/${name}`, 'utf8'), text, `media/schemas/${name} is stale`);
  }
});

test('experiment files: defaults filled in, bad fields named', () => {
  const e = parseExperiment('{"version":1,"name":"quick-look","n":20}', 'a.experiment.json');
  assert.equal(e.preset, 'quick');
  assert.deepEqual(e.forgetSets, []);
  assert.throws(() => parseExperiment('{"version":1,"name":"x","n":0}', 'b.experiment.json'), /b\.experiment\.json: n:/);
  assert.throws(() => parseExperiment('{"version":1,"name":"x","methods":["Magic Method"]}', 'c.experiment.json'), /methods\.0/);
  // A plug-in unlearner's id is known only when its module loads: the file takes any id-shaped name.
  assert.deepEqual(parseExperiment('{"version":1,"name":"x","methods":["gd","random-labels"]}', 'e.experiment.json').methods, ['gd', 'random-labels']);
  assert.throws(() => parseExperiment('{', 'd.experiment.json'), /not valid JSON/);
  assert.throws(() => parseExperiment(' \n', 'f.experiment.json'), /^Error: f\.experiment\.json: the file is empty$/);
});
