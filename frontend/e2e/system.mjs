// The real system under test: `scripts/up` on free ports with a throwaway database and its
// own Redis key prefix (as scripts/smoke does), restartable with other settings on the same
// data (CONFIRM_FAILURE_RATE=1, then 0). Also: what the server offers (probed from
// /openapi.json and the waiting-room route), plain API calls for test setup, and Chromium.

import { after, afterEach, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const ARTIFACTS = join(here, 'artifacts');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => res(port));
    });
  });
}

function withDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs a function of scripts/lib.sh (drop_database, ...) in bash. */
function libSh(fn, ...args) {
  return spawnSync('bash', ['-c', `source scripts/lib.sh; ${fn} "$@"`, '_', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

export class System {
  constructor() {
    const suffix = randomBytes(4).toString('hex');
    this.suffix = suffix;
    this.dbUrl = withDb(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', `holdfast_e2e_${suffix}`);
    this.redisPrefix = `e2e_${suffix}:`;
    this.logFile = join(ROOT, '.run', `e2e-${suffix}.log`);
    /** @type {import('node:child_process').ChildProcess | null} */
    this.proc = null;
    this.ports = null;
    /** The app URL scripts/up printed (ends with /). */
    this.base = '';
  }

  /** Starts scripts/up (the same ports and data on every start) and waits for its App URL. */
  async start({ confirmFailureRate }) {
    this.confirmFailureRate = confirmFailureRate;
    this.ports ??= {
      core: await freePort(),
      coreMetrics: await freePort(),
      gateway: await freePort(),
      gatewayMetrics: await freePort(),
    };
    mkdirSync(dirname(this.logFile), { recursive: true });
    const logStart = (() => {
      try {
        return readFileSync(this.logFile, 'utf8').length;
      } catch {
        return 0;
      }
    })();
    const fd = openSync(this.logFile, 'a');
    const env = {
      ...process.env,
      HOLDFAST_PROFILE: process.env.HOLDFAST_PROFILE ?? 'dev',
      FRONTEND_BUILD: '0',
      DATABASE_URL: this.dbUrl,
      CORE_LISTEN_ADDR: `127.0.0.1:${this.ports.core}`,
      CORE_METRICS_ADDR: `127.0.0.1:${this.ports.coreMetrics}`,
      // For when scripts/up also starts the gateway (harmless until then).
      GATEWAY_LISTEN_ADDR: `127.0.0.1:${this.ports.gateway}`,
      GATEWAY_METRICS_ADDR: `127.0.0.1:${this.ports.gatewayMetrics}`,
      CORE_REDIS_KEY_PREFIX: this.redisPrefix,
      GATEWAY_REDIS_KEY_PREFIX: this.redisPrefix,
      CONFIRM_FAILURE_RATE: String(confirmFailureRate),
      SEED_DEMO: '1',
      HOLDFAST_KEEP_SERVICES: '1',
    };
    this.proc = spawn('scripts/up', [], { cwd: ROOT, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    const deadline = Date.now() + Number(process.env.E2E_READY_TIMEOUT_MS ?? 240_000);
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`scripts/up exited (${this.proc.exitCode}); see ${this.logFile}`);
      const log = readFileSync(this.logFile, 'utf8').slice(logStart);
      const m = log.match(/^\s*App\s+(http\S+)/m);
      if (m) {
        this.base = m[1].endsWith('/') ? m[1] : `${m[1]}/`;
        return this.base;
      }
      if (/^\s*App\s+\(not built/m.test(log)) throw new Error('scripts/up says the web app is not built (run npm run build)');
      await sleep(250);
    }
    throw new Error(`scripts/up did not print its App URL in time; see ${this.logFile}`);
  }

  /** Stops scripts/up and everything it started (its process group). */
  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.pid === undefined) return;
    const gone = new Promise((r) => p.once('exit', r));
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timeout = sleep(30_000).then(() => 'timeout');
    if ((await Promise.race([gone, timeout])) === 'timeout') {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.proc = null;
  }

  async restart(opts) {
    await this.stop();
    return this.start(opts);
  }

  /** Confirmations that never fail on purpose: restarts (same data) only when started otherwise. */
  async confirmAlways() {
    if (this.confirmFailureRate !== 0) await this.restart({ confirmFailureRate: 0 });
  }

  /** Stops everything and drops the throwaway database and Redis keys. */
  async destroy() {
    await this.stop();
    const r = libSh('drop_database', this.dbUrl);
    if (r.status !== 0) console.warn(`could not drop ${this.dbUrl}: ${r.stderr}`);
    spawnSync(
      'bash',
      ['-c', 'redis-cli --no-auth-warning -u "$1" --scan --pattern "$2*" | xargs -r -n 100 redis-cli --no-auth-warning -u "$1" del >/dev/null', '_', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', this.redisPrefix],
      { timeout: 30_000 },
    );
  }

  url(path) {
    return new URL(path.replace(/^\//, ''), this.base).toString();
  }

  /** A real API call (test setup and probes only; the browser does the buying). */
  async api(path, { method = 'GET', body, token, headers = {} } = {}) {
    const res = await fetch(this.url(`/api/v1${path}`), {
      method,
      headers: {
        Accept: 'application/json',
        ...(body ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => null);
    return { status: res.status, json, data: json?.data, error: json?.error };
  }

  async login(email, password) {
    const r = await this.api('/auth/login', { method: 'POST', body: { email, password } });
    if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.data.accessToken;
  }

  async register(name) {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomBytes(3).toString('hex')}@e2e.holdfast.dev`;
    const password = 'e2e-password-1';
    const r = await this.api('/auth/register', { method: 'POST', body: { name, email, password } });
    if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.json)}`);
    return { name, email, password };
  }

  /** A fresh on-sale performance of the nine-seat hall (admin API), so tests never share seats. */
  async nineSeatPerformance({ queueEnabled = false } = {}) {
    const admin = await this.login('admin@holdfast.dev', 'admin-password');
    const events = await this.api('/events', { token: admin });
    const hall = events.data.find((e) => e.title === 'Holdfast Live: Nine Seats');
    if (!hall) throw new Error('the demo hall event is missing (SEED_DEMO?)');
    const now = Date.now();
    const iso = (ms) => new Date(ms).toISOString();
    const created = await this.api(`/admin/events/${hall.id}/performances`, {
      method: 'POST',
      token: admin,
      body: {
        startsAt: iso(now + 40 * 864e5),
        saleOpensAt: iso(now - 36e5),
        saleClosesAt: iso(now + 39 * 864e5),
        maxSeatsPerUser: 4,
        queueEnabled,
        prices: { R: 110_000 },
      },
    });
    if (created.status !== 201) throw new Error(`create performance: ${created.status} ${JSON.stringify(created.json)}`);
    const opened = await this.api(`/admin/performances/${created.data.id}/open-sale`, { method: 'POST', token: admin });
    if (opened.status !== 200) throw new Error(`open sale: ${opened.status} ${JSON.stringify(opened.json)}`);
    const seats = await this.api(`/performances/${created.data.id}/seats`);
    return { eventId: hall.id, performanceId: created.data.id, seats: seats.data.seats };
  }

  /** A general-admission product on a performance (admin API): `Standing`, 30,000 KRW. */
  async standingProduct(performanceId, capacity = 50) {
    const admin = await this.login('admin@holdfast.dev', 'admin-password');
    const r = await this.api(`/admin/performances/${performanceId}/products`, {
      method: 'POST',
      token: admin,
      body: { name: 'Standing', price: 30_000, capacity },
    });
    if (r.status !== 201) throw new Error(`create product: ${r.status} ${JSON.stringify(r.json)}`);
    return r.data;
  }

  /** What this server offers, so steps for routes not deployed yet are skipped — and said so. */
  async features(performanceId, token) {
    const spec = await fetch(this.url('/openapi.json')).then((r) => r.json());
    const paths = Object.keys(spec.paths ?? {});
    const has = (p) => paths.includes(p);
    // The waiting room is the gateway's, not in core-api's spec: ask it directly.
    const join = await this.api(`/queue/${performanceId}/join`, { method: 'POST', token });
    const queueMissing = join.status === 404 && join.error?.code === 'NOT_FOUND' && /route/.test(join.error?.message ?? '');
    return {
      wallet: has('/api/v1/wallet') && has('/api/v1/wallet/charge') && has('/api/v1/payments'),
      stream: has('/api/v1/performances/{id}/seats/stream'),
      cancel: has('/api/v1/reservations/{id}/cancel'),
      queue: !queueMissing,
    };
  }
}

/**
 * Chromium for one test file, with the hooks every e2e file needs: the system started before
 * the tests (`start`: its options, then `ready`), every uncaught exception in a page recorded
 * — a test that ends with one fails, even when its journey got through — and the browser,
 * the system and its database gone after (then `done`).
 */
export function browserSuite(system, { start, ready = async () => {}, done = () => {} }) {
  /** @type {import('playwright-core').Browser | null} */
  let browser = null;
  const errors = [];
  before(async () => {
    await system.start(start);
    console.log(`system up at ${system.base} (${JSON.stringify(start)})`);
    browser = await launchBrowser();
    await ready();
  });
  beforeEach(() => {
    errors.length = 0;
  });
  afterEach(() => {
    assert.deepEqual(errors, [], 'uncaught exceptions in the app');
  });
  after(async () => {
    await browser?.close();
    await system.destroy();
    done();
  });
  return {
    async newPage(options) {
      if (!browser) throw new Error('the browser is not up');
      const context = await browser.newContext(options);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on('pageerror', (e) => {
        console.log(`[browser error] ${e.message}`);
        errors.push(e.message);
      });
      return { context, page };
    },
    /** Signs in on the login page and waits for `next`. */
    async signIn(page, email, password, next = '/') {
      await page.goto(system.url(`/login?next=${encodeURIComponent(next)}`));
      await page.fill('#email', email);
      await page.fill('#password', password);
      await page.click('form button[type=submit]');
      await page.waitForURL((u) => u.pathname === next.split('?')[0]);
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Screenshots numbered per test: e2e/artifacts/<test>/NN-<step>.png */
export function camera(testName) {
  const dir = join(ARTIFACTS, testName);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page, step, opts = {}) => {
    n++;
    const file = join(dir, `${String(n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
    return file;
  };
}
