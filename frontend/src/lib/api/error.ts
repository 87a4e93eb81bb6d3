// The one error type the app's API layer throws: an envelope error, or a network failure.

import type { ErrorBody } from './types';

/** An error body as the server sends it, or as the app makes one up (no details needed). */
export type ErrorInput = Omit<ErrorBody, 'details'> & { details?: ErrorBody['details'] };

export class ApiError extends Error {
  /** HTTP status; 0 when no answer came back (offline, timeout, connection refused). */
  readonly status: number;
  /** The envelope's SCREAMING_SNAKE code, or NETWORK / TIMEOUT / BAD_RESPONSE. */
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** From a Retry-After header, when the server sent one. */
  readonly retryAfterMs: number | null;

  constructor(status: number, body: ErrorInput, retryAfterMs: number | null = null) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? {};
    this.retryAfterMs = retryAfterMs;
  }

  static network(message = 'No connection to Holdfast'): ApiError {
    return new ApiError(0, { code: 'NETWORK', message });
  }

  static timeout(): ApiError {
    return new ApiError(0, { code: 'TIMEOUT', message: 'The server took too long to answer' });
  }

  /** Ids listed by a 409 SEAT_UNAVAILABLE (or empty). */
  get unavailableSeatIds(): string[] {
    const ids = this.details['unavailableSeatIds'];
    return Array.isArray(ids) ? ids.map(String) : [];
  }

  /** True when the route itself is unknown to the server (a feature not deployed yet). */
  get routeMissing(): boolean {
    return (this.status === 404 && this.code === 'NOT_FOUND' && /route/i.test(this.message)) || this.status === 405;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
