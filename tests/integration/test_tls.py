"""kefu serve --tls-cert/--tls-key: HTTPS and WSS with a self-signed certificate made at test time
by the openssl command line, HSTS over TLS only, a plain-HTTP client refused cleanly, and clear
start-up errors for bad certificate or key files."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

from kefu import KEFU, Server

AGENT = "agent@it.kefu"


def make_cert(directory, name="server"):
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@unittest.skipUnless(shutil.which("openssl"), "the openssl command is needed (scripts/install-deps.sh)")
class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="kefu-tls-")
        cls.cert, cls.key = make_cert(cls.certs)
        context = ssl.create_default_context(cafile=cls.cert)
        cls.server = Server(args=["--tls-cert", cls.cert, "--tls-key", cls.key], tls=context)
        cls.server.add_staff(AGENT)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        shutil.rmtree(cls.certs, ignore_errors=True)

    def test_https_requests_carry_hsts(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, timeout=10, context=self.server.tls)
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.read()), {"status": "ok"})
        self.assertEqual(r.headers["Strict-Transport-Security"], "max-age=31536000")
        # Keep-alive over TLS: a second request on the same connection.
        conn.request("GET", "/console")
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        self.assertIn("wss://", r.headers["Content-Security-Policy"])
        self.assertNotIn("ws://", r.headers["Content-Security-Policy"])
        conn.close()
        token = self.server.login(AGENT)
        status, me = self.server.request("GET", "/api/v1/staff/me", token=token)
        self.assertEqual(status, 200, me)

    def test_wss_chat_with_ack(self):
        s = self.server
        session = s.widget_session()
        agent_token = s.login(AGENT)
        status, conv = s.request("POST", f"/api/v1/conversations/{session['conversation_id']}/accept", token=agent_token)
        self.assertEqual(status, 200, conv)
        customer, agent = s.ws(session["token"]), s.ws(agent_token)
        self.assertEqual(customer.hello["subject"]["type"], "customer")
        for i in range(3):
            text = f"提现没到账 {i} " + "长" * (3000 if i == 2 else 10)  # the last one spans TLS records
            customer.send({"type": "message.send", "conversation_id": session["conversation_id"],
                           "client_id": f"t{i}", "text": text})
            ack = customer.recv_until(lambda m: m["type"] == "ack")
            self.assertEqual(ack["client_id"], f"t{i}")
            created = agent.recv_until(lambda m: m["type"] == "message.created")
            self.assertEqual(created["message"]["text"], text)
        customer.close()
        agent.close()

    def test_plain_http_to_the_tls_port_fails_cleanly(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)
        self.assertIn(b"this port speaks HTTPS", answer)
        # The server is still serving.
        self.assertEqual(self.server.request("GET", "/healthz")[0], 200)


@unittest.skipUnless(shutil.which("openssl"), "the openssl command is needed (scripts/install-deps.sh)")
class TlsStartupErrorsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kefu-tls-")
        self.cert, self.key = make_cert(self.dir)
        self.other_cert, self.other_key = make_cert(self.dir, "other")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def serve(self, *flags):
        return subprocess.run([KEFU, "serve", "--db", os.path.join(self.dir, "kefu.db"), "--listen", "127.0.0.1:0",
                               *flags], capture_output=True, text=True, timeout=30)

    def test_bad_paths_and_mismatched_key(self):
        cases = [
            (["--tls-cert", "/nonexistent/server.crt", "--tls-key", self.key], "--tls-cert /nonexistent/server.crt"),
            (["--tls-cert", self.cert, "--tls-key", "/nonexistent/server.key"], "--tls-key /nonexistent/server.key"),
            (["--tls-cert", self.key, "--tls-key", self.key], "cannot load a PEM certificate"),
            (["--tls-cert", self.cert, "--tls-key", self.other_key], "does not belong to the certificate"),
            (["--tls-cert", self.cert], "--tls-cert and --tls-key go together"),
        ]
        for flags, want in cases:
            with self.subTest(flags=flags):
                r = self.serve(*flags)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(want, r.stderr)
                self.assertNotIn("listening on", r.stdout)


if __name__ == "__main__":
    unittest.main()
