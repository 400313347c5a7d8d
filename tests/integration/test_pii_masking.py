"""Staff see PII masked (issue 6 item 4): a customer's phone number, e-mail address, identity and
card numbers are masked wherever staff read them — live over the WebSocket, in the history and in
sync, in previews, tickets, notes and complaints — while the customer reads their own words as
written. Supervisors and admins reveal with a reason; each reveal is audited (pii.reveal) and the
audit chain still verifies; agents cannot reveal. What agents need to work (order numbers,
transaction hashes, amounts) stays readable. (Full card numbers never get this far: the secret
guard redacts them before anything is stored — test_bot covers that.)"""
import unittest
import urllib.request

from kefu import Server
from test_attachments import png
from test_widget_identity import OTHER_SECRET, identity, write_config

AGENT = "agent@pii.kefu"
SUP = "sup@pii.kefu"
ADMIN = "admin@pii.kefu"
AUDITOR = "auditor@pii.kefu"
KB = "kb@pii.kefu"
L2 = "l2@pii.kefu"

PHONE, PHONE_MASKED = "13800138000", "138****8000"
EMAIL, EMAIL_MASKED = "wang.li@example.com", "w***@example.com"
ID_NUMBER, ID_MASKED = "11010519491231002X", "1101**********002X"
EMAIL2 = "li.na@example.org"
ORDER = "202611270001234567"
TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
TEXT = f"提现失败，订单 {ORDER}，tx {TX}。手机 {PHONE}，邮箱 {EMAIL}，身份证 {ID_NUMBER}"
MASKED = f"提现失败，订单 {ORDER}，tx {TX}。手机 {PHONE_MASKED}，邮箱 {EMAIL_MASKED}，身份证 {ID_MASKED}"


class PiiMaskingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"KEFU_IT_OTHER_SITE_SECRET": OTHER_SECRET})
        cls.server.args = ["--config", write_config(cls.server)]
        cls.server.add_staff(AGENT)
        cls.server.add_staff(SUP, role="supervisor")
        cls.server.add_staff(ADMIN, role="admin")
        cls.server.add_staff(AUDITOR, role="auditor")
        cls.server.add_staff(KB, role="kb_editor")
        cls.server.add_staff(L2, desk="L2")
        cls.server.start()
        cls.agent = cls.server.login(AGENT)
        cls.sup = cls.server.login(SUP)
        cls.admin = cls.server.login(ADMIN)
        cls.auditor = cls.server.login(AUDITOR)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def req(self, *args, **kw):
        return self.server.request(*args, **kw)

    def served_conversation(self, user_id):
        """A signed-in customer (their operator user id is an e-mail address) served by the agent."""
        code, c = self.req("POST", "/api/v1/widget/sessions",
                           {"name": f"王丽 {PHONE}", "lang": "zh-CN", "identity": identity(user_id=user_id)})
        self.assertEqual(code, 201, c)
        cid = c["conversation_id"]
        self.assertEqual(self.req("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)[0], 200)
        return c, cid

    def test_agents_read_pii_masked_everywhere_and_customers_as_written(self):
        c, cid = self.served_conversation(EMAIL)
        customer_ws, agent_ws = self.server.ws(c["token"]), self.server.ws(self.agent)
        customer_ws.send({"type": "message.send", "conversation_id": cid, "client_id": "m1", "text": TEXT})
        customer_ws.recv_until(lambda m: m["type"] == "ack" and m["client_id"] == "m1")
        live = agent_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "customer")
        self.assertEqual(live["message"]["text"], MASKED)
        # The history and sync, for the agent: masked. For the customer: as written.
        code, staff_history = self.req("GET", f"/api/v1/conversations/{cid}/messages", token=self.agent)
        self.assertEqual(code, 200)
        self.assertIn(MASKED, [m["text"] for m in staff_history["messages"]])
        for secret in (PHONE, EMAIL, ID_NUMBER):
            self.assertNotIn(secret, str(staff_history))
        code, own = self.req("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
        self.assertIn(TEXT, [m["text"] for m in own["messages"]])
        agent_ws.send({"type": "sync", "conversation_id": cid, "after_seq": 0})
        synced = agent_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "customer")
        self.assertEqual(synced["message"]["text"], MASKED)
        # Lists and the conversation itself: the name and the preview are masked for staff.
        code, listed = self.req("GET", "/api/v1/conversations?mine=true", token=self.agent)
        mine = next(x for x in listed["conversations"] if x["id"] == cid)
        self.assertEqual(mine["customer"]["name"], f"王丽 {PHONE_MASKED}")
        self.assertNotIn(PHONE, mine["last_message_preview"])
        code, conv = self.req("GET", f"/api/v1/conversations/{cid}", token=c["token"])
        self.assertEqual(conv["customer"]["name"], f"王丽 {PHONE}")
        # The customer panel: the operator's user id is an e-mail address, so it is masked too.
        code, who = self.req("GET", f"/api/v1/conversations/{cid}/customer", token=self.agent)
        self.assertEqual(code, 200, who)
        self.assertEqual(who["pii"], "masked")
        self.assertEqual([i["external_id"] for i in who["identities"]], [EMAIL_MASKED])
        # What the customer reads of the agent's reply is as written; the agent's copy is masked.
        code, reply = self.req("POST", f"/api/v1/conversations/{cid}/messages",
                               {"text": f"已收到，我们会致电 {PHONE} 核实"}, token=self.agent)
        self.assertEqual(code, 201, reply)
        self.assertEqual(reply["text"], f"已收到，我们会致电 {PHONE_MASKED} 核实")
        heard = customer_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "staff")
        self.assertEqual(heard["message"]["text"], f"已收到，我们会致电 {PHONE} 核实")

    def test_event_timelines_are_masked_for_staff(self):
        c, cid = self.served_conversation("u-events")
        code, _ = self.req("POST", f"/api/v1/conversations/{cid}/transfer",
                           {"desk": "L2", "reason": "需要核实", "note": f"客户手机 {PHONE}，邮箱 {EMAIL}"},
                           token=self.agent)
        self.assertEqual(code, 200, _)
        code, events = self.req("GET", f"/api/v1/conversations/{cid}/events", token=self.sup)
        self.assertEqual(code, 200, events)
        transfer = next(e for e in events["events"] if e["type"] == "transferred")
        self.assertEqual(transfer["note"], f"客户手机 {PHONE_MASKED}，邮箱 {EMAIL_MASKED}")
        self.assertEqual(transfer["desk"], "L2")  # the rest of the event as it was
        self.assertNotIn(PHONE, str(events))

    def test_a_plain_operator_user_id_is_shown(self):
        _, cid = self.served_conversation("u-10042")
        code, who = self.req("GET", f"/api/v1/conversations/{cid}/customer", token=self.agent)
        self.assertEqual([i["external_id"] for i in who["identities"]], ["u-10042"])

    def test_supervisors_reveal_with_a_reason_and_every_reveal_is_audited(self):
        c, cid = self.served_conversation(EMAIL2)
        code, _ = self.req("POST", f"/api/v1/conversations/{cid}/messages", {"text": TEXT}, token=c["token"])
        self.assertEqual(code, 201)
        path = f"/api/v1/conversations/{cid}/reveal"
        # Agents and auditors cannot; customers cannot; no reason, no reveal.
        self.assertEqual(self.req("POST", path, {"reason": "核实身份"}, token=self.agent)[0], 403)
        self.assertEqual(self.req("POST", path, {"reason": "核实身份"}, token=self.auditor)[0], 403)
        self.assertEqual(self.req("POST", path, {"reason": "核实身份"}, token=c["token"])[0], 403)
        for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x"}, {"reason": 7}, {"reason": "r" * 501}):
            code, err = self.req("POST", path, bad, token=self.sup)
            self.assertEqual(code, 400, (bad, err))
        self.assertEqual(self.req("POST", path, {"reason": "核实身份", "limit": 0}, token=self.sup)[0], 400)
        self.assertEqual(self.req("POST", path, raw=b"{not json", token=self.sup)[0], 400)
        before = self.audit("pii.reveal")
        code, shown = self.req("POST", path, {"reason": "核实提现账户归属"}, token=self.sup)
        self.assertEqual(code, 200, shown)
        self.assertEqual(shown["customer"]["pii"], "shown")
        self.assertEqual([i["external_id"] for i in shown["customer"]["identities"]], [EMAIL2])
        self.assertEqual(shown["customer"]["name"], f"王丽 {PHONE}")
        self.assertIn(TEXT, [m["text"] for m in shown["messages"]])
        after = self.audit("pii.reveal")
        self.assertEqual(len(after), len(before) + 1)
        entry = after[0]
        self.assertEqual(entry["target"], f"customer:{c['customer_id']}")
        self.assertEqual(entry["details"]["reason"], "核实提现账户归属")
        self.assertEqual(entry["details"]["conversation_id"], cid)
        self.assertEqual(entry["actor"]["type"], "staff")
        # Nothing revealed leaks into the audit log itself.
        self.assertNotIn(PHONE, str(entry))
        # Admins may too; each reveal is one more entry.
        self.assertEqual(self.req("POST", path, {"reason": "客诉复核", "limit": 1}, token=self.admin)[0], 200)
        self.assertEqual(len(self.audit("pii.reveal")), len(before) + 2)
        # The chain still verifies.
        self.server.stop()
        r = self.server.cli("audit", "verify", "--db", self.server.db)
        self.server.start()
        type(self).agent = self.server.login(AGENT)
        type(self).sup = self.server.login(SUP)
        type(self).admin = self.server.login(ADMIN)
        type(self).auditor = self.server.login(AUDITOR)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_tickets_notes_and_complaints_are_masked_for_staff(self):
        c, cid = self.served_conversation("u-ticket")
        code, _ = self.req("POST", f"/api/v1/conversations/{cid}/messages", {"text": TEXT}, token=c["token"])
        code, t = self.req("POST", f"/api/v1/conversations/{cid}/ticket",
                           {"description": TEXT, "category": "withdrawal"}, token=self.agent)
        self.assertEqual(code, 201, t)
        tid = t["id"]
        self.assertEqual(t["description"], MASKED)
        code, note = self.req("POST", f"/api/v1/tickets/{tid}/notes", {"text": f"客户留了手机 {PHONE}"}, token=self.agent)
        self.assertEqual(code, 201, note)
        self.assertEqual(note["text"], f"客户留了手机 {PHONE_MASKED}")
        code, staff_view = self.req("GET", f"/api/v1/tickets/{tid}", token=self.agent)
        self.assertEqual(staff_view["description"], MASKED)
        self.assertNotIn(PHONE, str(staff_view))
        code, own = self.req("GET", f"/api/v1/tickets/{tid}", token=c["token"])
        self.assertEqual(own["description"], TEXT)
        # Sending back what was read (a client saving the whole form) keeps the customer's words.
        code, patched = self.req("PATCH", f"/api/v1/tickets/{tid}",
                                 {"description": staff_view["description"], "priority": "high"}, token=self.agent)
        self.assertEqual(code, 200, patched)
        code, own = self.req("GET", f"/api/v1/tickets/{tid}", token=c["token"])
        self.assertEqual(own["description"], TEXT)
        # The reveal shows the ticket and its notes, audited with the ticket as target.
        self.assertEqual(self.req("POST", f"/api/v1/tickets/{tid}/reveal", {"reason": "核实"}, token=self.agent)[0], 403)
        self.assertEqual(self.req("POST", f"/api/v1/tickets/{tid}/reveal", {}, token=self.sup)[0], 400)
        code, shown = self.req("POST", f"/api/v1/tickets/{tid}/reveal", {"reason": "核实银行卡归属"}, token=self.sup)
        self.assertEqual(code, 200, shown)
        self.assertEqual(shown["ticket"]["description"], TEXT)
        self.assertEqual([n["text"] for n in shown["notes"]], [f"客户留了手机 {PHONE}"])
        self.assertEqual(self.audit("pii.reveal")[0]["target"], f"ticket:{tid}")
        # A complaint: the customer reads theirs as written, staff masked.
        code, complaint = self.req("POST", "/api/v1/complaints",
                                   {"conversation_id": cid, "description": f"客服一直不回电 {PHONE}", "category": "withdrawal"}, token=c["token"])
        self.assertEqual(code, 201, complaint)
        self.assertEqual(complaint["description"], f"客服一直不回电 {PHONE}")
        code, seen = self.req("GET", f"/api/v1/complaints/{complaint['id']}", token=self.sup)
        self.assertEqual(code, 200, seen)
        self.assertEqual(seen["description"], f"客服一直不回电 {PHONE_MASKED}")

    # ---- found by review ----

    def test_a_customer_named_by_their_phone_number_reads_masked_on_every_message(self):
        code, c = self.req("POST", "/api/v1/widget/sessions", {"name": PHONE, "lang": "zh-CN"})
        self.assertEqual(code, 201, c)
        cid = c["conversation_id"]
        self.assertEqual(self.req("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)[0], 200)
        agent_ws = self.server.ws(self.agent)
        code, _ = self.req("POST", f"/api/v1/conversations/{cid}/messages", {"text": "你好"}, token=c["token"])
        self.assertEqual(code, 201)
        live = agent_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["text"] == "你好")
        self.assertEqual(live["message"]["sender"]["name"], PHONE_MASKED)

    def test_previews_never_end_in_a_stub_of_a_number(self):
        c, cid = self.served_conversation("u-preview")
        text = "提" * 74 + " " + PHONE + " 谢谢"  # the phone straddles the 80th character
        self.assertEqual(self.req("POST", f"/api/v1/conversations/{cid}/messages", {"text": text},
                                  token=c["token"])[0], 201)
        code, listed = self.req("GET", "/api/v1/conversations?mine=true", token=self.agent)
        preview = next(x for x in listed["conversations"] if x["id"] == cid)["last_message_preview"]
        self.assertNotIn("138", preview)
        code, own = self.req("GET", f"/api/v1/conversations/{cid}", token=c["token"])
        self.assertNotIn("1380", own["last_message_preview"])

    def test_canned_replies_render_only_for_visible_cases_and_with_the_name_masked(self):
        code, c = self.req("POST", "/api/v1/widget/sessions", {"name": f"王丽 {PHONE}", "lang": "zh-CN"})
        cid = c["conversation_id"]
        self.assertEqual(self.req("POST", f"/api/v1/conversations/{cid}/handoff", {"desk": "L1"}, token=c["token"])[0], 200)
        self.assertEqual(self.req("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)[0], 200)
        code, reply = self.req("POST", "/api/v1/canned-replies", {"title": "问候", "body": "{{customer_name}} 您好"},
                               token=self.sup)
        self.assertEqual(code, 201, reply)
        path = f"/api/v1/canned-replies/{reply['id']}/render"
        code, rendered = self.req("POST", path, {"conversation_id": cid}, token=self.agent)
        self.assertEqual(code, 200, rendered)
        self.assertTrue(rendered["text"].startswith(f"王丽 {PHONE_MASKED} 您好"), rendered)
        # Outside the caller's scope: nobody reads a name through a template.
        for who in (KB, L2):
            code, body = self.req("POST", path, {"conversation_id": cid}, token=self.server.login(who))
            self.assertIn(code, (403, 404), (who, body))
            self.assertNotIn("王丽", str(body))

    def test_file_names_and_request_notes_read_masked(self):
        c, cid = self.served_conversation("u-files")
        code, t = self.req("POST", f"/api/v1/conversations/{cid}/ticket", {"category": "kyc"}, token=self.agent)
        self.assertEqual(code, 201, t)
        name = f"身份证_{ID_NUMBER}.png"
        code, up = self.server.request("POST", f"/api/v1/tickets/{t['id']}/attachments?name=" + urllib.request.quote(name),
                                       raw=png(), token=c["token"], headers={"Content-Type": "image/png"})
        self.assertEqual(code, 201, up)
        self.assertEqual(up["name"], name)  # the customer's own upload, as written
        code, listed = self.req("GET", f"/api/v1/tickets/{t['id']}/attachments", token=self.agent)
        self.assertEqual([a["name"] for a in listed["attachments"]], [f"身份证_{ID_MASKED}.png"])
        code, r = self.req("POST", f"/api/v1/customers/{c['customer_id']}/data-requests",
                           {"kind": "export", "note": f"电话申请，回拨 {PHONE}"}, token=self.admin)
        self.assertEqual(code, 201, r)
        self.assertEqual(r["note"], f"电话申请，回拨 {PHONE_MASKED}")

    def test_an_edit_of_masked_text_is_refused_instead_of_saving_the_mask(self):
        c, cid = self.served_conversation("u-edit")
        code, t = self.req("POST", f"/api/v1/conversations/{cid}/ticket", {"description": TEXT}, token=self.agent)
        self.assertEqual(code, 201, t)
        edited = t["description"].replace("提现失败", "提现仍失败")
        code, body = self.req("PATCH", f"/api/v1/tickets/{t['id']}", {"description": edited}, token=self.agent)
        self.assertEqual(code, 400, body)
        self.assertIn("reveal", body["error"]["message"])
        code, own = self.req("GET", f"/api/v1/tickets/{t['id']}", token=c["token"])
        self.assertEqual(own["description"], TEXT)

    def audit(self, action):
        code, body = self.req("GET", f"/api/v1/audit?action={action}", token=self.auditor)
        self.assertEqual(code, 200, body)
        return body["entries"]


if __name__ == "__main__":
    unittest.main()
