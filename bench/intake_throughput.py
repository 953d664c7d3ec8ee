"""Intake throughput benchmark: many clients writing audited records into ONE organization.

Target (issue 11, speed point 1): at least 300 audited writes/s sustained for 60 s, p99 under
250 ms, with 32 concurrent clients on loopback against PostgreSQL on this 2-core machine, all
writes into one organization (the worst case for the per-organization audit chain, whose
head row every write must lock); afterwards every accepted write is stored exactly once and
`safetyhub audit verify` passes.

What it does, all on 127.0.0.1:

1. creates a fresh database `safetyhub_bench_intake` (PostgreSQL on 127.0.0.1:5432, user
   postgres, trust authentication) and runs `migrate`;
2. creates an organization, an admin with an API token and an initiative, through the
   services;
3. for each phase, starts `safetyhub serve` (gunicorn, `--workers`/`--worker-class`/`--threads`
   as given) on a free port, waits for /healthz, and runs `--clients` client threads, each with
   its own HTTP connection, in a closed loop (a client sends its next write the moment it has
   its answer) for `--warmup` seconds unmeasured, then `--seconds` measured;
4. prints requests/s, p50/p95/p99/max latency and errors for each phase, then checks: the ids
   the server answered are all different, every one is stored exactly once (rows carrying the
   phase's marker) with exactly one `create` entry in the audit trail, nothing was stored that
   was not answered, and `safetyhub audit verify` (the real command) passes.

The write is an endpoint parameter, so the same run can point at event intake (below):
`--path` (default: add a progress note to the initiative, POST
/api/v1/orgs/{slug}/initiatives/{initiative}/notes), `--body` (JSON with `{marker}`, which
becomes a unique text per request), `--model` and `--marker-field` (where the marker is
stored) and the answer's `id`. Placeholders: {slug}, {initiative}, {marker}.

The baseline, measured in the same run (`--baseline`):
- `old-append` (default): the same load against a server using Django's stock PostgreSQL
  backend and one lane (AUDIT_CHAIN_LANES=1). Without our pre-commit hook
  (safetyhub/core/backends) `audit.record` appends each entry where it is made, as before
  this change, so the one chain head stays locked from the first write to the commit: the old
  path, same code otherwise. Then, as a second baseline, the pre-commit append with one lane:
  the head is locked only for the append and the commit, but the commit waits for the disk
  (fsync), which caps one lane at a few hundred writes/s on this machine.
- `one-client`: the same load from a single client (the latency floor, no contention).
- `none`.

Run: ./dev bench intake_throughput [--clients 32] [--seconds 60] [--baseline old-append]
Event intake (issue 11's target), each report a named staff report into the one organization:
  ./dev bench intake_throughput --baseline none --path /api/v1/orgs/{slug}/events \
    --model events.EventReport --marker-field narrative --body '{"event_type": "incident",
    "category": "fall", "occurred_at": "{now}", "harm_level": "mild", "narrative":
    "{marker}", "answers": {"injury": "none"}}'
A quick look: ./dev bench intake_throughput --seconds 10
The chain alone, without HTTP: ./dev bench intake_throughput --direct [--hold-ms 5]

Other work on the same two cores (test suites, browsers) slows every figure: the load
average is printed before and after.
"""

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# The autosave benchmark's server and process helpers (bench/ is on sys.path when a bench
# runs as a script).
from autosave import (
    PG,
    admin_sql,
    cpu_by_side,
    cpu_line,
    free_port,
    load_average,
    stop_server,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "safetyhub_bench_intake"
DEFAULT_PATH = "/api/v1/orgs/{slug}/initiatives/{initiative}/notes"
DEFAULT_BODY = '{"text": "{marker}"}'
TARGET_RPS, TARGET_P99_MS = 300.0, 250.0
STOCK_SETTINGS = """# Written by bench/intake_throughput.py: the product's settings with
# Django's stock PostgreSQL backend, which has no pre-commit hook, so audit entries are
# appended in place (the old path, for the baseline; the bench also sets one lane).
from safetyhub.settings import *  # noqa: F403

DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"  # noqa: F405
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=60.0, help="measured time per phase")
    p.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    p.add_argument("--baseline", choices=["old-append", "one-client", "none"],
                   default="old-append")
    p.add_argument("--path", default=DEFAULT_PATH, help="the audited write to POST")
    p.add_argument("--body", default=DEFAULT_BODY, help="its JSON body, with {marker}")
    p.add_argument("--model", default="improvement.ProgressNote",
                   help="the model a write creates (app_label.Model), for the checks")
    p.add_argument("--marker-field", default="text", help="the field that holds {marker}")
    p.add_argument("--workers", type=int, default=0,
                   help="gunicorn workers (default: what `safetyhub serve` runs)")
    p.add_argument("--worker-class", default="", help="default: what `safetyhub serve` runs")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--conn-max-age", default="60", help="DATABASE_CONN_MAX_AGE for the server")
    p.add_argument("--direct", action="store_true",
                   help="no HTTP: client threads in this process call the service (a progress "
                        "note) in a transaction each, to measure the audit chain alone")
    p.add_argument("--hold-ms", type=float, default=0.0,
                   help="--direct: the rest of a request, after the write, before COMMIT")
    return p.parse_args()


# --- data ----------------------------------------------------------------------------------


def set_up_data() -> dict:
    """An organization, its admin's API token and an initiative, made through the services."""
    import logging

    import django

    django.setup()
    logging.getLogger("safetyhub.request").setLevel(logging.WARNING)
    from django.db import connection

    from safetyhub.core import audit
    from safetyhub.core import services as core_services
    from safetyhub.core.models import Membership, Organization, Role, User
    from safetyhub.improvement import services as improvement_services

    with audit.acting_as(label="bench"):
        org = Organization.objects.create(name="Bench Intake General", slug="intake")
        admin = User.objects.create_user(email="admin@intake.example", full_name="Intake Admin")
        Membership.objects.create(organization=org, user=admin, role=Role.ORG_ADMIN)
        token = core_services.create_api_token(user=admin, name="bench")[1]
        for k in range(3):  # reviewers, as a real organization has: told of every report
            reviewer = User.objects.create_user(email=f"reviewer{k}@intake.example",
                                                full_name=f"Reviewer {k}")
            Membership.objects.create(organization=org, user=reviewer,
                                      role=Role.EVENT_REVIEWER)
        initiative = improvement_services.create_initiative(
            organization=org, by=admin, title="Bench intake target")
    connection.close()
    return {"slug": org.slug, "initiative": initiative.pk, "token": token, "org": org.pk,
            "admin": admin.pk}


def fill(template: str, data: dict, marker: str = "") -> str:
    # str.replace, not format(): JSON bodies are full of braces. {now}: this moment (UTC,
    # ISO 8601), e.g. an event report's occurred_at, which may not precede the bench
    # organization made a moment ago.
    now = dt.datetime.now(dt.UTC).isoformat()
    for name, value in (("slug", data["slug"]), ("initiative", data["initiative"]),
                        ("marker", marker), ("now", now)):
        template = template.replace("{" + name + "}", str(value))
    return template


# --- load ----------------------------------------------------------------------------------


class Result:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.ids: list[int] = []
        self.errors: dict[str, int] = {}
        self.unmeasured = 0  # writes accepted during the warm-up
        self.lock = threading.Lock()
        self.wall = 0.0

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def run_phase(*, port: int, data: dict, args, clients: int, prefix: str) -> Result:
    """`clients` threads in a closed loop: `args.warmup` s unmeasured, then `args.seconds`."""
    result = Result()
    path = fill(args.path, data)
    headers = {"Authorization": f"Bearer {data['token']}", "Content-Type": "application/json"}
    start = time.monotonic()
    measure_from = start + args.warmup
    stop_at = measure_from + args.seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        try:
            while (now := time.monotonic()) < stop_at:
                measured = now >= measure_from
                i += 1
                body = fill(args.body, data, marker=f"{prefix}-{n}-{i}")
                t0 = time.perf_counter()
                try:
                    conn.request("POST", path, body=body.encode(), headers=headers)
                    response = conn.getresponse()
                    raw = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()  # reconnect on the next request (sync workers close each one)
                    result.error(type(exc).__name__)
                    continue
                elapsed = time.perf_counter() - t0
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                if response.status != 201:
                    result.error(f"HTTP {response.status}")
                    continue
                pk = json.loads(raw)["id"]
                with result.lock:
                    result.ids.append(pk)
                    if measured:
                        result.latencies.append(elapsed)
                    else:
                        result.unmeasured += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.warmup + args.seconds + 120)
    result.wall = args.seconds
    return result


def run_direct_phase(*, data: dict, args, clients: int, prefix: str, lanes: int,
                     in_place: bool) -> Result:
    """`clients` threads, each on its own connection, each adding a progress note in a
    transaction of its own (as a request does), closed loop; `in_place` appends the entry
    where it is made, as before the pre-commit hook, so the head stays locked to the end."""
    from django.conf import settings
    from django.db import connections, transaction

    from safetyhub.core import audit
    from safetyhub.core.models import User
    from safetyhub.improvement import services
    from safetyhub.improvement.models import Initiative

    settings.AUDIT_CHAIN_LANES = lanes
    admin = User.objects.get(pk=data["admin"])
    initiative = Initiative.objects.get(pk=data["initiative"])
    connections.close_all()
    result = Result()
    measure_from = time.monotonic() + args.warmup
    stop_at = measure_from + args.seconds

    def client(n: int) -> None:
        i = 0
        try:
            while (now := time.monotonic()) < stop_at:
                i += 1
                t0 = time.perf_counter()
                try:
                    with transaction.atomic():
                        note = services.add_progress_note(initiative=initiative, by=admin,
                                                          text=f"{prefix}-{n}-{i}")
                        if in_place:
                            audit.flush()
                        if args.hold_ms:
                            time.sleep(args.hold_ms / 1000)
                except Exception as exc:  # counted and reported
                    result.error(type(exc).__name__)
                    continue
                elapsed = time.perf_counter() - t0
                with result.lock:
                    result.ids.append(note.pk)
                    if now >= measure_from:
                        result.latencies.append(elapsed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.warmup + args.seconds + 120)
    result.wall = args.seconds
    return result


def direct(args, data: dict, env: dict) -> bool:
    """The audit chain's own capacity for one organization, without HTTP and Django's
    request handling (which cost more CPU than two cores have for 300 requests/s)."""
    hold = f", {args.hold_ms:.0f} ms more work before COMMIT" if args.hold_ms else ""
    print(f"-- direct: {args.clients} threads in this process, each its own connection, one "
          f"transaction per note{hold}")
    failed = False
    for name, label, lanes, in_place in (
            ("old", "appended in place, 1 lane (old path)", 1, True),
            ("onelane", "appended before COMMIT, 1 lane", 1, False),
            ("new", "appended before COMMIT, 8 lanes (this code)", 8, False)):
        result = run_direct_phase(data=data, args=args, clients=args.clients,
                                  prefix=f"direct-{name}", lanes=lanes, in_place=in_place)
        report(f"{label}, {args.clients} threads", result)
        failed = bool(check_stored(args=args, data=data, result=result,
                                   prefix=f"direct-{name}", env=env)) or failed
    return failed


def report(label: str, result: Result) -> dict:
    lat = sorted(x * 1000 for x in result.latencies)
    if not lat:
        print(f"  {label}: no successful requests; errors {result.errors}")
        return {}

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat) + 0.5) - 1))]

    figures = {"count": len(lat), "rps": len(lat) / result.wall, "p50": statistics.median(lat),
               "p95": pct(95), "p99": pct(99), "max": lat[-1]}
    errors = sum(result.errors.values())
    print(f"  {label:<44} {figures['rps']:6.1f} req/s  n={figures['count']:<6} "
          f"p50 {figures['p50']:6.1f}  p95 {figures['p95']:6.1f}  p99 {figures['p99']:6.1f}  "
          f"max {figures['max']:7.1f} ms  errors {errors}"
          + (f" {result.errors}" if errors else ""))
    return figures


# --- checks --------------------------------------------------------------------------------


def check_stored(*, args, data: dict, result: Result, prefix: str, env: dict) -> list[str]:
    """Every accepted write stored exactly once, with exactly one create entry; nothing stored
    that was not accepted; the audit trail verifies (the real `safetyhub audit verify`)."""
    from django.apps import apps
    from django.db import connection

    from safetyhub.core.models import AuditEntry

    problems = []
    model = apps.get_model(args.model)
    ids = result.ids
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} ids were answered twice")
    stored = list(model.objects.filter(**{f"{args.marker_field}__startswith": f"{prefix}-"})
                  .values_list("pk", args.marker_field))
    markers = [marker for _pk, marker in stored]
    if len(set(markers)) != len(markers):
        problems.append(f"{len(markers) - len(set(markers))} writes were stored twice")
    stored_ids = {pk for pk, _marker in stored}
    if missing := set(ids) - stored_ids:
        problems.append(f"{len(missing)} accepted writes are not stored")
    if unanswered := stored_ids - set(ids):
        problems.append(f"{len(unanswered)} stored writes were never answered "
                        "(a client gave up on them)")
    rows = list(AuditEntry.objects.filter(
        organization_id=data["org"], object_type=model._meta.label,
        action=AuditEntry.Action.CREATE, object_id__in=[str(pk) for pk in stored_ids])
        .values_list("object_id", "chain"))
    entries = [object_id for object_id, _chain in rows]
    lanes = len({chain for _object_id, chain in rows})
    if len(entries) != len(stored_ids) or set(entries) != {str(pk) for pk in stored_ids}:
        problems.append(f"{len(stored_ids)} writes stored but {len(entries)} create entries "
                        f"({len(set(entries))} distinct) in the audit trail")
    connection.close()
    verify = subprocess.run([sys.executable, "-m", "safetyhub.cli", "audit", "verify"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if verify.returncode != 0:
        problems.append(f"safetyhub audit verify failed: {verify.stderr.strip()[-500:]}")
    print(f"  checks: {len(ids)} accepted (warm-up included), {len(stored)} stored, "
          f"{len(entries)} create entries (in {lanes} lane{'s' * (lanes != 1)}); audit verify: "
          f"{(verify.stdout or verify.stderr).strip().splitlines()[-1]}"
          + ("" if not problems else "\n  PROBLEMS: " + "; ".join(problems)))
    return problems


# --- main ----------------------------------------------------------------------------------


def serve(args, env: dict, work: Path, name: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [sys.executable, "-m", "safetyhub.cli", "serve", "--bind", f"127.0.0.1:{port}",
           "--workers", str(args.workers), "--worker-class", args.worker_class,
           "--threads", str(args.threads)]
    with open(work / f"server-{name}.log", "wb") as out:
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out,  # noqa: S603 - fixed
                                  stderr=subprocess.STDOUT, start_new_session=True)
    wait_healthy(port, server)
    return server, port


def main() -> int:
    args = parse_args()
    from safetyhub.core.management.commands.serve import default_workers

    args.workers = args.workers or default_workers()
    work = Path(tempfile.mkdtemp(prefix="safetyhub-bench-intake-"))
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "safetyhub.settings",
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DB_NAME}",
        "DATABASE_CONN_MAX_AGE": args.conn_max_age,
        "SAFETYHUB_DATA_DIR": str(work),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DEBUG": "false",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{work}",
    }
    os.environ.update(env)
    (work / "static").mkdir()
    (work / "intake_stock_settings.py").write_text(STOCK_SETTINGS)
    sys.path.insert(0, str(ROOT))
    status = 1
    server = None
    try:
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{DB_NAME}"')
        subprocess.run([sys.executable, "-m", "safetyhub.cli", "migrate", "--verbosity", "0"],
                       cwd=ROOT, env=env, check=True, timeout=600)
        data = set_up_data()
        threads = f" x {args.threads} threads" if args.threads else ""
        print(f"SafetyHub intake benchmark: POST {fill(args.path, data)}, all into one "
              f"organization; {args.clients} clients, closed loop, {args.warmup:.0f} s warm-up "
              f"+ {args.seconds:.0f} s measured per phase; gunicorn {args.workers} x "
              f"{args.worker_class or 'sync'} workers{threads}, PostgreSQL, "
              f"{os.cpu_count()} CPUs; load average {load_average()}")
        lanes = env.get("AUDIT_CHAIN_LANES", "8")
        phases = [("new", f"appended before COMMIT, {lanes} lanes (this code)",
                   args.clients, env | {"AUDIT_CHAIN_LANES": lanes})]
        if args.baseline == "old-append":
            phases[:0] = [
                ("old", "baseline: appended in place, 1 lane (old path)", args.clients,
                 env | {"DJANGO_SETTINGS_MODULE": "intake_stock_settings",
                        "AUDIT_CHAIN_LANES": "1"}),
                ("onelane", "appended before COMMIT, 1 lane", args.clients,
                 env | {"AUDIT_CHAIN_LANES": "1"}),
            ]
        elif args.baseline == "one-client":
            phases.insert(0, ("single", "baseline: one client alone", 1, env))
        failed = False
        figures = {}
        if args.direct:
            phases = []
            failed = direct(args, data, env)
        for name, label, clients, server_env in phases:
            server, port = serve(args, server_env, work, name)
            try:
                before = cpu_by_side(server.pid, DB_NAME)
                result = run_phase(port=port, data=data, args=args, clients=clients,
                                   prefix=f"bench-{name}")
                after = cpu_by_side(server.pid, DB_NAME)
            finally:
                stop_server(server)
                server = None
            figures[name] = report(f"{label}, {clients} client{'s' * (clients > 1)}",
                                   result)
            print(cpu_line("", before, after, len(result.ids)))
            problems = check_stored(args=args, data=data, result=result,
                                    prefix=f"bench-{name}", env=env)
            failed = failed or bool(problems)
            if result.errors:
                log = (work / f"server-{name}.log").read_text(errors="replace")
                tail = [line for line in log.splitlines() if "Traceback" in line or
                        "Error" in line][-5:]
                print("  server log (errors):", *tail, sep="\n    ")
        new = figures.get("new") or {}
        if new:
            meets = new["rps"] >= TARGET_RPS and new["p99"] < TARGET_P99_MS
            print(f"target >= {TARGET_RPS:.0f} writes/s and p99 < {TARGET_P99_MS:.0f} ms at "
                  f"{args.clients} clients for {args.seconds:.0f} s: "
                  f"{'meets' if meets else 'MISSES'} ({new['rps']:.1f} writes/s, "
                  f"p99 {new['p99']:.1f} ms)")
        print(f"load average at the end {load_average()}")
        status = 1 if failed else 0
    finally:
        if server is not None:
            stop_server(server)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
