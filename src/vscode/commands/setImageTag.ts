import { setImageFlow } from '../deploy/flows';
import { pickTag, type TagSuggestion } from '../deploy/prompts';
import { pickEnvironment } from '../pick';
import type { EnvironmentEntry } from '../../core/workspace/environments';
import type { CommandDef, Services } from './types';

/**
 * Set Image Tag…: choose a tag (registry tags, other environments', earlier ones), review the diff, deploy.
 * Keybindings and other extensions may pass the environment id and the tag: (envId, tag).
 */
export const setImageTag: CommandDef = {
  id: 'gitopsPilot.setImageTag',
  async run(s, node, tagArg) {
    const entry = await pickEnvironment(s, node, { placeHolder: 'Set the image tag of which environment?', filter: (e) => e.file.ok });
    const current = entry.file.ok ? entry.file.declared.tag : undefined;
    const tag = typeof tagArg === 'string' ? tagArg : await pickTag(`Deploy to ${entry.env.name}${current ? ` (now ${current})` : ''}`, suggestions(s, entry), current);
    await setImageFlow(s, entry, tag);
  },
};

async function suggestions(s: Services, entry: EnvironmentEntry): Promise<TagSuggestion[]> {
  const out = new Map<string, TagSuggestion>();
  const repo = entry.file.ok ? entry.file.declared.repository : undefined;
  if (repo && s.hooks.recentTags) {
    for (const t of await s.hooks.recentTags(repo).catch(() => [])) out.set(t.tag, t);
  }
  for (const other of s.environments.environments) {
    if (other.project.root !== entry.project.root || other.env.id === entry.env.id || !other.file.ok || !other.file.declared.tag) continue;
    const tag = other.file.declared.tag;
    if (!out.has(tag)) out.set(tag, { tag, description: `in ${other.env.name}` });
  }
  try {
    for (const r of (await s.history.get(entry.env)).slice(0, 10)) {
      const tag = r.before?.tag;
      if (tag && !out.has(tag)) out.set(tag, { tag, description: `earlier in ${entry.env.name}`, detail: r.subject });
    }
  } catch {
    // history is a nicety here; its errors show in the History row
  }
  return [...out.values()];
}
