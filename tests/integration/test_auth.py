"""Staff sign-in against a real kefu server: opaque sessions, lockout, TOTP, revocation,
password policy and password change."""
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import struct
import time
import unittest
import urllib.error
import urllib.request

from kefu import HandshakeError, Server

PASSWORD = "correct-horse-1"


def totp(secret_b32, at=None, offset_steps=0):
    """RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) for `at` (default: now) moved by whole steps."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // 30) + offset_steps
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def post_with_headers(server, path, body, token=None):
    """(status, body, headers) — the harness's request() drops headers; Retry-After matters here."""
    req = urllib.request.Request(server.base + path, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        for email, role in [("li@auth.kefu", "agent"), ("lock@auth.kefu", "agent"), ("totp@auth.kefu", "agent"),
                            ("all@auth.kefu", "agent"), ("pw@auth.kefu", "agent"), ("boss@auth.kefu", "admin"),
                            ("victim@auth.kefu", "agent"), ("out@auth.kefu", "agent")]:
            cls.server.add_staff(email, role=role)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def login(self, email, password=PASSWORD, **extra):
        return self.server.request("POST", "/api/v1/auth/login", {"email": email, "password": password, **extra})

    def test_login_gives_an_opaque_session_token_that_logout_ends(self):
        s = self.server
        status, body = self.login("li@auth.kefu")
        self.assertEqual(status, 200, body)
        token = body["token"]
        self.assertTrue(token.startswith("kfs1_"), token)
        self.assertNotIn(".", token)  # not a signed, readable token any more
        self.assertFalse(body["staff"]["totp_enabled"])
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=token)[1]["email"], "li@auth.kefu")
        status, sessions = s.request("GET", "/api/v1/auth/sessions", token=token)
        self.assertEqual(status, 200)
        self.assertEqual(sum(1 for x in sessions["sessions"] if x["current"]), 1)
        self.assertNotIn(token, json.dumps(sessions))
        # Only the token's SHA-256 is stored.
        with sqlite3.connect(s.db) as db:
            hashes = [row[0] for row in db.execute("SELECT token_hash FROM staff_sessions")]
        self.assertIn(hashlib.sha256(token.encode()).digest(), hashes)
        with open(s.db, "rb") as f:
            self.assertNotIn(token.encode(), f.read())
        status, _ = s.request("POST", "/api/v1/auth/logout", token=token)
        self.assertEqual(status, 204)
        status, body = s.request("GET", "/api/v1/staff/me", token=token)
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
        with self.assertRaises(HandshakeError) as refused:
            s.ws(token)
        self.assertEqual(refused.exception.status, 401)

    def test_failed_logins_lock_with_retry_after_for_known_and_unknown_emails_and_survive_restart(self):
        s = self.server
        answers = {}
        for email in ("lock@auth.kefu", "nobody@auth.kefu"):
            seen = []
            for _ in range(4):
                status, body, _ = post_with_headers(s, "/api/v1/auth/login", {"email": email, "password": "wrong-password-x"})
                seen.append((status, body))
            status, body, headers = post_with_headers(s, "/api/v1/auth/login", {"email": email, "password": "wrong-password-x"})
            self.assertEqual((status, body["error"]["code"]), (429, "rate_limited"), body)
            self.assertTrue(1 <= int(headers["Retry-After"]) <= 60, headers["Retry-After"])
            answers[email] = seen
        # An unknown email is answered exactly like a known one.
        self.assertEqual(answers["lock@auth.kefu"], answers["nobody@auth.kefu"])
        self.assertEqual(answers["lock@auth.kefu"][0], (401, {"error": {"code": "unauthorized", "message": "wrong email or password"}}))
        # Locked: even the right password is refused.
        status, body, headers = post_with_headers(s, "/api/v1/auth/login", {"email": "lock@auth.kefu", "password": PASSWORD})
        self.assertEqual(status, 429)
        self.assertIn("Retry-After", headers)
        s.restart()
        status, body, headers = post_with_headers(s, "/api/v1/auth/login", {"email": "LOCK@auth.kefu", "password": PASSWORD})
        self.assertEqual(status, 429, "a restart lifted the lock")
        self.assertTrue(1 <= int(headers["Retry-After"]) <= 60)
        # Other accounts are not affected.
        self.assertEqual(self.login("li@auth.kefu")[0], 200)

    def test_totp_enrolment_then_login_needs_a_fresh_code(self):
        s = self.server
        token = s.login("totp@auth.kefu")
        status, body = s.request("POST", "/api/v1/auth/totp/enroll", {"password": "not-my-password"}, token=token)
        self.assertEqual((status, body["error"]["code"]), (403, "password_wrong"))
        status, enrol = s.request("POST", "/api/v1/auth/totp/enroll", {"password": PASSWORD}, token=token)
        self.assertEqual(status, 200, enrol)
        secret = enrol["secret"]
        self.assertTrue(enrol["otpauth_uri"].startswith("otpauth://totp/kefu:totp@auth.kefu?secret=" + secret))
        # Not in force before confirmation.
        self.assertEqual(self.login("totp@auth.kefu")[0], 200)
        wrong = "%06d" % ((int(totp(secret)) + 1) % 1_000_000)
        status, body = s.request("POST", "/api/v1/auth/totp/confirm", {"code": wrong}, token=token)
        self.assertEqual((status, body["error"]["code"]), (400, "totp_invalid"))
        confirm_code = totp(secret)
        status, body = s.request("POST", "/api/v1/auth/totp/confirm", {"code": confirm_code}, token=token)
        self.assertEqual((status, body), (200, {"totp_enabled": True}))
        # The secret is sealed at rest: neither its bytes nor its base32 are in the database.
        raw_secret = base64.b32decode(secret + "=" * (-len(secret) % 8))
        with open(s.db, "rb") as f:
            data = f.read()
        if os.path.exists(s.db + "-wal"):
            with open(s.db + "-wal", "rb") as f:
                data += f.read()
        self.assertNotIn(raw_secret, data)
        self.assertNotIn(secret.encode(), data)

        status, body = self.login("totp@auth.kefu")
        self.assertEqual((status, body["error"]["code"]), (401, "totp_required"))
        status, body = self.login("totp@auth.kefu", totp=wrong)
        self.assertEqual((status, body["error"]["code"]), (401, "totp_invalid"))
        # The code used to confirm cannot sign in (same step).
        status, body = self.login("totp@auth.kefu", totp=confirm_code)
        self.assertEqual((status, body["error"]["code"]), (401, "totp_invalid"))
        # The next step's code (one step of drift is allowed) signs in once, and only once.
        fresh = totp(secret, offset_steps=1)
        status, body = self.login("totp@auth.kefu", totp=fresh)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["staff"]["totp_enabled"])
        status, body = self.login("totp@auth.kefu", totp=fresh)
        self.assertEqual((status, body["error"]["code"]), (401, "totp_invalid"))
        # A wrong password with a right code is still just a wrong password.
        status, body = self.login("totp@auth.kefu", password="wrong-password-x", totp=totp(secret, offset_steps=1))
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))

    def test_logout_all_invalidates_every_token_and_the_next_websocket_handshake(self):
        s = self.server
        t1, t2, t3 = s.login("all@auth.kefu"), s.login("all@auth.kefu"), s.login("all@auth.kefu")
        other = s.login("li@auth.kefu")
        ws = s.ws(t1)
        self.assertEqual(ws.hello["subject"]["type"], "staff")
        status, body = s.request("POST", "/api/v1/auth/logout-all", token=t2)
        self.assertEqual((status, body), (200, {"revoked": 3}))
        # The open WebSocket is closed with 1008 (policy) ...
        self.assertIsNone(ws.recv(timeout=5))
        self.assertEqual(ws.close_code, 1008)
        for t in (t1, t2, t3):
            self.assertEqual(s.request("GET", "/api/v1/staff/me", token=t)[0], 401)
        # ... and its next handshake is refused.
        with self.assertRaises(HandshakeError) as refused:
            s.ws(t1)
        self.assertEqual(refused.exception.status, 401)
        # Another staff member stays signed in; revocation survives a restart.
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=other)[0], 200)
        s.restart()
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=t3)[0], 401)
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=other)[0], 200)

    def test_password_change_follows_the_policy_and_revokes_other_sessions(self):
        s = self.server
        keep, other = s.login("pw@auth.kefu"), s.login("pw@auth.kefu")
        for new, want_status, want_code in [("short-pass1", 400, "password_too_short"),
                                            ("Password2024!", 400, "password_common")]:
            status, body = s.request("POST", "/api/v1/auth/password",
                                     {"current_password": PASSWORD, "new_password": new}, token=keep)
            self.assertEqual((status, body["error"]["code"]), (want_status, want_code), new)
        status, body = s.request("POST", "/api/v1/auth/password",
                                 {"current_password": "wrong-password-x", "new_password": "a-much-better-secret-9"}, token=keep)
        self.assertEqual((status, body["error"]["code"]), (403, "password_wrong"))
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=other)[0], 200)  # nothing changed yet
        status, body = s.request("POST", "/api/v1/auth/password",
                                 {"current_password": PASSWORD, "new_password": "a-much-better-secret-9"}, token=keep)
        self.assertEqual((status, body), (200, {"revoked": 1}))
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=keep)[0], 200)
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=other)[0], 401)
        self.assertEqual(self.login("pw@auth.kefu")[0], 401)
        self.assertEqual(self.login("pw@auth.kefu", password="a-much-better-secret-9")[0], 200)

    def test_an_admin_revokes_another_staff_members_sessions(self):
        s = self.server
        victim = s.login("victim@auth.kefu")
        agent = s.login("li@auth.kefu")
        status, me = s.request("GET", "/api/v1/staff/me", token=victim)
        status, body = s.request("POST", f"/api/v1/staff/{me['id']}/sessions/revoke", token=agent)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        admin = s.login("boss@auth.kefu")
        ws = s.ws(victim)
        status, body = s.request("POST", f"/api/v1/staff/{me['id']}/sessions/revoke", token=admin)
        self.assertEqual((status, body), (200, {"revoked": 1}))
        self.assertIsNone(ws.recv(timeout=5))
        self.assertEqual(ws.close_code, 1008)
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=victim)[0], 401)
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=admin)[0], 200)
        self.assertEqual(s.request("POST", "/api/v1/staff/999999/sessions/revoke", token=admin)[0], 404)

    def test_customer_tokens_cannot_use_staff_auth_routes(self):
        s = self.server
        customer = s.widget_session()["token"]
        status, body = s.request("POST", "/api/v1/auth/logout-all", token=customer)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        self.assertEqual(s.request("POST", "/api/v1/auth/logout-all")[0], 401)


class SessionExpiryTest(unittest.TestCase):
    def test_expired_sessions_are_refused(self):
        s = Server(env={"KEFU_AUTH_SESSION_TTL_MS": "1500"})
        try:
            s.add_staff("short@auth.kefu")
            s.start()
            token = s.login("short@auth.kefu")
            self.assertEqual(s.request("GET", "/api/v1/staff/me", token=token)[0], 200)
            time.sleep(2)
            status, body = s.request("GET", "/api/v1/staff/me", token=token)
            self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
            with self.assertRaises(HandshakeError):
                s.ws(token)
            s.restart()  # an expired session is not loaded again
            self.assertEqual(s.request("GET", "/api/v1/staff/me", token=token)[0], 401)
        finally:
            s.close()


class StaffAddPolicyTest(unittest.TestCase):
    def test_staff_add_refuses_weak_passwords_with_a_code(self):
        s = Server()
        try:
            for weak, code in [("short-pw-1", "password_too_short"), ("qwertyuiop12", "password_common"),
                               ("wangwei-strong-77", "password_contains_email")]:
                r = s.cli("staff", "add", "--db", s.db, "--email", "wangwei@auth.kefu", "--role", "agent",
                          "--password-stdin", stdin=weak + "\n")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(code, r.stderr)
            r = s.cli("staff", "add", "--db", s.db, "--email", "wangwei@auth.kefu", "--role", "agent")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("password (shown once)", r.stdout)
            r = s.cli("demo", "seed", "--db", s.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            demo = [line.split()[:2] for line in r.stdout.splitlines() if "@demo.kefu" in line]
            self.assertEqual(len(demo), 9, r.stdout)
            s.start()
            for email, password in demo:
                status, body = s.request("POST", "/api/v1/auth/login", {"email": email, "password": password})
                self.assertEqual(status, 200, (email, body))
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
