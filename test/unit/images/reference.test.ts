/**
 * The image reference grammar against the tables of distribution's reference package
 * (reference/regexp_test.go and reference/reference_test.go), plus the OCI digest grammar, tag
 * validation messages and the mutable-tag heuristics.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PilotError } from '../../../src/core/errors';
import {
  DOMAIN_REGEXP,
  NAME_REGEXP,
  REFERENCE_REGEXP,
  formatImageReference,
  isMutableTag,
  isValidDigest,
  isValidRepository,
  isValidTag,
  parseImageReference,
  registryOf,
  tryParseImageReference,
  validateDigest,
  validateRepository,
  validateTag,
} from '../../../src/core/images/reference';

const sha256 = (c: string) => `sha256:${c.repeat(64)}`;
const f64 = 'f'.repeat(64);

function isInputError(code: string) {
  return (e: unknown) => e instanceof PilotError && e.kind === 'input' && e.code === code;
}

describe('DOMAIN_REGEXP (distribution TestDomainRegexp)', () => {
  const table: [string, boolean][] = [
    ['test.com', true],
    ['test.com:10304', true],
    ['test.com:http', false],
    ['localhost', true],
    ['localhost:8080', true],
    ['a', true],
    ['a.b', true],
    ['ab.cd.com', true],
    ['a-b.com', true],
    ['-ab.com', false],
    ['ab-.com', false],
    ['ab.c-om', true],
    ['ab.-com', false],
    ['ab.com-', false],
    ['0101.com', true],
    ['001a.com', true],
    ['b.gbc.io:443', true],
    ['b.gbc.io', true],
    ['xn--n3h.com', true],
    ['Asdf.com', true],
    ['192.168.1.1:75050', true],
    ['192.168.1.1:750050', true],
    ['[fd00:1:2::3]:75050', true],
    ['[fd00:1:2::3]75050', false],
    ['[fd00:1:2::3]::75050', false],
    ['[fd00:1:2::3%eth0]:75050', false],
    ['[fd00123123123]:75050', true],
    ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050', true],
    ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505', true],
    ['fd00:1:2::3:75050', false],
  ];
  for (const [input, match] of table) {
    test(`${input} → ${match}`, () => assert.equal(DOMAIN_REGEXP.test(input), match));
  }
});

describe('NAME_REGEXP (distribution TestFullNameRegexp)', () => {
  const table: [string, false | [string, string]][] = [
    ['', false],
    ['short', ['', 'short']],
    ['simple/name', ['simple', 'name']],
    ['library/ubuntu', ['library', 'ubuntu']],
    ['docker/stevvooe/app', ['docker', 'stevvooe/app']],
    ['aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb', ['aa', 'aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb']],
    ['aa/aa/bb/bb/bb', ['aa', 'aa/bb/bb/bb']],
    ['a/a/a/a', ['a', 'a/a/a']],
    ['a/a/a/a/', false],
    ['a//a/a', false],
    ['a', ['', 'a']],
    ['a/aa', ['a', 'aa']],
    ['a/aa/a', ['a', 'aa/a']],
    ['foo.com', ['', 'foo.com']],
    ['foo.com/', false],
    ['foo.com:8080/bar', ['foo.com:8080', 'bar']],
    ['foo.com:http/bar', false],
    ['foo.com/bar', ['foo.com', 'bar']],
    ['foo.com/bar/baz', ['foo.com', 'bar/baz']],
    ['localhost:8080/bar', ['localhost:8080', 'bar']],
    ['sub-dom1.foo.com/bar/baz/quux', ['sub-dom1.foo.com', 'bar/baz/quux']],
    ['blog.foo.com/bar/baz', ['blog.foo.com', 'bar/baz']],
    ['a^a', false],
    ['aa/asdf$$^/aa', false],
    ['asdf$$^/aa', false],
    ['aa-a/a', ['aa-a', 'a']],
    [`${'a/'.repeat(128)}a`, ['a', `${'a/'.repeat(127)}a`]],
    ['a-/a/a/a', false],
    ['foo.com/a-/a/a', false],
    ['-foo/bar', false],
    ['foo/bar-', false],
    ['foo-/bar', false],
    ['foo/-bar', false],
    ['_foo/bar', false],
    ['foo_bar', ['', 'foo_bar']],
    ['foo_bar.com', ['', 'foo_bar.com']],
    ['foo_bar.com:8080', false],
    ['foo_bar.com:8080/app', false],
    ['foo.com/foo_bar', ['foo.com', 'foo_bar']],
    ['____/____', false],
    ['_docker/_docker', false],
    ['docker_/docker_', false],
    ['b.gcr.io/test.example.com/my-app', ['b.gcr.io', 'test.example.com/my-app']],
    ['xn--n3h.com/myimage', ['xn--n3h.com', 'myimage']],
    ['xn--7o8h.com/myimage', ['xn--7o8h.com', 'myimage']],
    ['example.com/xn--7o8h.com/myimage', ['example.com', 'xn--7o8h.com/myimage']],
    ['example.com/some_separator__underscore/myimage', ['example.com', 'some_separator__underscore/myimage']],
    ['example.com/__underscore/myimage', false],
    ['example.com/..dots/myimage', false],
    ['example.com/.dots/myimage', false],
    ['example.com/nodouble..dots/myimage', false],
    ['docker./docker', false],
    ['.docker/docker', false],
    ['docker-/docker', false],
    ['-docker/docker', false],
    ['do..cker/docker', false],
    ['do__cker:8080/docker', false],
    ['do__cker/docker', ['', 'do__cker/docker']],
    ['registry.io/foo/project--id.module--name.ver---sion--name', ['registry.io', 'foo/project--id.module--name.ver---sion--name']],
    ['Asdf.com/foo/bar', ['Asdf.com', 'foo/bar']],
    ['Foo/FarB', false],
  ];
  for (const [input, subs] of table) {
    test(`${input.length > 60 ? `${input.slice(0, 60)}…` : JSON.stringify(input)}`, () => {
      const m = NAME_REGEXP.exec(input);
      if (subs === false) assert.equal(m, null);
      else {
        assert.ok(m, 'matches');
        assert.deepEqual([m[1] ?? '', m[2]], subs);
      }
    });
  }
});

describe('REFERENCE_REGEXP (distribution TestReferenceRegexp)', () => {
  const d = 'sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912';
  const table: [string, false | [string, string, string]][] = [
    ['registry.com:8080/myapp:tag', ['registry.com:8080/myapp', 'tag', '']],
    [`registry.com:8080/myapp@${d}`, ['registry.com:8080/myapp', '', d]],
    [`registry.com:8080/myapp:tag2@${d}`, ['registry.com:8080/myapp', 'tag2', d]],
    ['registry.com:8080/myapp@sha256:badbadbadbad', false],
    ['registry.com:8080/myapp:invalid~tag', false],
    ['bad_hostname.com:8080/myapp:tag', false],
    [`localhost:8080@${d}`, ['localhost', '8080', d]],
    [`localhost:8080/name@${d}`, ['localhost:8080/name', '', d]],
    [`localhost:http/name@${d}`, false],
    [`localhost@${d}`, ['localhost', '', d]],
    ['registry.com:8080/myapp@bad', false],
    ['registry.com:8080/myapp@2bad', false],
  ];
  for (const [input, subs] of table) {
    test(input, () => {
      const m = REFERENCE_REGEXP.exec(input);
      if (subs === false) assert.equal(m, null);
      else {
        assert.ok(m);
        assert.deepEqual([m[1], m[2] ?? '', m[3] ?? ''], subs);
      }
    });
  }
});

describe('parseImageReference (distribution TestReferenceParse)', () => {
  type Row = { input: string; err?: true; repository?: string; domain?: string; tag?: string; digest?: string };
  const table: Row[] = [
    { input: 'test_com', repository: 'test_com' },
    { input: 'test.com:tag', repository: 'test.com', tag: 'tag' },
    { input: 'test.com:5000', repository: 'test.com', tag: '5000' },
    { input: 'test.com/repo:tag', domain: 'test.com', repository: 'test.com/repo', tag: 'tag' },
    { input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
    { input: 'test:5000/repo:tag', domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' },
    { input: `test:5000/repo@sha256:${f64}`, domain: 'test:5000', repository: 'test:5000/repo', digest: `sha256:${f64}` },
    { input: `test:5000/repo:tag@sha256:${f64}`, domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag', digest: `sha256:${f64}` },
    { input: '', err: true },
    { input: ':justtag', err: true },
    { input: `@sha256:${f64}`, err: true },
    { input: `repo@sha256:${'f'.repeat(34)}`, err: true }, // ErrDigestInvalidLength
    { input: `validname@invaliddigest:${f64}`, err: true }, // ErrDigestUnsupported
    { input: 'Uppercase:tag', err: true }, // ErrNameContainsUppercase
    { input: 'test:5000/Uppercase/lowercase:tag', err: true },
    { input: 'lowercase:Uppercase', repository: 'lowercase', tag: 'Uppercase' },
    { input: `${'a/'.repeat(128)}a:tag`, err: true }, // ErrNameTooLong
    { input: `${'a/'.repeat(127)}a:tag-puts-this-over-max`, domain: 'a', repository: `${'a/'.repeat(127)}a`, tag: 'tag-puts-this-over-max' },
    { input: 'aa/asdf$$^/aa', err: true },
    { input: 'sub-dom1.foo.com/bar/baz/quux', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux' },
    { input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux', tag: 'some-long-tag' },
    { input: 'b.gcr.io/test.example.com/my-app:test.example.com', domain: 'b.gcr.io', repository: 'b.gcr.io/test.example.com/my-app', tag: 'test.example.com' },
    { input: 'xn--n3h.com/myimage:xn--n3h.com', domain: 'xn--n3h.com', repository: 'xn--n3h.com/myimage', tag: 'xn--n3h.com' },
    {
      input: `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`,
      domain: 'xn--7o8h.com',
      repository: 'xn--7o8h.com/myimage',
      tag: 'xn--7o8h.com',
      digest: `sha512:${'f'.repeat(128)}`,
    },
    { input: 'foo_bar.com:8080', repository: 'foo_bar.com', tag: '8080' },
    { input: 'foo/foo_bar.com:8080', domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' },
    { input: '192.168.1.1', repository: '192.168.1.1' },
    { input: '192.168.1.1:tag', repository: '192.168.1.1', tag: 'tag' },
    { input: '192.168.1.1:5000', repository: '192.168.1.1', tag: '5000' },
    { input: '192.168.1.1/repo', domain: '192.168.1.1', repository: '192.168.1.1/repo' },
    { input: '192.168.1.1:5000/repo', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo' },
    { input: '192.168.1.1:5000/repo:5050', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo', tag: '5050' },
    { input: '[2001:db8::1]', err: true },
    { input: '[2001:db8::1]:5000', err: true },
    { input: '[2001:db8::1]:tag', err: true },
    { input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' },
    { input: '[2001:db8:1:2:3:4:5:6]/repo:tag', domain: '[2001:db8:1:2:3:4:5:6]', repository: '[2001:db8:1:2:3:4:5:6]/repo', tag: 'tag' },
    { input: '[2001:db8::1]:5000/repo', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo' },
    { input: '[2001:db8::1]:5000/repo:tag', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag' },
    { input: `[2001:db8::1]:5000/repo@sha256:${f64}`, domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', digest: `sha256:${f64}` },
    { input: `[2001:db8::1]:5000/repo:tag@sha256:${f64}`, domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag', digest: `sha256:${f64}` },
    { input: '[2001:db8::]:5000/repo', domain: '[2001:db8::]:5000', repository: '[2001:db8::]:5000/repo' },
    { input: '[::1]:5000/repo', domain: '[::1]:5000', repository: '[::1]:5000/repo' },
    { input: '[fe80::1%eth0]:5000/repo', err: true },
    { input: '[fe80::1%@invalidzone]:5000/repo', err: true },
  ];
  for (const row of table) {
    test(row.input.length > 70 ? `${row.input.slice(0, 70)}…` : JSON.stringify(row.input), () => {
      if (row.err) {
        assert.equal(tryParseImageReference(row.input), undefined);
        assert.throws(() => parseImageReference(row.input), isInputError('image.invalidReference'));
        return;
      }
      const r = parseImageReference(row.input);
      assert.deepEqual(
        { repository: r.repository, domain: r.domain ?? '', tag: r.tag ?? '', digest: r.digest ?? '' },
        { repository: row.repository, domain: row.domain ?? '', tag: row.tag ?? '', digest: row.digest ?? '' },
      );
      assert.equal(formatImageReference(r), row.input, 'round-trips');
    });
  }

  test('the error says why', () => {
    assert.throws(() => parseImageReference('Uppercase:tag'), (e: unknown) => e instanceof PilotError && /lowercase/.test(e.message));
    assert.throws(() => parseImageReference(`repo@sha256:${'f'.repeat(34)}`), (e: unknown) => e instanceof PilotError && /64 lowercase hexadecimal/.test(e.message));
    assert.throws(() => parseImageReference(`${'a/'.repeat(128)}a:tag`), (e: unknown) => e instanceof PilotError && /longer than 255/.test(e.message));
    assert.throws(() => parseImageReference(''), (e: unknown) => e instanceof PilotError && /empty/.test(e.message));
  });
});

describe('tags', () => {
  const valid = ['v1', '1.10', 'latest', 'sha-3f9a1c2', '_private', 'A', '8.2.1-debian-12-r0', 'UPPER.lower-123', 'x'.repeat(128), '0', 'v3.1.0-rc.1'];
  const invalid = ['', '-v1', '.v1', 'v1+build', 'v 1', 'v1/2', 'x'.repeat(129), 'tag@1', 'é', 'v1\n', ' v1'];
  for (const t of valid) test(`valid: ${t.slice(0, 20)}`, () => {
    assert.ok(isValidTag(t));
    assert.equal(validateTag(t), t);
  });
  for (const t of invalid) test(`invalid: ${JSON.stringify(t.slice(0, 20))}`, () => {
    assert.ok(!isValidTag(t));
    assert.throws(() => validateTag(t), isInputError('image.invalidTag'));
  });
  test('a whole reference where a tag is expected is named as such, with the tag to give instead', () => {
    for (const [ref, tag] of [['tag:1', '1'], ['gcr.io/team/chatops:87918a8', '87918a8'], ['registry.local:5000/app:v2', 'v2']]) {
      assert.ok(!isValidTag(ref!));
      assert.throws(() => validateTag(ref!), (e: unknown) => e instanceof PilotError && e.code === 'image.referenceNotTag' && e.hint!.includes(`(${tag})`));
    }
  });
  test('the error says why', () => {
    assert.throws(() => validateTag('-x'), (e: unknown) => e instanceof PilotError && /starts with/.test(e.message));
    assert.throws(() => validateTag('x'.repeat(129)), (e: unknown) => e instanceof PilotError && /longer than 128/.test(e.message));
    assert.throws(() => validateTag('a+b'), (e: unknown) => e instanceof PilotError && /may only contain/.test(e.message));
  });
  test('property: the grammar is exactly [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (s) => {
        assert.equal(isValidTag(s), /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(s));
      }),
    );
  });
});

describe('digests', () => {
  const valid = [sha256('a'), `sha256:${'0123456789abcdef'.repeat(4)}`, `sha512:${'f'.repeat(128)}`, `sha384:${'e'.repeat(96)}`];
  const invalid: [string, RegExp][] = [
    ['', /algorithm:encoded/],
    ['sha256', /algorithm:encoded/],
    [`sha256:${'A'.repeat(64)}`, /lowercase/],
    [`sha256:${'a'.repeat(63)}`, /64 lowercase/],
    [`sha256:${'a'.repeat(65)}`, /64 lowercase/],
    [`sha256:${'g'.repeat(64)}`, /64 lowercase/],
    [`md5:${'a'.repeat(32)}`, /not supported/],
    [`SHA256:${'a'.repeat(64)}`, /algorithm:encoded/],
    [`sha256+b64u:${'a'.repeat(64)}`, /not supported/],
    [`sha256:${'a'.repeat(64)} `, /algorithm:encoded/],
    [`:${'a'.repeat(64)}`, /algorithm:encoded/],
  ];
  for (const d of valid) test(`valid: ${d.slice(0, 20)}…`, () => {
    assert.ok(isValidDigest(d));
    assert.equal(validateDigest(d), d);
  });
  for (const [d, why] of invalid) test(`invalid: ${JSON.stringify(d.slice(0, 24))}`, () => {
    assert.ok(!isValidDigest(d));
    assert.throws(() => validateDigest(d), (e: unknown) => e instanceof PilotError && e.kind === 'input' && e.code === 'image.invalidDigest' && why.test(e.message));
  });
});

describe('repositories', () => {
  const valid = ['nginx', 'library/nginx', 'ghcr.io/org/app', '123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app', 'localhost:5000/app', 'Registry.Example.com/app', '[::1]:5000/app', 'a__b/c---d/e.f'];
  const invalid = ['', 'Org/App', 'app:tag', `app@sha256:${f64}`, 'ghcr.io/org/app:v1', '-app', 'app/', '/app', 'a'.repeat(256), 'ghcr.io:http/app'];
  for (const r of valid) test(`valid: ${r}`, () => {
    assert.ok(isValidRepository(r));
    assert.equal(validateRepository(r), r);
  });
  for (const r of invalid) test(`invalid: ${JSON.stringify(r.slice(0, 30))}`, () => {
    assert.ok(!isValidRepository(r));
    assert.throws(() => validateRepository(r), isInputError('image.invalidRepository'));
  });

  test('registryOf follows Docker: a first component with "." or ":" or localhost is a registry', () => {
    assert.deepEqual(registryOf('nginx'), { registry: 'docker.io', path: 'library/nginx', explicit: false });
    assert.deepEqual(registryOf('org/app'), { registry: 'docker.io', path: 'org/app', explicit: false });
    assert.deepEqual(registryOf('ghcr.io/org/app'), { registry: 'ghcr.io', path: 'org/app', explicit: true });
    assert.deepEqual(registryOf('localhost/app'), { registry: 'localhost', path: 'app', explicit: true });
    assert.deepEqual(registryOf('registry:5000/app'), { registry: 'registry:5000', path: 'app', explicit: true });
  });
});

describe('no catastrophic backtracking', () => {
  const hostile = [
    `${'a'.repeat(5000)}!`,
    `${'a-'.repeat(2000)}!`,
    `${'a.'.repeat(2000)}-`,
    `${'a1.'.repeat(1000)}:x/!`,
    `${'a/'.repeat(2000)}A`,
    `[${':'.repeat(3000)}`,
    `${'a-a.'.repeat(1000)}/${'b__b'.repeat(1000)}@`,
    `${'a'.repeat(200)}:${'b'.repeat(3000)}!`,
  ];
  for (const s of hostile) {
    test(`${s.slice(0, 16)}… (${s.length} chars) is rejected quickly`, () => {
      const t = process.hrtime.bigint();
      assert.equal(tryParseImageReference(s), undefined);
      assert.equal(isValidRepository(s), false);
      assert.ok(Number(process.hrtime.bigint() - t) / 1e6 < 200);
    });
  }
});

describe('isMutableTag', () => {
  const mutable = ['latest', 'LATEST', 'main', 'master', 'develop', 'dev', 'stable', 'edge', 'nightly', 'canary', 'feature-login', 'feat_x', 'fix-123', 'pr-42', 'bugfix-crash', 'renovate-deps', '1.2-latest', 'app-nightly', '3.1-snapshot', 'bookworm', 'alpine', 'my-branch', 'CONTAINER_IMAGES_TAG'];
  const immutable = ['v1.2.3', '1.2.3', '1.2.3-rc.1', '3f9a1c2', 'sha-3f9a1c2', 'main-3f9a1c2', 'feature-login-3f9a1c2', 'build-42', '42', '8.2.1-debian-12-r0', 'v3.1.0-rc.1', '1.10', '2024.01.15'];
  for (const t of mutable) test(`mutable: ${t}`, () => assert.equal(isMutableTag(t), true));
  for (const t of immutable) test(`immutable: ${t}`, () => assert.equal(isMutableTag(t), false));
});
