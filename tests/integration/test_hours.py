"""Business hours, leaving a message and bot-free channels, end to end: outside the configured
hours a customer asking for a person is told when the team is back (in their language and time
zone); a message left becomes a ticket (one per conversation, secrets redacted), confirmed with
its number; channels configured without the bot go straight to people."""
import os
import unittest

from kefu import ROOT, Server

KB = os.path.join(ROOT, "data", "demo", "kb.jsonl")
SATURDAY = "2026-11-28T04:00:00Z"   # Saturday 12:00 in Shanghai
THURSDAY = "2026-11-26T02:00:00Z"   # Thursday 10:00 in Shanghai
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
CONFIG = """
[bot]
calendar = "cn"

[calendars.cn]
time_zone = "Asia/Shanghai"
weekdays = ["09:00-18:00"]
"""


def make_server(clock, env=None):
    s = Server(env=env, args=["--test-clock", clock])
    path = os.path.join(s.dir, "kefu.toml")
    with open(path, "w") as f:
        f.write(CONFIG)
    s.args += ["--config", path]
    r = s.cli("kb", "import", KB, "--db", s.db)
    assert r.returncode == 0, r.stderr
    s.add_staff("agent@hours.kefu")
    return s


class OutsideHoursTest(unittest.TestCase):
    def setUp(self):
        self.server = make_server(SATURDAY).start()

    def tearDown(self):
        self.server.close()

    def bot_messages(self, c, kind):
        code, body = self.server.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages",
                                         token=c["token"])
        self.assertEqual(code, 200, body)
        return [m for m in body["messages"] if m["kind"] == kind]

    def test_asking_for_a_person_when_closed_says_when_the_team_is_back(self):
        s = self.server
        for lang, ask, expected in [("zh-CN", "转人工", "11月30日（周一）09:00（UTC+8）"),
                                    ("en", "I want to talk to a human agent", "on Mon 30 Nov at 09:00 (UTC+8)"),
                                    ("es", "quiero hablar con un agente", "el lun 30 nov a las 09:00 (UTC+8)"),
                                    ("zh-TW", "轉人工", "週一")]:
            code, c = s.request("POST", "/api/v1/widget/sessions", {"lang": lang})
            self.assertEqual(code, 201, c)
            ws = s.ws(c["token"])
            ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "h", "text": ask})
            notice = ws.recv_until(lambda m: m["type"] == "message.created"
                                   and m["message"]["kind"] == "bot.outside_hours")
            self.assertIn(expected, notice["message"]["text"], lang)
            code, conv = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}", token=c["token"])
            self.assertEqual(conv["state"], "queued")  # still in line for Monday

    def test_a_left_message_becomes_one_ticket_with_secrets_redacted(self):
        s = self.server
        c = s.widget_session()
        cid = c["conversation_id"]
        path = f"/api/v1/conversations/{cid}/leave-message"
        text = f"提现单号 W20261128 还没到账，我的助记词是 {MNEMONIC}"
        code, left = s.request("POST", path, {"text": text, "client_id": "leave-1"}, token=c["token"])
        self.assertEqual(code, 201, left)
        self.assertNotIn("abandon", left["message"]["text"])
        tid = left["ticket_id"]
        agent = s.login("agent@hours.kefu")
        code, ticket = s.request("GET", f"/api/v1/tickets/{tid}", token=agent)
        self.assertEqual(code, 200, ticket)
        self.assertIn("W20261128", ticket["description"])
        self.assertNotIn("abandon", ticket["description"] + ticket["subject"])
        self.assertEqual(ticket["conversation_id"], cid)
        confirmations = self.bot_messages(c, "bot.message_left")
        self.assertEqual(len(confirmations), 1)
        self.assertIn(f"#{tid}", confirmations[0]["text"])
        # The conversation left the bot for the queue; the same message again is not stored twice,
        # and a second message joins the same ticket.
        code, conv = s.request("GET", f"/api/v1/conversations/{cid}", token=c["token"])
        self.assertEqual(conv["state"], "queued")
        code, again = s.request("POST", path, {"text": text, "client_id": "leave-1"}, token=c["token"])
        self.assertEqual((code, again["ticket_id"], again["message"]["id"]), (200, tid, left["message"]["id"]))
        code, more = s.request("POST", path, {"text": "补充：金额 100 USDT", "client_id": "leave-2"}, token=c["token"])
        self.assertEqual((code, more["ticket_id"]), (200, tid))
        self.assertEqual(len(self.bot_messages(c, "bot.message_left")), 1)

    def test_leaving_a_message_refuses_bad_requests(self):
        s = self.server
        c = s.widget_session()
        other = s.widget_session()
        path = f"/api/v1/conversations/{c['conversation_id']}/leave-message"
        self.assertEqual(s.request("POST", path, {"text": "hi"}, token=other["token"])[0], 404)
        self.assertEqual(s.request("POST", path, {"text": "  "}, token=c["token"])[0], 400)
        self.assertEqual(s.request("POST", path, {"text": "x" * 5000}, token=c["token"])[0], 413)
        self.assertEqual(s.request("POST", path, raw=b"{not json", token=c["token"])[0], 400)
        self.assertEqual(s.request("POST", path, {"text": "hi"})[0], 401)
        agent = s.login("agent@hours.kefu")
        self.assertEqual(s.request("POST", path, {"text": "hi"}, token=agent)[0], 403)


class OpenHoursTest(unittest.TestCase):
    def test_within_hours_there_is_no_closed_notice(self):
        s = make_server(THURSDAY).start()
        try:
            c = s.widget_session()
            ws = s.ws(c["token"])
            ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "h", "text": "转人工"})
            position = ws.recv_until(lambda m: m["type"] == "queue.position")
            self.assertEqual(position["agents_online"], 0)  # the widget offers to leave a message
            code, body = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages", token=c["token"])
            self.assertNotIn("bot.outside_hours", [m["kind"] for m in body["messages"]])
        finally:
            s.close()


class ChannelsTest(unittest.TestCase):
    def test_a_channel_without_the_bot_goes_straight_to_people(self):
        s = make_server(THURSDAY, env={"KEFU_BOT_CHANNELS": "wechat,telegram"}).start()
        try:
            c = s.widget_session()
            cid = c["conversation_id"]
            code, body = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
            self.assertEqual(body["messages"], [])  # no greeting
            ws = s.ws(c["token"])
            ws.send({"type": "message.send", "conversation_id": cid, "client_id": "q", "text": "绑卡失败怎么办"})
            position = ws.recv_until(lambda m: m["type"] == "queue.position")
            self.assertEqual(position["desk"], "L1")
            agent = s.login("agent@hours.kefu")
            code, events = s.request("GET", f"/api/v1/conversations/{cid}/events", token=agent)
            queued = [e for e in events["events"] if e["type"] == "queued"]
            self.assertEqual(queued[0]["reason"], "channel_without_bot")
            code, body = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
            self.assertNotIn("bot", [m["sender"]["type"] for m in body["messages"]])
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
