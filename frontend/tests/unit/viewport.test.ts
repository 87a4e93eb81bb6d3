import { describe, expect, it } from 'vitest';
import type { Seat } from '../../src/lib/api/types';
import { SeatIndex } from '../../src/lib/seatmap/layout';
import {
  MAX_BUTTONS,
  Pinch,
  buttonSeats,
  clampZoom,
  contentOf,
  idealHeight,
  keyAction,
  pickPx,
  projector,
  scrollToReveal,
  startSeat,
  toContent,
  toLayout,
  visibleBounds,
  zoomAround,
  type View,
} from '../../src/lib/seatmap/viewport';

function hall(rows: number, per: number): Seat[] {
  const out: Seat[] = [];
  for (let r = 0; r < rows; r++)
    for (let n = 1; n <= per; n++)
      out.push({ id: `${r}-${n}`, section: 'Main', row: String.fromCharCode(65 + r), number: n, x: n * 10, y: r * 10, price: 1, priceTier: 'R', status: 'AVAILABLE' });
  return out;
}

/** A 1000 × 500 unit layout in a 400 × 300 px box. */
const big: View = { bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 500 }, zoom: 1, width: 400, height: 300, scrollLeft: 0, scrollTop: 0 };

describe('the viewport', () => {
  it('centres a map smaller than the box, and scrolls one larger than it', () => {
    expect(contentOf({ ...big, zoom: 0.2 })).toEqual({ width: 400, height: 300, offsetX: 100, offsetY: 100 });
    expect(contentOf(big)).toEqual({ width: 1000, height: 500, offsetX: 0, offsetY: 0 });
  });

  it('maps layout points to the content, the box and back', () => {
    const v = { ...big, zoom: 2, scrollLeft: 300, scrollTop: 100 };
    expect(toContent(v, 200, 100)).toEqual({ left: 400, top: 200 });
    const at = projector(v);
    expect([at.x(200), at.y(100)]).toEqual([100, 100]);
    expect(toLayout(v, 100, 100)).toEqual({ x: 200, y: 100 });
  });

  it('knows which part of the layout is in view', () => {
    expect(visibleBounds({ ...big, zoom: 2, scrollLeft: 300, scrollTop: 100 })).toEqual({ minX: 150, minY: 50, maxX: 350, maxY: 200 });
  });

  it('keeps the point under the pointer still while zooming', () => {
    const v = { ...big, zoom: 1, scrollLeft: 120, scrollTop: 40 };
    const before = toLayout(v, 50, 80);
    const to = zoomAround(v, 3, 50, 80);
    expect(to.zoom).toBe(3);
    const after = toLayout({ ...v, ...to }, 50, 80);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('zooms between the fitted size and 64 px seats', () => {
    expect(clampZoom(0.01, 0.1, 10)).toBe(0.1);
    expect(clampZoom(100, 0.1, 10)).toBe(6.4);
    expect(clampZoom(2, 0.1, 10)).toBe(2);
  });

  it('scrolls a seat into view only on the axis where it is hidden', () => {
    const v = { ...big, scrollLeft: 0, scrollTop: 0 };
    expect(scrollToReveal(v, { left: 200, top: 150 }, 15)).toEqual({ scrollLeft: 0, scrollTop: 0 });
    expect(scrollToReveal(v, { left: 900, top: 150 }, 15)).toEqual({ scrollLeft: 700, scrollTop: 0 });
    expect(scrollToReveal(v, { left: 390, top: 295 }, 15)).toEqual({ scrollLeft: 190, scrollTop: 145 });
  });

  it('gives a small hall a short box', () => {
    expect(idealHeight({ minX: 0, minY: 0, maxX: 100, maxY: 20 }, 10)).toBe(220);
    expect(idealHeight({ minX: 0, minY: 0, maxX: 100, maxY: 100 }, 10)).toBe(584);
  });
});

describe('seat buttons and focus', () => {
  const seats = hall(3, 3);
  const index = new SeatIndex(seats, 10);
  const all = { minX: -100, minY: -100, maxX: 100, maxY: 100 };

  it('needs 44 px seats to tap on touch screens, 14 px with a mouse', () => {
    expect(pickPx(false)).toBe(44);
    expect(pickPx(true)).toBe(14);
  });

  it('lays buttons over the visible seats once they are big enough, and not too many', () => {
    expect(buttonSeats(index, all, 43, 44)).toEqual([]);
    expect(buttonSeats(index, all, 44, 44)).toHaveLength(9);
    expect(buttonSeats(index, { minX: 0, minY: 0, maxX: 20, maxY: 0 }, 44, 44).map((s) => s.id).sort()).toEqual(['0-1', '0-2']);
    const arena = new SeatIndex(hall(40, 40), 10);
    expect(buttonSeats(arena, { minX: 0, minY: 0, maxX: 400, maxY: 360 }, 50, 44)).toHaveLength(1480);
    expect(1600).toBeGreaterThan(MAX_BUTTONS);
    expect(buttonSeats(arena, { minX: -1e6, minY: -1e6, maxX: 1e6, maxY: 1e6 }, 50, 44)).toEqual([]);
  });

  it('starts the keyboard at the free seat nearest the middle of the view', () => {
    expect(startSeat(index, all, () => true)?.id).toBe('0-1');
    expect(startSeat(index, { minX: 0, minY: 0, maxX: 40, maxY: 20 }, () => true)?.id).toBe('1-2');
    expect(startSeat(index, { minX: 0, minY: 0, maxX: 40, maxY: 20 }, (id) => id !== '1-2')?.id).not.toBe('1-2');
    expect(startSeat(index, { minX: 500, minY: 500, maxX: 600, maxY: 600 }, () => true)?.id).toBe('0-1');
  });

  it('maps keys to moves, picks and zooms, and leaves the rest alone', () => {
    expect(keyAction('ArrowLeft')).toEqual({ kind: 'move', dir: 'left' });
    expect(keyAction('ArrowDown')).toEqual({ kind: 'move', dir: 'down' });
    expect(keyAction('Enter')).toEqual({ kind: 'pick' });
    expect(keyAction(' ')).toEqual({ kind: 'pick' });
    expect(keyAction('+')).toEqual({ kind: 'zoom', factor: 1.5 });
    expect(keyAction('-')).toEqual({ kind: 'zoom', factor: 1 / 1.5 });
    expect(keyAction('0')).toEqual({ kind: 'fit' });
    expect(keyAction('Tab')).toBeNull();
    expect(keyAction('constructor')).toBeNull();
  });
});

describe('pinch', () => {
  it('zooms by how far two fingers spread, around the point between them', () => {
    const p = new Pinch();
    p.down(1, 'touch', { x: 100, y: 100 }, 2);
    expect(p.move(1, { x: 90, y: 100 })).toBeNull();
    p.down(2, 'touch', { x: 190, y: 100 }, 2);
    expect(p.move(2, { x: 290, y: 100 })).toEqual({ zoom: 4, centre: { x: 190, y: 100 } });
  });

  it('ignores the mouse and stops when a finger lifts', () => {
    const p = new Pinch();
    p.down(1, 'mouse', { x: 0, y: 0 }, 1);
    p.down(2, 'touch', { x: 0, y: 0 }, 1);
    expect(p.move(1, { x: 50, y: 0 })).toBeNull();
    p.down(3, 'touch', { x: 100, y: 0 }, 1);
    p.up(3);
    expect(p.move(2, { x: 10, y: 0 })).toBeNull();
  });
});
