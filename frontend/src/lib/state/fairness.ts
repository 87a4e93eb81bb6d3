// Recomputes the pre-queue's draw in the browser (WebCrypto), exactly as docs/api.md
// "Fairness of the pre-queue" describes: tokenHash = hex(SHA-256(joinToken)); the order is
// HMAC-SHA256(key = seed, message = tokenHash) ascending, ties by tokenHash.

const utf8 = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', utf8.encode(text)));
}

export async function orderKeyHex(seed: string, tokenHash: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', utf8.encode(seed), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, utf8.encode(tokenHash)));
}

export interface Draw {
  /** SHA-256(seed) equals the hash committed before the open. */
  seedMatches: boolean;
  /** 1-based place of `joinToken`, or null when its hash is not in the list. */
  place: number | null;
  total: number;
}

/** Recomputes every place from the published list and finds the buyer's. */
export async function recomputeDraw(seed: string, seedHash: string, tokenHashes: string[], joinToken: string): Promise<Draw> {
  const seedMatches = (await sha256Hex(seed)) === seedHash;
  const mine = await sha256Hex(joinToken);
  const keyed = await Promise.all(tokenHashes.map(async (h) => ({ h, k: await orderKeyHex(seed, h) })));
  // Equal-length lowercase hex compares like the unsigned bytes it encodes.
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  const index = keyed.findIndex((e) => e.h === mine);
  return { seedMatches, place: index < 0 ? null : index + 1, total: keyed.length };
}
