import { describe, expect, it } from 'vitest';
import { backoffDelay, isTransient, parseRetryAfter } from '../../src/lib/state/backoff';
import { ApiError } from '../../src/lib/api/error';

describe('backoffDelay', () => {
  const opts = { baseMs: 400, maxMs: 8_000 };
  it('grows exponentially within [cap/2, cap]', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(200);
    expect(backoffDelay(1, opts, () => 0.999)).toBeCloseTo(400, -1);
    expect(backoffDelay(3, opts, () => 0)).toBe(800);
    expect(backoffDelay(20, opts, () => 0.999)).toBeLessThanOrEqual(8_000);
  });
  it("never retries earlier than the server's Retry-After", () => {
    expect(backoffDelay(1, opts, () => 0, 5_000)).toBe(5_000);
    expect(backoffDelay(1, opts, () => 1, 5_000)).toBe(5_400);
  });
});

describe('isTransient', () => {
  it('retries only answers that did nothing', () => {
    expect(isTransient(ApiError.network())).toBe(true);
    expect(isTransient(new ApiError(429, { code: 'RATE_LIMITED', message: '' }))).toBe(true);
    expect(isTransient(new ApiError(503, { code: 'DEPENDENCY_UNAVAILABLE', message: '' }))).toBe(true);
    expect(isTransient(new ApiError(503, { code: 'CONFIRMATION_FAILED', message: '' }))).toBe(false);
    expect(isTransient(new ApiError(409, { code: 'SEAT_UNAVAILABLE', message: '' }))).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(null)).toBeNull();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
