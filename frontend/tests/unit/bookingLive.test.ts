import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api/error';
import type { Booking } from '../../src/lib/api/booking';
import { BookingBoard, parseBookingEvent, type BookingEvent } from '../../src/lib/booking/board';
import { bookingFormError, conflictsOf } from '../../src/lib/booking/conflict';
import { LiveBookings, POLL_MS, SseParser, STREAM_PATH, STREAM_RETRY_MS, type LiveMode } from '../../src/lib/booking/stream';

const booking = (id: string, over: Partial<Booking> = {}): Booking => ({
  id,
  resourceId: 'gpu-1',
  resourceName: 'GPU 1',
  userId: 'u1',
  userName: 'Ada',
  title: 'Training',
  description: '',
  startAt: '2026-12-07T01:00:00Z',
  endAt: '2026-12-07T02:00:00Z',
  status: 'active',
  sequence: 0,
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
  calendarSynced: false,
  ...over,
});

describe('BookingBoard', () => {
  it('applies created, changed and cancelled, never going back in SEQUENCE', () => {
    const board = new BookingBoard();
    expect(board.apply({ kind: 'created', booking: booking('a') })).toBe(true);
    expect(board.apply({ kind: 'changed', booking: booking('a', { sequence: 2, endAt: '2026-12-07T03:00:00Z' }) })).toBe(true);
    // A late event from before our own change is ignored.
    expect(board.apply({ kind: 'changed', booking: booking('a', { sequence: 1 }) })).toBe(false);
    expect(board.get('a')?.endAt).toBe('2026-12-07T03:00:00Z');
    // The same state twice changes nothing.
    expect(board.put(booking('a', { sequence: 2, endAt: '2026-12-07T03:00:00Z' }))).toBe(false);
    expect(board.apply({ kind: 'cancelled', booking: booking('a', { sequence: 3, status: 'cancelled' }) })).toBe(true);
    expect(board.all()).toEqual([]);
    expect(board.apply({ kind: 'cancelled', booking: booking('zz') })).toBe(false);
  });

  it('replaces a loaded window and finds overlaps on a server', () => {
    const board = new BookingBoard();
    board.put(booking('old'));
    board.put(booking('outside', { startAt: '2026-12-20T01:00:00Z', endAt: '2026-12-20T02:00:00Z' }));
    board.replaceWindow([booking('new', { startAt: '2026-12-07T02:00:00Z', endAt: '2026-12-07T03:00:00Z' })],
      Date.parse('2026-12-07T00:00:00Z'), Date.parse('2026-12-08T00:00:00Z'));
    expect(board.all().map((b) => b.id)).toEqual(['new', 'outside']);
    const s = Date.parse('2026-12-07T02:30:00Z');
    expect(board.overlapping('gpu-1', s, s + 3600_000).map((b) => b.id)).toEqual(['new']);
    expect(board.overlapping('gpu-1', s, s + 3600_000, 'new')).toEqual([]);
    expect(board.overlapping('gpu-2', s, s + 3600_000)).toEqual([]);
  });

  it('parses stream events and rejects anything else', () => {
    const ev = parseBookingEvent(JSON.stringify({ kind: 'created', booking: booking('a') }));
    expect(ev?.booking.id).toBe('a');
    expect(parseBookingEvent('{"kind":"nope","booking":{}}')).toBeNull();
    expect(parseBookingEvent('not json')).toBeNull();
  });
});

describe('refused bookings', () => {
  const known = (id: string) => (id === 'b1' ? booking('b1', { userName: 'Grace', title: 'Eval' }) : undefined);

  it('names the conflicting booking from the contract shape', () => {
    const err = new ApiError(409, {
      code: 'BOOKING_CONFLICT',
      message: 'overlaps',
      details: { conflicts: [{ id: 'b1', resourceId: 'gpu-1', startsAt: '2026-12-07T01:00:00Z', endsAt: '2026-12-07T02:00:00Z', holderName: 'Grace' }] },
    });
    expect(conflictsOf(err)).toEqual([
      { id: 'b1', startAt: '2026-12-07T01:00:00Z', endAt: '2026-12-07T02:00:00Z', resourceId: 'gpu-1', holderName: 'Grace', title: null },
    ]);
  });

  it('fills names from known bookings for core-api’s conflictingBookings shape', () => {
    const err = new ApiError(409, {
      code: 'BOOKING_CONFLICT',
      message: 'overlaps',
      details: { conflictingBookingId: 'b1', conflictingBookings: [{ id: 'b1', startAt: '2026-12-07T01:00:00Z', endAt: '2026-12-07T02:00:00Z' }] },
    });
    const f = bookingFormError(err, known);
    expect(f.message).toBe('That time is already booked.');
    expect(f.conflicts).toHaveLength(1);
    expect(f.conflicts[0]).toMatchObject({ holderName: 'Grace', title: 'Eval', resourceId: 'gpu-1' });
  });

  it('puts policy and validation refusals next to their fields', () => {
    const policy = new ApiError(422, { code: 'BOOKING_POLICY_VIOLATED', message: 'a booking may last at most 60 minutes', details: { rule: 'maxDuration', limit: 60 } });
    expect(bookingFormError(policy).fields).toEqual({ endAt: 'A booking may last at most 60 minutes' });
    const bad = new ApiError(400, { code: 'VALIDATION_FAILED', message: 'must be after startAt', details: { field: 'endAt' } });
    expect(bookingFormError(bad).fields).toEqual({ endAt: 'Must be after startAt' });
    expect(bookingFormError(new ApiError(404, { code: 'NOT_FOUND', message: 'x' })).message).toMatch(/not in your teams/);
    expect(conflictsOf(bad)).toEqual([]);
  });
});

describe('SseParser', () => {
  it('parses events split across chunks, with ids, comments and CRLF', () => {
    const p = new SseParser();
    expect(p.push(': hi\n\nevent: booking\r\ndata: {"a"')).toEqual([]);
    expect(p.push(':1}\r')).toEqual([]);
    expect(p.push('\nid: 7\r\n\r\ndata: x\ndata: y\n\n')).toEqual([
      { event: 'booking', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'x\ny', id: null },
    ]);
    expect(p.lastEventId).toBe('7');
  });
});

function streamHarness(respond: (n: number) => Response | Promise<Response>) {
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let nextId = 1;
  const calls: RequestInit[] = [];
  const modes: LiveMode[] = [];
  const events: BookingEvent[] = [];
  let polls = 0;
  const live = new LiveBookings(
    {
      fetch: (async (url: string, init: RequestInit) => {
        expect(url).toBe(STREAM_PATH);
        calls.push(init);
        return respond(calls.length);
      }) as unknown as typeof fetch,
      token: async () => 'tok',
      refreshAfter401: async () => false,
      poll: async () => {
        polls++;
      },
      setTimeout: (fn, ms) => {
        const id = nextId++;
        timers.push({ fn, ms, id });
        return id;
      },
      clearTimeout: (h) => {
        const i = timers.findIndex((t) => t.id === h);
        if (i >= 0) timers.splice(i, 1);
      },
    },
    { onEvent: (e) => events.push(e), onMode: (m) => modes.push(m) },
  );
  const runTimer = (ms: number) => {
    const i = timers.findIndex((t) => t.ms === ms);
    expect(i).toBeGreaterThanOrEqual(0);
    const [t] = timers.splice(i, 1);
    t?.fn();
  };
  return { live, timers, calls, modes, events, polls: () => polls, runTimer };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('LiveBookings', () => {
  it('reads booking events from the stream with the bearer token', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        const enc = new TextEncoder();
        c.enqueue(enc.encode(`event: booking\nid: 1\ndata: ${JSON.stringify({ kind: 'created', booking: booking('a') })}\n\n`));
        c.enqueue(enc.encode(': heartbeat\n\nevent: resync\ndata: {}\n\n'));
      },
    });
    const h = streamHarness(() => new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }));
    h.live.start();
    await flush();
    await flush();
    expect((h.calls[0]?.headers as Record<string, string>)['Authorization']).toBe('Bearer tok');
    expect(h.modes).toEqual(['live']);
    expect(h.events.map((e) => e.booking.id)).toEqual(['a']);
    expect(h.polls()).toBe(2); // one catch-up after connecting, one for the resync
    h.live.stop();
    expect(h.timers).toEqual([]);
  });

  it('refreshes every few seconds when the server has no stream, and tries it again later', async () => {
    const h = streamHarness((n) =>
      n === 1
        ? new Response(JSON.stringify({ success: false }), { status: 404 })
        : new Response(new ReadableStream(), { headers: { 'Content-Type': 'text/event-stream' } }),
    );
    h.live.start();
    await flush();
    expect(h.live.mode).toBe('polling');
    expect(h.live.reason).toBe('this server has no live stream');
    h.runTimer(POLL_MS);
    await flush();
    expect(h.polls()).toBe(1);
    expect(h.timers.some((t) => t.ms === POLL_MS)).toBe(true);
    h.runTimer(STREAM_RETRY_MS);
    await flush();
    await flush();
    expect(h.live.mode).toBe('live');
    expect(h.timers.some((t) => t.ms === POLL_MS)).toBe(false);
    h.live.stop();
  });

  it('treats a 400 for the path (no such route; "stream" read as an id) like a 404', async () => {
    const h = streamHarness(() => new Response('{}', { status: 400 }));
    h.live.start();
    await flush();
    expect(h.live.mode).toBe('polling');
    expect(h.live.reason).toBe('this server has no live stream');
    expect(h.timers.some((t) => t.ms === STREAM_RETRY_MS)).toBe(true);
    h.live.stop();
  });

  it('reconnects with a growing delay when the stream drops', async () => {
    const h = streamHarness(() => {
      throw new TypeError('offline');
    });
    h.live.start();
    await flush();
    expect(h.live.mode).toBe('polling');
    expect(h.timers.map((t) => t.ms).sort((a, b) => a - b)).toEqual([1_000, POLL_MS]);
    h.runTimer(1_000);
    await flush();
    expect(h.timers.some((t) => t.ms === 2_000)).toBe(true);
    h.live.stop();
  });
});
