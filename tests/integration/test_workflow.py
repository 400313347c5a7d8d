"""The service workflow end to end over HTTP and WebSocket: handoff, queue positions, presence,
transfer with a reason, close, CSAT (DESIGN.md §2 Workflow)."""
import time
import unittest

from kefu import Server

L1 = "l1@it.kefu"
L1B = "l1b@it.kefu"
L2 = "l2@it.kefu"


class WorkflowTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        s = self.server
        r = s.cli("staff", "add", "--db", s.db, "--email", L1, "--role", "agent", "--desk", "L1", "--max-chats", "1",
                  "--name", "小李", "--password-stdin", stdin="correct-horse-1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        s.add_staff(L1B)
        s.add_staff(L2, desk="L2")
        s.add_staff("boss@it.kefu", role="supervisor", desk="L1")
        s.start()

    def tearDown(self):
        self.server.close()

    def status(self, token, status):
        code, body = self.server.request("POST", "/api/v1/staff/me/status", {"status": status}, token=token)
        self.assertEqual(code, 200, body)
        self.assertEqual(body["status"], status)
        return body

    def test_the_whole_story(self):
        s = self.server
        alice, bob = s.widget_session("Alice"), s.widget_session("Bob")
        wa, wb = s.ws(alice["token"]), s.ws(bob["token"])
        l1, l2 = s.login(L1), s.login(L2)
        ws_l1 = s.ws(l1)
        # Both ask for a human while nobody is online: they queue and are told where they stand.
        wa.send({"type": "message.send", "conversation_id": alice["conversation_id"], "client_id": "a1", "text": "我要转人工"})
        pa = wa.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual((pa["position"], pa["agents_online"], pa["desk"]), (1, 0, "L1"))
        wb.send({"type": "message.send", "conversation_id": bob["conversation_id"], "client_id": "b1", "text": "human please"})
        pb = wb.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual(pb["position"], 2)
        self.assertGreater(pb["eta_seconds"], 0)
        code, queues = s.request("GET", "/api/v1/queues", token=l1)
        l1q = next(q for q in queues["queues"] if q["desk"] == "L1")
        self.assertEqual([c["conversation_id"] for c in l1q["conversations"]], [alice["conversation_id"], bob["conversation_id"]])
        # The L1 agent (max 1 chat) goes online over REST: Alice is assigned, Bob moves up.
        self.status(l1, "online")
        assigned = wa.recv_until(lambda m: m["type"] == "conversation.assigned")
        self.assertEqual(assigned["agent"]["name"], "小李")
        moved = wb.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual(moved["position"], 1)
        # They chat; the agent transfers Alice to L2 with a reason she sees.
        ws_l1.send({"type": "message.send", "conversation_id": alice["conversation_id"], "client_id": "x", "text": "您好"})
        ws_l1.recv_until(lambda m: m["type"] == "ack")
        code, body = s.request("POST", f"/api/v1/conversations/{alice['conversation_id']}/transfer",
                               {"desk": "L2", "note": "needs account look-up"}, token=l1)
        self.assertEqual((code, body["error"]["code"]), (400, "invalid"))  # reason is required
        code, conv = s.request("POST", f"/api/v1/conversations/{alice['conversation_id']}/transfer",
                               {"desk": "L2", "reason": "提现需要查账", "note": "订单 1234"}, token=l1)
        self.assertEqual(code, 200, conv)
        self.assertEqual((conv["state"], conv["desk"]), ("queued", "L2"))
        told = wa.recv_until(lambda m: m["type"] == "conversation.transferred")
        self.assertEqual(told["reason"], "提现需要查账")
        # L1 is free again, so Bob is assigned at once.
        self.assertEqual(wb.recv_until(lambda m: m["type"] == "conversation.assigned")["agent"]["name"], "小李")
        # L2 comes online and takes Alice, seeing the whole history.
        self.status(l2, "online")
        wa.recv_until(lambda m: m["type"] == "conversation.assigned")
        code, history = s.request("GET", f"/api/v1/conversations/{alice['conversation_id']}/messages", token=l2)
        self.assertEqual([m["text"] for m in history["messages"]], ["我要转人工", "您好"])
        # Only the assigned agent (or a supervisor) can close; closing asks the customer to rate.
        code, body = s.request("POST", f"/api/v1/conversations/{alice['conversation_id']}/close", {}, token=l1)
        self.assertEqual(code, 403)
        code, conv = s.request("POST", f"/api/v1/conversations/{alice['conversation_id']}/close",
                               {"summary": "查账后已到账"}, token=l2)
        self.assertEqual((code, conv["state"]), (200, "closed"))
        wa.recv_until(lambda m: m["type"] == "csat.request")
        # A comment is the customer's words like a message: the secret guard redacts a seed phrase in it.
        phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
        wa.send({"type": "csat.submit", "conversation_id": alice["conversation_id"], "score": 5,
                 "comment": f"很快 {phrase}"})
        self.assertEqual(wa.recv_until(lambda m: m["type"] in ("csat.recorded", "error"))["type"], "csat.recorded")
        wa.send({"type": "csat.submit", "conversation_id": alice["conversation_id"], "score": 1})
        self.assertEqual(wa.recv_until(lambda m: m["type"] == "error")["code"], "conflict")
        code, events = s.request("GET", f"/api/v1/conversations/{alice['conversation_id']}/events", token=l2)
        kinds = [e["type"] for e in events["events"] if e["type"] != "message"]
        self.assertEqual(kinds, ["created", "queued", "assigned", "transferred", "assigned", "closed", "csat"])
        csat = next(e for e in events["events"] if e["type"] == "csat")
        self.assertNotIn("abandon", str(csat))
        self.assertIn("很快", csat.get("comment", ""))
        transferred = next(e for e in events["events"] if e["type"] == "transferred")
        self.assertEqual(transferred["reason"], "提现需要查账")
        self.assertEqual(transferred["note"], "订单 1234")

    def test_writing_after_close_reopens_with_the_same_agent(self):
        s = self.server
        c = s.widget_session()
        l1 = s.login(L1B)
        path = f"/api/v1/conversations/{c['conversation_id']}"
        self.assertEqual(s.request("POST", path + "/accept", token=l1)[0], 200)
        self.assertEqual(s.request("POST", path + "/close", {"summary": "done"}, token=l1)[0], 200)
        agent = s.ws(l1)
        customer = s.ws(c["token"])
        customer.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "again", "text": "还有一个问题"})
        customer.recv_until(lambda m: m["type"] == "ack")
        self.assertEqual(agent.recv_until(lambda m: m["type"] == "message.created")["message"]["text"], "还有一个问题")
        for _ in range(100):  # the reopen follows the ack; poll for up to ≈2 s, not for 50 fast requests
            conv = s.request("GET", path, token=l1)[1]
            if conv["state"] == "active":
                break
            time.sleep(0.02)
        self.assertEqual((conv["state"], conv["assigned_agent"]["name"]), ("active", "l1b"))
        kinds = [e["type"] for e in s.request("GET", path + "/events", token=l1)[1]["events"] if e["type"] != "message"]
        self.assertEqual(kinds[-1], "reopened")

    def test_waiting_customers_hear_when_agents_come_and_go_and_on_reconnect(self):
        s = self.server
        c = s.widget_session()
        l1 = s.login(L1)
        self.status(l1, "online")
        self.status(l1, "busy")  # online but not taking chats: the customer will queue
        customer = s.ws(c["token"])
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {}, token=c["token"])[0], 200)
        first = customer.recv_until(lambda m: m["type"] == "queue.position")
        self.assertEqual(first["agents_online"], 0)
        customer.close()
        again = s.ws(c["token"])
        self.assertEqual(again.recv_until(lambda m: m["type"] == "queue.position")["position"], 1)

    def test_staff_add_takes_languages_and_skills(self):
        s = self.server
        s.stop()
        for email, extra in [("es@it.kefu", ["--languages", "es"]), ("kyc@it.kefu", ["--skills", "kyc"])]:
            r = s.cli("staff", "add", "--db", s.db, "--email", email, "--role", "agent", "--desk", "L3",
                      *extra, "--password-stdin", stdin="correct-horse-1\n")
            self.assertEqual(r.returncode, 0, r.stderr)
        bad = s.cli("staff", "add", "--db", s.db, "--email", "x@it.kefu", "--role", "agent", "--languages", "fr",
                    "--password-stdin", stdin="correct-horse-1\n")
        self.assertEqual(bad.returncode, 2)
        s.start()
        es, kyc = s.login("es@it.kefu"), s.login("kyc@it.kefu")
        self.status(es, "online")
        self.status(kyc, "online")
        # Both are routable after a restart with their languages and skills loaded (the preference
        # order itself is unit-tested in tests/routing/router_test.cpp).
        c = s.widget_session()
        s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {"desk": "L3"}, token=c["token"])
        code, conv = s.request("GET", f"/api/v1/conversations/{c['conversation_id']}", token=kyc)
        self.assertIn(conv["assigned_agent"]["name"], ("es", "kyc"))

    def test_queues_survive_a_restart(self):
        s = self.server
        c = s.widget_session()
        code, conv = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {}, token=c["token"])
        self.assertEqual((code, conv["state"]), (200, "queued"))
        s.restart()
        l1 = s.login(L1)
        customer = s.ws(c["token"])
        self.status(l1, "online")
        self.assertEqual(customer.recv_until(lambda m: m["type"] == "conversation.assigned")["agent"]["name"], "小李")

    def test_asking_for_a_human_over_rest_hands_over_but_lookalike_words_do_not(self):
        s = self.server
        c = s.widget_session()
        path = f"/api/v1/conversations/{c['conversation_id']}"
        for text in ["how do I update my personal data?", "is your agency licensed?", "humanity"]:
            self.assertEqual(s.request("POST", path + "/messages", {"text": text}, token=c["token"])[0], 201)
        self.assertEqual(s.request("GET", path, token=c["token"])[1]["state"], "bot")
        self.assertEqual(s.request("POST", path + "/messages", {"text": "转人工"}, token=c["token"])[0], 201)
        # The handoff follows the stored message asynchronously: wait for it (bounded), then check.
        deadline = time.time() + 10
        while time.time() < deadline and s.request("GET", path, token=c["token"])[1]["state"] != "queued":
            time.sleep(0.02)
        self.assertEqual(s.request("GET", path, token=c["token"])[1]["state"], "queued")

    def test_transfer_to_an_agent_and_bad_requests(self):
        s = self.server
        c = s.widget_session()
        l1, l1b = s.login(L1), s.login(L1B)
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/accept", token=l1)[0], 200)
        code, me = s.request("GET", "/api/v1/staff/me", token=l1b)
        code, conv = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/transfer",
                               {"agent_id": me["id"], "reason": "shift change"}, token=l1)
        self.assertEqual((code, conv["assigned_agent"]["id"]), (200, me["id"]))
        # The transfer is in the audit log, by whom, to whom and why; refused ones are not.
        s.add_staff("audit@it.kefu", role="auditor")
        code, audit = s.request("GET", "/api/v1/audit?action=conversation.transfer", token=s.login("audit@it.kefu"))
        self.assertEqual(code, 200, audit)
        [entry] = audit["entries"]
        self.assertEqual(entry["target"], f"conversation:{c['conversation_id']}")
        self.assertEqual((entry["details"]["agent_id"], entry["details"]["reason"]), (me["id"], "shift change"))
        for body, expect in [({"desk": "L9", "reason": "x"}, 400), ({"reason": "x"}, 400),
                             ({"desk": "L2", "agent_id": me["id"], "reason": "x"}, 400)]:
            with self.subTest(body=body):
                self.assertEqual(s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/transfer", body, token=l1b)[0], expect)
        # The previous agent no longer holds it.
        code, body = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/close", {}, token=l1)
        self.assertEqual(code, 403)
        self.assertEqual(s.request("POST", "/api/v1/staff/me/status", {"status": "sleeping"}, token=l1)[0], 400)
        self.assertEqual(s.request("POST", "/api/v1/staff/me/status", {"status": "online"}, token=c["token"])[0], 403)
        # Closing twice is a conflict; rating an open conversation is refused.
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/close", {}, token=l1b)[0], 200)
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/close", {}, token=l1b)[0], 409)


if __name__ == "__main__":
    unittest.main()
