"""The bot over the CLI and HTTP: kb import trains it, bot ask and POST /api/v1/bot/answer answer
with the DESIGN.md §2 object, secrets are redacted, bad input is refused clearly."""
import json
import os
import unittest

from kefu import ROOT, Server

KB = os.path.join(ROOT, "data", "demo", "kb.jsonl")
KEYS = ["faq_id", "confidence", "handoff", "route", "reason", "answer", "redacted_text", "warnings"]


class BotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        r = cls.server.cli("kb", "import", KB, "--db", cls.server.db)
        assert r.returncode == 0, r.stderr
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def ask_cli(self, *lines, lang=None):
        args = ["bot", "ask", "--db", self.server.db] + (["--lang", lang] if lang else [])
        r = self.server.cli(*args, stdin="\n".join(lines) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(l) for l in r.stdout.splitlines()]

    def test_cli_answers_each_line_with_the_contract_keys(self):
        answers = self.ask_cli("提现一直不到账咋办", "how do i reset my password", "¿cómo verifico mi identidad?",
                               "who won the football world cup")
        self.assertEqual(len(answers), 4)
        for a in answers:
            for k in KEYS:
                self.assertIn(k, a)
        self.assertTrue(answers[0]["faq_id"].endswith("-zh"))
        self.assertTrue(answers[1]["faq_id"].endswith("-en"))
        self.assertTrue(answers[2]["faq_id"].endswith("-es"))
        self.assertIsNone(answers[3]["faq_id"])
        self.assertEqual(answers[3]["route"], "bot")

    def test_http_matches_the_cli_and_routes_money_at_risk_to_security(self):
        status, a = self.server.request("POST", "/api/v1/bot/answer", {"text": "我的钱包被盗了，币全没了"})
        self.assertEqual(status, 200, a)
        self.assertEqual((a["handoff"], a["route"]), (True, "security"))
        status, b = self.server.request("POST", "/api/v1/bot/answer", {"text": "转人工"})
        self.assertEqual((b["handoff"], b["route"]), (True, "L1"))

    def test_secrets_are_redacted_and_warned_about(self):
        phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
        status, a = self.server.request("POST", "/api/v1/bot/answer", {"text": "my words: " + phrase, "lang": "en"})
        self.assertEqual(status, 200)
        self.assertIn("seed_phrase", a["warnings"])
        self.assertNotIn("abandon", a["redacted_text"])
        self.assertTrue(a["redacted_text"].startswith("my words: "))
        self.assertIsNotNone(a["answer"])

    def test_bad_requests(self):
        s = self.server
        self.assertEqual(s.request("POST", "/api/v1/bot/answer", raw=b"{nope")[0], 400)
        self.assertEqual(s.request("POST", "/api/v1/bot/answer", {})[0], 400)
        self.assertEqual(s.request("POST", "/api/v1/bot/answer", {"text": "hi", "lang": "fr"})[0], 400)
        self.assertEqual(s.request("POST", "/api/v1/bot/answer", {"text": "长" * 4001})[0], 413)


class BotInTheConversationTest(unittest.TestCase):
    """A new conversation starts with the bot: it greets, answers, and hands over with a reason."""

    def setUp(self):
        self.server = Server()
        r = self.server.cli("kb", "import", KB, "--db", self.server.db)
        assert r.returncode == 0, r.stderr
        self.server.add_staff("sec@it.kefu", desk="security")
        self.server.start()

    def tearDown(self):
        self.server.close()

    def bot_says(self, ws, skip_greeting=False):
        return ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "bot"
                             and not (skip_greeting and m["message"]["kind"] == "bot.greeting"))

    def test_greets_answers_and_hands_money_at_risk_to_security(self):
        s = self.server
        c = s.widget_session()
        ws = s.ws(c["token"])
        status, history = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages", token=c["token"])
        greeting = [m for m in history["messages"] if m["sender"]["type"] == "bot"]
        if not greeting:  # the greeting may still be on its way
            greeting = [self.bot_says(ws)["message"]]
        self.assertIn("转人工", greeting[0]["text"])
        self.assertEqual(greeting[0]["kind"], "bot.greeting")
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "q1", "text": "绑卡失败怎么办"})
        answer = self.bot_says(ws, skip_greeting=True)
        self.assertIn("预留手机号", answer["message"]["text"])
        self.assertEqual(answer["message"]["kind"], "bot.answer")
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "q2",
                 "text": "我的钱包被盗了，币全没了"})
        notice = self.bot_says(ws)
        self.assertIn("安全", notice["message"]["text"])
        self.assertEqual(notice["message"]["kind"], "bot.handoff")
        position = ws.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual(position["desk"], "security")
        agent = s.login("sec@it.kefu")
        status, events = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}/events", token=agent)
        queued = next(e for e in events["events"] if e["type"] == "queued")
        self.assertEqual((queued["reason"], queued["desk"]), ("security_risk", "security"))
        self.assertEqual(queued["actor"]["type"], "bot")
        # History says the same kinds as the live frames; people's messages are plain text.
        status, history = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages", token=c["token"])
        self.assertEqual([(m["sender"]["type"], m["kind"]) for m in history["messages"]],
                         [("bot", "bot.greeting"), ("customer", "text"), ("bot", "bot.answer"),
                          ("customer", "text"), ("bot", "bot.handoff")])

    def test_suggestions_and_did_this_help(self):
        s = self.server
        for lang, script in [("zh", "提"), ("en", " "), ("es", " ")]:
            status, body = s.request("GET", f"/api/v1/kb/suggestions?lang={lang}")
            self.assertEqual(status, 200)
            self.assertEqual(len(body["suggestions"]), 6)
            self.assertEqual(len({x["category"] for x in body["suggestions"]}), 6)  # one per category
            self.assertTrue(all(x["id"].endswith("-" + lang) for x in body["suggestions"]))
        status, tw = s.request("GET", "/api/v1/kb/suggestions?lang=zh-TW&limit=3")
        self.assertEqual(len(tw["suggestions"]), 3)
        self.assertEqual(s.request("GET", "/api/v1/kb/suggestions?lang=fr")[0], 400)
        c = s.widget_session()
        ws = s.ws(c["token"])
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "q", "text": "绑卡失败怎么办"})
        own = ws.recv_until(lambda m: m["type"] == "ack")["message_id"]
        answer = self.bot_says(ws)
        while "预留手机号" not in answer["message"]["text"]:
            answer = self.bot_says(ws)
        path = f"/api/v1/conversations/{c['conversation_id']}/feedback"
        status, body = s.request("POST", path, {"message_id": answer["message"]["id"], "helpful": False}, token=c["token"])
        self.assertEqual((status, body), (200, {"recorded": True}))
        self.assertEqual(answer["message"]["kind"], "bot.answer")
        followup = self.bot_says(ws)["message"]
        self.assertIn("转人工", followup["text"])  # offers to rephrase or reach a person
        self.assertEqual(followup["kind"], "bot.feedback_followup")
        # That "no" counted as a miss: one more miss hands over.
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "x", "text": "who won the football world cup"})
        self.assertEqual(ws.recv_until(lambda m: m["type"] == "queue.position")["desk"], "L1")
        # One vote per answer; only the bot's messages of this conversation can be rated.
        self.assertEqual(s.request("POST", path, {"message_id": answer["message"]["id"], "helpful": False},
                                   token=c["token"])[0], 409)
        self.assertEqual(s.request("POST", path, {"message_id": own, "helpful": True}, token=c["token"])[0], 400)
        other = s.widget_session()
        self.assertEqual(s.request("POST", path, {"message_id": 1, "helpful": True}, token=other["token"])[0], 404)
        self.assertEqual(s.request("POST", path, {"message_id": 1}, token=c["token"])[0], 400)

    def test_two_misses_in_a_row_hand_over(self):
        s = self.server
        c = s.widget_session()
        ws = s.ws(c["token"])
        kinds = []
        for i, text in enumerate(["who won the football world cup", "recommend a pizza place nearby"]):
            ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": f"m{i}", "text": text})
            ws.recv_until(lambda m: m["type"] == "ack")
            kinds.append(self.bot_says(ws, skip_greeting=True)["message"]["kind"])
        self.assertEqual(kinds, ["bot.rephrase", "bot.handoff"])  # the first miss asks to rephrase
        position = ws.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual(position["desk"], "L1")

    def test_the_bot_remembers_misses_and_votes_across_a_restart(self):
        s = self.server
        c = s.widget_session()
        cid = c["conversation_id"]
        ws = s.ws(c["token"])
        ws.send({"type": "message.send", "conversation_id": cid, "client_id": "a", "text": "绑卡失败怎么办"})
        answer = ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["kind"] == "bot.answer")
        path = f"/api/v1/conversations/{cid}/feedback"
        self.assertEqual(s.request("POST", path, {"message_id": answer["message"]["id"], "helpful": False},
                                   token=c["token"])[0], 200)
        ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["kind"] == "bot.feedback_followup")
        s.restart()
        # The vote is remembered: no second vote on that answer.
        self.assertEqual(s.request("POST", path, {"message_id": answer["message"]["id"], "helpful": False},
                                   token=c["token"])[0], 409)
        # The 👎 was one miss; after the restart one more miss still hands over.
        ws = s.ws(c["token"])
        ws.send({"type": "message.send", "conversation_id": cid, "client_id": "b", "text": "who won the football world cup"})
        notice = ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "bot")
        self.assertEqual(notice["message"]["kind"], "bot.handoff")
        self.assertEqual(ws.recv_until(lambda m: m["type"] == "queue.position")["desk"], "L1")

    def test_secrets_get_the_safety_notice(self):
        s = self.server
        c = s.widget_session()
        ws = s.ws(c["token"])
        phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "s", "text": phrase})
        ws.recv_until(lambda m: m["type"] == "ack")
        notice = self.bot_says(ws, skip_greeting=True)["message"]
        self.assertEqual(notice["kind"], "bot.safety")


class NoKnowledgeBaseTest(unittest.TestCase):
    def test_the_bot_says_it_is_unavailable(self):
        s = Server()
        try:
            s.start()
            status, body = s.request("POST", "/api/v1/bot/answer", {"text": "hello"})
            self.assertEqual((status, body["error"]["code"]), (503, "unavailable"))
        finally:
            s.close()

    def test_kb_import_reports_bad_lines_and_keeps_good_ones(self):
        s = Server()
        try:
            path = os.path.join(s.dir, "kb.jsonl")
            with open(path, "w") as f:
                f.write('{"id":"a-en","lang":"en","question":"How do I top up?","answer":"Use Top up."}\n')
                f.write('{broken\n')
                f.write('{"id":"b-en","lang":"de","question":"q","answer":"a"}\n')
            r = s.cli("kb", "import", path, "--db", s.db)
            self.assertEqual(r.returncode, 1)
            self.assertIn("kb.jsonl:2:", r.stderr)
            self.assertIn("kb.jsonl:3:", r.stderr)
            out = s.cli("kb", "export", "--db", s.db)
            self.assertEqual([json.loads(l)["id"] for l in out.stdout.splitlines()], ["a-en"])
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
