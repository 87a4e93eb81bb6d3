// The seat map's viewport: which part of the layout a scrolled, zoomed box shows, and the
// maths of zooming, scrolling a seat into view, pinching, tapping and arrow keys. Plain
// functions over plain numbers (no DOM), so SeatMap.svelte only wires events to them and
// every rule is unit-tested.

import type { Seat } from '../api/types';
import type { Bounds, SeatIndex } from './layout';

/** What the box shows: the layout's bounds at a zoom, in a box of width × height, scrolled. */
export interface View {
  bounds: Bounds;
  /** CSS px per layout unit. */
  zoom: number;
  /** The scrolling box's inner size, CSS px. */
  width: number;
  height: number;
  scrollLeft: number;
  scrollTop: number;
}

/** The scrolled content: the map at this zoom, at least as big as the box. */
export interface Content {
  width: number;
  height: number;
  /** Where the map starts inside the content (a map smaller than the box is centred). */
  offsetX: number;
  offsetY: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Largest seat, CSS px: zooming in further only loses the overview. */
export const MAX_SEAT_PX = 64;
/** Most seat buttons laid over the canvas at once; past that, the canvas alone answers taps. */
export const MAX_BUTTONS = 1500;

export function contentOf(v: Pick<View, 'bounds' | 'zoom' | 'width' | 'height'>): Content {
  const mapW = (v.bounds.maxX - v.bounds.minX) * v.zoom;
  const mapH = (v.bounds.maxY - v.bounds.minY) * v.zoom;
  const width = Math.max(v.width, mapW);
  const height = Math.max(v.height, mapH);
  return { width, height, offsetX: (width - mapW) / 2, offsetY: (height - mapH) / 2 };
}

/** A layout point's position in the content (CSS px, before scrolling): where its button goes. */
export function toContent(v: View, x: number, y: number): { left: number; top: number } {
  const c = contentOf(v);
  return { left: c.offsetX + (x - v.bounds.minX) * v.zoom, top: c.offsetY + (y - v.bounds.minY) * v.zoom };
}

/** Layout → box coordinates (after scrolling), for drawing: one pair of functions per frame. */
export function projector(v: View): { x: (lx: number) => number; y: (ly: number) => number } {
  const c = contentOf(v);
  return {
    x: (lx) => c.offsetX + (lx - v.bounds.minX) * v.zoom - v.scrollLeft,
    y: (ly) => c.offsetY + (ly - v.bounds.minY) * v.zoom - v.scrollTop,
  };
}

/** A point in the box (CSS px from its top-left corner) → the layout point under it. */
export function toLayout(v: View, px: number, py: number): Point {
  const c = contentOf(v);
  return {
    x: v.bounds.minX + (v.scrollLeft + px - c.offsetX) / v.zoom,
    y: v.bounds.minY + (v.scrollTop + py - c.offsetY) / v.zoom,
  };
}

/** The layout rectangle the box shows. */
export function visibleBounds(v: View): Bounds {
  const from = toLayout(v, 0, 0);
  const to = toLayout(v, v.width, v.height);
  return { minX: from.x, minY: from.y, maxX: to.x, maxY: to.y };
}

/** Between the fitted zoom (or less) and seats MAX_SEAT_PX wide. */
export function clampZoom(zoom: number, minZoom: number, pitch: number): number {
  return Math.min(MAX_SEAT_PX / pitch, Math.max(minZoom, zoom));
}

/** Zooms to `zoom` keeping the layout point under (px, py) of the box where it is. */
export function zoomAround(v: View, zoom: number, px: number, py: number): { zoom: number; scrollLeft: number; scrollTop: number } {
  const anchor = toLayout(v, px, py);
  const c = contentOf({ ...v, zoom });
  return {
    zoom,
    scrollLeft: c.offsetX + (anchor.x - v.bounds.minX) * zoom - px,
    scrollTop: c.offsetY + (anchor.y - v.bounds.minY) * zoom - py,
  };
}

/**
 * The scroll that shows a content point with `margin` around it: an axis where it is already
 * in view keeps its scroll, otherwise the point is centred on that axis.
 */
export function scrollToReveal(v: View, p: { left: number; top: number }, margin: number): { scrollLeft: number; scrollTop: number } {
  const outX = p.left - margin < v.scrollLeft || p.left + margin > v.scrollLeft + v.width;
  const outY = p.top - margin < v.scrollTop || p.top + margin > v.scrollTop + v.height;
  return {
    scrollLeft: outX ? p.left - v.width / 2 : v.scrollLeft,
    scrollTop: outY ? p.top - v.height / 2 : v.scrollTop,
  };
}

/** A small hall needs no tall box: as high as the map at its largest, at least 220 px. */
export function idealHeight(bounds: Bounds, pitch: number): number {
  return Math.max(220, (bounds.maxY - bounds.minY) * (56 / pitch) + 24);
}

/** Tap-to-pick needs a seat this big: 44 px on touch screens, 14 px with a mouse. */
export function pickPx(finePointer: boolean): number {
  return finePointer ? 14 : 44;
}

/** The seats that get a real button: the visible ones, once big enough and not too many. */
export function buttonSeats(index: SeatIndex, visible: Bounds, seatPx: number, minPx: number): Seat[] {
  if (seatPx < minPx) return [];
  const list: Seat[] = [];
  for (const s of index.within(visible)) {
    list.push(s);
    if (list.length > MAX_BUTTONS) return [];
  }
  return list;
}

/** Where keyboard focus starts: the free seat nearest the middle of the view, else any seat. */
export function startSeat(index: SeatIndex, visible: Bounds, isFree: (id: string) => boolean): Seat | null {
  const cx = (visible.minX + visible.maxX) / 2;
  const cy = (visible.minY + visible.maxY) / 2;
  let best: Seat | null = null;
  let bestD = Infinity;
  for (const s of index.within(visible)) {
    const d = Math.hypot(s.x - cx, s.y - cy) + (isFree(s.id) ? 0 : 1e6);
    if (d < bestD) {
      best = s;
      bestD = d;
    }
  }
  return best ?? index.seats[0] ?? null;
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/** What a key does on the map: move the focus, pick the focused seat, zoom, or fit. */
export type KeyAction = { kind: 'move'; dir: Direction } | { kind: 'pick' } | { kind: 'zoom'; factor: number } | { kind: 'fit' };

const KEYS = new Map<string, KeyAction>([
  ['ArrowLeft', { kind: 'move', dir: 'left' }],
  ['ArrowRight', { kind: 'move', dir: 'right' }],
  ['ArrowUp', { kind: 'move', dir: 'up' }],
  ['ArrowDown', { kind: 'move', dir: 'down' }],
  ['Enter', { kind: 'pick' }],
  [' ', { kind: 'pick' }],
  ['+', { kind: 'zoom', factor: 1.5 }],
  ['=', { kind: 'zoom', factor: 1.5 }],
  ['-', { kind: 'zoom', factor: 1 / 1.5 }],
  ['0', { kind: 'fit' }],
]);

/** The map's keyboard: null for keys it leaves alone. */
export function keyAction(key: string): KeyAction | null {
  return KEYS.get(key) ?? null;
}

/** Two-finger pinch: touch pointers down, and the zoom the pinch asks for as they move. */
export class Pinch {
  private readonly pointers = new Map<number, Point>();
  private start: { dist: number; zoom: number } | null = null;

  /** A pointer went down; `zoom` is the map's zoom at that moment. Mouse and pen are ignored. */
  down(id: number, type: string, at: Point, zoom: number) {
    if (type !== 'touch') return;
    this.pointers.set(id, at);
    const pair = this.pair();
    if (pair) this.start = { dist: distance(pair[0], pair[1]), zoom };
  }

  /** A pointer moved: while two fingers are down, the zoom and the point between them. */
  move(id: number, at: Point): { zoom: number; centre: Point } | null {
    if (!this.pointers.has(id)) return null;
    this.pointers.set(id, at);
    const pair = this.pair();
    if (!this.start || !pair) return null;
    const [a, b] = pair;
    return {
      zoom: this.start.zoom * (distance(a, b) / Math.max(1, this.start.dist)),
      centre: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 },
    };
  }

  up(id: number) {
    this.pointers.delete(id);
    if (this.pointers.size < 2) this.start = null;
  }

  private pair(): [Point, Point] | null {
    if (this.pointers.size !== 2) return null;
    const [a, b] = [...this.pointers.values()];
    return a && b ? [a, b] : null;
  }
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
