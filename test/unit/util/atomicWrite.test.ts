import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { atomicWriteFile } from '../../../src/core/util/atomicWrite';

const posix = process.platform !== 'win32';

describe('atomicWriteFile', async () => {
  const root = await mkdtemp(join(tmpdir(), 'gp-atomic-'));
  after(() => rm(root, { recursive: true, force: true }));
  let n = 0;
  const dir = async () => {
    const d = join(root, String(n++));
    await mkdir(d);
    return d;
  };

  test('replaces the content and leaves no temporary file', async () => {
    const d = await dir();
    const f = join(d, 'values.yaml');
    await writeFile(f, 'a: 1\n');
    await atomicWriteFile(f, 'a: 2\n');
    assert.equal(await readFile(f, 'utf8'), 'a: 2\n');
    assert.deepEqual(await readdir(d), ['values.yaml']);
  });

  test('creates a missing file', async () => {
    const d = await dir();
    await atomicWriteFile(join(d, 'new.yaml'), Buffer.from('x: 1\n'));
    assert.equal(await readFile(join(d, 'new.yaml'), 'utf8'), 'x: 1\n');
  });

  test('keeps the file mode', { skip: !posix }, async () => {
    const d = await dir();
    const f = join(d, 'values.yaml');
    await writeFile(f, 'a: 1\n');
    await chmod(f, 0o640);
    await atomicWriteFile(f, 'a: 2\n');
    assert.equal((await stat(f)).mode & 0o7777, 0o640);
    await chmod(f, 0o755);
    await atomicWriteFile(f, 'a: 3\n');
    assert.equal((await stat(f)).mode & 0o7777, 0o755);
  });

  test('writes through a symbolic link and keeps the link', { skip: !posix }, async () => {
    const d = await dir();
    await writeFile(join(d, 'real.yaml'), 'a: 1\n');
    await symlink('real.yaml', join(d, 'link.yaml'));
    await atomicWriteFile(join(d, 'link.yaml'), 'a: 2\n');
    assert.equal(await readlink(join(d, 'link.yaml')), 'real.yaml');
    assert.equal(await readFile(join(d, 'real.yaml'), 'utf8'), 'a: 2\n');
  });

  test('refuses when the file changed since it was read, and cleans up', async () => {
    const d = await dir();
    const f = join(d, 'values.yaml');
    await writeFile(f, 'a: 1\n');
    await assert.rejects(
      atomicWriteFile(f, 'a: 2\n', {
        expectContent: 'a: 1\n',
        beforeRename: async () => {
          await writeFile(f, 'a: someone else\n');
        },
      }),
      (e: unknown) => e instanceof PilotError && e.kind === 'input' && e.code === 'file.changed',
    );
    assert.equal(await readFile(f, 'utf8'), 'a: someone else\n');
    assert.deepEqual(await readdir(d), ['values.yaml']);
  });

  test('writes when the file still has the expected content', async () => {
    const d = await dir();
    const f = join(d, 'values.yaml');
    await writeFile(f, 'a: 1\n');
    await atomicWriteFile(f, 'a: 2\n', { expectContent: Buffer.from('a: 1\n') });
    assert.equal(await readFile(f, 'utf8'), 'a: 2\n');
  });

  test('removes the temporary file when the rename fails', async () => {
    const d = await dir();
    const target = join(d, 'is-a-directory');
    await mkdir(target);
    await writeFile(join(target, 'keep'), '');
    await assert.rejects(atomicWriteFile(target, 'x'));
    assert.deepEqual(await readdir(d), ['is-a-directory']);
  });

  test('removes the temporary file when a step before the rename fails', async () => {
    const d = await dir();
    const f = join(d, 'values.yaml');
    await writeFile(f, 'a: 1\n');
    await assert.rejects(
      atomicWriteFile(f, 'a: 2\n', {
        beforeRename: () => {
          throw new Error('disk full');
        },
      }),
      /disk full/,
    );
    assert.equal(await readFile(f, 'utf8'), 'a: 1\n');
    assert.deepEqual(await readdir(d), ['values.yaml']);
  });
});

describe('temporary files of killed writers', () => {
  test('are removed by the next write; a live process keeps its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gitops-pilot-aw-'));
    try {
      await writeFile(join(dir, 'values.yaml'), 'a: 1\n');
      const dead = '.values.yaml.999999.abcdef.tmp'; // no such pid
      const live = `.values.yaml.${process.ppid}.abcdef.tmp`; // our parent is alive
      await writeFile(join(dir, dead), 'half');
      await writeFile(join(dir, live), 'in progress');
      await atomicWriteFile(join(dir, 'values.yaml'), 'a: 2\n');
      assert.deepEqual((await readdir(dir)).sort(), [live, 'values.yaml'].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
