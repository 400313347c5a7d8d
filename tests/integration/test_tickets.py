"""Tickets (工单) over real HTTP: created from a conversation, the status life cycle with illegal
moves refused, internal notes hidden from customers, merge, canned replies, the secret guard on
ticket text, and validation errors."""
import unittest

from kefu import Server

AGENT = "agent@tickets.kefu"
BOSS = "boss@tickets.kefu"
TX = "0x" + "ab" * 32


class TicketsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"KEFU_TICKETS_REQUIRE_SUMMARY": "true"})
        s = cls.server
        s.add_staff(AGENT, desk="L2")
        s.add_staff(BOSS, role="supervisor", desk="L1")
        s.start()
        cls.agent = s.login(AGENT)
        cls.boss = s.login(BOSS)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def req(self, method, path, body=None, token=None):
        return self.server.request(method, path, body, token=token or self.agent)

    def new_ticket(self, **fields):
        body = {"subject": "提现未到账", "type": "incident", "category": "withdrawal", **fields}
        code, t = self.req("POST", "/api/v1/tickets", body)
        self.assertEqual(code, 201, t)
        return t

    def test_created_from_a_conversation_copies_the_customer(self):
        cust = self.server.widget_session("李四")
        code, t = self.req("POST", f"/api/v1/conversations/{cust['conversation_id']}/ticket",
                           {"category": "transfer", "priority": "high", "chain": "tron", "tx_hash": TX,
                            "amount": "100.5", "token": "USDT", "card_last4": "4242",
                            "to_address": "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "tags": ["usdt", "vip", "usdt"]})
        self.assertEqual(code, 201, t)
        self.assertEqual((t["customer"]["id"], t["customer"]["name"]), (cust["customer_id"], "李四"))
        self.assertEqual((t["conversation_id"], t["status"], t["priority"]), (cust["conversation_id"], "new", "high"))
        self.assertEqual((t["amount"], t["tx_hash"], t["tags"]), ("100.5", TX, ["usdt", "vip"]))
        # What the customer said becomes the description, not the last answer they got.
        said = "USDT 提现到 TRC20 地址一直显示处理中"
        code, _ = self.req("POST", f"/api/v1/conversations/{cust['conversation_id']}/messages", {"text": said},
                           token=cust["token"])
        self.assertEqual(code, 201)
        code, _ = self.req("POST", f"/api/v1/conversations/{cust['conversation_id']}/accept", {})
        code, _ = self.req("POST", f"/api/v1/conversations/{cust['conversation_id']}/messages",
                           {"text": "您好，我来帮您查询"})
        self.assertEqual(code, 201)
        code, same = self.req("POST", "/api/v1/tickets", {"conversation_id": cust["conversation_id"]})
        self.assertEqual((code, same["customer"]["id"]), (201, cust["customer_id"]))
        self.assertEqual((same["subject"], same["description"]), (said, said))
        # The customer reads their own tickets, without the desk's working data.
        code, mine = self.req("GET", "/api/v1/tickets", token=cust["token"])
        self.assertEqual(code, 200, mine)
        self.assertEqual({x["id"] for x in mine["tickets"]}, {t["id"], same["id"]})
        self.assertNotIn("tags", mine["tickets"][0])
        other = self.new_ticket()
        code, _ = self.req("GET", f"/api/v1/tickets/{other['id']}", token=cust["token"])
        self.assertEqual(code, 404)
        code, _ = self.req("POST", "/api/v1/tickets", {"subject": "x"}, token=cust["token"])
        self.assertEqual(code, 403)
        code, events = self.req("GET", f"/api/v1/tickets/{t['id']}/events")
        self.assertEqual([e["type"] for e in events["events"]], ["ticket.created"])
        self.assertEqual(events["events"][0]["ticket_id"], t["id"])

    def test_status_workflow_and_illegal_moves(self):
        t = self.new_ticket()
        path = f"/api/v1/tickets/{t['id']}/status"
        code, body = self.req("POST", path, {"status": "resolved"})
        self.assertEqual((code, body["error"]["code"]), (409, "conflict"))
        for status in ("open", "pending", "open", "resolved"):
            code, body = self.req("POST", path, {"status": status})
            self.assertEqual((code, body.get("status")), (200, status), body)
        code, body = self.req("POST", path, {"status": "closed"})
        self.assertEqual((code, body["error"]["code"]), (400, "invalid"))  # summary required by config
        code, body = self.req("POST", path, {"status": "closed", "summary": "已到账，客户确认"})
        self.assertEqual((code, body["status"], body["summary"]), (200, "closed", "已到账，客户确认"))
        code, body = self.req("POST", path, {"status": "pending"})
        self.assertEqual(code, 409)
        code, body = self.req("PATCH", f"/api/v1/tickets/{t['id']}", {"priority": "urgent"})
        self.assertEqual(code, 409)
        code, body = self.req("POST", path, {"status": "open"})
        self.assertEqual((code, body["status"]), (200, "open"))
        code, body = self.req("POST", path, {"status": "bogus"})
        self.assertEqual(code, 400)
        code, events = self.req("GET", f"/api/v1/tickets/{t['id']}/events")
        self.assertEqual([e["type"] for e in events["events"]],
                         ["ticket.created", "ticket.opened", "ticket.pending", "ticket.resumed", "ticket.resolved",
                          "ticket.closed", "ticket.reopened"])
        self.assertTrue(all(e["actor"]["type"] == "staff" for e in events["events"]))

    def test_notes_are_hidden_from_customers(self):
        cust = self.server.widget_session("王五")
        code, t = self.req("POST", f"/api/v1/conversations/{cust['conversation_id']}/ticket", {})
        self.assertEqual(code, 201, t)
        code, note = self.req("POST", f"/api/v1/tickets/{t['id']}/notes", {"text": "疑似诈骗，勿告知客户"})
        self.assertEqual(code, 201, note)
        code, staff_view = self.req("GET", f"/api/v1/tickets/{t['id']}")
        self.assertEqual([n["text"] for n in staff_view["notes"]], ["疑似诈骗，勿告知客户"])
        code, cust_view = self.req("GET", f"/api/v1/tickets/{t['id']}", token=cust["token"])
        self.assertEqual(code, 200)
        self.assertNotIn("notes", cust_view)
        self.assertNotIn("疑似诈骗", str(cust_view))
        code, _ = self.req("GET", f"/api/v1/tickets/{t['id']}/events", token=cust["token"])
        self.assertEqual(code, 403)
        code, _ = self.req("POST", f"/api/v1/tickets/{t['id']}/notes", {"text": "x"}, token=cust["token"])
        self.assertEqual(code, 403)

    def test_merge(self):
        a, b = self.new_ticket(), self.new_ticket(subject="同一笔提现")
        self.req("POST", f"/api/v1/tickets/{a['id']}/notes", {"text": "截图已收到"})
        code, body = self.req("POST", f"/api/v1/tickets/{a['id']}/merge", {"into": a["id"]})
        self.assertEqual(code, 400)
        code, body = self.req("POST", f"/api/v1/tickets/{a['id']}/merge", {"into": b["id"]})
        self.assertEqual(code, 200, body)
        self.assertEqual((body["ticket"]["status"], body["ticket"]["merged_into"]), ("closed", b["id"]))
        code, target = self.req("GET", f"/api/v1/tickets/{b['id']}")
        self.assertEqual([n["text"] for n in target["notes"]], ["截图已收到"])
        code, events = self.req("GET", f"/api/v1/tickets/{b['id']}/events")
        self.assertEqual(events["events"][-1]["type"], "ticket.merge_received")
        code, body = self.req("POST", f"/api/v1/tickets/{a['id']}/merge", {"into": b["id"]})
        self.assertEqual(code, 409)

    def test_canned_reply_rendering(self):
        code, body = self.req("POST", "/api/v1/canned-replies", {"title": "t", "body": "hi"})
        self.assertEqual(code, 403)  # agents use them, supervisors manage them
        code, body = self.req("POST", "/api/v1/canned-replies", {"title": "t", "body": "{{order}}"}, token=self.boss)
        self.assertEqual((code, body["error"]["code"]), (400, "invalid"))
        code, body = self.req("POST", "/api/v1/canned-replies",
                              {"title": "要助记词", "body": "请把您的助记词发给我们核实"}, token=self.boss)
        self.assertEqual(code, 403, body)  # staff never ask for secrets
        code, reply = self.req("POST", "/api/v1/canned-replies",
                               {"title": "受理", "lang": "zh",
                                "body": "{{customer_name}} 您好，我是 {{agent_name}}，工单 #{{ticket_id}} 已受理。"},
                               token=self.boss)
        self.assertEqual(code, 201, reply)
        code, listed = self.req("GET", "/api/v1/canned-replies")
        self.assertIn(reply["id"], [r["id"] for r in listed["canned_replies"]])
        cust = self.server.widget_session("赵六")
        code, t = self.req("POST", f"/api/v1/conversations/{cust['conversation_id']}/ticket", {})
        code, r = self.req("POST", f"/api/v1/canned-replies/{reply['id']}/render", {"ticket_id": t["id"]})
        self.assertEqual(code, 200, r)
        self.assertTrue(r["text"].startswith("赵六 您好，我是 "), r)
        self.assertIn(f"工单 #{t['id']} 已受理", r["text"])
        code, r2 = self.req("POST", f"/api/v1/canned-replies/{reply['id']}/render",
                            {"conversation_id": cust["conversation_id"]})
        self.assertEqual(r2["text"], r["text"])
        code, _ = self.req("POST", f"/api/v1/canned-replies/{reply['id']}/render", {})
        self.assertEqual(code, 400)

    def test_card_number_in_description_is_redacted(self):
        t = self.new_ticket(description="客户说卡号 4111 1111 1111 1111 绑卡失败")
        self.assertNotIn("4111 1111 1111 1111", t["description"])
        self.assertIn("card_number", t["warnings"])
        code, stored = self.req("GET", f"/api/v1/tickets/{t['id']}")
        self.assertNotIn("1111 1111", stored["description"])
        code, body = self.req("POST", "/api/v1/tickets", {"subject": "x", "order_id": "4111111111111111"})
        self.assertEqual(code, 400)

    def test_validation_errors(self):
        cases = [
            ({"subject": "x", "tx_hash": "0x1234"}, "tx_hash"),
            ({"subject": "x", "from_address": "not an address"}, "from_address"),
            ({"subject": "x", "amount": 12.5}, "amount"),
            ({"subject": "x", "amount": "1e5"}, "amount"),
            ({"subject": "x", "card_last4": "4111111111111111"}, "card_last4"),
            ({"subject": "x", "type": "question"}, "type"),
            ({"subject": "x", "category": "KYC"}, "category"),
            ({"subject": "x" * 201}, "subject"),
            ({"subject": "x", "tags": ["a,b"]}, "tags"),
            ({}, "subject"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=str(body)[:60]):
                code, err = self.req("POST", "/api/v1/tickets", body)
                self.assertEqual((code, err["error"]["code"]), (400, "invalid"), err)
                self.assertIn(field, err["error"]["message"])
        code, _ = self.req("GET", "/api/v1/tickets?status=waiting")
        self.assertEqual(code, 400)
        code, _ = self.req("GET", "/api/v1/tickets?cursor=nope")
        self.assertEqual(code, 400)
        code, _ = self.req("GET", "/api/v1/tickets/999999")
        self.assertEqual(code, 404)
        code, _ = self.req("POST", "/api/v1/conversations/999999/ticket", {})
        self.assertEqual(code, 404)

    def test_list_filters_and_cursor(self):
        for i in range(5):
            self.new_ticket(subject=f"filter {i}", priority="urgent" if i % 2 else "low", tags=["listtest"])
        code, page = self.req("GET", "/api/v1/tickets?tag=listtest&limit=2")
        self.assertEqual((code, len(page["tickets"])), (200, 2))
        seen = [t["subject"] for t in page["tickets"]]
        while page["next_cursor"]:
            code, page = self.req("GET", f"/api/v1/tickets?tag=listtest&limit=2&cursor={page['next_cursor']}")
            seen += [t["subject"] for t in page["tickets"]]
        self.assertEqual(seen, [f"filter {i}" for i in range(4, -1, -1)])
        code, page = self.req("GET", "/api/v1/tickets?tag=listtest&priority=urgent")
        self.assertEqual(len(page["tickets"]), 2)


if __name__ == "__main__":
    unittest.main()
