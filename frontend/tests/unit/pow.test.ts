import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { leadingZeroBits, powShare, solvePow } from '../../src/lib/queue/pow';

describe('proof of work', () => {
  it('counts leading zero bits across bytes', () => {
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array([0x00, 0x10]))).toBe(11);
    expect(leadingZeroBits(new Uint8Array([0x00, 0x00]))).toBe(16);
  });

  it('finds a nonce the server accepts: SHA-256(challenge:nonce) starts with the bits', async () => {
    const challenge = 'pow1.test.challenge';
    const seen: number[] = [];
    const nonce = await solvePow(challenge, 10, (p) => seen.push(p.tried), 100);
    const digest = createHash('sha256').update(`${challenge}:${nonce}`).digest();
    expect(leadingZeroBits(new Uint8Array(digest))).toBeGreaterThanOrEqual(10);
    // The first nonce that works: every smaller one fails.
    for (let n = 0; n < Number(nonce); n++) {
      const d = createHash('sha256').update(`${challenge}:${n}`).digest();
      expect(leadingZeroBits(new Uint8Array(d))).toBeLessThan(10);
    }
    expect(seen.every((t, i) => i === 0 || t > (seen[i - 1] ?? 0))).toBe(true);
  });

  it('reports progress below full until solved', () => {
    expect(powShare({ tried: 0, expected: 1024 })).toBe(0);
    expect(powShare({ tried: 1024, expected: 1024 })).toBeGreaterThan(0.5);
    expect(powShare({ tried: 1e9, expected: 1024 })).toBe(0.95);
  });
});

describe('tab key', () => {
  it('names itself by the RFC 7638 thumbprint of its public key', async () => {
    const { publicJwk, thumbprint } = await import('../../src/lib/queue/dpop');
    const jwk = await publicJwk();
    const text = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
    const expected = createHash('sha256').update(text).digest('base64url');
    expect(await thumbprint()).toBe(expected);
  });
});
