// The server (resource) form of a team's owners: what the inputs hold, the request they make,
// and where each of core-api's field messages goes. core-api checks everything (400
// VALIDATION_FAILED names the field); this file only carries its answer to the right input.

import { ApiError } from '../api/error';
import type { Resource, ResourceRequest } from '../api/booking';

/** A number input's value: a number, or '' / null when empty (no limit). */
export type NumberInput = string | number | null;

/** The inputs, as the form holds them. */
export interface ServerForm {
  name: string;
  description: string;
  capacity: NumberInput;
  maxDurationMinutes: NumberInput;
  maxAdvanceDays: NumberInput;
  minNoticeMinutes: NumberInput;
  officeHours: boolean;
  start: string;
  end: string;
  timeZone: string;
  isActive: boolean;
}

/** The keys of the inputs a message can stand next to, plus `form` for the rest. */
export type ServerField =
  | 'name'
  | 'description'
  | 'capacity'
  | 'maxDurationMinutes'
  | 'maxAdvanceDays'
  | 'minNoticeMinutes'
  | 'start'
  | 'end'
  | 'timeZone'
  | 'form';

export function emptyServerForm(zone: string): ServerForm {
  return {
    name: '',
    description: '',
    capacity: '',
    maxDurationMinutes: '',
    maxAdvanceDays: '',
    minNoticeMinutes: '',
    officeHours: false,
    start: '09:00',
    end: '18:00',
    timeZone: zone,
    isActive: true,
  };
}

const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

export function serverFormOf(r: Resource, zone: string): ServerForm {
  const p = r.policy ?? {};
  const h = p.allowedHours ?? null;
  return {
    name: r.name,
    description: r.description ?? '',
    capacity: text(r.capacity),
    maxDurationMinutes: text(p.maxDurationMinutes),
    maxAdvanceDays: text(p.maxAdvanceDays),
    minNoticeMinutes: text(p.minNoticeMinutes),
    officeHours: h !== null,
    start: h?.start ?? '09:00',
    end: h?.end ?? '18:00',
    timeZone: h?.timeZone ?? zone,
    isActive: r.isActive,
  };
}

/**
 * A number input's value for the API: '' is "no limit" (null); anything else goes as typed
 * (a number when it is one, else the text itself, so core-api names the field).
 */
function num(v: NumberInput | undefined): number | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  if (s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : (s as unknown as number);
}

export function serverRequest(f: ServerForm, teamId: string): ResourceRequest {
  return {
    teamId,
    name: f.name,
    description: f.description,
    capacity: num(f.capacity),
    isActive: f.isActive,
    policy: {
      maxDurationMinutes: num(f.maxDurationMinutes),
      maxAdvanceDays: num(f.maxAdvanceDays),
      minNoticeMinutes: num(f.minNoticeMinutes),
      allowedHours: f.officeHours ? { start: f.start.trim(), end: f.end.trim(), timeZone: f.timeZone.trim() } : null,
    },
  };
}

/** core-api's field names → the input they belong next to. */
const FIELDS: Record<string, ServerField> = {
  name: 'name',
  description: 'description',
  capacity: 'capacity',
  teamId: 'form',
  'policy.maxDurationMinutes': 'maxDurationMinutes',
  'policy.maxAdvanceDays': 'maxAdvanceDays',
  'policy.minNoticeMinutes': 'minNoticeMinutes',
  'policy.allowedHours.start': 'start',
  // "end must be later than start": said next to the end.
  'policy.allowedHours': 'end',
  'policy.allowedHours.end': 'end',
  'policy.allowedHours.timeZone': 'timeZone',
};

const capital = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

/** Where a failed save's message goes. */
export function serverFormErrors(err: unknown): Partial<Record<ServerField, string>> {
  if (!(err instanceof ApiError)) return { form: String(err) };
  const field = typeof err.details['field'] === 'string' ? err.details['field'] : null;
  if (err.code === 'VALIDATION_FAILED' && field) {
    const reason = typeof err.details['reason'] === 'string' ? err.details['reason'] : err.message;
    return { [FIELDS[field] ?? 'form']: capital(reason) };
  }
  switch (err.code) {
    case 'RESOURCE_NAME_TAKEN':
      return { name: 'This team already has a server with this name.' };
    case 'RESOURCE_HAS_BOOKINGS':
      return { form: 'This server has bookings ahead: retire it instead (it keeps them and takes no new ones), or cancel them first.' };
    case 'FORBIDDEN':
      return { form: capital(err.message) || 'Only the team’s owners manage its servers.' };
    default:
      return { form: capital(err.message) || 'Something went wrong. Try again.' };
  }
}
