/**
 * Runs the real kubectl against a simulator: a private HOME, kubeconfig and discovery cache per
 * instance, argument arrays (no shell), bounded run times, and a line reader for `--watch` commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The kubectl the tests prove the simulator with (override with KUBESIM_KUBECTL). */
export const KUBECTL = process.env.KUBESIM_KUBECTL ?? '/usr/bin/kubectl';

export function kubectlInstalled(): boolean {
  return existsSync(KUBECTL);
}

export interface KubectlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A kubectl process whose output is read line by line while it runs. */
export class RunningKubectl {
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  readonly done: Promise<KubectlResult>;
  private waiters: Array<() => void> = [];
  private stdout = '';
  private stderr = '';

  constructor(readonly child: ChildProcess, timeoutMs: number) {
    let outBuf = '';
    let errBuf = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      this.stdout += s;
      outBuf += s;
      const parts = outBuf.split('\n');
      outBuf = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    child.stderr!.on('data', (s: string) => {
      this.stderr += s;
      errBuf += s;
      const parts = errBuf.split('\n');
      errBuf = parts.pop()!;
      this.errLines.push(...parts);
      this.wake();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    this.done = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (outBuf) this.lines.push(outBuf);
        if (errBuf) this.errLines.push(errBuf);
        this.wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** Resolves with the first stdout line matching `re` (seen already or later); rejects on exit or after `timeoutMs`. */
  async waitForLine(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.done.then(() => {
      exited = true;
    });
    for (;;) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (exited) throw new Error(`kubectl exited before printing ${re}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`kubectl printed no line matching ${re} within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  kill(): Promise<KubectlResult> {
    this.child.kill('SIGTERM');
    return this.done;
  }
}

export class Kubectl {
  readonly dir: string;
  readonly kubeconfig: string;

  /**
   * @param target anything that can write a kubeconfig pointing at the simulator (a KubeSim)
   */
  constructor(target: { writeKubeconfig(file: string, opts?: { token?: string; namespace?: string }): void }, opts: { token?: string; namespace?: string } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'kubesim-kubectl-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
    target.writeKubeconfig(this.kubeconfig, opts);
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: this.dir, KUBECONFIG: this.kubeconfig, KUBECACHEDIR: join(this.dir, 'cache') };
    delete env.KUBERNETES_SERVICE_HOST;
    return env;
  }

  spawn(args: string[], timeoutMs = 20_000): RunningKubectl {
    const child = spawn(KUBECTL, args, { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    return new RunningKubectl(child, timeoutMs);
  }

  /** Runs kubectl to completion (killed after `timeoutMs`). */
  run(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
    return this.spawn(args, timeoutMs).done;
  }

  /** Runs kubectl and fails with its output unless it exits 0; returns stdout. */
  async ok(args: string[], timeoutMs = 20_000): Promise<string> {
    const r = await this.run(args, timeoutMs);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Splits `kubectl get` table output into rows of cells (columns are separated by 2+ spaces). */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/));
}
