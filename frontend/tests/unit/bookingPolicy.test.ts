import { describe, expect, it } from 'vitest';
import { checkBooking, describePolicy, fieldOfRule } from '../../src/lib/booking/policy';
import type { Policy } from '../../src/lib/api/booking';

const H = 3600_000;
const now = Date.parse('2026-12-07T00:00:00Z'); // 09:00 in Seoul
const seoul: Policy = {
  maxDurationMinutes: 240,
  maxAdvanceDays: 14,
  minNoticeMinutes: 30,
  allowedHours: { start: '09:00', end: '18:00', timeZone: 'Asia/Seoul' },
};

describe('booking policy, checked before submitting', () => {
  it('accepts a booking inside every rule', () => {
    expect(checkBooking(seoul, now + 1 * H, now + 2 * H, now)).toEqual([]);
  });

  it('refuses an end before the start, next to the end field', () => {
    expect(checkBooking(seoul, now + 2 * H, now + 1 * H, now)).toEqual([
      { rule: 'span', field: 'endAt', message: 'The end must be after the start.' },
    ]);
    expect(checkBooking(null, now + H, now + H, now)[0]?.rule).toBe('span');
  });

  it('refuses too long, too soon and too far ahead', () => {
    expect(checkBooking(seoul, now + H, now + 6 * H, now)[0]).toMatchObject({ rule: 'maxDuration', field: 'endAt' });
    expect(checkBooking(seoul, now + 10 * 60_000, now + H, now)[0]).toMatchObject({ rule: 'minNotice', field: 'startAt' });
    expect(checkBooking(seoul, now + 15 * 24 * H, now + 15 * 24 * H + H, now)[0]).toMatchObject({ rule: 'maxAdvance' });
  });

  it('does not re-check notice for a started booking that keeps its start', () => {
    expect(checkBooking(seoul, now + 10 * 60_000, now + H, now, false)).toEqual([]);
  });

  it('without a policy a booking still cannot start in the past, and lasts at most 31 days', () => {
    expect(checkBooking({}, now - 60_000, now + H, now)[0]?.message).toBe('A booking cannot start in the past.');
    expect(checkBooking({}, now + H, now + H + 32 * 24 * H, now)[0]?.rule).toBe('maxDuration');
  });

  it('keeps bookings inside office hours in the server zone, within one day', () => {
    // 17:00–19:00 Seoul: the end is outside; 18:00–19:00: the start is.
    expect(checkBooking(seoul, now + 8 * H, now + 10 * H, now)[0]).toMatchObject({ rule: 'allowedHours', field: 'endAt' });
    expect(checkBooking(seoul, now + 9 * H, now + 10 * H, now)[0]).toMatchObject({ rule: 'allowedHours', field: 'startAt' });
    // 08:00 Seoul next day: the start is before 09:00.
    expect(checkBooking(seoul, now + 23 * H, now + 25 * H, now)[0]).toMatchObject({ rule: 'allowedHours', field: 'startAt' });
    // Ending exactly at 18:00 is inside.
    expect(checkBooking(seoul, now + 8 * H, now + 9 * H, now)).toEqual([]);
  });

  it('says the rules in words, with office hours in the viewer zone too', () => {
    const lines = describePolicy(seoul, 'Europe/London', now);
    expect(lines).toEqual([
      'Longest booking: 4 h',
      'Book at most 14 days ahead',
      'Book at least 30 min before the start',
      'Office hours 09:00–18:00 Asia/Seoul (00:00–09:00 your time, GMT)',
    ]);
    expect(describePolicy(seoul, 'Asia/Seoul', now)[3]).toBe('Office hours 09:00–18:00 Asia/Seoul');
    expect(describePolicy(null, 'UTC', now)).toEqual(['Longest booking: 31 days']);
  });

  it('puts a server refusal next to the field it is about', () => {
    expect(fieldOfRule('maxDuration')).toBe('endAt');
    expect(fieldOfRule('allowedHours')).toBe('startAt');
  });
});

describe('the booking form', async () => {
  const { checkForm, toLocalInput } = await import('../../src/lib/booking/form');
  it('shows the viewer’s local wall time in the inputs', () => {
    expect(toLocalInput(Date.parse('2026-12-07T01:00:00Z'), 'Asia/Seoul')).toBe('2026-12-07T10:00');
  });
  it('checks the fields before sending', () => {
    expect(checkForm({ resourceId: '', title: ' ', start: NaN, end: NaN }, null, now)).toEqual({
      resourceId: 'Pick a server.',
      title: 'Give the booking a title.',
      startAt: 'Pick the start.',
      endAt: 'Pick the end.',
    });
    expect(checkForm({ resourceId: 'r', title: 'x', start: now + 2 * H, end: now + H }, seoul, now)).toEqual({
      endAt: 'The end must be after the start.',
    });
    expect(checkForm({ resourceId: 'r', title: 'x', start: now + H, end: now + 2 * H }, seoul, now)).toEqual({});
    // A change that keeps a started booking's start is not held to the notice.
    const started = { resourceId: 'r', title: 'x', start: now + 10 * 60_000, end: now + 2 * H };
    expect(checkForm(started, seoul, now).startAt).toMatch(/30 min before/);
    expect(checkForm(started, seoul, now, false)).toEqual({});
  });
});
