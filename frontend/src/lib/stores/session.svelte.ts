// Who is signed in, and their tokens.
//
// Safety: the access token lives only in memory (never in storage, never in a URL). The
// refresh token is kept in localStorage so a reload stays signed in; it is rotated on every
// use, and refreshes are serialised across tabs with the Web Locks API so two tabs never
// spend the same refresh token (the server would treat that as theft and revoke the login).
// The built page runs under a strict Content-Security-Policy (no foreign or inline script).

import { createClient, type TokenSource } from '../api/client';
import { ApiError } from '../api/error';
import type { TokenPair, User } from '../api/types';
import { networkObserver } from './network.svelte';

const REFRESH_KEY = 'holdfast.refreshToken';
/** Refresh this long before the access token expires. */
const EARLY_MS = 60_000;

export interface SessionState {
  status: 'unknown' | 'signed-out' | 'signed-in';
  user: User | null;
}

let current = $state.raw<SessionState>({ status: 'unknown', user: null });

/** Who is signed in, for pages (reactive; only this module changes it). */
export const session = {
  get status(): SessionState['status'] {
    return current.status;
  },
  get user(): User | null {
    return current.user;
  },
};

let accessToken: string | null = null;
let accessExpiresAt = 0;
let refreshing: Promise<boolean> | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function storedRefreshToken(): string | null {
  return storage()?.getItem(REFRESH_KEY) ?? null;
}

function adopt(pair: TokenPair) {
  accessToken = pair.accessToken;
  accessExpiresAt = Date.now() + pair.expiresIn * 1_000;
  storage()?.setItem(REFRESH_KEY, pair.refreshToken);
  if (timer) clearTimeout(timer);
  // Refresh ahead of expiry so a click never waits for it.
  const inMs = Math.max(5_000, pair.expiresIn * 1_000 - EARLY_MS);
  timer = setTimeout(() => void refresh(), inMs);
}

function clear() {
  accessToken = null;
  accessExpiresAt = 0;
  storage()?.removeItem(REFRESH_KEY);
  if (timer) clearTimeout(timer);
  timer = null;
}

async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('holdfast-refresh', fn) : fn();
}

/** Single-flight refresh; false (and signed out) when the refresh token is refused. */
export function refresh(): Promise<boolean> {
  refreshing ??= withRefreshLock(async () => {
    // Read inside the lock: another tab may have rotated it a moment ago.
    const token = storedRefreshToken();
    if (!token) return false;
    try {
      const pair = await raw.request<TokenPair>('/auth/refresh', {
        method: 'POST',
        body: { refreshToken: token },
        auth: false,
        // Only a 429 is retried: after a lost answer the token may already be spent, and
        // sending it again would look like reuse to the server.
        retries: 2,
      });
      adopt(pair);
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 400)) {
        clear();
        current = { status: 'signed-out', user: null };
      }
      return false;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export const tokens: TokenSource = {
  async accessToken() {
    if (accessToken && Date.now() < accessExpiresAt - 10_000) return accessToken;
    if (storedRefreshToken()) await refresh();
    return accessToken;
  },
  refreshAfter401: () => refresh(),
};

/** The client every page uses. */
export const api = createClient({ fetch: (...a) => fetch(...a), tokens, network: networkObserver });
/** Unauthenticated requests (login, refresh) — no token lookup, no refresh loop. */
const raw = createClient({
  fetch: (...a) => fetch(...a),
  tokens: { accessToken: async () => null, refreshAfter401: async () => false },
  network: networkObserver,
});

export async function login(email: string, password: string): Promise<User> {
  const pair = await raw.request<TokenPair>('/auth/login', {
    method: 'POST',
    body: { email, password },
    auth: false,
  });
  adopt(pair);
  const user = await api.request<User>('/auth/me');
  current = { status: 'signed-in', user };
  return user;
}

export async function register(name: string, email: string, password: string): Promise<User> {
  await raw.request<User>('/auth/register', { method: 'POST', body: { name, email, password }, auth: false });
  return login(email, password);
}

/**
 * Signs out on this device: ends this login on the server (its refresh token and every one
 * rotated from it), then forgets the tokens. If the server cannot be reached the tokens are
 * forgotten anyway; the refresh token then simply expires unused.
 */
export async function logout(): Promise<void> {
  try {
    await withRefreshLock(async () => {
      const token = storedRefreshToken();
      if (!token) return;
      await raw.request<void>('/auth/logout', {
        method: 'POST',
        body: { refreshToken: token },
        auth: false,
      });
    });
  } catch {
    // Offline or the server is busy: signing out here must still work.
  } finally {
    clear();
    current = { status: 'signed-out', user: null };
  }
}

/**
 * Signs out everywhere: every login of this account ends and every access token stops
 * working. Unlike `logout`, a failure is reported (the other devices would stay signed in).
 */
export async function logoutEverywhere(): Promise<void> {
  await api.request<void>('/auth/logout-all', { method: 'POST' });
  clear();
  current = { status: 'signed-out', user: null };
}

/** On start: a stored refresh token becomes a session again, without asking for a password. */
export async function restore(): Promise<void> {
  if (!storedRefreshToken()) {
    current = { status: 'signed-out', user: null };
    return;
  }
  try {
    if (!(await refresh())) {
      if (current.status === 'unknown') current = { status: 'signed-out', user: null };
      return;
    }
    const user = await api.request<User>('/auth/me');
    current = { status: 'signed-in', user };
  } catch {
    // Offline at start: keep the refresh token, show signed out until we can reach the server.
    current = { status: 'signed-out', user: null };
  }
}
