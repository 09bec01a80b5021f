/**
 * `npm start`: the sandbox plus a real VS Code with the extension loaded on it — the desktop `code` if
 * installed, else the VS Code server (opened in your browser). Ctrl-C stops everything.
 *
 *   npm start                   sandbox in ./sandbox (recreated each time), realistic rollout speed, three
 *                               apps (demo-app, api, worker; prod a release behind staging)
 *   npm start -- --one-app      demo-app alone (the layout the loop test uses)
 *   npm start -- --fast         pods become ready in milliseconds
 *   npm start -- --no-docker    skip the Docker engine
 *   npm start -- --no-vscode    only the servers (print what to point a VS Code at)
 *   npm start -- --flux         Flux (a GitRepository and a HelmRelease per environment) instead of Argo CD
 *   npm start -- --no-pull-requests   prod is pushed to directly (default: through pull requests on the GitHub emulator)
 */
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { repoRoot } from '../paths';
import { which } from '../proc';
import { startVSCodeServer, type VSCodeServer } from '../vscodeServer';
import { RELEASE_TAG } from './apps';
import { ENVIRONMENTS, FLUX_SOURCE, fluxRelease, INITIAL_TAG } from './layout';
import { SANDBOX_REPOSITORY, SANDBOX_REVIEWER_TOKEN } from './github';
import { startSandbox } from './sandbox';

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const t0 = Date.now();
  const dir = join(repoRoot, 'sandbox');
  const say = (line: string) => process.stdout.write(`sandbox: ${line}\n`);
  say(`creating ${dir}`);
  const sandbox = await startSandbox({ dir, speed: args.has('--fast') ? 'fast' : 'realistic', docker: !args.has('--no-docker'), engine: args.has('--flux') ? 'flux' : 'argocd', apps: args.has('--one-app') ? 1 : 3, pullRequests: !args.has('--no-pull-requests'), log: say });
  let server: VSCodeServer | undefined;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await server?.stop().catch(() => undefined);
    await sandbox.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const { layout } = sandbox;
  const lines = [
    '',
    '  GitOps Pilot sandbox',
    `  app repository     ${layout.appRepo}`,
    `  GitOps repository  ${layout.gitopsClone}  (remote: ${layout.gitopsBare})`,
    ...(layout.apps.length > 1
      ? [
          `  apps               ${layout.apps.join(', ')}: ${layout.file('<app>', '<env>')}; gitops-pilot.yaml there lists them (apps:)`,
          `                     dev and staging run ${RELEASE_TAG}, prod ${INITIAL_TAG}: right-click prod under ${basename(layout.gitopsClone)} → Promote All…`,
        ]
      : []),
    `  Kubernetes         ${sandbox.sim.url}  (kubeconfig ${layout.kubeconfig}; contexts sandbox-dev, sandbox-staging, sandbox-prod)`,
    sandbox.ecr ? `  ECR API            ${sandbox.ecr.ecr.endpoint}  (registry ${sandbox.ecr.ecr.registryHost})` : '  ECR API            not running',
    sandbox.docker ? `  Docker engine      ${sandbox.docker.host}` : '  Docker engine      not running',
    ...(sandbox.engine === 'flux'
      ? [
          `  Flux               GitRepository flux-system/${FLUX_SOURCE} (interval 1m0s) and a HelmRelease per environment (${layout.apps.flatMap((a) => ENVIRONMENTS.map((e) => fluxRelease(e.name, a))).join(', ')})`,
          `                     each installs its chart with ${layout.file(layout.apps.length > 1 ? '<app>' : layout.apps[0]!, '<env>')}; GitOps Pilot asks Flux to reconcile after each push`,
        ]
      : [
          '  Argo CD            an agent syncs dev and staging automatically; prod waits for "Sync now"',
          '                     it polls git like Argo CD (every 120 s + up to 60 s); GitOps Pilot asks it to refresh after each push',
        ]),
    ...(sandbox.github
      ? [
          `  GitHub             ${sandbox.github.emulator.api}  (${SANDBOX_REPOSITORY}; prod changes only through pull requests)`,
          `                     the editor and the CLI get its token from GH_HOST / GH_ENTERPRISE_TOKEN; a reviewer can approve with`,
          `                     curl -X POST -H "Authorization: token ${SANDBOX_REVIEWER_TOKEN}" ${sandbox.github.emulator.api}/repos/${SANDBOX_REPOSITORY}/pulls/1/reviews -d '{"event":"APPROVE"}'`,
        ]
      : []),
    ...sandbox.notes.map((n) => `  note: ${n}`),
  ];

  if (!args.has('--no-vscode')) {
    const code = which('code');
    if (code) {
      say('opening your desktop VS Code with the extension loaded');
      spawn(code, ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, layout.workspaceFile], { stdio: 'ignore', detached: true, env: { ...process.env, ...sandbox.env } }).unref();
      lines.push(`  VS Code            desktop (settings for the sandbox: ${JSON.stringify(sandbox.userSettings)})`);
    } else {
      say('starting the VS Code server (the first run provisions it, about a minute)');
      server = await startVSCodeServer({ workspace: layout.workspaceFile, userSettings: sandbox.userSettings, env: sandbox.env });
      lines.push(`  VS Code            ${server.url({ extensionDevelopmentPath: repoRoot })}`);
      lines.push('                     open that URL in a browser (Chromium or Chrome)');
    }
  } else {
    lines.push('  VS Code            not started (--no-vscode); environment for an extension host:');
    for (const [k, v] of Object.entries(sandbox.env)) if (!/SECRET|PASSWORD|TOKEN/i.test(k)) lines.push(`                     ${k}=${v}`);
  }
  lines.push('', `  ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — Ctrl-C stops everything`, '');
  process.stdout.write(`${lines.join('\n')}\n`);
  if (server) void server.exited.then(() => stop(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
