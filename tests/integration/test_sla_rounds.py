"""The last SLA pieces end to end on the server's test clock (docs/adr/0020): the next-response
clock (a customer message after a staff reply starts a round, the next staff reply meets it, an
unanswered round warns, breaches and escalates like the other clocks); the resolution clock
paused while the ticket is pending and resumed with the business time it had left; both across a
restart (each pending checkpoint fires once, a paused clock not at all until resumed); and the
CSAT survey when a ticket with a conversation closes (once per conversation)."""
import os
import sqlite3
import time
import unittest

from kefu import Server

SUP = "sup@rounds.kefu"
AGENT = "agent@rounds.kefu"
T0 = "2026-11-26T02:00:00Z"
MIN = 60_000

# No "are you still there?" closing the conversations while time jumps.
CONFIG = """
[workflow]
idle_notice_minutes = 0
"""

POLICY = {"name": "Incidents", "ticket_type": "incident", "first_response_minutes": 30,
          "next_response_minutes": 20, "resolution_minutes": 240, "warn_percent": 80, "escalate_to": "L2"}


class SlaRoundsTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0])
        self.config = os.path.join(self.server.dir, "kefu.toml")
        with open(self.config, "w") as f:
            f.write(CONFIG)
        self.server.args += ["--config", self.config]
        self.server.add_staff(SUP, role="supervisor")
        self.server.add_staff(AGENT)
        self.server.start()
        self.login()

    def login(self):
        self.sup = self.server.login(SUP)
        self.agent = self.server.login(AGENT)

    def tearDown(self):
        self.server.close()

    def req(self, method, path, body=None, token=None):
        return self.server.request(method, path, body, token=token or self.agent)

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def restart_at(self, when, sig=9):
        s = self.server
        s.stop(sig=sig)
        s.args = ["--test-clock", when, "--config", self.config]
        s.start()
        self.login()
        self.advance(0)

    def policy(self, **changes):
        code, body = self.req("POST", "/api/v1/sla-policies", POLICY | changes, token=self.sup)
        self.assertEqual(code, 201, body)
        return body

    def chat_ticket(self):
        """A customer served by the agent, with an incident ticket made from the conversation."""
        customer = self.server.widget_session("Dora")
        cid = customer["conversation_id"]
        code, body = self.req("POST", f"/api/v1/conversations/{cid}/handoff", {}, token=customer["token"])
        self.assertEqual(code, 200, body)
        code, body = self.req("POST", f"/api/v1/conversations/{cid}/accept")
        self.assertEqual(code, 200, body)
        code, t = self.req("POST", f"/api/v1/conversations/{cid}/ticket",
                           {"type": "incident", "category": "withdrawal", "priority": "normal",
                            "subject": "提现未到账", "desk": "L1"})
        self.assertEqual(code, 201, t)
        return customer, cid, t["id"]

    def write(self, cid, token, text):
        code, body = self.req("POST", f"/api/v1/conversations/{cid}/messages", {"text": text}, token=token)
        self.assertEqual(code, 201, body)
        return body

    def round_started(self, tid, started_at):
        """The customer's message is acknowledged before its round is written (the chat path does
        not wait for the SLA): wait for the write, not for the clock."""
        deadline = time.monotonic() + 5
        while True:
            nr = self.sla(tid)["next_response"]
            if nr and nr["started_at"] == started_at:
                return nr
            self.assertLess(time.monotonic(), deadline, f"no round started at {started_at}: {nr}")
            time.sleep(0.02)

    def sla(self, tid):
        code, body = self.req("GET", f"/api/v1/tickets/{tid}/sla", token=self.sup)
        self.assertEqual(code, 200, body)
        return body

    def ticket_events(self, tid):
        code, body = self.req("GET", f"/api/v1/tickets/{tid}/events", token=self.sup)
        self.assertEqual(code, 200, body)
        return body["events"]

    def count(self, tid, type_, target=None):
        return len([e for e in self.ticket_events(tid)
                    if e["type"] == type_ and (target is None or e.get("target") == target)])

    def status(self, tid, status, **extra):
        code, body = self.req("POST", f"/api/v1/tickets/{tid}/status", {"status": status} | extra)
        self.assertEqual(code, 200, body)
        return body

    # ---- next response ----

    def test_policies_carry_the_next_response_target(self):
        p = self.policy()
        self.assertEqual(p["next_response_minutes"], 20)
        code, body = self.req("POST", "/api/v1/sla-policies", POLICY | {"next_response_minutes": -5}, token=self.sup)
        self.assertEqual(code, 400, body)
        self.assertIn("next_response_minutes", body["error"]["message"])
        code, body = self.req("POST", "/api/v1/sla-policies", POLICY | {"next_response_minutes": "20"}, token=self.sup)
        self.assertEqual(code, 400, body)
        only = self.policy(name="Rounds only", first_response_minutes=0, resolution_minutes=0)
        self.assertEqual((only["first_response_minutes"], only["next_response_minutes"]), (0, 20))
        absent = {k: v for k, v in POLICY.items() if k != "next_response_minutes"}
        code, body = self.req("POST", "/api/v1/sla-policies", absent | {"name": "No rounds"}, token=self.sup)
        self.assertEqual((code, body["next_response_minutes"]), (201, 0))

    def test_a_round_starts_after_a_staff_reply_and_the_next_reply_meets_it(self):
        self.policy()
        customer, cid, tid = self.chat_ticket()
        ctok = customer["token"]
        # Before any staff reply the first-response clock is the one running: no round.
        self.write(cid, ctok, "还没到账")
        self.assertIsNone(self.sla(tid)["next_response"])
        self.advance(5 * MIN)
        self.write(cid, self.agent, "正在为您核查")
        self.advance(1 * MIN)  # 02:06
        self.write(cid, ctok, "好的，大概多久？")
        nr = self.round_started(tid, "2026-11-26T02:06:00.000Z")
        self.assertEqual((nr["state"], nr["started_at"], nr["due"], nr["warn_at"]),
                         ("running", "2026-11-26T02:06:00.000Z", "2026-11-26T02:26:00.000Z",
                          "2026-11-26T02:22:00.000Z"))
        # More customer messages in the same round change nothing; a whisper answers nobody.
        self.advance(1 * MIN)
        self.write(cid, ctok, "在吗？")
        code, _ = self.req("POST", f"/api/v1/conversations/{cid}/whisper", {"text": "先查链上记录"}, token=self.sup)
        self.assertEqual(code, 201)
        self.assertEqual(self.sla(tid)["next_response"]["started_at"], "2026-11-26T02:06:00.000Z")
        self.advance(9 * MIN)  # 02:16
        self.write(cid, self.agent, "已经查到，链上还在确认")
        self.advance(10 * MIN)  # 02:26: the checkpoint at the warning instant finds the reply
        nr = self.sla(tid)["next_response"]
        self.assertEqual((nr["state"], nr["met_at"]), ("met", "2026-11-26T02:16:00.000Z"))
        self.assertEqual(self.count(tid, "ticket.sla_met", "next_response"), 1)
        self.assertEqual(self.count(tid, "ticket.sla_warning", "next_response"), 0)
        # The customer writes again: a new round.
        self.write(cid, ctok, "谢谢，我等等")
        self.assertEqual(self.round_started(tid, "2026-11-26T02:26:00.000Z")["state"], "running")
        self.assertEqual(self.count(tid, "ticket.sla_met", "next_response"), 1)

    def test_a_round_lost_in_a_crash_starts_when_the_server_comes_back(self):
        # The round is written just after the customer's message is acknowledged; a server that
        # stops in between finds the unanswered message at start and starts the round from it.
        self.policy()
        customer, cid, tid = self.chat_ticket()
        self.write(cid, self.agent, "正在为您核查")
        self.advance(3 * MIN)  # 02:03
        self.server.stop(sig=9)
        # What the crash leaves: the customer's message stored, its round not written.
        db = sqlite3.connect(self.server.db)
        seq = db.execute("SELECT last_seq FROM conversations WHERE id = ?", (cid,)).fetchone()[0] + 1
        db.execute("INSERT INTO messages(conversation_id, seq, sender_type, sender_id, text, created_at, kind) "
                   "SELECT id, ?, 'customer', customer_id, '还没到账', ?, 'text' FROM conversations WHERE id = ?",
                   (seq, 1_795_658_580_000, cid))  # 2026-11-26T02:03:00Z
        db.execute("UPDATE conversations SET last_seq = ? WHERE id = ?", (seq, cid))
        db.commit()
        db.close()
        self.restart_at("2026-11-26T02:04:00Z")
        nr = self.round_started(tid, "2026-11-26T02:03:00.000Z")
        self.assertEqual((nr["state"], nr["due"]), ("running", "2026-11-26T02:23:00.000Z"))
        # And only once, across another restart.
        self.restart_at("2026-11-26T02:05:00Z")
        self.assertEqual(self.sla(tid)["next_response"]["started_at"], "2026-11-26T02:03:00.000Z")
        self.advance(20 * MIN)
        self.assertEqual(self.count(tid, "ticket.sla_breached", "next_response"), 1)

    def test_an_unanswered_round_warns_breaches_and_escalates(self):
        self.policy()
        customer, cid, tid = self.chat_ticket()
        console = self.server.ws(self.sup)
        self.write(cid, self.agent, "您好，请提供订单号")
        self.write(cid, customer["token"], "订单号 A123")
        self.round_started(tid, "2026-11-26T02:00:00.000Z")
        self.advance(16 * MIN)
        warning = console.recv_until(lambda m: m["type"] == "sla.warning")
        self.assertEqual((warning["ticket_id"], warning["target"]), (tid, "next_response"))
        self.assertEqual(self.sla(tid)["next_response"]["state"], "at_risk")
        self.advance(4 * MIN)
        breach = console.recv_until(lambda m: m["type"] == "sla.breached")
        self.assertEqual((breach["ticket_id"], breach["target"]), (tid, "next_response"))
        code, now = self.req("GET", f"/api/v1/tickets/{tid}", token=self.sup)
        self.assertEqual((now["priority"], now["desk"]), ("high", "L2"))
        sla = self.sla(tid)
        self.assertEqual(sla["next_response"]["state"], "breached")
        self.assertEqual(sla["first_response"]["state"], "met")
        code, page = self.req("GET", "/api/v1/sla/breaches", token=self.sup)
        self.assertEqual([(b["ticket"]["id"], b["sla"]["breached"]) for b in page["breaches"]],
                         [(tid, ["next_response"])])
        self.assertEqual(self.count(tid, "ticket.sla_breached", "next_response"), 1)
        # A late reply does not undo the breach; the next customer message starts a new round.
        self.write(cid, self.agent, "抱歉久等")
        self.write(cid, customer["token"], "好")
        self.assertEqual(self.round_started(tid, "2026-11-26T02:20:00.000Z")["state"], "running")

    def test_a_resolved_ticket_starts_no_more_rounds(self):
        self.policy()
        customer, cid, tid = self.chat_ticket()
        self.write(cid, self.agent, "已处理")
        self.status(tid, "open")
        self.status(tid, "resolved")
        self.write(cid, customer["token"], "谢谢")
        self.advance(60 * MIN)
        self.assertIsNone(self.sla(tid)["next_response"])
        self.assertEqual(self.count(tid, "ticket.sla_breached"), 0)
        # Reopened: rounds again, after the next staff reply.
        self.status(tid, "open")
        self.write(cid, customer["token"], "还是没到")
        self.write(cid, self.agent, "再查一次")
        self.write(cid, customer["token"], "好")
        self.assertEqual(self.round_started(tid, "2026-11-26T03:00:00.000Z")["due"], "2026-11-26T03:20:00.000Z")

    # ---- pending pauses the resolution clock ----

    def test_pending_pauses_the_resolution_clock_and_resumes_with_what_was_left(self):
        self.policy()
        code, t = self.req("POST", "/api/v1/tickets", {"subject": "链上确认中", "type": "incident", "priority": "normal",
                                                       "category": "transfer", "desk": "L1"})
        self.assertEqual(code, 201, t)
        tid = t["id"]
        self.assertEqual(self.sla(tid)["resolution"]["due"], "2026-11-26T06:00:00.000Z")
        self.advance(60 * MIN)  # 03:00
        self.status(tid, "open")
        self.status(tid, "pending")
        sla = self.sla(tid)
        self.assertTrue(sla["paused"])
        self.assertEqual((sla["resolution"]["state"], sla["resolution"]["paused_at"],
                          sla["resolution"]["remaining_seconds"]), ("paused", "2026-11-26T03:00:00.000Z", 3 * 3600))
        # Far past the old due instant (06:00), nothing warns or breaches while it waits.
        self.advance(5 * 60 * MIN)  # 08:00
        self.assertEqual(self.count(tid, "ticket.sla_warning", "resolution"), 0)
        self.assertEqual(self.count(tid, "ticket.sla_breached", "resolution"), 0)
        self.assertEqual(self.sla(tid)["resolution"]["state"], "paused")
        # Back to open: three hours left, the warning 2 h 12 min away (80 % of four hours was 05:12).
        self.status(tid, "open")
        sla = self.sla(tid)
        self.assertFalse(sla["paused"])
        self.assertEqual((sla["resolution"]["state"], sla["resolution"]["due"], sla["resolution"]["warn_at"]),
                         ("running", "2026-11-26T11:00:00.000Z", "2026-11-26T10:12:00.000Z"))
        console = self.server.ws(self.sup)
        self.advance(132 * MIN)
        warning = console.recv_until(lambda m: m["type"] == "sla.warning")
        self.assertEqual((warning["ticket_id"], warning["target"]), (tid, "resolution"))
        self.advance(48 * MIN)
        breach = console.recv_until(lambda m: m["type"] == "sla.breached")
        self.assertEqual((breach["target"], breach["due"]), ("resolution", "2026-11-26T11:00:00.000Z"))
        self.assertEqual(self.count(tid, "ticket.sla_breached", "resolution"), 1)

    def test_the_customers_reply_reopens_a_pending_ticket_and_resumes_its_clock(self):
        self.policy()
        customer, cid, tid = self.chat_ticket()
        self.write(cid, self.agent, "请提供转账截图，我们再帮您核实")
        self.status(tid, "open")
        self.status(tid, "pending")
        self.assertTrue(self.sla(tid)["paused"])
        self.advance(60 * MIN)
        self.restart_at("2026-11-26T03:00:00Z")  # which tickets wait on their customer is reloaded
        # The customer answers: the ticket no longer waits on them (the system reopens it, once).
        self.write(cid, customer["token"], "截图已经发了")
        deadline = time.monotonic() + 5
        while self.req("GET", f"/api/v1/tickets/{tid}")[1]["status"] != "open":
            self.assertLess(time.monotonic(), deadline, "the pending ticket was not reopened")
            time.sleep(0.02)
        self.assertFalse(self.sla(tid)["paused"])
        self.write(cid, customer["token"], "还有一张")
        resumed = [e for e in self.ticket_events(tid) if e.get("reason") == "customer_replied"]
        self.assertEqual(len(resumed), 1, resumed)
        self.assertEqual((resumed[0]["from"], resumed[0]["to"], resumed[0]["actor"]["type"]),
                         ("pending", "open", "system"))
        # A ticket closed meanwhile (merged while pending: no status route ran) is never reopened
        # by a message, although the server still counted it as waiting on the customer.
        self.status(tid, "pending")
        code, other = self.req("POST", "/api/v1/tickets", {"subject": "同一笔转账", "type": "incident",
                                                           "category": "transfer", "desk": "L1"})
        self.assertEqual(code, 201, other)
        code, merged = self.req("POST", f"/api/v1/tickets/{tid}/merge", {"into": other["id"]})
        self.assertEqual(code, 200, merged)
        self.write(cid, customer["token"], "谢谢")
        time.sleep(0.2)
        code, t = self.req("GET", f"/api/v1/tickets/{tid}")
        self.assertEqual(t["status"], "closed")

    def test_resolving_from_pending_meets_the_resolution_clock(self):
        self.policy()
        code, t = self.req("POST", "/api/v1/tickets", {"subject": "等客户回复", "type": "incident", "priority": "normal",
                                                       "category": "transfer", "desk": "L1"})
        tid = t["id"]
        self.status(tid, "open")
        self.status(tid, "pending")
        self.advance(10 * 60 * MIN)
        self.login()
        self.status(tid, "resolved")
        self.advance(10 * 60 * MIN)
        self.login()
        sla = self.sla(tid)
        self.assertEqual(sla["resolution"]["state"], "met")
        self.assertEqual(self.count(tid, "ticket.sla_breached"), 0)

    # ---- restart ----

    def test_a_pending_round_and_a_paused_clock_survive_a_restart(self):
        self.policy()
        customer, cid, round_tid = self.chat_ticket()
        self.write(cid, self.agent, "收到")
        self.advance(1 * MIN)
        self.write(cid, customer["token"], "请尽快")  # a round due at 02:21
        self.round_started(round_tid, "2026-11-26T02:01:00.000Z")
        code, t = self.req("POST", "/api/v1/tickets", {"subject": "等待材料", "type": "incident", "priority": "normal",
                                                       "category": "kyc", "desk": "L1"})
        paused_tid = t["id"]
        self.status(paused_tid, "open")
        self.status(paused_tid, "pending")  # paused at 02:01 with all four hours left
        # Killed; back after both due instants (the round's 02:21 and the paused clock's old 06:00).
        self.restart_at("2026-11-26T07:00:00Z")
        self.assertEqual(self.count(round_tid, "ticket.sla_breached", "next_response"), 1)
        self.assertEqual(self.count(paused_tid, "ticket.sla_breached"), 0)
        self.assertEqual(self.count(paused_tid, "ticket.sla_warning"), 0)
        self.restart_at("2026-11-26T08:00:00Z", sig=15)
        self.assertEqual(self.count(round_tid, "ticket.sla_breached", "next_response"), 1)
        self.assertEqual(self.count(paused_tid, "ticket.sla_breached"), 0)
        self.assertEqual(self.sla(paused_tid)["resolution"]["state"], "paused")
        # The rounds are still watched after the restart: reply, then a new customer message.
        self.write(cid, self.agent, "抱歉，已在处理")
        self.write(cid, customer["token"], "好的")
        self.assertEqual(self.round_started(round_tid, "2026-11-26T08:00:00.000Z")["state"], "running")
        # Resumed: four hours from now, then it breaches once, also across another restart.
        self.status(paused_tid, "open")
        self.assertEqual(self.sla(paused_tid)["resolution"]["due"], "2026-11-26T12:00:00.000Z")
        self.restart_at("2026-11-26T12:30:00Z")
        self.assertEqual(self.count(paused_tid, "ticket.sla_breached", "resolution"), 1)
        self.restart_at("2026-11-26T13:00:00Z")
        self.assertEqual(self.count(paused_tid, "ticket.sla_breached", "resolution"), 1)
        self.assertEqual(self.count(round_tid, "ticket.sla_breached", "next_response"), 2)

    # ---- CSAT when a ticket closes ----

    def conversation_events(self, cid):
        code, body = self.req("GET", f"/api/v1/conversations/{cid}/events", token=self.sup)
        self.assertEqual(code, 200, body)
        return [e for e in body["events"] if e["type"] != "message"]

    def test_closing_a_ticket_asks_the_customer_once_through_the_conversation(self):
        customer, cid, tid = self.chat_ticket()
        ws = self.server.ws(customer["token"])
        self.write(cid, self.agent, "已为您处理完毕")
        self.status(tid, "open")
        self.status(tid, "resolved")
        self.status(tid, "closed", summary="已到账")
        seen = []  # the survey message comes first, then the frame that opens the rating card
        ws.recv_until(lambda m: seen.append(m) or m["type"] == "csat.request")
        request = seen[-1]
        self.assertEqual((request["conversation_id"], request["ticket_id"]), (cid, tid))
        survey = next(m["message"] for m in seen
                      if m["type"] == "message.created" and m["message"].get("kind") == "csat.request")
        self.assertIn(f"工单 #{tid}", survey["text"])
        self.assertIn("1–5", survey["text"])
        ws.send({"type": "csat.submit", "conversation_id": cid, "score": 4, "comment": "处理及时"})
        self.assertEqual(ws.recv_until(lambda m: m["type"] in ("csat.recorded", "error"))["type"], "csat.recorded")
        events = self.conversation_events(cid)
        csat = next(e for e in events if e["type"] == "csat")
        code, me = self.req("GET", "/api/v1/staff/me")
        self.assertEqual((csat["score"], csat.get("staff_id"), csat.get("desk")), (4, me["id"], "L1"))
        # Answered: the reminder does not come, and a second ticket of the conversation asks nothing.
        code, t2 = self.req("POST", f"/api/v1/conversations/{cid}/ticket",
                            {"type": "inquiry", "category": "other", "subject": "再问一个问题"})
        self.assertEqual(code, 201, t2)
        self.status(t2["id"], "open")
        self.status(t2["id"], "resolved")
        self.status(t2["id"], "closed")
        self.advance(2 * 60 * MIN)
        types = [e["type"] for e in self.conversation_events(cid)]
        self.assertEqual(types.count("csat.requested"), 1)
        self.assertNotIn("csat.reminded", types)
        ws.send({"type": "csat.submit", "conversation_id": cid, "score": 1})
        self.assertEqual(ws.recv_until(lambda m: m["type"] == "error")["code"], "conflict")

    def test_an_unanswered_ticket_survey_is_reminded_once_and_not_asked_again(self):
        customer, cid, tid = self.chat_ticket()
        self.status(tid, "open")
        self.status(tid, "resolved")
        self.status(tid, "closed")
        code, t2 = self.req("POST", f"/api/v1/conversations/{cid}/ticket",
                            {"type": "inquiry", "category": "other", "subject": "第二个工单"})
        self.status(t2["id"], "open")
        self.status(t2["id"], "resolved")
        self.status(t2["id"], "closed")  # a survey is open already: not asked again
        self.advance(60 * MIN)
        types = [e["type"] for e in self.conversation_events(cid)]
        self.assertEqual((types.count("csat.requested"), types.count("csat.reminded")), (1, 1))
        self.advance(10 * 60 * MIN)
        self.login()
        self.assertEqual([e["type"] for e in self.conversation_events(cid)].count("csat.reminded"), 1)
        # The open survey can be answered while the conversation goes on.
        ws = self.server.ws(customer["token"])
        ws.send({"type": "csat.submit", "conversation_id": cid, "score": 5})
        self.assertEqual(ws.recv_until(lambda m: m["type"] in ("csat.recorded", "error"))["type"], "csat.recorded")

    def test_a_closed_conversation_was_asked_by_its_own_close(self):
        customer, cid, tid = self.chat_ticket()
        code, conv = self.req("POST", f"/api/v1/conversations/{cid}/close", {"summary": "已解答"})
        self.assertEqual(code, 200, conv)
        self.status(tid, "open")
        self.status(tid, "resolved")
        self.status(tid, "closed")
        self.advance(1000)
        types = [e["type"] for e in self.conversation_events(cid)]
        self.assertNotIn("csat.requested", types)
        # A staff-made ticket has no conversation: no survey (and nothing fails).
        code, t = self.req("POST", "/api/v1/tickets", {"subject": "内部核查", "type": "inquiry", "category": "other"})
        self.status(t["id"], "open")
        self.status(t["id"], "resolved")
        self.status(t["id"], "closed")
        self.advance(1000)
        self.assertNotIn("csat.requested", [e["type"] for e in self.ticket_events(t["id"])])


if __name__ == "__main__":
    unittest.main()
