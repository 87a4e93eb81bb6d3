// Shared server time: resources (servers), their bookings and calendar feeds. The shapes are
// core-api's (generated into schema.d.ts); the series answer is typed here because the
// generated document describes POST /resource-bookings as "one booking or a series".

import { newIdempotencyKey, type Client } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];

export type Resource = Schemas['ResourceView'];
export type ResourceRequest = Schemas['ResourceRequest'];
export type Policy = Schemas['PolicyInput'];
export type AllowedHours = Schemas['AllowedHours'];
export type Booking = Schemas['BookingView'];
export type StatusRow = Schemas['StatusRow'];
export type TimelineRow = Schemas['TimelineRow'];
export type Availability = Schemas['AvailabilityView'];
export type Feed = Schemas['FeedView'];
export type CreateBooking = Schemas['CreateBookingRequest'];
export type UpdateBooking = Schemas['UpdateBookingRequest'];

export interface SkippedOccurrence {
  startAt: string;
  endAt: string;
  conflictingBookingIds: string[];
}

/** `POST /resource-bookings` with a recurrence. */
export interface SeriesResult {
  seriesId: string;
  rule: string;
  timeZone: string;
  bookings: Booking[];
  skipped: SkippedOccurrence[];
}

export function isSeries(x: Booking | SeriesResult): x is SeriesResult {
  return 'seriesId' in x && Array.isArray((x as SeriesResult).bookings);
}

const q = (params: Record<string, string | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) s.set(k, v);
  const str = s.toString();
  return str ? `?${str}` : '';
};
const id = encodeURIComponent;

export function bookingEndpoints(client: Client) {
  const r = client.request.bind(client);
  return {
    /** With `includeInactive`, also the retired servers of the teams I own. */
    resources: (includeInactive = false) => r<Resource[]>(`/resources${q({ includeInactive: includeInactive ? 'true' : undefined })}`),
    createResource: (body: ResourceRequest) => r<Resource>('/resources', { method: 'POST', body }),
    updateResource: (resourceId: string, body: ResourceRequest) =>
      r<Resource>(`/resources/${id(resourceId)}`, { method: 'PUT', body }),
    deleteResource: (resourceId: string) => r<Resource>(`/resources/${id(resourceId)}`, { method: 'DELETE' }),
    resourceStatus: () => r<StatusRow[]>('/resources/status'),
    timeline: (from: string, to: string, signal?: AbortSignal) =>
      r<TimelineRow[]>(`/resources/timeline${q({ from, to })}`, { signal }),
    availability: (resourceId: string, from: string, to: string) =>
      r<Availability>(`/resources/${id(resourceId)}/availability${q({ from, to })}`),

    /** Keyed, so a lost answer is retried without booking twice. */
    createBooking: (body: CreateBooking, key: string = newIdempotencyKey('booking')) =>
      r<Booking | SeriesResult>('/resource-bookings', { method: 'POST', body, idempotencyKey: key }),
    /** Moves or renames; the answer carries the next SEQUENCE. Not retried blindly. */
    updateBooking: (bookingId: string, body: UpdateBooking) =>
      r<Booking>(`/resource-bookings/${id(bookingId)}`, { method: 'PATCH', body }),
    /** Cancelling twice is a no-op on the server, so it is safe to retry. */
    cancelBooking: (bookingId: string) =>
      r<Booking>(`/resource-bookings/${id(bookingId)}/cancel`, { method: 'POST', retries: 2 }),
    cancelSeries: (seriesId: string) =>
      r<{ seriesId: string; cancelled: Booking[] }>(`/resource-bookings/series/${id(seriesId)}/cancel`, {
        method: 'POST',
        retries: 2,
      }),
    myBookings: (includeCancelled = false) =>
      r<Booking[]>(`/me/resource-bookings${q({ includeCancelled: includeCancelled ? 'true' : undefined })}`),

    feeds: () => r<Feed[]>('/calendar-feeds'),
    createFeed: (resourceId: string | null) =>
      r<Feed>('/calendar-feeds', { method: 'POST', body: resourceId ? { resourceId } : {} }),
    revokeFeed: (feedId: string) => r<void>(`/calendar-feeds/${id(feedId)}`, { method: 'DELETE', retries: 2 }),
  };
}

export type BookingEndpoints = ReturnType<typeof bookingEndpoints>;
