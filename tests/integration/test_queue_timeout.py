"""Queue time-out ([workflow] queue_timeout_minutes): a customer still waiting in a queue that long
after the bot handed over is offered, once, to leave a message (a bot.queue_timeout message in their
language; the widget shows its leave-a-message card and POST …/leave-message makes the ticket).
Assignment cancels the offer; a restart while it is pending fires it exactly once. Time moves on the
server's test clock, never by sleeping."""
import unittest

from kefu import Server

AGENT = "l1@queue-timeout.kefu"
T0 = "2026-11-26T02:00:00Z"
MIN = 60_000


class QueueTimeoutTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0], env={"KEFU_WORKFLOW_QUEUE_TIMEOUT_MINUTES": "10"})
        self.server.add_staff(AGENT)
        self.server.start()
        self.agent = self.server.login(AGENT)

    def tearDown(self):
        self.server.close()

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def waiting_customer(self, lang="zh-CN"):
        s = self.server
        code, c = s.request("POST", "/api/v1/widget/sessions", {"name": "王五", "lang": lang})
        self.assertEqual(code, 201, c)
        code, conv = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {}, token=c["token"])
        self.assertEqual((code, conv["state"]), (200, "queued"), conv)
        return c

    def offers(self, c):
        code, body = self.server.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages?limit=200",
                                         token=c["token"])
        self.assertEqual(code, 200, body)
        return [m for m in body["messages"] if m.get("kind") == "bot.queue_timeout"]

    def test_a_long_wait_is_offered_once_to_leave_a_message_which_becomes_a_ticket(self):
        s = self.server
        c = self.waiting_customer(lang="en")
        ws = s.ws(c["token"])
        self.advance(10 * MIN - 1000)
        self.assertEqual(self.offers(c), [])
        self.advance(1000)
        frame = ws.recv_until(lambda m: m["type"] == "message.created" and m["message"].get("kind") == "bot.queue_timeout")
        self.assertIn("leave a message", frame["message"]["text"])
        self.assertEqual(frame["message"]["sender"]["type"], "bot")
        self.advance(60 * MIN)
        self.assertEqual(len(self.offers(c)), 1)  # once, however long the wait
        code, body = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}/events", token=self.agent)
        self.assertEqual([e["type"] for e in body["events"]].count("queue.timeout"), 1)
        code, left = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/leave-message",
                               {"text": "Withdrawal pending since yesterday, order 7781"}, token=c["token"])
        self.assertIn(code, (200, 201), left)
        self.assertTrue(left["ticket_id"])

    def test_the_offer_is_in_the_customers_language(self):
        c = self.waiting_customer(lang="es")
        self.advance(10 * MIN)
        self.assertIn("dejarnos un mensaje", self.offers(c)[0]["text"])
        z = self.waiting_customer(lang="zh-CN")
        self.advance(10 * MIN)
        self.assertIn("留言", self.offers(z)[0]["text"])

    def test_assignment_cancels_the_offer(self):
        s = self.server
        c = self.waiting_customer()
        self.advance(5 * MIN)
        code, body = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/accept", {}, token=self.agent)
        self.assertEqual(code, 200, body)
        self.advance(30 * MIN)
        self.assertEqual(self.offers(c), [])

    def test_a_customer_who_already_left_a_message_is_not_offered_again(self):
        s = self.server
        c = self.waiting_customer()
        code, left = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/leave-message",
                               {"text": "提现一直没到账"}, token=c["token"])
        self.assertIn(code, (200, 201), left)
        self.advance(30 * MIN)
        self.assertEqual(self.offers(c), [])

    def test_a_restart_while_it_is_pending_offers_exactly_once(self):
        s = self.server
        c = self.waiting_customer()
        s.stop(sig=9)
        s.args = ["--test-clock", "2026-11-26T02:30:00Z"]  # fell due while down
        s.start()
        self.advance(1)  # answers once everything due has fired
        self.assertEqual(len(self.offers(c)), 1)
        s.stop()
        s.args = ["--test-clock", "2026-11-26T05:00:00Z"]
        s.start()
        self.advance(60 * MIN)
        self.assertEqual(len(self.offers(c)), 1)


class QueueTimeoutOffTest(unittest.TestCase):
    def test_zero_switches_it_off(self):
        s = Server(args=["--test-clock", T0], env={"KEFU_WORKFLOW_QUEUE_TIMEOUT_MINUTES": "0"})
        try:
            s.start()
            c = s.widget_session()
            s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {}, token=c["token"])
            s.request("POST", "/api/v1/test/clock", {"advance_ms": 120 * MIN})
            code, body = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages", token=c["token"])
            self.assertEqual([m for m in body["messages"] if m.get("kind") == "bot.queue_timeout"], [])
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
