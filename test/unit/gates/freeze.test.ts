import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatZoned, freezeState, parseFreezeWindow, wallTime, zonedInstant } from '../../../src/core/gates/freeze';
import { PilotError } from '../../../src/core/errors';

const at = (iso: string) => Date.parse(iso);
const weekend = parseFreezeWindow({ weekly: { from: 'Fri 16:00', to: 'Mon 08:00' }, timeZone: 'Europe/Berlin' });
const xmas = parseFreezeWindow({ dates: { from: '2026-12-24', to: '2026-12-27' }, timeZone: 'UTC' });

describe('freeze windows', () => {
  test('a weekly window in Berlin, in winter (UTC+1)', () => {
    // Fri 4 Dec 2026 15:59 Berlin = 14:59Z: open; 16:00 Berlin = 15:00Z: frozen until Mon 7 Dec 08:00 Berlin = 07:00Z
    assert.equal(freezeState([weekend], at('2026-12-04T14:59:00Z')).frozen, false);
    const s = freezeState([weekend], at('2026-12-04T15:00:00Z'));
    assert.equal(s.frozen, true);
    assert.equal(new Date(s.until!).toISOString(), '2026-12-07T07:00:00.000Z');
    assert.equal(formatZoned(s.until!, 'Europe/Berlin', at('2026-12-04T15:00:00Z')), 'Mon 08:00 Europe/Berlin');
    assert.equal(freezeState([weekend], at('2026-12-07T06:59:00Z')).frozen, true);
    assert.equal(freezeState([weekend], at('2026-12-07T07:00:00Z')).frozen, false);
  });

  test('the same window in summer is one hour earlier in UTC (UTC+2)', () => {
    assert.equal(freezeState([weekend], at('2026-07-03T13:59:00Z')).frozen, false);
    assert.equal(new Date(freezeState([weekend], at('2026-07-03T14:00:00Z')).until!).toISOString(), '2026-07-06T06:00:00.000Z');
  });

  test('a weekend across the autumn change ends at 08:00 wall time (the weekend is one hour longer)', () => {
    // Berlin leaves summer time on Sun 25 Oct 2026 03:00 → 02:00
    const s = freezeState([weekend], at('2026-10-23T14:00:00Z')); // Fri 16:00 CEST
    assert.equal(new Date(s.until!).toISOString(), '2026-10-26T07:00:00.000Z'); // Mon 08:00 CET
    assert.equal(s.until! - at('2026-10-23T14:00:00Z'), 65 * 3_600_000);
  });

  test('a weekend across the spring change is one hour shorter', () => {
    // Berlin goes to summer time on Sun 29 Mar 2026 02:00 → 03:00
    const start = at('2026-03-27T15:00:00Z'); // Fri 16:00 CET
    const s = freezeState([weekend], start);
    assert.equal(new Date(s.until!).toISOString(), '2026-03-30T06:00:00.000Z'); // Mon 08:00 CEST
    assert.equal(s.until! - start, 63 * 3_600_000);
  });

  test('New York: a nightly window that wraps around midnight, across the US change', () => {
    const nightly = ['Sat', 'Sun'].map((d) => parseFreezeWindow({ weekly: { from: `${d} 22:00`, to: `${d === 'Sat' ? 'Sun' : 'Mon'} 06:00` }, timeZone: 'America/New_York' }));
    // US clocks go back on Sun 1 Nov 2026 02:00 EDT → 01:00 EST: Sat 22:00 EDT = 02:00Z; Sun 06:00 EST = 11:00Z
    const s = freezeState(nightly, at('2026-11-01T02:30:00Z'));
    assert.equal(new Date(s.until!).toISOString(), '2026-11-01T11:00:00.000Z');
    assert.equal(freezeState(nightly, at('2026-11-01T11:00:00Z')).frozen, false);
  });

  test('dates: the last day is included, in the zone given', () => {
    assert.equal(freezeState([xmas], at('2026-12-23T23:59:00Z')).frozen, false);
    const s = freezeState([xmas], at('2026-12-24T00:00:00Z'));
    assert.equal(new Date(s.until!).toISOString(), '2026-12-28T00:00:00.000Z');
    assert.equal(freezeState([xmas], at('2026-12-27T23:59:00Z')).frozen, true);
    assert.equal(freezeState([xmas], at('2026-12-28T00:00:00Z')).frozen, false);
    const tokyo = parseFreezeWindow({ dates: { from: '2026-12-24', to: '2026-12-24' }, timeZone: 'Asia/Tokyo' });
    assert.equal(freezeState([tokyo], at('2026-12-23T15:00:00Z')).frozen, true); // midnight in Tokyo
    assert.equal(freezeState([tokyo], at('2026-12-24T15:00:00Z')).frozen, false);
  });

  test('windows that touch are joined: the state says when deploys may really go again', () => {
    // Christmas Thursday 24 Dec 2026 → Sunday 27; the weekly window from Fri 25 16:00 to Mon 28 08:00 Berlin follows it
    const s = freezeState([xmas, weekend], at('2026-12-24T10:00:00Z'));
    assert.equal(new Date(s.until!).toISOString(), '2026-12-28T07:00:00.000Z');
  });

  test('far ends show the date', () => {
    const s = freezeState([parseFreezeWindow({ dates: { from: '2026-12-01', to: '2026-12-31' } })], at('2026-12-02T00:00:00Z'));
    assert.equal(formatZoned(s.until!, 'UTC', at('2026-12-02T00:00:00Z')), 'Fri 2027-01-01 00:00 UTC');
  });

  test('wall times that do not exist or happen twice', () => {
    // 02:30 on 29 Mar 2026 does not exist in Berlin: the time after the gap, shifted by it
    assert.equal(new Date(zonedInstant({ y: 2026, mo: 3, d: 29, h: 2, mi: 30 }, 'Europe/Berlin')).toISOString(), '2026-03-29T01:30:00.000Z');
    // 02:30 on 25 Oct 2026 happens twice: the first one (CEST)
    assert.equal(new Date(zonedInstant({ y: 2026, mo: 10, d: 25, h: 2, mi: 30 }, 'Europe/Berlin')).toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(wallTime(at('2026-10-25T01:30:00Z'), 'Europe/Berlin').h, 2);
    assert.equal(new Date(zonedInstant({ y: 2026, mo: 6, d: 1, h: 9, mi: 0 }, 'Asia/Kolkata')).toISOString(), '2026-06-01T03:30:00.000Z');
  });

  test('bad windows are input errors that say how to write them', () => {
    const bad = (c: Parameters<typeof parseFreezeWindow>[0], code: string) =>
      assert.throws(() => parseFreezeWindow(c), (e: unknown) => e instanceof PilotError && e.code === code && e.kind === 'input' && Boolean(e.hint));
    bad({ weekly: { from: 'Fri 16:00', to: 'Mon 08:00' }, timeZone: 'Mars/Olympus' }, 'gates.badTimeZone');
    bad({ weekly: { from: 'Friday 4pm', to: 'Mon 08:00' } }, 'gates.badWeekTime');
    bad({ dates: { from: '2026-02-30', to: '2026-03-01' } }, 'gates.badDate');
    bad({ dates: { from: '2026-12-27', to: '2026-12-24 10:00' } }, 'gates.emptyWindow');
    bad({}, 'gates.badWindow');
  });
});
