"""Ticket auto-close ([workflow] ticket_auto_close_hours, ticket_auto_close_notice_hours): a resolved
ticket whose customer stays silent gets a notice in its conversation, in their language, and after
the notice period still silent it closes (with a closing message). A customer message starts the
silence over; reopening stops it; a restart while it is pending closes it exactly once. Time moves
on the server's test clock."""
import unittest

from kefu import Server

SUP = "sup@autoclose.kefu"
T0 = "2026-11-26T02:00:00Z"
HOUR = 3_600_000


class TicketAutoCloseTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0], env={"KEFU_WORKFLOW_TICKET_AUTO_CLOSE_HOURS": "72",
                                                               "KEFU_WORKFLOW_TICKET_AUTO_CLOSE_NOTICE_HOURS": "24"})
        self.server.add_staff(SUP, role="supervisor", desk="L1")
        self.server.start()
        self.sup = self.server.login(SUP)

    def tearDown(self):
        self.server.close()

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def resolved_ticket(self, lang="en"):
        s = self.server
        code, c = s.request("POST", "/api/v1/widget/sessions", {"name": "Ana", "lang": lang})
        self.assertEqual(code, 201, c)
        code, t = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/ticket", {"category": "withdrawal"},
                            token=self.sup)
        self.assertEqual(code, 201, t)
        for status in ("open", "resolved"):
            self.set_status(t["id"], status)
        return c, t

    def set_status(self, tid, status):
        code, body = self.server.request("POST", f"/api/v1/tickets/{tid}/status", {"status": status}, token=self.sup)
        self.assertEqual(code, 200, body)

    def status(self, tid):
        self.sup = self.server.login(SUP)  # days pass on the test clock: sessions expire
        code, t = self.server.request("GET", f"/api/v1/tickets/{tid}", token=self.sup)
        self.assertEqual(code, 200, t)
        return t["status"]

    def notices(self, c, kind):
        self.sup = self.server.login(SUP)  # read as staff: weeks pass on the test clock, tokens expire
        code, body = self.server.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages?limit=200",
                                         token=self.sup)
        self.assertEqual(code, 200, body)
        return [m for m in body["messages"] if m.get("kind") == kind]

    def test_a_silent_resolved_ticket_gets_a_notice_then_closes(self):
        c, t = self.resolved_ticket()
        self.advance(72 * HOUR - 1000)
        self.assertEqual(self.notices(c, "ticket.auto_close_notice"), [])
        self.advance(1000)
        notice = self.notices(c, "ticket.auto_close_notice")
        self.assertEqual(len(notice), 1)
        self.assertIn(f"#{t['id']}", notice[0]["text"])
        self.assertIn("24 hours", notice[0]["text"])
        self.assertEqual(self.status(t["id"]), "resolved")
        self.advance(24 * HOUR)
        self.assertEqual(self.status(t["id"]), "closed")
        self.assertEqual(len(self.notices(c, "ticket.auto_closed")), 1)
        code, ev = self.server.request("GET", f"/api/v1/tickets/{t['id']}/events", token=self.sup)
        types = [e["type"] for e in ev["events"]]
        self.assertEqual(types.count("ticket.auto_close_notice"), 1)
        # Closed by the system, then the customer is asked to rate it through the conversation.
        self.assertEqual(types[-2:], ["ticket.closed", "csat.requested"])
        self.advance(30 * 24 * HOUR)
        self.assertEqual(len(self.notices(c, "ticket.auto_close_notice")), 1)

    def test_the_notice_is_in_the_customers_language(self):
        c, t = self.resolved_ticket(lang="es")
        self.advance(72 * HOUR)
        self.assertIn("se cerrará", self.notices(c, "ticket.auto_close_notice")[0]["text"])

    def test_a_customer_reply_starts_the_silence_over(self):
        s = self.server
        c, t = self.resolved_ticket()
        self.advance(72 * HOUR)  # the notice
        self.advance(10 * HOUR)
        code, body = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/messages",
                               {"text": "It still has not arrived"}, token=c["token"])
        self.assertIn(code, (200, 201), body)
        self.advance(14 * HOUR)  # the notice period is over, but the customer wrote meanwhile
        self.assertEqual(self.status(t["id"]), "resolved")
        self.advance(58 * HOUR)  # 72 h after the reply: a second notice
        self.assertEqual(len(self.notices(c, "ticket.auto_close_notice")), 2)
        self.advance(24 * HOUR)
        self.assertEqual(self.status(t["id"]), "closed")

    def test_reopening_stops_it(self):
        c, t = self.resolved_ticket()
        self.advance(10 * HOUR)
        self.set_status(t["id"], "open")
        self.advance(200 * HOUR)
        self.assertEqual(self.status(t["id"]), "open")
        self.assertEqual(self.notices(c, "ticket.auto_close_notice"), [])

    def test_a_restart_while_pending_closes_exactly_once(self):
        s = self.server
        c, t = self.resolved_ticket()
        s.stop(sig=9)
        s.args = ["--test-clock", "2026-11-29T03:00:00Z"]  # 73 h later: the notice fell due while down
        s.start()
        self.advance(1)
        self.assertEqual(len(self.notices(c, "ticket.auto_close_notice")), 1)
        s.stop()
        s.args = ["--test-clock", "2026-12-01T03:00:00Z"]  # and the close
        s.start()
        self.advance(1)
        self.assertEqual(self.status(t["id"]), "closed")
        self.advance(30 * 24 * HOUR)
        self.assertEqual(len(self.notices(c, "ticket.auto_closed")), 1)
        self.assertEqual(len(self.notices(c, "ticket.auto_close_notice")), 1)


if __name__ == "__main__":
    unittest.main()
