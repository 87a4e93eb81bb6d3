// Seat-map geometry: the layout's x/y in "units" (core-api spaces seats 10 apart), seat pitch,
// bounds and section boxes, and a spatial index for hit tests and keyboard moves. Pure, so the
// canvas component stays small and this is unit-tested.

import type { Seat } from '../api/types';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface SectionBox extends Bounds {
  name: string;
  count: number;
}

/** Distance between neighbouring seats in layout units (the smallest gap found). */
export function seatPitch(seats: Seat[]): number {
  let best = Infinity;
  const sample = seats.slice(0, 400);
  for (const a of sample) {
    for (const b of sample) {
      if (a === b) continue;
      const d = Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));
      if (d > 0 && d < best) best = d;
    }
  }
  return Number.isFinite(best) ? best : 10;
}

export function boundsOf(seats: Seat[], pad: number): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const s of seats) {
    minX = Math.min(minX, s.x);
    minY = Math.min(minY, s.y);
    maxX = Math.max(maxX, s.x);
    maxY = Math.max(maxY, s.y);
  }
  if (!Number.isFinite(minX)) return { minX: 0, minY: 0, maxX: 1, maxY: 1 };
  return { minX: minX - pad, minY: minY - pad, maxX: maxX + pad, maxY: maxY + pad };
}

export function sectionsOf(seats: Seat[], pad: number): SectionBox[] {
  const map = new Map<string, SectionBox>();
  for (const s of seats) {
    const box = map.get(s.section);
    if (!box) map.set(s.section, { name: s.section, count: 1, minX: s.x, minY: s.y, maxX: s.x, maxY: s.y });
    else {
      box.count++;
      box.minX = Math.min(box.minX, s.x);
      box.minY = Math.min(box.minY, s.y);
      box.maxX = Math.max(box.maxX, s.x);
      box.maxY = Math.max(box.maxY, s.y);
    }
  }
  return [...map.values()].map((b) => ({ ...b, minX: b.minX - pad, minY: b.minY - pad, maxX: b.maxX + pad, maxY: b.maxY + pad }));
}

/** A grid of buckets one pitch wide: O(1) "which seat is here?" for 10,000 seats. */
export class SeatIndex {
  private buckets = new Map<string, Seat[]>();
  readonly byId = new Map<string, Seat>();

  constructor(
    readonly seats: Seat[],
    readonly pitch: number,
  ) {
    for (const s of seats) {
      this.byId.set(s.id, s);
      const key = this.key(Math.round(s.x / pitch), Math.round(s.y / pitch));
      const list = this.buckets.get(key);
      if (list) list.push(s);
      else this.buckets.set(key, [s]);
    }
  }

  private key(bx: number, by: number): string {
    return `${bx},${by}`;
  }

  /** The seat whose square (pitch × 0.9 wide) contains the point, if any. */
  at(x: number, y: number): Seat | null {
    const bx = Math.round(x / this.pitch);
    const by = Math.round(y / this.pitch);
    let best: Seat | null = null;
    let bestD = Infinity;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const s of this.buckets.get(this.key(bx + dx, by + dy)) ?? []) {
          const d = Math.max(Math.abs(s.x - x), Math.abs(s.y - y));
          if (d <= this.pitch * 0.5 && d < bestD) {
            best = s;
            bestD = d;
          }
        }
      }
    }
    return best;
  }

  /**
   * The nearest seat from `from` in a direction (arrow keys): mostly along the axis,
   * preferring the same line. Null at the edge.
   */
  neighbour(from: Seat, dir: 'left' | 'right' | 'up' | 'down'): Seat | null {
    const [ux, uy] = dir === 'left' ? [-1, 0] : dir === 'right' ? [1, 0] : dir === 'up' ? [0, -1] : [0, 1];
    // Look at growing rings of buckets until something qualifies.
    for (let ring = 1; ring <= 60; ring++) {
      let best: Seat | null = null;
      let bestScore = Infinity;
      const bx = Math.round(from.x / this.pitch);
      const by = Math.round(from.y / this.pitch);
      for (let dx = -ring; dx <= ring; dx++) {
        for (let dy = -ring; dy <= ring; dy++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
          for (const s of this.buckets.get(this.key(bx + dx, by + dy)) ?? []) {
            const along = (s.x - from.x) * ux + (s.y - from.y) * uy;
            const across = Math.abs((s.x - from.x) * uy) + Math.abs((s.y - from.y) * ux);
            if (along <= 0 || across > along * 2) continue;
            const score = along + across * 3;
            if (score < bestScore) {
              best = s;
              bestScore = score;
            }
          }
        }
      }
      if (best) return best;
    }
    return null;
  }

  /** Seats inside a rectangle of layout units (the visible part of the map). */
  *within(b: Bounds): Iterable<Seat> {
    const x0 = Math.floor(b.minX / this.pitch) - 1;
    const x1 = Math.ceil(b.maxX / this.pitch) + 1;
    const y0 = Math.floor(b.minY / this.pitch) - 1;
    const y1 = Math.ceil(b.maxY / this.pitch) + 1;
    const cells = (x1 - x0 + 1) * (y1 - y0 + 1);
    if (cells > this.buckets.size) {
      // Zoomed far out: cheaper to walk every seat than every empty cell.
      for (const s of this.seats) if (s.x >= b.minX && s.x <= b.maxX && s.y >= b.minY && s.y <= b.maxY) yield s;
      return;
    }
    for (let bx = x0; bx <= x1; bx++) {
      for (let by = y0; by <= y1; by++) {
        for (const s of this.buckets.get(this.key(bx, by)) ?? []) {
          if (s.x >= b.minX && s.x <= b.maxX && s.y >= b.minY && s.y <= b.maxY) yield s;
        }
      }
    }
  }
}

/** Zoom (CSS px per unit) that fits the bounds into a viewport, capped so seats stay sane. */
export function fitZoom(b: Bounds, width: number, height: number, pitch: number, maxSeatPx = 56): number {
  const w = Math.max(1, b.maxX - b.minX);
  const h = Math.max(1, b.maxY - b.minY);
  const fit = Math.min(width / w, height / h);
  return Math.min(fit, maxSeatPx / pitch);
}
