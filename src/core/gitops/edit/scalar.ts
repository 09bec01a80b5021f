/** Writing a string as a YAML scalar that reads back as exactly that string, in the old scalar's style. */
import { parseDocument } from 'yaml';

export type FlowStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

function doubleQuoted(v: string): string {
  // JSON string syntax is valid YAML double-quoted syntax
  return JSON.stringify(v);
}

function singleQuoted(v: string): string {
  return /[\x00-\x1f\x7f]/.test(v) ? doubleQuoted(v) : `'${v.replace(/'/g, "''")}'`;
}

/**
 * Numbers in any YAML version or common parser: decimal ints and floats (one dot, `_` separators, an
 * exponent: 1.10, 1e3, 1_000, .5), YAML 1.1 sexagesimals (1:20), radix literals (0x1F, 0o17, 0b11) and
 * .inf/.nan. (`6.15.0` is none of them: every parser reads it as a string.)
 */
const NUMBER_LIKE = /^[-+]?(?:(?=\.?[0-9])[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0[xXoObB][0-9a-fA-F_]+|\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
/** YAML 1.1 booleans and nulls, which Helm's (YAML 1.1) parser reads as non-strings */
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

/** Whether `v` written plain reads back as the same string in YAML 1.2 and YAML 1.1 parsers. */
export function plainRoundTrips(v: string, inFlow = false): boolean {
  if (v === '' || v !== v.trim() || /[\x00-\x1f\x7f\u0085\u2028\u2029]/.test(v)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(v)) return false;
  if (/:(?:\s|$)|\s#/.test(v)) return false;
  if (inFlow && /[,[\]{}:]/.test(v)) return false;
  if (NUMBER_LIKE.test(v) || YAML11_WORDS.test(v)) return false;
  for (const version of ['1.2', '1.1'] as const) {
    try {
      const d = parseDocument(v, { version });
      if (d.errors.length || d.warnings.length || d.toJS() !== v) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The source text for `value` in the old scalar's style (plain only when it reads back as a string). */
export function renderScalar(value: string, style: FlowStyle, inFlow: boolean): string {
  if (style === 'QUOTE_SINGLE') return singleQuoted(value);
  if (style === 'QUOTE_DOUBLE') return doubleQuoted(value);
  return plainRoundTrips(value, inFlow) ? value : doubleQuoted(value);
}
