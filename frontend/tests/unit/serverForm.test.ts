import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api/error';
import type { Resource } from '../../src/lib/api/booking';
import { emptyServerForm, serverFormErrors, serverFormOf, serverRequest } from '../../src/lib/booking/serverForm';

const gpu: Resource = {
  id: 'r1',
  teamId: 't1',
  name: 'gpu-1',
  description: 'A100',
  capacity: 8,
  isActive: true,
  policy: { maxDurationMinutes: 240, minNoticeMinutes: 0, allowedHours: { start: '09:00', end: '18:00', timeZone: 'Asia/Seoul' } },
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
};

describe('the server form of team owners', () => {
  it('round-trips a server: empty inputs are no limit, office hours only when ticked', () => {
    const form = serverFormOf(gpu, 'Europe/Berlin');
    expect(form.maxAdvanceDays).toBe('');
    expect(serverRequest(form, 't1')).toEqual({
      teamId: 't1',
      name: 'gpu-1',
      description: 'A100',
      capacity: 8,
      isActive: true,
      policy: { maxDurationMinutes: 240, maxAdvanceDays: null, minNoticeMinutes: 0, allowedHours: { start: '09:00', end: '18:00', timeZone: 'Asia/Seoul' } },
    });
    const fresh = emptyServerForm('Asia/Seoul');
    expect(serverRequest({ ...fresh, name: 'x', maxDurationMinutes: 60 }, 't1').policy).toEqual({
      maxDurationMinutes: 60,
      maxAdvanceDays: null,
      minNoticeMinutes: null,
      allowedHours: null,
    });
  });

  it("puts core-api's field message next to its input", () => {
    const bad = (field: string, reason: string) =>
      new ApiError(400, { code: 'VALIDATION_FAILED', message: reason, details: { field, reason } });
    expect(serverFormErrors(bad('policy.allowedHours', 'end must be later than start on the same day'))).toEqual({
      end: 'End must be later than start on the same day',
    });
    expect(serverFormErrors(bad('policy.allowedHours.timeZone', 'unknown time zone'))).toEqual({ timeZone: 'Unknown time zone' });
    expect(serverFormErrors(bad('policy.minNoticeMinutes', 'must be 0 to 525600'))).toEqual({ minNoticeMinutes: 'Must be 0 to 525600' });
    expect(serverFormErrors(new ApiError(409, { code: 'RESOURCE_NAME_TAKEN', message: 'taken' }))).toHaveProperty('name');
    expect(serverFormErrors(new ApiError(409, { code: 'RESOURCE_HAS_BOOKINGS', message: 'x' }))).toHaveProperty('form');
  });
});
