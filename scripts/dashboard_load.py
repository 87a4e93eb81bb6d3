"""Short, bounded load for scripts/check-dashboards: every series a dashboard panel shows.

Run against a freshly seeded stack through the gateway: sign-ups and logins, catalog and
seat maps, holds (granted, taken by someone else, refused at the gateway as a duplicate and
for lack of a pass), reservations, wallet charges and payments, the arena's waiting room
(join, status, pass, holds with the pass), a seat-stream subscriber, and a burst from one user that gets 429s.

    python3 scripts/dashboard_load.py API_URL SECONDS

Prints a count of answers by status; exits non-zero when a status the dashboards need
(201, 403, 409, 429) never came back, or when the stack stopped answering.
"""

import collections
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

API = sys.argv[1].rstrip("/")
SECONDS = float(sys.argv[2])
SEEN = collections.Counter()


def call(method, path, token=None, body=None, headers=None):
    req = urllib.request.Request(API + path, method=method)
    req.add_header("Accept", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
        req.add_header("Idempotency-Key", str(uuid.uuid4()))
    try:
        with urllib.request.urlopen(req, data=data, timeout=15) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    SEEN[status] += 1
    try:
        doc = json.loads(raw or b"null")
    except ValueError:
        doc = None
    payload = doc.get("data") if isinstance(doc, dict) else None
    return status, payload


def items(x):
    if isinstance(x, list):
        return x
    for k in ("items", "content", "data", "events", "performances"):
        if isinstance(x, dict) and isinstance(x.get(k), list):
            return x[k]
    return []


def login(email, password, name=None):
    if name:
        call("POST", "/auth/register", body={"email": email, "password": password, "name": name})
    status, d = call("POST", "/auth/login", body={"email": email, "password": password})
    if status != 200:
        sys.exit(f"login as {email} answered {status}")
    return d["accessToken"]


def performance_at(token, venue):
    _, events = call("GET", "/events", token)
    event = next(e for e in items(events) if (e.get("venue") or {}).get("name") == venue)
    _, perfs = call("GET", f"/events/{event['id']}/performances", token)
    return items(perfs)[0]["id"]


def free_seats(token, perf, n):
    _, d = call("GET", f"/performances/{perf}/seats", token)
    return [s["id"] for s in (d or {}).get("seats", []) if s["status"] == "AVAILABLE"][:n]


def reserve_and_pay(token, hold_id):
    status, r = call(
        "POST",
        "/reservations",
        token,
        {"holdId": hold_id, "attendee": {"name": "Dashboard Check", "phone": "010-0000-0000"}},
    )
    if status == 201:
        call("POST", "/wallet/charge", token, {"amount": 1_000_000})
        call("POST", "/payments", token, {"reservationId": r["reservationId"]})


def arena_pass(token, arena):
    status, d = call("POST", f"/queue/{arena}/join", token)
    if status not in (200, 201):
        return None
    ticket = d["queueToken"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, s = call("GET", f"/queue/{arena}/status", token, headers={"Queue-Token": ticket})
        if s and s.get("passToken"):
            return s["passToken"]
        time.sleep(0.5)
    return None


def main():
    suffix = uuid.uuid4().hex[:8]
    demo = login("demo@holdfast.dev", "demo-password")
    users = [
        login(f"dash-{suffix}-{i}@holdfast.dev", "dashboard-password", f"Dash {i}") for i in range(3)
    ]
    hall = performance_at(demo, "Holdfast Hall")
    arena = performance_at(demo, "Holdfast Arena")

    # Hall: one user holds a seat, another asks for the same one (409 SEAT_UNAVAILABLE,
    # holds_conflicted_total{reason="taken"}), the first reserves and pays.
    seat = free_seats(demo, hall, 1)
    status, hold = call("POST", "/holds", users[0], {"performanceId": hall, "seatIds": seat})
    call("POST", "/holds", users[1], {"performanceId": hall, "seatIds": seat})
    if status == 201:
        reserve_and_pay(users[0], hold["holdId"])

    # Arena without a pass: 403 QUEUE_PASS_REQUIRED (gateway reject no_pass).
    call("POST", "/holds", users[2], {"performanceId": arena, "seatIds": free_seats(demo, arena, 1)})
    passes = {i: arena_pass(u, arena) for i, u in enumerate(users)}

    # One seat-stream subscriber (SSE) for the length of the load: seat_stream_connections.
    stream = urllib.request.Request(API + f"/performances/{hall}/seats/stream")
    stream.add_header("Accept", "text/event-stream")
    stream.add_header("Authorization", "Bearer " + demo)
    try:
        subscriber = urllib.request.urlopen(stream, timeout=10)
        SEEN[subscriber.status] += 1
    except (urllib.error.URLError, OSError) as e:
        sys.exit(f"load: the seat stream did not open: {e}")

    deadline = time.monotonic() + SECONDS
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for i, token in enumerate(users):
            call("GET", "/events", token)
            call("GET", f"/performances/{hall}/seats", token)
            seats = free_seats(token, arena, 40)
            pick = seats[i * 2 : i * 2 + 1]
            if not pick or not passes[i]:
                continue
            body = {"performanceId": arena, "seatIds": pick}
            qt = {"Queue-Token": passes[i]}
            status, hold = call("POST", "/holds", token, body, qt)
            # The same write again at once: 409 DUPLICATE_REQUEST from the gateway.
            call("POST", "/holds", token, body, qt)
            if status == 201:
                reserve_and_pay(token, hold["holdId"])
        time.sleep(0.2)

    # One user far over the per-user budget: 429 RATE_LIMITED.
    for _ in range(60):
        call("GET", "/auth/me", users[0])

    subscriber.close()
    print(f"load: {rounds} rounds, answers by status: {dict(sorted(SEEN.items()))}")
    missing = [s for s in (201, 403, 409, 429) if not SEEN[s]]
    if missing:
        sys.exit(f"load: never saw HTTP {missing}; some panels would have nothing to show")


if __name__ == "__main__":
    main()
