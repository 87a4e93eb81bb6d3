// holds: distinct-seat hold throughput. Point BASE_URL at the gateway, then at core-api
// (http://127.0.0.1:3000) and compare http_reqs of POST /holds.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e USERS=200 loadtest/k6/holds.js
// (gateway with GATEWAY_TRUSTED_PROXIES=127.0.0.1, see lib.js). Every hold is for a seat
// nobody else asks for, so every one must answer 201: the thresholds fail the run otherwise.
import { check } from 'k6';
import exec from 'k6/execution';
import { api, adminToken, createPerformance, makeUsers } from './lib.js';

const USERS = Number(__ENV.USERS || 200);

export const options = {
  scenarios: {
    holds: { executor: 'shared-iterations', vus: 32, iterations: USERS * 4, maxDuration: '5m' },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const admin = adminToken();
  return { perf: createPerformance(admin, USERS * 4, false), users: makeUsers(USERS, `holds${Date.now()}`) };
}

export default function (ctx) {
  const i = exec.scenario.iterationInTest;
  const token = ctx.users[i % ctx.users.length];
  const r = api('POST', '/holds', { performanceId: ctx.perf.id, seatIds: [ctx.perf.seats[i]] }, token);
  check(r, { 'hold 201': (x) => x.status === 201 });
}
