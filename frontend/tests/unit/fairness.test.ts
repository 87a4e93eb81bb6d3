import { describe, expect, it } from 'vitest';
import { orderKeyHex, recomputeDraw, sha256Hex } from '../../src/lib/state/fairness';

describe('the pre-queue draw, recomputed with WebCrypto', () => {
  it('hashes like the gateway', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // RFC 4231 test case 2.
    expect(await orderKeyHex('Jefe', 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
  it("finds the buyer's place and checks the seed against its commitment", async () => {
    const tokens = ['t1', 't2', 't3', 't4'];
    const hashes = await Promise.all(tokens.map(sha256Hex));
    const seed = 'seed';
    const seedHash = await sha256Hex(seed);
    const keys = await Promise.all(hashes.map((h) => orderKeyHex(seed, h)));
    const expected = [...keys].sort().indexOf(keys[2] ?? '') + 1;
    expect(await recomputeDraw(seed, seedHash, hashes, 't3')).toEqual({ seedMatches: true, place: expected, total: 4 });
    expect((await recomputeDraw(seed, 'other', hashes, 'nope')).seedMatches).toBe(false);
    expect((await recomputeDraw(seed, seedHash, hashes, 'nope')).place).toBeNull();
  });
});
