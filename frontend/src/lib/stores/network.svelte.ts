// Connection health as the user should see it: the browser's offline flag, plus whether
// our own requests are failing right now. Also keeps the server clock offset, so countdowns
// agree with the server even when the device clock is wrong.

import type { ApiError } from '../api/error';
import type { NetworkObserver } from '../api/client';

export interface NetworkState {
  online: boolean;
  /** Requests are failing (no answer, 502/503/504) although the browser says online. */
  troubled: boolean;
  lastError: string | null;
}

const state = $state<NetworkState>({
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  troubled: false,
  lastError: null,
});

/** The connection as pages show it (reactive; only this module changes it). */
export const network: Readonly<NetworkState> = state;

/** serverNow() - Date.now(), estimated from Date headers (1 s resolution). */
let clockOffsetMs = 0;

export function serverNow(): number {
  return Date.now() + clockOffsetMs;
}

/** Offset estimate from one response: server Date vs. the midpoint of the round trip. */
export function estimateOffset(serverDate: string, sentAt: number, receivedAt: number): number | null {
  const server = Date.parse(serverDate);
  if (Number.isNaN(server)) return null;
  // Date has whole seconds: the true server time is in [server, server + 1000).
  return server + 500 - (sentAt + receivedAt) / 2;
}

export const networkObserver: NetworkObserver = {
  ok(serverDate, sentAt, receivedAt) {
    if (serverDate) {
      const offset = estimateOffset(serverDate, sentAt, receivedAt);
      // Ignore small offsets (header resolution); follow big ones (a wrong device clock).
      if (offset !== null) clockOffsetMs = Math.abs(offset) < 1_500 ? 0 : Math.round(offset);
    }
    state.troubled = false;
    state.lastError = null;
  },
  failed(err: ApiError) {
    state.troubled = true;
    state.lastError = err.message;
  },
};

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => (state.online = true));
  window.addEventListener('offline', () => (state.online = false));
}
