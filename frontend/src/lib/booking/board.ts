// The bookings a page shows, kept current from three sources: a loaded window
// (GET /resources/timeline), the live stream's `booking` events, and the page's own writes.
// A change never goes backwards: an event with a lower SEQUENCE than what is shown (a late
// stream event after our own PATCH answer) is ignored.

import type { Booking } from '../api/booking';

export type BookingEventKind = 'created' | 'changed' | 'cancelled';

export interface BookingEvent {
  kind: BookingEventKind;
  booking: Booking;
}

export class BookingBoard {
  private byId = new Map<string, Booking>();

  /** Replace everything inside a loaded window with what the server said. */
  replaceWindow(bookings: Booking[], from: number, to: number) {
    for (const [id, b] of this.byId) {
      if (Date.parse(b.startAt) < to && Date.parse(b.endAt) > from) this.byId.delete(id);
    }
    for (const b of bookings) this.put(b, true);
  }

  /** One booking as the server now has it; false when it changed nothing. */
  put(b: Booking, force = false): boolean {
    const old = this.byId.get(b.id);
    if (!force && old && old.sequence > b.sequence) return false;
    if (b.status === 'cancelled') return this.byId.delete(b.id);
    if (!force && old && old.sequence === b.sequence && old.startAt === b.startAt && old.endAt === b.endAt && old.title === b.title)
      return false;
    this.byId.set(b.id, b);
    return true;
  }

  apply(ev: BookingEvent): boolean {
    if (ev.kind === 'cancelled') {
      const old = this.byId.get(ev.booking.id);
      if (!old) return false;
      return this.byId.delete(ev.booking.id);
    }
    return this.put(ev.booking);
  }

  remove(id: string): boolean {
    return this.byId.delete(id);
  }

  get(id: string): Booking | undefined {
    return this.byId.get(id);
  }

  all(): Booking[] {
    return [...this.byId.values()].sort((a, b) => a.startAt.localeCompare(b.startAt));
  }

  /** Active bookings on a server overlapping [start, end), except `exceptId`. */
  overlapping(resourceId: string, start: number, end: number, exceptId?: string): Booking[] {
    return this.all().filter(
      (b) => b.resourceId === resourceId && b.id !== exceptId && Date.parse(b.startAt) < end && Date.parse(b.endAt) > start,
    );
  }
}

/** A stream `booking` event's data, or null when it is not one. */
export function parseBookingEvent(data: string): BookingEvent | null {
  try {
    const v = JSON.parse(data) as Partial<BookingEvent>;
    if (!v || (v.kind !== 'created' && v.kind !== 'changed' && v.kind !== 'cancelled')) return null;
    const b = v.booking;
    if (!b || typeof b.id !== 'string' || typeof b.startAt !== 'string' || typeof b.endAt !== 'string') return null;
    return { kind: v.kind, booking: b };
  } catch {
    return null;
  }
}
