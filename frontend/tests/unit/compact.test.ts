import { describe, expect, it } from 'vitest';
import { compactSeats, decodeStatuses, seatStates } from '../../src/lib/seatmap/compact';
import type { SeatLayout, SeatStatusVector } from '../../src/lib/api/types';

const layout: SeatLayout = {
  performanceId: 'p',
  version: 'v1',
  seats: ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({
    id, section: 'A', row: '1', number: i + 1, x: i * 10, y: 0, priceTier: 'R', price: 50_000,
  })),
};

// AVAILABLE, HELD, RESERVED, SOLD | HELD  →  0b11100100, 0b00000001
const vector: SeatStatusVector = {
  performanceId: 'p', layoutVersion: 'v1', seatCount: 5, encoding: '2bit-le',
  status: btoa(String.fromCharCode(0b1110_0100, 0b0000_0001)), lastEventId: '7-0',
};

describe('compact seat map', () => {
  it('decodes two bits a seat, least significant first', () => {
    expect(decodeStatuses(vector.status, 5)).toEqual(['AVAILABLE', 'HELD', 'RESERVED', 'SOLD', 'HELD']);
    expect(decodeStatuses(vector.status, 9)).toBeNull();
    expect(decodeStatuses('not base64!', 5)).toBeNull();
  });

  it('joins the layout with the statuses in layout order', () => {
    const seats = compactSeats(layout, vector)!;
    expect(seats.map((s) => [s.id, s.status])).toEqual([
      ['a', 'AVAILABLE'], ['b', 'HELD'], ['c', 'RESERVED'], ['d', 'SOLD'], ['e', 'HELD'],
    ]);
    expect(seats[2]).toMatchObject({ x: 20, price: 50_000, row: '1' });
  });

  it('refuses a vector made for another layout', () => {
    expect(seatStates(layout, { ...vector, layoutVersion: 'v2' })).toBeNull();
    expect(seatStates(layout, { ...vector, seatCount: 4 })).toBeNull();
  });
});
