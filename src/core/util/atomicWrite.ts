/**
 * Replacing a file's content atomically: a reader (git, Argo CD, an editor) sees the old file or the new
 * one, never half of it, and a crash leaves the old file in place. The new content goes to a temporary
 * file in the same directory (same file system, so the rename is atomic), is flushed to disk, gets the
 * original file's permission bits, and is renamed over the original. A symbolic link is followed: its
 * target is replaced and the link stays.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, readFile, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../errors';

export interface AtomicWriteOptions {
  /** permission bits for a new file (default 0o666 minus the umask); an existing file keeps its own */
  readonly mode?: number;
  /**
   * The content the file must still have right before it is replaced (the text the change was computed
   * from). When it differs, nothing is written and an input error says the file changed meanwhile.
   */
  readonly expectContent?: string | Uint8Array;
  /** for tests: called after the temporary file is written and flushed, before the check and rename */
  readonly beforeRename?: (tempFile: string) => Promise<void> | void;
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

async function resolveTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw e;
  }
}

export async function atomicWriteFile(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const target = await resolveTarget(file);
  let mode = opts.mode ?? 0o666;
  let exists = false;
  try {
    mode = (await stat(target)).mode & 0o7777;
    exists = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const dir = dirname(target);
  await removeAbandonedTemps(dir, basename(target));
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  let renamed = false;
  try {
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await handle.writeFile(toBuffer(data));
    await handle.sync();
    // open() applied the umask; an existing file's bits are restored exactly
    if (exists || opts.mode !== undefined) await handle.chmod(mode);
    await handle.close();
    handle = undefined;
    await opts.beforeRename?.(temp);
    if (opts.expectContent !== undefined) {
      let current: Buffer | undefined;
      try {
        current = await readFile(target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (!current || !current.equals(toBuffer(opts.expectContent))) {
        throw inputError('file.changed', `${file} changed on disk since it was read`, {
          location: { file, line: 1, col: 1 },
          hint: 'Review the file again and retry; nothing was written',
        });
      }
    }
    await rename(temp, target);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (handle) await handle.close().catch(() => undefined);
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

/** Makes the rename itself durable. Not every platform can open a directory (Windows): best effort. */
async function syncDirectory(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, constants.O_RDONLY);
    await h.sync();
  } catch {
    // best effort
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/**
 * A writer killed between writing its temporary file and renaming it leaves `.<name>.<pid>.<hex>.tmp`
 * behind. Those of processes that no longer exist are removed (a live writer's are left alone).
 */
async function removeAbandonedTemps(dir: string, name: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  const prefix = `.${name}.`;
  for (const e of entries) {
    if (!e.startsWith(prefix) || !e.endsWith('.tmp')) continue;
    const pid = Number(/^(\d+)\.[0-9a-f]+\.tmp$/.exec(e.slice(prefix.length))?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await unlink(join(dir, e)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
