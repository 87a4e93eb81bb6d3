import { describe, expect, it } from 'vitest';
import type { Seat } from '../../src/lib/api/types';
import { FILL, STROKE, drawScene, paint, type Pen, type Scene } from '../../src/lib/seatmap/draw';
import type { SeatLook } from '../../src/lib/state/seatBoard';
import type { SectionBox } from '../../src/lib/seatmap/layout';

type Call = [string, ...unknown[]];

/** A 2D context that records every call and every style set, in order. */
function recorder(): { ctx: Pen; calls: Call[] } {
  const calls: Call[] = [];
  const ctx = new Proxy({} as Pen, {
    get: (_t, name) => (...args: unknown[]) => void calls.push([String(name), ...args]),
    set: (_t, name, value) => {
      calls.push([`${String(name)}=`, value]);
      return true;
    },
  });
  return { ctx, calls };
}

const seat = (id: string, x: number, y: number): Seat => ({
  id,
  section: 'Main',
  row: 'A',
  number: 1,
  x,
  y,
  price: 1,
  priceTier: 'R',
  status: 'AVAILABLE',
});

const box = (name: string, minX: number, maxX: number): SectionBox => ({ name, count: 1, minX, minY: 0, maxX, maxY: 20 });

function scene(over: Partial<Scene> = {}, looks: Record<string, SeatLook> = {}): Scene {
  return {
    view: { bounds: { minX: 0, minY: 0, maxX: 100, maxY: 100 }, zoom: 2, width: 200, height: 200, scrollLeft: 0, scrollTop: 0 },
    seatPx: 20,
    sections: [box('Main', 0, 100)],
    seats: [seat('a', 10, 10), seat('b', 20, 10), seat('c', 30, 10)],
    lookOf: (id) => looks[id] ?? 'available',
    focus: null,
    ...over,
  };
}

const named = (calls: Call[], name: string) => calls.filter((c) => c[0] === name);

describe('drawing the seat map', () => {
  it('fills each look once, as one path, in its own colour', () => {
    const { ctx, calls } = recorder();
    drawScene(ctx, scene({}, { b: 'sold' }));
    let style: unknown = null;
    const fills: unknown[] = [];
    for (const [name, value] of calls) {
      if (name === 'fillStyle=') style = value;
      if (name === 'fill') fills.push(style);
    }
    // The section box, then one fill per look.
    expect(fills).toEqual(['#eef2f7', FILL.available, FILL.sold]);
    expect(named(calls, 'strokeStyle=').map((c) => c[1])).toContain(STROKE.sold);
    // Seats are 80 % of the pitch, centred on their point: seat a at (20, 20) px, 16 px wide.
    expect(named(calls, 'roundRect')).toContainEqual(['roundRect', 12, 12, 16, 16, 16 * 0.22]);
  });

  it('tells looks apart by shape: a cross for sold, a dot for reserved, none for available', () => {
    const { ctx, calls } = recorder();
    drawScene(ctx, scene({ seats: [seat('a', 10, 10)] }, { a: 'sold' }));
    expect(named(calls, 'lineTo')).toHaveLength(2);
    const dot = recorder();
    drawScene(dot.ctx, scene({ seats: [seat('a', 10, 10)] }, { a: 'reserved' }));
    expect(named(dot.calls, 'arc')).toHaveLength(1);
    const plain = recorder();
    drawScene(plain.ctx, scene({ seats: [seat('a', 10, 10)] }));
    expect(named(plain.calls, 'lineTo')).toHaveLength(0);
    expect(named(plain.calls, 'arc')).toHaveLength(0);
  });

  it('draws tiny seats as plain squares with no outline or glyph', () => {
    const { ctx, calls } = recorder();
    drawScene(ctx, scene({ seatPx: 4, sections: [] }, { a: 'sold' }));
    expect(named(calls, 'rect')).toHaveLength(3);
    expect(named(calls, 'roundRect')).toHaveLength(0);
    expect(named(calls, 'stroke')).toHaveLength(0);
  });

  it('names sections only when there are several, and skips boxes out of view', () => {
    const one = recorder();
    drawScene(one.ctx, scene({ seats: [] }));
    expect(named(one.calls, 'fillText')).toHaveLength(0);
    const two = recorder();
    drawScene(two.ctx, scene({ seats: [], sections: [box('West', 0, 40), box('East', 60, 100), box('Far', 500, 600)] }));
    expect(named(two.calls, 'fillText').map((c) => c[1])).toEqual(['West', 'East']);
  });

  it('rings the seat with keyboard focus', () => {
    const { ctx, calls } = recorder();
    drawScene(ctx, scene({ focus: seat('b', 20, 10) }));
    expect(named(calls, 'strokeRect')).toEqual([['strokeRect', 40 - 12, 20 - 12, 24, 24]]);
  });

  it('sizes the canvas for the device pixel ratio, at most 2', () => {
    const { ctx, calls } = recorder();
    const canvas = { width: 0, height: 0, getContext: () => ctx };
    paint(canvas, scene(), 3);
    expect([canvas.width, canvas.height]).toEqual([400, 400]);
    expect(calls[0]).toEqual(['setTransform', 2, 0, 0, 2, 0, 0]);
    expect(calls[1]).toEqual(['clearRect', 0, 0, 200, 200]);
  });
});
