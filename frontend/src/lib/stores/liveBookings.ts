// One live booking feed for a page, wired to the browser: the session's token, fetch,
// timers, and polling only while the tab is visible. See lib/booking/stream.ts.

import type { BookingEvent } from '../booking/board';
import { LiveBookings, type LiveMode } from '../booking/stream';
import { tokens } from './session.svelte';

export function startLiveBookings(
  poll: () => Promise<void>,
  onEvent: (ev: BookingEvent) => void,
  onMode: (mode: LiveMode, reason: string | null) => void,
): LiveBookings {
  const live: LiveBookings = new LiveBookings(
    {
      fetch: (...a) => fetch(...a),
      token: () => tokens.accessToken(),
      refreshAfter401: () => tokens.refreshAfter401(),
      poll,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      isVisible: () => document.visibilityState !== 'hidden',
    },
    { onEvent, onMode: (m) => onMode(m, live.reason) },
  );
  live.start();
  return live;
}
