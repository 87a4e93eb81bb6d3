// Display formatting: money (integer KRW), dates, seat names.

import type { Item, Seat } from '../api/types';

const won = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'KRW', maximumFractionDigits: 0 });

export function formatMoney(amount: number): string {
  return won.format(amount);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "Main · Row A · Seat 1" */
export function seatName(s: Seat): string {
  return `${s.section} · Row ${s.row} · Seat ${s.number}`;
}

/** "A1" — compact, for chips. */
export function seatShort(s: Seat): string {
  return `${s.row}${s.number}`;
}

export function formatWait(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h ${rest} min`;
}

/** "Standing × 2" */
export function itemName(i: Pick<Item, 'name' | 'quantity'>): string {
  return `${i.name} × ${i.quantity}`;
}

/** What a hold or reservation contains, seats and general-admission units alike. */
export function contentsOf(x: { seats: Seat[]; items?: Item[] }, short = false): string {
  return [...x.seats.map(short ? seatShort : seatName), ...(x.items ?? []).map(itemName)].join(', ');
}
