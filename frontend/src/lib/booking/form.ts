// The booking form's values as the browser's date-time inputs hold them (local wall time of
// the viewer, "YYYY-MM-DDTHH:MM"), and the checks it makes before anything is sent.

import type { Policy } from '../api/booking';
import { checkBooking } from './policy';
import { formatTime, isoDate } from './time';

/** "YYYY-MM-DDTHH:MM" of an instant in a zone (what <input type="datetime-local"> shows). */
export function toLocalInput(at: number, zone: string): string {
  return `${isoDate(at, zone)}T${formatTime(at, zone)}`;
}

/** The instant a datetime-local value names in the viewer's own (browser) zone; NaN if empty. */
export function fromLocalInput(value: string): number {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? new Date(value).getTime() : NaN;
}

export interface BookingFields {
  resourceId: string;
  title: string;
  start: number;
  end: number;
}

/** Field → message: what the server would refuse, said before sending. */
export function checkForm(
  f: BookingFields,
  policy: Policy | null | undefined,
  now: number,
  newStart = true,
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!f.resourceId) errors['resourceId'] = 'Pick a server.';
  const t = f.title.trim().length;
  if (t === 0) errors['title'] = 'Give the booking a title.';
  else if (t > 200) errors['title'] = 'At most 200 characters.';
  if (Number.isNaN(f.start)) errors['startAt'] = 'Pick the start.';
  if (Number.isNaN(f.end)) errors['endAt'] = 'Pick the end.';
  if (!errors['startAt'] && !errors['endAt']) {
    for (const p of checkBooking(policy, f.start, f.end, now, newStart)) errors[p.field] ??= p.message;
  }
  return errors;
}
