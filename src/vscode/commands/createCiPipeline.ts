import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_OUT, type CiFile } from '../../core/ci/index';
import type { CiSystem } from '../../core/ci/plan';
import { prepareCi } from '../../core/ci/prepare';
import { findConfigFile, loadProject } from '../../core/config/project';
import { cancelled, inputError } from '../../core/errors';
import { requireTrust } from '../deploy/run';
import type { CommandDef, Services } from './types';

const SYSTEMS: readonly { system: CiSystem; label: string; detail: string }[] = [
  { system: 'github', label: 'GitHub Actions', detail: 'AWS through OIDC (a role, no keys); prod waits for its environment\'s reviewers' },
  { system: 'gitlab', label: 'GitLab CI', detail: 'credentials as CI/CD variables; prod a manual job' },
  { system: 'jenkins', label: 'Jenkins', detail: 'a declarative Jenkinsfile; credentials bindings; input before prod' },
  { system: 'tekton', label: 'Tekton', detail: 'Pipelines and PipelineRuns; Kubernetes secrets; prod its own PipelineRun' },
];

/** Left side of the diff for a file that does not exist yet, right side for the generated text. */
const SCHEME = 'gitops-pilot-ci';
const texts = new Map<string, string>();
let provider: vscode.Disposable | undefined;
function previewUri(s: Services, path: string, text: string): vscode.Uri {
  provider ??= vscode.workspace.registerTextDocumentContentProvider(SCHEME, { provideTextDocumentContent: (uri) => texts.get(uri.toString()) ?? '' });
  if (!s.context.subscriptions.includes(provider)) s.context.subscriptions.push(provider);
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${texts.size}/${path}` });
  texts.set(uri.toString(), text);
  return uri;
}

async function pickProjectRoot(): Promise<string> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const withConfig: vscode.WorkspaceFolder[] = [];
  for (const f of folders) if (await findConfigFile(f.uri.fsPath)) withConfig.push(f);
  if (!withConfig.length) {
    throw inputError('ci.noConfig', 'No gitops-pilot.yaml in this workspace: the pipeline is made from it', { hint: 'Run GitOps Pilot: Create gitops-pilot.yaml in the app repository first' });
  }
  if (withConfig.length === 1) return withConfig[0]!.uri.fsPath;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which app gets the CI pipeline?' });
  if (!picked || !withConfig.includes(picked)) throw cancelled();
  return picked.uri.fsPath;
}

/** "GitOps Pilot: Create CI Pipeline…": pick the system, see the files in the diff editor, then write them. */
export const createCiPipeline: CommandDef = {
  id: 'gitopsPilot.createCiPipeline',
  async run(s) {
    requireTrust('Create CI Pipeline');
    const root = await pickProjectRoot();
    const pick = await vscode.window.showQuickPick(
      SYSTEMS.map((x) => ({ ...x, description: DEFAULT_OUT[x.system] })),
      { placeHolder: 'Which CI system runs the pipeline? It tests, builds and pushes to ECR, checks the scan, deploys and promotes.', matchOnDescription: true },
    );
    if (!pick) throw cancelled();
    const { plan, files } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Generating the ${pick.label} pipeline…` }, async () => {
      const project = await loadProject(root);
      if (!project) throw inputError('ci.noConfig', `No gitops-pilot.yaml in ${root}`);
      return prepareCi(project, { system: pick.system, gitPath: s.settings.get('gitPath') || undefined });
    });
    const existing = await Promise.all(files.map((f) => readFile(join(root, f.path), 'utf8').catch(() => undefined)));
    const changed: { file: CiFile; before?: string }[] = files.map((file, i) => ({ file, ...(existing[i] !== undefined ? { before: existing[i] } : {}) })).filter((c) => c.before !== c.file.text);
    if (!changed.length) {
      void vscode.window.showInformationMessage(`${files.map((f) => f.path).join(', ')} ${files.length > 1 ? 'are' : 'is'} already up to date.`);
      return;
    }
    for (const c of changed) {
      const left = c.before !== undefined ? vscode.Uri.file(join(root, c.file.path)) : previewUri(s, c.file.path, '');
      await vscode.commands.executeCommand('vscode.diff', left, previewUri(s, c.file.path, c.file.text), `${c.file.path} (generated for ${pick.label})`, { preview: changed.length === 1 });
    }
    const overwrite = changed.some((c) => c.before !== undefined);
    const names = changed.map((c) => c.file.path).join(', ');
    const notes = [
      `Tests: ${plan.tests.evidence}. Deploys ${plan.first.id}${plan.promotions.length ? `, promotes ${plan.promotions.map((e) => `${e.id}${e.protected ? ' (approval)' : ''}`).join(', ')}` : ''}.`,
      ...(!plan.gitops.sameRepo && !plan.gitops.url ? ['The GitOps clone has no remote: set GITOPS_REPO_URL in the CI system.'] : []),
      'The file\'s header lists the credentials to set up; nothing secret is written.',
    ].join(' ');
    const action = overwrite ? 'Overwrite' : 'Write';
    const answer = await vscode.window.showInformationMessage(`${action} ${names}?`, { modal: true, detail: notes }, action);
    if (answer !== action) throw cancelled();
    for (const c of changed) {
      const p = join(root, c.file.path);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, c.file.text);
      s.log.info(`wrote ${p}`);
    }
    await vscode.window.showTextDocument(vscode.Uri.file(join(root, changed[0]!.file.path)));
  },
};
