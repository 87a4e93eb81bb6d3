// From an API failure to what the user is told and offered. One table, so every page
// speaks the same language about the same error code.

import { ApiError } from '../api/error';
import { formatDateTime } from './format';

/** What the page should offer next. */
export type NextStep =
  | 'retry' // same request again (the hold/input is kept)
  | 'repick' // choose other seats
  | 'login' // sign in again
  | 'queue' // go (back) to the waiting room
  | 'charge' // top up the wallet
  | 'wait' // nothing to do but wait (rate limit, retrying by itself)
  | 'fix' // correct the form
  | 'none';

export interface UiError {
  code: string;
  title: string;
  message: string;
  next: NextStep;
  /** Seat ids the error is about (lost seats). */
  seatIds: string[];
  /** Form field the server complained about (attendee.phone → phone). */
  field: string | null;
  retryAfterMs: number | null;
}

export function toUiError(e: unknown): UiError {
  const err = e instanceof ApiError ? e : ApiError.network(e instanceof Error ? e.message : String(e));
  const base = {
    code: err.code,
    seatIds: err.unavailableSeatIds,
    field: fieldOf(err),
    retryAfterMs: err.retryAfterMs,
  };
  switch (err.code) {
    case 'NETWORK':
      return { ...base, title: 'No connection', message: 'We could not reach Holdfast. Check your connection; nothing you entered is lost.', next: 'retry' };
    case 'TIMEOUT':
      return { ...base, title: 'This is taking long', message: 'The server is busy and did not answer in time. Nothing you entered is lost; try again.', next: 'retry' };
    case 'CONFIRMATION_FAILED':
      return { ...base, title: 'Not confirmed yet', message: 'We could not confirm your booking this time. Your seats are still held for you — please try again.', next: 'retry' };
    case 'SEAT_UNAVAILABLE':
      return {
        ...base,
        title: base.seatIds.length === 1 ? 'A seat was taken' : 'Some seats were taken',
        message: 'Someone else got there first. Pick other seats; the map shows what is still free.',
        next: 'repick',
      };
    case 'HOLD_EXPIRED':
      return { ...base, title: 'Your hold expired', message: 'The time to complete the booking ran out and the seats were released. Pick seats again.', next: 'repick' };
    case 'SEAT_LIMIT_EXCEEDED': {
      const max = err.details['maxSeatsPerUser'];
      return {
        ...base,
        title: 'Too many seats',
        message: typeof max === 'number' ? `You can have at most ${max} seats for this performance, including ones you already reserved.` : err.message,
        next: 'repick',
      };
    }
    case 'CANCELLATION_CLOSED': {
      const until = err.details['cancellableUntil'];
      return {
        ...base,
        title: 'Cancellation closed',
        message:
          typeof until === 'string'
            ? `This reservation could be cancelled until ${formatDateTime(until)}. Contact the organizer if you need help.`
            : err.message,
        next: 'none',
      };
    }
    case 'SALE_NOT_OPEN':
      return { ...base, title: 'Not on sale', message: 'This performance is not on sale right now.', next: 'none' };
    case 'SOLD_OUT':
      return { ...base, title: 'Sold out', message: 'Every seat has been sold.', next: 'none' };
    case 'QUEUE_PASS_REQUIRED':
      return { ...base, title: 'Waiting room first', message: 'This sale uses a waiting room. Your pass is missing or expired; you will get your place back in line.', next: 'queue' };
    case 'POW_REQUIRED':
    case 'POW_INVALID':
      return { ...base, title: 'One more check', message: 'The waiting room asks your browser to solve a small puzzle before joining. We will solve a new one and try again.', next: 'wait' };
    case 'DPOP_PROOF_INVALID':
      return { ...base, title: 'Pass tied to another browser', message: 'Your pass only works in the browser tab that joined the line. Rejoin the line from this tab.', next: 'queue' };
    case 'UNAUTHENTICATED':
      return { ...base, title: 'Please sign in', message: 'Your session ended. Sign in again to continue; your selection is kept.', next: 'login' };
    case 'FORBIDDEN':
      return { ...base, title: 'Not yours', message: 'This belongs to another account.', next: 'none' };
    case 'NOT_FOUND':
      return { ...base, title: 'Not found', message: 'We could not find that. It may have expired.', next: 'none' };
    case 'QUEUE_FULL':
      return { ...base, title: 'The line is full', message: 'The waiting room has as many people as it can take. We will try again for you in a moment.', next: 'wait' };
    case 'QUEUE_NOT_OPEN':
      return { ...base, title: 'The line is not open yet', message: 'The waiting room opens shortly before the sale. We will try again for you.', next: 'wait' };
    case 'RATE_LIMITED':
      return { ...base, title: 'Lots of people right now', message: 'Too many requests at once. We will try again in a moment by ourselves.', next: 'wait' };
    case 'DUPLICATE_REQUEST':
      return { ...base, title: 'Already on it', message: 'That request is already being processed. One moment.', next: 'wait' };
    case 'INSUFFICIENT_BALANCE':
      return { ...base, title: 'Wallet balance too low', message: 'Charge your wallet with at least the amount due, then pay.', next: 'charge' };
    case 'ALREADY_PAID':
      return { ...base, title: 'Already paid', message: 'This reservation is already paid. Nothing was charged twice.', next: 'none' };
    case 'BOOKING_CONFLICT':
      return { ...base, title: 'Changed meanwhile', message: 'This booking changed in the meantime. Reload to see its current state.', next: 'none' };
    case 'VALIDATION_FAILED':
      return { ...base, title: 'Please check the form', message: err.message, next: 'fix' };
    case 'EMAIL_TAKEN':
      return { ...base, title: 'Account exists', message: 'An account with this e-mail already exists. Sign in instead.', next: 'fix' };
    case 'HOLD_EXTENSION_USED':
      return { ...base, title: 'Already extended', message: 'A hold can be extended only once.', next: 'none' };
    case 'DEPENDENCY_UNAVAILABLE':
    case 'SERVER_BUSY':
    case 'SERVER_ERROR':
    case 'INTERNAL':
      return { ...base, title: 'Holdfast is busy', message: 'Something on our side is not answering. Nothing you entered is lost; try again in a moment.', next: 'retry' };
    default:
      return { ...base, title: 'Something went wrong', message: err.message || 'Please try again.', next: err.status >= 500 || err.status === 0 ? 'retry' : 'none' };
  }
}

function fieldOf(err: ApiError): string | null {
  const field = err.details['field'];
  if (typeof field !== 'string') return null;
  return field.replace(/^attendee\./, '');
}
