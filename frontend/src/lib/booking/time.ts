// Time zones for shared server time: the viewer's zone for every time shown, a server's own
// zone for its office hours, and instants written the way core-api wants them (RFC 3339,
// whole seconds, with an offset). Only Intl: no time-zone database of our own.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The viewer's IANA zone (the browser's). */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    partsCache.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall-clock reading of an instant in a zone. */
export function wallClock(at: Date | number, zone: string): WallClock {
  const parts = partsFormat(zone).formatToParts(typeof at === 'number' ? at : at.getTime());
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')) % 24,
    minute: Number(get('minute')),
    weekday: WEEKDAYS.indexOf(get('weekday')),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Seoul: +9 h). */
export function zoneOffset(at: number, zone: string): number {
  const w = wallClock(at, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  return asUtc - Math.floor(at / MINUTE) * MINUTE;
}

/**
 * The instant a wall-clock time names in a zone. A time that does not exist (spring
 * forward) moves forward by the gap; an ambiguous one (fall back) takes the earlier
 * instant — the same rule core-api applies to a series.
 */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, zone: string): number {
  const naive = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const before = naive - zoneOffset(naive - DAY / 2, zone);
  const after = naive - zoneOffset(naive + DAY / 2, zone);
  const candidates = [before, after].filter((t) => {
    const w = wallClock(t, zone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === naive;
  });
  if (candidates.length) return Math.min(...candidates);
  // In a gap: the earlier offset read forward lands after it.
  return Math.max(before, after);
}

/** RFC 3339 in UTC with whole seconds, as core-api accepts it. */
export function toApiInstant(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "HH:MM" → minutes since midnight (null when malformed). */
export function parseHhmm(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min > 0)) return null;
  return h * 60 + min;
}

export function hhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** A short zone name for a label: "GMT+9", "KST", "UTC" (what the browser calls it). */
export function zoneLabel(at: Date | number, zone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' }).formatToParts(at);
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone;
  } catch {
    return zone;
  }
}

/** "10:00" in a zone. */
export function formatTime(at: Date | number | string, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(at),
  );
}

/** "Mon 7 Dec" in a zone. */
export function formatDay(at: Date | number | string, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(
    new Date(at),
  );
}

/** "Mon 7 Dec, 10:00–11:00" (or across days: "Mon 7 Dec 22:00 – Tue 8 Dec 02:00"). */
export function formatRange(start: Date | number | string, end: Date | number | string, zone: string): string {
  const sameDay = formatDay(start, zone) === formatDay(end, zone) || isMidnightAfter(start, end, zone);
  if (sameDay) return `${formatDay(start, zone)}, ${formatTime(start, zone)}–${formatTime(end, zone)}`;
  return `${formatDay(start, zone)} ${formatTime(start, zone)} – ${formatDay(end, zone)} ${formatTime(end, zone)}`;
}

function isMidnightAfter(start: Date | number | string, end: Date | number | string, zone: string): boolean {
  const e = wallClock(new Date(end), zone);
  return e.hour === 0 && e.minute === 0 && new Date(end).getTime() - new Date(start).getTime() <= DAY;
}

/** "1 h 30 min", "45 min", "2 days". */
export function formatDuration(minutes: number): string {
  if (minutes % (24 * 60) === 0 && minutes >= 24 * 60) {
    const d = minutes / (24 * 60);
    return d === 1 ? '1 day' : `${d} days`;
  }
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** "YYYY-MM-DD" of an instant in a zone. */
export function isoDate(at: Date | number, zone: string): string {
  const w = wallClock(at, zone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
