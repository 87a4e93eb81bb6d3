// Until when a buyer can cancel a reservation (the server's `cancellableUntil`: a paid ticket
// until the performance's refund cut-off, an unpaid reservation until the start).

export interface Cancellable {
  status: string;
  cancellableUntil?: string | null;
}

export interface CancelWindow {
  /** The cancel button is offered. */
  open: boolean;
  /** The deadline, if the server gave one. */
  until: string | null;
  /** The deadline has passed: say so instead of offering the button. */
  closed: boolean;
}

export function cancelWindow(r: Cancellable, now: number = Date.now()): CancelWindow {
  const live = r.status === 'PENDING_PAYMENT' || r.status === 'CONFIRMED';
  const until = live ? (r.cancellableUntil ?? null) : null;
  const deadline = until === null ? NaN : Date.parse(until);
  const closed = live && !Number.isNaN(deadline) && now >= deadline;
  return { open: live && !closed, until, closed };
}
