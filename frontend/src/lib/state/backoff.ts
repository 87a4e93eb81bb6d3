// Retry timing: exponential backoff with full jitter, and which failures are worth retrying.

import type { ApiError } from '../api/error';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 400, maxMs: 8_000 };

/**
 * Delay before retry number `attempt` (1 = the first retry). The cap grows 2^n; full jitter
 * (a random share of it, `random` in [0,1)) spreads a crowd of clients apart so that a
 * hundred thousand browsers do not retry in the same millisecond. A server's Retry-After wins.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  retryAfterMs: number | null = null,
): number {
  if (retryAfterMs !== null && retryAfterMs >= 0) {
    // Never earlier than the server asked, plus a little jitter so we do not arrive together.
    return Math.round(retryAfterMs + random() * Math.min(1_000, opts.baseMs));
  }
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: never zero, never all at the cap.
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Whether an automatic retry of the same request can help. Only for answers that say
 * "try again" without having done anything: no answer at all, 429, 502/503/504 — but never
 * CONFIRMATION_FAILED, where the user decides (the hold is kept and a button offers retry).
 */
export function isTransient(err: ApiError): boolean {
  if (err.status === 0) return true;
  if (err.code === 'CONFIRMATION_FAILED') return false;
  return err.status === 429 || err.status === 502 || err.status === 503 || err.status === 504;
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
