/**
 * The manifest and the code agree: every contributed command is implemented in src/vscode/commands and
 * listed in allCommands, every implemented command is contributed, menus and welcome links name real
 * commands, settings match the typed table (with user-only ones machine-scoped and restricted).
 * (The extension-host suite checks the same against the live command registry.)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../support/paths';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const contributes = pkg.contributes;
const contributed: string[] = contributes.commands.map((c: { command: string }) => c.command);
const commandsDir = join(repoRoot, 'src/vscode/commands');

function implementedIds(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const f of readdirSync(commandsDir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(join(commandsDir, f), 'utf8');
    for (const m of text.matchAll(/\bid:\s*'(gitopsPilot\.[A-Za-z.]+)'/g)) ids.set(m[1]!, f);
  }
  return ids;
}

describe('package.json contributions', () => {
  test('every contributed command is implemented, and every implemented one contributed', () => {
    const implemented = implementedIds();
    assert.deepEqual([...contributed].sort(), [...implemented.keys()].sort());
  });

  test('every command file is in the allCommands list', () => {
    const index = readFileSync(join(commandsDir, 'index.ts'), 'utf8');
    const listed = /allCommands[^=]*=\s*\[([^\]]*)\]/s.exec(index)?.[1]?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    for (const [, file] of implementedIds()) {
      const exported = /export const (\w+): CommandDef/.exec(readFileSync(join(commandsDir, file), 'utf8'))?.[1];
      assert.ok(exported && listed.includes(exported), `${file} exports ${exported}, which allCommands does not list`);
    }
  });

  test('commands have a category, and icons where menus show them inline or in a title', () => {
    for (const c of contributes.commands) {
      assert.equal(c.category, 'GitOps Pilot', c.command);
      assert.ok(c.title && !/todo|not available/i.test(c.title), c.command);
    }
    const inline = [...(contributes.menus['view/title'] ?? []), ...(contributes.menus['view/item/context'] ?? [])].filter((m: { group?: string }) => /^(navigation|inline)/.test(m.group ?? ''));
    for (const m of inline) assert.ok(contributes.commands.find((c: { command: string }) => c.command === m.command)?.icon, `${m.command} shown inline needs an icon`);
  });

  test('menus and welcome links name contributed commands (or VS Code built-ins)', () => {
    const builtIns = /^(workbench\.|vscode\.)/;
    for (const [where, items] of Object.entries(contributes.menus) as [string, { command: string }[]][]) {
      for (const m of items) assert.ok(contributed.includes(m.command), `${where}: ${m.command}`);
    }
    for (const w of contributes.viewsWelcome) {
      for (const m of (w.contents as string).matchAll(/\(command:([A-Za-z.]+)/g)) assert.ok(contributed.includes(m[1]!) || builtIns.test(m[1]!), m[1]);
    }
  });

  test('item menus key on contextValue tokens wrapped in ;', () => {
    for (const m of contributes.menus['view/item/context'] ?? []) {
      for (const r of (m.when as string).matchAll(/viewItem =~ \/([^/]*)\//g)) assert.match(r[1]!, /^;.*;$/, m.when);
    }
  });

  test('no * activation, and activation events VS Code cannot derive are few', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    for (const e of pkg.activationEvents) assert.match(e, /^workspaceContains:/);
  });

  test('settings: the typed table and the manifest agree, user-only ones are machine-scoped and restricted', () => {
    const settingsTs = readFileSync(join(repoRoot, 'src/vscode/settings.ts'), 'utf8');
    const table = [...settingsTs.matchAll(/spec(?:<[^>]+>)?\('([^']+)',\s*[^,)]+(?:,\s*(true))?\)/g)].map((m) => ({ key: `gitopsPilot.${m[1]}`, userOnly: m[2] === 'true' }));
    const props = contributes.configuration.properties;
    assert.deepEqual(table.map((t) => t.key).sort(), Object.keys(props).sort());
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const t of table) {
      const p = props[t.key];
      assert.ok(p.description || p.markdownDescription, `${t.key} has a description`);
      if (t.userOnly) {
        assert.equal(p.scope, 'machine', `${t.key} names a program, endpoint or credentials: machine scope`);
        assert.ok(restricted.includes(t.key), `${t.key} is restricted in untrusted workspaces`);
      }
    }
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  test('the walkthrough, icons and schema it points at exist', () => {
    for (const w of contributes.walkthroughs) for (const s of w.steps) assert.ok(existsSync(join(repoRoot, s.media.markdown ?? s.media.image)), s.id);
    assert.ok(existsSync(join(repoRoot, pkg.icon)));
    assert.ok(existsSync(join(repoRoot, contributes.viewsContainers.activitybar[0].icon)));
    assert.equal(contributes.yamlValidation[0].url, './dist/gitops-pilot.schema.json');
    assert.ok(existsSync(join(repoRoot, 'src/core/config/gitops-pilot.schema.json')));
  });

  test('engines.vscode and @types/vscode stay at 1.100 (the newest VS Code server that runs on Node 20)', () => {
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.equal(pkg.devDependencies['@types/vscode'], '1.100.0');
  });
});

describe('the core never imports vscode', () => {
  test('no file under src/core, src/cli or src/lazy imports vscode', () => {
    const offenders: string[] = [];
    for (const dir of ['src/core', 'src/cli', 'src/lazy']) {
      for (const f of readdirSync(join(repoRoot, dir), { recursive: true }) as string[]) {
        if (!f.endsWith('.ts')) continue;
        const text = readFileSync(join(repoRoot, dir, f), 'utf8');
        if (/from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(text)) offenders.push(`${dir}/${f}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
