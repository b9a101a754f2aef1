"""Runs wrk (GET) and ab (HEAD) against one URL and returns what they measured, plus the
server's CPU time per request. Both tools stop by themselves after the given duration."""

import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
WRK_SCRIPT = os.path.join(HERE, "wrk_report.lua")


class LoadError(RuntimeError):
    pass


def _run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        raise LoadError(f"{cmd[0]} did not finish within {timeout:.0f} s: {' '.join(cmd)}")
    return p.returncode, p.stdout


def wrk(server, path, seconds, conns=64, threads=2, headers=None):
    """GET load with wrk; returns rps, p50/p99 (ms), MB/s, requests, CPU µs per request."""
    url = server.base + path
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
           "-s", WRK_SCRIPT]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    cpu0 = server.cpu()
    rc, out = _run(cmd, seconds + 60)
    cpu1 = server.cpu()
    m = re.search(r"^BENCH_JSON (\{.*\})$", out, re.M)
    if rc != 0 or not m:
        raise LoadError(f"wrk failed (exit {rc}) on {url}:\n{out[-2000:]}")
    r = json.loads(m.group(1))
    req = r["requests"]
    dur = r["duration_us"] / 1e6
    bad = r["errors_status"]
    sock_err = r["errors_connect"] + r["errors_read"] + r["errors_write"] + r["errors_timeout"]
    if req == 0:
        raise LoadError(f"wrk completed no request on {url}:\n{out[-2000:]}")
    if bad:
        raise LoadError(f"wrk: {bad} of {req} responses were not 2xx/3xx on {url}")
    if sock_err > max(10, req // 1000):
        raise LoadError(f"wrk: {sock_err} socket errors in {req} requests on {url}:\n{out[-1500:]}")
    return {
        "rps": req / dur,
        "p50_ms": r["p50_us"] / 1000.0,
        "p99_ms": r["p99_us"] / 1000.0,
        "mbps": r["bytes"] / dur / 1e6,
        "requests": req,
        "socket_errors": sock_err,
        "cpu_us_per_req": (cpu1 - cpu0) / req * 1e6,
    }


def ab_head(server, path, seconds, conns=64, headers=None, scratch="/tmp"):
    """HEAD load with ApacheBench (-i -k); wrk cannot do HEAD."""
    url = server.base + path
    csv = os.path.join(scratch, f"ab-{server.name}-{os.getpid()}.csv")
    cmd = ["ab", "-q", "-i", "-k", f"-c{conns}", f"-t{seconds}", "-n", "100000000",
           "-s", "10", "-e", csv]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    cpu0 = server.cpu()
    rc, out = _run(cmd, seconds + 60)
    cpu1 = server.cpu()
    if rc != 0:
        raise LoadError(f"ab failed (exit {rc}) on {url}:\n{out[-2000:]}")

    def field(name, cast=float, default=None):
        m = re.search(rf"^{re.escape(name)}:\s+([0-9.]+)", out, re.M)
        if not m:
            if default is not None:
                return default
            raise LoadError(f"ab output lacks '{name}' on {url}:\n{out[-2000:]}")
        return cast(m.group(1))

    complete = field("Complete requests", int)
    failed = field("Failed requests", int)
    non2xx = field("Non-2xx responses", int, 0)
    keepalive = field("Keep-Alive requests", int, 0)
    taken = field("Time taken for tests")
    if complete == 0:
        raise LoadError(f"ab completed no request on {url}:\n{out[-2000:]}")
    if non2xx:
        raise LoadError(f"ab: {non2xx} of {complete} HEAD responses were not 2xx on {url}")
    if failed > max(10, complete // 1000):
        raise LoadError(f"ab: {failed} of {complete} requests failed on {url}:\n{out[-1500:]}")
    pct = {}
    with open(csv) as f:
        for line in f.read().splitlines()[1:]:
            a, _, b = line.partition(",")
            pct[int(a)] = float(b)
    os.unlink(csv)
    return {
        "rps": complete / taken,
        "p50_ms": pct[50],
        "p99_ms": pct[99],
        "requests": complete,
        "keepalive_requests": keepalive,
        "failed": failed,
        "cpu_us_per_req": (cpu1 - cpu0) / complete * 1e6,
    }
