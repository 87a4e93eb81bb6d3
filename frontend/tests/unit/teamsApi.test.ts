import { describe, expect, it } from 'vitest';
import { normaliseUtilisation, teamEndpoints } from '../../src/lib/api/teams';
import type { Client, RequestOptions } from '../../src/lib/api/client';

describe('teams API', () => {
  it('accepts utilisation as rows + topUsers, or a bare list', () => {
    const row = { resourceId: 'r', name: 'GPU', week: '2026-W50', bookedHours: 10, bookableHours: 40, ratio: 0.25 };
    expect(normaliseUtilisation([row])).toEqual({ rows: [row], topUsers: [] });
    expect(normaliseUtilisation({ rows: [row], topUsers: [{ userId: 'u', name: 'Ada', hours: 3 }] }).topUsers).toHaveLength(1);
    expect(normaliseUtilisation({ resources: [row] }).rows).toEqual([row]);
    expect(normaliseUtilisation(null)).toEqual({ rows: [], topUsers: [] });
  });

  it('calls the contract’s paths', async () => {
    const seen: [string, RequestOptions | undefined][] = [];
    const client: Client = {
      request: async <T>(path: string, opts?: RequestOptions) => {
        seen.push([path, opts]);
        return [] as T;
      },
    };
    const t = teamEndpoints(client);
    await t.addMember('t 1', 'a@b.c', 'viewer');
    await t.setRole('t1', 'u1', 'owner');
    await t.addWebhook('t1', 'https://hooks.example/x');
    await t.utilisation('t1', '2026-12-01T00:00:00Z', '2026-12-08T00:00:00Z');
    expect(seen.map(([p, o]) => `${o?.method ?? 'GET'} ${p}`)).toEqual([
      'POST /teams/t%201/members',
      'PATCH /teams/t1/members/u1',
      'POST /teams/t1/webhooks',
      'GET /teams/t1/utilisation?from=2026-12-01T00%3A00%3A00Z&to=2026-12-08T00%3A00%3A00Z',
    ]);
    expect(seen[2]?.[1]?.body).toEqual({ url: 'https://hooks.example/x' });
    expect(t.utilisationCsvPath('t1', 'a', 'b')).toBe('/teams/t1/utilisation.csv?from=a&to=b');
  });
});

describe('who may book', async () => {
  const { canBook } = await import('../../src/lib/api/teams');
  const team = (id: string, role: 'owner' | 'member' | 'viewer') => ({ id, name: id, role, memberCount: 1 });
  it('members and owners book, viewers only look; without teams the server decides', () => {
    const teams = [team('t1', 'viewer'), team('t2', 'member'), team('t3', 'owner')];
    expect(canBook({ teamId: 't1' }, teams)).toBe(false);
    expect(canBook({ teamId: 't2' }, teams)).toBe(true);
    expect(canBook({ teamId: 't3' }, teams)).toBe(true);
    expect(canBook({ teamId: 't9' }, teams)).toBe(true);
    expect(canBook({}, teams)).toBe(true);
    expect(canBook({ teamId: 't1' }, null)).toBe(true);
  });
});
