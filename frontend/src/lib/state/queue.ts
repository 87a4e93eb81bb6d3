// The waiting room as the user sees it: progress since joining, when to ask again, and
// whether the wait is over.

import type { QueueTicket } from '../api/queue';

export interface QueueView {
  phase: 'prequeue' | 'waiting' | 'admitted' | 'sold-out' | 'expired' | 'closed';
  position: number;
  /** 0..1: how much of the line ahead of you at join time has gone through. */
  progress: number;
  etaSeconds: number;
  /** The upper end of the wait (null: admission not measured yet). */
  etaMaxSeconds: number | null;
  nextPollMs: number;
  /** Why the place was lost (`ABANDONED`, `PASS_UNUSED`, …), for `expired`. */
  reason: string | null;
  saleOpensAt: number | null;
  seedHash: string | null;
  /** 0..1, or null while unknown. */
  chance: number | null;
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
  const phases: Record<string, QueueView['phase']> = {
    PREQUEUE: 'prequeue',
    ADMITTED: 'admitted',
    SOLD_OUT: 'sold-out',
    EXPIRED: 'expired',
    CLOSED: 'closed',
  };
  const phase = phases[ticket.status] ?? 'waiting';
  const start = Math.max(firstPosition, ticket.position, 1);
  const progress = phase === 'admitted' ? 1 : Math.min(1, Math.max(0, (start - ticket.position) / start));
  return {
    phase,
    position: Math.max(0, ticket.position),
    progress,
    etaSeconds: Math.max(0, ticket.estimatedWaitSeconds),
    etaMaxSeconds: ticket.waitRangeSeconds?.max ?? null,
    nextPollMs: pollDelay(ticket.pollAfterMs),
    reason: ticket.reason ?? null,
    saleOpensAt: ticket.saleOpensAt ?? null,
    seedHash: ticket.seedHash ?? null,
    chance: ticket.chance ?? null,
  };
}

/** Seconds from `nowMs` until `unixSeconds` (0 once past). */
export function secondsUntil(unixSeconds: number | null, nowMs: number): number {
  if (unixSeconds === null) return 0;
  return Math.max(0, Math.ceil(unixSeconds - nowMs / 1000));
}
