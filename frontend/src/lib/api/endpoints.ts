// One typed function per API route the buyer app uses.

import { newIdempotencyKey, type Client } from './client';
import type {
  Attendee,
  EventSummary,
  Hold,
  HoldRequest,
  Payment,
  Performance,
  Product,
  Reservation,
  SeatLayout,
  SeatMap,
  SeatStatusVector,
  Wallet,
} from './types';
import type { QueueChallenge, QueueFairness, QueueJoin, QueueTicket } from './queue';
import { dpopProof, passBinding } from '../queue/dpop';
import { API_BASE } from './client';

export function endpoints(client: Client) {
  const r = client.request.bind(client);
  const queueHeader = (token?: string | null): Record<string, string> | undefined =>
    token ? { 'Queue-Token': token } : undefined;
  return {
    events: () => r<EventSummary[]>('/events'),
    event: (id: string) => r<EventSummary>(`/events/${encodeURIComponent(id)}`),
    performance: (id: string) => r<Performance>(`/performances/${encodeURIComponent(id)}`),
    products: (id: string) => r<Product[]>(`/performances/${encodeURIComponent(id)}/products`),
    seatMap: (id: string, signal?: AbortSignal) =>
      r<SeatMap>(`/performances/${encodeURIComponent(id)}/seats`, { signal }),
    /** Immutable: the browser keeps it (strong ETag, `immutable`). */
    seatLayout: (id: string) => r<SeatLayout>(`/performances/${encodeURIComponent(id)}/seat-layout`),
    seatStatus: (id: string) => r<SeatStatusVector>(`/performances/${encodeURIComponent(id)}/seat-status`),

    /** Not retried automatically: a lost answer may have granted the hold (the map shows it). */
    /** A pass bound to this tab's key (bindPasses) goes with a DPoP proof signed by it. */
    createHold: async (req: HoldRequest, passToken?: string | null) => {
      const headers = queueHeader(passToken);
      if (headers && passBinding(passToken)) {
        headers['DPoP'] = await dpopProof('POST', `${location.origin}${API_BASE}/holds`);
      }
      return r<Hold>('/holds', { method: 'POST', body: req, headers });
    },
    hold: (id: string) => r<Hold>(`/holds/${encodeURIComponent(id)}`),
    releaseHold: (id: string) => r<void>(`/holds/${encodeURIComponent(id)}`, { method: 'DELETE', retries: 2 }),
    extendHold: (id: string) => r<Hold>(`/holds/${encodeURIComponent(id)}/extend`, { method: 'POST' }),

    reserve: (holdId: string, attendee: Attendee, key: string, payNow = false) =>
      r<Reservation>('/reservations', {
        method: 'POST',
        body: payNow ? { holdId, attendee, payNow } : { holdId, attendee },
        idempotencyKey: key,
      }),
    reservation: (id: string) => r<Reservation>(`/reservations/${encodeURIComponent(id)}`),
    myReservations: () => r<Reservation[]>('/me/reservations'),
    cancelReservation: (id: string, key: string = newIdempotencyKey('cancel')) =>
      r<Reservation>(`/reservations/${encodeURIComponent(id)}/cancel`, { method: 'POST', idempotencyKey: key }),

    wallet: () => r<Wallet>('/wallet'),
    chargeWallet: (amount: number, key: string) =>
      r<Wallet>('/wallet/charge', { method: 'POST', body: { amount }, idempotencyKey: key }),
    pay: (reservationId: string, key: string) =>
      r<Payment>('/payments', { method: 'POST', body: { reservationId }, idempotencyKey: key }),

    joinQueue: (performanceId: string, body?: QueueJoin) =>
      // Joining twice returns the same place, so a lost answer may be retried (a solved
      // puzzle is used once, so a join that carries one is not).
      r<QueueTicket>(`/queue/${encodeURIComponent(performanceId)}/join`, {
        method: 'POST',
        body,
        idempotencyKey: newIdempotencyKey('queue'),
        retries: body?.pow ? 0 : undefined,
      }),
    queueChallenge: (performanceId: string) =>
      r<QueueChallenge>(`/queue/${encodeURIComponent(performanceId)}/challenge`, { method: 'POST' }),
    queueFairness: (performanceId: string, offset: number) =>
      r<QueueFairness>(`/queue/${encodeURIComponent(performanceId)}/fairness?offset=${offset}&limit=100000`),
    queueStatus: (performanceId: string, queueToken: string) =>
      r<QueueTicket>(`/queue/${encodeURIComponent(performanceId)}/status`, {
        headers: { 'Queue-Token': queueToken },
        retries: 0,
      }),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
