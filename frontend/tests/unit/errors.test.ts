import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api/error';
import { toUiError } from '../../src/lib/state/errors';

const err = (status: number, code: string, details: Record<string, unknown> = {}, message = 'm') =>
  new ApiError(status, { code, message, details });

describe('toUiError', () => {
  it('CONFIRMATION_FAILED keeps the hold and offers retry', () => {
    const ui = toUiError(err(503, 'CONFIRMATION_FAILED'));
    expect(ui.next).toBe('retry');
    expect(ui.message).toMatch(/still held/);
  });

  it('SEAT_UNAVAILABLE names the lost seats and asks to pick again', () => {
    const ui = toUiError(err(409, 'SEAT_UNAVAILABLE', { unavailableSeatIds: ['s1', 's2'] }));
    expect(ui.next).toBe('repick');
    expect(ui.seatIds).toEqual(['s1', 's2']);
    expect(ui.title).toBe('Some seats were taken');
    expect(toUiError(err(409, 'SEAT_UNAVAILABLE', { unavailableSeatIds: ['s1'] })).title).toBe('A seat was taken');
  });

  it('HOLD_EXPIRED says so', () => {
    const ui = toUiError(err(409, 'HOLD_EXPIRED'));
    expect(ui.title).toMatch(/expired/);
    expect(ui.next).toBe('repick');
  });

  it('maps the rest of the contract to a next step', () => {
    expect(toUiError(err(401, 'UNAUTHENTICATED')).next).toBe('login');
    expect(toUiError(err(403, 'QUEUE_PASS_REQUIRED')).next).toBe('queue');
    expect(toUiError(err(402, 'INSUFFICIENT_BALANCE')).next).toBe('charge');
    expect(toUiError(err(429, 'RATE_LIMITED')).next).toBe('wait');
    expect(toUiError(err(409, 'DUPLICATE_REQUEST')).next).toBe('wait');
    expect(toUiError(err(503, 'DEPENDENCY_UNAVAILABLE')).next).toBe('retry');
    expect(toUiError(err(503, 'SERVER_BUSY')).next).toBe('retry');
    expect(toUiError(err(422, 'SEAT_LIMIT_EXCEEDED', { maxSeatsPerUser: 4 })).message).toMatch(/at most 4 seats/);
  });

  it('CANCELLATION_CLOSED says until when cancelling was possible', () => {
    const ui = toUiError(err(422, 'CANCELLATION_CLOSED', { cancellableUntil: '2026-12-24T18:00:00Z' }));
    expect(ui.title).toBe('Cancellation closed');
    expect(ui.message).toMatch(/could be cancelled until .*2026/);
    expect(ui.next).toBe('none');
  });

  it('points validation errors at the form field', () => {
    const ui = toUiError(err(400, 'VALIDATION_FAILED', { field: 'attendee.phone' }, 'must be a phone number'));
    expect(ui.next).toBe('fix');
    expect(ui.field).toBe('phone');
    expect(ui.message).toBe('must be a phone number');
  });

  it('treats lost answers and unknown failures sensibly', () => {
    expect(toUiError(ApiError.network()).next).toBe('retry');
    expect(toUiError(ApiError.timeout()).next).toBe('retry');
    expect(toUiError(new TypeError('boom')).code).toBe('NETWORK');
    expect(toUiError(err(500, 'SOMETHING_NEW')).next).toBe('retry');
    expect(toUiError(err(418, 'SOMETHING_NEW')).next).toBe('none');
  });
});

describe('ApiError', () => {
  it('recognises a route the server does not have (a feature not deployed yet)', () => {
    expect(new ApiError(404, { code: 'NOT_FOUND', message: 'route not found' }).routeMissing).toBe(true);
    expect(new ApiError(404, { code: 'NOT_FOUND', message: 'reservation not found' }).routeMissing).toBe(false);
  });
});
