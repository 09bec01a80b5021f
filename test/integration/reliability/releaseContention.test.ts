/**
 * Releases under contention (issue 15): `promote --all/--app` (N apps in one commit) racing single-app bumps
 * of the same and of other apps, and racing another release — every one a separate CLI process in its own
 * clone of one bare remote (which refuses non-fast-forward pushes: nothing can be forced).
 *
 * The races are made certain, not hoped for: a git wrapper (given as GITOPS_PILOT_GIT, like the git.path
 * setting) runs the other processes to completion just before this process's first push, so that push is
 * rejected and has to rebase (or re-apply) and retry. A last round starts everything at once.
 *
 * What must hold, checked on the remote's history commit by commit:
 *   - every process that said "pushed" has its commit on the remote, once (no lost update, no duplicate);
 *   - history is linear; each bump commit changes exactly its one file, from the tag its subject says;
 *   - each release commit changes exactly its apps' files (all or none), to the tags its Image: trailers
 *     say, from the ones its Previous-Image: trailers say, and its subject counts them;
 *   - replaying the commits in the remote's order gives the final files, byte for byte.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliPath } from '../../support/cliProcess';
import { git, gitEnv, gitFixture, read, type GitFixture } from '../../support/gitRepos';

const APPS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
const values = (app: string, tag: string) => `# ${app}\nreplicaCount: 2\nimage:\n  repository: reg.example/shop/${app}\n  tag: ${tag}\n`;
const TAG = /^ {2}tag: (.*)$/m;

/** A git that, once, before the first push, runs other CLI processes concurrently and waits for all to exit. */
function raceGit(dir: string): string {
  const p = join(dir, 'git-race');
  writeFileSync(
    p,
    `#!${process.execPath}
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, openSync, writeFileSync } = require('node:fs');
const args = process.argv.slice(2);
let i = 0;
while (args[i] === '-c') i += 2;
const run = () => process.exit(spawnSync('git', args, { stdio: 'inherit' }).status ?? 1);
const marker = process.env.RACE_DONE;
if (args[i] !== 'push' || !process.env.RACE_BEFORE_PUSH || existsSync(marker)) run();
writeFileSync(marker, '');
const runs = JSON.parse(process.env.RACE_BEFORE_PUSH);
let left = runs.length;
for (const r of runs) {
  const env = { ...process.env };
  delete env.RACE_BEFORE_PUSH;
  delete env.GITOPS_PILOT_GIT;
  const child = spawn(r.argv[0], r.argv.slice(1), { cwd: r.cwd, env, stdio: ['ignore', openSync(r.out, 'w'), openSync(r.err, 'w')] });
  child.on('exit', (code) => {
    writeFileSync(r.out + '.code', String(code));
    if (--left === 0) run();
  });
}
`,
  );
  chmodSync(p, 0o755);
  return p;
}

interface Op {
  readonly name: string;
  readonly cwd: string;
  readonly args: readonly string[];
  /** the files it writes its output to */
  readonly out: string;
  readonly err: string;
}

interface Outcome {
  readonly op: Op;
  readonly code: number;
  readonly json: { status: string; commit?: string | null; apps?: { app: string; after: { tag: string } }[] };
}

describe('releases racing single bumps and other releases (separate CLI processes, real git)', () => {
  const fixtures: GitFixture[] = [];
  after(() => fixtures.forEach((f) => f.cleanup()));

  function world(clones: number) {
    const files: Record<string, string> = {};
    for (const app of APPS) {
      files[`envs/staging/${app}.yaml`] = values(app, `s-${app}`);
      files[`envs/prod/${app}.yaml`] = values(app, `p-${app}`);
    }
    const fx = gitFixture(files, clones);
    fixtures.push(fx);
    let n = 0;
    const op = (cwd: string, ...args: string[]): Op => {
      const name = `op${++n}`;
      return { name, cwd, args: [...args, '--json'], out: join(fx.root, `${name}.out`), err: join(fx.root, `${name}.err`) };
    };
    const argv = (o: Op) => [process.execPath, cliPath, ...o.args];
    /** runs `main`, and `racers` concurrently just before main's first push */
    const raceBeforePush = (main: Op, racers: readonly Op[]): Outcome[] => {
      const r = spawnSync(argv(main)[0]!, argv(main).slice(1), {
        cwd: main.cwd,
        encoding: 'utf8',
        timeout: 180_000,
        env: {
          ...gitEnv,
          GIT_CONFIG_GLOBAL: undefined,
          GITOPS_PILOT_GIT: raceGit(fx.root),
          RACE_DONE: join(fx.root, `${main.name}.raced`),
          RACE_BEFORE_PUSH: JSON.stringify(racers.map((o) => ({ argv: argv(o), cwd: o.cwd, out: o.out, err: o.err }))),
        },
      });
      writeFileSync(main.out, r.stdout);
      writeFileSync(main.err, r.stderr);
      writeFileSync(`${main.out}.code`, String(r.status));
      assert.ok(readFileSync(join(fx.root, `${main.name}.raced`)) !== undefined, 'the racers ran before the first push');
      return [main, ...racers].map(outcome);
    };
    /** starts every op at once; resolves when all have exited */
    const allAtOnce = (ops: readonly Op[]): Promise<Outcome[]> =>
      Promise.all(
        ops.map(
          (o) =>
            new Promise<Outcome>((resolve) => {
              const [out, err] = [openSync(o.out, 'w'), openSync(o.err, 'w')];
              const child = spawn(argv(o)[0]!, argv(o).slice(1), { cwd: o.cwd, env: { ...gitEnv, GIT_CONFIG_GLOBAL: undefined }, stdio: ['ignore', out, err] });
              child.on('exit', (code) => {
                closeSync(out);
                closeSync(err);
                writeFileSync(`${o.out}.code`, String(code));
                resolve(outcome(o));
              });
            }),
        ),
      );
    const outcome = (o: Op): Outcome => {
      const code = Number(read(`${o.out}.code`));
      const text = read(o.out);
      assert.equal(code, 0, `${o.args.join(' ')} in ${o.cwd}: exit ${code}\n${text}\n${read(o.err)}`);
      return { op: o, code, json: JSON.parse(text) };
    };
    return { fx, op, raceBeforePush, allAtOnce, clones: fx.clones };
  }

  /** Every invariant of the header, on the remote's history; returns each file's last tag, in the serial order. */
  function verify(fx: GitFixture, outcomes: readonly Outcome[], base: string): Map<string, string> {
    assert.equal(git(fx.bare, 'rev-list', '--merges', '--count', 'main'), '0', 'linear history');
    const commits = git(fx.bare, 'rev-list', '--reverse', `${base}..main`).split('\n').filter(Boolean);
    const pushed = outcomes.filter((o) => o.json.status === 'pushed');
    assert.equal(commits.length, pushed.length, `one remote commit per pushed operation (${commits.length} commits, ${pushed.length} pushed)`);
    for (const o of pushed) assert.ok(commits.includes(o.json.commit!), `${o.op.args.join(' ')}: its commit ${o.json.commit} is on the remote`);
    const tagAt = (rev: string, file: string) => TAG.exec(git(fx.bare, 'show', `${rev}:${file}`))![1]!;
    // the serial order: the tree before the race, then each commit in the remote's order
    const state = new Map<string, string>();
    for (const f of git(fx.bare, 'ls-tree', '-r', '--name-only', base).split('\n')) state.set(f, tagAt(base, f));
    for (const c of commits) {
      const subject = git(fx.bare, 'log', '-1', '--format=%s', c);
      const body = git(fx.bare, 'log', '-1', '--format=%B', c);
      const files = git(fx.bare, 'diff-tree', '--no-commit-id', '--name-only', '-r', c).split('\n').filter(Boolean).sort();
      const moves = files.map((f) => ({ f, from: tagAt(`${c}^`, f), to: tagAt(c, f) }));
      for (const m of moves) assert.equal(m.from, state.get(m.f), `${c.slice(0, 7)}: ${m.f} changed from the tag the serial order had`);
      const bump = /^deploy\((\w+)\): (\w+) (\S+) -> (\S+)$/.exec(subject);
      const release = /^promote\(prod\): (\d+) apps? from staging$/.exec(subject);
      if (bump) {
        const [, env, app, from, to] = bump;
        assert.deepEqual(moves, [{ f: `envs/${env}/${app}.yaml`, from, to }], `${subject}: exactly its one file, as its subject says`);
      } else if (release) {
        const images = body.split('\n').filter((l) => l.startsWith('Image: ')).map((l) => l.slice('Image: '.length));
        const previous = body.split('\n').filter((l) => l.startsWith('Previous-Image: ')).map((l) => l.slice('Previous-Image: '.length));
        assert.equal(Number(release[1]), files.length, `${subject}: the subject counts the files the commit changes`);
        assert.deepEqual(
          images.sort(),
          moves.map((m) => `reg.example/shop/${m.f.split('/')[2]!.replace('.yaml', '')}:${m.to}`).sort(),
          `${subject}: one Image: trailer per file it changes, with the tag it writes (all its apps or none)`,
        );
        assert.deepEqual(previous.sort(), moves.map((m) => `reg.example/shop/${m.f.split('/')[2]!.replace('.yaml', '')}:${m.from}`).sort(), `${subject}: Previous-Image: what each had`);
        assert.ok(files.every((f) => f.startsWith('envs/prod/')));
      } else assert.fail(`unexpected commit ${subject}`);
      for (const m of moves) state.set(m.f, m.to);
    }
    // the final files are the serial order's, byte for byte
    for (const [f, tag] of state) assert.equal(fx.remoteFile(f), values(f.split('/')[2]!.replace('.yaml', ''), tag).trimEnd(), f);
    return state;
  }

  const release = (o: Outcome) => o.json.apps!.map((a) => [a.app, a.after.tag]);

  test('a release of 4 apps pushing last: bumps of the same apps, other apps and its source landed first', () => {
    const w = world(8);
    const base = git(w.fx.bare, 'rev-parse', 'main');
    const [r, b1, b2, b3, b4, b5, b6] = w.clones;
    const main = w.op(r!, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'a1', '--app', 'a2', '--app', 'a3', '--app', 'a4', '--yes');
    const racers = [
      w.op(b1!, 'bump', '--env', 'a1/prod', '--tag', 'x-a1', '--yes'), // same app, same line
      w.op(b2!, 'bump', '--env', 'a2/prod', '--tag', 'x-a2', '--yes'),
      w.op(b3!, 'bump', '--env', 'a5/prod', '--tag', 'x-a5', '--yes'), // another app
      w.op(b4!, 'bump', '--env', 'a6/prod', '--tag', 'x-a6', '--yes'),
      w.op(b5!, 'bump', '--env', 'a3/staging', '--tag', 'y-a3'), // the release's source moves meanwhile
      w.op(b6!, 'bump', '--env', 'a5/staging', '--tag', 'y-a5'),
    ];
    const outcomes = w.raceBeforePush(main, racers);
    assert.ok(outcomes.every((o) => o.json.status === 'pushed'));
    const rel = outcomes[0]!;
    assert.deepEqual(release(rel), [['a1', 's-a1'], ['a2', 's-a2'], ['a3', 's-a3'], ['a4', 's-a4']], 'the images planned and confirmed, not staging’s newer a3');
    const state = verify(w.fx, outcomes, base);
    assert.equal(w.fx.remoteSubjects().slice(-1)[0], 'promote(prod): 4 apps from staging', 'it pushed last, after rebasing');
    assert.ok(rel.json.status === 'pushed' && (rel.json as { attempts?: number }).attempts! >= 2, 'its first push was rejected');
    assert.deepEqual(APPS.map((a) => state.get(`envs/prod/${a}.yaml`)), ['s-a1', 's-a2', 's-a3', 's-a4', 'x-a5', 'x-a6']);
    assert.equal(state.get('envs/staging/a3.yaml'), 'y-a3');
  });

  test('single bumps pushing after a release of the same apps: each rebases or re-applies on top, from the release’s tag', () => {
    const w = world(5);
    const base = git(w.fx.bare, 'rev-parse', 'main');
    const [r, b1, b2, b3] = w.clones;
    // the bump of a1 runs first up to its push; the release lands just before it
    const main = w.op(b1!, 'bump', '--env', 'a1/prod', '--tag', 'x-a1', '--yes');
    const rel = w.op(r!, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes');
    const outcomes = w.raceBeforePush(main, [rel]);
    const more = w.raceBeforePush(w.op(b2!, 'bump', '--env', 'a2/prod', '--tag', 'x-a2', '--yes'), [w.op(b3!, 'bump', '--env', 'a6/prod', '--tag', 'x-a6', '--yes')]);
    const all = [...outcomes, ...more];
    assert.ok(all.every((o) => o.json.status === 'pushed'));
    assert.deepEqual(release(outcomes[1]!).map(([a]) => a), APPS, 'the release moved all six');
    const state = verify(w.fx, all, base);
    const subjects = w.fx.remoteSubjects().slice(1);
    assert.deepEqual(subjects.slice(0, 2), ['promote(prod): 6 apps from staging', 'deploy(prod): a1 s-a1 -> x-a1'], 'the bump says it replaced the release’s image');
    assert.deepEqual(APPS.map((a) => state.get(`envs/prod/${a}.yaml`)), ['x-a1', 'x-a2', 's-a3', 's-a4', 's-a5', 'x-a6']);
  });

  test('a release racing another release of overlapping apps: each commit holds exactly the apps it moves', () => {
    const w = world(3);
    const base = git(w.fx.bare, 'rev-parse', 'main');
    const [r1, r2] = w.clones;
    const main = w.op(r1!, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'a1', '--app', 'a2', '--app', 'a3', '--yes');
    const other = w.op(r2!, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'a3', '--app', 'a4', '--app', 'a5', '--yes');
    const outcomes = w.raceBeforePush(main, [other]);
    const state = verify(w.fx, outcomes, base);
    assert.deepEqual(APPS.map((a) => state.get(`envs/prod/${a}.yaml`)), ['s-a1', 's-a2', 's-a3', 's-a4', 's-a5', 'p-a6']);
    assert.deepEqual(w.fx.remoteSubjects().slice(1), ['promote(prod): 3 apps from staging', 'promote(prod): 2 apps from staging'], 'a3 moved once, by the release that landed first');
  });

  test('all at once: two releases and eight single bumps from ten clones', async () => {
    const w = world(10);
    const base = git(w.fx.bare, 'rev-parse', 'main');
    const c = w.clones;
    const ops = [
      w.op(c[0]!, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'a1', '--app', 'a2', '--app', 'a3', '--yes'),
      w.op(c[1]!, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'a4', '--app', 'a5', '--app', 'a6', '--yes'),
      ...APPS.map((a, i) => w.op(c[2 + i]!, 'bump', '--env', `${a}/prod`, '--tag', `z-${a}`, '--yes')),
      w.op(c[8]!, 'bump', '--env', 'a1/staging', '--tag', 'y-a1'),
      w.op(c[9]!, 'bump', '--env', 'a6/staging', '--tag', 'y-a6'),
    ];
    const outcomes = await w.allAtOnce(ops);
    assert.ok(outcomes.every((o) => o.json.status === 'pushed'), JSON.stringify(outcomes.map((o) => o.json.status)));
    const state = verify(w.fx, outcomes, base);
    // each prod file holds whichever of its release and its bump landed last
    const order = git(w.fx.bare, 'rev-list', '--reverse', `${base}..main`).split('\n');
    const subjects = w.fx.remoteSubjects().slice(1);
    for (const a of APPS) {
      const at = (o: Outcome | undefined) => order.indexOf(o!.json.commit!);
      const bump = at(outcomes.find((o) => o.op.args.includes(`${a}/prod`)));
      const rel = at(outcomes.find((o) => o.op.args[0] === 'promote' && o.op.args.includes(a)));
      assert.equal(state.get(`envs/prod/${a}.yaml`), bump > rel ? `z-${a}` : `s-${a}`, a);
    }
    console.log(`  remote order: ${subjects.join(' | ')}`);
  });
});
