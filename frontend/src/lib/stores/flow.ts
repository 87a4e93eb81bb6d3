// What the purchase flow must not lose on a reload or a flaky network: the current hold,
// the attendee form as typed, queue tickets and passes. sessionStorage: per tab, gone when
// the tab closes — a pass or a hold is never shared with another tab by accident.

import type { Hold } from '../api/types';
import type { QueueTicket } from '../api/queue';
import type { AttendeeForm } from '../state/validation';

function store(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

function read<T>(key: string): T | null {
  const raw = store()?.getItem(key);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown) {
  try {
    if (value === null) store()?.removeItem(key);
    else store()?.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or blocked: the flow still works, it just will not survive a reload.
  }
}

/** Stored as the "pass" when no waiting room answers (no gateway in front): go straight on. */
export const NO_QUEUE = 'no-waiting-room';

export const flow = {
  hold: (holdId: string) => read<Hold>(`holdfast.hold.${holdId}`),
  saveHold: (hold: Hold) => write(`holdfast.hold.${hold.holdId}`, hold),
  forgetHold: (holdId: string) => write(`holdfast.hold.${holdId}`, null),

  /** The hold this tab has for a performance (shown as "yours" on its map). */
  currentHold: (performanceId: string) => read<Hold>(`holdfast.current.${performanceId}`),
  saveCurrentHold: (performanceId: string, hold: Hold | null) => write(`holdfast.current.${performanceId}`, hold),

  /** The reservation a hold became (so a reload of the checkout page finds it). */
  reservationFor: (holdId: string) => read<string>(`holdfast.reservationFor.${holdId}`),
  saveReservationFor: (holdId: string, reservationId: string) => write(`holdfast.reservationFor.${holdId}`, reservationId),

  attendee: () => read<AttendeeForm>('holdfast.attendee'),
  saveAttendee: (form: AttendeeForm) => write('holdfast.attendee', form),

  ticket: (performanceId: string) => read<QueueTicket & { firstPosition: number }>(`holdfast.queue.${performanceId}`),
  saveTicket: (performanceId: string, t: (QueueTicket & { firstPosition: number }) | null) =>
    write(`holdfast.queue.${performanceId}`, t),

  pass: (performanceId: string) => read<string>(`holdfast.pass.${performanceId}`),
  savePass: (performanceId: string, token: string | null) => write(`holdfast.pass.${performanceId}`, token),

  /** A message for the seat map after a failed checkout (lost seats, expiry). */
  notice: (performanceId: string) => read<{ title: string; message: string; seatIds: string[] }>(`holdfast.notice.${performanceId}`),
  saveNotice: (performanceId: string, n: { title: string; message: string; seatIds: string[] } | null) =>
    write(`holdfast.notice.${performanceId}`, n),
};
