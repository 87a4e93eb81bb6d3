import { describe, expect, it } from 'vitest';
import { pollDelay, queueView, secondsUntil } from '../../src/lib/state/queue';

const t = (o: Partial<Parameters<typeof queueView>[0]>) => ({
  queueToken: 'q',
  position: 100,
  estimatedWaitSeconds: 60,
  status: 'WAITING' as const,
  pollAfterMs: 2_000,
  ...o,
});

describe('queueView', () => {
  it('shows progress since joining', () => {
    expect(queueView(t({ position: 100 }), 100).progress).toBe(0);
    expect(queueView(t({ position: 25 }), 100).progress).toBe(0.75);
    expect(queueView(t({ position: 120 }), 100).progress).toBe(0);
  });
  it('ends clearly', () => {
    expect(queueView(t({ status: 'ADMITTED', position: 0, passToken: 'p' }), 100)).toMatchObject({ phase: 'admitted', progress: 1 });
    expect(queueView(t({ status: 'SOLD_OUT' }), 100).phase).toBe('sold-out');
    expect(queueView(t({ status: 'CLOSED' }), 100).phase).toBe('closed');
    expect(queueView(t({ status: 'EXPIRED', reason: 'ABANDONED' }), 100)).toMatchObject({ phase: 'expired', reason: 'ABANDONED' });
  });
  it('shows the pre-queue, its committed seed and the wait range', () => {
    const v = queueView(t({ status: 'PREQUEUE', position: 0, saleOpensAt: 1_000, seedHash: 'ab' }), 0);
    expect(v).toMatchObject({ phase: 'prequeue', saleOpensAt: 1_000, seedHash: 'ab' });
    expect(queueView(t({ waitRangeSeconds: { min: 60, max: 90 } }), 100).etaMaxSeconds).toBe(90);
    expect(queueView(t({ chance: 0.5 }), 100).chance).toBe(0.5);
    expect(queueView(t({}), 100).chance).toBeNull();
    expect(secondsUntil(1_000, 990_500)).toBe(10);
    expect(secondsUntil(1_000, 2_000_000)).toBe(0);
  });
  it("polls at the server's suggestion, within bounds", () => {
    expect(queueView(t({ pollAfterMs: 2_500 }), 100).nextPollMs).toBe(2_500);
    expect(pollDelay(10)).toBe(1_000);
    expect(pollDelay(10 * 60_000)).toBe(30_000);
    expect(pollDelay(undefined)).toBe(3_000);
  });
});
