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
   (gthread; its workers and threads, access log off; :mod:`bench.server`) serves the portal on
   the scratch database with ``PORTAL_ENV=testing`` on a free port of
   127.0.0.1, and ``wrk`` requests, one after the other, the two public
   verifications of the last certificate issued: ``GET /verify/<number>?t=<token>``
   (the page a certificate's QR code opens: a database read, the token
   checked against the JWK Set, the page rendered) and
   ``GET /api/v1/certificates/<number>?t=<token>`` (the same as JSON), each for
   ``--duration`` seconds over ``--connections`` connections (default 50).
   Then the same gunicorn settings serve a bare Flask app
   (``bench/certificates/hello.py``) and ``wrk`` requests its ``GET /hello``
   the same way: the ceiling of this machine for a Flask app served so. Each
   load is preceded by 3 seconds of the same load, not measured (the workers
   load templates and catalogues on their first requests). Every response
   must be 200. Each verification is reported beside the bare endpoint: its
   share of the bare endpoint's requests per second (target at least 0.5) and
   its p99 latency over the bare endpoint's (target at most 2).

Prints a report and writes it as JSON to ``bench/results/certificates.json``.
Needs Debian's ``wrk`` (``make bench-certificates`` installs it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask

from bench.machine import BenchFailure, machine, run_benchmark
from bench.scratch import add_database_arguments, scratch_database
from bench.server import app_config, environment, gunicorn
from certificates import verify_pdf
from portal import create_app
from portal.accounts.models import Organization, OrgType
from portal.core.extensions import db, processes
from portal.issuance.services import CertificateService
from tests.helpers import commission_letter

ROOT = Path(__file__).resolve().parents[2]
DATABASE_NAME = "bench_certificates"
AUTHENTIC = "二维码签名有效"
AUTHENTIC_JSON = '"authentic":true'
WRK_THREADS = 2
WARM_UP_SECONDS = 3
WRK_TIMEOUT_SECONDS = 10  # a slow answer counts in the latencies (wrk's 2 s would drop it)
FIRST_ANSWER_SECONDS = 120  # workers build the app before their first answer (a busy machine)
TARGET_SHARE = 0.5  # of the bare endpoint's requests per second, at least
TARGET_P99 = 2.0  # times the bare endpoint's p99, at most


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (or make bench-certificates)", file=sys.stderr)
        return 1
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    report: dict[str, Any] = {
        "benchmark": "certificates",
        "question": "time to issue one certificate PDF; requests per second and p99 of "
        "the verification page and of GET /api/v1/certificates/{number} under load, "
        "beside a bare Flask endpoint",
        "runs": args.runs,
        "load": {
            "duration_seconds": args.duration,
            "connections": args.connections,
            "wrk_threads": WRK_THREADS,
        },
        "targets": {"share_of_hello_at_least": TARGET_SHARE, "p99_over_hello_at_most": TARGET_P99},
        "machine": machine("WeasyPrint", "pyHanko", "gunicorn", "Flask"),
        "results": {},
    }
    return run_benchmark(lambda: _measure_all(report, backends, args), args.output, _print)


def _measure_all(
    report: dict[str, Any], backends: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """``report`` completed with each backend's figures and the bare endpoint's."""
    for backend in backends:
        report["results"][backend] = _measure(backend, args)
    print("[hello] bare Flask endpoint under the same load ...", flush=True)
    report["hello"] = _load("bench.certificates.hello:app", ["/hello"], {}, args, ["Hello"])[0]
    for result in report["results"].values():
        for name in ("verify", "api"):
            result[name].update(_beside(result[name], report["hello"]))
    return report


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.certificates.run", description=__doc__)
    add_database_arguments(parser, DATABASE_NAME)
    parser.add_argument("--runs", type=int, default=20, help="timed issues (median reported)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per server")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
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
        env = environment(url, folder)
        app = create_app(app_config(env))
        try:
            print(f"[{backend}] issuing {args.runs} certificates ...", flush=True)
            issue, path = _issue(app, args.runs)
        finally:
            with app.app_context():
                db.engine.dispose()
        print(f"[{backend}] verification page and API under load ...", flush=True)
        page, api = _load(
            "wsgi:app",
            [path, f"/api/v1/certificates/{path.removeprefix('/verify/')}"],
            env,
            args,
            [AUTHENTIC, AUTHENTIC_JSON],
        )
        return {"issue": issue, "verify": page, "api": api}


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
    module: str,
    paths: list[str],
    env: dict[str, str],
    args: argparse.Namespace,
    expect: list[str],
) -> list[dict[str, Any]]:
    """Serve ``module`` with gunicorn and load each of ``paths`` in turn with wrk;
    the figures of each. Each path must first answer 200 with its ``expect`` text."""
    results = []
    with gunicorn(env, module, ready=None) as server:
        base = server.base
        for path, text in zip(paths, expect, strict=True):
            body = _first_answer(base + path)
            if text not in body.replace(" ", ""):
                raise BenchFailure(f"{path} does not answer what it should before the load")
            # Every worker loads its templates and catalogues on its first requests.
            _wrk(base + path, args.connections, WARM_UP_SECONDS)
            load = os.getloadavg()[0]
            result = _wrk(base + path, args.connections, args.duration)
            results.append(
                {
                    "path": path.split("?")[0],
                    "gunicorn_workers": server.workers,
                    "gunicorn_threads": server.threads,
                    "load_before": load,
                    **_wrk_figures(result.stdout),
                }
            )
    return results


def _first_answer(url: str) -> str:
    """The body of ``url``'s first 200 answer (the workers may still be starting).

    :raise BenchFailure: another status, or no answer in time.
    """
    deadline = time.monotonic() + FIRST_ANSWER_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=FIRST_ANSWER_SECONDS) as response:  # noqa: S310 - loopback
                if response.status != 200:  # noqa: PLR2004
                    raise BenchFailure(f"{url} answers {response.status}")
                return str(response.read().decode())
        except (TimeoutError, ConnectionError) as exc:
            if time.monotonic() > deadline:
                raise BenchFailure(f"{url} does not answer") from exc
            time.sleep(1)


def _wrk(url: str, connections: int, seconds: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{seconds}s",
            f"--timeout={WRK_TIMEOUT_SECONDS}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )


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
        issue = result["issue"]
        print(
            f"  {backend:<10} issue {issue['median_seconds'] * 1000:6.0f} ms "
            f"(min {issue['min_seconds'] * 1000:.0f}, max {issue['max_seconds'] * 1000:.0f})"
        )
        for name in ("verify", "api"):
            print(f"  {backend:<10} {_figures_line(result[name], hello)}")
    print(f"  {'':<10} {_figures_line(hello, None)}")
    print(
        f"  gunicorn {hello['gunicorn_workers']} workers x {hello['gunicorn_threads']} threads, "
        f"wrk {WRK_THREADS} threads, {report['load']['connections']} connections, "
        f"{report['load']['duration_seconds']} s each; targets: at least "
        f"{TARGET_SHARE:.1f}x the bare endpoint, p99 at most {TARGET_P99:.0f}x its p99"
    )


def _beside(figures: dict[str, Any], hello: dict[str, Any]) -> dict[str, float]:
    """An endpoint's rate as a share of the bare endpoint's, its p99 over the bare p99."""
    return {
        "share_of_hello": round(figures["requests_per_second"] / hello["requests_per_second"], 3),
        "p99_over_hello": round(figures.get("p99_ms", 0) / max(hello.get("p99_ms", 0), 0.01), 2),
    }


def _figures_line(figures: dict[str, Any], hello: dict[str, Any] | None) -> str:
    """One endpoint's rate and latencies, beside the bare endpoint's when given."""
    line = (
        f"{figures['path']:<32} {figures['requests_per_second']:7.0f} req/s, "
        f"p50 {figures.get('p50_ms', 0):6.1f} ms, p99 {figures.get('p99_ms', 0):6.1f} ms"
    )
    if hello is None:
        return f"{line}  (bare Flask)"
    beside = _beside(figures, hello)
    return (
        f"{line}  ({beside['share_of_hello']:.2f}x the bare rate, "
        f"p99 {beside['p99_over_hello']:.1f}x)"
    )


if __name__ == "__main__":
    sys.exit(main())
