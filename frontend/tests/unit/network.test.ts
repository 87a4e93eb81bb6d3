import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api/error';
import { estimateOffset, network, networkObserver, serverNow } from '../../src/lib/stores/network.svelte';

describe('connection health', () => {
  it('shows trouble while requests fail, and clears it on the next answer', () => {
    networkObserver.failed(ApiError.network());
    expect(network.troubled).toBe(true);
    expect(network.lastError).toBe('No connection to Holdfast');

    networkObserver.ok(null, 0, 0);
    expect(network.troubled).toBe(false);
    expect(network.lastError).toBeNull();
  });

  it('estimates the server clock from a Date header and the round trip', () => {
    // Whole seconds: the server's time is taken as the middle of its second.
    expect(estimateOffset('Thu, 01 Jan 1970 00:00:10 GMT', 0, 1_000)).toBe(10_000);
    expect(estimateOffset('not a date', 0, 0)).toBeNull();
  });

  it('follows a device clock that is far off, but not the header rounding', () => {
    const now = Date.now();
    networkObserver.ok(new Date(now + 60_000).toUTCString(), now, now);
    expect(serverNow() - Date.now()).toBeGreaterThan(58_000);

    const later = Date.now();
    networkObserver.ok(new Date(later).toUTCString(), later, later);
    expect(Math.abs(serverNow() - Date.now())).toBeLessThan(50);
  });
});
