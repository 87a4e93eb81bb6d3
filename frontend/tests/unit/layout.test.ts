import { describe, expect, it } from 'vitest';
import type { Seat } from '../../src/lib/api/types';
import { SeatIndex, boundsOf, fitZoom, seatPitch, sectionsOf } from '../../src/lib/seatmap/layout';

function hall(rows: number, per: number, x0 = 0, y0 = 0, section = 'Main'): Seat[] {
  const out: Seat[] = [];
  for (let r = 0; r < rows; r++)
    for (let n = 1; n <= per; n++)
      out.push({ id: `${section}-${r}-${n}`, section, row: String.fromCharCode(65 + r), number: n, x: x0 + n * 10, y: y0 + r * 10, price: 1, priceTier: 'R', status: 'AVAILABLE' });
  return out;
}

describe('layout geometry', () => {
  const seats = hall(3, 3);
  it('finds the pitch, bounds and sections', () => {
    expect(seatPitch(seats)).toBe(10);
    expect(boundsOf(seats, 5)).toEqual({ minX: 5, minY: -5, maxX: 35, maxY: 25 });
    expect(sectionsOf(seats, 0)).toEqual([{ name: 'Main', count: 9, minX: 10, minY: 0, maxX: 30, maxY: 20 }]);
  });

  it('hit-tests a point to the seat under it', () => {
    const index = new SeatIndex(seats, 10);
    expect(index.at(21, 9)?.id).toBe('Main-1-2');
    expect(index.at(100, 100)).toBeNull();
  });

  it('moves between neighbours with the arrow keys', () => {
    const index = new SeatIndex(seats, 10);
    const centre = index.byId.get('Main-1-2')!;
    expect(index.neighbour(centre, 'left')?.id).toBe('Main-1-1');
    expect(index.neighbour(centre, 'right')?.id).toBe('Main-1-3');
    expect(index.neighbour(centre, 'up')?.id).toBe('Main-0-2');
    expect(index.neighbour(centre, 'down')?.id).toBe('Main-2-2');
    expect(index.neighbour(index.byId.get('Main-0-1')!, 'left')).toBeNull();
  });

  it('walks across the gap between sections', () => {
    const arena = [...hall(2, 5, 0, 0, 'West'), ...hall(2, 5, 200, 0, 'East')];
    const index = new SeatIndex(arena, 10);
    expect(index.neighbour(index.byId.get('West-0-5')!, 'right')?.id).toBe('East-0-1');
  });

  it('lists only the visible seats of a 10,000-seat arena', () => {
    const arena = hall(100, 100);
    const index = new SeatIndex(arena, 10);
    const visible = [...index.within({ minX: 0, minY: 0, maxX: 50, maxY: 40 })];
    expect(visible.length).toBe(5 * 5);
    expect([...index.within({ minX: -1e6, minY: -1e6, maxX: 1e6, maxY: 1e6 })].length).toBe(10_000);
  });

  it('fits the map, but never blows a tiny hall up beyond a sane seat size', () => {
    expect(fitZoom({ minX: 0, minY: 0, maxX: 1000, maxY: 500 }, 500, 500, 10)).toBe(0.5);
    expect(fitZoom({ minX: 0, minY: 0, maxX: 30, maxY: 30 }, 1000, 1000, 10)).toBeCloseTo(5.6);
  });
});
