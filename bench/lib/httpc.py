"""A small HTTP client for the registry API: keep-alive connections (http.client), uploads
that send file bytes with sendfile(2), downloads into one reused buffer, paginated listings
that follow the Link header (timed ones through the C++ bench/tools/list_pages), and many
concurrent pulls on one event loop.

The same code drives every server, so client-side costs are the same for all of them.
"""

import http.client
import json
import os
import re
import select
import selectors
import socket
import subprocess
import tempfile
import time
from urllib.parse import urlsplit

TIMEOUT = 120.0
RECV_BUFFER = 1 << 20


class HttpError(RuntimeError):
    pass


def path_of(location):
    """Location headers may be absolute (docker-registry) or a path (berth)."""
    if location.startswith("http://") or location.startswith("https://"):
        u = urlsplit(location)
        return u.path + ("?" + u.query if u.query else "")
    return location


def add_query(path, key, value):
    return path + ("&" if "?" in path else "?") + f"{key}={value}"


class Client:
    """One keep-alive connection to one server; reconnects after the server closes."""

    def __init__(self, base, timeout=TIMEOUT):
        u = urlsplit(base)
        self.host = u.hostname
        self.port = u.port
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _finish(self, resp, method, path):
        body = resp.read()
        if resp.will_close:
            self.close()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, body

    def request(self, method, path, body=None, headers=None, expect=None):
        """Sends one request; returns (status, headers, body). Retries once on a connection
        the server had closed while idle. expect: a status or tuple of accepted statuses."""
        hdrs = dict(headers or {})
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/octet-stream"
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 1:
                    raise
        status, rh, rb = self._finish(resp, method, path)
        if expect is not None:
            ok = status in expect if isinstance(expect, tuple) else status == expect
            if not ok:
                raise HttpError(f"{method} {path} -> {status} (expected {expect}): "
                                f"{rb[:300].decode(errors='replace')}")
        return status, rh, rb

    def send_file(self, method, path, fd, offset, length, headers=None, expect=None):
        """Sends length bytes of fd from offset as the request body with sendfile(2)."""
        conn = self._connection()
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(length))
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        sent_err = None
        if length:
            sock = conn.sock
            pos = offset
            end = offset + length
            try:
                while pos < end:
                    try:
                        n = os.sendfile(sock.fileno(), fd, pos, min(end - pos, 1 << 30))
                    except BlockingIOError:  # http.client sockets have a timeout: non-blocking
                        if not select.select([], [sock], [], self.timeout)[1]:
                            raise HttpError(f"{method} {path}: send timed out after "
                                            f"{self.timeout:.0f} s at byte {pos - offset}")
                        continue
                    if n == 0:
                        raise HttpError(f"{method} {path}: sendfile returned 0 at {pos - offset}")
                    pos += n
            except (BrokenPipeError, ConnectionResetError) as e:
                sent_err = e  # the server answered early; read its answer below
        try:
            resp = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError) as e:
            self.close()
            raise HttpError(f"{method} {path}: connection lost ({sent_err or e})")
        status, rh, rb = self._finish(resp, method, path)
        if sent_err is not None:
            self.close()
            raise HttpError(f"{method} {path}: server answered {status} before the body was "
                            f"sent: {rb[:300].decode(errors='replace')}")
        if expect is not None:
            ok = status in expect if isinstance(expect, tuple) else status == expect
            if not ok:
                raise HttpError(f"{method} {path} -> {status} (expected {expect}): "
                                f"{rb[:300].decode(errors='replace')}")
        return status, rh, rb

    def download(self, path, headers=None, buf=None):
        """GET path, reading the body into a reused buffer. Returns bytes received."""
        conn = self._connection()
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        if resp.status != 200:
            body = resp.read()
            self.close()
            raise HttpError(f"GET {path} -> {resp.status}: {body[:300].decode(errors='replace')}")
        expected = resp.length
        mv = memoryview(buf if buf is not None else bytearray(RECV_BUFFER))
        total = 0
        while True:
            n = resp.readinto(mv)
            if not n:
                break
            total += n
        if expected is not None and total != expected:
            raise HttpError(f"GET {path}: got {total} bytes, Content-Length said {expected}")
        if resp.will_close:
            self.close()
        return total


# --- registry operations -----------------------------------------------------------------

def upload_bytes(client, repo, data, digest):
    """Uploads a small blob as POST + PUT ?digest= (works on every registry)."""
    _, h, _ = client.request("POST", f"/v2/{repo}/blobs/uploads/", expect=202)
    loc = add_query(path_of(h["location"]), "digest", digest)
    client.request("PUT", loc, body=data, expect=201)


def mount_blob(client, repo, digest, source):
    status, h, _ = client.request("POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={source}",
                                  expect=(201, 202))
    if status == 202:  # not mounted; cancel the session the server opened instead
        client.request("DELETE", path_of(h["location"]), expect=(204, 404))
        raise HttpError(f"mount of {digest} from {source} into {repo} was refused (202)")


def push_monolithic(base, repo, fd, size, digest, single_post):
    """Pushes a whole blob in one body. single_post: POST ?digest= carries the body (berth);
    otherwise POST opens a session and PUT ?digest= carries the body (docker-registry, which
    ignores a body on POST). Returns seconds from the first byte sent to the 201."""
    c = Client(base)
    try:
        t0 = time.perf_counter()
        if single_post:
            c.send_file("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", fd, 0, size,
                        expect=201)
        else:
            _, h, _ = c.request("POST", f"/v2/{repo}/blobs/uploads/", expect=202)
            loc = add_query(path_of(h["location"]), "digest", digest)
            c.send_file("PUT", loc, fd, 0, size, expect=201)
        return time.perf_counter() - t0
    finally:
        c.close()


def push_chunked(base, repo, fd, size, digest, chunk):
    """POST, then PATCH chunk by chunk (Content-Range), then PUT ?digest= with no body."""
    c = Client(base)
    try:
        t0 = time.perf_counter()
        _, h, _ = c.request("POST", f"/v2/{repo}/blobs/uploads/", expect=202)
        loc = path_of(h["location"])
        off = 0
        while off < size:
            n = min(chunk, size - off)
            _, h, _ = c.send_file("PATCH", loc, fd, off, n,
                                  headers={"Content-Range": f"{off}-{off + n - 1}"}, expect=202)
            loc = path_of(h["location"])
            off += n
        c.request("PUT", add_query(loc, "digest", digest), body=b"", expect=201)
        return time.perf_counter() - t0
    finally:
        c.close()


def post_sink(base, fd, size):
    """The push ceiling: POST the file to nginx's /sink, which discards the body. nginx may
    answer 204 before it has read the body, so the clock stops at the answer to a second
    request on the same connection, which nginx can only parse once it has consumed every
    byte of the body (that answer also proves it read the body instead of dropping it)."""
    c = Client(base)
    try:
        t0 = time.perf_counter()
        c.send_file("POST", "/sink", fd, 0, size, expect=204)
        conn = c.conn
        if conn is None:
            raise HttpError("nginx closed the connection after /sink: cannot tell whether it "
                            "read the body")
        sock = conn.sock
        c.request("GET", "/v2/", expect=200)
        if c.conn is None or c.conn.sock is not sock:
            raise HttpError("the request after /sink went on a new connection: cannot tell "
                            "whether nginx read the body")
        return time.perf_counter() - t0
    finally:
        c.close()


def pull(base, path, expected_size):
    c = Client(base)
    try:
        buf = bytearray(RECV_BUFFER)
        t0 = time.perf_counter()
        n = c.download(path, buf=buf)
        dt = time.perf_counter() - t0
        if n != expected_size:
            raise HttpError(f"GET {path}: {n} bytes, expected {expected_size}")
        return dt
    finally:
        c.close()


LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def list_items(base, path, key, n):
    """Follows Link rel=next from path?n=N to the end with http.client; returns the items.
    Untimed: it checks the seeded data with a client independent of list_pages."""
    c = Client(base)
    try:
        items = []
        pages = 0
        url = add_query(path, "n", n)
        while url:
            _, h, body = c.request("GET", url, expect=200)
            pages += 1
            items.extend(json.loads(body).get(key) or [])
            link = h.get("link")
            url = None
            if link:
                m = LINK_RE.search(link)
                if m:
                    url = path_of(m.group(1))
            if pages > 1_000_000:
                raise HttpError(f"{path}: more than a million pages; pagination loops")
        return items
    finally:
        c.close()


def list_paginated(tool, base, path, key, n=None, repeat=1):
    """Times the listing of path (?n=N; None: the server's default page) with `tool`, the
    compiled bench/tools/list_pages.cc: one keep-alive connection, following Link rel=next to
    the end, `repeat` times in a row (the tool checks that every run returns the same pages).
    http.client's own per-response cost exceeds berth's, so the timed exchange runs in C++ and
    the pages are parsed here only after the clock has stopped.
    Returns (median seconds, items, pages, seconds of each run)."""
    u = urlsplit(base)
    url = path if n is None else add_query(path, "n", n)
    with tempfile.NamedTemporaryFile(prefix="list-pages-", dir=os.path.dirname(tool)) as out:
        try:
            p = subprocess.run([tool, u.hostname, str(u.port), url, out.name,
                                "--repeat", str(repeat)],
                               capture_output=True, text=True, timeout=10 * TIMEOUT)
        except subprocess.TimeoutExpired:
            raise HttpError(f"list_pages {url}: no result after {10 * TIMEOUT:.0f} s")
        if p.returncode != 0:
            raise HttpError(p.stderr.strip() or f"list_pages {url}: exit status {p.returncode}")
        result = json.loads(p.stdout)
        data = out.read()
    bodies = []
    pos = 0
    while pos < len(data):  # "<length>\n<body>\n" per page
        eol = data.index(b"\n", pos)
        length = int(data[pos:eol])
        bodies.append(data[eol + 1:eol + 1 + length])
        pos = eol + 1 + length + 1
        if data[pos - 1:pos] != b"\n":
            raise HttpError(f"list_pages {url}: page {len(bodies)} is cut short in its output")
    if len(bodies) != result["pages"] or sum(map(len, bodies)) != result["bytes"]:
        raise HttpError(f"list_pages {url}: wrote {len(bodies)} pages of "
                        f"{sum(map(len, bodies))} bytes, reported {result['pages']} of "
                        f"{result['bytes']}")
    items = []
    for body in bodies:
        items.extend(json.loads(body).get(key) or [])
    return result["seconds"], items, len(bodies), result["runs"]


def concurrent_pulls(port, path, count, size, timeout=TIMEOUT):
    """count simultaneous GETs of path, one connection each, on one event loop.
    Returns seconds from the first connect to the last byte."""
    sel = selectors.DefaultSelector()
    buf = bytearray(RECV_BUFFER)
    mv = memoryview(buf)
    req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").encode()
    states = {}
    t0 = time.perf_counter()
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", port))
            if err not in (0, 115):  # EINPROGRESS
                raise HttpError(f"connect: {os.strerror(err)}")
            st = {"sock": s, "sent": False, "head": b"", "body": 0, "length": None}
            states[s.fileno()] = st
            sel.register(s, selectors.EVENT_WRITE, st)
        pending = count
        deadline = t0 + timeout
        while pending:
            if time.perf_counter() > deadline:
                raise HttpError(f"{pending} of {count} concurrent pulls unfinished after {timeout:.0f} s")
            for key, ev in sel.select(timeout=1.0):
                st = key.data
                s = st["sock"]
                if not st["sent"]:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise HttpError(f"connect: {os.strerror(err)}")
                    s.sendall(req)  # tiny: fits in the socket buffer
                    st["sent"] = True
                    sel.modify(s, selectors.EVENT_READ, st)
                    continue
                try:
                    n = s.recv_into(mv)
                except BlockingIOError:
                    continue
                if n == 0:
                    if st["length"] is None or st["body"] != st["length"]:
                        raise HttpError(f"connection closed after {st['body']} body bytes "
                                        f"(expected {st['length']})")
                    sel.unregister(s)
                    s.close()
                    pending -= 1
                    continue
                if st["length"] is None:
                    st["head"] += bytes(mv[:n])
                    if b"\r\n\r\n" not in st["head"]:
                        continue
                    head, rest = st["head"].split(b"\r\n\r\n", 1)
                    lines = head.decode("latin-1").split("\r\n")
                    code = int(lines[0].split()[1])
                    if code != 200:
                        raise HttpError(f"GET {path} -> {code}")
                    length = None
                    for line in lines[1:]:
                        k, _, v = line.partition(":")
                        if k.strip().lower() == "content-length":
                            length = int(v)
                    if length is None:
                        raise HttpError(f"GET {path}: no Content-Length")
                    st["length"] = length
                    st["body"] = len(rest)
                    st["head"] = b""
                else:
                    st["body"] += n
                if st["body"] >= st["length"]:
                    if st["body"] != st["length"] or st["length"] != size:
                        raise HttpError(f"GET {path}: {st['body']} bytes, expected {size}")
                    sel.unregister(s)
                    s.close()
                    pending -= 1
        return time.perf_counter() - t0
    finally:
        for st in states.values():
            try:
                sel.unregister(st["sock"])
            except (KeyError, ValueError):
                pass
            st["sock"].close()
        sel.close()
