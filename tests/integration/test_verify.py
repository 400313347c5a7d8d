"""Anti-impersonation (issue 6 item 7): the public /verify page and GET /api/v1/verify confirm
official channels and agent ids (never revealing staff emails), every staff message carries the
agent's verify id, and every outbound template carries the safety line in the customer's
language."""
import os
import re
import time
import unittest
import urllib.parse
import urllib.request

from kefu import Server

AGENT = "lin.agent@verify.kefu"
ADMIN = "admin@verify.kefu"
VERIFY_ID = re.compile(r"^KF-[0-9A-HJKMNP-TV-Z]{8}$")
LINES = {
    "zh": "我们绝不会向您索要助记词、私钥、密码或验证码",
    "zh-TW": "我們絕不會向您索",
    "en": "We will never ask for your seed phrase, private key, password or verification codes.",
    "es": "Nunca te pediremos tu frase semilla, clave privada, contraseña ni códigos de verificación.",
}
CONFIG = """
[verify]
brand = "Demo Wallet"
phones = ["+86 400-800-1234", "+1 (555) 010-2000"]
emails = ["Support@DemoWallet.example"]
wechat = ["DemoWalletCS"]
telegram = ["@DemoWalletSupport"]
"""


def get_page(server, path, headers=None):
    req = urllib.request.Request(server.base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class VerifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        path = os.path.join(cls.server.dir, "kefu.toml")
        with open(path, "w") as f:
            f.write(CONFIG)
        cls.server.args = ["--config", path]
        cls.server.add_staff(AGENT)
        cls.server.add_staff(ADMIN, role="admin", desk="L1")
        cls.server.start()
        cls.agent = cls.server.login(AGENT)
        cls.admin = cls.server.login(ADMIN)
        code, me = cls.server.request("GET", "/api/v1/staff/me", token=cls.agent)
        cls.me = me

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def verify(self, kind, value):
        return self.server.request("GET", "/api/v1/verify?" + urllib.parse.urlencode({"kind": kind, "value": value}))

    def test_every_staff_message_carries_the_agents_verify_id(self):
        s = self.server
        vid = self.me["verify_id"]
        self.assertRegex(vid, VERIFY_ID)
        self.assertNotIn("lin", vid.lower())
        c = s.widget_session("客户")
        cid = c["conversation_id"]
        customer_ws = s.ws(c["token"])
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)[0], 200)
        assigned = customer_ws.recv_until(lambda m: m["type"] == "conversation.assigned")
        self.assertEqual(assigned["agent"]["verify_id"], vid)
        code, conv = s.request("GET", f"/api/v1/conversations/{cid}", token=c["token"])
        self.assertEqual(conv["assigned_agent"]["verify_id"], vid)
        # Over REST …
        code, sent = s.request("POST", f"/api/v1/conversations/{cid}/messages", {"text": "您好，我是客服小林"}, token=self.agent)
        self.assertEqual(code, 201, sent)
        self.assertEqual(sent["sender"]["verify_id"], vid)
        live = customer_ws.recv_until(lambda m: m["type"] == "message.created")
        self.assertEqual(live["message"]["sender"]["verify_id"], vid)
        # … and over WebSocket.
        agent_ws = s.ws(self.agent)
        agent_ws.send({"type": "message.send", "conversation_id": cid, "client_id": "v1", "text": "请稍等"})
        agent_ws.recv_until(lambda m: m["type"] == "ack")
        live = customer_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["text"] == "请稍等")
        self.assertEqual(live["message"]["sender"]["verify_id"], vid)
        customer_ws.send({"type": "message.send", "conversation_id": cid, "client_id": "c1", "text": "好的"})
        customer_ws.recv_until(lambda m: m["type"] == "ack")
        # History: staff messages have it, the customer's do not.
        code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
        for m in history["messages"]:
            if m["sender"]["type"] == "staff":
                self.assertEqual(m["sender"]["verify_id"], vid)
                self.assertIn("name", m["sender"])  # existing fields kept
            else:
                self.assertNotIn("verify_id", m["sender"])
        # The id stays the same across sign-ins.
        again = s.login(AGENT)
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=again)[1]["verify_id"], vid)

    def test_agent_ids_are_checked_without_revealing_emails(self):
        vid = self.me["verify_id"]
        for typed in (vid, vid.lower(), " " + vid.replace("-", " ") + " ", vid[3:].replace("0", "O")):
            with self.subTest(typed=typed):
                code, body = self.verify("agent", typed)
                self.assertEqual(code, 200, body)
                self.assertTrue(body["official"], body)
                self.assertEqual(body["agent"]["verify_id"], vid)
                self.assertEqual(body["agent"]["desk"], "L1")
                self.assertNotIn("@", str(body))
                self.assertNotIn("email", body["agent"])
        code, body = self.verify("agent", "KF-00000000")
        self.assertEqual((code, body["official"], body["agent"]), (200, False, None))
        self.assertEqual(self.verify("agent", "12345")[0], 400)
        # A disabled account's id no longer counts.
        s = self.server
        code, staff = s.request("GET", "/api/v1/staff", token=self.admin)
        gone_email = "gone@verify.kefu"
        s.add_staff(gone_email)
        code, staff = s.request("GET", "/api/v1/staff", token=self.admin)
        gone = [m for m in staff["staff"] if m["email"] == gone_email][0]
        self.assertTrue(self.verify("agent", gone["verify_id"])[1]["official"])
        self.assertEqual(s.request("PATCH", f"/api/v1/staff/{gone['id']}", {"disabled": True}, token=self.admin)[0], 200)
        code, body = self.verify("agent", gone["verify_id"])
        self.assertEqual((body["official"], body["former"]), (False, True))
        self.assertNotIn(gone_email, str(body))

    def test_official_channels_with_normalised_inputs(self):
        cases = [
            ("phone", "+86 400-800-1234", True), ("phone", "4008001234", True), ("phone", "0086 400 800 1234", True),
            ("phone", "+86-400-800-1235", False), ("phone", "+1 555 010 2000", True), ("phone", "555-010-2000", False),
            ("email", "support@demowallet.example", True), ("email", " SUPPORT@DemoWallet.Example ", True),
            ("email", "support@demowallet.example.evil", False),
            ("wechat", "demowalletcs", True), ("wechat", "@DemoWalletCS", True), ("wechat", "DemoWalletCS1", False),
            ("telegram", "@demowalletsupport", True), ("telegram", "https://t.me/DemoWalletSupport", True),
            ("telegram", "@DemoWallet_Support", False),
        ]
        for kind, value, official in cases:
            with self.subTest(kind=kind, value=value):
                code, body = self.verify(kind, value)
                self.assertEqual(code, 200, body)
                self.assertEqual((body["kind"], body["official"]), (kind, official), body)
                self.assertEqual(body["brand"], "Demo Wallet")
        for kind, value in (("phone", "call me"), ("email", "nobody"), ("fax", "123"), ("", "x"), ("phone", "")):
            with self.subTest(bad=(kind, value)):
                code, body = self.verify(kind, value)
                self.assertEqual((code, body["error"]["code"]), (400, "invalid"))

    def test_the_verify_page_in_three_languages_without_scripts(self):
        s = self.server
        code, headers, html = get_page(s, "/verify?lang=en&kind=phone&value=%2B86%20400%20800%201234")
        self.assertEqual(code, 200)
        self.assertIn("is an official channel", html)
        self.assertIn('data-official=true', html)
        self.assertNotIn("<script", html.lower())
        csp = headers.get("Content-Security-Policy", "")
        self.assertIn("default-src 'none'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("+86 400-800-1234", html)  # the official list is on the page
        self.assertIn(LINES["en"], html)
        code, _, html = get_page(s, "/verify?kind=telegram&value=%40DemoWallet_Support", {"Accept-Language": "es-ES,es;q=0.9"})
        self.assertIn('lang="es"', html)
        self.assertIn("NO es un canal oficial", html)
        self.assertIn('data-official=false', html)
        code, _, html = get_page(s, "/verify", {"Accept-Language": "fr-FR, en;q=0.5"})
        self.assertIn('lang="en"', html)
        code, _, html = get_page(s, "/verify")
        self.assertIn('lang="zh-CN"', html)
        self.assertIn("官方渠道验证", html)
        # What was typed is escaped.
        code, _, html = get_page(s, "/verify?lang=en&kind=wechat&value=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;script&gt;", html)

    def test_every_template_carries_the_safety_line_in_the_customers_language(self):
        s = self.server
        for lang, key in (("zh-CN", "zh"), ("zh-TW", "zh-TW"), ("en", "en"), ("es", "es")):
            with self.subTest(lang=lang):
                code, c = s.request("POST", "/api/v1/widget/sessions", {"name": "L", "lang": lang})
                cid = c["conversation_id"]
                # A system notice: the confirmation of a left message.
                code, left = s.request("POST", f"/api/v1/conversations/{cid}/leave-message",
                                       {"text": "withdrawal W1 missing", "client_id": "l1"}, token=c["token"])
                self.assertEqual(code, 201, left)
                deadline = time.time() + 5
                notices = []
                while time.time() < deadline and not notices:
                    code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
                    notices = [m["text"] for m in history["messages"] if m["kind"] == "bot.message_left"]
                    time.sleep(0.05)
                self.assertEqual(len(notices), 1)
                self.assertIn(LINES[key], notices[0])
                self.assertEqual(notices[0].count(LINES[key]), 1)
                # A rendered canned reply.
                code, reply = s.request("POST", "/api/v1/canned-replies",
                                        {"title": f"t-{lang}", "body": "Hello {{customer_name}}"}, token=self.admin)
                self.assertEqual(code, 201, reply)
                code, r = s.request("POST", f"/api/v1/canned-replies/{reply['id']}/render",
                                    {"conversation_id": cid}, token=self.agent)
                self.assertEqual(code, 200, r)
                self.assertTrue(r["text"].startswith("Hello L"), r)
                self.assertIn(LINES[key], r["text"])


class VerifyRateLimitTest(unittest.TestCase):
    def test_lookups_are_rate_limited_per_address(self):
        server = Server().start()
        try:
            client = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}  # via a proxy on this machine
            codes = []
            for i in range(40):
                code, body = server.request("GET", f"/api/v1/verify?kind=phone&value=400800{1000 + i}", headers=client)
                codes.append(code)
                if code == 429:
                    self.assertEqual(body["error"]["code"], "rate_limited")
            self.assertEqual(codes[:30], [200] * 30)
            self.assertIn(429, codes[30:])
            req = urllib.request.Request(server.base + "/api/v1/verify?kind=phone&value=4008001234", headers=client)
            with self.assertRaises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(req, timeout=5)
            self.assertGreaterEqual(int(caught.exception.headers["Retry-After"]), 1)
            # Another client behind the same proxy has its own budget.
            code, _ = server.request("GET", "/api/v1/verify?kind=phone&value=4008001234",
                                     headers={"X-Forwarded-For": "203.0.113.10"})
            self.assertEqual(code, 200)
            # The page answers too, with 429 and a readable message.
            code, _, html = get_page(server, "/verify?lang=en&kind=phone&value=4008001234", client)
            self.assertEqual(code, 429)
            self.assertIn("Too many checks", html)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
