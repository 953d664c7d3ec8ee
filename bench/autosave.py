"""Autosave benchmark: 50 assessors saving answers at once against PostgreSQL.

Target (issue 4): autosave of one answer, p95 under 50 ms with 50 concurrent assessors,
PostgreSQL on this 2-core machine, load generated on loopback.

What it does, all on 127.0.0.1 and bounded in count and time:

1. creates a fresh database `safetyhub_bench` (PostgreSQL on 127.0.0.1:5432, user postgres,
   trust authentication) and runs `migrate`;
2. creates an organization, an instrument assessment (pack `safetyhub-sa`) with a team of
   50, an API token and a signed-in browser session for each member, and counts the
   queries one autosave makes;
3. starts `safetyhub serve` (gunicorn, with the workers it runs by default unless
   --workers/--worker-class/--threads say otherwise) on a free port and waits for /healthz;
4. runs 50 client threads, each with its own HTTP connection (sync workers close it after
   each answer: the client's reconnect is part of the time measured): a warm-up, then
   `--rounds` autosaves each, going through the items (the first saves insert, later ones
   update), by both ways an answer is saved:
   - the API: PUT /api/v1/orgs/{slug}/assessments/{id}/responses/{key} with a token;
   - the answer sheet: the HTMX POST /o/{slug}/assessments/{id}/answer/{key}/ a browser
     sends when a score is clicked (session cookie, CSRF token), answered with the row's
     feedback;
   and, as a same-run baseline, the same number of GET /healthz;
5. prints count, median, p95, p99, max (ms) and throughput, and for the closed loop the CPU
   one request costs the web server, PostgreSQL and the load generator (from /proc), which
   bounds the throughput two cores can give; then stops the server and drops the database.

Three load shapes (all by default):
- `single`: one client alone, for the latency floor with no concurrency;
- `paced`: each assessor waits a think time between saves (uniform around `--think-ms`,
  default 1000 ms: a fast assessor answering one element a second, 50 saves/s in all);
- `closed`: no think time, every client saves again the moment it has its answer: 50
  requests always in flight, which measures the server's capacity (throughput) and the queue
  that forms when more work arrives than two cores can do.

Run: .venv/bin/python bench/autosave.py [--clients 50] [--rounds 20] [--shape all]

The machine's load average is printed before and after: other work on the same two cores
(test suites, browsers) slows every figure, so compare runs made on a quiet machine.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "safetyhub_bench"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DEADLINE_S = 600  # the whole measurement phase; clients stop when it passes


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rounds", type=int, default=20, help="measured requests per client")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured requests per client")
    p.add_argument("--shape", choices=["single", "paced", "closed", "all"], default="all")
    p.add_argument("--think-ms", type=float, default=1000.0,
                   help="mean think time between one assessor's saves (paced shape)")
    p.add_argument("--workers", type=int, default=0,
                   help="gunicorn workers (default: what `safetyhub serve` runs)")
    p.add_argument("--worker-class", default="", help="default: what `safetyhub serve` runs")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--verbose", action="store_true", help="list the queries of one autosave")
    p.add_argument("--conn-max-age", default="60", help="DATABASE_CONN_MAX_AGE for the server")
    return p.parse_args()


# --- database ------------------------------------------------------------------------------


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        conn.execute(statement)


def create_database() -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


# --- data ----------------------------------------------------------------------------------


def set_up_data(clients: int) -> dict:
    """Org, 50-person assessment and tokens, made through the services in this process."""
    import logging

    import django

    django.setup()
    logging.getLogger("safetyhub.request").setLevel(logging.WARNING)  # the server logs its own
    from django.conf import settings
    from django.db import connection
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils.crypto import get_random_string

    from safetyhub.assessments import services
    from safetyhub.core import audit
    from safetyhub.core import services as core_services
    from safetyhub.core.models import Membership, Organization, Role, User
    from safetyhub.frameworks.models import Pack, PackItem

    with audit.acting_as(label="bench"):
        org = Organization.objects.create(name="Bench General", slug="bench")
        lead = User.objects.create_user(email="lead@bench.example", full_name="Bench Lead")
        Membership.objects.create(organization=org, user=lead, role=Role.SAFETY_LEAD)
        team = []
        for n in range(clients):
            user = User.objects.create_user(email=f"assessor{n}@bench.example",
                                            full_name=f"Assessor {n}")
            Membership.objects.create(organization=org, user=user, role=Role.ASSESSOR)
            team.append(user)
        pack = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
        assessment = services.start_assessment(
            organization=org, pack=pack, title="Bench cycle", mode="independent", lead=lead,
            team=team, by=lead)
        tokens = [core_services.create_api_token(user=u, name="bench")[1] for u in team]
        lead_token = core_services.create_api_token(user=lead, name="bench")[1]
    cookies = []
    for user in team:  # a signed-in session per member, and a CSRF cookie as a browser has
        browser = Client()
        browser.force_login(user)
        cookies.append({settings.SESSION_COOKIE_NAME: browser.cookies[
                            settings.SESSION_COOKIE_NAME].value,
                        settings.CSRF_COOKIE_NAME: get_random_string(32, CSRF_ALLOWED_CHARS)})
    keys = list(PackItem.objects.filter(pack=pack, kind=PackItem.Kind.ITEM)
                .order_by("position").values_list("key", flat=True))
    values = services.scale_values(pack)

    # Queries of one autosave (an update of an existing answer), through the real stack.
    client = Client(headers={"authorization": f"Bearer {lead_token}"})
    url = f"/api/v1/orgs/{org.slug}/assessments/{assessment.pk}/responses/{keys[0]}"
    body = json.dumps({"value": "1", "consensus": True})
    client.put(url, body, content_type="application/json")  # creates it; notes token use
    with CaptureQueriesContext(connection) as queries:
        response = client.put(url, body.replace('"1"', '"2"'), content_type="application/json")
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in queries.captured_queries]
    connection.close()
    return {"slug": org.slug, "assessment": assessment.pk, "tokens": tokens,
            "cookies": cookies, "csrf_cookie": settings.CSRF_COOKIE_NAME, "keys": keys,
            "values": values, "queries": statements}


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int, env: dict, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "safetyhub.cli", "serve", "--bind", f"127.0.0.1:{port}",
           "--workers", str(args.workers), "--worker-class", args.worker_class,
           "--threads", str(args.threads)]  # 0 and "" leave gunicorn's own defaults
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out,  # noqa: S603 - fixed argv
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # gunicorn's master stops its workers gracefully on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# --- load ----------------------------------------------------------------------------------


class Result:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()
        self.started = self.ended = 0.0

    def add(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def run_load(*, port: int, data: dict, args, kind: str, think_ms: float, clients: int,
             rounds: int | None = None) -> Result:
    """`kind` api, page or healthz; each client warms up, then makes `rounds` requests."""
    result = Result()
    barrier = threading.Barrier(clients + 1)
    deadline = time.monotonic() + DEADLINE_S
    assessment = f"orgs/{data['slug']}/assessments/{data['assessment']}"

    def client(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookies = data["cookies"][n]
        headers = {
            "api": {"Authorization": f"Bearer {data['tokens'][n]}",
                    "Content-Type": "application/json"},
            "page": {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                     "X-CSRFToken": cookies[data["csrf_cookie"]], "HX-Request": "true",
                     "Content-Type": "application/x-www-form-urlencoded"},
            "healthz": {},
        }[kind]
        keys = data["keys"]
        offset = rng.randrange(len(keys))

        def one(i: int, measured: bool) -> None:
            key = keys[(offset + i) % len(keys)]
            value = rng.choice(data["values"])
            if kind == "api":
                method, path = "PUT", f"/api/v1/{assessment}/responses/{key}"
                body = json.dumps({"value": value})
            elif kind == "page":
                method, path = "POST", f"/o/{assessment.removeprefix('orgs/')}/answer/{key}/"
                body = f"value={value}"
            else:
                body, method, path = None, "GET", "/healthz"
            for attempt in (1, 2):
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    break
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()  # reconnects on the next request
                    # The server closes a connection idle past its keep-alive time (a think
                    # time can be longer): try once more on a new connection, uncounted.
                    if attempt == 2 or not isinstance(exc, (ConnectionError,
                                                            http.client.RemoteDisconnected)):
                        result.error(type(exc).__name__)
                        return
            elapsed = time.perf_counter() - t0
            if response.status != 200:
                result.error(f"HTTP {response.status}")
            elif measured:
                result.add(elapsed)

        def pause() -> None:
            if think_ms:
                time.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)

        try:
            for i in range(args.warmup):
                one(i, measured=False)
            barrier.wait(timeout=120)
            if think_ms:  # spread the assessors' first saves over one think time
                time.sleep(rng.uniform(0, think_ms / 1000))
            for i in range(args.rounds if rounds is None else rounds):
                if time.monotonic() > deadline:
                    result.error("deadline")
                    break
                one(args.warmup + i, measured=True)
                pause()
        except threading.BrokenBarrierError:
            result.error("barrier")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True)
               for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait(timeout=120)
    result.started = time.perf_counter()
    for t in threads:
        t.join(timeout=DEADLINE_S + 60)
    result.ended = time.perf_counter()
    return result


def report(label: str, result: Result) -> dict:
    lat = sorted(x * 1000 for x in result.latencies)
    if not lat:
        print(f"{label}: no successful requests; errors {result.errors}")
        return {}

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat) + 0.5) - 1))]

    wall = result.ended - result.started
    figures = {"count": len(lat), "median": statistics.median(lat), "p95": pct(95),
               "p99": pct(99), "max": lat[-1], "rps": len(lat) / wall if wall else 0.0}
    errors = f"  errors {result.errors}" if result.errors else ""
    print(f"{label:<34} n={figures['count']:<5} median {figures['median']:7.1f}  "
          f"p95 {figures['p95']:7.1f}  p99 {figures['p99']:7.1f}  max {figures['max']:7.1f} ms"
          f"  {figures['rps']:7.1f} req/s{errors}")
    return figures


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def cpu_by_side(server_pid: int, db_name: str = DB_NAME) -> dict[str, dict[int, float]]:
    """CPU seconds used so far, per process, by the web server (gunicorn master and workers),
    by the PostgreSQL backends of the bench database, and by this load generator."""
    tick = os.sysconf("SC_CLK_TCK")
    sides: dict[str, dict[int, float]] = {"web": {}, "postgres": {}, "load": {}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat(pid)
        if fields is None:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if pid == server_pid or int(fields[1]) == server_pid:  # the master or its workers
            sides["web"][pid] = seconds
        else:
            with contextlib.suppress(OSError):
                cmdline = (entry / "cmdline").read_bytes()
                if b"postgres" in cmdline and db_name.encode() in cmdline:
                    sides["postgres"][pid] = seconds
    own = os.times()
    sides["load"][os.getpid()] = own.user + own.system
    return sides


def cpu_line(label: str, before: dict, after: dict, count: int) -> str:
    """CPU per request by side, from per-process differences (a backend that exited during
    the phase is not counted, so PostgreSQL's figure is a lower bound)."""
    if not count:
        return f"  {label}: no requests"
    per = {side: sum(secs - before[side].get(pid, 0.0) for pid, secs in after[side].items())
           * 1000 / count for side in after}
    return (f"  {label:<12} CPU per request: web {per['web']:.1f} ms, "
            f"PostgreSQL {per['postgres']:.1f} ms, load generator {per['load']:.1f} ms "
            f"({os.cpu_count()} cores give at most "
            f"{os.cpu_count() * 1000 / max(sum(per.values()), 0.001):.0f} req/s "
            "if nothing else runs)")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    from safetyhub.core.management.commands.serve import default_workers

    args.workers = args.workers or default_workers()
    work = Path(tempfile.mkdtemp(prefix="safetyhub-bench-"))
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "safetyhub.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "DATABASE_CONN_MAX_AGE": args.conn_max_age,
        "SAFETYHUB_DATA_DIR": str(work),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DEBUG": "false",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    (work / "static").mkdir()
    sys.path.insert(0, str(ROOT))
    server = None
    status = 1
    try:
        create_database()
        subprocess.run([sys.executable, "-m", "safetyhub.cli", "migrate", "--verbosity", "0"],
                       cwd=ROOT, env=env, check=True, timeout=300)
        data = set_up_data(args.clients)
        port = free_port()
        server = start_server(args, port, env, work / "server.log")
        wait_healthy(port, server)
        threads = f" ({args.threads} threads)" if args.threads else ""
        print(f"SafetyHub autosave benchmark: {args.clients} clients x {args.rounds} requests "
              f"(+{args.warmup} warm-up), gunicorn {args.workers} x "
              f"{args.worker_class or 'sync'} workers{threads}, PostgreSQL, "
              f"{os.cpu_count()} CPUs, CONN_MAX_AGE={args.conn_max_age}")
        print(f"queries per API autosave (update, through the full stack): "
              f"{len(data['queries'])} (+1 connection health check); "
              f"load average {load_average()}")
        if args.verbose:
            print(*(f"   {q[:160]}" for q in data["queries"]), sep="\n")
        shapes = ["single", "paced", "closed"] if args.shape == "all" else [args.shape]
        kinds = {"healthz": "GET /healthz (baseline)",
                 "api": "PUT …/responses/{key} (API)",
                 "page": "POST …/answer/{key}/ (sheet)"}
        for kind in kinds:  # every worker through every path once before any figure
            run_load(port=port, data=data, args=args, kind=kind, think_ms=0.0,
                     clients=args.clients, rounds=0)
        paced_p95 = {}
        for shape in shapes:
            think = args.think_ms if shape == "paced" else 0.0
            clients = 1 if shape == "single" else args.clients
            title = {"single": "one client alone (no concurrency: the floor)",
                     "paced": f"{clients} assessors, paced (think ~{think:.0f} ms)",
                     "closed": f"{clients} clients, closed loop (no think: capacity)"}[shape]
            print(f"-- {title}")
            cpu_lines = []
            for kind, label in kinds.items():
                before = cpu_by_side(server.pid)
                result = run_load(port=port, data=data, args=args, kind=kind, think_ms=think,
                                  clients=clients)
                after = cpu_by_side(server.pid)
                figures = report(f"  {label}", result)
                cpu_lines.append(cpu_line(kind, before, after, len(result.latencies)))
                if shape == "paced" and kind != "healthz":
                    paced_p95[label] = figures.get("p95", float("inf"))
                if result.errors:
                    tail = (work / "server.log").read_text(errors="replace").splitlines()[-15:]
                    print("  server log (last lines):", *tail, sep="\n    ")
            if shape == "closed":
                print(*cpu_lines, sep="\n")
        for label, p95 in paced_p95.items():
            verdict = "meets" if p95 < 50 else "MISSES"
            print(f"target p95 < 50 ms for {args.clients} assessors (paced), {label}: "
                  f"{verdict} ({p95:.1f} ms)")
        print(f"load average at the end {load_average()}")
        status = 0
    finally:
        if server is not None:
            stop_server(server)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        drop_database()
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
