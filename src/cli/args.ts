/** A small, strict argument parser: unknown flags and missing values are bad input (exit 2). */
import { inputError } from '../core/errors';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; description: string; required?: boolean; valueName?: string }>;

export type ParsedFlags<S extends FlagSpec> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S, command: string): { flags: ParsedFlags<S>; positional: string[] } {
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(spec)) flags[k] = v.type === 'boolean' ? false : undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a !== '-') throw inputError('cli.unknownFlag', `unknown option ${a} for "${command}"`, { hint: `Run: gitops-pilot ${command} --help` });
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw inputError('cli.unknownFlag', `unknown option --${name} for "${command}"`, { hint: `Run: gitops-pilot ${command} --help` });
    if (s.type === 'boolean') {
      if (eq >= 0) throw inputError('cli.badFlag', `--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw inputError('cli.missingValue', `--${name} needs a value`, { hint: `Run: gitops-pilot ${command} --help` });
    flags[name] = value;
    value = undefined;
  }
  for (const [k, v] of Object.entries(spec)) {
    if (v.required && flags[k] === undefined) throw inputError('cli.missingFlag', `--${k} is required for "${command}"`, { hint: `Run: gitops-pilot ${command} --help` });
  }
  return { flags: flags as ParsedFlags<S>, positional };
}

export function flagHelp(spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([k, v]) => [`--${k}${v.type === 'string' ? ` ${v.valueName ?? 'VALUE'}` : ''}`, `${v.description}${v.required ? ' (required)' : ''}`]);
  const w = Math.max(...rows.map((r) => r[0]!.length), 0);
  return rows.map(([a, b]) => `  ${a!.padEnd(w)}  ${b}`).join('\n');
}
