// flash-sale: buyers join the waiting room, poll, hold 1–4 seats (front-row fighters and
// best-available), reserve and pay from the wallet (topped up in setup) with an
// Idempotency-Key.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e SEATS=300 -e USERS=100 loadtest/k6/flash-sale.js
// against a stack whose gateway trusts the load driver for client addresses
// (GATEWAY_TRUSTED_PROXIES=127.0.0.1, see lib.js), or `scripts/bench k6`.
// Check afterwards: cargo run --release -p loadtest -- flash-sale is the driver with the
// invariant check; k6 measures the same flow with k6's own tooling.
//
// Thresholds (each fails the run, exit 99): fewer than 1 % of requests answered outside
// 2xx/409/422 (lib.js: contention is an answer, 429 and 5xx are not), at least 99 % of the
// checks pass (every hold answered 201 or with contention, every reservation of a hold 201),
// and p99 of POST /holds and POST /reservations under P99_MS (default 500).
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { api, adminToken, createPerformance, makeUsers } from './lib.js';

const SEATS = Number(__ENV.SEATS || 300);
const USERS = Number(__ENV.USERS || 100);
const P99_MS = Number(__ENV.P99_MS || 500);

export const options = {
  scenarios: {
    crowd: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE || 50), timeUnit: '1s',
      duration: __ENV.DURATION || '30s', preAllocatedVUs: 100, maxVUs: 500 },
  },
  thresholds: {
    [`http_req_duration{name:POST /holds}`]: [`p(99)<${P99_MS}`],
    [`http_req_duration{name:POST /reservations}`]: [`p(99)<${P99_MS}`],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const admin = adminToken();
  const perf = createPerformance(admin, SEATS, true);
  const users = makeUsers(USERS, `${Date.now()}`);
  // Buyers top up before the on-sale: enough for the per-user limit (4 seats at 10,000).
  // Charging inside the iteration would race: iterations share users, and two identical
  // charges of one user within the gateway's duplicate window are one request to it.
  users.forEach((token, i) => {
    const r = api('POST', '/wallet/charge', { amount: 40000 }, token,
      { 'Idempotency-Key': `k6-topup-${i}-${Date.now()}`, 'X-Forwarded-For': `10.254.${(i >> 8) & 255}.${i & 255}` });
    check(r, { 'top-up 2xx': (x) => x.status >= 200 && x.status < 300 });
  });
  return { perf, users };
}

export default function (ctx) {
  // One buyer per iteration, taking turns over the users made in setup().
  const token = ctx.users[exec.scenario.iterationInTest % ctx.users.length];
  const perf = ctx.perf.id;
  let q = api('POST', `/queue/${perf}/join`, undefined, token);
  const ticket = q.data && q.data.queueToken;
  for (let i = 0; i < 60 && q.data && q.data.status === 'WAITING'; i++) {
    sleep(Math.min(q.data.pollAfterMs || 1000, 500) / 1000);
    q = api('GET', `/queue/${perf}/status`, undefined, token, { 'Queue-Token': ticket });
  }
  if (!q.data || q.data.status !== 'ADMITTED') return;
  const pass = q.data.passToken;
  const quantity = 1 + Math.floor(Math.random() * 4);
  const front = Math.max(8, Math.floor(ctx.perf.seats.length / 20));
  const at = Math.floor(Math.random() * Math.max(1, front - quantity));
  let body = Math.random() < 0.5
    ? { performanceId: perf, seatIds: ctx.perf.seats.slice(at, at + quantity) }
    : { performanceId: perf, quantity };
  let hold = api('POST', '/holds', body, token, { 'Queue-Token': pass });
  if (hold.status === 409 && hold.code === 'SEAT_UNAVAILABLE') {
    hold = api('POST', '/holds', { performanceId: perf, quantity: 1 }, token, { 'Queue-Token': pass });
  }
  check(hold, { 'hold 201 or contention': (r) => [201, 409, 422].includes(r.status) });
  if (hold.status !== 201) return;
  const key = `k6-${__VU}-${__ITER}-${Date.now()}`;
  const res = api('POST', '/reservations', {
    holdId: hold.data.holdId, attendee: { name: 'k6 buyer', phone: '010-0000-0000' }, payNow: true,
  }, token, { 'Idempotency-Key': `${key}-reserve` });
  if (!check(res, { 'reserve 201': (r) => r.status === 201 })) {
    console.warn(`reserve answered ${res.status} ${res.code}`);
  }
}
