/**
 * Before a promotion: the target's gates (the core's one decision). When one says no, the user sees the
 * first failing gate and until when, and may override it only by choosing **Override…** and saying why;
 * the reason goes into the commit as a Gate-Override trailer. Escape changes nothing.
 */
import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { overridable } from '../../core/gates/decide';
import type { Services } from '../commands/types';
import type { EnvironmentEntry } from '../../core/workspace/environments';

/** undefined: promotable (or no gates to ask); else the override reason the user gave. */
export async function checkGates(s: Services, source: EnvironmentEntry, target: EnvironmentEntry): Promise<string | undefined> {
  const gates = s.hooks.gates;
  if (!gates) return undefined;
  const d = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Checking the gates of ${target.env.name}…` }, () => gates(source.env, target.env));
  s.log.info(`gates of ${target.env.name}: ${d.summary}`);
  if (d.promotable) return undefined;
  const b = d.blocking!;
  const when = b.until ? ` It passes by itself at ${new Date(b.until).toLocaleString()}.` : '';
  const failing = overridable(d).map((g) => `• ${g.gate}: ${g.detail}`).join('\n');
  const choice = await vscode.window.showWarningMessage(
    `${target.env.name} cannot be promoted into now: ${b.gate} — ${b.detail}`,
    { modal: true, detail: `${failing}\n\n${when.trim()} Overriding promotes anyway and records who and why in the commit (Gate-Override trailer).`.trim() },
    'Override…',
  );
  if (choice !== 'Override…') throw cancelled();
  const reason = await vscode.window.showInputBox({
    title: `Override the gates of ${target.env.name}`,
    prompt: `Why promote ${source.env.name} to ${target.env.name} now? (recorded in the commit as Gate-Override)`,
    placeHolder: 'hotfix for INC-123, approved by …',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() && !/[\r\n]/.test(v) ? undefined : 'Say why, on one line'),
  });
  if (reason === undefined) throw cancelled();
  s.log.warn(`overriding the gates of ${target.env.name} (${overridable(d).map((g) => g.gate).join(', ')}): ${reason.trim()}`);
  return reason.trim();
}
