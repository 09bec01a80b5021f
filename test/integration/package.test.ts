/** `npm run package` makes a .vsix that holds only what the extension needs. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../support/paths';
import { tempDir } from '../support/tmp';

test('the .vsix contains the bundles, schema, media and docs, and nothing else', () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  const vsix = join(tmp.dir, 'gitops-pilot.vsix');
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix], { cwd: repoRoot, stdio: 'pipe' });
  // a .vsix is a zip
  const listing = execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix], { encoding: 'utf8' });
  const files = listing.split('\n').filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length)).sort();
  assert.deepEqual(files, [
    'changelog.md',
    'dist/cli.js',
    'dist/extension.js',
    'dist/gitops-pilot.schema.json',
    'dist/lazy-ecr.js',
    'dist/lazy-github.js',
    'dist/lazy-gitlab.js',
    'dist/lazy-kube.js',
    'docs/TROUBLESHOOTING.md',
    'media/activitybar.svg',
    'media/icon.png',
    'media/walkthrough/configure.md',
    'media/walkthrough/environments.md',
    'media/walkthrough/open-repo.md',
    'package.json',
    'readme.md',
  ].sort());
  assert.ok(statSync(vsix).size < 4 * 1024 * 1024, `vsix is ${statSync(vsix).size} bytes`);
});
