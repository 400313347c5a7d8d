"""Test harness: starts a real `kefu serve` on a free loopback port and talks to it over real
HTTP and WebSocket (a small RFC 6455 client: the standard library has none)."""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEFU = os.environ.get("KEFU_BIN", os.path.join(ROOT, "build", "kefu"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One kefu process on a temporary database. Restartable on the same database."""

    def __init__(self, env=None, args=(), tls=None):
        self.dir = tempfile.mkdtemp(prefix="kefu-it-")
        self.args = list(args)  # extra `kefu serve` flags (e.g. --test-clock); may change between restarts
        # tls: an ssl.SSLContext trusting the server's certificate; the caller passes
        # --tls-cert/--tls-key in args. Requests and WebSockets then use HTTPS and WSS.
        self.tls = tls
        self.db = os.path.join(self.dir, "kefu.db")
        self.port = free_port()
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.sockets = []
        self.log = open(os.path.join(self.dir, "server.log"), "ab")

    @property
    def base(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def cli(self, *args, stdin=None):
        return subprocess.run([KEFU, *args], input=stdin, capture_output=True, text=True, env=self.env, timeout=60)

    def add_staff(self, email, role="agent", desk="L1", password="correct-horse-1"):
        r = self.cli("staff", "add", "--db", self.db, "--email", email, "--role", role, "--desk", desk,
                     "--password-stdin", stdin=password + "\n")
        assert r.returncode == 0, r.stderr
        return password

    def start(self):
        self.proc = subprocess.Popen(
            [KEFU, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}", "--web-root",
             os.path.join(ROOT, "web", "dist"), *self.args],
            stdout=subprocess.PIPE, stderr=self.log, env=self.env)
        line = self.proc.stdout.readline().decode()
        assert "listening on" in line, f"server did not start: {line!r}; see {self.dir}/server.log"
        return self

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        code = self.proc.returncode if self.proc else None
        if self.proc:
            self.proc.stdout.close()
        self.proc = None
        return code

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        for ws in self.sockets:
            ws.sock.close()
        self.stop()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- HTTP ----
    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.tls) as r:
                payload = r.read()
                return r.status, (json.loads(payload) if payload and r.headers.get_content_type() == "application/json" else payload)
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                return e.code, json.loads(payload)
            except ValueError:
                return e.code, payload

    def login(self, email, password="correct-horse-1"):
        status, body = self.request("POST", "/api/v1/auth/login", {"email": email, "password": password})
        assert status == 200, body
        return body["token"]

    def widget_session(self, name="张三"):
        status, body = self.request("POST", "/api/v1/widget/sessions", {"name": name, "lang": "zh-CN"})
        assert status == 201, body
        return body

    def ws(self, token, headers=None):
        ws = WebSocket(self.port, token, ssl_context=self.tls, headers=headers)
        self.sockets.append(ws)
        return ws


class HandshakeError(Exception):
    def __init__(self, status, body):
        super().__init__(f"handshake refused: {status}")
        self.status = status
        self.body = body


class WebSocket:
    def __init__(self, port, token, timeout=10, ssl_context=None, headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if ssl_context is not None:
            self.sock = ssl_context.wrap_socket(self.sock, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/api/v1/ws" + (f"?token={token}" if token is not None else "")
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n{extra}"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1]) if head else 0
        if status != 101:
            # read the rest of the error body
            try:
                while True:
                    chunk = self.sock.recv(4096)
                    if not chunk:
                        break
                    self.buf += chunk
            except OSError:
                pass
            self.sock.close()
            raise HandshakeError(status, self.buf.decode(errors="replace"))
        self.close_code = None
        self.hello = self.recv()

    def send_raw(self, payload: bytes, opcode=0x1, fin=True, mask=True):
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            header += bytes([mbit | n])
        elif n < 65536:
            header += bytes([mbit | 126]) + struct.pack(">H", n)
        else:
            header += bytes([mbit | 127]) + struct.pack(">Q", n)
        if mask:
            m = os.urandom(4)
            payload = bytes(b ^ m[i % 4] for i, b in enumerate(payload)) if n < 4096 else _mask(payload, m)
            header += m
        self.sock.sendall(header + payload)

    def send(self, obj):
        self.send_raw(json.dumps(obj, ensure_ascii=False).encode())

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        return b0 & 0x0F, self._read(n)

    def recv(self, timeout=10):
        """The next JSON message; None when the server closed (close_code is set)."""
        self.sock.settimeout(timeout)
        while True:
            op, payload = self.recv_frame()
            if op == 0x8:
                self.close_code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                return None
            if op == 0x9:
                self.send_raw(payload, opcode=0xA)
                continue
            if op == 0x1:
                return json.loads(payload)

    def recv_until(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.recv(timeout=max(0.1, deadline - time.time()))
            if msg is None:
                raise ConnectionError(f"closed with {self.close_code}")
            if pred(msg):
                return msg
        raise TimeoutError("no matching frame")

    def close(self):
        try:
            self.send_raw(struct.pack(">H", 1000), opcode=0x8)
        except OSError:
            pass
        self.sock.close()


def _mask(payload, m):
    # Fast path for big payloads: XOR with a repeated mask via int arithmetic.
    reps = (len(payload) + 3) // 4
    mask = int.from_bytes(m * reps, "big") >> (8 * (reps * 4 - len(payload)))
    return (int.from_bytes(payload, "big") ^ mask).to_bytes(len(payload), "big")
