import { describe, expect, it } from 'vitest';
import { SeatBoard } from '../../src/lib/state/seatBoard';
import { SeatFeed, POLL_MS, STREAM_RETRY_MS, streamUrl, type EventSourceLike, type FeedMode } from '../../src/lib/state/seatFeed';

class FakeSource implements EventSourceLike {
  static last: FakeSource | null = null;
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  listeners = new Map<string, (ev: MessageEvent) => void>();
  closed = false;
  constructor(readonly url: string) {
    FakeSource.last = this;
  }
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    this.listeners.set(type, l);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, data: unknown, lastEventId = '') {
    this.listeners.get(type)?.({ data: JSON.stringify(data), lastEventId } as MessageEvent);
  }
}

function harness(withStream = true) {
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let next = 1;
  const board = new SeatBoard([
    { id: 'a', status: 'AVAILABLE' },
    { id: 'b', status: 'AVAILABLE' },
  ]);
  const modes: FeedMode[] = [];
  let polls = 0;
  let pollResult: { id: string; status: 'AVAILABLE' | 'HELD' | 'RESERVED' | 'SOLD' }[] = [];
  const merged: string[][] = [];
  const feed = new SeatFeed('perf-1', board, {
    EventSource: withStream ? FakeSource : null,
    poll: async () => {
      polls++;
      return pollResult;
    },
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.push({ fn, ms, id });
      return id;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    random: () => 0,
  }, { onMerge: (r) => merged.push(r.changed), onMode: (m) => modes.push(m) });
  const runTimers = async () => {
    const due = timers.splice(0);
    for (const t of due) t.fn();
    await new Promise((r) => setTimeout(r, 0));
    return due.map((t) => t.ms);
  };
  return { feed, board, modes, timers, runTimers, merged, get polls() { return polls; }, setPoll: (p: typeof pollResult) => (pollResult = p) };
}

describe('SeatFeed', () => {
  it('applies the snapshot and seat events of the stream', () => {
    const h = harness();
    h.feed.start();
    const src = FakeSource.last!;
    expect(src.url).toBe(streamUrl('perf-1'));
    src.onopen?.(new Event('open'));
    src.emit('snapshot', { performanceId: 'perf-1', seats: [{ id: 'a', status: 'SOLD' }, { id: 'b', status: 'AVAILABLE' }] });
    src.emit('seat', { seatIds: ['b'], status: 'HELD', reason: 'HELD' }, '42-0');
    expect(h.board.look('a')).toBe('sold');
    expect(h.board.look('b')).toBe('held');
    expect(h.board.lastEventId).toBe('42-0');
    expect(h.modes).toContain('live');
    expect(h.merged).toEqual([['a'], ['b']]);
  });

  it('opens the stream after the status the page loaded, once', async () => {
    const h = harness();
    const feed = new SeatFeed('perf-1', h.board, {
      EventSource: FakeSource, poll: async () => [], setTimeout: () => 0, clearTimeout: () => {},
    }, { onMerge: () => {}, onMode: () => {} }, '17-3');
    feed.start();
    expect(FakeSource.last!.url).toBe('/api/v1/performances/perf-1/seats/stream?lastEventId=17-3');
    feed.stop();
    feed.start();
    expect(FakeSource.last!.url).toBe(streamUrl('perf-1'));
  });

  it('ignores malformed events instead of breaking the map', () => {
    const h = harness();
    h.feed.start();
    FakeSource.last!.listeners.get('seat')?.({ data: 'not json' } as MessageEvent);
    expect(h.board.look('a')).toBe('available');
  });

  it('falls back to polling when there is no stream, and tries the stream again later', async () => {
    const h = harness();
    h.feed.start();
    const first = FakeSource.last!;
    first.readyState = 2; // the server answered 404: EventSource gives up
    first.onerror?.(new Event('error'));
    expect(h.feed.mode).toBe('polling');
    h.setPoll([{ id: 'a', status: 'HELD' }]);
    const delays = await h.runTimers();
    expect(delays).toContain(STREAM_RETRY_MS);
    expect(h.polls).toBe(1);
    expect(h.board.look('a')).toBe('held');
    expect(FakeSource.last).not.toBe(first); // the stream was tried again
    expect(h.timers.some((t) => t.ms === POLL_MS)).toBe(true);
  });

  it('polls while the browser reconnects a dropped stream, and stops once it is back', async () => {
    const h = harness();
    h.feed.start();
    const src = FakeSource.last!;
    src.onopen?.(new Event('open'));
    src.readyState = 0; // CONNECTING: the browser retries with Last-Event-ID
    src.onerror?.(new Event('error'));
    expect(h.timers.length).toBe(1);
    src.onopen?.(new Event('open'));
    expect(h.feed.mode).toBe('live');
    expect(h.timers.length).toBe(0);
  });

  it('polls from the start where EventSource does not exist', async () => {
    const h = harness(false);
    h.feed.start();
    expect(h.feed.mode).toBe('polling');
    await h.runTimers();
    expect(h.polls).toBe(1);
    h.feed.stop();
    expect(h.timers.length).toBe(0);
  });
});
