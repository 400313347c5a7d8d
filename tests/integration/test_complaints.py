"""Complaints (投诉) end to end on the test clock: a customer files from the widget and is
acknowledged in their language with the review deadline in their time zone; the review deadline
passes unreviewed and the desk is told exactly once (also across restarts); staff review and
resolve it with a notice to the customer at each step; compensation is proposed and approved by a
second person (four eyes, audited); the callback task is created and its outcome recorded; the
statistics show it all. Bad input is refused clearly and loses nothing."""
import unittest

from kefu import Server

AGENT = "agent@complaints.kefu"       # complaints desk
L1 = "l1@complaints.kefu"
SUP = "sup@complaints.kefu"
SUP2 = "sup2@complaints.kefu"
AUDITOR = "auditor@complaints.kefu"
T0 = "2026-11-26T02:00:00Z"
MIN = 60_000
HOUR = 60 * MIN


class ComplaintsTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0])
        self.server.add_staff(AGENT, desk="complaints")
        self.server.add_staff(L1)
        self.server.add_staff(SUP, role="supervisor")
        self.server.add_staff(SUP2, role="supervisor")
        self.server.add_staff(AUDITOR, role="auditor")
        self.server.start()
        self.login_all()

    def tearDown(self):
        self.server.close()

    def login_all(self):
        s = self.server
        self.agent, self.l1, self.sup, self.sup2, self.auditor = (
            s.login(AGENT), s.login(L1), s.login(SUP), s.login(SUP2), s.login(AUDITOR))

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def customer(self, lang="es", name="Ana"):
        code, session = self.server.request("POST", "/api/v1/widget/sessions", {"name": name, "lang": lang})
        self.assertEqual(code, 201, session)
        return session

    def complaint(self, cid, token=None):
        code, body = self.server.request("GET", f"/api/v1/complaints/{cid}", token=token or self.sup)
        self.assertEqual(code, 200, body)
        return body

    def status(self, cid, status, token=None, **extra):
        return self.server.request("POST", f"/api/v1/complaints/{cid}/status", {"status": status, **extra},
                                   token=token or self.agent)

    def notices(self, ws):
        return ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["kind"].startswith("complaint."))

    def test_a_complaint_from_the_widget_through_review_resolution_compensation_and_callback(self):
        s = self.server
        ana = self.customer()
        conv = ana["conversation_id"]
        widget = s.ws(ana["token"])
        desk = s.ws(self.agent)
        supervisor = s.ws(self.sup)

        # The widget's complaint button: the customer's own conversation, their time zone.
        code, filed = s.request("POST", "/api/v1/complaints", {
            "conversation_id": conv, "category": "withdrawal", "time_zone": "Europe/Madrid",
            "description": "Me cobraron dos veces la comisión de retiro del 20 de noviembre."}, token=ana["token"])
        self.assertEqual(code, 201, filed)
        cid = filed["id"]
        self.assertEqual((filed["status"], filed["channel"], filed["category"]), ("acknowledged", "widget", "withdrawal"))
        self.assertEqual(filed["review_due_at"], "2026-11-27T02:00:00.000Z")
        self.assertNotIn("ticket_id", filed)  # the customer's view

        ack = self.notices(widget)["message"]
        self.assertEqual(ack["kind"], "complaint.acknowledgement")
        self.assertIn(f"#{cid}", ack["text"])
        self.assertIn("reclamación", ack["text"])                 # Spanish
        self.assertIn("27 nov 2026, 03:00 (UTC+1)", ack["text"])  # Madrid time
        created = desk.recv_until(lambda m: m["type"] == "complaint.created")
        self.assertEqual(created["complaint"]["id"], cid)

        c = self.complaint(cid)
        self.assertEqual(c["acknowledged_at"], "2026-11-26T02:00:00.000Z")
        self.assertEqual((c["priority"], c["review_overdue"], c["lang"]), ("normal", False, "es"))
        code, ticket = s.request("GET", f"/api/v1/tickets/{c['ticket_id']}", token=self.sup)
        self.assertEqual((ticket["type"], ticket["desk"], ticket["conversation_id"]), ("complaint", "complaints", conv))
        self.assertEqual([e["type"] for e in c["history"]], ["complaint.received", "complaint.acknowledged"])

        # Nobody reviews it within 24 hours: the desk and supervisors are told, once.
        self.advance(24 * HOUR - 1)
        self.assertFalse(self.complaint(cid, s.login(SUP))["review_overdue"])
        self.advance(1)
        overdue = supervisor.recv_until(lambda m: m["type"] == "complaint.review_overdue")
        self.assertEqual((overdue["complaint"]["id"], overdue["complaint"]["priority"]), (cid, "high"))
        desk.recv_until(lambda m: m["type"] == "complaint.review_overdue")
        self.advance(48 * HOUR)
        self.login_all()
        c = self.complaint(cid)
        self.assertTrue(c["review_overdue"])
        self.assertEqual([e["type"] for e in c["history"]].count("complaint.review_overdue"), 1)

        # Review, with a notice to the customer; closing now is not a step of the life cycle.
        code, body = self.status(cid, "under_review")
        self.assertEqual((code, body["status"], body["handler"]["name"] != ""), (200, "under_review", True))
        self.assertIn("revisando", self.notices(widget)["message"]["text"])
        code, body = self.status(cid, "closed")
        self.assertEqual((code, body["error"]["code"]), (409, "conflict"))
        code, body = self.status(cid, "acknowledged")
        self.assertEqual(code, 409)
        code, body = self.status(cid, "resolved")
        self.assertEqual((code, body["error"]["code"]), (400, "invalid"))
        self.assertEqual(self.complaint(cid)["status"], "under_review")  # nothing half-done

        # Compensation: an agent proposes, a supervisor who is not the proposer decides.
        comp_url = f"/api/v1/complaints/{cid}/compensations"
        for bad in ({"kind": "fee_waiver", "amount": "-5", "currency": "EUR", "reason": "x"},
                    {"kind": "fee_waiver", "amount": 5, "currency": "EUR", "reason": "x"},
                    {"kind": "fee_waiver", "amount": "0.123456789", "currency": "EUR", "reason": "x"},
                    {"kind": "cash", "amount": "5", "currency": "EUR", "reason": "x"},
                    {"kind": "fee_waiver", "amount": "5", "currency": "euro", "reason": "x"},
                    {"kind": "fee_waiver", "amount": "5", "currency": "EUR"}):
            code, body = s.request("POST", comp_url, bad, token=self.agent)
            self.assertEqual((code, body["error"]["code"]), (400, "invalid"), bad)
        code, body = s.request("POST", comp_url, {"kind": "fee_waiver", "amount": "-5", "currency": "EUR",
                                                  "reason": "x"}, token=self.agent)
        self.assertIn("negative", body["error"]["message"])
        code, waiver = s.request("POST", comp_url, {"kind": "fee_waiver", "amount": "12.50", "currency": "EUR",
                                                    "reason": "Comisión cobrada dos veces"}, token=self.agent)
        self.assertEqual((code, waiver["state"]), (201, "proposed"), waiver)
        code, goodwill = s.request("POST", comp_url, {"kind": "goodwill", "amount": "5", "currency": "EUR",
                                                      "reason": "Molestias"}, token=self.sup)
        self.assertEqual(code, 201, goodwill)
        approve = f"{comp_url}/{waiver['id']}/approve"
        code, body = s.request("POST", approve, {}, token=self.agent)
        self.assertEqual(code, 403)  # agents do not approve
        code, body = s.request("POST", f"{comp_url}/{goodwill['id']}/approve", {}, token=self.sup)
        self.assertEqual((code, body["error"]["code"]), (403, "forbidden"))  # four eyes
        self.assertIn("four eyes", body["error"]["message"])
        code, body = s.request("POST", approve, {"note": "OK"}, token=self.sup)
        self.assertEqual((code, body["state"], body["decided_by"]["name"] != ""), (200, "approved", True))
        code, body = s.request("POST", approve, {}, token=self.sup2)
        self.assertEqual((code, body["error"]["code"]), (409, "conflict"))  # decided once
        code, body = s.request("POST", f"{comp_url}/{goodwill['id']}/reject", {}, token=self.sup2)
        self.assertEqual(code, 400)  # a rejection says why
        code, body = s.request("POST", f"{comp_url}/{goodwill['id']}/reject", {"note": "Ya compensado"},
                               token=self.sup2)
        self.assertEqual((code, body["state"]), (200, "rejected"))
        code, body = s.request("GET", "/api/v1/audit?action=compensation.", token=self.auditor)
        self.assertEqual(code, 200, body)
        actions = sorted(e["action"] for e in body["entries"])
        self.assertEqual(actions, ["compensation.approve", "compensation.propose", "compensation.propose",
                                   "compensation.reject"])

        # Resolution: the customer hears the outcome; the handler gets the callback task.
        self.advance(2 * HOUR)
        self.login_all()
        code, body = self.status(cid, "resolved", resolution="Se devolvió la comisión duplicada de 12,50 EUR")
        self.assertEqual((code, body["status"]), (200, "resolved"), body)
        self.assertIn("12,50 EUR", self.notices(widget)["message"]["text"])
        code, tasks = s.request("GET", "/api/v1/tasks", token=self.agent)
        [task] = [t for t in tasks["tasks"] if t["id"] == body["callback_task_id"]]
        self.assertEqual(task["due_at"], "2026-11-30T04:00:00.000Z")  # 24 h after resolution
        code, _ = s.request("POST", f"/api/v1/complaints/{cid}/callback", {"reached": True}, token=self.agent)
        self.assertEqual(code, 400)  # satisfied?
        self.advance(24 * HOUR)
        self.login_all()
        code, body = s.request("POST", f"/api/v1/complaints/{cid}/callback",
                               {"reached": True, "satisfied": True, "note": "Conforme"}, token=self.agent)
        self.assertEqual((code, body["callback"]["satisfied"]), (200, True), body)
        code, body = s.request("POST", f"/api/v1/complaints/{cid}/callback",
                               {"reached": False}, token=self.agent)
        self.assertEqual(code, 409)
        code, done = s.request("GET", "/api/v1/tasks?state=done", token=self.agent)
        self.assertIn(task["id"], [t["id"] for t in done["tasks"]])
        code, body = self.status(cid, "closed")
        self.assertEqual((code, body["status"]), (200, "closed"))
        self.assertIn("cerrada", self.notices(widget)["message"]["text"])

        # The customer sees their complaint's outcome, not the desk's data.
        code, mine = s.request("GET", f"/api/v1/complaints/{cid}", token=ana["token"])
        self.assertEqual((code, mine["status"], "handler" in mine), (200, "closed", False))
        history = [e["type"] for e in self.complaint(cid)["history"]]
        self.assertEqual(history, ["complaint.received", "complaint.acknowledged", "complaint.review_overdue",
                                   "complaint.review_started", "complaint.compensation_proposed",
                                   "complaint.compensation_proposed", "complaint.compensation_approved",
                                   "complaint.compensation_rejected", "complaint.resolved", "complaint.callback",
                                   "complaint.closed"])

        # Statistics: supervisors, auditors and admins only.
        code, body = s.request("GET", "/api/v1/complaints/stats?from=2026-11&to=2026-11", token=self.agent)
        self.assertEqual(code, 403)
        code, stats = s.request("GET", "/api/v1/complaints/stats?from=2026-11&to=2026-11", token=self.auditor)
        self.assertEqual(code, 200, stats)
        self.assertEqual(stats["rows"], [{
            "month": "2026-11", "category": "withdrawal", "received": 1, "resolved": 1, "reviews_overdue": 1,
            "median_resolution_seconds": (72 + 2) * 3600, "compensation_approved": {"EUR": "12.5"}}])
        code, csv = s.request("GET", "/api/v1/complaints/stats?from=2026-11&to=2026-11&format=csv", token=self.sup)
        self.assertEqual(code, 200)
        lines = csv.decode().strip().split("\r\n")
        self.assertEqual(lines[1], "2026-11,withdrawal,1,1,1,266400,EUR 12.5")
        code, stats = s.request("GET", "/api/v1/complaints/stats?from=2026-12&to=2026-12", token=self.sup)
        self.assertEqual(stats["rows"], [])
        code, body = s.request("GET", "/api/v1/complaints/stats?from=2026-12&to=2026-11", token=self.sup)
        self.assertEqual(code, 400)
        code, body = s.request("GET", "/api/v1/complaints/stats?from=2026-13", token=self.sup)
        self.assertEqual(code, 400)

    def test_a_phone_complaint_is_recorded_by_staff_and_acknowledged_by_hand(self):
        s = self.server
        zh = self.customer(lang="zh-TW", name="陳先生")
        code, body = s.request("POST", "/api/v1/complaints", {
            "channel": "phone", "category": "top_up", "customer_id": zh["customer_id"],
            "description": "客户来电：充值三天未到账，要求投诉。"}, token=self.agent)
        self.assertEqual(code, 201, body)
        cid = body["id"]
        self.assertEqual((body["status"], body["channel"], body["conversation_id"]), ("received", "phone", None))
        code, body = self.status(cid, "acknowledged", note="电话中已告知客户受理")
        self.assertEqual((code, body["status"]), (200, "acknowledged"))
        # With the customer's conversation, they hear it there, in traditional characters.
        code, body = s.request("POST", "/api/v1/complaints", {
            "channel": "email", "category": "kyc", "conversation_id": zh["conversation_id"],
            "description": "客户邮件：实名认证被拒三次。"}, token=self.agent)
        self.assertEqual((code, body["status"], body["lang"]), (201, "acknowledged", "zh-TW"), body)
        code, page = s.request("GET", f"/api/v1/conversations/{zh['conversation_id']}/messages", token=self.sup)
        [ack] = [m for m in page["messages"] if m["kind"] == "complaint.acknowledgement"]
        self.assertIn("您的投訴已收到", ack["text"])
        self.assertIn("2026年11月27日 10:00（UTC+8）", ack["text"])  # the default zone, Asia/Shanghai

    def test_bad_input_is_refused_clearly_and_loses_nothing(self):
        s = self.server
        ana, bob = self.customer(), self.customer(name="Bob", lang="en")
        url = "/api/v1/complaints"
        cases = [
            (ana["token"], {"conversation_id": ana["conversation_id"], "description": "x", "category": "fees"}, 400),
            (ana["token"], {"conversation_id": ana["conversation_id"]}, 400),
            (ana["token"], {"conversation_id": ana["conversation_id"], "description": "x", "time_zone": "Mars/Base"}, 400),
            (ana["token"], {"conversation_id": bob["conversation_id"], "description": "not mine"}, 404),
            (ana["token"], {"description": "no conversation"}, 400),
            (ana["token"], {"conversation_id": ana["conversation_id"], "description": "x", "channel": "phone"}, 400),
            (self.agent, {"channel": "phone", "description": "no category"}, 400),
            (self.agent, {"category": "kyc", "description": "no channel"}, 400),
            (self.agent, {"channel": "fax", "category": "kyc", "description": "x"}, 400),
            (self.agent, {"channel": "phone", "category": "kyc", "description": "x", "customer_id": 999999}, 404),
            (self.auditor, {"channel": "phone", "category": "kyc", "description": "x"}, 403),
            (None, {"channel": "phone", "category": "kyc", "description": "x"}, 401),
        ]
        for token, body, want in cases:
            code, answer = s.request("POST", url, body, token=token)
            self.assertEqual(code, want, (body, answer))
            self.assertIn("message", answer["error"])
        code, _ = s.request("POST", url, raw=b"{not json", token=self.agent)
        self.assertEqual(code, 400)
        code, first = s.request("POST", url, {"conversation_id": ana["conversation_id"],
                                              "description": "Mi seed es abandon abandon abandon abandon abandon "
                                                             "abandon abandon abandon abandon abandon abandon about"},
                                token=ana["token"])
        self.assertEqual(code, 201, first)
        self.assertIn("seed_phrase", first["warnings"])
        self.assertNotIn("abandon abandon", first["description"])
        code, body = s.request("POST", url, {"conversation_id": ana["conversation_id"], "description": "otra vez"},
                               token=ana["token"])
        self.assertEqual((code, body["error"]["code"]), (409, "conflict"))  # one open complaint per conversation
        code, mine = s.request("GET", url, token=ana["token"])
        self.assertEqual([c["id"] for c in mine["complaints"]], [first["id"]])
        code, _ = s.request("GET", f"{url}/{first['id']}", token=bob["token"])
        self.assertEqual(code, 404)
        code, _ = s.request("GET", f"{url}/{first['id']}/compensations", token=ana["token"])
        self.assertEqual(code, 403)
        code, body = self.status(first["id"], "reopened")
        self.assertEqual(code, 400)
        code, body = self.status(first["id"], "under_review", token=self.auditor)
        self.assertEqual(code, 403)
        code, body = s.request("POST", f"{url}/{first['id']}/callback", {"reached": False}, token=self.agent)
        self.assertEqual(code, 409)  # not resolved yet
        code, body = s.request("POST", f"{url}/424242/status", {"status": "under_review"}, token=self.agent)
        self.assertEqual(code, 404)
        self.assertEqual(self.complaint(first["id"])["status"], "acknowledged")


class ComplaintRestartTest(unittest.TestCase):
    def test_a_review_deadline_pending_across_restarts_fires_exactly_once(self):
        s = Server(env={"KEFU_COMPLAINTS_REVIEW_HOURS": "2"}, args=["--test-clock", T0])
        try:
            s.add_staff(SUP, role="supervisor")
            s.start()
            code, session = s.request("POST", "/api/v1/widget/sessions", {"name": "Li", "lang": "en"})
            code, filed = s.request("POST", "/api/v1/complaints", {
                "conversation_id": session["conversation_id"], "description": "My withdrawal is stuck",
                "time_zone": "America/New_York"}, token=session["token"])
            self.assertEqual(code, 201, filed)
            self.assertEqual(filed["review_due_at"], "2026-11-26T04:00:00.000Z")  # configured: 2 hours
            code, page = s.request("GET", f"/api/v1/conversations/{session['conversation_id']}/messages",
                                   token=s.login(SUP))
            [ack] = [m for m in page["messages"] if m["kind"] == "complaint.acknowledgement"]
            self.assertIn("by 25 Nov 2026, 23:00 (UTC-5)", ack["text"])
            # Down while it falls due; killed hard and started later again: told once.
            s.stop(sig=9)
            s.args = ["--test-clock", "2026-11-26T06:00:00Z"]
            s.start()
            code, _ = s.request("POST", "/api/v1/test/clock", {"advance_ms": 0})
            s.stop(sig=9)
            s.args = ["--test-clock", "2026-11-27T06:00:00Z"]
            s.start()
            code, _ = s.request("POST", "/api/v1/test/clock", {"advance_ms": HOUR})
            code, c = s.request("GET", f"/api/v1/complaints/{filed['id']}", token=s.login(SUP))
            self.assertEqual(code, 200, c)
            self.assertEqual([e["type"] for e in c["history"]].count("complaint.review_overdue"), 1)
            self.assertEqual((c["review_overdue_at"], c["priority"]), ("2026-11-26T06:00:00.000Z", "high"))
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
