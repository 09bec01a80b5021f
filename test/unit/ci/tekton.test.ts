/** Generated Tekton Pipelines against the Pipeline CRD's schema (test/fixtures/tekton/pipeline_v1.json). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { detectTests } from '../../../src/core/ci/detect';
import { generateCi } from '../../../src/core/ci/index';
import { planCi } from '../../../src/core/ci/plan';
import { repoRoot } from '../../support/paths';
import { tempDir } from '../../support/tmp';
import { sampleProject } from './fixture';

// draft-04 in its $schema; the keywords it uses mean the same in ajv's default draft. x-kubernetes-* are annotations.
const { $schema: _draft, ...crd } = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/tekton/pipeline_v1.json'), 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ strict: false, allErrors: true }).compile(crd);

describe('Tekton Pipelines against the CRD schema', () => {
  const tmp = tempDir('gitops-pilot-tekton-');
  after(tmp.cleanup);

  test('every generated Pipeline is valid; the PipelineRuns reference them', async () => {
    for (const [i, opts] of [{}, { repo: '.' }, { prodWorkload: false }].entries()) {
      const project = await sampleProject(join(tmp.dir, `p${i}`), opts);
      const files = generateCi('tekton', planCi(project, { tests: await detectTests(project.root), gitopsUrl: 'https://git.example.invalid/gitops.git' }));
      const pipelines = files.map((f) => parse(f.text) as { kind: string; metadata: { name?: string; generateName?: string }; spec: { pipelineRef?: { name: string } } }).filter((d) => d.kind === 'Pipeline');
      assert.equal(pipelines.length, 2);
      for (const p of pipelines) assert.ok(validate(p), `${p.metadata.name}: ${JSON.stringify(validate.errors, null, 1)}`);
      const runs = files.map((f) => parse(f.text) as { kind: string; spec: { pipelineRef: { name: string } } }).filter((d) => d.kind === 'PipelineRun');
      assert.deepEqual(runs.map((r) => r.spec.pipelineRef.name), pipelines.map((p) => p.metadata.name));
    }
  });

  test('a field the CRD does not have is refused (the check can fail)', async () => {
    const project = await sampleProject(join(tmp.dir, 'bad'));
    const [file] = generateCi('tekton', planCi(project, { tests: await detectTests(project.root) }));
    const doc = parse(file!.text) as { spec: { tasks: Record<string, unknown>[] } };
    doc.spec.tasks[1]!.runAftr = ['test'];
    assert.equal(validate(doc), false);
    assert.match(JSON.stringify(validate.errors), /additionalProperties/);
  });
});
