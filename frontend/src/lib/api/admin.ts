// The organizer console's API: `/api/v1/admin/*`, admin role only. Typed by hand from the admin
// API contract (docs/api.md) where the generated schema does not name the shapes; the routes
// that existed before the console (create venue/event/performance, open/close sale, queue,
// stats, products, users, audit log) have the shapes core-api answers today.

import { newIdempotencyKey, type Client } from './client';
import type { LayoutSeat, Stage } from '../admin/layout';
import type { Product, ProductInput } from './types';

export type PerformanceStatus = 'SCHEDULED' | 'ON_SALE' | 'CLOSED' | 'CANCELLED';
export type Role = 'USER' | 'ADMIN';

export interface Page<T> {
  items: T[];
  total: number;
}

export interface VenueSummary {
  id: string;
  name: string;
  totalSeats: number;
  priceTiers: string[];
  layoutVersion?: number;
  performances?: number;
  updatedAt?: string;
}

export interface VenueDetail extends VenueSummary {
  layout: { stage: Stage | null; seats: LayoutSeat[] };
}

export interface VenueInput {
  name: string;
  layout: { stage: Stage | null; seats: LayoutSeat[] };
}

export interface AdminEvent {
  id: string;
  venueId: string;
  title: string;
  description: string;
  status?: string;
  performances?: AdminPerformance[];
}

export interface PerformanceInput {
  startsAt: string;
  saleOpensAt: string;
  saleClosesAt: string;
  maxSeatsPerUser: number;
  queueEnabled?: boolean;
  refundCutoffMinutes?: number;
  prices: Record<string, number>;
}

export interface AdminPerformance {
  id: string;
  eventId: string;
  startsAt: string;
  saleOpensAt: string;
  saleClosesAt: string;
  maxSeatsPerUser: number;
  refundCutoffMinutes?: number;
  queueEnabled?: boolean;
  prices?: Record<string, number>;
  status?: PerformanceStatus;
  queue?: QueueSettings;
  stats?: Stats;
}

export interface Stats {
  performanceId: string;
  totalSeats: number;
  available: number;
  held: number;
  reserved: number;
  sold: number;
}

export interface QueueSettings {
  performanceId: string;
  enabled: boolean;
  admitPerMinute: number;
  maxActive: number;
  /** Base proof-of-work difficulty on join (0: none). */
  powBits: number;
  /** Passes bound to the joining tab's key (DPoP). */
  bindPasses: boolean;
  soldOut: boolean;
}

export type { ProductInput };
export type AdminProduct = Product;

/** One frame of GET /admin/performances/{id}/live (`event: stats`). */
export interface LiveStats {
  at: string;
  sold: number;
  held: number;
  available: number;
  reserved: number;
  queueDepth: number;
  admittedPerMinute: number;
  activePasses: number;
  salesPerMinute: { minute: string; count: number }[];
  revenue: number;
  /** Base64 of 2 bits per seat in seat-order order. */
  seatStatus: string;
}

export interface Job {
  jobId: string;
  kind: string;
  status: 'RUNNING' | 'DONE' | 'FAILED';
  total: number;
  done: number;
  refunded: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface OrderSummary {
  reservationId: string;
  reservationNumber: string;
  performanceId: string;
  eventTitle: string;
  status: string;
  totalAmount: number;
  buyer: { id: string; email: string; name: string };
  attendee: { name: string; phone: string; email?: string | null };
  createdAt: string;
}

export interface OrderDetail extends OrderSummary {
  seats?: { id: string; section: string; row: string; number: number; price: number }[];
  items?: { productId: string; name: string; quantity: number; unitPrice: number }[];
  payments?: { paymentId: string; amount: number; status: string; paidAt: string }[];
  refunds?: { amount: number; at: string }[];
  history: { at: string; what: string; by: string | null }[];
}

export interface Account {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
}

export interface AccountPage {
  items: Account[];
  total: number;
  limit: number;
  offset: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  entityType?: string;
  entityId?: string;
  from?: string;
  to?: string;
  beforeId?: number;
}

/** `?a=1&b=2` from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Lists answer either a plain array or `{items, total}`: the console reads both. */
export function items<T>(x: T[] | Page<T>): T[] {
  return Array.isArray(x) ? x : x.items;
}

export function adminEndpoints(client: Client) {
  const r = client.request.bind(client);
  const e = encodeURIComponent;
  return {
    venues: (q = '') => r<VenueSummary[] | Page<VenueSummary>>(`/admin/venues${query({ q })}`).then(items),
    venue: (id: string) => r<VenueDetail>(`/admin/venues/${e(id)}`),
    createVenue: (v: VenueInput) => r<VenueSummary>('/admin/venues', { method: 'POST', body: v }),
    updateVenue: (id: string, v: VenueInput) => r<VenueSummary>(`/admin/venues/${e(id)}`, { method: 'PUT', body: v }),
    deleteVenue: (id: string) => r<void>(`/admin/venues/${e(id)}`, { method: 'DELETE' }),

    events: (q = '', status = '') => r<AdminEvent[] | Page<AdminEvent>>(`/admin/events${query({ q, status })}`).then(items),
    event: (id: string) => r<AdminEvent>(`/admin/events/${e(id)}`),
    createEvent: (v: { venueId: string; title: string; description: string }) =>
      r<AdminEvent>('/admin/events', { method: 'POST', body: v }),
    updateEvent: (id: string, v: { title: string; description: string }) =>
      r<AdminEvent>(`/admin/events/${e(id)}`, { method: 'PUT', body: v }),
    deleteEvent: (id: string) => r<void>(`/admin/events/${e(id)}`, { method: 'DELETE' }),
    setEventStatus: (id: string, status: string) => r<AdminEvent>(`/admin/events/${e(id)}/status`, { method: 'POST', body: { status } }),
    cancelEvent: (id: string, reason: string) =>
      r<{ jobId: string }>(`/admin/events/${e(id)}/cancel`, { method: 'POST', body: { reason }, idempotencyKey: newIdempotencyKey('cancel-event') }),

    createPerformance: (eventId: string, v: PerformanceInput) =>
      r<AdminPerformance>(`/admin/events/${e(eventId)}/performances`, { method: 'POST', body: v }),
    performance: (id: string) => r<AdminPerformance>(`/admin/performances/${e(id)}`),
    updatePerformance: (id: string, v: Omit<PerformanceInput, 'queueEnabled'>) =>
      r<AdminPerformance>(`/admin/performances/${e(id)}`, { method: 'PUT', body: v }),
    deletePerformance: (id: string) => r<void>(`/admin/performances/${e(id)}`, { method: 'DELETE' }),
    openSale: (id: string) => r<unknown>(`/admin/performances/${e(id)}/open-sale`, { method: 'POST' }),
    closeSale: (id: string) => r<unknown>(`/admin/performances/${e(id)}/close-sale`, { method: 'POST' }),
    setQueue: (
      id: string,
      v: { enabled: boolean; admitPerMinute?: number; maxActive?: number; powBits?: number; bindPasses?: boolean },
    ) =>
      r<QueueSettings>(`/admin/performances/${e(id)}/queue`, { method: 'PUT', body: v }),
    stats: (id: string) => r<Stats>(`/admin/performances/${e(id)}/stats`),
    seatOrder: (id: string) =>
      r<{ seatIds: string[] }>(`/admin/performances/${e(id)}/seat-order`).then((o) => o.seatIds),
    cancelPerformance: (id: string, reason: string) =>
      r<{ jobId: string }>(`/admin/performances/${e(id)}/cancel`, {
        method: 'POST',
        body: { reason },
        idempotencyKey: newIdempotencyKey('cancel-performance'),
      }),
    job: (id: string) => r<Job>(`/admin/jobs/${e(id)}`),

    products: (performanceId: string) => r<AdminProduct[]>(`/admin/performances/${e(performanceId)}/products`),
    publicProducts: (performanceId: string) => r<AdminProduct[]>(`/performances/${e(performanceId)}/products`),
    createProduct: (performanceId: string, v: ProductInput) =>
      r<AdminProduct>(`/admin/performances/${e(performanceId)}/products`, { method: 'POST', body: v }),
    updateProduct: (id: string, v: ProductInput) => r<AdminProduct>(`/admin/products/${e(id)}`, { method: 'PUT', body: v }),
    deleteProduct: (id: string) => r<void>(`/admin/products/${e(id)}`, { method: 'DELETE' }),

    orders: (q: string) => r<OrderSummary[] | Page<OrderSummary>>(`/admin/orders${query({ q })}`).then(items),
    order: (id: string) => r<OrderDetail>(`/admin/orders/${e(id)}`),
    cancelOrder: (id: string, reason: string) =>
      r<OrderDetail>(`/admin/orders/${e(id)}/cancel`, { method: 'POST', body: { reason }, idempotencyKey: newIdempotencyKey('cancel-order') }),

    users: (q: string, offset = 0) => r<AccountPage>(`/admin/users${query({ query: q, limit: 50, offset })}`),
    updateUser: (id: string, v: { role?: Role; active?: boolean }) => r<Account>(`/admin/users/${e(id)}`, { method: 'PATCH', body: v }),

    // entityType/entityId are today's filter names, targetType/targetId the contract's.
    audit: (f: AuditFilter) =>
      r<AuditEntry[] | Page<AuditEntry>>(
        `/admin/audit-log${query({ ...f, targetType: f.entityType, targetId: f.entityId, limit: 100 })}`,
      ).then(items),
  };
}

export type AdminApi = ReturnType<typeof adminEndpoints>;

/** Where the attendee CSV of a performance is (a download link; needs the admin's token). */
export function attendeesCsvPath(performanceId: string): string {
  return `/admin/performances/${encodeURIComponent(performanceId)}/attendees.csv`;
}
