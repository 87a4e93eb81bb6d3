import { describe, expect, it } from 'vitest';
import { isAdmin, matchAdmin, sectionOf } from '../../src/lib/admin/routes';
import { errorFor, fieldErrors, fromLocalInput, performanceBody, productBody, toLocalInput, wholeNumber } from '../../src/lib/admin/forms';
import { matchRoute, needsAuth } from '../../src/lib/state/routes';
import { ApiError } from '../../src/lib/api/error';
import { items, query } from '../../src/lib/api/admin';

describe('console routes', () => {
  it('hands everything under /admin to the console, which needs an account', () => {
    expect(matchRoute('/admin')).toEqual({ name: 'admin', path: '' });
    expect(matchRoute('/admin/venues/v1')).toEqual({ name: 'admin', path: '/venues/v1' });
    expect(matchRoute('/administrator').name).toBe('not-found');
    expect(needsAuth({ name: 'admin', path: '' })).toBe(true);
  });
  it('matches the console pages and their navigation entry', () => {
    expect(matchAdmin('')).toEqual({ page: 'venues' });
    expect(matchAdmin('/venues/new')).toEqual({ page: 'venue', id: null });
    expect(matchAdmin('/venues/a%20b')).toEqual({ page: 'venue', id: 'a b' });
    expect(matchAdmin('/events/new')).toEqual({ page: 'event', id: null });
    expect(matchAdmin('/performances/p1/')).toEqual({ page: 'performance', id: 'p1' });
    expect(matchAdmin('/orders', '?q=HF-1')).toEqual({ page: 'orders', q: 'HF-1' });
    expect(matchAdmin('/audit')).toEqual({ page: 'audit' });
    expect(matchAdmin('/nope')).toEqual({ page: 'not-found' });
    expect(sectionOf({ page: 'performance', id: 'p' })).toBe('events');
    expect(sectionOf({ page: 'not-found' })).toBeNull();
  });
  it('shows the console to admins only', () => {
    expect(isAdmin({ role: 'ADMIN' })).toBe(true);
    expect(isAdmin({ role: 'USER' })).toBe(false);
    expect(isAdmin(null)).toBe(false);
  });
});

describe('console forms', () => {
  it('puts the server’s field errors next to the fields', () => {
    const e = new ApiError(400, { code: 'VALIDATION_FAILED', message: 'bad', details: { field: 'saleClosesAt', reason: 'must be after saleOpensAt' } });
    expect(fieldErrors(e)).toEqual({ saleClosesAt: 'must be after saleOpensAt' });
    const many = new ApiError(400, { code: 'VALIDATION_FAILED', message: 'bad', details: { errors: [{ field: 'layout.seats[3].x', message: 'overlaps' }] } });
    expect(errorFor(fieldErrors(many), 'layout')).toBe('overlaps');
    expect(fieldErrors(new ApiError(409, { code: 'HAS_SALES', message: 'sold' }))).toEqual({ form: 'sold' });
  });
  it('converts datetime-local values and whole numbers', () => {
    const iso = '2026-05-01T10:30:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput('')).toBeNull();
    expect(wholeNumber('3', 1, 5, 'N')).toBe(3);
    expect(wholeNumber('3.5', 1, 5, 'N')).toMatch(/whole number/);
    expect(wholeNumber('9', 1, 5, 'N')).toMatch(/from 1 to 5/);
  });
  it('checks a performance and builds its body', () => {
    const ok = performanceBody({
      startsAt: '2030-01-10T19:00', saleOpensAt: '2030-01-01T10:00', saleClosesAt: '2030-01-10T18:00',
      maxSeatsPerUser: '4', refundCutoffMinutes: 1440, queueEnabled: true, prices: [{ tier: 'R', price: '110000' }],
    });
    expect(ok.ok && ok.body.prices).toEqual({ R: 110000 });
    const bad = performanceBody({
      startsAt: '2030-01-10T19:00', saleOpensAt: '2030-01-05T10:00', saleClosesAt: '2030-01-02T10:00',
      maxSeatsPerUser: 0, refundCutoffMinutes: '', queueEnabled: false, prices: [{ tier: 'R', price: '-1' }],
    });
    expect(bad.ok ? {} : Object.keys(bad.errors).sort()).toEqual(['maxSeatsPerUser', 'prices.R', 'refundCutoffMinutes', 'saleClosesAt']);
  });
  it('checks a product, capacity never below what was sold', () => {
    const f = { name: ' Standing ', description: '', price: '30000', capacity: '5', saleOpensAt: '', saleClosesAt: '' };
    const ok = productBody(f);
    expect(ok.ok && ok.body).toEqual({ name: 'Standing', description: '', price: 30000, capacity: 5, saleOpensAt: null, saleClosesAt: null });
    const bad = productBody({ ...f, name: '' }, 8);
    expect(bad.ok ? null : bad.errors).toEqual({ name: expect.any(String), capacity: expect.stringMatching(/8 already sold/) });
  });
  it('builds queries and reads both list shapes', () => {
    expect(query({ q: 'a b', page: undefined, x: '' })).toBe('?q=a+b');
    expect(query({})).toBe('');
    expect(items([1])).toEqual([1]);
    expect(items({ items: [2], total: 1 })).toEqual([2]);
  });
});
