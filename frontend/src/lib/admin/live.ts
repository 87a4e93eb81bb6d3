// The control room's live figures: a Server-Sent Events reader over fetch (so the admin's
// bearer token goes in the Authorization header, never in a URL), the 2-bit seat status
// vector, and the sales-per-minute chart. Pure except `LiveStream`, whose fetch, timers and
// token are injected (unit-tested without a browser).

import { backoffDelay } from '../state/backoff';
import { pointBounds } from './layout';

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Incremental SSE parser: feed it chunks of text, it returns the complete events so far
 * (fields `event`, `data` (joined by \n), `id`; comments and `retry` ignored).
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      if (nl < 0) break;
      const line = this.buffer.slice(0, nl);
      const skip = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + skip);
      if (line === '') {
        if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

/**
 * Seat statuses of the live frame's `seatStatus`: the seat status vector of
 * `GET /performances/{id}/seat-status` (0 available, 1 held, 2 reserved, 3 sold).
 */
export const HEAT = ['available', 'held', 'reserved', 'sold'] as const;
export type Heat = (typeof HEAT)[number];

/** Decodes base64 of 2 bits per seat (seat i in bits 2i..2i+1, low bits first in each byte). */
export function decodeSeatStatus(base64: string, count: number): Uint8Array {
  const bin = typeof atob === 'function' ? atob(base64) : Buffer.from(base64, 'base64').toString('binary');
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const byte = bin.charCodeAt(i >> 2);
    out[i] = Number.isNaN(byte) ? 0 : (byte >> ((i & 3) * 2)) & 3;
  }
  return out;
}

/** The inverse (tests, and documenting the bit order). */
export function encodeSeatStatus(statuses: ArrayLike<number>): string {
  const bytes = new Uint8Array(Math.ceil(statuses.length / 4));
  for (let i = 0; i < statuses.length; i++) bytes[i >> 2]! |= (statuses[i]! & 3) << ((i & 3) * 2);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return typeof btoa === 'function' ? btoa(bin) : Buffer.from(bin, 'binary').toString('base64');
}

/** Sales per minute as an SVG polyline in a width × height box (newest on the right). */
export function salesChart(points: { minute: string; count: number }[], width: number, height: number) {
  const max = Math.max(1, ...points.map((p) => p.count));
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const coords = points.map((p, i) => `${Math.round(i * step * 10) / 10},${Math.round((height - (p.count / max) * height) * 10) / 10}`);
  return { max, points: coords.join(' ') };
}

export interface LiveDeps {
  fetch: typeof fetch;
  token: () => Promise<string | null>;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (h: unknown) => void;
  random?: () => number;
}

export type LiveState = 'connecting' | 'live' | 'retrying' | 'unavailable' | 'stopped';

/**
 * One streaming connection to an SSE URL with the bearer token; reconnects with backoff when
 * it drops (a fresh token each time). A 404 means the server has no such stream: it says so
 * and stops. 401/403 stop too (the page says why).
 */
export class LiveStream {
  private controller: AbortController | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private stopped = false;

  constructor(
    private url: string,
    private deps: LiveDeps,
    private on: { event: (e: SseEvent) => void; state: (s: LiveState, detail?: string) => void },
  ) {}

  start() {
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.on.state('stopped');
  }

  private retry(detail: string) {
    if (this.stopped) return;
    this.attempt++;
    this.on.state('retrying', detail);
    this.timer = this.deps.setTimeout(() => void this.connect(), backoffDelay(this.attempt, undefined, this.deps.random));
  }

  private async connect() {
    this.timer = null;
    if (this.stopped) return;
    this.on.state('connecting');
    const controller = new AbortController();
    this.controller = controller;
    let res: Response;
    try {
      const token = await this.deps.token();
      res = await this.deps.fetch(this.url, {
        headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        signal: controller.signal,
        credentials: 'same-origin',
      });
    } catch {
      this.retry('no connection');
      return;
    }
    if (res.status === 404) return this.on.state('unavailable', 'This server has no live stream for this performance.');
    if (res.status === 401 || res.status === 403) return this.on.state('unavailable', 'Not allowed to watch this performance.');
    if (!res.ok || !res.body) {
      this.retry(`the server answered ${res.status}`);
      return;
    }
    this.attempt = 0;
    this.on.state('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const e of parser.push(value)) this.on.event(e);
      }
    } catch {
      // Dropped (or stopped): below.
    }
    this.retry('the stream ended');
  }
}

/** Heat index of a buyer seat status (when the stream is not there and the map is polled). */
export function heatOfStatus(status: string): number {
  const i = HEAT.indexOf(status.toLowerCase() as Heat);
  return i < 0 ? 0 : i;
}

/** Per seat id, its heat index from a live frame: `order[i]` is the seat of the i-th 2 bits. */
export function heatById(order: string[], seatStatus: string): Map<string, number> {
  const statuses = decodeSeatStatus(seatStatus, order.length);
  const out = new Map<string, number>();
  order.forEach((id, i) => out.set(id, statuses[i]!));
  return out;
}

/** Scale and offset that fit points into a width × height box (keeping proportions). */
export function fitBox(points: { x: number; y: number }[], width: number, height: number, pad = 10) {
  const b = pointBounds(points);
  if (!b) return { scale: 1, dx: 0, dy: 0 };
  const scale = Math.min((width - 2 * pad) / Math.max(1, b.maxX - b.minX), (height - 2 * pad) / Math.max(1, b.maxY - b.minY));
  return { scale, dx: pad - b.minX * scale, dy: pad - b.minY * scale };
}
