// The API as the pages use it: typed endpoints over the shared, token-aware client.
import { endpoints } from './endpoints';
import { bookingEndpoints } from './booking';
import { teamEndpoints } from './teams';
import { api as client } from '../stores/session.svelte';

export const api = endpoints(client);
/** Shared server time: servers, bookings, calendar feeds. */
export const bookingApi = bookingEndpoints(client);
/** Teams, notification preferences, webhooks, utilisation. */
export const teamsApi = teamEndpoints(client);
export { newIdempotencyKey } from './client';
export { ApiError, isApiError } from './error';
