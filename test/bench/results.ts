/** Benchmark results: one row per measurement, with the peer figure measured in the same run. */
export interface Measurement {
  /** section/what */
  name: string;
  value: number;
  unit: string;
  /** what a user would use instead, measured in the same run */
  peer?: string;
  peerValue?: number;
  /** value / peerValue (lower is better unless `higherIsBetter`) */
  ratio?: number;
  target?: string;
  note?: string;
}

export class Results {
  readonly rows: Measurement[] = [];

  add(m: Omit<Measurement, 'ratio'>): void {
    const ratio = m.peerValue !== undefined && m.peerValue > 0 ? m.value / m.peerValue : undefined;
    const row = { ...m, ...(ratio !== undefined ? { ratio: Math.round(ratio * 1000) / 1000 } : {}) };
    this.rows.push(row);
    process.stdout.write(`  ${format(row)}\n`);
  }

  table(): string {
    const head = ['measurement', 'value', 'peer', 'peer value', 'ratio', 'target'];
    const rows = this.rows.map((r) => [r.name, `${num(r.value)} ${r.unit}`, r.peer ?? '', r.peerValue !== undefined ? `${num(r.peerValue)} ${r.unit}` : '', r.ratio !== undefined ? r.ratio.toFixed(2) : '', r.target ?? '']);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  }
}

function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function format(r: Measurement): string {
  return `${r.name}: ${num(r.value)} ${r.unit}${r.peer ? ` (${r.peer}: ${num(r.peerValue!)} ${r.unit}${r.ratio !== undefined ? `, ratio ${r.ratio.toFixed(2)}` : ''})` : ''}${r.note ? ` — ${r.note}` : ''}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}
