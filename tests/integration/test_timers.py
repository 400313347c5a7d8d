"""Durable timers end to end, on the server's test clock (serve --test-clock): time moves only
when the test says so (POST /api/v1/test/clock), never by sleeping. The survey reminder goes out
once if the customer has not rated, never if they have; a conversation whose customer goes quiet
gets a notice and then closes; timers pending across a restart fire exactly once."""
import threading
import time
import unittest

from kefu import Server

AGENT = "agent@timers.kefu"
T0 = "2026-11-26T02:00:00Z"
MIN = 60_000
HOUR = 60 * MIN


class TimersTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0])
        self.server.add_staff(AGENT)
        self.server.start()
        self.agent = self.server.login(AGENT)

    def tearDown(self):
        self.server.close()

    # ---- helpers ----
    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)
        return body

    def served_conversation(self):
        s = self.server
        session = s.widget_session()
        cid = session["conversation_id"]
        code, body = s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.agent)
        self.assertEqual(code, 200, body)
        return session, cid

    def say(self, cid, text, token):
        code, body = self.server.request("POST", f"/api/v1/conversations/{cid}/messages", {"text": text}, token=token)
        self.assertIn(code, (200, 201), body)
        return body

    def messages(self, cid, kind=None):
        code, body = self.server.request("GET", f"/api/v1/conversations/{cid}/messages?limit=200", token=self.agent)
        self.assertEqual(code, 200, body)
        return [m for m in body["messages"] if kind is None or m.get("kind") == kind]

    def state(self, cid):
        code, body = self.server.request("GET", f"/api/v1/conversations/{cid}", token=self.agent)
        self.assertEqual(code, 200, body)
        return body["state"]

    def close(self, cid):
        code, body = self.server.request("POST", f"/api/v1/conversations/{cid}/close", {"summary": "done"},
                                         token=self.agent)
        self.assertEqual(code, 200, body)

    # ---- the stories ----
    def test_the_test_clock_route_checks_its_input(self):
        s = self.server
        for body in ({}, {"advance_ms": -5}, {"now": "yesterday"}, {"now": "2020-01-01T00:00:00Z"},
                     {"advance_ms": 1, "now": T0}):
            code, answer = s.request("POST", "/api/v1/test/clock", body)
            self.assertEqual(code, 400, (body, answer))
            self.assertEqual(answer["error"]["code"], "invalid")
        self.assertEqual(self.advance(1000)["now"], "2026-11-26T02:00:01.000Z")

    def test_without_a_test_clock_the_route_does_not_exist(self):
        plain = Server()
        try:
            plain.start()
            code, _ = plain.request("POST", "/api/v1/test/clock", {"advance_ms": 1000})
            self.assertEqual(code, 404)
        finally:
            plain.close()

    def test_an_unanswered_survey_is_reminded_once(self):
        session, cid = self.served_conversation()
        ws = self.server.ws(session["token"])
        self.close(cid)
        ws.recv_until(lambda m: m["type"] == "csat.request")
        self.advance(59 * MIN)
        self.assertEqual(self.messages(cid, "csat.reminder"), [])
        self.advance(2 * MIN)
        reminders = self.messages(cid, "csat.reminder")
        self.assertEqual(len(reminders), 1)
        self.assertIn("评价", reminders[0]["text"])
        frame = ws.recv_until(lambda m: m["type"] == "csat.request")
        self.assertEqual(frame, {"type": "csat.request", "conversation_id": cid, "reminder": True})
        self.advance(48 * HOUR)
        self.agent = self.server.login(AGENT)  # staff sessions expire after 12 hours
        self.assertEqual(len(self.messages(cid, "csat.reminder")), 1)
        # The reminder does not stop the customer from rating.
        ws.send({"type": "csat.submit", "conversation_id": cid, "score": 5, "comment": "谢谢"})
        ws.recv_until(lambda m: m["type"] == "csat.recorded")

    def test_an_answered_survey_is_not_reminded(self):
        session, cid = self.served_conversation()
        ws = self.server.ws(session["token"])
        self.close(cid)
        ws.recv_until(lambda m: m["type"] == "csat.request")
        ws.send({"type": "csat.submit", "conversation_id": cid, "score": 4})
        ws.recv_until(lambda m: m["type"] == "csat.recorded")
        self.advance(3 * HOUR)
        self.assertEqual(self.messages(cid, "csat.reminder"), [])

    def test_a_quiet_customer_gets_a_notice_then_the_conversation_closes(self):
        session, cid = self.served_conversation()
        ws = self.server.ws(session["token"])
        self.say(cid, "您的提现已经处理，请问还有其他问题吗？", self.agent)
        self.advance(9 * MIN)
        self.assertEqual(self.messages(cid, "conversation.idle_notice"), [])
        self.advance(2 * MIN)
        self.assertEqual(len(self.messages(cid, "conversation.idle_notice")), 1)
        ws.recv_until(lambda m: m["type"] == "message.created" and m["message"].get("kind") == "conversation.idle_notice")
        # The customer answers: no close, and the watch starts over from the agent's next word.
        self.say(cid, "还在，我再看看", session["token"])
        self.advance(6 * MIN)
        self.assertEqual(self.state(cid), "active")
        self.say(cid, "好的，还有需要随时联系我们。", self.agent)
        self.advance(11 * MIN)
        self.assertEqual(len(self.messages(cid, "conversation.idle_notice")), 2)
        self.assertEqual(self.state(cid), "active")
        self.advance(6 * MIN)
        self.assertEqual(self.state(cid), "closed")
        self.assertEqual(len(self.messages(cid, "conversation.idle_closed")), 1)
        ws.recv_until(lambda m: m["type"] == "csat.request" and m["conversation_id"] == cid)
        code, events = self.server.request("GET", f"/api/v1/conversations/{cid}/events", token=self.agent)
        closed = [e for e in events["events"] if e["type"] == "closed"]
        self.assertEqual(len(closed), 1)
        self.assertEqual(closed[0].get("reason"), "idle")
        # The auto-close also asks for the survey once more later, like any close.
        self.advance(2 * HOUR)
        self.assertEqual(len(self.messages(cid, "csat.reminder")), 1)

    def test_a_customer_waiting_for_the_agent_is_not_closed_on(self):
        session, cid = self.served_conversation()
        self.say(cid, "我的提现还没到账", session["token"])
        self.advance(3 * HOUR)
        self.assertEqual(self.state(cid), "active")
        self.assertEqual(self.messages(cid, "conversation.idle_notice"), [])

    def test_a_transferred_customer_is_not_asked_whether_they_are_still_there(self):
        # Regression: the first agent's last word before a transfer counted as the new agent's,
        # so a customer waiting for the new agent got "are you still there?" and was closed on.
        self.server.add_staff("second@timers.kefu")
        second = self.server.login("second@timers.kefu")
        code, me = self.server.request("GET", "/api/v1/staff/me", token=second)
        code, body = self.server.request("POST", "/api/v1/staff/me/status", {"status": "online"}, token=second)
        self.assertEqual(code, 200, body)
        session, cid = self.served_conversation()
        self.say(cid, "您好，我帮您转给同事", self.agent)
        code, body = self.server.request("POST", f"/api/v1/conversations/{cid}/transfer",
                                         {"agent_id": me["id"], "reason": "换班"}, token=self.agent)
        self.assertEqual(code, 200, body)
        self.advance(3 * HOUR)
        self.assertEqual(self.state(cid), "active")
        self.assertEqual(self.messages(cid, "conversation.idle_notice"), [])
        # Once the new agent has spoken, the customer's silence counts again.
        self.say(cid, "您好，我是新的客服", second)
        self.advance(11 * MIN)
        self.assertEqual(len(self.messages(cid, "conversation.idle_notice")), 1)

    def test_concurrent_clock_moves_fire_each_timer_once(self):
        closed = []
        for _ in range(6):
            _, cid = self.served_conversation()
            self.close(cid)
            closed.append(cid)
        results = []

        def move(ms):
            results.append(self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})[0])

        threads = [threading.Thread(target=move, args=(ms,)) for ms in (20 * MIN, 20 * MIN, 20 * MIN, 20 * MIN)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(results, [200] * 4)
        for cid in closed:
            self.assertEqual(len(self.messages(cid, "csat.reminder")), 1, cid)

    def events_of(self, cid):
        code, body = self.server.request("GET", f"/api/v1/conversations/{cid}/events", token=self.agent)
        self.assertEqual(code, 200, body)
        return [e["type"] for e in body["events"]]

    def queued_customer(self):
        s = self.server
        session = s.widget_session()
        cid = session["conversation_id"]
        code, body = s.request("POST", f"/api/v1/conversations/{cid}/handoff", {}, token=session["token"])
        self.assertEqual(code, 200, body)
        self.assertEqual(body["state"], "queued")
        return session, cid

    def test_a_customer_who_leaves_the_queue_is_recorded_as_abandoned(self):
        session, cid = self.queued_customer()
        ws = self.server.ws(session["token"])
        ws.recv_until(lambda m: m["type"] == "queue.position")
        ws.close()
        # The server learns of the close asynchronously: move time until the watch it started fires.
        deadline = time.time() + 10
        while "abandoned" not in self.events_of(cid) and time.time() < deadline:
            self.advance(3 * MIN)
            time.sleep(0.05)
        types = self.events_of(cid)
        self.assertEqual(types.count("abandoned"), 1)
        code, conv = self.server.request("GET", f"/api/v1/conversations/{cid}", token=self.agent)
        self.assertEqual(conv["state"], "queued")  # still in line, should they come back

    def test_a_customer_who_comes_back_in_time_is_not_abandoned(self):
        session, cid = self.queued_customer()
        ws = self.server.ws(session["token"])
        ws.recv_until(lambda m: m["type"] == "queue.position")
        ws.close()
        time.sleep(0.3)  # let the server see the close (no clock moves: nothing can fire meanwhile)
        back = self.server.ws(session["token"])
        back.recv_until(lambda m: m["type"] == "queue.position")
        self.advance(10 * MIN)
        self.assertNotIn("abandoned", self.events_of(cid))

    def test_timers_pending_across_a_restart_fire_exactly_once(self):
        s = self.server
        _, first = self.served_conversation()
        _, second = self.served_conversation()
        self.close(first)
        self.close(second)
        # Down for two hours: both reminders fell due while nobody was running.
        s.stop()
        s.args = ["--test-clock", "2026-11-26T04:00:00Z"]
        s.start()
        self.agent = s.login(AGENT)
        self.advance(0)
        self.assertEqual(len(self.messages(first, "csat.reminder")), 1)
        self.assertEqual(len(self.messages(second, "csat.reminder")), 1)
        # Killed hard and started again later: still once each.
        s.stop(sig=9)
        s.args = ["--test-clock", "2026-11-27T04:00:00Z"]
        s.start()
        self.agent = s.login(AGENT)
        self.advance(HOUR)
        self.assertEqual(len(self.messages(first, "csat.reminder")), 1)
        self.assertEqual(len(self.messages(second, "csat.reminder")), 1)


class ConfiguredTimersTest(unittest.TestCase):
    def test_the_workflow_timers_follow_the_configuration(self):
        s = Server(env={"KEFU_WORKFLOW_CSAT_REMINDER_MINUTES": "5", "KEFU_WORKFLOW_IDLE_NOTICE_MINUTES": "0"},
                   args=["--test-clock", T0])
        try:
            s.add_staff(AGENT)
            s.start()
            agent = s.login(AGENT)
            session = s.widget_session()
            cid = session["conversation_id"]
            self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=agent)[0], 200)
            s.request("POST", f"/api/v1/conversations/{cid}/messages", {"text": "还有其他问题吗？"}, token=agent)
            s.request("POST", "/api/v1/test/clock", {"advance_ms": 3 * HOUR})
            code, conv = s.request("GET", f"/api/v1/conversations/{cid}", token=agent)
            self.assertEqual(conv["state"], "active")  # idle notices switched off: never closed by itself
            self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/close", {}, token=agent)[0], 200)
            s.request("POST", "/api/v1/test/clock", {"advance_ms": 5 * MIN})
            code, body = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=agent)
            kinds = [m["kind"] for m in body["messages"]]
            self.assertEqual(kinds.count("csat.reminder"), 1)
            self.assertNotIn("conversation.idle_notice", kinds)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
