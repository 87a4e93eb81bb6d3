// The compact seat map: the immutable layout joined with the packed status vector
// (docs/api.md, "Compact seat map"). Seat i's status is bits 2·(i % 4)… of byte i / 4, least
// significant first: 0 AVAILABLE, 1 HELD, 2 RESERVED, 3 SOLD.

import type { Seat, SeatLayout, SeatState, SeatStatus, SeatStatusVector } from '../api/types';

const CODES: readonly SeatStatus[] = ['AVAILABLE', 'HELD', 'RESERVED', 'SOLD'];

/** The statuses of `count` seats from the base64 vector; null when it is not that long. */
export function decodeStatuses(base64: string, count: number): SeatStatus[] | null {
  let bytes: string;
  try {
    bytes = atob(base64);
  } catch {
    return null;
  }
  if (bytes.length !== Math.ceil(count / 4)) return null;
  const out: SeatStatus[] = new Array<SeatStatus>(count);
  for (let i = 0; i < count; i++) {
    out[i] = CODES[(bytes.charCodeAt(i >> 2) >> ((i & 3) * 2)) & 3] ?? 'SOLD';
  }
  return out;
}

/** Each layout seat's id with its status; null when the vector is for another layout. */
export function seatStates(layout: SeatLayout, vector: SeatStatusVector): SeatState[] | null {
  if (vector.layoutVersion !== layout.version || vector.seatCount !== layout.seats.length) return null;
  const statuses = decodeStatuses(vector.status, vector.seatCount);
  if (!statuses) return null;
  // The lengths match (checked above); a seat without a status would show as unavailable.
  return layout.seats.map((seat, i) => ({ id: seat.id, status: statuses[i] ?? 'SOLD' }));
}

/** The full seats (places, prices and statuses) the seat map draws. */
export function compactSeats(layout: SeatLayout, vector: SeatStatusVector): Seat[] | null {
  const states = seatStates(layout, vector);
  if (!states) return null;
  return layout.seats.map((seat, i) => ({ ...seat, status: states[i]?.status ?? 'SOLD' }));
}
