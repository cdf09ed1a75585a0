"""Certificates: how long issuing one takes, and how many verifications a server answers.

    .venv/bin/python -m bench.certificates.run            # PostgreSQL, then SQLite
    .venv/bin/python -m bench.certificates.run --backend sqlite --runs 5 --duration 5
    make bench-certificates

For each backend a scratch database is created and migrated, and the portal
built on it (testing configuration, its keys in a temporary folder).

1. **Issue.** ``CertificateService.issue`` of a testing commission letter
   委托检测书, committed, timed ``--runs`` times: the next number, the QR token,
   the PDF rendered by WeasyPrint with its QR code and seal, signed by pyHanko
   (PAdES, RSA-3072), stored in the document store, recorded. One warm-up
   issue before (WeasyPrint loads its fonts and stylesheet once per process)
   is not counted. Each PDF is checked to carry a valid signature.
2. **Verify under load.** gunicorn with the project's ``gunicorn.conf.py``
   (gthread; its workers and threads, access log off) serves the portal on
   the scratch database with ``PORTAL_ENV=testing`` on a free port of
   127.0.0.1, and ``wrk`` requests ``GET /verify/<number>?t=<token>`` (the
   page a certificate's QR code opens: a database read, the token checked
   against the JWK Set read from the key folder, the page rendered) for
   ``--duration`` seconds over ``--connections`` connections. Then the same
   gunicorn settings serve a bare Flask app (``bench/certificates/hello.py``)
   and ``wrk`` requests its ``GET /hello`` the same way: the ceiling of this
   machine for a Flask app served so. Each load is preceded by 3 seconds of
   the same load, not measured (the workers load templates and catalogues on
   their first requests). Every response must be 200.

Prints a report and writes it as JSON to ``bench/results/certificates.json``.
Needs Debian's ``wrk`` (``make bench-certificates`` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask

from bench.machine import machine, save_report
from bench.scratch import add_database_arguments, scratch_database
from certificates import verify_pdf
from portal import create_app
from portal.accounts.models import Organization, OrgType
from portal.core.extensions import db, processes
from portal.issuance.services import CertificateService
from tests.helpers import commission_letter

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DATABASE_NAME = "bench_certificates"
PASSPHRASE = "bench-keys-passphrase-not-for-production"  # noqa: S105 - scratch keys
AUTHENTIC = "二维码签名有效"
WRK_THREADS = 2
WARM_UP_SECONDS = 3


class BenchFailure(RuntimeError):
    """What was measured did not do the real work; the figures are void."""


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (or make bench-certificates)", file=sys.stderr)
        return 1
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    report: dict[str, Any] = {
        "benchmark": "certificates",
        "question": "time to issue one certificate PDF; requests per second of the "
        "verification page under load, beside a bare Flask endpoint",
        "runs": args.runs,
        "load": {
            "duration_seconds": args.duration,
            "connections": args.connections,
            "wrk_threads": WRK_THREADS,
        },
        "machine": machine("WeasyPrint", "pyHanko", "gunicorn", "Flask"),
        "results": {},
    }
    try:
        for backend in backends:
            report["results"][backend] = _measure(backend, args)
        print("[hello] bare Flask endpoint under the same load ...", flush=True)
        report["hello"] = _load("bench.certificates.hello:app", "/hello", {}, args, "Hello")
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    save_report(report, args.output)
    _print(report)
    print(f"written to {args.output}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.certificates.run", description=__doc__)
    add_database_arguments(parser, DATABASE_NAME)
    parser.add_argument("--runs", type=int, default=20, help="timed issues (median reported)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per server")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "certificates.json"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.duration < 1 or args.connections < 1:
        parser.error("--runs, --duration and --connections must be at least 1")
    return args


def _measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with (
        scratch_database(backend, server_url=args.server, name=DATABASE_NAME) as url,
        tempfile.TemporaryDirectory(prefix="bench-certificates-") as folder,
    ):
        environment = {
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "DATABASE_URL": url,
            "STORAGE_DIR": str(Path(folder) / "storage"),
            "KEYS_DIR": str(Path(folder) / "keys"),
            "KEYS_PASSPHRASE": PASSPHRASE,
            "PORTAL_BASE_URL": "https://portal.test",
        }
        app = create_app({**environment, "TESTING": True, "RATELIMIT_ENABLED": False})
        try:
            print(f"[{backend}] issuing {args.runs} certificates ...", flush=True)
            issue, path = _issue(app, args.runs)
        finally:
            with app.app_context():
                db.engine.dispose()
        print(f"[{backend}] verification page under load ...", flush=True)
        load = _load("wsgi:app", path, {**environment, "PORTAL_ENV": "testing"}, args, AUTHENTIC)
        return {"issue": issue, "verify": load}


def _issue(app: Flask, runs: int) -> tuple[dict[str, Any], str]:
    """Time ``runs`` issues (after one warm-up); return the figures and a verification path."""
    seconds: list[float] = []
    with app.app_context():
        vendor = Organization(
            name="北京云影网络科技有限公司",
            uscc="91110108MA01000010",
            org_type=OrgType.TICKET_AGENT,
        )
        db.session.add(vendor)
        db.session.commit()
        service = CertificateService(db.session, processes.platform.issuing)
        ca = service.keys.ca_certificate()
        for number in range(runs + 1):
            started = time.perf_counter()
            certificate = service.issue(
                "testing_commission", organization_id=vendor.id, **commission_letter()
            )
            db.session.commit()
            elapsed = time.perf_counter() - started
            if number:
                seconds.append(elapsed)
            with service.store.open(certificate.pdf_key or "") as stream:
                pdf = stream.read()
            if not verify_pdf(pdf, trust_roots=[ca]).ok:
                raise BenchFailure(f"{certificate.number}: the PDF's signature does not validate")
        path = f"/verify/{certificate.number}?t={certificate.token}"
    figures = {
        "median_seconds": round(statistics.median(seconds), 3),
        "min_seconds": round(min(seconds), 3),
        "max_seconds": round(max(seconds), 3),
        "runs_seconds": [round(s, 3) for s in seconds],
        "pdf_bytes": len(pdf),
    }
    return figures, path


def _load(
    module: str, path: str, environment: dict[str, str], args: argparse.Namespace, expect: str
) -> dict[str, Any]:
    """Serve ``module`` with gunicorn and load ``path`` with wrk; the figures."""
    with _gunicorn(module, environment) as (base, workers, threads):
        with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310 - loopback
            if response.status != 200 or expect not in response.read().decode():  # noqa: PLR2004
                raise BenchFailure(f"{path} does not answer what it should before the load")
        # Every worker loads its templates and catalogues on its first requests: not measured.
        _wrk(base + path, args.connections, WARM_UP_SECONDS)
        load = os.getloadavg()[0]
        result = _wrk(base + path, args.connections, args.duration)
    figures = _wrk_figures(result.stdout)
    return {
        "gunicorn_workers": workers,
        "gunicorn_threads": threads,
        "load_before": load,
        **figures,
    }


def _wrk(url: str, connections: int, seconds: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )


@contextlib.contextmanager
def _gunicorn(module: str, environment: dict[str, str]) -> Iterator[tuple[str, int, int]]:
    """gunicorn with the project's settings on a free loopback port; yields its base URL."""
    port = _free_port()
    workers = int(os.environ.get("WEB_CONCURRENCY", min((os.cpu_count() or 1) * 2 + 1, 8)))
    threads = int(os.environ.get("GUNICORN_THREADS", "4"))
    env = {**os.environ, **environment, "WEB_CONCURRENCY": str(workers)}
    with tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log") as log:
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                log.name,
                module,
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server, Path(log.name))
            yield base, workers, threads
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchFailure(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise BenchFailure("gunicorn did not start within 60 seconds")


def _wrk_figures(output: str) -> dict[str, Any]:
    """Requests per second and latency percentiles from wrk's report.

    :raise BenchFailure: wrk saw errors or non-2xx answers.
    """
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise BenchFailure(f"errors under load:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or total is None:
        raise BenchFailure(f"cannot read wrk's report:\n{output}")
    latency = {
        f"p{percent}_ms": _milliseconds(value, unit)
        for percent, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    return {"requests_per_second": float(rate[1]), "requests": int(total[1]), **latency}


def _milliseconds(value: str, unit: str) -> float:
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return round(float(value) * factor, 2)


def _print(report: dict[str, Any]) -> None:
    hello = report["hello"]
    print(f"\nissue one certificate (median of {report['runs']}); verify under load")
    for backend, result in report["results"].items():
        issue, verify = result["issue"], result["verify"]
        print(
            f"  {backend:<10} issue {issue['median_seconds'] * 1000:6.0f} ms "
            f"(min {issue['min_seconds'] * 1000:.0f}, max {issue['max_seconds'] * 1000:.0f})  "
            f"verify {verify['requests_per_second']:7.0f} req/s, "
            f"p50 {verify.get('p50_ms', 0):.1f} ms, p99 {verify.get('p99_ms', 0):.1f} ms  "
            f"({verify['requests_per_second'] / hello['requests_per_second']:.0%} of hello)"
        )
    print(
        f"  {'hello':<10} {'':>28}  "
        f"bare   {hello['requests_per_second']:7.0f} req/s, p50 {hello.get('p50_ms', 0):.1f} ms, "
        f"p99 {hello.get('p99_ms', 0):.1f} ms"
    )
    print(
        f"  gunicorn {hello['gunicorn_workers']} workers x {hello['gunicorn_threads']} threads, "
        f"wrk {WRK_THREADS} threads, {report['load']['connections']} connections, "
        f"{report['load']['duration_seconds']} s each"
    )


if __name__ == "__main__":
    sys.exit(main())
