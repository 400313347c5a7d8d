"""Supervisors over HTTP and WebSocket: monitoring a conversation live, whispering to the agent
(never seen by the customer: not live, not in history, not in sync, not in the preview), barging
in, and who may do which."""
import unittest

from kefu import Server

AGENT = "agent@sup.kefu"
OTHER = "other@sup.kefu"
SUP = "boss@sup.kefu"


class SupervisionTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.server.add_staff(AGENT)
        self.server.add_staff(OTHER)
        self.server.add_staff(SUP, role="supervisor")
        self.server.start()
        self.agent = self.server.login(AGENT)
        self.other = self.server.login(OTHER)
        self.sup = self.server.login(SUP)

    def tearDown(self):
        self.server.close()

    def test_monitor_whisper_and_barge(self):
        s = self.server
        c = s.widget_session()
        cid = c["conversation_id"]
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)[0], 200)
        customer_ws, agent_ws, sup_ws = s.ws(c["token"]), s.ws(self.agent), s.ws(self.sup)
        code, body = s.request("POST", f"/api/v1/conversations/{cid}/monitor", {}, token=self.sup)
        self.assertEqual((code, body), (200, {"monitoring": True}))
        # Monitoring: the customer's message reaches the supervisor's console live.
        customer_ws.send({"type": "message.send", "conversation_id": cid, "client_id": "c1", "text": "提现一直没到账"})
        seen = sup_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["text"] == "提现一直没到账")
        self.assertEqual(seen["message"]["sender"]["type"], "customer")
        # Whisper: staff only.
        code, whisper = s.request("POST", f"/api/v1/conversations/{cid}/whisper",
                                  {"text": "先核对订单号，再查链上记录"}, token=self.sup)
        self.assertEqual(code, 201, whisper)
        self.assertEqual(whisper["kind"], "whisper")
        got = agent_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["kind"] == "whisper")
        self.assertEqual(got["message"]["text"], "先核对订单号，再查链上记录")
        # The agent answers in a whisper; the supervisor sees it.
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/whisper", {"text": "好的"},
                                   token=self.agent)[0], 201)
        sup_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["text"] == "好的")
        # Barge in: a supervisor may write to the customer directly.
        code, said = s.request("POST", f"/api/v1/conversations/{cid}/messages", {"text": "您好，我是主管，已在跟进。"},
                               token=self.sup)
        self.assertEqual(code, 201, said)
        live = customer_ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "staff")
        self.assertEqual(live["message"]["text"], "您好，我是主管，已在跟进。")  # the first staff frame is not a whisper
        # Nothing of the whispers reaches the customer: history, sync, preview.
        code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
        self.assertNotIn("whisper", [m["kind"] for m in history["messages"]])
        self.assertNotIn("先核对", str(history))
        customer_ws.send({"type": "sync", "conversation_id": cid, "after_seq": 0})
        frames = []
        while True:
            f = customer_ws.recv()
            frames.append(f)
            if f["type"] == "sync.done":
                break
        self.assertNotIn("whisper", str(frames))
        code, conv = s.request("GET", f"/api/v1/conversations/{cid}", token=c["token"])
        self.assertNotIn("好的", str(conv))
        # Staff history has everything.
        code, staff_view = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=self.agent)
        self.assertEqual([m["kind"] for m in staff_view["messages"]].count("whisper"), 2)
        # Stop monitoring: no more live frames for the supervisor.
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/monitor", {"on": False}, token=self.sup)[1],
                         {"monitoring": False})

    def test_who_may_whisper_and_monitor(self):
        s = self.server
        c = s.widget_session()
        cid = c["conversation_id"]
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)[0], 200)
        path = f"/api/v1/conversations/{cid}"
        self.assertEqual(s.request("POST", path + "/whisper", {"text": "hi"}, token=c["token"])[0], 403)
        self.assertEqual(s.request("POST", path + "/whisper", {"text": "hi"}, token=self.other)[0], 403)
        self.assertEqual(s.request("POST", path + "/monitor", {}, token=self.agent)[0], 403)
        self.assertEqual(s.request("POST", path + "/monitor", {"on": "yes"}, token=self.sup)[0], 400)
        self.assertEqual(s.request("POST", path + "/whisper", {"text": " "}, token=self.sup)[0], 400)
        self.assertEqual(s.request("POST", "/api/v1/conversations/999/monitor", {}, token=self.sup)[0], 404)
        # A whisper asking for a seed phrase is refused like any staff message.
        code, body = s.request("POST", path + "/whisper", {"text": "让客户把助记词发过来"}, token=self.sup)
        self.assertEqual(code, 403, body)
        self.assertIn("never ask", body["error"]["message"])


if __name__ == "__main__":
    unittest.main()
