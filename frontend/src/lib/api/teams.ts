// Teams, notification preferences, team webhooks and utilisation, typed by hand from the
// teams contract (these routes are not in the generated OpenAPI document yet). All under
// /api/v1 with the usual envelope.

import type { Client } from './client';

export type TeamRole = 'owner' | 'member' | 'viewer';
export const TEAM_ROLES: TeamRole[] = ['owner', 'member', 'viewer'];

export interface Team {
  id: string;
  name: string;
  role: TeamRole;
  memberCount: number;
  /** The team's own Google Calendar (owners set it); bookings go to it and no other. */
  googleCalendarId?: string | null;
  /** The team made for the servers that existed before teams (keeps the server-wide calendar). */
  isDefault?: boolean;
  /** The language of the team's webhook messages. */
  locale?: 'ko' | 'en';
}

/** `PATCH /teams/{id}`: absent fields stay; `googleCalendarId: null` removes the calendar. */
export interface TeamUpdate {
  name?: string;
  googleCalendarId?: string | null;
  locale?: 'ko' | 'en';
}

export interface TeamMember {
  userId: string;
  email: string;
  name: string;
  role: TeamRole;
}

export interface TeamWebhook {
  id: string;
  url: string;
  events?: string[] | null;
  createdAt?: string;
}

export const NOTIFICATION_EVENTS = [
  'bookingCreated',
  'bookingChanged',
  'bookingCancelled',
  'bookingReminder',
  'reservationConfirmed',
  'paymentReceived',
  'reservationExpiring',
  'performanceCancelled',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationPreferences {
  locale: 'ko' | 'en';
  email: boolean;
  events: Record<NotificationEvent, boolean>;
  reminderMinutes: number;
  /** IANA zone for times in messages; absent: the server's default. */
  timeZone?: string | null;
}

export interface UtilisationRow {
  resourceId: string;
  name: string;
  week: string;
  bookedHours: number;
  bookableHours: number;
  ratio: number;
}

export interface Utilisation {
  rows: UtilisationRow[];
  topUsers: { userId: string; name: string; hours: number }[];
}

const id = encodeURIComponent;

/** The team a resource belongs to (the teams contract adds `teamId` to resources). */
export function teamOf(resource: object): string | null {
  const t = (resource as { teamId?: unknown }).teamId;
  return typeof t === 'string' ? t : null;
}

/**
 * Whether I may book a resource: members and owners may, viewers only look. Without teams
 * (no `teamId`, or my teams unknown) the server decides.
 */
export function canBook(resource: object, teams: Team[] | null): boolean {
  const teamId = teamOf(resource);
  if (!teamId || !teams) return true;
  const team = teams.find((t) => t.id === teamId);
  return !team || team.role !== 'viewer';
}

/** The contract's "[rows] + topUsers": accept an object with rows (or resources) and topUsers. */
export function normaliseUtilisation(data: unknown): Utilisation {
  if (Array.isArray(data)) return { rows: data as UtilisationRow[], topUsers: [] };
  const o = (data ?? {}) as Record<string, unknown>;
  const rows = (o['rows'] ?? o['resources'] ?? o['weeks'] ?? []) as UtilisationRow[];
  const topUsers = (o['topUsers'] ?? []) as Utilisation['topUsers'];
  return { rows: Array.isArray(rows) ? rows : [], topUsers: Array.isArray(topUsers) ? topUsers : [] };
}

export function teamEndpoints(client: Client) {
  const r = client.request.bind(client);
  return {
    teams: () => r<Team[]>('/teams'),
    team: (teamId: string) => r<Team>(`/teams/${id(teamId)}`),
    createTeam: (name: string) => r<Team>('/teams', { method: 'POST', body: { name } }),
    renameTeam: (teamId: string, name: string) => r<Team>(`/teams/${id(teamId)}`, { method: 'PATCH', body: { name } }),
    updateTeam: (teamId: string, change: TeamUpdate) => r<Team>(`/teams/${id(teamId)}`, { method: 'PATCH', body: change }),

    members: (teamId: string) => r<TeamMember[]>(`/teams/${id(teamId)}/members`),
    addMember: (teamId: string, email: string, role: TeamRole) =>
      r<TeamMember>(`/teams/${id(teamId)}/members`, { method: 'POST', body: { email, role } }),
    setRole: (teamId: string, userId: string, role: TeamRole) =>
      r<TeamMember>(`/teams/${id(teamId)}/members/${id(userId)}`, { method: 'PATCH', body: { role } }),
    removeMember: (teamId: string, userId: string) =>
      r<void>(`/teams/${id(teamId)}/members/${id(userId)}`, { method: 'DELETE' }),

    webhooks: (teamId: string) => r<TeamWebhook[]>(`/teams/${id(teamId)}/webhooks`),
    addWebhook: (teamId: string, url: string, events?: string[]) =>
      r<TeamWebhook>(`/teams/${id(teamId)}/webhooks`, { method: 'POST', body: events?.length ? { url, events } : { url } }),
    removeWebhook: (teamId: string, webhookId: string) =>
      r<void>(`/teams/${id(teamId)}/webhooks/${id(webhookId)}`, { method: 'DELETE' }),

    preferences: () => r<NotificationPreferences>('/me/notification-preferences'),
    savePreferences: (p: NotificationPreferences) =>
      r<NotificationPreferences>('/me/notification-preferences', { method: 'PUT', body: p }),

    utilisation: async (teamId: string, from: string, to: string) =>
      normaliseUtilisation(
        await r<unknown>(`/teams/${id(teamId)}/utilisation?${new URLSearchParams({ from, to }).toString()}`),
      ),
    /** The CSV path (fetched with the bearer token by the page, then saved as a file). */
    utilisationCsvPath: (teamId: string, from: string, to: string) =>
      `/teams/${id(teamId)}/utilisation.csv?${new URLSearchParams({ from, to }).toString()}`,
  };
}

export type TeamEndpoints = ReturnType<typeof teamEndpoints>;
