/**
 * The Docker CLI client as data: the arguments each call gives docker, and the parsers of its output,
 * on output recorded from the real CLIs on this machine (test/fixtures/docker: docker 28.x with the
 * classic builder, Debian's docker 20.10 with the classic builder and with BuildKit) and on modern buildx
 * output as users report it. The integration tests run the same parsers on live docker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import {
  analyseBuildFailure,
  BuildOutputParser,
  buildCall,
  describeStep,
  imageIdCall,
  listImagesCall,
  loginCall,
  parseImageList,
  pushCall,
  PushOutputParser,
  serverVersionCall,
  tagCall,
} from '../../../src/core/images/docker';
import { stripAnsi, type ProcessResult } from '../../../src/core/util/process';
import { repoRoot } from '../../support/paths';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test/fixtures/docker', `${name}.txt`), 'utf8');

/** A recorded run: all output (docker's streams interleaved as recorded) and the exit code on the last line. */
function recorded(name: string): ProcessResult {
  const text = fixture(name);
  const code = Number(/rc=(\d+)\s*$/.exec(text)?.[1] ?? 1);
  // what the parsers see: runProcess removes colour codes (the classic builder colours a RUN's stderr)
  const out = stripAnsi(text.replace(/rc=\d+\s*$/, ''));
  return { code, signal: null, stdout: out, stderr: '', timedOut: false, durationMs: 1 };
}

function result(code: number, stdout: string, stderr = '', timedOut: ProcessResult['timedOut'] = false): ProcessResult {
  return { code, signal: null, stdout, stderr, timedOut, durationMs: 1 };
}

function parse(name: string): BuildOutputParser {
  const p = new BuildOutputParser();
  for (const l of recorded(name).stdout.split('\n')) p.push(l);
  return p;
}

function errorOf(fn: () => unknown): PilotError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PilotError, `expected a PilotError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('buildCall', () => {
  test('arguments: absolute paths, no tags (tagged after success), build args, labels, target, platform', () => {
    const c = buildCall({
      context: '/w/app',
      dockerfile: '/w/app/docker/Dockerfile',
      iidFile: '/tmp/iid',
      buildArgs: { VERSION: '1.2.3', NOTE: 'a b $(c)' },
      labels: { 'org.opencontainers.image.revision': 'abc' },
      target: 'runtime',
      platform: 'linux/amd64',
    });
    assert.deepEqual(c.args, [
      'build', '--file', '/w/app/docker/Dockerfile', '--iidfile', '/tmp/iid', '--force-rm',
      '--build-arg', 'VERSION=1.2.3', '--build-arg', 'NOTE=a b $(c)',
      '--label', 'org.opencontainers.image.revision=abc',
      '--target', 'runtime', '--platform', 'linux/amd64',
      '/w/app',
    ]);
    assert.ok(!c.args.includes('-t') && !c.args.includes('--tag'));
  });

  test('refuses build arg names, targets and platforms that could be read as something else', () => {
    const base = { context: '/w', dockerfile: '/w/Dockerfile', iidFile: '/tmp/i' };
    assert.equal(errorOf(() => buildCall({ ...base, buildArgs: { '--network': 'host' } })).code, 'build.badBuildArg');
    assert.equal(errorOf(() => buildCall({ ...base, buildArgs: { 'A=B': 'c' } })).code, 'build.badBuildArg');
    assert.equal(errorOf(() => buildCall({ ...base, target: '--output=/' })).code, 'build.badTarget');
    assert.equal(errorOf(() => buildCall({ ...base, platform: 'linux/amd64 --push' })).code, 'build.badPlatform');
    assert.equal(errorOf(() => buildCall({ ...base, context: 'relative' })).code, 'build.relativePath');
    assert.doesNotThrow(() => buildCall({ ...base, platform: 'linux/arm64/v8,linux/amd64' }));
  });
});

describe('classic builder output (docker 28.x and 20.10)', () => {
  for (const cli of ['classic28', 'classic20']) {
    test(`${cli}: steps "Step N/M: …", the image id, RUN output under its step`, () => {
      const p = parse(`${cli}-ok`);
      assert.equal(p.builder, 'classic');
      assert.deepEqual(p.steps.map((s) => describeStep(s, p.builder)), [
        'Step 1/6: FROM gitops-pilot/busybox-base:3d06a6398de7',
        'Step 2/6: ARG VERSION=dev',
        'Step 3/6: RUN echo "building $VERSION" && mkdir -p /app',
        'Step 4/6: COPY app.txt /app/',
        'Step 5/6: RUN echo to-stderr 1>&2; echo failing',
        'Step 6/6: CMD ["/bin/sh"]',
      ]);
      assert.match(p.imageId ?? '', /^[0-9a-f]{12}$/);
      assert.match(p.steps[2]!.output.join('\n'), /^building 1\.0\.\d+$/);
      assert.deepEqual(p.steps[4]!.output, ['to-stderr', 'failing']);
      assert.equal(p.progressMessage(), 'Step 6/6: CMD ["/bin/sh"]');
    });

    test(`${cli}: a failing RUN names its step, the exit code and the last lines`, () => {
      const info = analyseBuildFailure(recorded(`${cli}-run-fails`).stdout);
      assert.equal(info.step, 'Step 5/6: RUN echo to-stderr 1>&2; echo failing; exit 3');
      assert.equal(info.message, "The command '/bin/sh -c echo to-stderr 1>&2; echo failing; exit 3' returned a non-zero code: 3");
      assert.equal(info.exitCode, 3);
      assert.ok(info.lines.some((l) => l.includes('failing')));
    });

    test(`${cli}: COPY of a missing file`, () => {
      const info = analyseBuildFailure(recorded(`${cli}-copy-missing`).stdout);
      assert.equal(info.step, 'Step 3/3: COPY nope.txt /app/');
      assert.match(info.message, /^COPY failed: file not found in build context/);
    });

    test(`${cli}: multi-stage`, () => {
      const p = parse(`${cli}-multistage`);
      assert.equal(p.steps.length, 6);
      assert.equal(describeStep(p.steps[0]!, p.builder), 'Step 1/6: FROM gitops-pilot/busybox-base:3d06a6398de7 AS build');
    });
  }

  test('the deprecation notice of docker 28 is not taken for output or an error', () => {
    const p = parse('classic28-ok');
    assert.ok(!p.steps.some((s) => s.output.some((l) => /DEPRECATED|buildx/.test(l))));
    assert.deepEqual(p.trailing, []);
  });

  test('a Dockerfile parse error has no step and says what is wrong', () => {
    const info = analyseBuildFailure(recorded('classic28-parse').stdout);
    assert.equal(info.step, undefined);
    assert.equal(info.message, 'dockerfile parse error line 2: unknown instruction: FOO');
  });

  test('a base image that cannot be pulled points at the FROM line', () => {
    const e = errorOf(() => buildCall({ context: '/w', dockerfile: '/w/Dockerfile', iidFile: '/tmp/i' }).parse(recorded('classic28-pull')));
    assert.equal(e.code, 'build.failed');
    assert.match(e.message, /at Step 1\/2: FROM nosuchbase\/image:1/);
    assert.match(e.hint ?? '', /base image could not be pulled/);
  });
});

describe('BuildKit output (docker 20.10 with DOCKER_BUILDKIT=1, and buildx)', () => {
  test('steps "[i/n] …" with internal steps, cached steps, the image id', () => {
    const p = parse('bk20-ok');
    assert.equal(p.builder, 'buildkit');
    const shown = p.steps.map((s) => describeStep(s, p.builder));
    assert.deepEqual(shown.filter((s) => /^\[\d/.test(s)), [
      '[1/4] FROM docker.io/gitops-pilot/busybox-base:3d06a6398de7',
      '[2/4] RUN echo "building 1.0.' + /building 1\.0\.(\d+)/.exec(shown.join('\n'))![1] + '" && mkdir -p /app',
      '[3/4] COPY app.txt /app/',
      '[4/4] RUN echo to-stderr 1>&2; echo failing',
    ]);
    assert.ok(shown.includes('[internal] load build definition from Dockerfile'));
    assert.ok(p.steps[3]?.cached || p.steps.some((s) => s.cached));
    assert.match(p.imageId ?? '', /^sha256:[0-9a-f]{64}$/);
    const run = p.steps.find((s) => s.text.startsWith('RUN echo to-stderr'))!;
    assert.deepEqual(run.output.filter((l) => /failing|to-stderr/.test(l)).sort(), ['failing', 'to-stderr']);
  });

  test('multi-stage steps carry the stage name', () => {
    const p = parse('bk20-multistage');
    const shown = p.steps.map((s) => describeStep(s, p.builder));
    assert.ok(shown.includes('[build 2/2] COPY app.txt /out.txt'), shown.join('\n'));
    assert.ok(shown.includes('[stage-1 2/3] COPY --from=build /out.txt /app/'));
  });

  test('a failing RUN names its step and BuildKit\'s error, not the summary block', () => {
    const info = analyseBuildFailure(recorded('bk20-run-fails').stdout);
    assert.equal(info.step, '[4/4] RUN echo to-stderr 1>&2; echo failing; exit 3');
    assert.equal(info.message, 'executor failed running [/bin/sh -c echo to-stderr 1>&2; echo failing; exit 3]: exit code: 3');
    assert.equal(info.exitCode, 3);
    assert.deepEqual([...info.lines].sort(), ['failing', 'to-stderr']);
  });

  test('COPY of a missing file, parse errors and unreachable base images', () => {
    assert.equal(analyseBuildFailure(recorded('bk20-copy-missing').stdout).step, '[3/3] COPY nope.txt /app/');
    assert.match(analyseBuildFailure(recorded('bk20-copy-missing').stdout).message, /failed to compute cache key: "\/nope\.txt" not found/);
    assert.match(analyseBuildFailure(recorded('bk20-parse').stdout).message, /dockerfile parse error line 2: unknown instruction: FOO/);
    const pull = errorOf(() => buildCall({ context: '/w', dockerfile: '/w/Dockerfile', iidFile: '/tmp/i' }).parse(recorded('bk20-pull')));
    assert.match(pull.message, /\[internal\] load metadata for docker\.io\/nosuchbase\/image:1/);
    assert.match(pull.hint ?? '', /base image/);
  });

  test('modern buildx output: "process … did not complete successfully" and the Dockerfile excerpt', () => {
    const out = [
      '#0 building with "default" instance using docker driver',
      '',
      '#1 [internal] load build definition from Dockerfile',
      '#1 transferring dockerfile: 155B done',
      '#1 DONE 0.0s',
      '',
      '#5 [2/3] RUN make build',
      '#5 0.412 make: *** No rule to make target \'build\'.  Stop.',
      '#5 ERROR: process "/bin/sh -c make build" did not complete successfully: exit code: 2',
      '------',
      ' > [2/3] RUN make build:',
      "0.412 make: *** No rule to make target 'build'.  Stop.",
      '------',
      'Dockerfile:2',
      '--------------------',
      '   1 |     FROM scratch',
      '   2 | >>> RUN make build',
      '   3 |     COPY . /app',
      '--------------------',
      'ERROR: failed to solve: process "/bin/sh -c make build" did not complete successfully: exit code: 2',
    ].join('\n');
    const info = analyseBuildFailure(out);
    assert.equal(info.step, '[2/3] RUN make build');
    assert.equal(info.message, 'failed to solve: process "/bin/sh -c make build" did not complete successfully: exit code: 2');
    assert.equal(info.exitCode, 2);
    assert.deepEqual(info.lines, ["make: *** No rule to make target 'build'.  Stop."]);
  });

  test('progress follows the step whose output arrives (interleaved vertices)', () => {
    const p = new BuildOutputParser();
    const changes = ['#4 [1/3] FROM x', '#5 [2/3] RUN a', '#6 [3/3] RUN b', '#5 0.1 out-a', '#5 0.2 more-a', '#6 0.3 out-b'].map((l) => p.push(l));
    assert.deepEqual(changes, [true, true, true, true, false, true]);
    assert.equal(p.progressMessage(), '[3/3] RUN b');
    assert.deepEqual(p.steps[1]!.output, ['out-a', 'more-a']);
  });
});

describe('build failures as PilotErrors', () => {
  const call = () => buildCall({ context: '/w', dockerfile: '/w/Dockerfile', iidFile: '/tmp/i' });

  test('a failed step: its name in the message, its last lines in the hint', () => {
    const e = errorOf(() => call().parse(recorded('classic20-run-fails')));
    assert.equal(e.code, 'build.failed');
    assert.equal(e.kind, 'failed');
    assert.match(e.message, /^docker build failed at Step 5\/6: RUN echo to-stderr 1>&2; echo failing; exit 3: The command/);
    assert.match(e.hint ?? '', /failing/);
  });

  test('the daemon is not running (both CLIs)', () => {
    for (const f of ['daemon-down28', 'daemon-down20']) {
      const e = errorOf(() => call().parse(recorded(f)));
      assert.equal(e.code, 'docker.daemonDown', f);
      assert.match(e.hint ?? '', /Start Docker/);
    }
  });

  test('the daemon went away during the build', () => {
    const out = ['Step 1/2 : FROM base', ' ---> e27c6027f882', 'Step 2/2 : RUN sleep 20', ' ---> Running in 3ae46404a961', 'start'].join('\n');
    const e = errorOf(() => call().parse(result(1, out, 'unexpected EOF\n')));
    assert.equal(e.code, 'docker.daemonStopped');
    assert.match(e.message, /at Step 2\/2: RUN sleep 20/);
  });

  test('permission denied on the socket, and BuildKit without buildx', () => {
    assert.equal(errorOf(() => call().parse(result(1, '', 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/_ping": dial unix /var/run/docker.sock: connect: permission denied\n'))).code, 'docker.permissionDenied');
    assert.equal(errorOf(() => call().parse(result(1, '', 'ERROR: BuildKit is enabled but the buildx component is missing or broken.\n'))).code, 'docker.noBuildx');
  });
});

describe('docker push output', () => {
  const fresh = [
    'The push refers to repository [127.0.0.1:40409/demo-app]',
    '5f70bf18a086: Preparing',
    '2e8ec02cda04: Preparing',
    'f532d72fe907: Preparing',
    'c265cbb16d3c: Preparing',
    '5f70bf18a086: Retrying in 5 seconds',
    '2e8ec02cda04: Pushed',
    'f532d72fe907: Mounted from immut',
    'c265cbb16d3c: Layer already exists',
    '5f70bf18a086: Retrying in 1 second',
    '5f70bf18a086: Pushed',
    'a1: digest: sha256:d8415fc0cdb47e27ff32dedc3c7390299d25270db5f4b517d80ec4fef172d1f7 size: 1148',
  ];

  test('layer states, a summary for the progress notification, the digest', () => {
    const p = new PushOutputParser();
    const seen: string[] = [];
    for (const l of fresh) if (p.push(l)) seen.push(p.progressMessage());
    assert.equal(p.repository, '127.0.0.1:40409/demo-app');
    assert.ok(seen.includes('0/4 layers, 1 retrying'));
    assert.ok(seen.includes('3/4 layers, 2 already in the registry, 1 retrying'));
    assert.deepEqual(p.counts(), { total: 4, pushed: 2, existing: 2, retrying: 0, pending: 0 });
    assert.equal(p.longestRetryWait, 5, 'one retry round (docker waits 5 s before the first)');
    p.push('5f70bf18a086: Retrying in 10 seconds');
    assert.equal(p.longestRetryWait, 10, 'a second round starts at 10 s');
    assert.deepEqual(p.digest, { tag: 'a1', digest: 'sha256:d8415fc0cdb47e27ff32dedc3c7390299d25270db5f4b517d80ec4fef172d1f7', size: 1148 });
  });

  test('pushCall: arguments and the parsed result', () => {
    const c = pushCall('127.0.0.1:40409/demo-app:a1');
    assert.deepEqual(c.args, ['push', '127.0.0.1:40409/demo-app:a1']);
    const r = c.parse(result(0, `${fresh.join('\n')}\n`));
    assert.equal(r.digest, 'sha256:d8415fc0cdb47e27ff32dedc3c7390299d25270db5f4b517d80ec4fef172d1f7');
    assert.equal(r.layers.total, 4);
  });

  test('a push that ends without a digest is not reported as pushed', () => {
    assert.equal(errorOf(() => pushCall('r.example.com/a:1').parse(result(0, 'The push refers to repository [r.example.com/a]\n'))).code, 'push.noDigest');
  });

  test('pushCall refuses references that are not repository:tag', () => {
    assert.equal(errorOf(() => pushCall('--all-tags')).code, 'image.invalidReference');
    assert.equal(errorOf(() => pushCall('r.example.com/a')).code, 'image.invalidReference');
    assert.equal(errorOf(() => pushCall('r.example.com/a:-x')).code, 'image.invalidReference');
  });

  const failures: [string, string, string, RegExp][] = [
    ['name unknown: The repository with name \'nope\' does not exist in the registry with id \'123456789012\'', 'registry.repositoryMissing', 'nope', /does not exist/],
    ["tag invalid: The image tag 'a1' already exists in the 'immut' repository and cannot be overwritten because the repository is immutable.", 'registry.tagImmutable', 'immut', /immutable/],
    ['denied: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/demo-app', 'registry.accessDenied', 'demo-app', /ecr:PutImage/],
    ['denied: Your authorization token has expired. Reauthenticate and try again.', 'registry.tokenExpired', 'demo-app', /expired/],
    ['error parsing HTTP 403 response body: unexpected end of JSON input: ""', 'registry.tokenExpired', 'demo-app', /expired/],
    ['received unexpected HTTP status: 503 Service Unavailable', 'registry.serverError', 'demo-app', /HTTP 503/],
    ['toomanyrequests: service unavailable', 'registry.throttled', 'demo-app', /429 Too Many Requests/],
    ['Get "http://127.0.0.1:40409/v2/": dial tcp 127.0.0.1:40409: connect: connection refused', 'registry.unreachable', 'demo-app', /cannot be reached/],
    ['tag does not exist: 127.0.0.1:40409/demo-app:zzz', 'image.notBuilt', 'demo-app', /not a local image/],
    ['no basic auth credentials', 'registry.unauthorized', 'demo-app', /credentials/],
    ['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 'docker.daemonDown', 'demo-app', /not running/],
  ];
  for (const [stderr, code, repo, message] of failures) {
    test(`push failure → ${code}: ${stderr.slice(0, 50)}…`, () => {
      const e = errorOf(() => pushCall(`127.0.0.1:40409/${repo}:a1`).parse(result(1, 'The push refers to repository [x]\n', `${stderr}\n`)));
      assert.equal(e.code, code);
      assert.match(e.message, message);
      assert.ok(e.hint, 'says what to do');
    });
  }

  test('the registry in a failure is the one docker contacts: docker.io for nginx:1 and org/app:1', () => {
    const refused = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    for (const [ref, registry, repository] of [['nginx:1', 'docker.io', 'nginx'], ['org/app:1', 'docker.io', 'org/app'], ['localhost:5000/app:1', 'localhost:5000', 'localhost:5000/app'], ['ghcr.io/org/app:1', 'ghcr.io', 'ghcr.io/org/app']]) {
      const e = errorOf(() => pushCall(ref!).parse(result(1, '', `${refused}\n`)));
      assert.equal(e.code, 'registry.unreachable');
      assert.match(e.message, new RegExp(`the registry ${registry!.replace(/\./g, '\\.')} cannot`), e.message);
      const missing = errorOf(() => pushCall(ref!).parse(result(1, '', 'name unknown: repository does not exist\n')));
      assert.match(missing.message, new RegExp(`repository ${repository!.replace(/\./g, '\\.')} does not exist`), missing.message);
    }
  });

  test('a push stopped for silence is a registry timeout', () => {
    assert.equal(errorOf(() => pushCall('127.0.0.1:1/a:b').parse(result(null as unknown as number, 'x: Pushing\n', '', 'idle'))).code, 'registry.timeout');
  });
});

describe('other calls', () => {
  test('login: the password is stdin input, never an argument', () => {
    const c = loginCall('127.0.0.1:5000', 'AWS', 'p4ssw0rd-token');
    assert.deepEqual(c.args, ['login', '--username', 'AWS', '--password-stdin', '127.0.0.1:5000']);
    assert.equal(c.input, 'p4ssw0rd-token');
    assert.ok(!c.args.some((a) => a.includes('p4ssw0rd')));
    assert.equal(errorOf(() => c.parse(result(1, '', 'Error response from daemon: login attempt to http://127.0.0.1:5000/v2/ failed with status: 403 Forbidden\n'))).code, 'registry.tokenExpired');
    assert.equal(errorOf(() => c.parse(result(1, '', 'Error response from daemon: Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused\n'))).code, 'registry.unreachable');
    assert.equal(errorOf(() => c.parse(result(1, '', 'Error response from daemon: login attempt to http://127.0.0.1:5000/v2/ failed with status: 500 Internal Server Error\n'))).code, 'registry.serverError');
    assert.equal(errorOf(() => loginCall('--insecure', 'AWS', 'x')).code, 'registry.invalidHost');
  });

  test('tag, image id, version, image list', () => {
    assert.deepEqual(tagCall('sha256:abc', 'r.example.com/a:1').args, ['tag', 'sha256:abc', 'r.example.com/a:1']);
    assert.equal(errorOf(() => tagCall('sha256:abc', 'r.example.com/a:-1')).code, 'image.invalidReference');
    assert.equal(imageIdCall('r/a:1').parse(result(0, 'sha256:abc\n')), 'sha256:abc');
    assert.equal(imageIdCall('r/a:1').parse(result(1, '', 'Error response from daemon: No such image: r/a:1\n')), undefined);
    assert.equal(serverVersionCall().parse(result(0, '20.10.24+dfsg1\n')), '20.10.24+dfsg1');
    assert.equal(errorOf(() => serverVersionCall().parse(result(1, '', 'Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?\n'))).code, 'docker.daemonDown');
    assert.deepEqual(listImagesCall('127.0.0.1:5000/demo-app').args, ['image', 'ls', '--no-trunc', '--format', '{{json .}}', '127.0.0.1:5000/demo-app']);
    const list = parseImageList('{"Containers":"N/A","CreatedAt":"2026-12-02 07:00:10 +0000 UTC","ID":"sha256:050827","Repository":"127.0.0.1:5000/demo-app","Size":"1.98MB","Tag":"a1"}\n{"ID":"sha256:1","Repository":"127.0.0.1:5000/demo-app","Tag":"<none>"}\nWARNING x\n');
    assert.deepEqual(list, [{ id: 'sha256:050827', repository: '127.0.0.1:5000/demo-app', tag: 'a1', createdAt: '2026-12-02 07:00:10 +0000 UTC', size: '1.98MB' }]);
  });
});
