"""Starting, probing and stopping the three servers the benchmark compares.

Every server listens on 127.0.0.1 only, keeps its state under the scratch directory, and is
stopped by the PID this module started (never by name).
"""

import os
import signal
import socket
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")

CONTENT_TYPE_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class ServerError(RuntimeError):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_status_line(port, path, timeout=1.0):
    """One GET on a fresh connection; returns the status code or raises OSError."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n")
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionResetError("closed before a status line")
            data += chunk
        parts = data.split(b"\r\n", 1)[0].split()
        return int(parts[1])


def proc_children(pid):
    """Direct children of pid (nginx workers of the master)."""
    kids = []
    path = f"/proc/{pid}/task/{pid}/children"
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        pass
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime/stime are fields 14/15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Server:
    """Base class: subclasses fill in name, command() and readiness path."""

    name = "?"
    ready_path = "/v2/"
    single_post_upload = False  # True when POST ?digest= with a body completes an upload

    def __init__(self, workdir, log):
        self.workdir = workdir
        self.log = log
        self.port = None
        self.proc = None
        self.logfile = None
        os.makedirs(workdir, exist_ok=True)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        raise NotImplementedError

    def prepare(self):
        """Writes configuration for the current port (called before each start)."""

    def start(self, timeout=30.0):
        """Starts the server and polls until ready_path answers. Returns seconds from spawn to
        the first HTTP answer (the start-up time)."""
        if self.proc is not None:
            raise ServerError(f"{self.name} is already running")
        self.port = free_port()
        self.prepare()
        cmd = self.command()
        self.logfile = open(os.path.join(self.workdir, "server.log"), "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.logfile,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = t0 + timeout
        while True:
            try:
                code = _read_status_line(self.port, self.ready_path)
                if code in (200, 401):
                    elapsed = time.perf_counter() - t0
                    break
                raise ServerError(f"{self.name}: GET {self.ready_path} answered {code}")
            except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
                pass
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                raise ServerError(f"{self.name} exited with status {rc} during start-up; "
                                  f"see {self.workdir}/server.log:\n{self.tail_log()}")
            if time.perf_counter() > deadline:
                self.stop()
                raise ServerError(f"{self.name} did not answer {self.ready_path} within "
                                  f"{timeout:.0f} s; see {self.workdir}/server.log")
            time.sleep(0.0002)
        return elapsed

    def tail_log(self, lines=15):
        try:
            with open(os.path.join(self.workdir, "server.log"), "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=15.0):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.log(f"{self.name}: pid {proc.pid} ignored SIGTERM for {timeout:.0f} s; killing")
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        if self.logfile:
            self.logfile.close()
            self.logfile = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise ServerError(f"{self.name} is no longer running; see {self.workdir}/server.log:\n"
                              f"{self.tail_log()}")

    def pids(self):
        return [self.proc.pid]

    def cpu(self):
        total = 0.0
        for pid in self.pids():
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
        return total

    def rss_kb(self):
        return sum(status_kb(p, "VmRSS") for p in self.pids())

    def hwm_kb(self):
        return sum(status_kb(p, "VmHWM") for p in self.pids())


class Berth(Server):
    name = "berth"
    single_post_upload = True

    def __init__(self, workdir, log, binary):
        super().__init__(workdir, log)
        self.binary = binary
        self.data = os.path.join(workdir, "data")

    def forget_index_snapshot(self):
        """Removes the index snapshot a clean stop wrote, so the next start reads the catalog as
        after a crash (the daemon logs that the recorded snapshot is missing)."""
        path = os.path.join(self.data, "index", "default.snapshot")
        if os.path.exists(path):
            os.remove(path)

    def command(self):
        # The reference registry and nginx run without auth; so does berth's configured registry,
        # to compare like with like (docs/performance.md measures the authenticated path apart).
        return [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}",
                "--data-dir", self.data, "--log-level", "error", "--authentication", "disabled",
                "--management-listen", "off"]


class DockerRegistry(Server):
    name = "registry"

    def __init__(self, workdir, log, binary="docker-registry"):
        super().__init__(workdir, log)
        self.binary = binary
        self.data = os.path.join(workdir, "data")
        self.config = os.path.join(workdir, "config.yml")

    def prepare(self):
        os.makedirs(self.data, exist_ok=True)
        with open(self.config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {self.data}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{self.port}
  secret: berth-bench-not-a-secret
""")

    def command(self):
        return [self.binary, "serve", self.config]


class Nginx(Server):
    """nginx serving the same bytes as static files, plus /sink that reads and discards a body."""

    name = "nginx"

    def __init__(self, workdir, log, root, binary="nginx", workers=2):
        super().__init__(workdir, log)
        self.binary = binary
        self.root = root
        self.workers = workers
        self.conf = os.path.join(workdir, "nginx.conf")

    def prepare(self):
        for d in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "logs"):
            os.makedirs(os.path.join(self.workdir, d), exist_ok=True)
        w = self.workdir
        with open(self.conf, "w") as f:
            f.write(f"""# Generated by bench/lib/servers.py for one benchmark run.
daemon off;
master_process on;
user root;
worker_processes {self.workers};
pid {w}/nginx.pid;
error_log {w}/logs/error.log error;
events {{
    worker_connections 4096;
    multi_accept on;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 65;
    server_tokens off;
    client_body_temp_path {w}/tmp/body;
    proxy_temp_path {w}/tmp/proxy;
    fastcgi_temp_path {w}/tmp/fastcgi;
    uwsgi_temp_path {w}/tmp/uwsgi;
    scgi_temp_path {w}/tmp/scgi;
    types {{ }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{self.port} reuseport backlog=4096;
        root {self.root};
        location = /v2/ {{
            default_type application/json;
            return 200 '{{}}';
        }}
        location ~ ^/v2/.+/manifests/[^/]+$ {{
            default_type {CONTENT_TYPE_MANIFEST};
        }}
        location ~ ^/v2/.+/tags/list$ {{
            default_type application/json;
        }}
        location ~ ^/v2/.+/blobs/sha256:[0-9a-f]+$ {{
            default_type application/octet-stream;
        }}
        # The push ceiling: nginx reads the request body and throws it away.
        location = /sink {{
            client_max_body_size 0;
            return 204;
        }}
    }}
}}
""")

    def command(self):
        return [self.binary, "-c", self.conf, "-p", self.workdir + "/", "-e",
                os.path.join(self.workdir, "logs", "error.log")]

    def pids(self):
        master = self.proc.pid
        return [master] + proc_children(master)


class Sink(Server):
    """bench/lib/sink.py: the discarding upload target for the push ceiling."""

    name = "sink"

    def command(self):
        here = os.path.dirname(os.path.abspath(__file__))
        return [sys.executable, os.path.join(here, "sink.py"), str(self.port)]


def http10_keepalive_ok(port, path, method="HEAD", headers=None):
    """True when an HTTP/1.0 request with 'Connection: Keep-Alive' gets a response that says
    keep-alive (what ab -k needs; without it ab waits for the server to close)."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    req = (f"{method} {path} HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: 127.0.0.1:{port}\r\n"
           f"{extra}\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(req)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "connection" and "keep-alive" in v.lower():
            return True, lines[0]
    return False, lines[0] if lines else "(no response)"
