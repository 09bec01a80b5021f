/** `gates:` of an environment in gitops-pilot.yaml, checked and with its defaults applied. */
import type { EnvironmentGates, GatesConfig } from '../config/model';
import { inputError, PilotError, type SourceLocation } from '../errors';
import { parseDuration } from '../util/time';
import { parseFreezeWindow } from './freeze';

export const DEFAULT_SOAK = '30m';
export const DEFAULT_VERIFY = ['healthUrl', 'analysis'] as const;

/** Throws an input error at the offending key (bad duration, time zone, weekday or date). */
export function parseGates(c: GatesConfig, isProtected: boolean, loc: (...keys: (string | number)[]) => SourceLocation): EnvironmentGates {
  const soak = String(c.soak ?? DEFAULT_SOAK);
  const soakMs = soak === '0' ? 0 : parseDuration(soak);
  if (soakMs === undefined) {
    throw inputError('gates.badSoak', `soak "${soak}" is not a duration`, { location: loc('soak'), hint: 'Write it as 30m, 2h or 90s (0 to only require a healthy source)' });
  }
  const freeze = (c.freeze ?? []).map((w, i) => {
    try {
      return parseFreezeWindow(w);
    } catch (err) {
      if (err instanceof PilotError) throw inputError(err.code, err.message, { location: loc('freeze', i), hint: err.hint });
      throw err;
    }
  });
  return { soakMs, verify: [...(c.verify ?? DEFAULT_VERIFY)], freeze, approval: c.approval ?? (isProtected ? 'typed' : 'none') };
}
