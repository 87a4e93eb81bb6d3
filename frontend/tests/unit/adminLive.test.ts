import { describe, expect, it } from 'vitest';
import { LiveStream, SseParser, decodeSeatStatus, encodeSeatStatus, salesChart, type LiveState, type SseEvent } from '../../src/lib/admin/live';

describe('SSE parser', () => {
  it('assembles events across chunk boundaries, multi-line data, ids, and skips comments', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\nevent: st')).toEqual([]);
    expect(p.push('ats\ndata: {"a":\ndata: 1}\nid: 7\n\r\n')).toEqual([{ event: 'stats', data: '{"a":\n1}', id: '7' }]);
    expect(p.push('data: x\r\n\r\ndata:y\n\n')).toEqual([
      { event: 'message', data: 'x', id: '7' },
      { event: 'message', data: 'y', id: '7' },
    ]);
  });
});

describe('seat status vector', () => {
  it('decodes 2 bits per seat, low bits first', () => {
    const statuses = [0, 1, 2, 3, 3, 2, 1, 0, 2];
    const b64 = encodeSeatStatus(statuses);
    expect([...decodeSeatStatus(b64, statuses.length)]).toEqual(statuses);
    // Byte 0 = 0b11_10_01_00 = 0xE4.
    expect(Buffer.from(b64, 'base64')[0]).toBe(0xe4);
  });
  it('decodes what core-api packs: 0 available, 1 held, 2 reserved, 3 sold', async () => {
    const { HEAT } = await import('../../src/lib/admin/live');
    // The bytes of core-api's services::live test: AVAILABLE, HELD, RESERVED, SOLD, SOLD.
    const statuses = [...decodeSeatStatus('5AM=', 5)].map((k) => HEAT[k]);
    expect(statuses).toEqual(['available', 'held', 'reserved', 'sold', 'sold']);
  });
  it('reads missing bytes as available', () => {
    expect([...decodeSeatStatus('', 3)]).toEqual([0, 0, 0]);
  });
});

describe('sales chart', () => {
  it('scales counts to the box, newest on the right', () => {
    const c = salesChart([{ minute: 'a', count: 0 }, { minute: 'b', count: 5 }, { minute: 'c', count: 10 }], 100, 50);
    expect(c).toEqual({ max: 10, points: '0,50 50,25 100,0' });
  });
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      c.close();
    },
  });
}

describe('LiveStream', () => {
  it('sends the bearer token, delivers events, and reconnects after the stream ends', async () => {
    const calls: RequestInit[] = [];
    const timers: (() => void)[] = [];
    const events: SseEvent[] = [];
    const states: LiveState[] = [];
    const s = new LiveStream(
      '/api/v1/admin/performances/p/live',
      {
        fetch: (async (_url: string, init: RequestInit) => {
          calls.push(init);
          return new Response(streamOf(['event: stats\ndata: {"sold":1}\n\n']), { status: 200 });
        }) as unknown as typeof fetch,
        token: async () => 'tok',
        setTimeout: (fn) => timers.push(fn),
        clearTimeout: () => {},
        random: () => 0,
      },
      { event: (e) => events.push(e), state: (st) => states.push(st) },
    );
    s.start();
    await waitUntil(() => timers.length === 1);
    expect((calls[0]!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(events).toEqual([{ event: 'stats', data: '{"sold":1}', id: null }]);
    expect(states).toEqual(['connecting', 'live', 'retrying']);
    timers[0]!();
    await waitUntil(() => events.length === 2);
    s.stop();
    expect(states.at(-1)).toBe('stopped');
  });

  it('stops and says so when the server has no stream (404)', async () => {
    const states: [LiveState, string | undefined][] = [];
    const s = new LiveStream(
      '/x',
      {
        fetch: (async () => new Response('{}', { status: 404 })) as unknown as typeof fetch,
        token: async () => null,
        setTimeout: () => {
          throw new Error('no retry expected');
        },
        clearTimeout: () => {},
      },
      { event: () => {}, state: (st, d) => states.push([st, d]) },
    );
    s.start();
    await waitUntil(() => states.length === 2);
    expect(states[1]![0]).toBe('unavailable');
    expect(states[1]![1]).toMatch(/no live stream/);
  });
});

async function waitUntil(cond: () => boolean, ms = 2_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('heat view', () => {
  it('maps the vector to seat ids in seat order, and buyer statuses to the same scale', async () => {
    const { heatById, heatOfStatus, fitBox } = await import('../../src/lib/admin/live');
    const m = heatById(['a', 'b', 'c'], encodeSeatStatus([2, 0, 3]));
    expect([...m]).toEqual([['a', 2], ['b', 0], ['c', 3]]);
    expect(['AVAILABLE', 'HELD', 'RESERVED', 'SOLD'].map(heatOfStatus)).toEqual([0, 1, 2, 3]);
    expect(fitBox([{ x: 0, y: 0 }, { x: 100, y: 50 }], 220, 220, 10)).toEqual({ scale: 2, dx: 10, dy: 10 });
  });
});
