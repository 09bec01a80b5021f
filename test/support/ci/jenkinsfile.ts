/**
 * A small reader of declarative Jenkinsfiles: blocks (`name(args) { … }`) and statements, with Groovy strings and
 * comments skipped correctly. `checkDeclarative` checks the structure Jenkins' declarative pipeline validator
 * requires (pipeline → agent + stages → stage('…') → steps, known sections only); `stagesOf` reads what a runner
 * needs (agent image, input, credentials bindings, sh scripts).
 */

export interface Block {
  /** the text before `{`, e.g. `stage('deploy-dev')` */
  readonly head: string;
  readonly blocks: Block[];
  /** statements (one per line, brackets joined), in order, interleaved with blocks by `order` */
  readonly statements: string[];
  readonly order: ({ kind: 'block'; block: Block } | { kind: 'statement'; text: string })[];
}

export function parseGroovyBlocks(text: string): Block {
  const root: Block = { head: '', blocks: [], statements: [], order: [] };
  const stack: Block[] = [root];
  let cur = '';
  let depth = 0; // ( and [
  const flush = () => {
    const t = cur.trim();
    cur = '';
    if (!t) return;
    const b = stack[stack.length - 1]!;
    b.statements.push(t);
    b.order.push({ kind: 'statement', text: t });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      i--;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated /* comment');
      i = end + 1;
      continue;
    }
    if (c === "'" || c === '"') {
      const triple = text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      for (;;) {
        if (j >= text.length) throw new Error(`unterminated string starting at offset ${i}`);
        if (text[j] === '\\') {
          j += 2;
          continue;
        }
        if (!triple && text[j] === '\n') throw new Error(`newline in a single-line string at offset ${i}`);
        if (text.startsWith(q, j)) break;
        j++;
      }
      cur += text.slice(i, j + q.length);
      i = j + q.length - 1;
      continue;
    }
    if (c === '(' || c === '[') depth++;
    if (c === ')' || c === ']') depth--;
    if (depth < 0) throw new Error(`unbalanced ${c} at offset ${i}`);
    if (c === '{' && depth === 0) {
      const b: Block = { head: cur.trim(), blocks: [], statements: [], order: [] };
      cur = '';
      const parent = stack[stack.length - 1]!;
      parent.blocks.push(b);
      parent.order.push({ kind: 'block', block: b });
      stack.push(b);
      continue;
    }
    if (c === '}' && depth === 0) {
      flush();
      if (stack.length === 1) throw new Error(`unbalanced } at offset ${i}`);
      stack.pop();
      continue;
    }
    if (c === '\n' && depth === 0) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  if (stack.length !== 1) throw new Error(`${stack.length - 1} block(s) not closed (last: ${stack[stack.length - 1]!.head})`);
  if (depth !== 0) throw new Error('unbalanced ( or [');
  return root;
}

const PIPELINE_SECTIONS = new Set(['agent', 'environment', 'options', 'parameters', 'triggers', 'stages', 'post', 'tools', 'libraries']);
const STAGE_SECTIONS = new Set(['agent', 'environment', 'input', 'options', 'when', 'steps', 'post', 'tools', 'stages', 'parallel', 'matrix']);

const word = (head: string) => /^[A-Za-z_]\w*/.exec(head)?.[0] ?? head;

/** Problems with the declarative structure; empty when the file is a valid declarative pipeline shape. */
export function checkDeclarative(text: string): string[] {
  let root: Block;
  try {
    root = parseGroovyBlocks(text);
  } catch (e) {
    return [(e as Error).message];
  }
  const problems: string[] = [];
  const pipelines = root.blocks.filter((b) => b.head === 'pipeline');
  if (pipelines.length !== 1 || root.blocks.length !== 1 || root.statements.length) return ['the file must be exactly one pipeline { … } block'];
  const p = pipelines[0]!;
  for (const b of p.blocks) if (!PIPELINE_SECTIONS.has(word(b.head))) problems.push(`unknown pipeline section ${b.head}`);
  for (const s of p.statements) if (!/^agent\s+(none|any)$/.test(s)) problems.push(`unexpected statement in pipeline: ${s}`);
  const hasAgent = p.blocks.some((b) => b.head === 'agent') || p.statements.some((s) => /^agent\s+(none|any)$/.test(s));
  if (!hasAgent) problems.push('pipeline has no agent');
  const stages = p.blocks.filter((b) => b.head === 'stages');
  if (stages.length !== 1) return [...problems, 'pipeline needs exactly one stages { … }'];
  const seen = new Set<string>();
  const topAgentNone = p.statements.includes('agent none');
  for (const st of stages[0]!.blocks) {
    const m = /^stage\(\s*'([^']+)'\s*\)$/.exec(st.head);
    if (!m) {
      problems.push(`stages may only hold stage('name') { … }, not ${st.head}`);
      continue;
    }
    if (seen.has(m[1]!)) problems.push(`stage '${m[1]}' appears twice`);
    seen.add(m[1]!);
    for (const b of st.blocks) if (!STAGE_SECTIONS.has(word(b.head))) problems.push(`stage '${m[1]}': unknown section ${b.head}`);
    if (st.statements.length) problems.push(`stage '${m[1]}': statements outside steps: ${st.statements[0]}`);
    if (!st.blocks.some((b) => ['steps', 'stages', 'parallel', 'matrix'].includes(b.head))) problems.push(`stage '${m[1]}' has no steps`);
    if (topAgentNone && !st.blocks.some((b) => b.head === 'agent')) problems.push(`stage '${m[1]}' has no agent while the pipeline has agent none`);
    const input = st.blocks.find((b) => b.head === 'input');
    if (input && !input.statements.some((s) => /^message\s+'/.test(s))) problems.push(`stage '${m[1]}': input needs a message`);
    const steps = st.blocks.find((b) => b.head === 'steps');
    if (steps && !steps.statements.length && !steps.blocks.length) problems.push(`stage '${m[1]}': steps is empty`);
  }
  return problems;
}

/** A Groovy string literal's value: '…', '''…''' (a leading newline dropped, as Groovy keeps it: we keep it). */
export function groovyString(literal: string): string {
  const triple = literal.startsWith("'''");
  const body = triple ? literal.slice(3, -3) : literal.slice(1, -1);
  return body.replace(/\\(.)/gs, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}

export interface JenkinsStage {
  readonly name: string;
  readonly input?: string;
  readonly image?: string;
  readonly dockerArgs?: string;
  /** credentialsId → variables it binds */
  readonly credentials: { id: string; kind: 'usernamePassword' | 'file'; variables: string[] }[];
  readonly scripts: string[];
}

function findAll(b: Block, pred: (b: Block) => boolean): Block[] {
  return [...(pred(b) ? [b] : []), ...b.blocks.flatMap((c) => findAll(c, pred))];
}

export function pipelineEnvironment(text: string): Record<string, string> {
  const p = parseGroovyBlocks(text).blocks[0]!;
  const env: Record<string, string> = {};
  for (const s of p.blocks.find((b) => b.head === 'environment')?.statements ?? []) {
    const m = /^(\w+)\s*=\s*('.*')$/.exec(s);
    if (m) env[m[1]!] = groovyString(m[2]!);
  }
  return env;
}

export function stagesOf(text: string): JenkinsStage[] {
  const p = parseGroovyBlocks(text).blocks[0]!;
  const stages = p.blocks.find((b) => b.head === 'stages')!;
  return stages.blocks.map((st) => {
    const docker = findAll(st, (b) => b.head === 'docker')[0];
    const image = docker?.statements.find((s) => s.startsWith('image '));
    const args = docker?.statements.find((s) => s.startsWith('args '));
    const input = st.blocks.find((b) => b.head === 'input')?.statements.find((s) => s.startsWith('message '));
    const credentials: JenkinsStage['credentials'] = [];
    const scripts: string[] = [];
    for (const b of findAll(st, () => true)) {
      const wc = /^withCredentials\(\[([\s\S]*)\]\)$/.exec(b.head);
      if (wc) {
        for (const m of wc[1]!.matchAll(/(usernamePassword|file)\(([^)]*)\)/g)) {
          const arg = (k: string) => new RegExp(`${k}:\\s*'([^']*)'`).exec(m[2]!)?.[1];
          credentials.push({ id: arg('credentialsId')!, kind: m[1] as 'usernamePassword' | 'file', variables: [arg('usernameVariable'), arg('passwordVariable'), arg('variable')].filter((x): x is string => !!x) });
        }
      }
      for (const s of b.statements) {
        const m = /^sh\s+('''[\s\S]*'''|'.*')$/.exec(s);
        if (m) scripts.push(groovyString(m[1]!));
      }
    }
    return {
      name: /^stage\(\s*'([^']+)'\s*\)$/.exec(st.head)![1]!,
      ...(input ? { input: groovyString(input.slice('message '.length)) } : {}),
      ...(image ? { image: groovyString(image.slice('image '.length)) } : {}),
      ...(args ? { dockerArgs: groovyString(args.slice('args '.length)) } : {}),
      credentials,
      scripts,
    };
  });
}
