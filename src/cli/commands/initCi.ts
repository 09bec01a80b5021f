import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { DEFAULT_OUT } from '../../core/ci/index';
import { CI_SYSTEMS, DEFAULT_CLI_IMAGE, DEFAULT_FAIL_ON, parseFailOn, type CiSystem } from '../../core/ci/plan';
import { prepareCi } from '../../core/ci/prepare';
import { inputError } from '../../core/errors';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag } from './common';
import { requireImageProject } from './imageCommon';
import type { CliCommand } from './types';

const flags = {
  system: { type: 'string', description: `the CI system: ${CI_SYSTEMS.join(' | ')}`, valueName: 'SYSTEM', required: true },
  out: { type: 'string', description: `where to write (default: ${Object.values(DEFAULT_OUT).join(', ')}; for tekton a folder)`, valueName: 'PATH' },
  'fail-on': { type: 'string', description: `ECR scan severities that stop the pipeline, or none (default: ${DEFAULT_FAIL_ON.join(',')})`, valueName: 'LIST' },
  'cli-image': { type: 'string', description: `the gitops-pilot image the jobs run in (default: ${DEFAULT_CLI_IMAGE})`, valueName: 'IMAGE' },
  'gitops-url': { type: 'string', description: "the GitOps repository's clone URL (default: the remote of the clone gitops.repo names)", valueName: 'URL' },
  branch: { type: 'string', description: 'the app branch whose pushes run the pipeline (default: main)', valueName: 'NAME' },
  'pull-request': { type: 'boolean', description: 'push the first environment\'s bump to a branch for review instead of deploying it' },
  force: { type: 'boolean', description: 'overwrite an existing file that differs' },
  stdout: { type: 'boolean', description: 'print the files instead of writing them' },
  dir: dirFlag,
} as const;

export const initCi: CliCommand = {
  name: 'init-ci',
  summary: 'write a CI pipeline (GitHub Actions, GitLab CI, Jenkins, Tekton) that tests, builds, scans, deploys and promotes',
  help: () =>
    `Usage: gitops-pilot init-ci --system github|gitlab|jenkins|tekton [--out PATH] [--fail-on CRITICAL,HIGH]\n\nWrites a pipeline for this project's gitops-pilot.yaml: the detected tests (npm, Maven, Gradle, Go, Python),\ngitops-pilot build --push with the tag policy, the ECR scan checked (gitops-pilot scan --fail-on), the bump of\nthe first environment and its rollout status, then a promotion job per later environment; protected ones wait\nfor the system's own approval. Credentials come from the system's secret store; nothing secret is written.\nAn existing file that differs is kept unless --force (exit 2).\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'init-ci');
    const system = f.system as CiSystem;
    if (!(CI_SYSTEMS as readonly string[]).includes(system)) throw inputError('cli.badFlag', `--system must be one of ${CI_SYSTEMS.join(', ')}, not ${JSON.stringify(f.system)}`);
    const failOn = f['fail-on'] === undefined ? undefined : parseFailOn(f['fail-on']);
    if (f['gitops-url'] !== undefined && !/^(https?|ssh|git|file):\/\/\S+$|^[\w.-]+@[\w.-]+:\S+$|^\/\S+$/.test(f['gitops-url'])) {
      throw inputError('cli.badFlag', `--gitops-url ${JSON.stringify(f['gitops-url'])} is not a git URL`, { hint: 'e.g. https://github.com/acme/demo-app-gitops.git or git@github.com:acme/demo-app-gitops.git' });
    }
    if (f.branch !== undefined && !/^[\w./-]+$/.test(f.branch)) throw inputError('cli.badFlag', `--branch ${JSON.stringify(f.branch)} is not a branch name`);
    if (f['cli-image'] !== undefined && !/^[\w./:@-]+$/.test(f['cli-image'])) throw inputError('cli.badFlag', `--cli-image ${JSON.stringify(f['cli-image'])} is not an image reference`);
    const project = await requireImageProject(f.dir, io);
    const out = f.out === undefined ? undefined : isAbsolute(f.out) ? relative(project.root, f.out) : f.out;
    const { plan, files } = await prepareCi(project, {
      system,
      ...(out !== undefined ? { out } : {}),
      ...(failOn ? { failOn } : {}),
      ...(f['cli-image'] ? { cliImage: f['cli-image'] } : {}),
      ...(f['gitops-url'] ? { gitopsUrl: f['gitops-url'] } : {}),
      ...(f.branch ? { branch: f.branch } : {}),
      pullRequest: f['pull-request'],
      gitPath: io.env.GITOPS_PILOT_GIT || undefined,
    });
    if (f.stdout) {
      for (const file of files) io.out(files.length > 1 ? `--- ${file.path}\n${file.text}` : file.text);
      return 0;
    }
    // check every file before writing any: bad input changes nothing on disk
    const changed: typeof files = [];
    for (const file of files) {
      const existing = await readFile(join(project.root, file.path), 'utf8').catch(() => undefined);
      if (existing === file.text) continue;
      if (existing !== undefined && !f.force) {
        throw inputError('ci.fileExists', `${file.path} exists and differs from the generated pipeline`, { hint: 'Compare with --stdout, or pass --force to overwrite it' });
      }
      changed.push(file);
    }
    for (const file of changed) {
      const p = join(project.root, file.path);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, file.text);
      io.out(`wrote ${file.path}`);
    }
    if (!changed.length) io.out(`${files.map((x) => x.path).join(', ')}: already up to date`);
    io.err(`  tests: ${plan.tests.evidence}; deploys ${plan.first.id}${plan.promotions.length ? `, promotes ${plan.promotions.map((e) => `${e.id}${e.protected ? ' (approval)' : ''}`).join(', ')}` : ''}`);
    if (!plan.gitops.sameRepo && !plan.gitops.url) io.err('  hint: the GitOps repository has no remote here: set GITOPS_REPO_URL in the CI system (or pass --gitops-url)');
    return 0;
  },
};
