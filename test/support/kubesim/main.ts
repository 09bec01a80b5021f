/**
 * Runs the simulator on its own, for manual use and for the sandbox:
 *
 *   node out/test/support/kubesim/main.js [--port 0] [--host 127.0.0.1] [--speed fast|realistic]
 *        [--seed objects.json|objects.yaml] [--kubeconfig FILE] [--token TOKEN] [--namespace NS] [--json] [--verbose] [--tls]
 *
 * Prints the URL and writes a kubeconfig whose current context points at the simulator
 * (`kubectl --kubeconfig FILE get pods`). `--seed` creates the objects of a JSON file (one object,
 * an array, or a v1 List) or a multi-document YAML file at start. `--json` prints one JSON line
 * `{"url":...,"port":...,"kubeconfig":...}` instead of the human-readable lines; `--verbose` logs
 * every request to stderr. `--tls` serves HTTPS with a self-signed certificate (implied by `--token`:
 * kubectl sends bearer tokens only over TLS); the kubeconfig trusts it. Stops on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startKubeSim, type KubeObject, type Speed } from './index';

interface Args {
  port: number;
  host: string;
  speed: Speed;
  seed?: string;
  kubeconfig?: string;
  token?: string;
  namespace: string;
  json: boolean;
  verbose: boolean;
  tls: boolean;
}

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: main.js [--port N] [--host H] [--speed fast|realistic] [--seed FILE] [--kubeconfig FILE] [--token T] [--namespace NS] [--json] [--verbose] [--tls]\n`);
  process.exit(2);
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { port: 0, host: '127.0.0.1', speed: 'fast', namespace: 'default', json: false, verbose: false, tls: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 65535) usage('--port must be 0..65535');
        args.port = n;
        break;
      }
      case '--host':
        args.host = value();
        break;
      case '--speed': {
        const v = value();
        if (v !== 'fast' && v !== 'realistic') usage('--speed must be fast or realistic');
        args.speed = v;
        break;
      }
      case '--seed':
        args.seed = value();
        break;
      case '--kubeconfig':
        args.kubeconfig = value();
        break;
      case '--token':
        args.token = value();
        break;
      case '--namespace':
        args.namespace = value();
        break;
      case '--json':
        args.json = true;
        break;
      case '--verbose':
        args.verbose = true;
        break;
      case '--tls':
        args.tls = true;
        break;
      default:
        usage(`unknown argument: ${a}`);
    }
  }
  return args;
}

/** Objects of a seed file: JSON (object, array or List) or YAML (one or more documents). */
export function readSeed(file: string): KubeObject[] {
  const text = readFileSync(file, 'utf8');
  let docs: unknown[];
  if (/\.json$/i.test(file)) {
    const parsed = JSON.parse(text) as unknown;
    docs = Array.isArray(parsed) ? parsed : [parsed];
  } else {
    docs = parseAllDocuments(text).map((d) => d.toJSON() as unknown);
  }
  const out: KubeObject[] = [];
  for (const d of docs) {
    if (!d || typeof d !== 'object') continue;
    const o = d as KubeObject;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) out.push(...(o.items as KubeObject[]));
    else out.push(o);
  }
  // namespaces first, so namespaced objects find theirs
  return out.sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const objects = args.seed ? readSeed(resolve(args.seed)) : [];
  const sim = await startKubeSim({
    port: args.port,
    host: args.host,
    speed: args.speed,
    auth: args.token ? { tokens: { [args.token]: 'kubesim-user' } } : undefined,
    // kubectl sends bearer tokens over TLS only
    tls: args.tls || args.token !== undefined,
    objects,
    log: args.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  const kubeconfig = resolve(args.kubeconfig ?? join(tmpdir(), `kubesim-${sim.port}.kubeconfig`));
  sim.writeKubeconfig(kubeconfig, { namespace: args.namespace, token: args.token });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ url: sim.url, port: sim.port, kubeconfig })}\n`);
  } else {
    process.stdout.write(`kubesim listening on ${sim.url} (speed ${args.speed}, ${objects.length} seed objects)\n`);
    process.stdout.write(`kubeconfig written to ${kubeconfig}\n  export KUBECONFIG=${kubeconfig}\n`);
  }
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`kubesim: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
