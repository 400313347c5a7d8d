"""Data-subject requests (PIPL, GDPR; issue 6 item 8) over real HTTP: a customer's request is
recorded with its due date and admins are reminded before it; an export holds everything kefu
has about the customer; an erasure anonymises it except what a legal hold or the
anti-money-laundering retention keeps; every step is audited and only admins may do it."""
import os
import unittest

from kefu import Server

T0 = "2026-11-26T02:00:00Z"
DAY = 24 * 3600 * 1000
ADMIN, AUDITOR, AGENT = "admin@dsr.kefu", "audit@dsr.kefu", "agent@dsr.kefu"


class PrivacyTest(unittest.TestCase):
    def setUp(self):
        s = self.server = Server(args=["--test-clock", T0])
        s.add_staff(ADMIN, role="admin")
        s.add_staff(AUDITOR, role="auditor")
        s.add_staff(AGENT)
        s.add_staff("l2@dsr.kefu", desk="L2")
        s.start()
        self.admin, self.auditor, self.agent = s.login(ADMIN), s.login(AUDITOR), s.login(AGENT)

    def tearDown(self):
        self.server.close()

    def req(self, method, path, body=None, token=None):
        return self.server.request(method, path, body, token=token or self.admin)

    def customer_with_history(self, name, secret_text, category="kyc"):
        """A customer who chatted (with distinctive text), was transferred with a note, rated,
        and has a ticket with a description and an internal note."""
        s = self.server
        c = s.widget_session(name)
        cid = c["conversation_id"]
        self.assertEqual(self.req("POST", f"/api/v1/conversations/{cid}/accept", token=self.agent)[0], 200)
        for text, token in [(secret_text, c["token"]), ("收到，我来查一下", self.agent)]:
            code, body = self.req("POST", f"/api/v1/conversations/{cid}/messages", {"text": text}, token=token)
            self.assertEqual(code, 201, body)
        code, t = self.req("POST", f"/api/v1/conversations/{cid}/ticket",
                           {"subject": "问题 " + secret_text, "description": "客户说 " + secret_text, "category": category,
                            **({"tx_hash": "0x" + "ab" * 32, "amount": "500.00"} if category == "withdrawal" else {})},
                           token=self.agent)
        self.assertEqual(code, 201, t)
        code, body = self.req("POST", f"/api/v1/tickets/{t['id']}/notes", {"text": "note about " + secret_text},
                              token=self.agent)
        self.assertEqual(code, 201, body)
        code, body = self.req("POST", f"/api/v1/conversations/{cid}/close", {"summary": "summary " + secret_text},
                              token=self.agent)
        self.assertEqual(code, 200, body)
        return c, t

    def new_request(self, customer_id, kind, status=201):
        code, r = self.req("POST", f"/api/v1/customers/{customer_id}/data-requests", {"kind": kind, "note": "邮件申请"})
        self.assertEqual(code, status, r)
        return r

    def audit_actions(self):
        code, page = self.req("GET", "/api/v1/audit?limit=100", token=self.auditor)
        self.assertEqual(code, 200, page)
        return [e["action"] for e in page["entries"]]

    def test_an_export_holds_everything_and_is_audited(self):
        c, t = self.customer_with_history("王小明", "我的订单号是 ZX-889123")
        r = self.new_request(c["customer_id"], "export")
        self.assertEqual((r["kind"], r["status"], r["overdue"]), ("export", "open", False))
        self.assertEqual(r["due_at"], "2026-12-26T02:00:00.000Z")  # 30 days
        code, doc = self.req("GET", f"/api/v1/data-requests/{r['id']}/export")
        self.assertEqual(code, 200, doc)
        self.assertEqual(doc["customer"]["name"], "王小明")
        [conv] = doc["conversations"]
        self.assertIn("我的订单号是 ZX-889123", [m["text"] for m in conv["messages"]])
        self.assertIn("closed", [e["type"] for e in conv["events"]])
        [ticket] = doc["tickets"]
        self.assertEqual(ticket["ticket"]["id"], t["id"])
        self.assertEqual([n["text"] for n in ticket["notes"]], ["note about 我的订单号是 ZX-889123"])
        code, listed = self.req("GET", "/api/v1/data-requests?status=completed", token=self.auditor)
        self.assertEqual([x["id"] for x in listed["requests"]], [r["id"]])
        self.assertIn("dsr.received", self.audit_actions())
        self.assertIn("dsr.export", self.audit_actions())

    def test_erasure_anonymises_what_no_rule_keeps(self):
        s = self.server
        c, t = self.customer_with_history("李四", "身份证 110101199003071234 的照片")
        cid = c["conversation_id"]
        r = self.new_request(c["customer_id"], "erasure")
        code, done = self.req("POST", f"/api/v1/data-requests/{r['id']}/erase")
        self.assertEqual(code, 200, done)
        self.assertEqual(done["status"], "completed")
        result = done["result"]
        self.assertEqual((result["conversations_erased"], result["tickets_erased"], result["tickets_kept"]), (1, 1, 0))
        self.assertGreaterEqual(result["messages_erased"], 2)
        self.assertFalse(result["identity_kept"])
        # What staff see now: no text, no name, no ticket content; the structure stays.
        code, history = self.req("GET", f"/api/v1/conversations/{cid}/messages", token=self.agent)
        self.assertTrue(history["messages"])
        self.assertTrue(all(m["text"] == "" for m in history["messages"]))
        code, ticket = self.req("GET", f"/api/v1/tickets/{t['id']}", token=self.agent)
        self.assertEqual((ticket["subject"], ticket["description"]), ("", ""))
        code, events = self.req("GET", f"/api/v1/conversations/{cid}/events", token=self.agent)
        closed = next(e for e in events["events"] if e["type"] == "closed")
        self.assertNotIn("summary", closed)
        code, export = self.req("GET", f"/api/v1/data-requests/{self.new_request(c['customer_id'], 'export')['id']}/export")
        self.assertEqual(export["customer"]["name"], "")
        self.assertEqual(export["customer"]["identities"], [])
        self.assertNotIn("110101199003071234", str(export))
        # Done twice is a conflict, and the log says who erased what (never the text).
        self.assertEqual(self.req("POST", f"/api/v1/data-requests/{r['id']}/erase")[0], 409)
        code, page = self.req("GET", "/api/v1/audit?action=dsr.erasure", token=self.auditor)
        [entry] = page["entries"]
        self.assertEqual(entry["target"], f"customer:{c['customer_id']}")
        self.assertNotIn("110101199003071234", str(entry))
        # Gone from the database file too, not only from the answers.
        s.stop()
        for suffix in ("", "-wal"):
            if os.path.exists(s.db + suffix):
                with open(s.db + suffix, "rb") as f:
                    self.assertNotIn("110101199003071234".encode(), f.read(), suffix)
        s.start()

    def test_money_movements_are_kept_for_anti_money_laundering(self):
        c, kept = self.customer_with_history("赵六", "提现 500 USDT 到 TQ7x", category="withdrawal")
        # A second ticket of the same customer about something else goes.
        code, nickname = self.req("POST", "/api/v1/tickets", {"conversation_id": c["conversation_id"],
                                                                "subject": "怎么改昵称", "category": "account"},
                                  token=self.agent)
        self.assertEqual(code, 201, nickname)
        r = self.new_request(c["customer_id"], "erasure")
        code, done = self.req("POST", f"/api/v1/data-requests/{r['id']}/erase")
        self.assertEqual(code, 200, done)
        result = done["result"]
        self.assertEqual((result["tickets_kept"], result["conversations_kept"], result["kept_for"]),
                         (1, 1, "aml_retention"))
        self.assertEqual(result["tickets_erased"], 1)
        code, gone = self.req("GET", f"/api/v1/tickets/{nickname['id']}", token=self.agent)
        self.assertEqual(gone["subject"], "")
        self.assertTrue(result["identity_kept"])
        self.assertEqual(result["kept_until"], "2031-11-26T02:00:00.000Z")
        code, ticket = self.req("GET", f"/api/v1/tickets/{kept['id']}", token=self.agent)
        self.assertEqual(ticket["tx_hash"], "0x" + "ab" * 32)
        code, history = self.req("GET", f"/api/v1/conversations/{c['conversation_id']}/messages", token=self.agent)
        self.assertIn("提现 500 USDT 到 TQ7x", [m["text"] for m in history["messages"]])

    def test_a_legal_hold_stops_erasure_until_released(self):
        c, _ = self.customer_with_history("钱七", "冻结账户的原因")
        customer = c["customer_id"]
        self.assertEqual(self.req("POST", f"/api/v1/customers/{customer}/legal-hold/release")[0], 409)
        code, hold = self.req("POST", f"/api/v1/customers/{customer}/legal-hold", {"reason": "公安机关协查函 2026-118"})
        self.assertEqual((code, hold["reason"]), (200, "公安机关协查函 2026-118"))
        r = self.new_request(customer, "erasure")
        code, body = self.req("POST", f"/api/v1/data-requests/{r['id']}/erase")
        self.assertEqual((code, body["error"]["code"]), (409, "conflict"))
        self.assertIn("legal hold", body["error"]["message"])
        code, history = self.req("GET", f"/api/v1/conversations/{c['conversation_id']}/messages", token=self.agent)
        self.assertIn("冻结账户的原因", [m["text"] for m in history["messages"]])
        self.assertEqual(self.req("POST", f"/api/v1/customers/{customer}/legal-hold/release")[0], 200)
        self.assertEqual(self.req("POST", f"/api/v1/data-requests/{r['id']}/erase")[0], 200)
        actions = self.audit_actions()
        self.assertIn("legal_hold.place", actions)
        self.assertIn("legal_hold.release", actions)

    def test_due_dates_remind_admins_and_show_overdue(self):
        c = self.server.widget_session("孙八")
        console = self.server.ws(self.admin)
        r = self.new_request(c["customer_id"], "export")
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": 27 * DAY + 1})
        self.assertEqual(code, 200, body)
        due = console.recv_until(lambda m: m["type"] == "dsr.due_soon")
        self.assertEqual(due["request"]["id"], r["id"])
        self.server.request("POST", "/api/v1/test/clock", {"advance_ms": 4 * DAY})
        self.admin = self.server.login(ADMIN)  # a month later: the old session has expired
        code, listed = self.req("GET", "/api/v1/data-requests?status=open")
        self.assertEqual([(x["id"], x["overdue"]) for x in listed["requests"]], [(r["id"], True)])

    def test_only_admins_handle_requests_and_bad_input_is_refused(self):
        c = self.server.widget_session("周九")
        customer = c["customer_id"]
        for token in (self.agent, self.auditor, c["token"]):
            code, _ = self.req("POST", f"/api/v1/customers/{customer}/data-requests", {"kind": "export"}, token=token)
            self.assertEqual(code, 403, token)
        self.assertEqual(self.req("GET", "/api/v1/data-requests", token=self.agent)[0], 403)
        self.assertEqual(self.req("GET", "/api/v1/data-requests", token=None)[0], 200)  # admin by default
        for body in ({}, {"kind": "delete"}, {"kind": "export", "note": "x" * 1001}):
            self.assertEqual(self.req("POST", f"/api/v1/customers/{customer}/data-requests", body)[0], 400, body)
        self.assertEqual(self.req("POST", "/api/v1/customers/999999/data-requests", {"kind": "export"})[0], 404)
        export = self.new_request(customer, "export")
        self.assertEqual(self.req("POST", f"/api/v1/data-requests/{export['id']}/erase")[0], 409)
        erasure = self.new_request(customer, "erasure")
        self.assertEqual(self.req("GET", f"/api/v1/data-requests/{erasure['id']}/export")[0], 409)
        self.assertEqual(self.req("POST", f"/api/v1/customers/{customer}/legal-hold", {"reason": " "})[0], 400)
        self.assertEqual(self.req("GET", "/api/v1/data-requests?status=weird")[0], 400)


if __name__ == "__main__":
    unittest.main()
