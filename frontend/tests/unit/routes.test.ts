import { describe, expect, it } from 'vitest';
import { matchRoute, needsAuth, safeNext } from '../../src/lib/state/routes';

describe('routes', () => {
  it('matches every page', () => {
    expect(matchRoute('/')).toEqual({ name: 'home' });
    expect(matchRoute('/events/e1')).toEqual({ name: 'event', id: 'e1' });
    expect(matchRoute('/performances/p1/')).toEqual({ name: 'performance', id: 'p1' });
    expect(matchRoute('/performances/p1/queue')).toEqual({ name: 'queue', id: 'p1' });
    expect(matchRoute('/checkout/h1')).toEqual({ name: 'checkout', holdId: 'h1' });
    expect(matchRoute('/me/reservations')).toEqual({ name: 'reservations' });
    expect(matchRoute('/login', '?next=%2Fcheckout%2Fh1')).toEqual({ name: 'login', next: '/checkout/h1' });
    expect(matchRoute('/nope').name).toBe('not-found');
  });
  it('never redirects off the app after login', () => {
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext('//evil.example')).toBeNull();
    expect(safeNext('/\\evil.example')).toBeNull();
    expect(safeNext('/wallet')).toBe('/wallet');
  });
  it('knows which pages need an account', () => {
    expect(needsAuth({ name: 'checkout', holdId: 'h' })).toBe(true);
    expect(needsAuth({ name: 'performance', id: 'p' })).toBe(false);
  });
});
