/**
 * Before a promotion: the target's gates (the core's one decision). When one says no, the user sees the
 * first failing gate and until when, and may override it only by choosing **Override…** and saying why;
 * the reason goes into the commit as a Gate-Override trailer. Escape changes nothing.
 */
import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { overridable } from '../../core/gates/decide';
import type { Services } from '../commands/types';
import type { Environment } from '../../core/config/model';
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
  const failing = overridable(d).map((g) => `• ${g.gate}: ${g.detail}`);
  return askOverride(s, `${target.env.name} cannot be promoted into now: ${b.gate} — ${b.detail}`, failing, when, target.env.name, `Why promote ${source.env.name} to ${target.env.name} now?`);
}

/**
 * Promote All: the gates of every chosen app (each app's source and target). undefined: all promotable (or no
 * gates to ask); else the reason the user gave to override them, recorded per app as Gate-Override trailers.
 */
export async function checkReleaseGates(s: Services, to: string, pairs: readonly { app: string; from: Environment; to: Environment }[]): Promise<string | undefined> {
  const gates = s.hooks.gates;
  if (!gates || !pairs.length) return undefined;
  const decided = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Checking the gates of ${pairs.length} apps in ${to}…` }, () =>
    Promise.all(pairs.map(async (p) => ({ app: p.app, d: await gates(p.from, p.to) }))),
  );
  const blocked = decided.filter((x) => !x.d.promotable);
  s.log.info(`gates of ${to}: ${blocked.length ? `${blocked.map((x) => `${x.app} ${x.d.summary}`).join('; ')}` : `${pairs.length} apps ready`}`);
  if (!blocked.length) return undefined;
  const first = blocked[0]!;
  const b = first.d.blocking!;
  const until = Math.max(...blocked.map((x) => x.d.blocking?.until ?? Number.POSITIVE_INFINITY));
  const when = Number.isFinite(until) ? ` They pass by themselves at ${new Date(until).toLocaleString()}.` : '';
  const failing = blocked.flatMap((x) => overridable(x.d).map((g) => `• ${x.app}: ${g.gate}: ${g.detail}`));
  const message = blocked.length === 1 ? `${first.app} cannot be promoted into ${to} now: ${b.gate} — ${b.detail}` : `${blocked.length} of ${pairs.length} apps cannot be promoted into ${to} now (${first.app}: ${b.gate} — ${b.detail})`;
  return askOverride(s, message, failing, when, to, `Why promote ${blocked.map((x) => x.app).join(', ')} to ${to} now?`);
}

/** The modal with **Override…**, then the reason (one line); Escape anywhere: a silent cancellation. */
async function askOverride(s: Services, message: string, failing: readonly string[], when: string, target: string, why: string): Promise<string> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail: `${failing.join('\n')}\n\n${when.trim()} Overriding promotes anyway and records who and why in the commit (Gate-Override trailer).`.trim() }, 'Override…');
  if (choice !== 'Override…') throw cancelled();
  const reason = await vscode.window.showInputBox({
    title: `Override the gates of ${target}`,
    prompt: `${why} (recorded in the commit as Gate-Override)`,
    placeHolder: 'hotfix for INC-123, approved by …',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() && !/[\r\n]/.test(v) ? undefined : 'Say why, on one line'),
  });
  if (reason === undefined) throw cancelled();
  s.log.warn(`overriding the gates of ${target}: ${reason.trim()}`);
  return reason.trim();
}
