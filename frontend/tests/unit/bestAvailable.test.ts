import { describe, expect, it } from 'vitest';
import { pickBestAvailable, type PickSeat } from '../../src/lib/state/bestAvailable';

function grid(section: string, rows: string[], per: number, price: number, y0 = 0): PickSeat[] {
  return rows.flatMap((row, r) =>
    Array.from({ length: per }, (_, i) => ({
      id: `${section}-${row}${i + 1}`,
      section,
      row,
      number: i + 1,
      x: (i + 1) * 10,
      y: y0 + r * 10,
      price,
    })),
  );
}

describe('pickBestAvailable', () => {
  const seats = [...grid('Floor', ['A', 'B'], 5, 200), ...grid('North', ['A'], 5, 100, 100)];
  it('picks adjacent seats in the best tier, front row, near the centre', () => {
    expect(pickBestAvailable(seats, () => true, 2)).toEqual(['Floor-A2', 'Floor-A3']);
    expect(pickBestAvailable(seats, () => true, 1)).toEqual(['Floor-A3']);
  });
  it('skips taken seats and respects a section', () => {
    const taken = new Set(['Floor-A2', 'Floor-A3', 'Floor-A4']);
    expect(pickBestAvailable(seats, (id) => !taken.has(id), 2)).toEqual(['Floor-B2', 'Floor-B3']);
    expect(pickBestAvailable(seats, () => true, 3, 'North')).toEqual(['North-A2', 'North-A3', 'North-A4']);
  });
  it('gives up when no run is long enough', () => {
    expect(pickBestAvailable(seats, () => true, 6)).toBeNull();
    expect(pickBestAvailable(seats, () => false, 1)).toBeNull();
  });
});
