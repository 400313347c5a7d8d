"""Widget identity (issue 6 item 6): an operator's backend signs its user id (HMAC-SHA256 with a
per-site secret, with expiry); the same user on another device resumes their own conversation;
anonymous visitors get an unguessable visitor id; and nobody reads or writes another customer's
conversation with any kind of token — over REST and WebSocket — nor learns anything from the
error."""
import base64
import hashlib
import hmac
import json
import os
import time
import unittest

from kefu import HandshakeError, Server

SHOP_SECRET = "shop-secret-0123456789abcdef0123456789abcdef"
OTHER_SECRET = "other-secret-fedcba9876543210fedcba9876543210"
AGENT = "agent@identity.kefu"
EDITOR = "kb@identity.kefu"
SECRET_TEXT = "A-SECRET-提现单号-7731"
A_NAME = "甲客户"


def sign(secret, site, user_id, expires_at):
    """What an operator's backend computes (README "Widget identity")."""
    message = f"kefu-widget-v1\n{site}\n{user_id}\n{expires_at}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def identity(site="shop", user_id="user-42", secret=SHOP_SECRET, ttl=600, expires_at=None):
    exp = expires_at if expires_at is not None else int(time.time()) + ttl
    return {"site": site, "user_id": user_id, "expires_at": exp, "signature": sign(secret, site, user_id, exp)}


def write_config(server, extra=""):
    path = os.path.join(server.dir, "kefu.toml")
    with open(path, "w") as f:
        f.write(f"""
[widget.sites.shop]
secret = "{SHOP_SECRET}"

[widget.sites.other]
secret_env = "KEFU_IT_OTHER_SITE_SECRET"
{extra}
""")
    return path


class WidgetIdentityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"KEFU_IT_OTHER_SITE_SECRET": OTHER_SECRET})
        cls.server.args = ["--config", write_config(cls.server)]
        cls.server.add_staff(AGENT)
        cls.server.add_staff(EDITOR, role="kb_editor", desk="L1")
        cls.server.start()
        cls.agent = cls.server.login(AGENT)
        cls.editor = cls.server.login(EDITOR)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def session(self, **body):
        return self.server.request("POST", "/api/v1/widget/sessions", body)

    # ---- signed identities ----

    def test_signed_identity_resumes_the_same_customer_on_another_device(self):
        code, first = self.session(name="王五", lang="zh-CN", identity=identity(user_id="u-resume"))
        self.assertEqual(code, 201, first)
        self.assertEqual(first["identity"], {"site": "shop", "user_id": "u-resume", "verified": True})
        self.assertFalse(first["resumed"])
        self.assertNotIn("visitor_id", first)
        cid = first["conversation_id"]
        code, sent = self.server.request("POST", f"/api/v1/conversations/{cid}/messages",
                                         {"text": "我的充值没到账", "client_id": "d1"}, token=first["token"])
        self.assertEqual(code, 201, sent)
        # Another device, a freshly signed identity for the same user: same customer, same
        # conversation, its history.
        code, second = self.session(lang="zh-CN", identity=identity(user_id="u-resume", ttl=300))
        self.assertEqual(code, 200, second)
        self.assertTrue(second["resumed"])
        self.assertEqual((second["customer_id"], second["conversation_id"]), (first["customer_id"], cid))
        self.assertNotEqual(second["token"], first["token"])
        code, history = self.server.request("GET", f"/api/v1/conversations/{cid}/messages", token=second["token"])
        self.assertEqual(code, 200)
        self.assertIn("我的充值没到账", [m["text"] for m in history["messages"]])
        # The same user id at another site is another customer.
        code, elsewhere = self.session(identity=identity(site="other", user_id="u-resume", secret=OTHER_SECRET))
        self.assertEqual(code, 201, elsewhere)
        self.assertNotEqual(elsewhere["customer_id"], first["customer_id"])
        # Another user is another customer.
        code, other_user = self.session(identity=identity(user_id="u-someone-else"))
        self.assertEqual(code, 201)
        self.assertNotEqual(other_user["customer_id"], first["customer_id"])

    def test_bad_identities_are_refused_never_anonymous(self):
        now = int(time.time())
        good = identity(user_id="u-bad")
        tampered = dict(good, user_id="u-victim")
        cases = [
            ("a string", "user-42", "identity_invalid"),
            ("not an object", [1, 2], "identity_invalid"),
            ("missing signature", {k: v for k, v in good.items() if k != "signature"}, "identity_invalid"),
            ("expires_at as text", dict(good, expires_at=str(good["expires_at"])), "identity_invalid"),
            ("short signature", dict(good, signature=good["signature"][:40]), "identity_invalid"),
            ("not hex", dict(good, signature="z" * 64), "identity_invalid"),
            ("extra field", dict(good, admin=True), "identity_invalid"),
            ("space in user id", identity(user_id="u bad"), "identity_invalid"),
            ("unknown site", identity(site="nosuch", secret="x" * 40), "identity_unknown_site"),
            ("wrong secret", identity(secret="not-the-shop-secret-0123456789abcdef"), "identity_bad_signature"),
            ("tampered user id", tampered, "identity_bad_signature"),
            ("tampered expiry", dict(good, expires_at=good["expires_at"] + 60), "identity_bad_signature"),
            ("replayed for another site", dict(good, site="other"), "identity_bad_signature"),
            ("signed with another site's secret", identity(secret=OTHER_SECRET), "identity_bad_signature"),
            ("expired", identity(expires_at=now - 3600), "identity_expired"),
            ("expires too far ahead", identity(expires_at=now + 40 * 86400), "identity_expiry_too_far"),
        ]
        for label, ident, expected in cases:
            with self.subTest(label):
                code, body = self.session(name="攻击者", identity=ident)
                self.assertEqual(code, 401, body)
                self.assertEqual(body["error"]["code"], expected, body)
                self.assertNotIn("token", body)
                self.assertNotIn(good["signature"], json.dumps(body))
        # Upper-case hex is the same signature.
        code, body = self.session(identity=dict(good, signature=good["signature"].upper()))
        self.assertIn(code, (200, 201), body)

    # ---- anonymous visitors ----

    def test_anonymous_visitors_get_unguessable_ids_and_resume_with_them(self):
        code, a = self.session(name="访客一")
        code2, b = self.session(name="访客二")
        self.assertEqual((code, code2), (201, 201))
        for v in (a, b):
            self.assertRegex(v["visitor_id"], r"^v1\.[A-Za-z0-9_-]{22}$")  # 128 random bits
            self.assertFalse(v["resumed"])
        self.assertNotEqual(a["visitor_id"], b["visitor_id"])
        code, again = self.session(visitor_id=a["visitor_id"])
        self.assertEqual(code, 200, again)
        self.assertTrue(again["resumed"])
        self.assertEqual((again["customer_id"], again["conversation_id"], again["visitor_id"]),
                         (a["customer_id"], a["conversation_id"], a["visitor_id"]))
        # A well-formed id this server never issued is not adopted: a new visitor, a new id.
        made_up = "v1." + base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        code, fresh = self.session(visitor_id=made_up)
        self.assertEqual(code, 201, fresh)
        self.assertNotEqual(fresh["visitor_id"], made_up)
        self.assertNotIn(fresh["customer_id"], (a["customer_id"], b["customer_id"]))
        code, again = self.session(visitor_id=made_up)
        self.assertEqual(code, 201)  # still not adopted
        # Sequential ids are not a handle: a customer or conversation id resumes nothing.
        code, body = self.session(visitor_id=str(a["customer_id"]))
        self.assertEqual((code, body["error"]["code"]), (401, "visitor_invalid"))
        # A visitor id and an identity together are ambiguous.
        code, body = self.session(visitor_id=a["visitor_id"], identity=identity(user_id="u-both"))
        self.assertEqual(code, 400, body)
        # The database keeps only a digest of visitor ids.
        self.server.request("GET", "/healthz")
        with open(self.server.db, "rb") as f:
            data = f.read()
        wal = self.server.db + "-wal"
        if os.path.exists(wal):
            with open(wal, "rb") as f:
                data += f.read()
        self.assertNotIn(a["visitor_id"].encode(), data)

    # ---- nobody reads another customer's conversation ----

    def test_no_token_reads_or_writes_another_customers_conversation(self):
        s = self.server
        code, a = self.session(name=A_NAME, identity=identity(user_id="victim-a"))
        self.assertIn(code, (200, 201), a)
        cid = a["conversation_id"]
        code, msg = s.request("POST", f"/api/v1/conversations/{cid}/messages",
                              {"text": SECRET_TEXT, "client_id": "a1"}, token=a["token"])
        self.assertEqual(code, 201, msg)
        _, b = self.session(name="乙客户", identity=identity(user_id="attacker-b"))
        _, anon = self.session(name="丙访客")

        # B's token with A's customer id in its payload (B's MAC): a forged token.
        prefix, payload, mac = b["token"].split(".")
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        kind, _, exp, ver = raw.split(":")
        forged_payload = base64.urlsafe_b64encode(f"{kind}:{a['customer_id']}:{exp}:{ver}".encode()).decode().rstrip("=")
        forged = f"{prefix}.{forged_payload}.{mac}"
        # A's own token with its signature altered.
        bad_mac = a["token"][:-2] + ("AA" if not a["token"].endswith("AA") else "BB")
        tokens = [
            ("none", None, (401,)),
            ("malformed", "garbage", (401,)),
            ("malformed kf1", "kf1.not.base64!", (401,)),
            ("forged subject", forged, (401,)),
            ("altered signature", bad_mac, (401,)),
            ("staff-looking signed token", f"kf1.{base64.urlsafe_b64encode(f's:1:{exp}:1'.encode()).decode().rstrip('=')}.{mac}", (401,)),
            # A valid token of someone else: refused; 404 says nothing about whether it exists.
            ("other customer (identity)", b["token"], (403, 404)),
            ("other customer (anonymous)", anon["token"], (403, 404)),
            ("staff without access (kb_editor)", self.editor, (403,)),
        ]
        routes = [
            ("GET", f"/api/v1/conversations/{cid}", None),
            ("GET", f"/api/v1/conversations/{cid}/messages", None),
            ("GET", f"/api/v1/conversations/{cid}/events", None),
            ("POST", f"/api/v1/conversations/{cid}/messages", {"text": "冒充的消息", "client_id": "x1"}),
            ("POST", f"/api/v1/conversations/{cid}/feedback", {"message_id": msg["id"], "helpful": False}),
            ("POST", f"/api/v1/conversations/{cid}/leave-message", {"text": "冒充的留言", "client_id": "x2"}),
        ]
        for label, token, allowed in tokens:
            for method, path, body in routes:
                with self.subTest(token=label, route=f"{method} {path}"):
                    code, resp = s.request(method, path, body, token=token)
                    self.assertIn(code, allowed, resp)
                    text = json.dumps(resp, ensure_ascii=False) if not isinstance(resp, bytes) else resp.decode()
                    for leaked in (SECRET_TEXT, A_NAME, "victim-a"):
                        self.assertNotIn(leaked, text)

        # WebSocket: bad tokens are refused at the handshake; valid foreign ones get nothing.
        for label, token, _ in tokens[:6]:
            with self.subTest(ws=label):
                with self.assertRaises(HandshakeError) as caught:
                    s.ws(token)
                self.assertEqual(caught.exception.status, 401)
                self.assertNotIn(SECRET_TEXT, caught.exception.body)
        for label, token in (("other customer", b["token"]), ("anonymous", anon["token"]), ("kb_editor", self.editor)):
            with self.subTest(ws=label):
                ws = s.ws(token)
                ws.send({"type": "sync", "conversation_id": cid, "after_seq": 0})
                err = ws.recv_until(lambda m: m["type"] in ("error", "message.created", "sync.done"))
                self.assertEqual((err["type"], err["code"]), ("error", "forbidden"))
                ws.send({"type": "message.send", "conversation_id": cid, "client_id": "ws1", "text": "冒充"})
                err = ws.recv_until(lambda m: m["type"] in ("error", "ack"))
                self.assertEqual((err["type"], err["code"]), ("error", "forbidden"))
                ws.send({"type": "csat.submit", "conversation_id": cid, "score": 1, "comment": "差评"})
                err = ws.recv_until(lambda m: m["type"] in ("error", "csat.recorded"))
                self.assertEqual(err["type"], "error")
                self.assertIn(err["code"], ("forbidden", "not_found"))
                # A's next message reaches A's other tab, never this connection.
                a_ws = s.ws(a["token"])
                a_ws.send({"type": "message.send", "conversation_id": cid, "client_id": f"a-{label}", "text": "只给我自己"})
                a_ws.recv_until(lambda m: m["type"] == "ack")
                ws.send({"type": "sync", "conversation_id": 0, "after_seq": 0})  # any answer flushes the pipe
                while True:
                    frame = ws.recv(timeout=5)
                    self.assertNotEqual(frame.get("type"), "message.created", frame)
                    self.assertNotIn(SECRET_TEXT, json.dumps(frame, ensure_ascii=False))
                    if frame["type"] == "error":
                        break
                ws.close()
                a_ws.close()

        # Nothing the attempts sent landed in A's conversation.
        code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=a["token"])
        self.assertEqual(code, 200)
        texts = [m["text"] for m in history["messages"]]
        self.assertNotIn("冒充的消息", texts)
        self.assertNotIn("冒充的留言", texts)
        self.assertNotIn("冒充", texts)
        code, events = s.request("GET", f"/api/v1/conversations/{cid}/events", token=self.agent)
        self.assertEqual(code, 200)
        self.assertNotIn("bot.feedback", [e["type"] for e in events["events"]])
        self.assertNotIn("csat", [e["type"] for e in events["events"]])


class ExpiredTokenTest(unittest.TestCase):
    """A customer token past its 30 days reads nothing (the server's clock moved by the test)."""

    def test_expired_customer_token(self):
        server = Server(args=["--test-clock", "2026-11-01T00:00:00Z"])
        server.args.extend(["--config", write_config(server)])
        server.env["KEFU_IT_OTHER_SITE_SECRET"] = OTHER_SECRET
        server.start()
        try:
            code, body = server.request("POST", "/api/v1/test/clock", {"now": "2026-11-01T00:00:00Z"})
            code, a = server.request("POST", "/api/v1/widget/sessions", {"name": A_NAME})
            self.assertEqual(code, 201, a)
            cid = a["conversation_id"]
            self.assertEqual(server.request("GET", f"/api/v1/conversations/{cid}", token=a["token"])[0], 200)
            # Identities are checked against the server's clock too: one signed "now" (real
            # time, far after the test clock) is too far ahead for it.
            code, body = server.request("POST", "/api/v1/widget/sessions", {"identity": identity()})
            self.assertEqual((code, body["error"]["code"]), (401, "identity_expiry_too_far"))
            server.request("POST", "/api/v1/test/clock", {"advance_ms": 31 * 86400 * 1000})
            code, body = server.request("GET", f"/api/v1/conversations/{cid}", token=a["token"])
            self.assertEqual(code, 401, body)
            self.assertNotIn(A_NAME, json.dumps(body, ensure_ascii=False))
            with self.assertRaises(HandshakeError) as caught:
                server.ws(a["token"])
            self.assertEqual(caught.exception.status, 401)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
