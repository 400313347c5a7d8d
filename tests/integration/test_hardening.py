"""Limits against slow and greedy clients, rate limits per address and per token, CORS for the
widget's public routes, refusal of cross-site state changes, and the security headers — over
real sockets against a real server."""
import http.client
import json
import socket
import time
import unittest

from kefu import HandshakeError, Server

AGENT = "agent@it.kefu"
WALLET = "https://wallet.example"


def raw_connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_all(sock, limit=10):
    """Everything the server sends until it closes the connection; and how long that took."""
    start = time.monotonic()
    sock.settimeout(limit)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return out, time.monotonic() - start


def get(server, path, method="GET", headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    return r.status, r.headers, payload


class SlowAndGreedyClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"KEFU_LIMITS_HEADER_TIMEOUT_MS": "600", "KEFU_LIMITS_REQUEST_TIMEOUT_MS": "1500",
                                 "KEFU_LIMITS_IDLE_TIMEOUT_MS": "3000", "KEFU_LIMITS_HEADER_COUNT": "20"})
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_headers_dribbled_byte_by_byte_are_cut_off(self):
        s = raw_connect(self.server)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        start = time.monotonic()
        cut = False
        for _ in range(40):  # one header byte every 100 ms: the head would take 4 s+
            try:
                s.sendall(b"X")
            except OSError:
                cut = True
                break
            time.sleep(0.1)
            s.setblocking(False)
            try:
                if s.recv(1, socket.MSG_PEEK):
                    break
            except BlockingIOError:
                pass
            finally:
                s.setblocking(True)
        answer, _ = read_all(s)
        elapsed = time.monotonic() - start
        self.assertTrue(cut or answer.startswith(b"HTTP/1.1 408"), answer[:200])
        if answer:
            self.assertIn(b'"code":"invalid"', answer)
            self.assertIn(b"request head not received within 600 ms", answer)
        self.assertLess(elapsed, 2.5)

    def test_a_body_dribbled_slowly_is_cut_off_at_the_request_timeout(self):
        s = raw_connect(self.server)
        s.sendall(b"POST /api/v1/bot/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n")
        start = time.monotonic()
        answer = b""
        for _ in range(60):  # 1 byte every 100 ms: the body would take 100 s
            try:
                s.sendall(b" ")
            except OSError:
                break
            time.sleep(0.1)
            s.setblocking(False)
            try:
                if s.recv(1, socket.MSG_PEEK):
                    break
            except BlockingIOError:
                pass
            finally:
                s.setblocking(True)
        answer, _ = read_all(s)
        elapsed = time.monotonic() - start
        self.assertTrue(answer.startswith(b"HTTP/1.1 408"), answer[:200])
        self.assertIn(b"request not received within 1500 ms", answer)
        # Cut at the whole request's deadline (1.5 s), not at the head's (0.6 s), and not later.
        self.assertGreater(elapsed, 1.2)
        self.assertLess(elapsed, 3.0)

    def test_a_silent_connection_is_closed(self):
        s = raw_connect(self.server)
        answer, elapsed = read_all(s)
        self.assertEqual(answer, b"")
        self.assertLess(elapsed, 2.0)

    def test_a_keep_alive_connection_cannot_dribble_its_next_request(self):
        s = raw_connect(self.server)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next head starts, and stalls
        answer, elapsed = read_all(s)
        self.assertEqual(answer.count(b"HTTP/1.1 200"), 1, answer)
        self.assertIn(b"HTTP/1.1 408", answer)
        self.assertLess(elapsed, 2.5)

    def test_too_many_header_fields(self):
        headers = {f"X-Field-{i}": "1" for i in range(30)}
        status, _, body = get(self.server, "/healthz", headers=headers)
        self.assertEqual(status, 431)
        self.assertEqual(json.loads(body)["error"]["code"], "too_large")
        self.assertIn("more than 20 header fields", json.loads(body)["error"]["message"])
        status, _, _ = get(self.server, "/healthz", headers={f"X-Field-{i}": "1" for i in range(10)})
        self.assertEqual(status, 200)

    def test_oversize_head_and_body(self):
        status, _, body = get(self.server, "/healthz", headers={"X-Big": "a" * 20000})
        self.assertEqual(status, 431)
        s = raw_connect(self.server)  # announces 2 MiB; refused before it is sent
        s.sendall(b"POST /api/v1/bot/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 2097152\r\n\r\n" + b"x" * 1000)
        answer, _ = read_all(s)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])
        self.assertIn(b'"code":"too_large"', answer)


class StalledWebSocketReaderTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(env={"KEFU_LIMITS_WS_QUEUE_BYTES": "65536"})
        self.server.add_staff(AGENT)
        self.server.start()

    def tearDown(self):
        self.server.close()

    def test_a_reader_that_stops_reading_is_dropped_and_the_sender_is_not_held_up(self):
        s = self.server
        session = s.widget_session()
        agent_token = s.login(AGENT)
        conv = session["conversation_id"]
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{conv}/accept", token=agent_token)[0], 200)
        customer, agent = s.ws(session["token"]), s.ws(agent_token)
        agent.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and it never reads
        text = "提" * 4000  # 12 KB a frame
        count = 150  # 1.8 MB for the agent: more than the kernel's buffers and the 64 KiB queue
        for i in range(count):
            customer.send({"type": "message.send", "conversation_id": conv, "client_id": f"s{i}", "text": text})
        acks = 0
        while acks < count:
            msg = customer.recv(timeout=20)
            self.assertIsNotNone(msg, "the customer's connection must stay up")
            acks += msg["type"] == "ack"
        # The stalled agent was disconnected: what it gets now ends well short of everything.
        got, _ = read_all(agent.sock, limit=10)
        self.assertLess(len(agent.buf) + len(got), count * len(text.encode()) // 2)
        with self.assertRaises(OSError):
            for _ in range(3):
                agent.sock.sendall(b"\x89\x80abcd")  # a ping into a closed connection fails
                time.sleep(0.2)


class RateLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"KEFU_LIMITS_IP_BURST": "5", "KEFU_LIMITS_IP_PER_SECOND": "1",
                                 "KEFU_LIMITS_IP_WS_CONNECTIONS": "2",
                                 "KEFU_LIMITS_TOKEN_BURST": "5", "KEFU_LIMITS_TOKEN_PER_SECOND": "1"})
        cls.server.add_staff(AGENT)
        cls.server.add_staff("agent2@it.kefu")
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_a_token_over_its_burst_gets_429_and_other_tokens_do_not(self):
        s = self.server
        greedy = s.login(AGENT)
        other = s.login("agent2@it.kefu")
        statuses = [s.request("GET", "/api/v1/staff/me", token=greedy)[0] for _ in range(8)]
        self.assertEqual(statuses[:5], [200] * 5)  # the burst, from loopback: the token's limit
        self.assertEqual(statuses[-1], 429)
        status, headers, body = get(s, "/api/v1/staff/me", headers={"Authorization": "Bearer " + greedy})
        self.assertEqual(status, 429)
        self.assertEqual(json.loads(body)["error"]["code"], "rate_limited")
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        # Another agent, same address (loopback), is not slowed down.
        for _ in range(4):
            self.assertEqual(s.request("GET", "/api/v1/staff/me", token=other)[0], 200)
        # After Retry-After the greedy token works again.
        time.sleep(int(headers["Retry-After"]) + 0.1)
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=greedy)[0], 200)

    def test_open_websockets_per_address(self):
        s = self.server
        session = s.widget_session()
        addr = {"X-Forwarded-For": "198.51.100.20"}
        first, second = s.ws(session["token"], headers=addr), s.ws(session["token"], headers=addr)
        with self.assertRaises(HandshakeError) as refused:
            s.ws(session["token"], headers=addr)
        self.assertEqual(refused.exception.status, 429)
        self.assertIn("rate_limited", refused.exception.body)
        # Other addresses, and loopback itself, are not counted against it.
        s.ws(session["token"], headers={"X-Forwarded-For": "198.51.100.21"})
        for _ in range(3):
            s.ws(session["token"])
        # A closed connection frees its place.
        first.close()
        deadline = time.time() + 5
        while True:
            time.sleep(0.4)
            try:
                s.ws(session["token"], headers=addr)
                break
            except HandshakeError as e:
                self.assertEqual(e.status, 429)
                # retries are handshakes too: keep under the per-address burst of this server
                if time.time() > deadline:
                    raise
        second.close()

    def test_per_address_behind_the_trusted_proxy(self):
        s = self.server
        one = {"X-Forwarded-For": "198.51.100.7"}
        statuses = [get(s, "/api/v1/kb/suggestions", headers=one)[0] for _ in range(7)]
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertEqual(statuses[-1], 429)
        # A client invents an X-Forwarded-For entry; the proxy appended the real address last.
        spoof = {"X-Forwarded-For": "203.0.113.1, 198.51.100.7"}
        self.assertEqual(get(s, "/api/v1/kb/suggestions", headers=spoof)[0], 429)
        # Another address, and loopback itself without X-Forwarded-For, are not limited by it.
        self.assertEqual(get(s, "/api/v1/kb/suggestions", headers={"X-Forwarded-For": "198.51.100.8"})[0], 200)
        for _ in range(10):
            self.assertEqual(get(s, "/api/v1/kb/suggestions")[0], 200)
        # WebSocket handshakes count against the address too.
        session = s.widget_session()
        with self.assertRaises(HandshakeError) as refused:
            s.ws(session["token"], headers=one)
        self.assertEqual(refused.exception.status, 429)


class CrossOriginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"KEFU_HTTP_ALLOWED_ORIGINS": WALLET})
        cls.server.add_staff(AGENT)
        cls.server.start()
        cls.same = f"http://127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def preflight(self, path, origin, method="POST"):
        return get(self.server, path, method="OPTIONS",
                   headers={"Origin": origin, "Access-Control-Request-Method": method,
                            "Access-Control-Request-Headers": "content-type"})

    def test_preflight_only_for_allowed_origins_and_public_routes(self):
        status, headers, _ = self.preflight("/api/v1/widget/sessions", WALLET)
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], WALLET)
        self.assertIn("Authorization", headers["Access-Control-Allow-Headers"])
        self.assertIsNone(headers["Access-Control-Allow-Credentials"])
        self.assertEqual(headers["Vary"], "Origin")
        status, headers, body = self.preflight("/api/v1/widget/sessions", "https://evil.example")
        self.assertEqual(status, 403)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])
        status, headers, _ = self.preflight("/api/v1/tickets", WALLET)  # the console's API
        self.assertEqual(status, 403)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])

    def test_cors_answers_carry_the_origin_never_a_wildcard(self):
        status, headers, body = get(self.server, "/api/v1/widget/sessions", method="POST",
                                    body=json.dumps({"name": "Ana"}),
                                    headers={"Origin": WALLET, "Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["Access-Control-Allow-Origin"], WALLET)
        self.assertIsNone(headers["Access-Control-Allow-Credentials"])
        status, headers, _ = get(self.server, "/api/v1/kb/suggestions", headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 200)  # a read is answered, but the browser is not allowed to show it
        self.assertIsNone(headers["Access-Control-Allow-Origin"])

    def test_cross_site_state_changes_are_refused(self):
        s = self.server
        login = json.dumps({"email": AGENT, "password": "correct-horse-1"})
        hdr = {"Content-Type": "application/json"}
        status, _, body = get(s, "/api/v1/auth/login", method="POST", body=login,
                              headers={**hdr, "Origin": "https://evil.example"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["error"]["code"], "forbidden")
        status, _, _ = get(s, "/api/v1/auth/login", method="POST", body=login,
                           headers={**hdr, "Origin": "null", "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(status, 403)
        # The console itself (same origin) signs in; so do clients that are not browsers.
        status, _, body = get(s, "/api/v1/auth/login", method="POST", body=login, headers={**hdr, "Origin": self.same})
        self.assertEqual(status, 200, body)
        token = json.loads(body)["token"]
        # Even an allowed origin may not change anything through the console's API.
        status, _, _ = get(s, "/api/v1/staff/me/status", method="POST", body=json.dumps({"status": "away"}),
                           headers={**hdr, "Origin": WALLET, "Authorization": "Bearer " + token})
        self.assertEqual(status, 403)
        status, _, _ = get(s, "/api/v1/staff/me/status", method="POST", body=json.dumps({"status": "away"}),
                           headers={**hdr, "Origin": self.same, "Authorization": "Bearer " + token})
        self.assertEqual(status, 200)

    def test_websocket_origin(self):
        s = self.server
        session = s.widget_session()
        with self.assertRaises(HandshakeError) as refused:
            s.ws(session["token"], headers={"Origin": "https://evil.example"})
        self.assertEqual(refused.exception.status, 403)
        for origin in (self.same, WALLET):
            ws = s.ws(session["token"], headers={"Origin": origin})
            self.assertEqual(ws.hello["subject"]["type"], "customer")

    def test_security_headers(self):
        s = self.server
        status, headers, _ = get(s, "/healthz")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(headers["Content-Security-Policy"], "default-src 'none'; frame-ancestors 'none'")
        self.assertIsNone(headers["Strict-Transport-Security"])  # plain HTTP: no HSTS
        status, headers, _ = get(s, "/console", headers={"Host": f"127.0.0.1:{s.port}"})
        self.assertEqual(status, 200)
        csp = headers["Content-Security-Policy"]
        self.assertIn("script-src 'self';", csp)
        self.assertNotIn("unsafe-inline';", csp.split("script-src")[1].split(";")[0])
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn(f"ws://127.0.0.1:{s.port}", csp)
        self.assertEqual(headers["X-Frame-Options"], "DENY")
        status, headers, _ = get(s, "/")
        self.assertIn(f"frame-ancestors 'self' {WALLET}", headers["Content-Security-Policy"])
        self.assertIsNone(headers["X-Frame-Options"])  # it cannot name the allowed origins
        self.assertIsNone(headers["Strict-Transport-Security"])


if __name__ == "__main__":
    unittest.main()
