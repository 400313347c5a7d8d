"""Issue 5's stories end to end over HTTP and WebSocket, on the server's test clock: a customer
asks the bot, asks for a human, waits in the queue watching the position drop, is served by L1,
transferred to L2 with a reason they see, the ticket made from the conversation gets an SLA that
the reply meets, the conversation closes and the customer rates it; and a ticket nobody answers
breaches its SLA and escalates. Each step is checked as the customer or the agent would notice it.
The complaint story is in test_complaints.py."""
import os
import unittest

from kefu import ROOT, Server

KB = os.path.join(ROOT, "data", "demo", "kb.jsonl")
T0 = "2026-11-26T02:00:00Z"
MIN = 60_000
L1 = "l1@story.kefu"
L2 = "l2@story.kefu"
SUP = "sup@story.kefu"
INCIDENTS = {"name": "Incidents", "ticket_type": "incident", "first_response_minutes": 30,
             "resolution_minutes": 240, "warn_percent": 80, "escalate_to": "L3"}


def bot_message(kind):
    return lambda m: m["type"] == "message.created" and m["message"].get("kind") == kind


class StoriesTest(unittest.TestCase):
    def setUp(self):
        s = self.server = Server(args=["--test-clock", T0])
        r = s.cli("kb", "import", KB, "--db", s.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = s.cli("staff", "add", "--db", s.db, "--email", L1, "--role", "agent", "--desk", "L1", "--max-chats", "1",
                  "--name", "小李", "--password-stdin", stdin="correct-horse-1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = s.cli("staff", "add", "--db", s.db, "--email", L2, "--role", "agent", "--desk", "L2", "--name", "老王",
                  "--password-stdin", stdin="correct-horse-1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        s.add_staff(SUP, role="supervisor")
        s.add_staff("l3@story.kefu", desk="L3")
        s.start()
        self.sup = s.login(SUP)
        code, body = s.request("POST", "/api/v1/sla-policies", INCIDENTS, token=self.sup)
        self.assertEqual(code, 201, body)

    def tearDown(self):
        self.server.close()

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def online(self, token):
        code, body = self.server.request("POST", "/api/v1/staff/me/status", {"status": "online"}, token=token)
        self.assertEqual(code, 200, body)

    def say(self, ws, conversation_id, client_id, text):
        ws.send({"type": "message.send", "conversation_id": conversation_id, "client_id": client_id, "text": text})
        return ws.recv_until(lambda m: m["type"] == "ack" and m["client_id"] == client_id)

    def kinds(self, conversation_id, token):
        code, body = self.server.request("GET", f"/api/v1/conversations/{conversation_id}/events", token=token)
        self.assertEqual(code, 200, body)
        return [e for e in body["events"] if e["type"] != "message"]

    def test_bot_queue_l1_transfer_l2_ticket_sla_close_and_rating(self):
        s = self.server
        # Somebody is already waiting for a person when Alice arrives.
        bob = s.widget_session("Bob")
        code, _ = s.request("POST", f"/api/v1/conversations/{bob['conversation_id']}/handoff", {}, token=bob["token"])
        self.assertEqual(code, 200)
        alice = s.widget_session("Alice")
        cid = alice["conversation_id"]
        wa = s.ws(alice["token"])  # the bot's greeting may come before or after this connects

        # 1. She asks the bot first and gets an answer from the knowledge base.
        self.say(wa, cid, "q1", "绑卡失败怎么办")
        answer = wa.recv_until(bot_message("bot.answer"))["message"]
        self.assertEqual(answer["sender"]["type"], "bot")
        self.assertIn("预留手机号", answer["text"])

        # 2. It does not solve her problem: she asks for a person and is told where she stands.
        self.say(wa, cid, "q2", "还是不行，转人工")
        handoff = wa.recv_until(bot_message("bot.handoff"))["message"]
        self.assertTrue(handoff["text"])
        queued = wa.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual((queued["position"], queued["desk"], queued["agents_online"]), (2, "L1", 0))
        self.assertGreater(queued["eta_seconds"], 0)

        # 3. An L1 agent who takes one chat at a time comes online: Bob is served first, and
        #    Alice's position drops to 1 live.
        l1 = s.login(L1)
        console_l1 = s.ws(l1)
        self.online(l1)
        moved = wa.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual(moved["position"], 1)
        code, bob_conv = s.request("GET", f"/api/v1/conversations/{bob['conversation_id']}", token=l1)
        self.assertEqual((bob_conv["state"], bob_conv["assigned_agent"]["name"]), ("active", "小李"))

        # 4. The agent finishes with Bob; Alice is assigned at once and sees who serves her.
        code, _ = s.request("POST", f"/api/v1/conversations/{bob['conversation_id']}/close", {"summary": "已解答"}, token=l1)
        self.assertEqual(code, 200)
        assigned = wa.recv_until(lambda m: m["type"] == "conversation.assigned")
        self.assertEqual(assigned["agent"]["name"], "小李")
        # The agent sees the bot transcript, not only what was said to them.
        code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=l1)
        self.assertIn(("bot", "bot.answer"), [(m["sender"]["type"], m["kind"]) for m in history["messages"]])
        self.say(console_l1, cid, "l1-hello", "您好，我是小李，请问是哪张银行卡？")
        self.assertEqual(wa.recv_until(lambda m: m["type"] == "message.created" and
                                       m["message"]["sender"]["type"] == "staff")["message"]["sender"]["name"], "小李")

        # 5. It needs a specialist: transfer to L2 with a reason Alice is told, and a note for L2.
        code, conv = s.request("POST", f"/api/v1/conversations/{cid}/transfer",
                               {"desk": "L2", "reason": "需要核查银行卡绑定记录", "note": "尾号 4321，已试三次"}, token=l1)
        self.assertEqual((code, conv["state"], conv["desk"]), (200, "queued", "L2"))
        told = wa.recv_until(lambda m: m["type"] == "conversation.transferred")
        self.assertEqual(told["reason"], "需要核查银行卡绑定记录")

        # 6. L2 comes online and takes her; they see the whole history and the note.
        l2 = s.login(L2)
        console_l2 = s.ws(l2)
        self.online(l2)
        self.assertEqual(wa.recv_until(lambda m: m["type"] == "conversation.assigned")["agent"]["name"], "老王")
        code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=l2)
        texts = [m["text"] for m in history["messages"]]
        self.assertIn("绑卡失败怎么办", texts)
        self.assertIn("您好，我是小李，请问是哪张银行卡？", texts)
        transferred = next(e for e in self.kinds(cid, l2) if e["type"] == "transferred")
        self.assertEqual((transferred["reason"], transferred["note"]), ("需要核查银行卡绑定记录", "尾号 4321，已试三次"))

        # 7. L2 opens an incident ticket from the conversation: the SLA policy starts its clocks.
        code, ticket = s.request("POST", f"/api/v1/conversations/{cid}/ticket",
                                 {"type": "incident", "category": "bank_card", "priority": "high",
                                  "subject": "银行卡绑定失败", "card_last4": "4321"}, token=l2)
        self.assertEqual(code, 201, ticket)
        code, sla = s.request("GET", f"/api/v1/tickets/{ticket['id']}/sla", token=l2)
        self.assertEqual(code, 200, sla)
        self.assertEqual(sla["first_response"]["state"], "running")
        self.assertEqual(sla["first_response"]["due"], "2026-11-26T02:30:00.000Z")

        # 8. L2 starts on it and answers within ten minutes: when the first-response checkpoint
        #    comes, it is met.
        self.advance(10 * MIN)
        code, t = s.request("POST", f"/api/v1/tickets/{ticket['id']}/status", {"status": "open"}, token=l2)
        self.assertEqual((code, t.get("status")), (200, "open"), t)
        self.say(console_l2, cid, "l2-fix", "已为您重置绑卡状态，请再试一次")
        self.assertEqual(wa.recv_until(lambda m: m["type"] == "message.created" and
                                       m["message"]["sender"]["type"] == "staff")["message"]["text"],
                         "已为您重置绑卡状态，请再试一次")
        self.say(wa, cid, "q3", "好的，绑上了，谢谢")
        self.advance(25 * MIN)
        code, sla = s.request("GET", f"/api/v1/tickets/{ticket['id']}/sla", token=l2)
        self.assertEqual(sla["first_response"]["state"], "met")
        code, t_events = s.request("GET", f"/api/v1/tickets/{ticket['id']}/events", token=l2)
        types = [e["type"] for e in t_events["events"]]
        self.assertIn("ticket.sla_met", types)
        self.assertNotIn("ticket.sla_breached", types)

        # 9. Solved: the ticket is resolved, the conversation closed with a summary, and Alice is
        #    asked to rate it — once.
        code, t = s.request("POST", f"/api/v1/tickets/{ticket['id']}/status", {"status": "resolved"}, token=l2)
        self.assertEqual((code, t.get("status")), (200, "resolved"), t)
        code, conv = s.request("POST", f"/api/v1/conversations/{cid}/close", {"summary": "绑卡状态已重置，客户确认成功"}, token=l2)
        self.assertEqual((code, conv["state"]), (200, "closed"))
        wa.recv_until(lambda m: m["type"] == "csat.request")
        wa.send({"type": "csat.submit", "conversation_id": cid, "score": 5, "comment": "老王很专业"})
        self.assertEqual(wa.recv_until(lambda m: m["type"] in ("csat.recorded", "error"))["type"], "csat.recorded")
        wa.send({"type": "csat.submit", "conversation_id": cid, "score": 1})
        self.assertEqual(wa.recv_until(lambda m: m["type"] == "error")["code"], "conflict")

        # 10. The record tells the same story, in order, with the rating linked to L2.
        events = self.kinds(cid, self.sup)
        self.assertEqual([e["type"] for e in events],
                         ["created", "queued", "assigned", "transferred", "assigned", "ticket.created", "ticket.opened",
                          "ticket.sla_met", "ticket.resolved", "ticket.sla_met", "closed", "csat"])
        csat = next(e for e in events if e["type"] == "csat")
        self.assertEqual(csat["score"], 5)
        code, me_l2 = s.request("GET", "/api/v1/staff/me", token=l2)
        self.assertEqual(csat.get("agent_id", me_l2["id"]), me_l2["id"])
        # The resolution clock was met, and nothing breached however far time moves.
        self.advance(10 * 60 * MIN)
        code, sla = s.request("GET", f"/api/v1/tickets/{ticket['id']}/sla", token=l2)
        self.assertNotEqual(sla["resolution"]["state"], "breached")
        code, breaches = s.request("GET", "/api/v1/sla/breaches", token=self.sup)
        self.assertEqual(breaches["breaches"], [])

    def test_an_unanswered_ticket_breaches_and_escalates(self):
        s = self.server
        customer = s.widget_session("Carol")
        l1 = s.login(L1)
        code, _ = s.request("POST", f"/api/v1/conversations/{customer['conversation_id']}/accept", token=l1)
        self.assertEqual(code, 200)
        code, ticket = s.request("POST", f"/api/v1/conversations/{customer['conversation_id']}/ticket",
                                 {"type": "incident", "category": "withdrawal", "priority": "normal",
                                  "subject": "提现 5 小时未到账", "desk": "L1"}, token=l1)
        self.assertEqual(code, 201, ticket)
        supervisor_console = s.ws(self.sup)
        # Nobody answers: at 80 % of the 30 minutes the supervisors are warned ...
        self.advance(24 * MIN)
        warning = supervisor_console.recv_until(lambda m: m["type"] == "sla.warning")
        self.assertEqual((warning["ticket_id"], warning["target"]), (ticket["id"], "first_response"))
        # ... and at 30 minutes the ticket breaches: priority up one step, moved to L3, listed.
        self.advance(6 * MIN)
        breach = supervisor_console.recv_until(lambda m: m["type"] == "sla.breached")
        self.assertEqual((breach["ticket_id"], breach["target"]), (ticket["id"], "first_response"))
        code, now = s.request("GET", f"/api/v1/tickets/{ticket['id']}", token=self.sup)
        self.assertEqual((now["priority"], now["desk"]), ("high", "L3"))
        code, page = s.request("GET", "/api/v1/sla/breaches", token=self.sup)
        self.assertEqual([b["ticket"]["id"] for b in page["breaches"]], [ticket["id"]])
        code, t_events = s.request("GET", f"/api/v1/tickets/{ticket['id']}/events", token=self.sup)
        self.assertEqual([e["type"] for e in t_events["events"]].count("ticket.sla_breached"), 1)
        # A restart does not fire it again.
        s.restart()
        self.advance(60 * MIN)
        code, t_events = s.request("GET", f"/api/v1/tickets/{ticket['id']}/events", token=self.sup)
        self.assertEqual([e["type"] for e in t_events["events"]].count("ticket.sla_breached"), 1)


if __name__ == "__main__":
    unittest.main()
