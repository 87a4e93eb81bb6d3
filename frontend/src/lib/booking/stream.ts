// The live feed of bookings: one GET /resources/stream (Server-Sent Events) per page. The
// browser's EventSource cannot send the Authorization header this route needs (it answers
// only for the caller's teams), so the stream is read with fetch and parsed here — the same
// wire format, the same bearer token as every other request. When the route answers 404 (a
// server without it) or keeps failing, the page refreshes its window every POLL_MS instead,
// tries the stream again every STREAM_RETRY_MS, and says which of the two it is doing. (A
// server without the route answers 400: it reads "stream" as a server id.)

import { parseBookingEvent, type BookingEvent } from './board';

export type LiveMode = 'connecting' | 'live' | 'polling' | 'stopped';

export const STREAM_PATH = '/api/v1/resources/stream';
export const POLL_MS = 5_000;
export const STREAM_RETRY_MS = 60_000;
/** A dropped stream reconnects after this (and doubles up to STREAM_RETRY_MS). */
export const RECONNECT_MS = 1_000;

export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

/** Incremental text/event-stream parser (WHATWG rules: event, data, id; comments ignored). */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;
  lastEventId: string | null = null;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (sep === 1 && this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(nl + sep);
      if (line === '') {
        if (this.data.length) {
          if (this.id !== null) this.lastEventId = this.id;
          out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        }
        this.event = '';
        this.data = [];
        this.id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id' && !value.includes('\0')) this.id = value;
    }
    return out;
  }
}

export interface LiveDeps {
  fetch: typeof fetch;
  /** A current access token (null when signed out). */
  token: () => Promise<string | null>;
  /** After a 401: refresh the token; true when there is a new one. */
  refreshAfter401: () => Promise<boolean>;
  /** Reload the page's window (the fallback, and a catch-up after each reconnect). */
  poll: () => Promise<void>;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  isVisible?: () => boolean;
}

export interface LiveCallbacks {
  onEvent: (ev: BookingEvent) => void;
  onMode: (mode: LiveMode) => void;
}

export class LiveBookings {
  mode: LiveMode = 'connecting';
  private abort: AbortController | null = null;
  private pollTimer: unknown = null;
  private retryTimer: unknown = null;
  private stopped = false;
  private failures = 0;
  private readonly parser = new SseParser();
  /** Why the page is polling (shown to the user). */
  reason: string | null = null;

  constructor(
    private readonly deps: LiveDeps,
    private readonly cb: LiveCallbacks,
  ) {}

  start() {
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    this.abort?.abort();
    this.abort = null;
    this.clear();
    this.setMode('stopped');
  }

  private async connect(retried401 = false): Promise<void> {
    if (this.stopped) return;
    this.setMode('connecting');
    const abort = new AbortController();
    this.abort = abort;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    const token = await this.deps.token();
    if (token) headers['Authorization'] = `Bearer ${token}`;
    if (this.parser.lastEventId) headers['Last-Event-ID'] = this.parser.lastEventId;
    let res: Response;
    try {
      res = await this.deps.fetch(STREAM_PATH, { headers, signal: abort.signal, credentials: 'same-origin' });
    } catch {
      if (!this.stopped && this.abort === abort) this.dropped('no connection to the live stream');
      return;
    }
    if (this.stopped || this.abort !== abort) return;
    if (res.status === 401 && !retried401 && (await this.deps.refreshAfter401())) return this.connect(true);
    const type = res.headers.get('Content-Type') ?? '';
    // No such route. A server without it reads "stream" as a server id: 400 on the path.
    if (res.status === 404 || res.status === 405 || res.status === 400) {
      this.fallback('this server has no live stream', STREAM_RETRY_MS);
      return;
    }
    if (!res.ok || !type.includes('text/event-stream') || !res.body) {
      this.dropped(`the live stream answered ${res.status}`);
      return;
    }
    this.failures = 0;
    this.stopPolling();
    this.reason = null;
    this.setMode('live');
    // Catch up on anything missed while not connected.
    void this.deps.poll().catch(() => {});
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const msg of this.parser.push(value)) {
          // `resync`: the server may have dropped changes for us; reload what is shown.
          if (msg.event === 'resync') void this.deps.poll().catch(() => {});
          if (msg.event !== 'booking') continue;
          const ev = parseBookingEvent(msg.data);
          if (ev) this.cb.onEvent(ev);
        }
      }
    } catch {
      // Aborted or cut off: handled below.
    }
    if (!this.stopped && this.abort === abort) this.dropped('the live stream was interrupted');
  }

  /** The stream ended or failed: poll meanwhile and reconnect with a growing delay. */
  private dropped(reason: string) {
    this.failures++;
    const delay = Math.min(STREAM_RETRY_MS, RECONNECT_MS * 2 ** (this.failures - 1));
    this.fallback(reason, delay);
  }

  private fallback(reason: string, retryIn: number) {
    this.abort = null;
    this.reason = reason;
    this.startPolling();
    if (this.retryTimer !== null) this.deps.clearTimeout(this.retryTimer);
    this.retryTimer = this.deps.setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, retryIn);
  }

  private startPolling() {
    if (this.stopped) return;
    this.setMode('polling');
    if (this.pollTimer !== null) return;
    const tick = async () => {
      this.pollTimer = null;
      if (this.stopped || this.mode === 'live') return;
      if (!this.deps.isVisible || this.deps.isVisible()) await this.deps.poll().catch(() => {});
      if (this.stopped || this.isLive()) return;
      this.pollTimer = this.deps.setTimeout(() => void tick(), POLL_MS);
    };
    this.pollTimer = this.deps.setTimeout(() => void tick(), POLL_MS);
  }

  private isLive(): boolean {
    return this.mode === 'live';
  }

  private stopPolling() {
    if (this.pollTimer !== null) this.deps.clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private clear() {
    this.stopPolling();
    if (this.retryTimer !== null) this.deps.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setMode(mode: LiveMode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.cb.onMode(mode);
  }
}
