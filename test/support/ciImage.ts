/**
 * The CLI's container image (docker/cli.Dockerfile) built by the real Docker engine, offline: nothing can be
 * pulled here, so the Dockerfile's BASE and DOCKER_CLI arguments point at a local base image imported from this
 * machine's own files — Debian's node, git and its helpers, the docker CLI, busybox for the shell and coreutils,
 * and the libraries they link (ldd) — with `docker import`. Both images are cached by content hash in the
 * shared daemon's data-root.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { docker, dockerOk, type DockerDaemon } from './dockerd';
import { repoRoot } from './paths';
import { which } from './proc';

const RECIPE = 'ci-base v1';

/** Programs of the base image, found on this machine. */
function programs(): { node: string; git: string; docker: string; busybox: string } {
  const need = (name: string, found: string | undefined, hint: string) => {
    if (!found) throw new Error(`building the CLI image needs ${name} (${hint})`);
    return realpathSync(found);
  };
  return {
    node: need('node', which('node'), 'Debian: apt-get install -y nodejs'),
    git: need('git', which('/usr/bin/git') ?? which('git'), 'apt-get install -y git'),
    // a static docker CLI needs no libraries; Debian's (dynamic) works too through ldd
    docker: need('docker', which('/usr/local/bin/docker') ?? which('docker'), 'apt-get install -y docker.io'),
    busybox: need('busybox', existsSync('/bin/busybox') ? '/bin/busybox' : undefined, 'apt-get install -y busybox-static'),
  };
}

/** Shared libraries an executable loads, from ldd (none for a static one). */
function libraries(exe: string): string[] {
  let out = '';
  try {
    out = execFileSync('ldd', [exe], { encoding: 'utf8' });
  } catch {
    return []; // "not a dynamic executable"
  }
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs];
}

/** Copies `src` to the same path under `root`, following symlinks for libraries (their real file under the link's name). */
function place(root: string, src: string, dest = src): void {
  const to = join(root, dest);
  mkdirSync(dirname(to), { recursive: true });
  if (!existsSync(to)) copyFileSync(realpathSync(src), to);
  chmodSync(to, statSync(realpathSync(src)).mode & 0o7777);
}

function assembleRootfs(root: string): void {
  const p = programs();
  for (const d of ['bin', 'usr/bin', 'usr/local/bin', 'tmp', 'root', 'etc', 'var/tmp', 'home']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  // busybox: /bin/sh and the tools pipelines and CI agents expect (cat, tail, mktemp, sleep, …)
  place(root, p.busybox, 'bin/busybox');
  const applets = execFileSync(p.busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
  for (const a of applets) {
    for (const dir of ['bin', 'usr/bin']) {
      const link = join(root, dir, a);
      if (!existsSync(link)) symlinkSync('/bin/busybox', link);
    }
  }
  place(root, p.node, 'usr/bin/node');
  place(root, p.docker, 'usr/local/bin/docker');
  // git and its helpers (upload-pack / receive-pack for clones and pushes); cpSync keeps git-core's symlinks
  rmSync(join(root, 'usr/bin/git'), { force: true });
  place(root, p.git, 'usr/bin/git');
  cpSync('/usr/lib/git-core', join(root, 'usr/lib/git-core'), { recursive: true, verbatimSymlinks: true, filter: (s) => !/git-(remote-(http|https|ftp|ftps)|imap-send|http-(fetch|push))$/.test(s) });
  if (existsSync('/usr/share/git-core/templates')) cpSync('/usr/share/git-core/templates', join(root, 'usr/share/git-core/templates'), { recursive: true });
  for (const exe of [p.node, p.git, p.docker]) for (const lib of libraries(exe)) place(root, lib);
  if (existsSync('/etc/ssl/certs/ca-certificates.crt')) place(root, '/etc/ssl/certs/ca-certificates.crt');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
}

function hashOf(paths: string[], extra: string): string {
  const h = createHash('sha256').update(extra);
  for (const p of paths) {
    const s = statSync(p);
    h.update(`${p}:${s.size}:${s.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 12);
}

async function exists(daemon: Pick<DockerDaemon, 'host'>, ref: string): Promise<boolean> {
  return (await docker(daemon, ['image', 'inspect', '--format', '{{.Id}}', ref])).code === 0;
}

const memo = new Map<string, Promise<string>>();

/** The local base image (node, git, docker CLI, busybox), imported once per daemon data-root. */
export function ensureCiBaseImage(daemon: Pick<DockerDaemon, 'host'>): Promise<string> {
  const key = `base|${daemon.host}`;
  let m = memo.get(key);
  if (!m) {
    m = (async () => {
      const p = programs();
      const ref = `gitops-pilot-test/ci-base:${hashOf([p.node, p.git, p.docker, p.busybox], RECIPE)}`;
      if (await exists(daemon, ref)) return ref;
      const dir = mkdtempSync(join(tmpdir(), 'gitops-pilot-ci-base-'));
      try {
        assembleRootfs(join(dir, 'rootfs'));
        const tar = join(dir, 'rootfs.tar');
        execFileSync('tar', ['-C', join(dir, 'rootfs'), '-cf', tar, '.']);
        await dockerOk(daemon, ['import', '--change', 'ENV PATH=/usr/local/bin:/usr/bin:/bin', '--change', 'ENV HOME=/root', '--change', 'CMD ["/bin/sh"]', tar, ref], { timeoutMs: 300_000 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return ref;
    })();
    memo.set(key, m);
    m.catch(() => memo.delete(key));
  }
  return m;
}

/**
 * docker/cli.Dockerfile built on the local base (BASE and DOCKER_CLI both point at it) from a context holding
 * only what the Dockerfile copies (what the repository's .dockerignore lets through). Needs `npm run build`.
 */
export function ensureCliImage(daemon: Pick<DockerDaemon, 'host'>): Promise<string> {
  const key = `cli|${daemon.host}`;
  let m = memo.get(key);
  if (!m) {
    m = (async () => {
      const base = await ensureCiBaseImage(daemon);
      const files = ['dist/cli.js', 'dist/lazy-ecr.js', 'dist/lazy-kube.js'].map((f) => join(repoRoot, f));
      for (const f of files) if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
      const dockerfile = join(repoRoot, 'docker/cli.Dockerfile');
      const h = createHash('sha256').update(base).update(readFileSync(dockerfile));
      for (const f of files) h.update(readFileSync(f));
      const ref = `gitops-pilot-test/cli:${h.digest('hex').slice(0, 12)}`;
      if (await exists(daemon, ref)) return ref;
      const ctx = mkdtempSync(join(tmpdir(), 'gitops-pilot-cli-image-'));
      try {
        mkdirSync(join(ctx, 'dist'));
        for (const f of files) copyFileSync(f, join(ctx, 'dist', f.split('/').pop()!));
        const args = ['build', '-q', '-f', dockerfile, '--build-arg', `BASE=${base}`, '--build-arg', `DOCKER_CLI=${base}`, '-t', ref, ctx];
        // the daemon is shared with other test processes; once seen here: "failed to get layer …: layer does not exist"
        // while another process removed its images. A second build then succeeds.
        const first = await docker(daemon, args, { timeoutMs: 600_000 });
        if (first.code !== 0) {
          if (!/layer does not exist/.test(first.stderr)) throw new Error(`docker build of the CLI image failed: ${first.stderr.trim().split('\n').slice(-5).join('\n')}`);
          await dockerOk(daemon, args, { timeoutMs: 600_000 });
        }
      } finally {
        rmSync(ctx, { recursive: true, force: true });
      }
      // earlier builds (another dist/) would pile up in the shared data-root: remove those no container uses
      const ls = await docker(daemon, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'gitops-pilot-test/cli']);
      const old = ls.stdout.split('\n').map((l) => l.trim()).filter((l) => l && l !== ref);
      if (old.length) await docker(daemon, ['image', 'rm', ...old]);
      return ref;
    })();
    memo.set(key, m);
    m.catch(() => memo.delete(key));
  }
  return m;
}


