// The console's API instance, over the app's token-aware client.
import { adminEndpoints } from '../api/admin';
import { api as client, tokens } from '../stores/session.svelte';

export const admin = adminEndpoints(client);
export { tokens };
