// flash-sale: buyers join the waiting room, poll, hold 1–4 seats (front-row fighters and
// best-available), charge the wallet, reserve and pay with Idempotency-Keys.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e SEATS=300 -e USERS=100 loadtest/k6/flash-sale.js
// Check afterwards: cargo run --release -p loadtest -- flash-sale is the driver with the
// invariant check; k6 measures the same flow with k6's own tooling.
import { check, sleep } from 'k6';
import { api, adminToken, createPerformance, makeUsers } from './lib.js';

const SEATS = Number(__ENV.SEATS || 300);
const USERS = Number(__ENV.USERS || 100);

export const options = {
  scenarios: {
    crowd: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE || 50), timeUnit: '1s',
      duration: __ENV.DURATION || '30s', preAllocatedVUs: 100, maxVUs: 500 },
  },
  thresholds: {
    'http_req_duration{name:POST /holds}': ['p(99)<250'],
    'http_req_duration{name:POST /reservations}': ['p(99)<250'],
    'http_req_failed{expected_response:false}': ['rate<0.01'],
  },
};

export function setup() {
  const admin = adminToken();
  const perf = createPerformance(admin, SEATS, true);
  return { perf, users: makeUsers(USERS, `${Date.now()}`) };
}

export default function (ctx) {
  const token = ctx.users[(__VU * 7919 + __ITER) % ctx.users.length];
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
  api('POST', '/wallet/charge', { amount: hold.data.totalAmount }, token, { 'Idempotency-Key': `${key}-charge` });
  const res = api('POST', '/reservations', {
    holdId: hold.data.holdId, attendee: { name: 'k6 buyer', phone: '010-0000-0000' }, payNow: true,
  }, token, { 'Idempotency-Key': `${key}-reserve` });
  check(res, { 'reserve 201': (r) => r.status === 201 });
}
