// hot-seat: every VU asks for the same seat at once; exactly one may hold it per round. The
// winner releases it so the next round fights again.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e CLIENTS=64 -e ROUNDS=20 loadtest/k6/hot-seat.js
// (gateway with GATEWAY_TRUSTED_PROXIES=127.0.0.1, see lib.js). Every try must be won (201)
// or lost (409); at most one winner at a time is the server's promise, checked by the Rust
// driver (`loadtest hot-seat`).
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { api, adminToken, createPerformance, makeUsers } from './lib.js';

const CLIENTS = Number(__ENV.CLIENTS || 64);
const ROUNDS = Number(__ENV.ROUNDS || 20);

export const options = {
  scenarios: {
    fight: { executor: 'per-vu-iterations', vus: CLIENTS, iterations: ROUNDS, maxDuration: '5m' },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const admin = adminToken();
  return { perf: createPerformance(admin, 1, false), users: makeUsers(CLIENTS, `hot${Date.now()}`) };
}

export default function (ctx) {
  const token = ctx.users[exec.vu.idInTest - 1];
  const r = api('POST', '/holds', { performanceId: ctx.perf.id, seatIds: [ctx.perf.seats[0]] }, token);
  check(r, { 'won (201) or lost (409)': (x) => x.status === 201 || x.status === 409 });
  if (r.status === 201) api('DELETE', `/holds/${r.data.holdId}`, undefined, token);
  // A person clicks again after a moment; the per-user rate limit (10/s) holds a script
  // that clicks in a tight loop to a person's pace.
  sleep(0.2);
}
