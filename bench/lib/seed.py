#!/usr/bin/python3
"""Seeds a registry with the benchmark's data set through the OCI distribution API.

The same bytes go to every registry: a config blob, a 1 MiB and a 10 MiB layer, and an OCI
image manifest in bench/small:latest; the manifest tagged N times in bench/tags1k and M times
in bench/tags10k; and R repositories cat/rNNNNN with one tag each (for _catalog). Work runs on
several threads, each with one keep-alive connection (http.client), so 10,000 tags take
seconds, not minutes.

Standalone use:  seed.py URL [--tags-small 1000] [--tags-big 10000] [--repos 10000]
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import httpc  # noqa: E402

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
REPO_SMALL = "bench/small"
REPO_TAGS_SMALL = "bench/tags1k"
REPO_TAGS_BIG = "bench/tags10k"
CATALOG_PREFIX = "cat/r"
BENCH_REPOS = (REPO_SMALL, REPO_TAGS_SMALL, REPO_TAGS_BIG)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tag_name(i):
    return f"t{i:05d}"


def repo_name(i):
    return f"{CATALOG_PREFIX}{i:05d}"


class DataSet:
    """The deterministic blobs and manifests every server gets."""

    def __init__(self, seed=20240601):
        rng = random.Random(seed)
        self.layer1m = rng.randbytes(1 << 20)
        self.layer10m = rng.randbytes(10 << 20)
        self.layer_tiny = rng.randbytes(512)
        self.config = json.dumps({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [sha256(self.layer1m), sha256(self.layer10m)]},
            "config": {"Cmd": ["/bin/true"]},
        }, separators=(",", ":")).encode()
        self.blobs = {sha256(b): b for b in (self.config, self.layer1m, self.layer10m,
                                             self.layer_tiny)}
        self.digest_config = sha256(self.config)
        self.digest_1m = sha256(self.layer1m)
        self.digest_10m = sha256(self.layer10m)
        self.digest_tiny = sha256(self.layer_tiny)
        self.manifest = self._manifest([self.layer1m, self.layer10m])
        self.manifest_digest = sha256(self.manifest)
        # The catalog repositories get a smaller image (config + one tiny layer).
        self.manifest_tiny = self._manifest([self.layer_tiny])

    def _manifest(self, layers):
        return json.dumps({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": self.digest_config, "size": len(self.config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": sha256(b), "size": len(b)} for b in layers],
        }, separators=(",", ":")).encode()

    def tags_json(self, repo, count):
        """The tags/list body nginx serves as a static file."""
        return json.dumps({"name": repo, "tags": [tag_name(i) for i in range(count)]},
                          separators=(",", ":")).encode()


def _parallel(base, jobs, fn, workers):
    """Runs fn(client, job) for every job on `workers` threads, one connection per thread."""
    local = threading.local()
    clients = []
    lock = threading.Lock()

    def run(job):
        c = getattr(local, "client", None)
        if c is None:
            c = local.client = httpc.Client(base)
            with lock:
                clients.append(c)
        fn(c, job)

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            for f in concurrent.futures.as_completed([pool.submit(run, j) for j in jobs]):
                f.result()  # re-raises the first failure
    finally:
        for c in clients:
            c.close()


def seed(base, ds, tags_small, tags_big, repos, workers=8, log=None):
    """Pushes the data set into the registry at base. Returns seconds taken."""
    log = log or (lambda msg: None)
    t0 = time.perf_counter()
    c = httpc.Client(base)
    try:
        for digest, data in ds.blobs.items():
            httpc.upload_bytes(c, REPO_SMALL, data, digest)
        hdr = {"Content-Type": MANIFEST_TYPE}
        c.request("PUT", f"/v2/{REPO_SMALL}/manifests/latest", body=ds.manifest, headers=hdr,
                  expect=201)
        for repo in (REPO_TAGS_SMALL, REPO_TAGS_BIG):
            for digest in (ds.digest_config, ds.digest_1m, ds.digest_10m):
                httpc.mount_blob(c, repo, digest, REPO_SMALL)
    finally:
        c.close()

    def put_tag(client, job):
        repo, tag = job
        client.request("PUT", f"/v2/{repo}/manifests/{tag}", body=ds.manifest, headers=hdr,
                       expect=201)

    jobs = [(REPO_TAGS_SMALL, tag_name(i)) for i in range(tags_small)]
    jobs += [(REPO_TAGS_BIG, tag_name(i)) for i in range(tags_big)]
    _parallel(base, jobs, put_tag, workers)
    log(f"  {len(jobs)} tags in {time.perf_counter() - t0:.1f} s")

    def put_repo(client, i):
        repo = repo_name(i)
        httpc.mount_blob(client, repo, ds.digest_config, REPO_SMALL)
        httpc.mount_blob(client, repo, ds.digest_tiny, REPO_SMALL)
        client.request("PUT", f"/v2/{repo}/manifests/latest", body=ds.manifest_tiny, headers=hdr,
                       expect=201)

    t1 = time.perf_counter()
    _parallel(base, range(repos), put_repo, workers)
    log(f"  {repos} repositories in {time.perf_counter() - t1:.1f} s")
    return time.perf_counter() - t0


def verify(base, ds, tags_small, tags_big, repos):
    """Checks that the seeded data reads back: manifest bytes, blob sizes, tag and repo counts."""
    c = httpc.Client(base)
    try:
        _, h, body = c.request("GET", f"/v2/{REPO_SMALL}/manifests/latest",
                               headers={"Accept": MANIFEST_TYPE}, expect=200)
        if body != ds.manifest:
            raise httpc.HttpError(f"{base}: manifest bytes differ from what was pushed")
        for digest, data in ds.blobs.items():
            _, h, _ = c.request("HEAD", f"/v2/{REPO_SMALL}/blobs/{digest}", expect=200)
            if int(h.get("content-length", -1)) != len(data):
                raise httpc.HttpError(f"{base}: HEAD blob {digest} Content-Length "
                                      f"{h.get('content-length')} != {len(data)}")
        if tags_small:
            _, _, body = c.request("GET", f"/v2/{REPO_TAGS_SMALL}/tags/list", expect=200)
            got = json.loads(body).get("tags") or []
            if len(got) != tags_small:
                raise httpc.HttpError(f"{base}: {REPO_TAGS_SMALL} lists {len(got)} tags, "
                                      f"expected {tags_small}")
    finally:
        c.close()
    if tags_big:
        got = httpc.list_items(base, f"/v2/{REPO_TAGS_BIG}/tags/list", "tags",
                               max(1, tags_big // 10))
        if len(got) != tags_big:
            raise httpc.HttpError(f"{base}: {REPO_TAGS_BIG} lists {len(got)} tags, "
                                  f"expected {tags_big}")
    got = httpc.list_items(base, "/v2/_catalog", "repositories", 1000)
    want = repos + 1 + (1 if tags_small else 0) + (1 if tags_big else 0)
    if len(got) < want:
        raise httpc.HttpError(f"{base}: catalog lists {len(got)} repositories, expected {want}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", help="registry base URL, e.g. http://127.0.0.1:5000")
    ap.add_argument("--tags-small", type=int, default=1000)
    ap.add_argument("--tags-big", type=int, default=10000)
    ap.add_argument("--repos", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=8)
    a = ap.parse_args()
    ds = DataSet()
    dt = seed(a.url, ds, a.tags_small, a.tags_big, a.repos, a.workers, log=print)
    verify(a.url, ds, a.tags_small, a.tags_big, a.repos)
    print(f"seeded {a.url} in {dt:.1f} s")


if __name__ == "__main__":
    main()
