// Shared helpers of the k6 scripts: API calls with the envelope, users, a fresh performance.
// Run against `scripts/up` (demo admin admin@holdfast.dev / admin-password).
import http from 'k6/http';
import { check } from 'k6';

export const BASE = (__ENV.BASE_URL || 'http://127.0.0.1:8080') + '/api/v1';
const ADMIN_EMAIL = __ENV.ADMIN_EMAIL || 'admin@holdfast.dev';
const ADMIN_PASSWORD = __ENV.ADMIN_PASSWORD || 'admin-password';

export function api(method, path, body, token, headers = {}) {
  const h = Object.assign({ 'Content-Type': 'application/json' }, headers);
  if (token) h.Authorization = `Bearer ${token}`;
  const res = http.request(method, `${BASE}${path}`, body === undefined ? null : JSON.stringify(body), {
    headers: h,
    tags: { name: `${method} ${path.replace(/[0-9a-f-]{36}/g, '{id}')}` },
  });
  let json = null;
  try {
    json = res.json();
  } catch (_) {
    json = null;
  }
  return { status: res.status, data: json && json.data, code: json && json.error && json.error.code, headers: res.headers };
}

export function login(email, password) {
  const r = api('POST', '/auth/login', { email, password });
  check(r, { 'login 200': (x) => x.status === 200 });
  return r.data && r.data.accessToken;
}

export function adminToken() {
  return login(ADMIN_EMAIL, ADMIN_PASSWORD);
}

// Registers and logs in `n` users (argon2 makes each login cost tens of ms of CPU: keep n small).
export function makeUsers(n, tag) {
  const users = [];
  for (let i = 0; i < n; i++) {
    const email = `k6-${tag}-${i}@loadtest.holdfast.dev`;
    api('POST', '/auth/register', { email, password: 'k6-password-123', name: `k6 ${i}` });
    users.push(login(email, 'k6-password-123'));
  }
  return users;
}

// Creates venue → event → performance with `seats` seats (rows of 50), opens the sale and
// optionally turns the waiting room on. Returns {id, seats: [seatId, ...]} front rows first.
export function createPerformance(admin, seats, queue) {
  const perRow = Math.min(50, seats);
  const sections = [{ name: 'FLOOR', priceTier: 'R', rows: Math.floor(seats / perRow), seatsPerRow: perRow }];
  const tag = `${Date.now()}`;
  const venue = api('POST', '/admin/venues', { name: `k6 ${tag}`, layout: { sections, seats: [] } }, admin).data;
  const event = api('POST', '/admin/events', { venueId: venue.id, title: `k6 ${tag}` }, admin).data;
  const now = Date.now();
  const perf = api('POST', `/admin/events/${event.id}/performances`, {
    startsAt: new Date(now + 30 * 86400e3).toISOString(),
    saleOpensAt: new Date(now - 60e3).toISOString(),
    saleClosesAt: new Date(now + 86400e3).toISOString(),
    maxSeatsPerUser: 4,
    queueEnabled: !!queue,
    prices: { R: 10000 },
  }, admin).data;
  api('POST', `/admin/performances/${perf.id}/open-sale`, undefined, admin);
  if (queue) {
    api('PUT', `/admin/performances/${perf.id}/queue`, { enabled: true, admitPerMinute: 1000000, maxActive: 1000000 }, admin);
  }
  const map = api('GET', `/performances/${perf.id}/seats`).data;
  const ids = map.seats.sort((a, b) => a.y - b.y || a.x - b.x).map((s) => s.id);
  return { id: perf.id, seats: ids };
}
