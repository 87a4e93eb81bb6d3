"""Checks behind scripts/check-dashboards.

    python3 scripts/check_dashboards.py static            dashboards JSON and compose structure
    python3 scripts/check_dashboards.py eval PROM_URL     every panel query and alert rule

`static`: every grafana/dashboards/*.json is a dashboard (schemaVersion, uid, title), panel
ids are unique, every panel and target names its data source by the `${datasource}`
variable, every variable a query uses is defined. docker-compose.yml has the services,
health checks, depends_on conditions and named volumes the stack needs, and no secret values.

`eval`: through Prometheus' HTTP API, every panel target (with `$instance` and
`$performance` as `.*` and `$__rate_interval` as 1m) must parse and return at least one
series; every template variable's `label_values` must return values; every alert rule
expression must parse and every rule must be loaded with health "ok".
"""

import glob
import json
import os
import re
import sys
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARDS = sorted(glob.glob(os.path.join(ROOT, "grafana", "dashboards", "*.json")))
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("  FAIL " + msg)


def panels_of(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])


def check_dashboard(path):
    name = os.path.basename(path)
    with open(path) as f:
        dash = json.load(f)
    for key in ("uid", "title", "schemaVersion", "panels", "templating"):
        if key not in dash:
            fail(f"{name}: no {key}")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        fail(f"{name}: schemaVersion must be an integer >= 36")
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    if variables.get("datasource", {}).get("type") != "datasource":
        fail(f"{name}: no 'datasource' variable of type datasource")
    ids = [p.get("id") for p in panels_of(dash)]
    dupes = {i for i in ids if ids.count(i) > 1}
    if None in ids or dupes:
        fail(f"{name}: panel ids missing or repeated: {sorted(map(str, dupes))}")
    n = 0
    for p in panels_of(dash):
        if p.get("type") == "row":
            continue
        if p.get("datasource", {}).get("uid") != "${datasource}":
            fail(f"{name}: panel {p.get('title')!r} does not use the ${{datasource}} variable")
        if not p.get("targets"):
            fail(f"{name}: panel {p.get('title')!r} has no query")
        for t in p.get("targets", []):
            n += 1
            if t.get("datasource", {}).get("uid") != "${datasource}":
                fail(f"{name}: a target of {p.get('title')!r} does not use ${{datasource}}")
            for var in re.findall(r"\$(?:\{)?([A-Za-z_]\w*)", t.get("expr", "")):
                if not var.startswith("__") and var not in variables:
                    fail(f"{name}: {p.get('title')!r} uses undefined variable ${var}")
    print(f"  ok   {name}: {len(ids)} panels, {n} queries, variables {sorted(variables)}")
    return dash


def check_compose():
    import yaml  # Debian: python3-yaml

    path = os.path.join(ROOT, "docker-compose.yml")
    with open(path) as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    want = ["postgres", "redis", "migrate", "core-api-1", "core-api-2", "gateway", "prometheus", "grafana"]
    for s in want:
        if s not in services:
            fail(f"docker-compose.yml: no service {s}")
    for name, svc in services.items():
        # One-shots (migrate, bootstrap-admin: restart "no") exit; they need no healthcheck.
        if svc.get("restart") != "no" and "healthcheck" not in svc:
            fail(f"docker-compose.yml: {name} has no healthcheck")
        deps = svc.get("depends_on", {})
        if isinstance(deps, list):
            fail(f"docker-compose.yml: {name}'s depends_on has no conditions")
        for dep, cond in (deps or {}).items():
            if dep not in services:
                fail(f"docker-compose.yml: {name} depends on unknown {dep}")
            if cond.get("condition") not in ("service_healthy", "service_completed_successfully", "service_started"):
                fail(f"docker-compose.yml: {name} -> {dep} has no valid condition")
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if not src.startswith((".", "/")) and src not in (compose.get("volumes") or {}):
                fail(f"docker-compose.yml: {name} uses undeclared volume {src}")
        env = svc.get("environment", {})
        items = env.items() if isinstance(env, dict) else [tuple((e.split("=", 1) + [""])[:2]) for e in env]
        for k, v in items:
            if re.search(r"SECRET|PASSWORD", k) and v is not None and not re.fullmatch(r"\$\{[^}]+\}", str(v)):
                fail(f"docker-compose.yml: {name} sets {k} to a literal value; use ${{...}} from .env")
    print(f"  ok   docker-compose.yml: services {sorted(services)}")


def static():
    if not DASHBOARDS:
        fail("no grafana/dashboards/*.json")
    for path in DASHBOARDS:
        check_dashboard(path)
    check_compose()


def query(prom, q):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def substitute(expr):
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m")
    return re.sub(r"\$\{?(instance|performance)\}?", ".*", expr)


def evaluate(prom):
    n_targets = n_nan = 0
    for path in DASHBOARDS:
        with open(path) as f:
            dash = json.load(f)
        name = os.path.basename(path)
        for v in dash["templating"]["list"]:
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", v.get("definition", ""))
            if not m:
                continue
            url = f"{prom}/api/v1/label/{m.group(2)}/values?" + urllib.parse.urlencode({"match[]": m.group(1)})
            with urllib.request.urlopen(url, timeout=30) as r:
                values = json.load(r).get("data", [])
            if values:
                print(f"  ok   {name} ${v['name']}: {len(values)} values")
            else:
                fail(f"{name}: variable ${v['name']} ({v['definition']}) has no values")
        for p in panels_of(dash):
            for t in p.get("targets", []):
                n_targets += 1
                expr = substitute(t["expr"])
                res = query(prom, expr)
                where = f"{name} / {p['title']} / {t['refId']}"
                if res.get("status") != "success":
                    fail(f"{where}: {res.get('errorType')}: {res.get('error')}\n       {expr}")
                    continue
                result = res["data"]["result"]
                if not result:
                    fail(f"{where}: no data\n       {expr}")
                    continue
                values = [s["value"][1] for s in result]
                nan = all(v in ("NaN", "+Inf", "-Inf") for v in values)
                n_nan += nan
                shown = ", ".join(sorted(set(values))[:3])
                print(f"  ok   {where}: {len(result)} series ({shown}{' — no samples in the window' if nan else ''})")
    import yaml

    n_rules = 0
    with open(os.path.join(ROOT, "prometheus", "alerts.yml")) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            n_rules += 1
            res = query(prom, rule["expr"])
            label = rule.get("alert") or rule.get("record")
            if res.get("status") != "success":
                fail(f"rule {label}: {res.get('errorType')}: {res.get('error')}")
            else:
                firing = len(res["data"]["result"])
                print(f"  ok   rule {label}: parses, {firing} series match now")
    with urllib.request.urlopen(prom + "/api/v1/rules", timeout=30) as r:
        loaded = [rule for g in json.load(r)["data"]["groups"] for rule in g["rules"]]
    bad = [r["name"] for r in loaded if r.get("health") != "ok"]
    if len(loaded) != n_rules or bad:
        fail(f"Prometheus loaded {len(loaded)} of {n_rules} rules; unhealthy: {bad}")
    print(
        f"dashboards: {n_targets} panel queries evaluated ({n_nan} returned only NaN), "
        f"{n_rules} alert rules evaluated and loaded, {len(FAILURES)} failures"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["static"]:
        static()
    elif sys.argv[1:2] == ["eval"] and len(sys.argv) == 3:
        evaluate(sys.argv[2].rstrip("/"))
    else:
        sys.exit(__doc__)
    sys.exit(1 if FAILURES else 0)
