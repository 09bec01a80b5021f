/**
 * GitHub's own workflow parser (`@actions/workflow-parser`, what github.com and the Actions language server use).
 * It is an ES module that imports JSON without import attributes, which Node 20 refuses, so it is bundled once
 * with esbuild into a CommonJS file under out/vendor/ and required from there.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths';

interface Parser {
  parseWorkflow(file: { name: string; content: string }, trace: unknown): { context: { errors: { getErrors(): { message: string }[] } }; value: unknown };
  convertWorkflowTemplate(context: unknown, root: unknown): Promise<{ errors?: { Message: string }[]; jobs?: unknown[] }>;
  NoOperationTraceWriter: new () => unknown;
}

let loaded: Promise<Parser> | undefined;

async function load(): Promise<Parser> {
  const out = join(repoRoot, 'out', 'vendor', 'workflow-parser.cjs');
  const pkg = join(repoRoot, 'node_modules', '@actions', 'workflow-parser', 'package.json');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(pkg).mtimeMs) {
    mkdirSync(join(repoRoot, 'out', 'vendor'), { recursive: true });
    const esbuild = await import('esbuild');
    await esbuild.build({
      stdin: { contents: "export * from '@actions/workflow-parser';", resolveDir: repoRoot, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: out,
      logLevel: 'error',
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(out) as Parser;
}

/** The errors GitHub reports for a workflow file (parse and semantic), as messages; empty when it is valid. */
export async function workflowErrors(name: string, content: string): Promise<string[]> {
  const p = await (loaded ??= load());
  const parsed = p.parseWorkflow({ name, content }, new p.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return errors.length ? errors : ['the workflow did not parse'];
  const template = await p.convertWorkflowTemplate(parsed.context, parsed.value);
  return [...new Set([...errors, ...parsed.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)])];
}
