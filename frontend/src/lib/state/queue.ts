// The waiting room as the user sees it: progress since joining, when to ask again, and
// whether the wait is over.

import type { QueueTicket } from '../api/queue';

export interface QueueView {
  phase: 'waiting' | 'admitted' | 'sold-out' | 'closed';
  position: number;
  /** 0..1: how much of the line ahead of you at join time has gone through. */
  progress: number;
  etaSeconds: number;
  nextPollMs: number;
}

export const MIN_POLL_MS = 1_000;
export const MAX_POLL_MS = 30_000;
const DEFAULT_POLL_MS = 3_000;

/** Poll at the server's suggested interval, within sane bounds. */
export function pollDelay(suggestedMs: number | undefined): number {
  if (suggestedMs === undefined || !Number.isFinite(suggestedMs)) return DEFAULT_POLL_MS;
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.round(suggestedMs)));
}

export function queueView(ticket: QueueTicket, firstPosition: number): QueueView {
  const phase =
    ticket.status === 'ADMITTED'
      ? 'admitted'
      : ticket.status === 'SOLD_OUT'
        ? 'sold-out'
        : ticket.status === 'CLOSED'
          ? 'closed'
          : 'waiting';
  const start = Math.max(firstPosition, ticket.position, 1);
  const progress = phase === 'admitted' ? 1 : Math.min(1, Math.max(0, (start - ticket.position) / start));
  return {
    phase,
    position: Math.max(0, ticket.position),
    progress,
    etaSeconds: Math.max(0, ticket.estimatedWaitSeconds),
    nextPollMs: pollDelay(ticket.pollAfterMs),
  };
}
