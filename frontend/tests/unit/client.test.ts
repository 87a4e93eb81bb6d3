import { describe, expect, it, vi } from 'vitest';
import { createClient, type TokenSource } from '../../src/lib/api/client';
import { ApiError } from '../../src/lib/api/error';

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
const ok = (data: unknown, status = 200) => json(status, { success: true, data });
const fail = (status: number, code: string, headers: Record<string, string> = {}, details = {}) =>
  json(status, { success: false, error: { code, message: code.toLowerCase(), details } }, headers);

function setup(responses: (Response | Error)[], tokens?: Partial<TokenSource>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return next;
  });
  const sleeps: number[] = [];
  const client = createClient({
    fetch: fetch as unknown as typeof globalThis.fetch,
    tokens: { accessToken: async () => 'tok', refreshAfter401: async () => false, ...tokens },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
  });
  return { client, calls, sleeps };
}

/** The error a request ends with (fails the test if it succeeds). */
const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (x: unknown) => x as ApiError,
  );

const header = (init: RequestInit, name: string) => (init.headers as Record<string, string>)[name];

describe('api client', () => {
  it('unwraps the envelope and sends the bearer token to a relative /api/v1 URL', async () => {
    const { client, calls } = setup([ok({ id: 1 })]);
    expect(await client.request('/events')).toEqual({ id: 1 });
    expect(calls[0]!.url).toBe('/api/v1/events');
    expect(header(calls[0]!.init, 'Authorization')).toBe('Bearer tok');
  });

  it('throws the envelope error with code, details and Retry-After', async () => {
    const { client } = setup([fail(409, 'SEAT_UNAVAILABLE', {}, { unavailableSeatIds: ['s1'] })]);
    const e = await failure(client.request('/holds', { method: 'POST', body: {} }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('SEAT_UNAVAILABLE');
    expect(e.unavailableSeatIds).toEqual(['s1']);
  });

  it('retries GETs and keyed writes with backoff after transient failures', async () => {
    const { client, calls, sleeps } = setup([new TypeError('offline'), fail(503, 'DEPENDENCY_UNAVAILABLE'), ok('done')]);
    expect(await client.request('/events')).toBe('done');
    expect(calls.length).toBe(3);
    expect(sleeps).toEqual([200, 400]);

    const keyed = setup([new TypeError('lost'), ok('paid', 201)]);
    expect(await keyed.client.request('/payments', { method: 'POST', body: {}, idempotencyKey: 'k1' })).toBe('paid');
    expect(keyed.calls.map((c) => header(c.init, 'Idempotency-Key'))).toEqual(['k1', 'k1']);
  });

  it('never repeats an unkeyed write whose answer was lost', async () => {
    const { client, calls } = setup([new TypeError('lost'), ok('x')]);
    const e = await failure(client.request('/holds', { method: 'POST', body: {} }));
    expect(e.code).toBe('NETWORK');
    expect(calls.length).toBe(1);
  });

  it('honours Retry-After on 429, even for unkeyed writes (nothing was done)', async () => {
    const { client, sleeps } = setup([fail(429, 'RATE_LIMITED', { 'Retry-After': '2' }), ok('held', 201)]);
    expect(await client.request('/holds', { method: 'POST', body: {}, retries: 1 })).toBe('held');
    expect(sleeps).toEqual([2_000]);
  });

  it('does not auto-retry CONFIRMATION_FAILED (the user decides)', async () => {
    const { client, calls } = setup([fail(503, 'CONFIRMATION_FAILED'), ok('x')]);
    const e = await failure(client.request('/reservations', { method: 'POST', body: {}, idempotencyKey: 'k' }));
    expect(e.code).toBe('CONFIRMATION_FAILED');
    expect(calls.length).toBe(1);
  });

  it('refreshes once on 401 and repeats the request with the new token', async () => {
    let token = 'old';
    const { client, calls } = setup([fail(401, 'UNAUTHENTICATED'), ok('me')], {
      accessToken: async () => token,
      refreshAfter401: async () => {
        token = 'new';
        return true;
      },
    });
    expect(await client.request('/auth/me')).toBe('me');
    expect(calls.map((c) => header(c.init, 'Authorization'))).toEqual(['Bearer old', 'Bearer new']);
  });

  it('gives up on 401 when the refresh fails', async () => {
    const { client, calls } = setup([fail(401, 'UNAUTHENTICATED')]);
    const e = await failure(client.request('/auth/me'));
    expect(e.status).toBe(401);
    expect(calls.length).toBe(1);
  });

  it('turns a non-JSON error page into a readable error', async () => {
    const { client } = setup([new Response('<html>bad gateway</html>', { status: 502 })]);
    const e = await failure(client.request('/events', { retries: 0 }));
    expect(e.status).toBe(502);
    expect(e.code).toBe('SERVER_ERROR');
  });
});
