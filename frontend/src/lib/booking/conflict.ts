// A refused booking: which bookings stood in the way (409 BOOKING_CONFLICT), which rule
// refused it (422 BOOKING_POLICY_VIOLATED), or which field was wrong (400), so the form can
// say it next to the right place.

import { ApiError } from '../api/error';
import type { Booking } from '../api/booking';
import { fieldOfRule } from './policy';

export interface Conflict {
  id: string;
  startAt: string;
  endAt: string;
  resourceId: string | null;
  holderName: string | null;
  title: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * The conflicting bookings a 409 names. Reads the teams contract's `details.conflicts`
 * ({id, resourceId, startsAt, endsAt, holderName}) and core-api's
 * `details.conflictingBookings` ({id, startAt, endAt}) / `conflictingBookingId`; names and
 * titles missing from the answer are filled from bookings the page already knows.
 */
export function conflictsOf(err: unknown, known: (id: string) => Booking | undefined = () => undefined): Conflict[] {
  if (!(err instanceof ApiError) || err.code !== 'BOOKING_CONFLICT') return [];
  const d = err.details;
  const raw: Record<string, unknown>[] = [];
  for (const key of ['conflicts', 'conflictingBookings']) {
    const list = d[key];
    if (Array.isArray(list)) for (const x of list) if (x && typeof x === 'object') raw.push(x as Record<string, unknown>);
  }
  const single = str(d['conflictingBookingId']);
  if (single && !raw.some((x) => x['id'] === single)) raw.push({ id: single });
  const seen = new Set<string>();
  const out: Conflict[] = [];
  for (const x of raw) {
    const id = str(x['id']);
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const b = known(id);
    out.push({
      id,
      startAt: str(x['startsAt']) ?? str(x['startAt']) ?? b?.startAt ?? '',
      endAt: str(x['endsAt']) ?? str(x['endAt']) ?? b?.endAt ?? '',
      resourceId: str(x['resourceId']) ?? b?.resourceId ?? null,
      holderName: str(x['holderName']) ?? str(x['userName']) ?? b?.userName ?? null,
      title: str(x['title']) ?? b?.title ?? null,
    });
  }
  return out;
}

export interface FormError {
  /** Messages next to fields (startAt, endAt, title, recurrence.rule, …). */
  fields: Record<string, string>;
  /** The message for the whole form. */
  message: string;
  conflicts: Conflict[];
}

/** What a failed booking write means for the form. */
export function bookingFormError(err: unknown, known?: (id: string) => Booking | undefined): FormError {
  if (!(err instanceof ApiError)) return { fields: {}, message: String(err), conflicts: [] };
  const d = err.details;
  switch (err.code) {
    case 'BOOKING_CONFLICT': {
      const conflicts = conflictsOf(err, known);
      return { fields: {}, message: 'That time is already booked.', conflicts };
    }
    case 'BOOKING_POLICY_VIOLATED': {
      const field = fieldOfRule(d['rule']);
      const occurrence = str(d['occurrenceStartAt']);
      const msg = occurrence ? `${capital(err.message)} (the occurrence at ${occurrence})` : capital(err.message);
      return { fields: { [field]: msg }, message: 'This server’s rules do not allow that time.', conflicts: [] };
    }
    case 'VALIDATION_FAILED': {
      const field = str(d['field']);
      return field
        ? { fields: { [field]: capital(err.message) }, message: 'Please check the highlighted field.', conflicts: [] }
        : { fields: {}, message: capital(err.message), conflicts: [] };
    }
    case 'RESOURCE_INACTIVE':
      return { fields: {}, message: 'This server is switched off for bookings.', conflicts: [] };
    case 'FORBIDDEN':
      return { fields: {}, message: capital(err.message) || 'You cannot change this.', conflicts: [] };
    case 'NOT_FOUND':
      return { fields: {}, message: 'That server or booking is not there (or not in your teams).', conflicts: [] };
    case 'BOOKING_CANCELLED':
      return { fields: {}, message: 'This booking was cancelled meanwhile.', conflicts: [] };
    case 'BOOKING_ENDED':
      return { fields: {}, message: 'This booking has already ended.', conflicts: [] };
    default:
      return { fields: {}, message: capital(err.message) || 'Something went wrong. Try again.', conflicts: [] };
  }
}

function capital(s: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
