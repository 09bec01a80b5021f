import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { configSchema, parseConfig } from '../../../src/core/config/configFile';
import { validateAgainstSchema } from '../../../src/core/config/schemaValidate';

const valid = `image:
  repository: 123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app
  context: .
  dockerfile: Dockerfile
  tag: sha
gitops:
  repo: ../demo-app-gitops
  branch: main
environments:
  - name: dev
    file: envs/dev/values.yaml
    path: image.tag
    cluster: { context: eks-dev, namespace: dev }
    workload: deployment/demo-app
    argocd: { application: demo-app-dev, namespace: argocd }
  - name: staging
    file: envs/staging/values.yaml
    promoteFrom: dev
  - name: prod
    file: envs/prod/values.yaml
    promoteFrom: staging
    protected: true
`;

describe('parseConfig', () => {
  test('the design document example is valid', () => {
    const r = parseConfig(valid, '/app/gitops-pilot.yaml');
    assert.deepEqual(r.problems, []);
    assert.equal(r.config?.environments?.length, 3);
    assert.equal(r.config?.environments?.[2]?.protected, true);
  });

  test('an unknown key is reported at the key, with a suggestion', () => {
    const r = parseConfig(valid.replace('    promoteFrom: dev', '    promotFrom: dev'), '/app/gitops-pilot.yaml');
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1);
    const p = r.problems[0]!;
    assert.equal(p.kind, 'input');
    assert.deepEqual(p.location, { file: '/app/gitops-pilot.yaml', line: 18, col: 5 });
    assert.match(p.message, /environments\[1\]\.promotFrom unknown key "promotFrom" \(did you mean "promoteFrom"\?\)/);
  });

  test('a bad enum value is reported at the value', () => {
    const r = parseConfig(valid.replace('tag: sha', 'tag: git'), 'c.yaml');
    assert.equal(r.problems.length, 1);
    assert.deepEqual([r.problems[0]!.location?.line, r.problems[0]!.location?.col], [5, 8]);
    assert.match(r.problems[0]!.message, /image\.tag must be one of "sha", "branch-sha", "semver", "build"/);
  });

  test('a missing required key is reported at the item', () => {
    const r = parseConfig('environments:\n  - name: dev\n', 'c.yaml');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /environments\[0\] is missing the required key "file"/);
    assert.equal(r.problems[0]!.location?.line, 2);
  });

  test('path and kustomizeImage together are refused', () => {
    const r = parseConfig('environments:\n  - name: dev\n    file: a.yaml\n    path: image.tag\n    kustomizeImage: app\n', 'c.yaml');
    assert.match(r.problems.map((p) => p.message).join('\n'), /must not set "path" and "kustomizeImage" together/);
  });

  test('a malformed workload and a bad name are both reported', () => {
    const r = parseConfig('environments:\n  - name: "-dev"\n    file: a.yaml\n    workload: pod/x\n', 'c.yaml');
    assert.equal(r.problems.length, 2);
    assert.deepEqual(r.problems.map((p) => p.location?.line), [2, 4]);
  });

  test('malformed YAML gives one located problem', () => {
    const r = parseConfig('image:\n  repository: [x\n', 'c.yaml');
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.code, 'yaml.malformed');
    assert.ok(r.problems[0]!.location!.line >= 2);
  });

  test('an empty file is a valid, empty configuration', () => {
    const r = parseConfig('', 'c.yaml');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config, {});
  });
});

describe('the core validator agrees with ajv on the shipped schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const ajvValidate = ajv.compile(configSchema);
  const samples: unknown[] = [
    {},
    { image: { repository: 'demo-app' } },
    { image: { repository: 'Demo-App' } },
    { image: { repository: '127.0.0.1:5000/team/demo-app' } },
    { image: { repository: 'reg.io/demo:latest' } },
    { image: { tag: 'sha' } },
    { image: { tag: 'nightly' } },
    { image: { buildArgs: { A: '1' } } },
    { image: { buildArgs: { A: 1 } } },
    { image: { region: 'us-east-2', account: '123456789012' } },
    { image: { region: 'useast', account: '1234' } },
    { gitops: { repo: '../x', branch: 'main', remote: 'origin' } },
    { gitops: { branch: '-x' } },
    { gitops: { remote: '--upload-pack=evil' } },
    { gitops: { branch: 'feature/a b' } },
    { environments: [] },
    { environments: [{ name: 'dev' }] },
    { environments: [{ name: 'dev', file: 'a' }] },
    { environments: [{ name: 'dev', file: 'a', path: 'image.tag' }] },
    { environments: [{ name: 'dev', file: 'a', path: ['image', 'tag'] }] },
    { environments: [{ name: 'dev', file: 'a', path: [] }] },
    { environments: [{ name: 'dev', file: 'a', path: 'image..tag' }] },
    { environments: [{ name: 'dev', file: 'a', path: 3 }] },
    { environments: [{ name: 'dev', file: 'a', path: 'x', kustomizeImage: 'y' }] },
    { environments: [{ name: 'dev', file: 'a', kustomizeImage: 'y' }] },
    { environments: [{ name: 'dev', file: 'a', workload: 'rollout/demo' }] },
    { environments: [{ name: 'dev', file: 'a', workload: 'job/demo' }] },
    { environments: [{ name: 'dev', file: 'a', cluster: { context: 'c', namespace: 'Dev' } }] },
    { environments: [{ name: 'dev', file: 'a', argocd: { namespace: 'argocd' } }] },
    { environments: [{ name: 'dev', file: 'a', argocd: { application: 'x' } }] },
    { environments: [{ name: 'dev', file: 'a', flux: { kustomization: 'apps-dev' } }] },
    { environments: [{ name: 'dev', file: 'a', flux: { helmRelease: 'web', namespace: 'dev' } }] },
    { environments: [{ name: 'dev', file: 'a', flux: { kustomization: 'a', helmRelease: 'b' } }] },
    { environments: [{ name: 'dev', file: 'a', flux: { namespace: 'flux-system' } }] },
    { environments: [{ name: 'dev', file: 'a', flux: { kustomization: 'Apps_Dev' } }] },
    { environments: [{ name: 'dev', file: 'a', protected: 'yes' }] },
    { environments: [{ name: 'dev', file: 'a', healthUrl: 'ftp://x' }] },
    { environments: [{ name: 'dev', file: 'a', extra: 1 }] },
    { environments: [{ name: 'd'.repeat(64), file: 'a' }] },
    { unknown: true },
    [],
    'text',
    null,
  ];
  for (const s of samples) {
    test(JSON.stringify(s).slice(0, 80), () => {
      const ours = validateAgainstSchema(configSchema, s).length === 0;
      assert.equal(ours, ajvValidate(s), JSON.stringify(ajvValidate.errors));
    });
  }
});
