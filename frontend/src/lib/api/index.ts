// The API as the pages use it: typed endpoints over the shared, token-aware client.
import { endpoints } from './endpoints';
import { api as client } from '../stores/session.svelte';

export const api = endpoints(client);
export { newIdempotencyKey } from './client';
export { ApiError, isApiError } from './error';
