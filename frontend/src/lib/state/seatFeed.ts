// Keeps a SeatBoard current: the server's seat stream (SSE) when there is one — the first
// connection resumes after the status vector the page loaded (`?lastEventId=`), the browser
// reconnects by itself and sends Last-Event-ID, the server resumes or sends a fresh snapshot
// — and polling the seat status when the stream is missing or keeps failing. Timers, the
// EventSource class and the poll are injected so this is unit-tested without a browser.

import type { SeatChange, SeatSnapshot, SeatState } from '../api/types';
import type { MergeResult, SeatBoard } from './seatBoard';

export type FeedMode = 'connecting' | 'live' | 'polling' | 'stopped';

export interface EventSourceLike {
  readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export interface FeedDeps {
  EventSource: (new (url: string) => EventSourceLike) | null;
  poll: () => Promise<SeatState[]>;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  isVisible?: () => boolean;
  random?: () => number;
}

export interface FeedCallbacks {
  onMerge: (result: MergeResult) => void;
  onMode: (mode: FeedMode) => void;
}

export const POLL_MS = 4_000;
/** After the stream fails for good, try it again this long later (meanwhile we poll). */
export const STREAM_RETRY_MS = 30_000;
const CLOSED = 2;

export function streamUrl(performanceId: string, lastEventId: string | null = null): string {
  const url = `/api/v1/performances/${encodeURIComponent(performanceId)}/seats/stream`;
  return lastEventId ? `${url}?lastEventId=${encodeURIComponent(lastEventId)}` : url;
}

export class SeatFeed {
  private source: EventSourceLike | null = null;
  private pollTimer: unknown = null;
  private retryTimer: unknown = null;
  private stopped = false;
  mode: FeedMode = 'connecting';

  constructor(
    private readonly performanceId: string,
    private readonly board: SeatBoard,
    private readonly deps: FeedDeps,
    private readonly cb: FeedCallbacks,
    /** The stream id the board is current to (the seat status's `lastEventId`): the first
     * connection carries on from it instead of starting with a full snapshot. */
    private resumeFrom: string | null = null,
  ) {}

  start() {
    this.stopped = false;
    if (this.deps.EventSource) this.openStream();
    else this.startPolling();
  }

  stop() {
    this.stopped = true;
    this.source?.close();
    this.source = null;
    this.clearTimers();
    this.setMode('stopped');
  }

  /** Fetch a fresh picture now (after coming back online, or after a failed hold). */
  async refresh() {
    try {
      const seats = await this.deps.poll();
      if (!this.stopped) this.cb.onMerge(this.board.applySnapshot(seats));
    } catch {
      // The next poll or stream event will bring us up to date.
    }
  }

  private openStream() {
    const ES = this.deps.EventSource;
    if (!ES || this.stopped) return;
    this.setMode('connecting');
    // Only the first connection: later ones may follow a gap the board did not see.
    const source = new ES(streamUrl(this.performanceId, this.resumeFrom));
    this.resumeFrom = null;
    this.source = source;
    source.onopen = () => {
      if (this.source !== source) return;
      this.stopPolling();
      this.setMode('live');
    };
    source.addEventListener('snapshot', (ev) => {
      const data = parse<SeatSnapshot>(ev.data);
      if (data && Array.isArray(data.seats)) this.cb.onMerge(this.board.applySnapshot(data.seats));
      if (this.source === source) this.setMode('live');
    });
    source.addEventListener('seat', (ev) => {
      const data = parse<SeatChange>(ev.data);
      if (data && Array.isArray(data.seatIds)) this.cb.onMerge(this.board.applyChange(data, ev.lastEventId || null));
    });
    source.onerror = () => {
      if (this.source !== source || this.stopped) return;
      if (source.readyState === CLOSED) {
        // Not a stream (404, wrong type) or refused: poll, and try the stream again later.
        source.close();
        this.source = null;
        this.startPolling();
        this.retryTimer = this.deps.setTimeout(() => {
          this.retryTimer = null;
          this.openStream();
        }, STREAM_RETRY_MS);
      } else {
        // The browser is reconnecting by itself (with Last-Event-ID); poll meanwhile.
        this.setMode('connecting');
        this.startPolling();
      }
    };
  }

  private startPolling() {
    if (this.stopped) return;
    if (this.mode !== 'live') this.setMode('polling');
    if (this.pollTimer !== null) return;
    const tick = async () => {
      this.pollTimer = null;
      if (this.stopped || this.mode === 'live') return;
      if (!this.deps.isVisible || this.deps.isVisible()) await this.refresh();
      if (this.stopped || this.isLive()) return;
      const jitter = (this.deps.random ?? Math.random)() * 1_000;
      this.pollTimer = this.deps.setTimeout(() => void tick(), POLL_MS + jitter);
    };
    this.pollTimer = this.deps.setTimeout(() => void tick(), 0);
  }

  private isLive(): boolean {
    return this.mode === 'live';
  }

  private stopPolling() {
    if (this.pollTimer !== null) this.deps.clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private clearTimers() {
    this.stopPolling();
    if (this.retryTimer !== null) this.deps.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setMode(mode: FeedMode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.cb.onMode(mode);
  }
}

function parse<T>(data: unknown): T | null {
  if (typeof data !== 'string') return null;
  try {
    return JSON.parse(data) as T;
  } catch {
    return null;
  }
}
