import { describe, expect, it } from 'vitest';
import { matchRoute, needsAuth } from '../../src/lib/state/routes';

describe('shared server time routes', () => {
  it('matches the servers, timeline, bookings and team pages', () => {
    expect(matchRoute('/servers')).toEqual({ name: 'servers' });
    expect(matchRoute('/servers/timeline')).toEqual({ name: 'timeline', view: 'week', date: null });
    expect(matchRoute('/servers/timeline', '?view=day&date=2026-12-07')).toEqual({ name: 'timeline', view: 'day', date: '2026-12-07' });
    expect(matchRoute('/servers/timeline', '?view=year&date=junk')).toEqual({ name: 'timeline', view: 'week', date: null });
    expect(matchRoute('/me/bookings')).toEqual({ name: 'my-bookings' });
    expect(matchRoute('/teams')).toEqual({ name: 'teams' });
    expect(matchRoute('/teams/t%201')).toEqual({ name: 'team', id: 't 1' });
    expect(matchRoute('/me/notifications')).toEqual({ name: 'notifications' });
  });
  it('needs an account for all of them', () => {
    for (const path of ['/servers', '/servers/timeline', '/me/bookings', '/teams', '/teams/x', '/me/notifications'])
      expect(needsAuth(matchRoute(path))).toBe(true);
  });
});
