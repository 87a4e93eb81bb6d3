import { describe, expect, it } from 'vitest';
import { holdClock, msUntilNextTick } from '../../src/lib/state/holdTimer';

const END = Date.parse('2026-12-01T12:05:00Z');

describe('holdClock', () => {
  it('shows whole minutes and seconds, rounded up', () => {
    const c = holdClock('2026-12-01T12:05:00Z', END - 299_001);
    expect(c.label).toBe('5:00');
    expect(c.phase).toBe('calm');
    expect(holdClock(END, END - 61_000).label).toBe('1:01');
    expect(holdClock(END, END - 500).label).toBe('0:01');
  });

  it('gets more urgent towards the end and then expires', () => {
    expect(holdClock(END, END - 60_000).phase).toBe('soon');
    expect(holdClock(END, END - 30_000).phase).toBe('urgent');
    const done = holdClock(END, END);
    expect(done.phase).toBe('expired');
    expect(done.label).toBe('0:00');
    expect(done.remainingMs).toBe(0);
    expect(holdClock(END, END + 5_000).remainingMs).toBe(0);
  });

  it('reports the share left for the progress bar', () => {
    expect(holdClock(END, END - 150_000, 300_000).fraction).toBeCloseTo(0.5);
    expect(holdClock(END, END - 900_000, 300_000).fraction).toBe(1);
  });

  it('announces only at a few marks, not every second', () => {
    expect(holdClock(END, END - 60_000).announcement).toBe('1 minute left to complete your booking.');
    expect(holdClock(END, END - 10_000).announcement).toBe('10 seconds left to complete your booking.');
    expect(holdClock(END, END - 59_000).announcement).toBeNull();
    expect(holdClock(END, END).announcement).toMatch(/expired/);
  });

  it('treats an unreadable expiry as expired rather than endless', () => {
    expect(holdClock('not a date', END).phase).toBe('expired');
  });
});

describe('msUntilNextTick', () => {
  it('ticks on second boundaries', () => {
    expect(msUntilNextTick(4_250)).toBe(250);
    expect(msUntilNextTick(4_000)).toBe(1_000);
    expect(msUntilNextTick(0)).toBe(1_000);
  });
});
