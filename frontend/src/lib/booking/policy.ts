// A server's booking rules: said in words before anyone submits, and checked here too so a
// drag outside them is refused at once. core-api stays the authority (422
// BOOKING_POLICY_VIOLATED); these checks mirror its order and its limits.

import type { Policy } from '../api/booking';
import { DAY, MINUTE, formatDuration, formatTime, hhmm, parseHhmm, wallClock, zoneLabel, zonedInstant } from './time';

/** 31 days: the longest booking when a server sets no limit. */
export const HARD_MAX_MINUTES = 31 * 24 * 60;

export type PolicyRule = 'span' | 'maxDuration' | 'minNotice' | 'maxAdvance' | 'allowedHours';

export interface PolicyProblem {
  rule: PolicyRule;
  /** The form field it belongs next to. */
  field: 'startAt' | 'endAt';
  message: string;
}

export interface OfficeHours {
  start: number; // minutes since local midnight
  end: number;
  timeZone: string;
}

export function officeHours(policy: Policy | null | undefined): OfficeHours | null {
  const h = policy?.allowedHours;
  if (!h) return null;
  const start = parseHhmm(h.start);
  const end = parseHhmm(h.end);
  if (start === null || end === null) return null;
  return { start, end, timeZone: h.timeZone };
}

/** The office-hours window of the server's local day that `at` falls on. */
export function officeWindow(hours: OfficeHours, at: number): { from: number; to: number } {
  const w = wallClock(at, hours.timeZone);
  return {
    from: zonedInstant(w.year, w.month, w.day, hours.start, hours.timeZone),
    to: zonedInstant(w.year, w.month, w.day, hours.end, hours.timeZone),
  };
}

/** The rules in words, for the booking form and the server list. */
export function describePolicy(policy: Policy | null | undefined, viewer: string, now: number = Date.now()): string[] {
  const lines: string[] = [];
  const p = policy ?? {};
  lines.push(`Longest booking: ${formatDuration(p.maxDurationMinutes ?? HARD_MAX_MINUTES)}`);
  if (p.maxAdvanceDays) lines.push(`Book at most ${p.maxAdvanceDays} ${p.maxAdvanceDays === 1 ? 'day' : 'days'} ahead`);
  if (p.minNoticeMinutes) lines.push(`Book at least ${formatDuration(p.minNoticeMinutes)} before the start`);
  const hours = officeHours(p);
  if (hours) lines.push(describeOfficeHours(hours, viewer, now));
  return lines;
}

/** "Office hours 09:00–18:00 Asia/Seoul (01:00–10:00 your time)". */
export function describeOfficeHours(hours: OfficeHours, viewer: string, now: number = Date.now()): string {
  const own = `Office hours ${hhmm(hours.start)}–${hhmm(hours.end)} ${hours.timeZone}`;
  const w = officeWindow(hours, now);
  const mine = `${formatTime(w.from, viewer)}–${formatTime(w.to, viewer)}`;
  if (mine === `${hhmm(hours.start)}–${hhmm(hours.end)}`) return own;
  return `${own} (${mine} your time, ${zoneLabel(now, viewer)})`;
}

/**
 * What core-api would refuse about [start, end) on this server, first problem first (the
 * server stops at the first one too). `newStart` is false when a started booking keeps its
 * start (only then is minimum notice not re-checked).
 */
export function checkBooking(
  policy: Policy | null | undefined,
  start: number,
  end: number,
  now: number,
  newStart = true,
): PolicyProblem[] {
  if (!(end > start)) return [{ rule: 'span', field: 'endAt', message: 'The end must be after the start.' }];
  const p = policy ?? {};
  const minutes = (end - start) / MINUTE;
  const max = p.maxDurationMinutes ?? HARD_MAX_MINUTES;
  if (minutes > max) {
    return [{ rule: 'maxDuration', field: 'endAt', message: `A booking of this server may last at most ${formatDuration(max)}.` }];
  }
  const notice = p.minNoticeMinutes ?? 0;
  if (newStart && start < now + notice * MINUTE) {
    const message =
      notice === 0
        ? 'A booking cannot start in the past.'
        : `Book this server at least ${formatDuration(notice)} before the start.`;
    return [{ rule: 'minNotice', field: 'startAt', message }];
  }
  if (p.maxAdvanceDays && start > now + p.maxAdvanceDays * DAY) {
    return [{ rule: 'maxAdvance', field: 'startAt', message: `This server can be booked at most ${p.maxAdvanceDays} days ahead.` }];
  }
  const hours = officeHours(p);
  if (hours) {
    const w = officeWindow(hours, start);
    if (start < w.from || end > w.to) {
      return [
        {
          rule: 'allowedHours',
          field: start < w.from || start >= w.to ? 'startAt' : 'endAt',
          message: `Inside office hours only: ${hhmm(hours.start)}–${hhmm(hours.end)} ${hours.timeZone}, within one day.`,
        },
      ];
    }
  }
  return [];
}

/** The field a 422 BOOKING_POLICY_VIOLATED belongs next to. */
export function fieldOfRule(rule: unknown): 'startAt' | 'endAt' {
  return rule === 'maxDuration' ? 'endAt' : 'startAt';
}
