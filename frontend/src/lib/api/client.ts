// The HTTP layer: relative /api/v1 URLs (so the app works behind the gateway and on core-api
// alike), the envelope, bearer tokens with one refresh-and-retry on 401, timeouts, and
// automatic retries with backoff for requests that are safe to repeat.

import { ApiError, type ErrorInput } from './error';
import type { ErrorBody } from './types';
import { backoffDelay, isTransient, parseRetryAfter } from '../state/backoff';

export const API_BASE = '/api/v1';

export interface TokenSource {
  /** A fresh-enough access token, or null when signed out. */
  accessToken(): Promise<string | null>;
  /** Called after a 401: try to refresh; true when a new token is available. */
  refreshAfter401(): Promise<boolean>;
}

export interface NetworkObserver {
  ok(serverDate: string | null, sentAt: number, receivedAt: number): void;
  failed(err: ApiError): void;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as Idempotency-Key; makes a POST safe to retry automatically. */
  idempotencyKey?: string;
  /** Automatic retries on transient failures; default 3 for GET / keyed writes, else 0. */
  retries?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Send the bearer token (default true). */
  auth?: boolean;
}

export interface ClientDeps {
  fetch: typeof fetch;
  tokens: TokenSource;
  network?: NetworkObserver;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Client {
  request<T>(path: string, opts?: RequestOptions): Promise<T>;
}

export function createClient(deps: ClientDeps): Client {
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;

  async function once<T>(path: string, opts: RequestOptions, retried401: boolean): Promise<T> {
    const method = opts.method ?? 'GET';
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    if (opts.auth !== false) {
      const token = await deps.tokens.accessToken();
      if (token) headers['Authorization'] = `Bearer ${token}`;
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.timeoutMs ?? 15_000);
    const sentAt = Date.now();
    let res: Response;
    try {
      res = await deps.fetch(API_BASE + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: controller.signal,
        credentials: 'same-origin',
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      const err = timedOut ? ApiError.timeout() : ApiError.network();
      deps.network?.failed(err);
      throw err;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const receivedAt = Date.now();
    if (res.status === 204) {
      deps.network?.ok(res.headers.get('Date'), sentAt, receivedAt);
      return undefined as T;
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      json = null;
    }
    const envelope = json as { success?: boolean; data?: unknown; error?: ErrorBody } | null;
    if (res.ok && envelope?.success === true) {
      deps.network?.ok(res.headers.get('Date'), sentAt, receivedAt);
      return envelope.data as T;
    }
    const body: ErrorInput = envelope?.error ?? {
      code: res.status >= 500 ? 'SERVER_ERROR' : 'BAD_RESPONSE',
      message: `The server answered ${res.status}`,
    };
    const err = new ApiError(res.status, body, parseRetryAfter(res.headers.get('Retry-After')));
    if (res.status === 401 && opts.auth !== false && !retried401 && (await deps.tokens.refreshAfter401())) {
      return once<T>(path, opts, true);
    }
    if (isTransient(err)) deps.network?.failed(err);
    else deps.network?.ok(res.headers.get('Date'), sentAt, receivedAt);
    throw err;
  }

  return {
    async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
      const method = opts.method ?? 'GET';
      const safe = method === 'GET' || !!opts.idempotencyKey;
      const retries = opts.retries ?? (safe ? 3 : 0);
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(path, opts, false);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          // A 429 did nothing on the server, so even an unkeyed write may be repeated.
          const retryable = isTransient(e) && (safe || e.status === 429);
          if (!retryable || attempt >= retries || opts.signal?.aborted) throw e;
          await sleep(backoffDelay(attempt + 1, undefined, random, e.retryAfterMs));
        }
      }
    },
  };
}

/** A random Idempotency-Key (crypto-strong where available). */
export function newIdempotencyKey(prefix = 'web'): string {
  const c = globalThis.crypto;
  const id = c && 'randomUUID' in c ? c.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${id}`;
}
