"""Shared helpers for kefu's benchmarks (python3 standard library only).

Starts servers on 127.0.0.1 with port 0, waits for them to say where they listen, samples
/proc, stops exactly the processes it started, and describes the machine.
"""
import datetime
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
# The benchmarks drive kefu with one token (or a few) far harder than any client would; the
# per-token REST limit (on by default, loopback included) would measure the limiter. Per-address
# limits do not apply to loopback. An explicit setting in the environment still wins.
os.environ.setdefault("KEFU_LIMITS_TOKEN_PER_SECOND", "0")
LISTEN_RE = re.compile(r"listening on (?:https?://)?(127\.\d+\.\d+\.\d+):(\d+)")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def raise_nofile():
    """Raises the soft file-descriptor limit to the hard one (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def kefu_bin():
    return Path(os.environ.get("KEFU_BIN", ROOT / "build" / "kefu"))


def proc_sample(pid):
    """utime+stime (s), VmRSS and Pss (KiB) of a process."""
    out = {"cpu_s": None, "rss_kib": None, "pss_kib": None}
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        tck = os.sysconf("SC_CLK_TCK")
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / tck
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_kib"] = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss_kib"] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return out


def http_get(host, port, path, timeout=1.0):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


class Server:
    """One server process we started: its pid, address, log file. stop() ends only it."""

    def __init__(self, name, argv, cwd=None, env=None, workdir=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.cwd = cwd
        self.env = env
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"kefu-bench-{name}-"))
        self.log_path = self.workdir / f"{name}.log"
        self.proc = None
        self.host = None
        self.port = None
        self.t_exec = None

    def start(self, timeout=30.0):
        self.logf = open(self.log_path, "wb")
        self.t_exec = time.monotonic()
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            m = LISTEN_RE.search(self.log_path.read_text(errors="replace"))
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
                if not self.host.startswith("127."):
                    raise RuntimeError(f"{self.name} listens on {self.host}, not loopback")
                try:
                    if http_get(self.host, self.port, "/healthz")[0] == 200:
                        return self
                except OSError:
                    pass
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"{self.name} did not become ready in {timeout}s:\n{self.tail()}")

    @property
    def pid(self):
        return self.proc.pid

    def tail(self, n=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: no exit {timeout}s after SIGTERM, killing pid {self.proc.pid}")
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        return self.proc.returncode

    def cleanup(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def machine():
    def cmd(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_kib": mem_kib,
        "kernel": platform.release(),
        "os": platform.platform(),
        "loadavg_at_start": load,
        "nofile_hard_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        "node": cmd("node", "--version"),
        "gxx": (cmd("g++", "--version") or "").splitlines()[0] if shutil.which("g++") else None,
        "git_commit": cmd("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
    }


def timestamp():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def write_json(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
