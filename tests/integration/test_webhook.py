"""The security desk's webhook end to end: a case routed to the security desk makes kefu call the
operator's backend (a Python receiver on 127.0.0.1 that verifies the HMAC signature), retried with
exponential back-off on durable timers after a 500 and after a hang (timeout), always with the same
delivery id; a delivery pending across a restart is delivered once; after the last attempt the
delivery is given up with a webhook.failed event and a frame to the consoles. Timers move on the
server's test clock; only the network round trips are waited for."""
import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest

from kefu import Server

SECRET = "whsec_it_0123456789abcdef"
SUP = "sup@webhook.kefu"
SEC = "sec@webhook.kefu"
L1 = "l1@webhook.kefu"
T0 = "2026-11-26T02:00:00Z"
RETRY_MS = 60_000


class Receiver:
    """The operator's backend: answers each request with the next scripted behaviour ("500",
    "hang", anything else: 200) and records what came, with its signature checked."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sig = self.headers.get("X-Kefu-Signature", "")
                parts = dict(p.split("=", 1) for p in sig.split(",") if "=" in p)
                expected = hmac.new(SECRET.encode(), parts.get("t", "").encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
                with receiver.lock:
                    n = len(receiver.requests)
                    action = receiver.script[n] if n < len(receiver.script) else "200"
                    receiver.requests.append({
                        "path": self.path,
                        "body": body,
                        "json": json.loads(body),
                        "delivery": self.headers.get("X-Kefu-Delivery"),
                        "event": self.headers.get("X-Kefu-Event"),
                        "signature_ok": hmac.compare_digest(expected, parts.get("v1", "")),
                        "t": int(parts.get("t", "0")),
                    })
                if action == "hang":
                    receiver.release.wait(10)  # far beyond kefu's timeout
                    return
                code = 500 if action == "500" else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return len(self.requests)

    def wait_for(self, n, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count() >= n:
                return self.requests[:n]
            time.sleep(0.02)
        raise AssertionError(f"the receiver got {self.count()} requests, expected {n}")

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class SecurityWebhookTest(unittest.TestCase):
    def start(self, script, max_attempts=5, url_path="/kefu/security"):
        self.receiver = Receiver(script)
        env = {
            "KEFU_SECURITY_WEBHOOK_URL": f"http://127.0.0.1:{self.receiver.port}{url_path}",
            "KEFU_SECURITY_WEBHOOK_SECRET": SECRET,
            "KEFU_SECURITY_WEBHOOK_TIMEOUT_MS": "400",
            "KEFU_SECURITY_WEBHOOK_RETRY_MS": str(RETRY_MS),
            "KEFU_SECURITY_WEBHOOK_MAX_ATTEMPTS": str(max_attempts),
        }
        self.server = Server(env=env, args=["--test-clock", T0])
        self.server.add_staff(SUP, role="supervisor", desk="L1")
        self.server.add_staff(SEC, role="agent", desk="security")
        self.server.add_staff(L1, role="agent", desk="L1")
        self.server.start()
        self.sup = self.server.login(SUP)

    def tearDown(self):
        if getattr(self, "server", None):
            self.server.close()
        if getattr(self, "receiver", None):
            self.receiver.close()

    # ---- helpers ----
    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def deliveries(self, state=None):
        path = "/api/v1/webhooks/security/deliveries" + (f"?state={state}" if state else "")
        code, body = self.server.request("GET", path, token=self.sup)
        self.assertEqual(code, 200, body)
        return body["deliveries"]

    def wait_delivery(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            d = self.deliveries()
            if d and pred(d[0]):
                return d[0]
            time.sleep(0.02)
        self.fail(f"the delivery never got there: {self.deliveries()}")

    def security_case(self, reason="手机被盗，钱包被转走"):
        c = self.server.widget_session()
        code, conv = self.server.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff",
                                         {"desk": "security", "reason": reason}, token=c["token"])
        self.assertEqual((code, conv["state"]), (200, "queued"), conv)
        return c

    def events(self, cid):
        code, body = self.server.request("GET", f"/api/v1/conversations/{cid}/events", token=self.sup)
        self.assertEqual(code, 200, body)
        return [e["type"] for e in body["events"]]

    # ---- the stories ----
    def test_a_security_handoff_is_signed_retried_after_500_and_timeout_and_delivered_once(self):
        self.start(["500", "hang", "200"])
        c = self.security_case()
        cid = c["conversation_id"]
        first = self.receiver.wait_for(1)[0]
        self.assertTrue(first["signature_ok"], first)
        self.assertEqual(first["path"], "/kefu/security")
        self.assertEqual(first["event"], "security.case")
        body = first["json"]
        self.assertEqual(body["type"], "security.case")
        self.assertEqual(body["delivery_id"], first["delivery"])
        self.assertTrue(body["delivery_id"].startswith("dlv_"))
        self.assertEqual((body["trigger"], body["desk"], body["reason"]), ("handoff", "security", "手机被盗，钱包被转走"))
        self.assertEqual(body["conversation_id"], cid)
        self.assertIsNone(body["ticket_id"])
        self.assertEqual(body["customer"]["id"], c["customer_id"])
        self.assertIn("identities", body["customer"])
        self.assertEqual(body["occurred_at"], "2026-11-26T02:00:00.000Z")
        self.assertLess(abs(first["t"] - time.time()), 60)  # real time, for the receiver's replay window
        d = self.wait_delivery(lambda d: d["last_error"] == "status 500")
        self.assertEqual((d["state"], d["attempts"]), ("pending", 1))

        # Nothing more until the back-off has passed (on the test clock).
        self.advance(RETRY_MS - 1000)
        time.sleep(0.2)
        self.assertEqual(self.receiver.count(), 1)
        self.advance(1000)
        second = self.receiver.wait_for(2)[1]
        self.assertEqual(second["delivery"], first["delivery"])
        self.assertEqual(second["body"], first["body"])  # the same body, signed again
        self.assertTrue(second["signature_ok"])
        d = self.wait_delivery(lambda d: d["last_error"] == "timeout")
        self.assertEqual(d["attempts"], 2)

        # The second retry waits twice as long.
        self.advance(RETRY_MS)
        time.sleep(0.2)
        self.assertEqual(self.receiver.count(), 2)
        self.advance(RETRY_MS)
        third = self.receiver.wait_for(3)[2]
        self.assertEqual(third["delivery"], first["delivery"])
        self.assertTrue(third["signature_ok"])
        d = self.wait_delivery(lambda d: d["state"] == "delivered")
        self.assertEqual(d["attempts"], 3)
        self.assertIsNotNone(d["delivered_at"])
        self.assertEqual(self.events(cid).count("webhook.delivered"), 1)

        # After the recorded success nothing is sent again, whatever time passes.
        self.advance(24 * 3600 * 1000)
        time.sleep(0.3)
        self.assertEqual(self.receiver.count(), 3)

    def test_a_delivery_pending_across_a_restart_is_delivered_once(self):
        self.start(["500", "200"])
        self.security_case()
        self.receiver.wait_for(1)
        self.wait_delivery(lambda d: d["attempts"] == 1 and d["last_error"] == "status 500")
        s = self.server
        s.stop()
        s.args = ["--test-clock", "2026-11-26T03:00:00Z"]  # the retry fell due while it was down
        s.start()
        self.sup = s.login(SUP)
        second = self.receiver.wait_for(2)[1]
        self.assertTrue(second["signature_ok"])
        self.assertEqual(second["delivery"], self.receiver.requests[0]["delivery"])
        self.wait_delivery(lambda d: d["state"] == "delivered")
        s.stop()
        s.args = ["--test-clock", "2026-11-28T03:00:00Z"]
        s.start()
        self.sup = s.login(SUP)
        self.advance(7 * 24 * 3600 * 1000)
        time.sleep(0.3)
        self.assertEqual(self.receiver.count(), 2)
        self.sup = s.login(SUP)  # a week later: the session of before has expired
        self.assertEqual([d["state"] for d in self.deliveries()], ["delivered"])

    def test_a_killed_server_resumes_the_delivery_it_had_not_made(self):
        # The receiver is down when the case arrives: the first attempt fails to connect.
        self.start(["200"])
        port = self.receiver.port
        self.receiver.close()
        self.security_case()
        self.wait_delivery(lambda d: d["attempts"] == 1 and d["last_error"].startswith("connect"))
        self.server.stop(sig=9)
        self.receiver = Receiver(["200"])
        self.receiver.httpd.server_close()
        # The same port again, so that the configured URL reaches the new receiver.
        self.receiver.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), self.receiver.httpd.RequestHandlerClass)
        self.receiver.port = port
        self.receiver.thread = threading.Thread(target=self.receiver.httpd.serve_forever, daemon=True)
        self.receiver.thread.start()
        self.server.args = ["--test-clock", "2026-11-26T04:00:00Z"]
        self.server.start()
        self.sup = self.server.login(SUP)
        got = self.receiver.wait_for(1)[0]
        self.assertTrue(got["signature_ok"])
        self.wait_delivery(lambda d: d["state"] == "delivered" and d["attempts"] == 2)
        self.advance(7 * 24 * 3600 * 1000)
        time.sleep(0.3)
        self.assertEqual(self.receiver.count(), 1)

    def test_after_the_last_attempt_it_is_given_up_and_supervisors_are_told(self):
        self.start(["500"] * 10, max_attempts=2)
        console = self.server.ws(self.sup)
        c = self.security_case()
        self.receiver.wait_for(1)
        self.wait_delivery(lambda d: d["attempts"] == 1 and d["last_error"] == "status 500")
        self.advance(RETRY_MS)
        self.receiver.wait_for(2)
        self.wait_delivery(lambda d: d["attempts"] == 2 and d["last_error"] == "status 500")
        self.advance(2 * RETRY_MS)
        frame = console.recv_until(lambda m: m["type"] == "webhook.failed")
        self.assertEqual(frame["conversation_id"], c["conversation_id"])
        self.assertEqual((frame["attempts"], frame["error"]), (2, "status 500"))
        d = self.deliveries()[0]
        self.assertEqual(d["state"], "failed")
        self.assertEqual(self.deliveries("failed")[0]["delivery_id"], d["delivery_id"])
        self.assertEqual(self.events(c["conversation_id"]).count("webhook.failed"), 1)
        self.advance(7 * 24 * 3600 * 1000)
        time.sleep(0.2)
        self.assertEqual(self.receiver.count(), 2)

    def test_a_transfer_and_a_ticket_on_the_security_desk_call_too_other_desks_do_not(self):
        self.start([])
        s = self.server
        l1 = s.login(L1)
        c = s.widget_session()
        cid = c["conversation_id"]
        code, body = s.request("POST", "/api/v1/staff/me/status", {"status": "online"}, token=l1)
        self.assertEqual(code, 200, body)
        s.request("POST", f"/api/v1/conversations/{cid}/handoff", {"desk": "L1"}, token=c["token"])
        code, conv = s.request("GET", f"/api/v1/conversations/{cid}", token=l1)
        if conv["state"] == "queued":
            code, conv = s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=l1)
        self.assertEqual(conv["state"], "active", conv)
        time.sleep(0.2)
        self.assertEqual(self.receiver.count(), 0)  # L1 is not the security desk
        code, body = s.request("POST", f"/api/v1/conversations/{cid}/transfer",
                               {"desk": "security", "reason": "account takeover suspected"}, token=l1)
        self.assertEqual(code, 200, body)
        got = self.receiver.wait_for(1)[0]["json"]
        self.assertEqual((got["trigger"], got["reason"], got["conversation_id"]), ("transfer", "account takeover suspected", cid))
        code, t = s.request("POST", "/api/v1/tickets", {"subject": "Lost assets", "desk": "security",
                                                      "category": "asset_loss", "type": "incident"}, token=self.sup)
        self.assertEqual(code, 201, t)
        got = self.receiver.wait_for(2)[1]["json"]
        self.assertEqual((got["trigger"], got["ticket_id"], got["reason"]), ("ticket", t["id"], "asset_loss"))
        code, t2 = s.request("POST", "/api/v1/tickets", {"subject": "Card question", "desk": "L2"}, token=self.sup)
        self.assertEqual(code, 201, t2)
        time.sleep(0.2)
        self.assertEqual(self.receiver.count(), 2)
        self.assertEqual(len({r["delivery"] for r in self.receiver.requests}), 2)

    def test_only_supervisors_and_admins_list_deliveries(self):
        self.start([])
        code, body = self.server.request("GET", "/api/v1/webhooks/security/deliveries",
                                         token=self.server.login(L1))
        self.assertEqual(code, 403, body)
        code, body = self.server.request("GET", "/api/v1/webhooks/security/deliveries?state=lost", token=self.sup)
        self.assertEqual((code, body["error"]["code"]), (400, "invalid"))

    def test_a_bad_webhook_configuration_stops_the_server_with_a_clear_error(self):
        s = Server(env={"KEFU_SECURITY_WEBHOOK_URL": "https://backend.example/hook",
                        "KEFU_SECURITY_WEBHOOK_SECRET": SECRET})
        try:
            r = s.cli("serve", "--db", s.db, "--listen", "127.0.0.1:0")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("security.webhook_url", r.stderr + r.stdout)
        finally:
            s.close()
        s = Server(env={"KEFU_SECURITY_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
        try:
            r = s.cli("serve", "--db", s.db, "--listen", "127.0.0.1:0")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("security.webhook_secret", r.stderr + r.stdout)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
