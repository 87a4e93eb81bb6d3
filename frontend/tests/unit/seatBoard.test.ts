import { describe, expect, it } from 'vitest';
import { SeatBoard, explainLook, seatLabel } from '../../src/lib/state/seatBoard';

const seats = [
  { id: 'a1', status: 'AVAILABLE' as const },
  { id: 'a2', status: 'AVAILABLE' as const },
  { id: 'a3', status: 'HELD' as const },
  { id: 'b1', status: 'RESERVED' as const },
  { id: 'b2', status: 'SOLD' as const },
];

describe('SeatBoard', () => {
  it('maps server statuses to looks', () => {
    const b = new SeatBoard(seats);
    expect(['a1', 'a3', 'b1', 'b2'].map((id) => b.look(id))).toEqual(['available', 'held', 'reserved', 'sold']);
    expect(b.availableCount()).toBe(2);
    expect(b.look('unknown')).toBe('sold');
  });

  it('selects only available seats, up to a limit', () => {
    const b = new SeatBoard(seats);
    expect(b.toggle('a3')).toBe('unavailable');
    expect(b.toggle('a1', 1)).toBe('selected');
    expect(b.toggle('a2', 1)).toBe('limit');
    expect(b.look('a1')).toBe('selected');
    expect(b.toggle('a1')).toBe('unselected');
    expect(b.look('a1')).toBe('available');
  });

  it('applies stream events and drops selected seats someone else took', () => {
    const b = new SeatBoard(seats);
    b.toggle('a1');
    b.toggle('a2');
    const r = b.applyChange({ seatIds: ['a1'], status: 'HELD', reason: 'HELD' }, '17-0');
    expect(r.lostSelection).toEqual(['a1']);
    expect(r.changed).toEqual(['a1']);
    expect(b.look('a1')).toBe('held');
    expect([...b.selected]).toEqual(['a2']);
    expect(b.lastEventId).toBe('17-0');
  });

  it('frees seats on RELEASED/EXPIRED/CANCELLED events', () => {
    const b = new SeatBoard(seats);
    const r = b.applyChange({ seatIds: ['a3', 'b1'], status: 'AVAILABLE', reason: 'EXPIRED' });
    expect(r.changed.sort()).toEqual(['a3', 'b1']);
    expect(b.availableCount()).toBe(4);
  });

  it('reports nothing when an event repeats what is known', () => {
    const b = new SeatBoard(seats);
    const before = b.version;
    const r = b.applyChange({ seatIds: ['a3'], status: 'HELD', reason: 'HELD' });
    expect(r).toEqual({ changed: [], lostSelection: [], lostHold: [] });
    expect(b.version).toBe(before);
  });

  it('a snapshot replaces every status (after a reconnect or a poll)', () => {
    const b = new SeatBoard(seats);
    b.toggle('a2');
    const r = b.applySnapshot([
      { id: 'a1', status: 'SOLD' },
      { id: 'a2', status: 'RESERVED' },
      { id: 'a3', status: 'AVAILABLE' },
    ]);
    expect(r.changed.sort()).toEqual(['a1', 'a2', 'a3']);
    expect(r.lostSelection).toEqual(['a2']);
    expect(b.look('a3')).toBe('available');
  });

  it("keeps the user's own hold as 'mine' while the server reports it HELD", () => {
    const b = new SeatBoard(seats);
    b.toggle('a1');
    b.adoptHold(['a1']);
    expect(b.look('a1')).toBe('mine');
    expect(b.selected.size).toBe(0);
    // The stream echoes our own hold: nothing is lost.
    const echo = b.applyChange({ seatIds: ['a1'], status: 'HELD', reason: 'HELD' });
    expect(echo.lostSelection).toEqual([]);
    expect(b.look('a1')).toBe('mine');
    // Then it expires.
    const gone = b.applyChange({ seatIds: ['a1'], status: 'AVAILABLE', reason: 'EXPIRED' });
    expect(gone.lostHold).toEqual(['a1']);
    expect(b.look('a1')).toBe('available');
  });

  it('marks seats a refused hold named as taken, before the stream says so', () => {
    const b = new SeatBoard(seats);
    b.toggle('a1');
    b.toggle('a2');
    const r = b.markTaken(['a2']);
    expect(r.lostSelection).toEqual(['a2']);
    expect(b.look('a2')).toBe('held');
    expect(b.look('a1')).toBe('selected');
  });

  it('explains every unavailable look in words', () => {
    expect(explainLook('held')).toMatch(/holding/);
    expect(explainLook('reserved')).toMatch(/reserved/);
    expect(explainLook('sold')).toMatch(/sold/);
  });

  it('labels a seat for screen readers with its name, look and price', () => {
    const seat = { id: 'a1', section: 'Main', row: 'A', number: 1, x: 0, y: 0, price: 110_000, priceTier: 'R', status: 'HELD' as const };
    expect(seatLabel(seat, 'held')).toBe('Main · Row A · Seat 1, held by someone else, ₩110,000');
  });
});
