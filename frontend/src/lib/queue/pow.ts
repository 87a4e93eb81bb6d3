// The waiting room's proof-of-work puzzle (docs/api.md "Bot friction"): find a nonce such that
// SHA-256(challenge + ":" + nonce) starts with `bits` zero bits. Nonces are tried counting up
// in decimal; on average 2^bits tries. Runs in a Web Worker (pow.worker.ts) so the page stays
// responsive; the function itself is plain so it can be tested.

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export interface PowProgress {
  /** Nonces tried so far. */
  tried: number;
  /** Expected tries on average (2^bits). */
  expected: number;
}

/** Solves `challenge` at `bits`; `onProgress` is called every `batch` tries. */
export async function solvePow(
  challenge: string,
  bits: number,
  onProgress?: (p: PowProgress) => void,
  batch = 2_000,
): Promise<string> {
  const encoder = new TextEncoder();
  const expected = 2 ** bits;
  for (let n = 0; ; n++) {
    const nonce = String(n);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${nonce}`)));
    if (leadingZeroBits(digest) >= bits) return nonce;
    if (onProgress && n % batch === batch - 1) onProgress({ tried: n + 1, expected });
  }
}

/** A share (0..1) for a progress bar: tries against the expected count, never quite full. */
export function powShare(p: PowProgress): number {
  return Math.min(0.95, 1 - Math.exp(-p.tried / Math.max(1, p.expected)));
}
