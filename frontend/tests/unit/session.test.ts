import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const REFRESH_KEY = 'holdfast.refreshToken';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (k) => items.get(k) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (k) => void items.delete(k),
    setItem: (k, v) => void items.set(k, v),
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('signing out', () => {
  let calls: { url: string; body: unknown; auth: string | undefined; storedAtCall: string | null }[];
  let responses: (() => Response)[];

  beforeEach(() => {
    vi.resetModules();
    vi.stubGlobal('localStorage', memoryStorage());
    calls = [];
    responses = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({
          url,
          body: init.body ? JSON.parse(String(init.body)) : undefined,
          auth: (init.headers as Record<string, string>)['Authorization'],
          storedAtCall: localStorage.getItem(REFRESH_KEY),
        });
        const next = responses.shift();
        if (!next) throw new TypeError('network down');
        return next();
      }),
    );
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const signedIn = async () => {
    const session = await import('../../src/lib/stores/session.svelte');
    responses.push(
      () => json(200, { success: true, data: { accessToken: 'access-1', refreshToken: 'refresh-1', tokenType: 'Bearer', expiresIn: 900 } }),
      () => json(200, { success: true, data: { id: 'u1', email: 'ana@example.com', name: 'Ana', role: 'USER' } }),
    );
    await session.login('ana@example.com', 'pw');
    calls = [];
    return session;
  };

  it('ends this login on the server before forgetting the tokens', async () => {
    const session = await signedIn();
    responses.push(() => new Response(null, { status: 204 }));

    await session.logout();

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: '/api/v1/auth/logout', body: { refreshToken: 'refresh-1' }, storedAtCall: 'refresh-1' });
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
    expect(session.session.status).toBe('signed-out');
  });

  it('still signs out here when the server cannot be reached', async () => {
    const session = await signedIn();

    await session.logout();

    expect(calls[0]).toMatchObject({ url: '/api/v1/auth/logout' });
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
    expect(session.session.status).toBe('signed-out');
  });

  it('signs out everywhere with the access token, and stays signed in if that fails', async () => {
    const session = await signedIn();
    responses.push(() => json(503, { success: false, error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'down', details: {} } }));

    await expect(session.logoutEverywhere()).rejects.toMatchObject({ status: 503 });
    expect(session.session.status).toBe('signed-in');
    expect(localStorage.getItem(REFRESH_KEY)).toBe('refresh-1');

    responses.push(() => new Response(null, { status: 204 }));
    await session.logoutEverywhere();

    expect(calls.at(-1)).toMatchObject({ url: '/api/v1/auth/logout-all', auth: 'Bearer access-1' });
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
    expect(session.session.status).toBe('signed-out');
  });
});
