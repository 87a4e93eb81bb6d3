// The hold countdown as pure arithmetic: what to show, how urgent it is, and when it ended.
// `now` is always passed in (server-corrected time), so it is testable without fake timers.

export type HoldPhase = 'calm' | 'soon' | 'urgent' | 'expired';

export interface HoldClock {
  remainingMs: number;
  phase: HoldPhase;
  /** "4:59" — whole seconds, rounded up so "0:00" only shows once it really ended. */
  label: string;
  /** Share of the hold left, 0..1, for a progress bar. */
  fraction: number;
  /** What a screen reader should hear; changes only at announce points, not every second. */
  announcement: string | null;
}

/** Seconds-left marks at which a screen reader is told (not every tick). */
const ANNOUNCE_AT = [240, 180, 120, 60, 30, 10];

export function holdClock(expiresAt: string | number, now: number, totalMs = 300_000): HoldClock {
  const end = typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
  const remainingMs = Number.isNaN(end) ? 0 : Math.max(0, end - now);
  const secondsLeft = Math.ceil(remainingMs / 1_000);
  const phase: HoldPhase =
    remainingMs <= 0 ? 'expired' : secondsLeft <= 30 ? 'urgent' : secondsLeft <= 60 ? 'soon' : 'calm';
  const minutes = Math.floor(secondsLeft / 60);
  const seconds = secondsLeft % 60;
  const label = `${minutes}:${String(seconds).padStart(2, '0')}`;
  const fraction = totalMs > 0 ? Math.min(1, remainingMs / totalMs) : 0;
  let announcement: string | null = null;
  if (phase === 'expired') announcement = 'Your hold has expired. The seats were released.';
  else if (ANNOUNCE_AT.includes(secondsLeft)) announcement = `${spoken(secondsLeft)} left to complete your booking.`;
  return { remainingMs, phase, label, fraction, announcement };
}

function spoken(seconds: number): string {
  if (seconds >= 60 && seconds % 60 === 0) {
    const m = seconds / 60;
    return `${m} minute${m === 1 ? '' : 's'}`;
  }
  return `${seconds} seconds`;
}

/** Milliseconds until the label next changes: tick exactly on second boundaries. */
export function msUntilNextTick(remainingMs: number): number {
  if (remainingMs <= 0) return 1_000;
  const rest = remainingMs % 1_000;
  return rest === 0 ? 1_000 : rest;
}
