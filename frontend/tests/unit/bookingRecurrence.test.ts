import { describe, expect, it } from 'vitest';
import {
  buildRule,
  defaultRecurrence,
  expandRecurrence,
  validateRecurrence,
  type RecurrenceForm,
} from '../../src/lib/booking/recurrence';

const H = 3600_000;
// Monday 7 Dec 2026, 10:00–11:00 in Seoul.
const start = Date.parse('2026-12-07T01:00:00Z');
const end = start + H;
const form = (f: Partial<RecurrenceForm>): RecurrenceForm => ({
  freq: 'WEEKLY',
  interval: 1,
  days: ['MO'],
  ends: 'count',
  count: 4,
  until: '2026-12-31',
  ...f,
});
const iso = (t: number) => new Date(t).toISOString();

describe('recurring bookings', () => {
  it('builds the RRULE subset core-api accepts', () => {
    expect(buildRule(form({ days: ['WE', 'MO'] }))).toBe('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4');
    expect(buildRule(form({ freq: 'DAILY', interval: 2, ends: 'until', until: '2026-12-20' }))).toBe(
      'FREQ=DAILY;INTERVAL=2;UNTIL=20261220',
    );
  });

  it('starts weekly on the first booking’s weekday, four times', () => {
    const d = defaultRecurrence(start, 'Asia/Seoul');
    expect(d).toMatchObject({ freq: 'WEEKLY', days: ['MO'], ends: 'count', count: 4, until: '2027-01-04' });
    const { occurrences } = expandRecurrence(d, start, end, 'Asia/Seoul');
    expect(occurrences.map((o) => iso(o.start))).toEqual([
      '2026-12-07T01:00:00.000Z',
      '2026-12-14T01:00:00.000Z',
      '2026-12-21T01:00:00.000Z',
      '2026-12-28T01:00:00.000Z',
    ]);
    expect(occurrences.every((o) => o.end - o.start === H)).toBe(true);
  });

  it('expands chosen days every other week until a date (inclusive)', () => {
    const { occurrences } = expandRecurrence(
      form({ days: ['MO', 'TH'], interval: 2, ends: 'until', until: '2026-12-24' }),
      start,
      end,
      'Asia/Seoul',
    );
    expect(occurrences.map((o) => iso(o.start).slice(0, 10))).toEqual(['2026-12-07', '2026-12-10', '2026-12-21', '2026-12-24']);
  });

  it('does not count a first date outside the chosen days', () => {
    const { occurrences } = expandRecurrence(form({ days: ['WE'], count: 2 }), start, end, 'Asia/Seoul');
    expect(occurrences.map((o) => iso(o.start).slice(0, 10))).toEqual(['2026-12-09', '2026-12-16']);
  });

  it('keeps the wall-clock time across a DST change', () => {
    // 09:00 New York, daily across 1 Nov 2026 (EDT → EST).
    const s = Date.parse('2026-10-31T13:00:00Z');
    const { occurrences } = expandRecurrence(form({ freq: 'DAILY', count: 3 }), s, s + H, 'America/New_York');
    expect(occurrences.map((o) => iso(o.start))).toEqual([
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
    ]);
  });

  it('says when a rule makes more than 200', () => {
    const r = expandRecurrence(form({ freq: 'DAILY', ends: 'until', until: '2027-12-31' }), start, end, 'Asia/Seoul');
    expect(r.tooMany).toBe(true);
    expect(r.occurrences).toHaveLength(200);
  });

  it('validates the form field by field', () => {
    expect(validateRecurrence(form({}), start, 'Asia/Seoul')).toEqual({});
    expect(validateRecurrence(form({ days: [], interval: 0, count: 201 }), start, 'Asia/Seoul')).toEqual({
      interval: 'Every 1 to 366.',
      days: 'Pick at least one day.',
      count: '1 to 200 times.',
    });
    expect(validateRecurrence(form({ ends: 'until', until: '2026-12-06' }), start, 'Asia/Seoul')).toEqual({
      until: 'The last date is before the first booking.',
    });
    expect(validateRecurrence(form({ ends: 'until', until: '' }), start, 'Asia/Seoul')).toEqual({ until: 'Pick the last date.' });
  });
});
