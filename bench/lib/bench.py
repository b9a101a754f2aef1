#!/usr/bin/python3
"""berth benchmark: berth vs docker-registry 2.8 vs nginx (static files), same work, same
machine, interleaved runs. Started by bench/run, which installs the Debian tools first.
See bench/README.md for what each figure means."""

import argparse
import datetime
import hashlib
import http.client
import json
import mmap
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import httpc  # noqa: E402
import loadgen  # noqa: E402
import report  # noqa: E402
import seed  # noqa: E402
import servers as srv  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
MiB = 1 << 20
GiB = 1 << 30
MANIFEST_ACCEPT = {"Accept": seed.MANIFEST_TYPE}
PUSH_REPO = "bench/push"
PARTS = ("startup", "small", "listings", "blobs", "push", "pull", "huge")
# Listings per connection in each listing run, of which the median counts: on this shared
# 2-core VM the first listing on a fresh connection varies by several ms, more than berth's
# whole 10-page listing takes once warm (every run's times are kept in meta.listing_runs).
LISTING_REPEAT = 5

# pull_reps: one pull of 1 GiB takes a quarter to half a second, and on two cores its rate swings
# with where the scheduler puts client and server (2.0 to 7.2 GB/s for the same server within one
# run); more runs are cheap there and steady the median (9 runs still moved it by 1.5x).
# ram_pushes: pushes into RAM per push run (about a second each); one push there moves with
# whatever else the machine does.
FULL = dict(big=1 * GiB, huge=5 * GiB, chunk=10 * MiB, seconds=10, reps=3, pull_reps=21,
            ram_pushes=3, starts=7,
            tags_small=1000, tags_big=10000, repos=10000, page=1000, conc=200,
            settle=2.0, openssl_seconds=3)
QUICK = dict(big=64 * MiB, huge=256 * MiB, chunk=10 * MiB, seconds=2, reps=1, pull_reps=1,
             ram_pushes=1, starts=3,
             tags_small=100, tags_big=100, repos=100, page=10, conc=50,
             settle=0.5, openssl_seconds=1)


def check_pushed(base, digest, size):
    """A pushed blob must read back (HEAD) with the pushed size."""
    cl = httpc.Client(base)
    try:
        _, h, _ = cl.request("HEAD", f"/v2/{PUSH_REPO}/blobs/{digest}", expect=200)
    finally:
        cl.close()
    if int(h.get("content-length", -1)) != size:
        raise httpc.HttpError(f"pushed blob reads back with Content-Length "
                              f"{h.get('content-length')}")


def human_size(n):
    if n >= GiB and n % GiB == 0:
        return f"{n // GiB} GiB"
    if n >= MiB:
        return f"{n // MiB} MiB"
    return f"{n} B"


class Bench:
    def __init__(self, args):
        self.args = args
        self.cfg = dict(QUICK if args.quick else FULL)
        for key in ("reps", "seconds", "starts"):
            v = getattr(args, key)
            if v is not None:
                self.cfg[key] = v
        self.names = [s.strip() for s in args.only.split(",")] if args.only else list(report.SERVERS)
        for n in self.names:
            if n not in report.SERVERS:
                raise SystemExit(f"bench: unknown server '{n}' in --only (use berth, registry, nginx)")
        if "berth" not in self.names:
            raise SystemExit("bench: --only must include berth (every figure is berth's)")
        self.parts = [p.strip() for p in args.parts.split(",")] if args.parts else list(PARTS)
        for p in self.parts:
            if p not in PARTS:
                raise SystemExit(f"bench: unknown part '{p}' in --parts (use {','.join(PARTS)})")
        self.scratch = os.path.join(args.scratch, f"run-{os.getpid()}")
        self.res = report.Results()
        self.t_start = time.time()
        self.servers = {}
        self.ds = None
        self.ceiling_runs = {}
        self.list_pages = None  # the compiled listing client, when listings run

    # --- helpers -------------------------------------------------------------------------

    def log(self, msg):
        el = time.time() - self.t_start
        print(f"[{el:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def regs(self):
        """The registries (servers that take pushes and seeding)."""
        return [self.servers[n] for n in ("berth", "registry") if n in self.servers]

    def all(self):
        return [self.servers[n] for n in report.SERVERS if n in self.servers]

    def attempt(self, what, server, fn):
        """Runs one measurement; a failure is recorded and the run goes on."""
        name = server.name if server is not None else "-"
        try:
            if server is not None:
                server.check_alive()
            return fn()
        except (httpc.HttpError, loadgen.LoadError, srv.ServerError, OSError, ValueError,
                KeyError, http.client.HTTPException) as e:
            self.log(f"ERROR {what} [{name}]: {e}")
            self.res.error(what, name, e)
            return None

    # --- set-up --------------------------------------------------------------------------

    def preflight(self):
        need = ["openssl"]
        if "registry" in self.names:
            need.append("docker-registry")
        if "nginx" in self.names:
            need.append("nginx")
        need += ["wrk", "ab"]
        missing = [t for t in need if shutil.which(t) is None]
        if missing:
            raise SystemExit(f"bench: missing tools: {', '.join(missing)} (bench/run installs them)")
        b = self.args.berth_bin
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            raise SystemExit(f"bench: berth binary not found at {b}; build it first:\n"
                             f"  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "
                             f"-DBERTH_TESTS=OFF && ninja -C build-bench berth")
        os.makedirs(self.scratch, exist_ok=True)
        if "listings" in self.parts:
            self.build_list_pages()
        c = self.cfg
        pushes = 2 * c["reps"] + 1
        need_bytes = c["big"] * (1 + pushes * len([n for n in self.names if n != "nginx"])) + \
            c["huge"] * len([n for n in self.names if n != "nginx"]) + 512 * MiB
        free = shutil.disk_usage(self.scratch).free
        if free < need_bytes:
            raise SystemExit(f"bench: {human_size(free)} free under {self.scratch}, the run needs "
                             f"about {human_size(need_bytes)} (use --scratch elsewhere or --quick)")

    def build_list_pages(self):
        """Compiles the listing client (bench/tools/list_pages.cc) for this run."""
        src = os.path.join(ROOT, "bench", "tools", "list_pages.cc")
        self.list_pages = os.path.join(self.scratch, "list_pages")
        cmd = ["g++", "-O2", "-std=c++20", "-Wall", "-Wextra", "-o", self.list_pages, src]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SystemExit(f"bench: cannot compile {src}: {e}")
        if p.returncode != 0:
            raise SystemExit(f"bench: compiling {src} failed ({' '.join(cmd)}):\n{p.stdout}")
        if p.stdout.strip():
            self.log(f"compiler warnings for {src}:\n{p.stdout.rstrip()}")

    def tool_versions(self):
        def out(cmd):
            try:
                p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, timeout=10)
                return p.stdout.strip().splitlines()[0] if p.stdout.strip() else ""
            except (OSError, subprocess.TimeoutExpired):
                return ""
        v = {"wrk": out(["wrk", "--version"]), "ab": out(["ab", "-V"]),
             "openssl": out(["openssl", "version"]), "python": platform.python_version()}
        if "nginx" in self.names:
            v["nginx"] = out(["nginx", "-v"])
        if "registry" in self.names:
            v["docker-registry"] = out(["docker-registry", "--version"])
        v["berth_git"] = out(["git", "-C", ROOT, "describe", "--always", "--dirty"])
        return v

    def make_files(self):
        c = self.cfg
        self.ds = seed.DataSet()
        self.variant = None
        if not {"push", "pull", "huge"} & set(self.parts):
            return
        self.big_path = os.path.join(self.scratch, "big.bin")
        self.log(f"writing the {human_size(c['big'])} test blob")
        # One random 8 MiB block, stamped with its index: os.urandom runs at ~150 MB/s here,
        # and nothing on the path compresses or deduplicates, so repetition costs nothing.
        block = bytearray(os.urandom(8 * MiB))
        with open(self.big_path, "wb") as f:
            left, i = c["big"], 0
            while left:
                n = min(left, len(block))
                block[:32] = f"berth-bench block {i:012d}\n".encode().ljust(32, b"-")
                f.write(memoryview(block)[:n])
                left -= n
                i += 1
        self.big_fd = os.open(self.big_path, os.O_RDWR)
        if "huge" not in self.parts:
            return
        # The huge blob is a sparse file of zeros: its content does not matter for a memory
        # measurement, and it costs no disk or time to create.
        self.huge_path = os.path.join(self.scratch, "huge.bin")
        with open(self.huge_path, "wb") as f:
            f.truncate(c["huge"])
        h = hashlib.sha256()
        zeros = bytes(8 * MiB)
        left = c["huge"]
        while left:
            n = min(left, len(zeros))
            h.update(zeros[:n] if n < len(zeros) else zeros)
            left -= n
        self.huge_digest = "sha256:" + h.hexdigest()
        self.huge_fd = os.open(self.huge_path, os.O_RDONLY)

    def set_variant(self, k):
        """Makes the big blob distinct for each push (so no push finds its blob already
        stored) and returns its digest."""
        os.pwrite(self.big_fd, f"berth-bench variant {k:08d} {os.getpid()}\n".encode(), 0)
        h = hashlib.sha256()
        with open(self.big_path, "rb") as f:
            while True:
                b = f.read(8 * MiB)
                if not b:
                    break
                h.update(b)
        self.variant = "sha256:" + h.hexdigest()
        return self.variant

    def nginx_root(self):
        root = os.path.join(self.scratch, "nginx-root")
        ds = self.ds

        def put(path, data):
            full = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)

        put(f"/v2/{seed.REPO_SMALL}/manifests/latest", ds.manifest)
        for digest, data in ds.blobs.items():
            put(f"/v2/{seed.REPO_SMALL}/blobs/{digest}", data)
        put(f"/v2/{seed.REPO_TAGS_SMALL}/tags/list",
            ds.tags_json(seed.REPO_TAGS_SMALL, self.cfg["tags_small"]))
        return root

    def create_servers(self):
        s = self.scratch
        if "berth" in self.names:
            self.servers["berth"] = srv.Berth(os.path.join(s, "berth"), self.log,
                                              os.path.abspath(self.args.berth_bin))
        if "registry" in self.names:
            self.servers["registry"] = srv.DockerRegistry(os.path.join(s, "registry"), self.log)
        if "nginx" in self.names:
            self.servers["nginx"] = srv.Nginx(os.path.join(s, "nginx"), self.log,
                                              self.nginx_root(), workers=os.cpu_count() or 2)

    def stop_all(self):
        for s in self.servers.values():
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                self.log(f"stopping {s.name}: {e}")

    # --- measurements --------------------------------------------------------------------

    def startups(self, mid, servers, count, drop_first, before_start=None):
        """count starts of each server (interleaved); the last start stays up. With drop_first
        an extra first start (which creates the data directory) is not counted. before_start
        runs before every start, with the server stopped."""
        total = count + (1 if drop_first else 0)
        # Seeding and the data files leave hundreds of MiB dirty; their writeback would run on
        # the same two cores as the starts.
        self.settle_disk()
        for i in range(total):
            for s in servers:
                if s.alive():
                    s.stop()
                if before_start is not None:
                    before_start()
                t = s.start()  # ServerError here is fatal: a server that does not start
                if not (drop_first and i == 0):
                    self.res.add(mid, s.name, t * 1000.0)
                if i != total - 1:
                    s.stop()

    def ceilings(self):
        c = self.cfg
        ceil = self.res.ceilings
        self.log("ceiling: openssl speed -evp sha256 (one core)")
        p = subprocess.run(["openssl", "speed", "-evp", "sha256", "-seconds",
                            str(c["openssl_seconds"]), "-bytes", "16384"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120)
        rate = None
        for line in p.stdout.splitlines():
            if line.lower().startswith("sha256"):
                val = line.split()[-1]
                if val.endswith("k"):
                    rate = float(val[:-1]) * 1000 / 1e6
        if rate is None:
            self.res.error("ceiling sha256", "-", f"could not parse openssl speed output:\n{p.stdout}")
        ceil["sha256_MBps"] = rate

    def verify_static(self):
        """Each server answers the paths the load tests use, with the same bytes."""
        ds = self.ds
        for s in self.all():
            def check(s=s):
                cl = httpc.Client(s.base)
                try:
                    _, h, body = cl.request("GET", f"/v2/{seed.REPO_SMALL}/manifests/latest",
                                            headers=MANIFEST_ACCEPT, expect=200)
                    if body != ds.manifest:
                        raise httpc.HttpError("manifest bytes differ from the seeded manifest")
                    ctype = h.get("content-type", "")
                    if not ctype.startswith(seed.MANIFEST_TYPE):
                        raise httpc.HttpError(f"manifest Content-Type is '{ctype}'")
                    _, h, _ = cl.request("HEAD", f"/v2/{seed.REPO_SMALL}/blobs/{ds.digest_1m}",
                                         expect=200)
                    if int(h.get("content-length", -1)) != len(ds.layer1m):
                        raise httpc.HttpError("blob HEAD Content-Length is wrong")
                    _, h, body = cl.request("GET", f"/v2/{seed.REPO_TAGS_SMALL}/tags/list",
                                            expect=200)
                    tags = json.loads(body)["tags"]
                    if sorted(tags) != [seed.tag_name(i) for i in range(self.cfg["tags_small"])]:
                        raise httpc.HttpError("tags/list content differs")
                    if not h.get("content-type", "").startswith("application/json"):
                        raise httpc.HttpError(f"tags/list Content-Type is '{h.get('content-type')}'")
                finally:
                    cl.close()
            if self.attempt("check served content", s, check) is None:
                pass

    def small_loads(self):
        c = self.cfg
        ds = self.ds
        reps, secs = c["reps"], c["seconds"]
        n_tags = c["tags_small"]
        tests = [
            ("manifest_get", "manifest GET, 64 conns", "wrk",
             f"/v2/{seed.REPO_SMALL}/manifests/latest", MANIFEST_ACCEPT),
            ("manifest_head", "manifest HEAD, 64 conns", "ab",
             f"/v2/{seed.REPO_SMALL}/manifests/latest", MANIFEST_ACCEPT),
            ("blob_head", "blob HEAD, 64 conns", "ab",
             f"/v2/{seed.REPO_SMALL}/blobs/{ds.digest_1m}", {}),
            ("tags_get", f"tags/list ({n_tags} tags) GET, 64 conns", "wrk",
             f"/v2/{seed.REPO_TAGS_SMALL}/tags/list", {}),
        ]
        for mid, label, tool, _, _ in tests:
            self.res.metric(mid + "_rps", label, "req/s", "higher")
            self.res.metric(mid + "_p50", "  p50 latency", "ms", "lower")
            self.res.metric(mid + "_p99", "  p99 latency", "ms", "lower")
            self.res.metric(mid + "_cpu", "  server CPU per request", "µs", "lower")
            if mid == "manifest_head":
                self.res.metric("rss_manifest_peak", "peak RSS after manifest GET+HEAD load",
                                "MiB", "lower", "VmHWM (nginx: sum of master and workers)")
        for mid, label, tool, path, headers in tests:
            skip = set()
            if tool == "ab":
                # ab -k needs 'Connection: keep-alive' in answers to its HTTP/1.0 requests,
                # otherwise it waits for a close that never comes.
                for s in self.all():
                    def probe(s=s, path=path, headers=headers):
                        ok, status = srv.http10_keepalive_ok(s.port, path, "HEAD", headers)
                        if not ok:
                            raise srv.ServerError(
                                f"HEAD {path} over HTTP/1.0 with 'Connection: Keep-Alive' was "
                                f"answered '{status}' without 'Connection: keep-alive', so ab -k "
                                f"would wait for a close that never comes (HTTP/1.0 keep-alive "
                                f"must be acknowledged, RFC 9112 appendix C.2.2)")
                        return True
                    if self.attempt(f"{mid} keep-alive probe", s, probe) is None:
                        skip.add(s.name)
            for rep in range(reps):
                for s in self.all():
                    if s.name in skip:
                        continue
                    self.log(f"{label} [{s.name}] run {rep + 1}/{reps}")
                    if tool == "wrk":
                        fn = lambda s=s: loadgen.wrk(s, path, secs, headers=headers)  # noqa: E731
                    else:
                        fn = lambda s=s: loadgen.ab_head(s, path, secs, headers=headers,  # noqa: E731
                                                         scratch=self.scratch)
                    r = self.attempt(label, s, fn)
                    if r is None:
                        continue
                    self.res.add(mid + "_rps", s.name, r["rps"])
                    self.res.add(mid + "_p50", s.name, r["p50_ms"])
                    self.res.add(mid + "_p99", s.name, r["p99_ms"])
                    self.res.add(mid + "_cpu", s.name, r["cpu_us_per_req"])
                    if tool == "ab" and r["keepalive_requests"] < r["requests"] * 0.99:
                        self.res.notes.append(
                            f"{label} [{s.name}]: only {r['keepalive_requests']} of "
                            f"{r['requests']} requests reused a connection")
            if mid == "manifest_head":
                for s in self.all():
                    self.attempt("peak RSS", s, lambda s=s: self.res.add(
                        "rss_manifest_peak", s.name, s.hwm_kb() / 1024))

    def listings(self):
        c = self.cfg
        page = c["page"]
        client = (f"bench/tools/list_pages (C++), one keep-alive connection, connect not timed; "
                  f"median of {LISTING_REPEAT} listings in a row")
        m1 = self.res.metric("list_tags_big", f"tags list, {c['tags_big']} tags (n={page}, "
                             f"follow Link)", "ms", "lower", client)
        m1b = self.res.metric("list_tags_big_one", f"tags list, {c['tags_big']} tags in one "
                              f"response (no n)", "ms", "lower",
                              "what docker-registry 2.8 answers to every tags/list request; "
                              + client)
        m2 = self.res.metric("list_catalog", f"_catalog, {c['repos']}+3 repos (n={page}, "
                             f"follow Link)", "ms", "lower", client)
        for rep in range(c["reps"]):
            for s in self.regs():
                self.log(f"paginated listings [{s.name}] run {rep + 1}/{c['reps']}")

                def tags(s=s):
                    dt, items, pages = self.timed_listing(
                        m1, s, f"/v2/{seed.REPO_TAGS_BIG}/tags/list", "tags", page)
                    if len(items) != c["tags_big"] or len(set(items)) != len(items):
                        raise httpc.HttpError(f"tags listing returned {len(items)} tags "
                                              f"({len(set(items))} distinct), expected {c['tags_big']}")
                    m1.add(s.name, dt * 1000)
                    return pages

                def tags_one(s=s):
                    dt, items, pages = self.timed_listing(
                        m1b, s, f"/v2/{seed.REPO_TAGS_BIG}/tags/list", "tags", None)
                    if pages != 1 or len(items) != c["tags_big"] or len(set(items)) != len(items):
                        raise httpc.HttpError(f"tags/list without n returned {pages} pages, "
                                              f"{len(items)} tags ({len(set(items))} distinct), "
                                              f"expected 1 page of {c['tags_big']}")
                    m1b.add(s.name, dt * 1000)

                def cat(s=s):
                    dt, items, pages = self.timed_listing(m2, s, "/v2/_catalog", "repositories",
                                                          page)
                    want = c["repos"] + len(seed.BENCH_REPOS) + 1  # + the push repository
                    if len(items) != len(set(items)) or len(items) < want - 1:
                        raise httpc.HttpError(f"catalog listing returned {len(items)} names "
                                              f"({len(set(items))} distinct), expected ~{want}")
                    m2.add(s.name, dt * 1000)
                    return pages

                p1 = self.attempt("tags listing", s, tags)
                self.attempt("tags listing (one response)", s, tags_one)
                p2 = self.attempt("catalog listing", s, cat)
                if rep == 0:
                    self.res.meta.setdefault("listing_pages", {})[s.name] = {"tags": p1,
                                                                             "catalog": p2}

    def timed_listing(self, metric, server, path, key, page):
        """One listing run; keeps every listing's time in the JSON (meta.listing_runs)."""
        dt, items, pages, runs = httpc.list_paginated(self.list_pages, server.base, path, key,
                                                      page, LISTING_REPEAT)
        self.res.meta.setdefault("listing_runs", {}).setdefault(metric.id, {}).setdefault(
            server.name, []).append([round(x * 1000, 4) for x in runs])
        return dt, items, pages

    def blob_loads(self):
        c = self.cfg
        ds = self.ds
        mb = self.res.metric("blob1m_mbps", "1 MiB blob GET, 64 conns", "MB/s", "higher")
        rq = self.res.metric("blob1m_rps", "  requests", "req/s", "higher")
        cpu = self.res.metric("blob1m_cpu", "  server CPU per request", "µs", "lower")
        path1m = f"/v2/{seed.REPO_SMALL}/blobs/{ds.digest_1m}"
        for rep in range(c["reps"]):
            for s in self.all():
                self.log(f"1 MiB blob GETs [{s.name}] run {rep + 1}/{c['reps']}")
                r = self.attempt("1 MiB blob GETs", s,
                                 lambda s=s: loadgen.wrk(s, path1m, c["seconds"]))
                if r:
                    mb.add(s.name, r["mbps"])
                    rq.add(s.name, r["rps"])
                    cpu.add(s.name, r["cpu_us_per_req"])
        conc = self.res.metric("conc_pulls", f"{c['conc']} concurrent pulls of 10 MiB", "ms",
                               "lower", "wall time from first connect to last byte")
        path10m = f"/v2/{seed.REPO_SMALL}/blobs/{ds.digest_10m}"
        for rep in range(c["reps"]):
            for s in self.all():
                self.log(f"{c['conc']} concurrent pulls [{s.name}] run {rep + 1}/{c['reps']}")
                dt = self.attempt("concurrent pulls", s, lambda s=s: httpc.concurrent_pulls(
                    s.port, path10m, c["conc"], len(ds.layer10m)))
                if dt is not None:
                    conc.add(s.name, dt * 1000)

    def pushes(self, measure=True):
        c = self.cfg
        if not measure:  # only put the big blob in place for the pull
            digest = self.set_variant(1)
            for s in self.regs():
                self.attempt("push for pull", s, lambda s=s: httpc.push_monolithic(
                    s.base, PUSH_REPO, self.big_fd, c["big"], digest, s.single_post_upload))
            return
        big = human_size(c["big"])
        mono = self.res.metric("push_mono", f"monolithic push {big}", "MB/s", "higher",
                               "berth: one POST ?digest= with the body; docker-registry: POST, "
                               "then PUT ?digest= with the body (it ignores a POST body)")
        mono_cpu = self.res.metric("push_mono_cpu", "  server CPU per GiB", "s", "lower")
        self.res.metric("push_mono_ram", "  the same, berth's data directory in RAM (tmpfs)",
                        "MB/s", "higher", "the disk taken out: a fresh daemon per push with its "
                        "data directory in /dev/shm")
        chunk = self.res.metric("push_chunked", f"chunked push {big} ({human_size(c['chunk'])} "
                                f"PATCHes)", "MB/s", "higher")
        chunk_cpu = self.res.metric("push_chunked_cpu", "  server CPU per GiB", "s", "lower")
        nginx = self.servers.get("nginx")
        sink = srv.Sink(os.path.join(self.scratch, "sink"), self.log)
        try:
            sink.start()
        except srv.ServerError as e:
            self.res.error("push ceiling", "sink", e)
            sink = None
        try:
            self._pushes(mono, mono_cpu, chunk, chunk_cpu, nginx, sink)
        finally:
            if sink is not None:
                sink.stop()

    def _pushes(self, mono, mono_cpu, chunk, chunk_cpu, nginx, sink):
        c = self.cfg
        big = human_size(c["big"])
        variant = 0
        for mode, metric, cpu_metric in (("monolithic", mono, mono_cpu),
                                         ("chunked", chunk, chunk_cpu)):
            for rep in range(c["reps"]):
                variant += 1
                digest = self.set_variant(variant)
                if mode == "monolithic":
                    self.log(f"write ceiling [new file in {self.scratch}] run {rep + 1}/{c['reps']}")
                    self.settle_disk()
                    w = self.attempt("write ceiling", None, lambda: self.file_write_rate(c["big"]))
                    if w:
                        self.ceiling_runs.setdefault("file_write_MBps", []).append(w[0])
                        self.ceiling_runs.setdefault("file_write_fsync_MBps", []).append(w[1])
                    self.settle_disk()
                    d = self.attempt("write ceiling (O_DIRECT)", None,
                                     lambda: self.file_write_rate(c["big"], direct=True))
                    if d:
                        self.ceiling_runs.setdefault("file_direct_fsync_MBps", []).append(d[1])
                    durable = [x[1] for x in (w, d) if x]
                    if durable:
                        self.ceiling_runs.setdefault("disk_durable_MBps", []).append(max(durable))
                    for name, target in (("sink", sink), ("nginx /sink", nginx)):
                        if target is None:
                            continue
                        self.log(f"push ceiling [{name}] run {rep + 1}/{c['reps']}")
                        dt = self.attempt(f"push ceiling ({name})", target,
                                          lambda t=target: httpc.post_sink(t.base, self.big_fd,
                                                                           c["big"]))
                        if dt:
                            self.ceiling_runs.setdefault(
                                "sink_upload_MBps" if name == "sink" else "nginx_sink_upload_MBps",
                                []).append(c["big"] / dt / 1e6)
                ram = None
                if mode == "monolithic" and "berth" in self.servers:
                    ram = self.ram_dir()
                for k in range(c["ram_pushes"] if ram else 0):
                    self.settle_disk()
                    self.log(f"monolithic push {big} [berth, data in RAM] run "
                             f"{rep * c['ram_pushes'] + k + 1}/{c['reps'] * c['ram_pushes']}")
                    r = self.attempt("monolithic push (RAM)", None,
                                     lambda: self.push_into_ram(digest, ram))
                    if r:
                        self.res.add("push_mono_ram", "berth", c["big"] / r / 1e6)
                for s in self.regs():
                    self.settle_disk()
                    self.log(f"{mode} push {big} [{s.name}] run {rep + 1}/{c['reps']}")

                    def do_push(s=s):
                        cpu0 = s.cpu()
                        if mode == "monolithic":
                            dt = httpc.push_monolithic(s.base, PUSH_REPO, self.big_fd, c["big"],
                                                       digest, s.single_post_upload)
                        else:
                            dt = httpc.push_chunked(s.base, PUSH_REPO, self.big_fd, c["big"],
                                                    digest, c["chunk"])
                        cpu = s.cpu() - cpu0
                        check_pushed(s.base, digest, c["big"])
                        return dt, cpu
                    r = self.attempt(f"{mode} push", s, do_push)
                    if r:
                        metric.add(s.name, c["big"] / r[0] / 1e6)
                        cpu_metric.add(s.name, r[1] / (c["big"] / GiB))

    def file_write_rate(self, size, direct=False):
        """What storing the bytes costs by itself: the blob being pushed, copied into a new file in
        the scratch directory (same file system as the registries' data), then fsync; so the disk
        sees the very bytes the registries store (it used to see one buffer written over and
        over). Buffered: 256 KiB pwrites through the page cache. direct: 4 MiB O_DIRECT writes
        from page-aligned memory, the way berth stores a large push. Reading the source from the
        page cache is timed too; it costs little next to the write.
        Returns (MB/s until the last write returned, MB/s including the fsync)."""
        path = os.path.join(self.scratch, "write-ceiling.bin")
        step = (4 << 20) if direct else (256 << 10)
        buf = mmap.mmap(-1, step) if direct else bytearray(step)
        view = memoryview(buf)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (os.O_DIRECT if direct else 0)
        fd = os.open(path, flags, 0o600)
        try:
            t0 = time.perf_counter()
            off = 0
            while off < size:
                want = min(step, size - off)
                if direct and want % 4096:
                    raise RuntimeError(f"write ceiling: {size} bytes is not a multiple of 4 KiB")
                n = os.preadv(self.big_fd, [view[:want]], off)
                if n != want:
                    raise RuntimeError(f"write ceiling: {self.big_path} ended at {off + n} bytes")
                off += os.pwritev(fd, [view[:n]], off)
            t1 = time.perf_counter()
            os.fsync(fd)
            t2 = time.perf_counter()
        finally:
            os.close(fd)
            os.unlink(path)
            view.release()
            if direct:
                buf.close()
        return size / (t1 - t0) / 1e6, size / (t2 - t0) / 1e6

    def settle_disk(self):
        """Writes back what earlier steps left dirty (docker-registry never fsyncs, so its pushes
        leave up to a GiB of dirty pages behind), untimed, so that no push or write ceiling pays
        for the writeback of the one before it."""
        t0 = time.perf_counter()
        os.sync()
        dt = time.perf_counter() - t0
        if dt > 0.2:
            self.log(f"  sync before the next step: {dt:.1f} s")

    def ram_dir(self):
        """/dev/shm when it is a tmpfs with room for the big blob; otherwise None, noted once."""
        ram = "/dev/shm"
        need = self.cfg["big"] + (256 << 20)
        try:
            st = os.statvfs(ram)
            fs = [ln.split()[2] for ln in open("/proc/mounts") if ln.split()[1] == ram]
            if fs and fs[-1] == "tmpfs" and st.f_bavail * st.f_frsize >= need:
                return ram
        except OSError:
            pass
        note = f"no tmpfs at {ram} with {human_size(need)} free: the push into RAM was skipped"
        if note not in self.res.notes:
            self.res.notes.append(note)
        return None

    def push_into_ram(self, digest, ram):
        """The monolithic push once more, into a fresh berth whose data directory is under `ram`
        (a tmpfs, from ram_dir()), so no disk is involved: what the push costs the machine's two
        cores alone. Returns seconds, as push_monolithic."""
        size = self.cfg["big"]
        work = tempfile.mkdtemp(prefix="berth-bench-ram.", dir=ram)
        b = srv.Berth(work, self.log, self.servers["berth"].binary)
        try:
            b.start()
            dt = httpc.push_monolithic(b.base, PUSH_REPO, self.big_fd, size, digest, True)
            check_pushed(b.base, digest, size)
            return dt
        finally:
            b.stop()
            shutil.rmtree(work, ignore_errors=True)

    def pulls(self):
        c = self.cfg
        big = human_size(c["big"])
        m = self.res.metric("pull_big", f"pull {big} blob (one connection)", "MB/s", "higher",
                            "nginx: sendfile of the same file; also the pull ceiling")
        cpu = self.res.metric("pull_big_cpu", "  server CPU per GiB", "s", "lower")
        digest = self.variant  # the last pushed variant is in every registry and in big.bin
        if digest is None:
            return
        path = f"/v2/{PUSH_REPO}/blobs/{digest}"
        nginx = self.servers.get("nginx")
        if nginx is not None:
            # nginx serves the very file berth serves (a hard link to berth's blob), not another
            # copy of the bytes: how a file's pages sit in the page cache moves a one-connection
            # sendfile pull by 2x (measured: the same nginx sent a 1 GiB file read in by
            # readahead at 4.3 GB/s and a copy written through the page cache at 2.1 GB/s), so
            # only the same file makes the pull ceiling a ceiling for berth.
            src = self.big_path
            berth = self.servers.get("berth")
            if berth is not None:
                alg, hexpart = digest.split(":", 1)
                blob = os.path.join(berth.data, "registries", "default", "blobs", alg,
                                    hexpart[:2], hexpart)
                if os.path.exists(blob):
                    src = blob
            dst = os.path.join(nginx.root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
        for s in self.all():  # warm-up: the first read may come from disk
            self.attempt("pull warm-up", s, lambda s=s: httpc.pull(s.base, path, c["big"]))
        reps = max(c["reps"], c["pull_reps"])
        for rep in range(reps):
            for s in self.all():
                self.log(f"pull {big} [{s.name}] run {rep + 1}/{reps}")

                def do_pull(s=s):
                    cpu0 = s.cpu()
                    dt = httpc.pull(s.base, path, c["big"])
                    return dt, s.cpu() - cpu0
                r = self.attempt("pull", s, do_pull)
                if r:
                    m.add(s.name, c["big"] / r[0] / 1e6)
                    cpu.add(s.name, r[1] / (c["big"] / GiB))

    def huge_push(self):
        c = self.cfg
        huge = human_size(c["huge"])
        peak = self.res.metric("rss_huge_peak", f"peak RSS while pushing {huge}", "MiB", "lower",
                               "VmRSS sampled every 5 ms during the push")
        growth = self.res.metric("rss_huge_growth", "  peak minus idle RSS", "MiB", "lower")
        rate = self.res.metric("push_huge", f"monolithic push {huge}", "MB/s", "higher")
        for s in self.regs():
            self.log(f"push {huge} [{s.name}] with RSS sampling")
            samples = []
            stop = threading.Event()

            def sample(pid=s.proc.pid):
                while not stop.is_set():
                    try:
                        samples.append(srv.status_kb(pid, "VmRSS"))
                    except OSError:
                        return
                    stop.wait(0.005)

            t = threading.Thread(target=sample, daemon=True)
            t.start()
            try:
                dt = self.attempt(f"push {huge}", s, lambda s=s: httpc.push_monolithic(
                    s.base, PUSH_REPO, self.huge_fd, c["huge"], self.huge_digest,
                    s.single_post_upload))
            finally:
                stop.set()
                t.join()
            if dt and samples:
                top = max(samples) / 1024
                peak.add(s.name, top)
                idle = self.res.med("rss_idle", s.name)
                if idle is not None:
                    growth.add(s.name, top - idle)
                rate.add(s.name, c["huge"] / dt / 1e6)

    # --- the run ---------------------------------------------------------------------------

    def declare_targets(self):
        r = self.res
        med = r.med
        ceil = r.ceilings

        def ge(mid, peer, k):
            return lambda res: None if med(mid, "berth") is None or med(mid, peer) is None \
                else (res.metrics[mid].ratio(peer) >= k)

        def present(mid):
            return mid in r.metrics

        if present("pull_big"):
            r.target("pull_big", "≥0.9×nginx", ge("pull_big", "nginx", 0.9))
            r.target("pull_big", "≥2×reg", ge("pull_big", "registry", 2))
        def vs_push_ceiling(mid):
            def check(res):
                b = med(mid, "berth")
                cap = ceil.get("push_ceiling_MBps")
                return None if b is None or not cap else b >= 0.8 * cap
            return check

        if present("push_mono"):
            r.target("push_mono", "≥0.8×ceiling", vs_push_ceiling("push_mono"))
            r.target("push_mono", "≥2×reg", ge("push_mono", "registry", 2))
        if present("push_mono_ram"):
            r.target("push_mono_ram", "≥0.8×ceiling", vs_push_ceiling("push_mono_ram"))
        for t in ("manifest_get", "manifest_head", "blob_head", "tags_get"):
            if not present(t + "_rps"):
                continue
            r.target(t + "_rps", "≥0.8×nginx", ge(t + "_rps", "nginx", 0.8))
            if t == "tags_get":
                r.target(t + "_rps", "≥10×reg", ge(t + "_rps", "registry", 10))

            def p99_vs(res, t=t):
                b, g = med(t + "_p99", "berth"), med(t + "_p50", "registry")
                return None if b is None or g is None else b < g
            r.target(t + "_p99", "<reg p50", p99_vs)
        if present("blob1m_mbps"):
            r.target("blob1m_mbps", "≥0.9×nginx", ge("blob1m_mbps", "nginx", 0.9))
        if present("conc_pulls"):
            r.target("conc_pulls", "≥0.9×nginx", ge("conc_pulls", "nginx", 0.9))
        for mid in ("list_tags_big", "list_tags_big_one", "list_catalog"):
            if present(mid):
                r.target(mid, "≥10×reg", ge(mid, "registry", 10))
        for mid in ("rss_idle_empty", "rss_idle"):
            if present(mid):
                r.target(mid, "≤¼ reg", ge(mid, "registry", 4))
        if present("rss_huge_growth"):
            r.target("rss_huge_growth", "≤64 MiB", lambda res: None if med(
                "rss_huge_growth", "berth") is None else med("rss_huge_growth", "berth") <= 64)
        for mid in ("startup_empty", "startup_seeded"):
            if present(mid):
                r.target(mid, "≤20 ms", lambda res, mid=mid: None if med(mid, "berth") is None
                         else med(mid, "berth") <= 20)

    def run(self):
        c = self.cfg
        a = self.args
        self.preflight()
        self.res.meta = {
            "mode": "quick" if a.quick else "full",
            "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "loadavg_start": os.getloadavg(), "servers": self.names, "parts": self.parts,
            "berth_bin": os.path.abspath(a.berth_bin),
            "config": {k: v for k, v in c.items()},
            "tools": self.tool_versions(),
        }
        self.log(f"mode {self.res.meta['mode']}, servers {', '.join(self.names)}, "
                 f"scratch {self.scratch}, load average {os.getloadavg()[0]:.1f}")
        self.make_files()
        self.create_servers()

        want = self.parts
        if "startup" in want:
            self.res.metric("startup_empty", "start-up until /v2/ answers (empty)", "ms", "lower",
                            "spawn to first HTTP answer; median of several starts")
            self.log(f"start-up time, {c['starts']} starts each (empty data)")
            self.startups("startup_empty", self.all(), c["starts"], drop_first=True)
            time.sleep(c["settle"])
            self.res.metric("rss_idle_empty", "idle RSS after start (empty)", "MiB", "lower",
                            "VmRSS (nginx: master + workers)")
            for s in self.all():
                self.attempt("idle RSS", s, lambda s=s: self.res.add("rss_idle_empty", s.name,
                                                                      s.rss_kb() / 1024))
        else:
            for s in self.all():
                s.start()

        self.ceilings()

        if not {"startup", "small", "listings", "blobs"} & set(want):
            # Only the big-blob parts: the base image is enough.
            for k in ("tags_small", "tags_big", "repos"):
                c[k] = 0
        seedm = self.res.metric("seed", f"seed {c['tags_small']}+{c['tags_big']} tags, "
                                f"{c['repos']} repos", "s", "lower", "8 keep-alive connections")
        for s in self.regs():
            self.log(f"seeding {s.name}")
            dt = seed.seed(s.base, self.ds, c["tags_small"], c["tags_big"], c["repos"],
                           log=self.log)
            seedm.add(s.name, dt)
            seed.verify(s.base, self.ds, c["tags_small"], c["tags_big"], c["repos"])
        # An (empty) push repository, so the catalog count does not change mid-run.
        for s in self.regs():
            cl = httpc.Client(s.base)
            try:
                httpc.mount_blob(cl, PUSH_REPO, self.ds.digest_tiny, seed.REPO_SMALL)
            finally:
                cl.close()

        if "startup" in want:
            berth = [s for s in self.regs() if s.name == "berth"]
            if berth:
                # After a crash berth has no index snapshot and reads its catalog: measured
                # apart, before the starts of record (each of these stops writes a snapshot).
                self.res.metric("startup_seeded_catalog",
                                "start-up until /v2/ answers (seeded, no index snapshot)", "ms",
                                "lower", "as after a crash: the index is read from the catalog")
                self.log(f"start-up time, {c['starts']} starts (seeded, berth without snapshot)")
                self.startups("startup_seeded_catalog", berth, c["starts"], drop_first=False,
                              before_start=berth[0].forget_index_snapshot)
                berth[0].stop()
            self.res.metric("startup_seeded", "start-up until /v2/ answers (seeded)", "ms",
                            "lower", "berth: after a clean stop, from its index snapshot")
            self.log(f"start-up time, {c['starts']} starts each (seeded data)")
            self.startups("startup_seeded", self.regs(), c["starts"], drop_first=False)
        else:  # a fresh process, so idle and peak RSS do not include the seeding
            for s in self.regs():
                s.stop()
                s.start()
        time.sleep(c["settle"])
        self.res.metric("rss_idle", "idle RSS after start (seeded)", "MiB", "lower",
                        "VmRSS (nginx: master + workers)")
        for s in self.all():
            self.attempt("idle RSS", s, lambda s=s: self.res.add("rss_idle", s.name,
                                                                  s.rss_kb() / 1024))

        if c["tags_small"]:
            self.verify_static()
        # Each part starts from a clean page cache state: no part pays for the writeback of the
        # part before it (the pushes leave GiBs dirty, and disk I/O here takes the same CPUs).
        steps = (("small" in want, self.small_loads),
                 ("listings" in want, self.listings),
                 ("blobs" in want, self.blob_loads),
                 # Without "push" this only puts the big blob in place for the pull.
                 ("push" in want or "pull" in want,
                  lambda: self.pushes(measure="push" in want)),
                 ("pull" in want, self.pulls),
                 ("huge" in want, self.huge_push))
        for wanted, step in steps:
            if wanted:
                self.settle_disk()
                step()

        sha = self.res.ceilings.get("sha256_MBps")
        for key, runs in self.ceiling_runs.items():
            self.res.ceilings[key] = statistics.median(runs)
            self.res.ceilings[key + "_runs"] = runs
        sink = self.res.ceilings.get("sink_upload_MBps")
        self.res.ceilings["nginx_sendfile_pull_MBps"] = self.res.med("pull_big", "nginx")
        caps = [x for x in (sha, sink) if x]
        self.res.ceilings["push_ceiling_MBps"] = min(caps) if caps else None
        for s in self.all():
            if not s.alive():
                self.res.error("end of run", s.name, "server is no longer running")
        self.res.meta["loadavg_end"] = os.getloadavg()
        self.res.meta["seconds"] = round(time.time() - self.t_start, 1)
        self.declare_targets()

    def output(self):
        table, doc = self.res.table(self.names)
        ceil = self.res.ceilings
        meta = self.res.meta
        lines = [
            f"berth benchmark ({meta.get('mode')}) {meta.get('started', '')}  "
            f"reps={self.cfg['reps']}  load={self.cfg['seconds']}s  cpus={meta.get('cpus')}  "
            f"loadavg {meta.get('loadavg_start', [0])[0]:.1f} -> "
            f"{meta.get('loadavg_end', [0])[0]:.1f}  ({meta.get('seconds', 0):.0f} s)",
            "ceilings: sha256 (openssl, one core) " + report.fmt(ceil.get("sha256_MBps")) +
            " MB/s;  upload into a discarding sink (1 MiB reads) " + self.ceiling_text(
                "sink_upload_MBps") + ";  push ceiling (lower of the two) " +
            report.fmt(ceil.get("push_ceiling_MBps")) + " MB/s",
            "          write into a new file " + self.ceiling_text("file_write_MBps") +
            ", with fsync " + self.ceiling_text("file_write_fsync_MBps") + "; 4 MiB O_DIRECT "
            "writes + fsync " + self.ceiling_text("file_direct_fsync_MBps") + "; the disk's "
            "durable rate (the better of the two, per run) " +
            self.ceiling_text("disk_durable_MBps") + ";",
            "          upload into nginx /sink (return 204: discards through 4 KiB reads) " +
            self.ceiling_text("nginx_sink_upload_MBps") + ";  nginx sendfile pull " +
            report.fmt(ceil.get("nginx_sendfile_pull_MBps")) + " MB/s",
            "figures: median [min–max] of the runs; 'vs' columns: how many times better berth "
            "is (>1 = berth better, for rates and for times alike)",
            "",
            table,
            "",
            f"targets: {doc['targets']['PASS']} PASS, {doc['targets']['MISS']} MISS, "
            f"{doc['targets']['n/a']} n/a (a MISS never fails the run)",
        ]
        for n in self.res.notes:
            lines.append(f"note: {n}")
        for e in self.res.errors:
            lines.append(f"ERROR {e['what']} [{e['server']}]: {e['error']}")
        text = "\n".join(lines)
        print(text, flush=True)
        out = os.path.abspath(self.args.out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        doc["table"] = text
        with open(out + ".tmp", "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(out + ".tmp", out)
        with open(os.path.splitext(out)[0] + ".txt", "w") as f:
            f.write(text + "\n")
        print(f"results: {out}", file=sys.stderr)
        return doc

    def ceiling_text(self, key):
        runs = self.ceiling_runs.get(key)
        if not runs:
            return "- MB/s"
        med = report.fmt(statistics.median(runs))
        if len(runs) == 1:
            return f"{med} MB/s"
        return f"{med} [{report.fmt(min(runs))}–{report.fmt(max(runs))}] MB/s"

    def cleanup(self):
        self.stop_all()
        self.remove_scratch()

    def remove_scratch(self):
        for fd in ("big_fd", "huge_fd"):
            if hasattr(self, fd):
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
        if self.args.keep:
            self.log(f"kept scratch data in {self.scratch}")
            return
        if self.args.background_cleanup:
            p = subprocess.Popen(["rm", "-rf", "--one-file-system", "--", self.scratch],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
            self.log(f"removing {self.scratch} in the background (rm pid {p.pid})")
            return
        t0 = time.time()
        self.log(f"removing {self.scratch} (docker-registry's tree has ~20 directories per "
                 f"repository; on a file system mounted with online discard this takes a while)")
        # rm is several times faster than shutil.rmtree on docker-registry's deep tree.
        subprocess.run(["rm", "-rf", "--one-file-system", "--", self.scratch],
                       stdin=subprocess.DEVNULL, check=False)
        if os.path.exists(self.scratch):
            shutil.rmtree(self.scratch, ignore_errors=True)
        self.log(f"removed {self.scratch} in {time.time() - t0:.1f} s")
        try:
            os.rmdir(self.args.scratch)  # only if no other run is using it
        except OSError:
            pass


def default_berth_bin():
    # The most recently built binary: an old build directory must not be measured by accident.
    found = [p for p in (os.path.join(ROOT, d, "src", "cli", "berth")
                         for d in ("build-bench", "build", "build-lead")) if os.path.isfile(p)]
    if found:
        return max(found, key=os.path.getmtime)
    return os.path.join(ROOT, "build", "src", "cli", "berth")


def main():
    ap = argparse.ArgumentParser(
        prog="bench/run",
        description="Benchmarks berth against docker-registry and nginx on this machine.")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, 2-second loads, one run each (a smoke test, ~1-2 min)")
    ap.add_argument("--only", metavar="LIST",
                    help="comma-separated servers to run: berth,registry,nginx (default all)")
    ap.add_argument("--berth-bin", default=default_berth_bin(), help="berth binary to test")
    ap.add_argument("--out", help="JSON results file, a .txt table is written beside it "
                                  "(default bench/results/latest.json; with --quick "
                                  "bench/results/quick.json, so a smoke test never replaces "
                                  "a full run's results)")
    ap.add_argument("--reps", type=int, help="runs per figure (default 3, quick 1)")
    ap.add_argument("--seconds", type=int, help="duration of each wrk/ab load (default 10, quick 2)")
    ap.add_argument("--starts", type=int, help="starts per start-up figure (default 7, quick 3)")
    ap.add_argument("--parts", metavar="LIST",
                    help=f"comma-separated parts to run (default all): {','.join(PARTS)}; "
                         f"seeding always runs")
    ap.add_argument("--scratch", default="/tmp/berth-bench", help="scratch directory")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--background-cleanup", action="store_true",
                    help="remove the scratch directory with a detached rm and return at once "
                         "(a full run leaves ~300,000 files and ~20 GB to delete)")
    args = ap.parse_args()
    if args.out is None:
        args.out = os.path.join(ROOT, "bench", "results",
                                "quick.json" if args.quick else "latest.json")

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    b = Bench(args)
    status = 0
    try:
        b.run()
    except KeyboardInterrupt:
        b.log("interrupted")
        b.res.error("run", "-", "interrupted")
        status = 130
    except (srv.ServerError, httpc.HttpError, loadgen.LoadError, OSError,
            http.client.HTTPException) as e:
        b.log(f"FATAL: {e}")
        b.res.error("run", "-", e)
        status = 1
    except Exception as e:  # noqa: BLE001 - a harness bug: still clean up and report
        b.log("FATAL: unexpected error\n" + traceback.format_exc())
        b.res.error("run", "-", f"{type(e).__name__}: {e}")
        status = 1
    finally:
        b.stop_all()
    try:
        doc = b.output()  # results first: removing the scratch data can take minutes
    finally:
        b.remove_scratch()
    if status == 0 and not doc["ok"]:
        status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
