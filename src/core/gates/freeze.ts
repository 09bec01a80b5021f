/**
 * Freeze windows: weekly ranges (`Fri 16:00` → `Mon 08:00`) and date ranges (`2026-12-24` → `2026-12-27`,
 * the last day included), each read in an IANA time zone. Pure functions of an instant (ms since the
 * epoch): wall times come from Intl.DateTimeFormat, so daylight-saving changes are the zone's own.
 */
import { inputError } from '../errors';

export interface FreezeWindowConfig {
  readonly weekly?: { readonly from: string; readonly to: string };
  readonly dates?: { readonly from: string; readonly to: string };
  readonly timeZone?: string;
  /** shown with the state, e.g. "release freeze" */
  readonly reason?: string;
}

/** A window checked and parsed: minutes of the week, or wall-clock date-times in its zone. */
export type FreezeWindow =
  | { readonly kind: 'weekly'; readonly from: number; readonly to: number; readonly timeZone: string; readonly reason?: string; readonly text: string }
  | { readonly kind: 'dates'; readonly from: Wall; readonly to: Wall; readonly timeZone: string; readonly reason?: string; readonly text: string };

/** A wall-clock time in some zone (month 1-12). */
export interface Wall {
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const WEEK = 7 * 1440;

/** Checks a zone name; throws an input error naming it. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw inputError('gates.badTimeZone', `"${timeZone}" is not an IANA time zone`, { hint: 'Use a name such as Europe/Berlin, America/New_York or UTC' });
  }
}

function parseWeekTime(text: string): number {
  const m = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat)[a-z]*\s+([01]?\d|2[0-3]):([0-5]\d)$/i.exec(text.trim());
  const day = m ? DAYS.findIndex((d) => d.toLowerCase() === m[1]!.slice(0, 3).toLowerCase()) : -1;
  if (!m || day < 0) throw inputError('gates.badWeekTime', `"${text}" is not a weekday and time`, { hint: 'Write it as "Fri 16:00" (Mon Tue Wed Thu Fri Sat Sun, 24-hour time)' });
  return day * 1440 + Number(m[2]) * 60 + Number(m[3]);
}

function parseDateTime(text: string, end: boolean): Wall {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(text.trim());
  if (!m) throw inputError('gates.badDate', `"${text}" is not a date`, { hint: 'Write it as 2026-12-24 (or 2026-12-24 16:00)' });
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) throw inputError('gates.badDate', `"${text}" is not a date`, { hint: 'Write it as 2026-12-24 (or 2026-12-24 16:00)' });
  if (m[4] !== undefined) return { y, mo, d, h: Number(m[4]), mi: Number(m[5]) };
  // a date alone: from its start; to the end of that day (the next midnight)
  if (!end) return { y, mo, d, h: 0, mi: 0 };
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return { y: next.getUTCFullYear(), mo: next.getUTCMonth() + 1, d: next.getUTCDate(), h: 0, mi: 0 };
}

/** Parses and checks one window from gitops-pilot.yaml. */
export function parseFreezeWindow(c: FreezeWindowConfig): FreezeWindow {
  const timeZone = c.timeZone ?? 'UTC';
  checkTimeZone(timeZone);
  if (c.weekly && !c.dates) {
    const from = parseWeekTime(c.weekly.from);
    const to = parseWeekTime(c.weekly.to);
    if (from === to) throw inputError('gates.emptyWindow', `the freeze window ${c.weekly.from} → ${c.weekly.to} is empty`, { hint: 'Give it a different end' });
    return { kind: 'weekly', from, to, timeZone, reason: c.reason, text: `${c.weekly.from} → ${c.weekly.to} ${timeZone}` };
  }
  if (c.dates && !c.weekly) {
    const from = parseDateTime(c.dates.from, false);
    const to = parseDateTime(c.dates.to, true);
    if (wallKey(to) <= wallKey(from)) throw inputError('gates.emptyWindow', `the freeze window ${c.dates.from} → ${c.dates.to} ends before it starts`, { hint: 'Put the earlier date in from' });
    return { kind: 'dates', from, to, timeZone, reason: c.reason, text: `${c.dates.from} → ${c.dates.to} ${timeZone}` };
  }
  throw inputError('gates.badWindow', 'a freeze window needs either weekly: { from, to } or dates: { from, to }', { hint: 'For example weekly: { from: "Fri 16:00", to: "Mon 08:00" }' });
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time (and weekday, 0 = Sunday) of an instant in a zone. */
export function wallTime(t: number, timeZone: string): Wall & { wd: number; s: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  return {
    y: Number(parts.year),
    mo: Number(parts.month),
    d: Number(parts.day),
    h: Number(parts.hour) % 24,
    mi: Number(parts.minute),
    s: Number(parts.second),
    wd: DAYS.indexOf(parts.weekday as (typeof DAYS)[number]),
  };
}

function wallKey(w: Wall): number {
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
}

/**
 * The instant a wall-clock time names in a zone. A time the clocks skip (spring forward) is shifted
 * forward by the gap (as Temporal's `compatible`); a time that happens twice (fall back) is its first occurrence.
 */
export function zonedInstant(w: Wall, timeZone: string): number {
  const target = wallKey(w);
  const offsetAt = (t: number) => {
    const x = wallTime(t, timeZone);
    return Date.UTC(x.y, x.mo - 1, x.d, x.h, x.mi, x.s) - Math.floor(t / 1000) * 1000;
  };
  const first = target - offsetAt(target);
  const second = target - offsetAt(first);
  if (second === first) {
    // the earlier of two occurrences, when the zone repeats this hour
    const earlier = target - offsetAt(first - 3_600_000);
    return earlier < first && wallKey(wallTime(earlier, timeZone)) === target ? earlier : first;
  }
  // in a gap the two guesses straddle it: the later one lands after it
  return wallKey(wallTime(second, timeZone)) === target ? second : Math.max(first, second);
}

/** When the window that holds `now` ends, or undefined when `now` is outside it. */
export function windowEnd(win: FreezeWindow, now: number): number | undefined {
  const w = wallTime(now, win.timeZone);
  if (win.kind === 'dates') {
    const start = zonedInstant(win.from, win.timeZone);
    const end = zonedInstant(win.to, win.timeZone);
    return now >= start && now < end ? end : undefined;
  }
  const m = w.wd * 1440 + w.h * 60 + w.mi;
  const inside = win.from < win.to ? m >= win.from && m < win.to : m >= win.from || m < win.to;
  if (!inside) return undefined;
  const minutesAhead = (win.to - m + WEEK) % WEEK || WEEK;
  // step in wall-clock days, then resolve the wall time in the zone (a DST change in between is the zone's)
  const dayMinutes = w.h * 60 + w.mi + minutesAhead;
  const endDay = new Date(Date.UTC(w.y, w.mo - 1, w.d + Math.floor(dayMinutes / 1440)));
  const end = zonedInstant({ y: endDay.getUTCFullYear(), mo: endDay.getUTCMonth() + 1, d: endDay.getUTCDate(), h: Math.floor(win.to / 60) % 24, mi: win.to % 60 }, win.timeZone);
  return end > now ? end : now + 60_000;
}

export interface FreezeState {
  readonly frozen: boolean;
  /** when deploys may go again: the end of this window and of any window it runs into */
  readonly until?: number;
  /** the window that holds now */
  readonly window?: FreezeWindow;
}

/** Whether `now` is inside a window, and until when (overlapping and back-to-back windows are joined). */
export function freezeState(windows: readonly FreezeWindow[], now: number): FreezeState {
  let active: FreezeWindow | undefined;
  let until: number | undefined;
  for (const w of windows) {
    const end = windowEnd(w, now);
    if (end !== undefined && (until === undefined || end > until)) {
      until = end;
      active = w;
    }
  }
  if (until === undefined) return { frozen: false };
  let joined: number = until;
  for (let i = 0; i < 20; i++) {
    let next: number = joined;
    for (const w of windows) {
      const end = windowEnd(w, joined);
      if (end !== undefined && end > next) next = end;
    }
    if (next === joined) break;
    joined = next;
  }
  return { frozen: true, until: joined, window: active };
}

/** `Mon 08:00 Europe/Berlin` within the coming week, `Mon 2026-12-28 00:00 UTC` further out. */
export function formatZoned(t: number, timeZone: string, now: number): string {
  const w = wallTime(t, timeZone);
  const hm = `${String(w.h).padStart(2, '0')}:${String(w.mi).padStart(2, '0')}`;
  const day = DAYS[w.wd];
  if (t - now < 6 * 86_400_000) return `${day} ${hm} ${timeZone}`;
  return `${day} ${w.y}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')} ${hm} ${timeZone}`;
}
