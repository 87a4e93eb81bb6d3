// The app's URLs. Real paths (not #hashes): core-api and the gateway answer index.html for
// every non-API path, so a reload or a shared link lands on the right page.

export type Route =
  | { name: 'home' }
  | { name: 'login'; next: string | null }
  | { name: 'register'; next: string | null }
  | { name: 'event'; id: string }
  | { name: 'performance'; id: string }
  | { name: 'queue'; id: string }
  | { name: 'queue-verify'; id: string }
  | { name: 'checkout'; holdId: string }
  | { name: 'reservation'; id: string }
  | { name: 'reservations' }
  | { name: 'wallet' }
  | { name: 'servers' }
  | { name: 'timeline'; view: 'day' | 'week'; date: string | null }
  | { name: 'my-bookings' }
  | { name: 'teams' }
  | { name: 'team'; id: string }
  | { name: 'notifications' }
  /** The organizer console; its own pages are matched by lib/admin/routes.ts. */
  | { name: 'admin'; path: string }
  | { name: 'not-found'; path: string };

const PATTERNS: [RegExp, (m: RegExpMatchArray, q: URLSearchParams) => Route][] = [
  [/^\/$/, () => ({ name: 'home' })],
  [/^\/login$/, (_m, q) => ({ name: 'login', next: safeNext(q.get('next')) })],
  [/^\/register$/, (_m, q) => ({ name: 'register', next: safeNext(q.get('next')) })],
  [/^\/events\/([^/]+)$/, (m) => ({ name: 'event', id: dec(m[1]) })],
  [/^\/performances\/([^/]+)$/, (m) => ({ name: 'performance', id: dec(m[1]) })],
  [/^\/performances\/([^/]+)\/queue$/, (m) => ({ name: 'queue', id: dec(m[1]) })],
  [/^\/performances\/([^/]+)\/queue\/verify$/, (m) => ({ name: 'queue-verify', id: dec(m[1]) })],
  [/^\/checkout\/([^/]+)$/, (m) => ({ name: 'checkout', holdId: dec(m[1]) })],
  [/^\/reservations\/([^/]+)$/, (m) => ({ name: 'reservation', id: dec(m[1]) })],
  [/^\/me\/reservations$/, () => ({ name: 'reservations' })],
  [/^\/wallet$/, () => ({ name: 'wallet' })],
  // Shared server time and teams.
  [/^\/servers$/, () => ({ name: 'servers' })],
  [
    /^\/servers\/timeline$/,
    (_m, q) => ({
      name: 'timeline',
      view: q.get('view') === 'day' ? 'day' : 'week',
      date: /^\d{4}-\d{2}-\d{2}$/.test(q.get('date') ?? '') ? q.get('date') : null,
    }),
  ],
  [/^\/me\/bookings$/, () => ({ name: 'my-bookings' })],
  [/^\/teams$/, () => ({ name: 'teams' })],
  [/^\/teams\/([^/]+)$/, (m) => ({ name: 'team', id: dec(m[1]) })],
  [/^\/me\/notifications$/, () => ({ name: 'notifications' })],
  [/^\/admin(\/.*)?$/, (m) => ({ name: 'admin', path: m[1] ?? '' })],
];

function dec(s: string | undefined): string {
  try {
    return decodeURIComponent(s ?? '');
  } catch {
    return s ?? '';
  }
}

/** Only same-app paths may be a post-login destination (no open redirect). */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return next;
}

export function matchRoute(pathname: string, search = ''): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const query = new URLSearchParams(search);
  for (const [re, make] of PATTERNS) {
    const m = path.match(re);
    if (m) return make(m, query);
  }
  return { name: 'not-found', path };
}

/** Pages that need a signed-in user. */
export function needsAuth(route: Route): boolean {
  return [
    'queue',
    'checkout',
    'reservation',
    'reservations',
    'wallet',
    'admin',
    'servers',
    'timeline',
    'my-bookings',
    'teams',
    'team',
    'notifications',
  ].includes(route.name);
}
