// The organizer console's pages under /admin (the app's router hands it everything below /admin).

export type AdminRoute =
  | { page: 'venues' }
  | { page: 'venue'; id: string | null }
  | { page: 'events' }
  | { page: 'event'; id: string | null }
  | { page: 'performance'; id: string }
  | { page: 'orders'; q: string }
  | { page: 'order'; id: string }
  | { page: 'users' }
  | { page: 'audit' }
  | { page: 'not-found' };

export type AdminSection = 'venues' | 'events' | 'orders' | 'users' | 'audit';

export const ADMIN_NAV: { section: AdminSection; label: string; href: string }[] = [
  { section: 'venues', label: 'Venues', href: '/admin/venues' },
  { section: 'events', label: 'Events', href: '/admin/events' },
  { section: 'orders', label: 'Orders', href: '/admin/orders' },
  { section: 'users', label: 'Users', href: '/admin/users' },
  { section: 'audit', label: 'Audit log', href: '/admin/audit' },
];

function dec(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `path` is what follows /admin ('' or '/venues/...'). */
export function matchAdmin(path: string, search = ''): AdminRoute {
  const p = path.replace(/\/+$/, '');
  const q = new URLSearchParams(search);
  let m: RegExpMatchArray | null;
  if (p === '' || p === '/venues') return { page: 'venues' };
  if (p === '/venues/new') return { page: 'venue', id: null };
  if ((m = p.match(/^\/venues\/([^/]+)$/))) return { page: 'venue', id: dec(m[1]!) };
  if (p === '/events') return { page: 'events' };
  if (p === '/events/new') return { page: 'event', id: null };
  if ((m = p.match(/^\/events\/([^/]+)$/))) return { page: 'event', id: dec(m[1]!) };
  if ((m = p.match(/^\/performances\/([^/]+)$/))) return { page: 'performance', id: dec(m[1]!) };
  if (p === '/orders') return { page: 'orders', q: q.get('q') ?? '' };
  if ((m = p.match(/^\/orders\/([^/]+)$/))) return { page: 'order', id: dec(m[1]!) };
  if (p === '/users') return { page: 'users' };
  if (p === '/audit') return { page: 'audit' };
  return { page: 'not-found' };
}

/** Which navigation entry a page belongs to. */
export function sectionOf(r: AdminRoute): AdminSection | null {
  switch (r.page) {
    case 'venues':
    case 'venue':
      return 'venues';
    case 'events':
    case 'event':
    case 'performance':
      return 'events';
    case 'orders':
    case 'order':
      return 'orders';
    case 'users':
      return 'users';
    case 'audit':
      return 'audit';
    default:
      return null;
  }
}

/** Only admins see the console (the server refuses everyone else with 403 anyway). */
export function isAdmin(user: { role?: string } | null | undefined): boolean {
  return user?.role === 'ADMIN';
}
