// Live seat state: the server's status of every seat, merged from the first seat map, the
// stream's snapshot and its `seat` events (or from polled seat maps when there is no
// stream), plus what only this browser knows: which seats the user selected and which are
// in the user's own hold. Mutable on purpose — an arena has 10,000 seats and an event may
// touch a handful — and free of DOM, so it is unit-tested directly.

import type { Seat, SeatChange, SeatChangeReason, SeatState, SeatStatus } from '../api/types';
import { formatMoney, seatName } from './format';

/** What a seat looks like to this user. */
export type SeatLook = 'available' | 'selected' | 'mine' | 'held' | 'reserved' | 'sold';

export interface MergeResult {
  /** Seats whose look changed (redraw these). */
  changed: string[];
  /** Selected seats someone else just took: they were dropped from the selection. */
  lostSelection: string[];
  /** Seats of the user's hold that the server says are free again (expired or released). */
  lostHold: string[];
}

const UNAVAILABLE: ReadonlySet<SeatStatus> = new Set(['HELD', 'RESERVED', 'SOLD']);

export class SeatBoard {
  private status = new Map<string, SeatStatus>();
  readonly selected = new Set<string>();
  readonly mine = new Set<string>();
  /** The stream's last event id (sent back as Last-Event-ID on reconnect). */
  lastEventId: string | null = null;
  /** Bumped on every change, so views can redraw cheaply. */
  version = 0;

  constructor(seats: Iterable<SeatState> = []) {
    for (const s of seats) this.status.set(s.id, s.status);
  }

  get size(): number {
    return this.status.size;
  }

  statusOf(id: string): SeatStatus | undefined {
    return this.status.get(id);
  }

  look(id: string): SeatLook {
    const status = this.status.get(id) ?? 'SOLD';
    if (this.mine.has(id)) return 'mine';
    if (this.selected.has(id) && status === 'AVAILABLE') return 'selected';
    switch (status) {
      case 'AVAILABLE':
        return 'available';
      case 'HELD':
        return 'held';
      case 'RESERVED':
        return 'reserved';
      default:
        return 'sold';
    }
  }

  availableCount(): number {
    let n = 0;
    for (const s of this.status.values()) if (s === 'AVAILABLE') n++;
    return n;
  }

  /** A full picture (stream snapshot or a polled seat map): replaces every known status. */
  applySnapshot(seats: Iterable<SeatState>): MergeResult {
    const result = empty();
    for (const s of seats) this.set(s.id, s.status, result, undefined);
    return this.finish(result);
  }

  /** One `seat` event from the stream. */
  applyChange(change: SeatChange, eventId?: string | null): MergeResult {
    const result = empty();
    for (const id of change.seatIds) this.set(id, change.status, result, change.reason);
    if (eventId) this.lastEventId = eventId;
    return this.finish(result);
  }

  /** Toggles a seat in the selection; false when it cannot be selected (not available). */
  toggle(id: string, max = Infinity): 'selected' | 'unselected' | 'unavailable' | 'limit' {
    if (this.selected.has(id)) {
      this.selected.delete(id);
      this.version++;
      return 'unselected';
    }
    if (this.status.get(id) !== 'AVAILABLE' || this.mine.has(id)) return 'unavailable';
    if (this.selected.size >= max) return 'limit';
    this.selected.add(id);
    this.version++;
    return 'selected';
  }

  clearSelection() {
    if (this.selected.size) {
      this.selected.clear();
      this.version++;
    }
  }

  /** The user now holds these seats (a hold was granted): they are HELD and theirs. */
  adoptHold(seatIds: string[]) {
    this.mine.clear();
    for (const id of seatIds) {
      this.mine.add(id);
      this.selected.delete(id);
      this.status.set(id, 'HELD');
    }
    this.version++;
  }

  /** The user's hold ended (released, expired or turned into a reservation). */
  dropHold(freed: SeatStatus | null = null) {
    for (const id of this.mine) if (freed) this.status.set(id, freed);
    this.mine.clear();
    this.version++;
  }

  /** Seats the server just refused as taken: show them unavailable before the stream says so. */
  markTaken(seatIds: string[]) {
    const result = empty();
    for (const id of seatIds) {
      if (this.status.get(id) === 'AVAILABLE') this.set(id, 'HELD', result, 'HELD');
      else if (this.selected.delete(id)) result.lostSelection.push(id);
    }
    return this.finish(result);
  }

  private set(id: string, next: SeatStatus, result: MergeResult, reason: SeatChangeReason | undefined) {
    const before = this.status.get(id);
    const lookBefore = before === undefined ? null : this.look(id);
    this.status.set(id, next);
    if (UNAVAILABLE.has(next) && this.selected.has(id)) {
      this.selected.delete(id);
      result.lostSelection.push(id);
    }
    // A seat of our own hold becoming AVAILABLE means the hold is over (EXPIRED/RELEASED).
    if (next === 'AVAILABLE' && this.mine.has(id) && reason !== 'HELD') {
      this.mine.delete(id);
      result.lostHold.push(id);
    }
    if (lookBefore !== this.look(id)) result.changed.push(id);
  }

  private finish(result: MergeResult): MergeResult {
    if (result.changed.length || result.lostSelection.length || result.lostHold.length) this.version++;
    return result;
  }
}

function empty(): MergeResult {
  return { changed: [], lostSelection: [], lostHold: [] };
}

/** Why a seat cannot be picked, in words a buyer understands. */
export function explainLook(look: SeatLook): string {
  switch (look) {
    case 'held':
      return 'Someone else is holding this seat right now. Holds last a few minutes; if they do not buy it, it becomes available again and this map updates by itself.';
    case 'reserved':
      return 'This seat has just been reserved by another buyer and is waiting for their payment.';
    case 'sold':
      return 'This seat is sold.';
    case 'mine':
      return 'This seat is in your hold.';
    case 'selected':
      return 'You selected this seat. Select it again to remove it.';
    default:
      return 'This seat is available.';
  }
}

/** Spoken/visible name of each look; the map also draws a distinct shape for each. */
export const LOOK_LABEL: Record<SeatLook, string> = {
  available: 'available',
  selected: 'selected by you',
  mine: 'held by you',
  held: 'held by someone else',
  reserved: 'reserved',
  sold: 'sold',
};

/** What a screen reader hears for a seat: "Main · Row A · Seat 1, held by someone else, ₩110,000". */
export function seatLabel(seat: Seat, look: SeatLook): string {
  return `${seatName(seat)}, ${LOOK_LABEL[look]}, ${formatMoney(seat.price)}`;
}
