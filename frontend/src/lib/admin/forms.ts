// Console forms: the server's field errors (the envelope's `details`) next to the fields,
// datetime-local ⇄ RFC 3339, and whole-number inputs. Pure.

import { ApiError } from '../api/error';

export type Errors = Record<string, string>;

/**
 * Field errors from an API failure. core-api sends `{field, reason}`; lists of them
 * (`{errors: [{field, message|reason}]}`) and maps (`{fields: {name: message}}`) are read too.
 * Anything without a field goes under `form`.
 */
export function fieldErrors(e: unknown): Errors {
  if (!(e instanceof ApiError)) return { form: e instanceof Error ? e.message : String(e) };
  const d = e.details;
  const out: Errors = {};
  const add = (field: unknown, msg: unknown) => {
    if (typeof field === 'string' && field) out[field] = typeof msg === 'string' && msg ? msg : e.message;
  };
  add(d['field'], d['reason'] ?? d['message']);
  if (Array.isArray(d['errors'])) {
    for (const x of d['errors'] as Record<string, unknown>[]) add(x?.['field'], x?.['message'] ?? x?.['reason']);
  }
  if (d['fields'] && typeof d['fields'] === 'object') {
    for (const [k, v] of Object.entries(d['fields'] as Record<string, unknown>)) add(k, v);
  }
  if (Object.keys(out).length === 0) out.form = e.message;
  return out;
}

/** The error for a form field, also when the server names a nested path (`layout.seats[3].x`). */
export function errorFor(errors: Errors, field: string): string | undefined {
  if (errors[field]) return errors[field];
  for (const [k, v] of Object.entries(errors)) if (k.startsWith(`${field}.`) || k.startsWith(`${field}[`)) return v;
  return undefined;
}

/** An RFC 3339 instant as a datetime-local input's value (local time, minutes). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as RFC 3339 (UTC), or null when empty/invalid. */
export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A whole number from a form value within [min, max], or an error message. */
export function wholeNumber(v: unknown, min: number, max: number, what: string): number | string {
  const n = typeof v === 'number' ? v : Number(String(v ?? '').trim());
  if (String(v ?? '').trim() === '' || !Number.isInteger(n)) return `${what}: a whole number.`;
  if (n < min || n > max) return `${what}: from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`;
  return n;
}

export interface PerformanceForm {
  startsAt: string;
  saleOpensAt: string;
  saleClosesAt: string;
  maxSeatsPerUser: string | number;
  refundCutoffMinutes: string | number;
  queueEnabled: boolean;
  prices: { tier: string; price: string | number }[];
}

/** Checks a performance form (datetime-local values) and builds the API body, or the errors. */
export function performanceBody(f: PerformanceForm):
  | { ok: true; body: { startsAt: string; saleOpensAt: string; saleClosesAt: string; maxSeatsPerUser: number; refundCutoffMinutes: number; queueEnabled: boolean; prices: Record<string, number> } }
  | { ok: false; errors: Errors } {
  const errors: Errors = {};
  const startsAt = fromLocalInput(f.startsAt);
  const saleOpensAt = fromLocalInput(f.saleOpensAt);
  const saleClosesAt = fromLocalInput(f.saleClosesAt);
  if (!startsAt) errors.startsAt = 'When does it start?';
  if (!saleOpensAt) errors.saleOpensAt = 'When does the sale open?';
  if (!saleClosesAt) errors.saleClosesAt = 'When does the sale close?';
  if (saleOpensAt && saleClosesAt && saleClosesAt <= saleOpensAt) errors.saleClosesAt = 'The sale must close after it opens.';
  else if (startsAt && saleClosesAt && saleClosesAt > startsAt) errors.saleClosesAt = 'The sale must close by the start.';
  const max = wholeNumber(f.maxSeatsPerUser, 1, 100, 'Per-user limit');
  if (typeof max === 'string') errors.maxSeatsPerUser = max;
  const cutoff = wholeNumber(f.refundCutoffMinutes, 0, 525_600, 'Refund cut-off');
  if (typeof cutoff === 'string') errors.refundCutoffMinutes = cutoff;
  const prices: Record<string, number> = {};
  if (f.prices.length === 0) errors.prices = 'Give a price for every tier of the venue.';
  for (const p of f.prices) {
    const tier = p.tier.trim();
    if (!tier) {
      errors.prices = 'Every price needs its tier.';
      continue;
    }
    if (tier in prices) errors[`prices.${tier}`] = `Tier ${tier} is listed twice.`;
    const n = wholeNumber(p.price, 0, 100_000_000, `Price of ${tier}`);
    if (typeof n === 'string') errors[`prices.${tier}`] = n;
    else prices[tier] = n;
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    body: {
      startsAt: startsAt!,
      saleOpensAt: saleOpensAt!,
      saleClosesAt: saleClosesAt!,
      maxSeatsPerUser: max as number,
      refundCutoffMinutes: cutoff as number,
      queueEnabled: f.queueEnabled,
      prices,
    },
  };
}

export interface ProductForm {
  name: string;
  description: string;
  price: string | number;
  capacity: string | number;
  saleOpensAt: string;
  saleClosesAt: string;
}

/** Checks a general-admission product form and builds the API body, or the errors. */
export function productBody(f: ProductForm, sold = 0):
  | { ok: true; body: { name: string; description: string; price: number; capacity: number; saleOpensAt: string | null; saleClosesAt: string | null } }
  | { ok: false; errors: Errors } {
  const errors: Errors = {};
  const name = f.name.trim();
  if (!name) errors.name = 'Give the product a name (e.g. Standing).';
  else if (name.length > 100) errors.name = 'At most 100 characters.';
  const price = wholeNumber(f.price, 0, 100_000_000, 'Price');
  if (typeof price === 'string') errors.price = price;
  const capacity = wholeNumber(f.capacity, Math.max(1, sold), 1_000_000, 'Capacity');
  if (typeof capacity === 'string') errors.capacity = sold > 0 ? `${capacity} (${sold} already sold)` : capacity;
  const opens = fromLocalInput(f.saleOpensAt);
  const closes = fromLocalInput(f.saleClosesAt);
  if (f.saleOpensAt && !opens) errors.saleOpensAt = 'Not a date and time.';
  if (f.saleClosesAt && !closes) errors.saleClosesAt = 'Not a date and time.';
  if (opens && closes && closes <= opens) errors.saleClosesAt = 'The sale must close after it opens.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, body: { name, description: f.description.trim(), price: price as number, capacity: capacity as number, saleOpensAt: opens, saleClosesAt: closes } };
}
