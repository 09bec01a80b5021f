// Build script.
//   node esbuild.mjs               bundles dist/extension.js, dist/cli.js and the lazily loaded SDK bundles
//   node esbuild.mjs --production  the same, minified, without source maps (what `npm run package` ships)
//   node esbuild.mjs --watch       rebuilds the bundles on change
//   node esbuild.mjs --tests       transpiles src/ and test/ file by file into out/ (no bundling, no type check:
//                                  `npm run typecheck` does that) so tests can load any module on its own
import * as esbuild from 'esbuild';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

// Heavy SDKs are built as their own bundles and required at first use, so activation never parses them.
// Source modules import them as `import('../lazy/kube')`; in the bundles that import becomes a runtime
// require of the sibling file `dist/lazy-kube.js`. Each lazy module imports only its SDK, never our core,
// so no state is duplicated between bundles.
const lazyModules = {
  kube: 'src/lazy/kube.ts',
  ecr: 'src/lazy/ecr.ts',
  github: 'src/lazy/github.ts',
  gitlab: 'src/lazy/gitlab.ts',
};

/** @type {esbuild.Plugin} */
const lazyExternal = {
  name: 'lazy-external',
  setup(build) {
    build.onResolve({ filter: /(^|\/)lazy\/(kube|ecr|github|gitlab)$/ }, (a) => {
      if (a.kind === 'entry-point') return undefined;
      const name = a.path.split('/').pop();
      return { path: `./lazy-${name}.js`, external: true };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  legalComments: production ? 'none' : 'inline',
  logLevel: 'warning',
  mainFields: ['module', 'main'],
};

function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  cpSync('src/core/config/gitops-pilot.schema.json', 'dist/gitops-pilot.schema.json');
}

async function buildBundles() {
  const ctxs = [
    await esbuild.context({
      ...common,
      entryPoints: { extension: 'src/extension.ts' },
      outdir: 'dist',
      external: ['vscode'],
      // the bundle's first and last statements: activate() reports how long evaluating the bundle took
      banner: { js: 'globalThis.__gitopsPilotLoad = { start: performance.now() };' },
      footer: { js: 'globalThis.__gitopsPilotLoad.end = performance.now();' },
      plugins: [lazyExternal],
    }),
    await esbuild.context({
      ...common,
      entryPoints: { cli: 'src/cli.ts' },
      outdir: 'dist',
      banner: { js: '#!/usr/bin/env node' },
      define: { __VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
      plugins: [lazyExternal],
    }),
    await esbuild.context({
      ...common,
      entryPoints: Object.fromEntries(Object.entries(lazyModules).map(([k, v]) => [`lazy-${k}`, v])),
      outdir: 'dist',
    }),
  ];
  return ctxs;
}

async function buildTests() {
  // Rewrite out/ in place rather than deleting it first: tests (and screenshots under out/test-results)
  // of a concurrent run keep working. Outputs whose source is gone are removed afterwards.
  const entryPoints = [...listTs('src'), ...listTs('test')];
  await esbuild.build({
    entryPoints,
    outdir: 'out',
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    // `await import('../lazy/kube')` must resolve like the bundles resolve it (a require of the sibling
    // module): a native import() of an extensionless path fails in Node's ESM loader
    supported: { 'dynamic-import': false },
  });
  // JSON imported by source modules must sit next to the transpiled file.
  for (const f of listJson('src')) cpSync(f, join('out', f));
  const expected = new Set(entryPoints.map((f) => join('out', f.replace(/\.ts$/, '.js'))));
  for (const dir of ['out/src', 'out/test']) {
    for (const f of listFiles(dir)) if (f.endsWith('.js') && !expected.has(f)) rmSync(f);
  }
}

function listFiles(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out = [];
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

function listJson(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (p.endsWith('.json')) out.push(p);
  }
  return out;
}

const started = Date.now();
if (args.has('--tests')) {
  await buildTests();
  console.log(`transpiled src/ and test/ into out/ in ${Date.now() - started} ms`);
} else {
  copyAssets();
  const ctxs = await buildBundles();
  if (args.has('--watch')) {
    await Promise.all(ctxs.map((c) => c.watch()));
    console.log('watching for changes…');
  } else {
    await Promise.all(ctxs.map((c) => c.rebuild()));
    await Promise.all(ctxs.map((c) => c.dispose()));
    chmodSync('dist/cli.js', 0o755);
    const sizes = ['extension.js', 'cli.js', ...Object.keys(lazyModules).map((k) => `lazy-${k}.js`)]
      .map((f) => `${f} ${(statSync(join('dist', f)).size / 1024).toFixed(0)} KiB`);
    console.log(`built in ${Date.now() - started} ms: ${sizes.join(', ')}`);
  }
}
