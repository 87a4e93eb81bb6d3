// Recurring bookings as the form has them (daily, or weekly on chosen days; until a date or
// a count), the RRULE subset core-api accepts (FREQ, INTERVAL, BYDAY, COUNT or UNTIL), and a
// preview of the occurrences: same wall-clock time in the viewer's zone, dates matching the
// rule only (a first date outside the chosen days is not one), at most 200.

import { DAY, wallClock, zonedInstant } from './time';

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_NAMES: Record<Weekday, string> = {
  MO: 'Mon',
  TU: 'Tue',
  WE: 'Wed',
  TH: 'Thu',
  FR: 'Fri',
  SA: 'Sat',
  SU: 'Sun',
};
export const MAX_OCCURRENCES = 200;

export interface RecurrenceForm {
  freq: 'DAILY' | 'WEEKLY';
  interval: number;
  days: Weekday[];
  ends: 'count' | 'until';
  count: number;
  /** YYYY-MM-DD, inclusive, in the series' zone. */
  until: string;
}

export interface Occurrence {
  start: number;
  end: number;
}

/** Monday-based weekday (MO = 0) of a JS weekday (Sunday = 0). */
function mondayIndex(jsWeekday: number): number {
  return (jsWeekday + 6) % 7;
}

/** The weekday code of an instant in a zone. */
export function weekdayOf(at: number, zone: string): Weekday {
  return WEEKDAYS[mondayIndex(wallClock(at, zone).weekday)] ?? 'MO';
}

export function defaultRecurrence(start: number, zone: string): RecurrenceForm {
  const w = wallClock(start + 28 * DAY, zone);
  return {
    freq: 'WEEKLY',
    interval: 1,
    days: [weekdayOf(start, zone)],
    ends: 'count',
    count: 4,
    until: `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`,
  };
}

/** Field → message for what the form cannot send (empty when it is fine). */
export function validateRecurrence(f: RecurrenceForm, firstStart: number, zone: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!Number.isInteger(f.interval) || f.interval < 1 || f.interval > 366) errors['interval'] = 'Every 1 to 366.';
  if (f.freq === 'WEEKLY' && f.days.length === 0) errors['days'] = 'Pick at least one day.';
  if (f.ends === 'count') {
    if (!Number.isInteger(f.count) || f.count < 1 || f.count > MAX_OCCURRENCES)
      errors['count'] = `1 to ${MAX_OCCURRENCES} times.`;
  } else {
    const until = parseDate(f.until);
    const first = wallClock(firstStart, zone);
    if (until === null) errors['until'] = 'Pick the last date.';
    else if (until < civilDay(first.year, first.month, first.day)) errors['until'] = 'The last date is before the first booking.';
  }
  return errors;
}

/** The RRULE core-api accepts ("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8"). */
export function buildRule(f: RecurrenceForm): string {
  const parts = [`FREQ=${f.freq}`];
  if (f.interval !== 1) parts.push(`INTERVAL=${f.interval}`);
  if (f.freq === 'WEEKLY') parts.push(`BYDAY=${WEEKDAYS.filter((d) => f.days.includes(d)).join(',')}`);
  if (f.ends === 'count') parts.push(`COUNT=${f.count}`);
  else parts.push(`UNTIL=${f.until.replaceAll('-', '')}`);
  return parts.join(';');
}

function civilDay(year: number, month: number, day: number): number {
  return Math.round(Date.UTC(year, month - 1, day) / DAY);
}

function parseDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? civilDay(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/**
 * The occurrences the rule makes from the first booking [start, end), keeping its
 * wall-clock time in `zone`. `tooMany` is true when the rule would make more than 200
 * (the server refuses that); the list then holds the first 200.
 */
export function expandRecurrence(
  f: RecurrenceForm,
  start: number,
  end: number,
  zone: string,
): { occurrences: Occurrence[]; tooMany: boolean } {
  const first = wallClock(start, zone);
  const startMinute = first.hour * 60 + first.minute;
  const length = end - start;
  const day0 = civilDay(first.year, first.month, first.day);
  const weekStart0 = day0 - mondayIndex(first.weekday);
  const until = f.ends === 'until' ? parseDate(f.until) : null;
  const want = f.ends === 'count' ? f.count : Infinity;
  const interval = Math.max(1, Math.floor(f.interval) || 1);
  const out: Occurrence[] = [];
  // Enough days for 200 weekly occurrences at the longest interval the form allows.
  const lastDay = until ?? day0 + (MAX_OCCURRENCES + 1) * 7 * interval;
  for (let d = day0; d <= lastDay && out.length < Math.min(want, MAX_OCCURRENCES + 1); d++) {
    const date = new Date(d * DAY);
    let matches: boolean;
    if (f.freq === 'DAILY') matches = (d - day0) % interval === 0;
    else {
      const week = Math.floor((d - weekStart0) / 7);
      matches = week % interval === 0 && f.days.includes(WEEKDAYS[mondayIndex(date.getUTCDay())] ?? 'MO');
    }
    if (!matches) continue;
    const s = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), startMinute, zone);
    out.push({ start: s, end: s + length });
  }
  const tooMany = out.length > MAX_OCCURRENCES;
  return { occurrences: out.slice(0, MAX_OCCURRENCES), tooMany };
}
