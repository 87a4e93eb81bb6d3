import { describe, expect, it } from 'vitest';
import { cancelWindow } from '../../src/lib/state/cancellation';

const UNTIL = '2026-12-24T18:00:00Z';
const T = Date.parse(UNTIL);

describe('cancelWindow', () => {
  it('offers cancelling until the deadline, not from it on', () => {
    expect(cancelWindow({ status: 'CONFIRMED', cancellableUntil: UNTIL }, T - 1)).toEqual({ open: true, until: UNTIL, closed: false });
    expect(cancelWindow({ status: 'CONFIRMED', cancellableUntil: UNTIL }, T)).toEqual({ open: false, until: UNTIL, closed: true });
    expect(cancelWindow({ status: 'PENDING_PAYMENT', cancellableUntil: UNTIL }, T + 1).open).toBe(false);
  });

  it('never offers it for ended reservations', () => {
    for (const status of ['CANCELLED', 'EXPIRED']) {
      expect(cancelWindow({ status, cancellableUntil: null }, T)).toEqual({ open: false, until: null, closed: false });
    }
  });

  it('leaves the decision to the server when it gave no deadline', () => {
    expect(cancelWindow({ status: 'CONFIRMED' }, T)).toEqual({ open: true, until: null, closed: false });
  });
});
