// Shared helpers of the k6 scripts: API calls with the envelope, users, a fresh performance.
// Run against `scripts/up` (demo admin admin@holdfast.dev / admin-password) or `scripts/bench k6`.
//
// Every virtual user stands for a different buyer on a different address: each request
// names its client in X-Forwarded-For (10.x.y.z from the VU number). The gateway believes it
// only from GATEWAY_TRUSTED_PROXIES, so start the stack with
// GATEWAY_TRUSTED_PROXIES=127.0.0.1 (docs/benchmarks.md); without it the whole crowd is one
// client to the per-IP rate limit and most requests answer 429.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

export const BASE = (__ENV.BASE_URL || 'http://127.0.0.1:8080') + '/api/v1';
const ADMIN_EMAIL = __ENV.ADMIN_EMAIL || 'admin@holdfast.dev';
const ADMIN_PASSWORD = __ENV.ADMIN_PASSWORD || 'admin-password';

// Answers a correct server gives under contention: a seat someone else took (409), the
// per-user limit or sold out (409/422). Anything else (429, 5xx, 400…) counts as failed,
// so `http_req_failed` thresholds measure the server, not the crowd's bad luck.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409, 422));

// The VU's own address; setup() and teardown() (no VU) share one.
function clientAddress() {
  let vu = 0;
  try {
    vu = exec.vu.idInTest;
  } catch (_) {
    vu = 0;
  }
  return `10.${(vu >> 16) & 255}.${(vu >> 8) & 255}.${vu & 255}`;
}

export function api(method, path, body, token, headers = {}) {
  const h = Object.assign({ 'Content-Type': 'application/json', 'X-Forwarded-For': clientAddress() }, headers);
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
    // Sign-ups come from many addresses, as a real crowd's do.
    const from = { 'X-Forwarded-For': `10.255.${(i >> 8) & 255}.${i & 255}` };
    api('POST', '/auth/register', { email, password: 'k6-password-123', name: `k6 ${i}` }, undefined, from);
    const r = api('POST', '/auth/login', { email, password: 'k6-password-123' }, undefined, from);
    check(r, { 'login 200': (x) => x.status === 200 });
    users.push(r.data && r.data.accessToken);
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
