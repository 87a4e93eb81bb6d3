import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatRange,
  isoDate,
  parseHhmm,
  toApiInstant,
  wallClock,
  zoneOffset,
  zonedInstant,
} from '../../src/lib/booking/time';

describe('booking time zones', () => {
  it('reads the wall clock of an instant in a zone', () => {
    const at = Date.parse('2026-12-07T01:30:00Z');
    expect(wallClock(at, 'Asia/Seoul')).toMatchObject({ year: 2026, month: 12, day: 7, hour: 10, minute: 30, weekday: 1 });
    expect(wallClock(at, 'America/New_York')).toMatchObject({ day: 6, hour: 20, minute: 30, weekday: 0 });
    expect(zoneOffset(at, 'Asia/Seoul')).toBe(9 * 3600_000);
  });

  it('turns a local time in a zone into the instant', () => {
    expect(new Date(zonedInstant(2026, 12, 7, 10 * 60, 'Asia/Seoul')).toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(new Date(zonedInstant(2026, 7, 1, 9 * 60, 'America/New_York')).toISOString()).toBe('2026-07-01T13:00:00.000Z');
  });

  it('moves a time that does not exist forward by the gap, and takes the earlier of two', () => {
    // 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 → 03:00).
    expect(new Date(zonedInstant(2026, 3, 8, 150, 'America/New_York')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // 2026-11-01 01:30 happens twice; the first is EDT (-4).
    expect(new Date(zonedInstant(2026, 11, 1, 90, 'America/New_York')).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('writes instants the way core-api accepts them (UTC, whole seconds)', () => {
    expect(toApiInstant(Date.parse('2026-12-07T01:00:00.789Z'))).toBe('2026-12-07T01:00:00Z');
  });

  it('parses HH:MM and formats durations and ranges', () => {
    expect(parseHhmm('09:30')).toBe(570);
    expect(parseHhmm('24:00')).toBe(1440);
    expect(parseHhmm('9h')).toBeNull();
    expect(parseHhmm('10:75')).toBeNull();
    expect(formatDuration(90)).toBe('1 h 30 min');
    expect(formatDuration(45)).toBe('45 min');
    expect(formatDuration(120)).toBe('2 h');
    expect(formatDuration(31 * 24 * 60)).toBe('31 days');
    expect(formatRange('2026-12-07T01:00:00Z', '2026-12-07T02:00:00Z', 'Asia/Seoul')).toBe('Mon 7 Dec, 10:00–11:00');
    expect(formatRange('2026-12-07T13:00:00Z', '2026-12-07T17:00:00Z', 'Asia/Seoul')).toBe('Mon 7 Dec 22:00 – Tue 8 Dec 02:00');
    expect(isoDate(Date.parse('2026-12-07T16:00:00Z'), 'Asia/Seoul')).toBe('2026-12-08');
  });
});
