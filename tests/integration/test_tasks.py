"""Follow-up tasks on the test clock: an agent asks to check a transfer's outcome later and is told
when it falls due (once, also across a restart); tasks are private to their owner except for
supervisors; bad requests are refused clearly."""
import unittest

from kefu import Server

L1 = "l1@tasks.kefu"
L2 = "l2@tasks.kefu"
SUP = "sup@tasks.kefu"
T0 = "2026-11-26T02:00:00Z"
MIN = 60_000


class TasksTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0])
        self.server.add_staff(L1)
        self.server.add_staff(L2, desk="L2")
        self.server.add_staff(SUP, role="supervisor")
        self.server.start()
        self.l1 = self.server.login(L1)
        self.l2 = self.server.login(L2)
        self.sup = self.server.login(SUP)

    def tearDown(self):
        self.server.close()

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def tasks(self, token, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        code, body = self.server.request("GET", "/api/v1/tasks" + (f"?{q}" if q else ""), token=token)
        self.assertEqual(code, 200, body)
        return body["tasks"]

    def test_a_transfer_with_a_follow_up_reminds_the_agent_when_it_falls_due(self):
        s = self.server
        c = s.widget_session()
        cid = c["conversation_id"]
        self.assertEqual(s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.l1)[0], 200)
        console = s.ws(self.l1)
        code, _ = s.request("POST", f"/api/v1/conversations/{cid}/transfer",
                            {"desk": "L2", "reason": "需要查询提现记录", "follow_up_minutes": 24 * 60}, token=self.l1)
        self.assertEqual(code, 200)
        [task] = self.tasks(self.l1)
        self.assertEqual((task["conversation_id"], task["note"], task["overdue"]), (cid, "需要查询提现记录", False))
        self.assertEqual(task["due_at"], "2026-11-27T02:00:00.000Z")
        self.assertEqual(self.tasks(self.l2), [])  # not the receiving agent's
        self.advance(24 * 60 * MIN - 1)
        self.l1 = s.login(L1)  # staff sessions last 12 hours
        self.assertFalse(self.tasks(self.l1)[0]["overdue"])
        self.advance(1)
        due = console.recv_until(lambda m: m["type"] == "task.due")
        self.assertEqual(due["task"]["id"], task["id"])
        self.l1 = s.login(L1)
        self.assertTrue(self.tasks(self.l1)[0]["overdue"])
        code, done = s.request("POST", f"/api/v1/tasks/{task['id']}/done", {}, token=self.l1)
        self.assertEqual((code, done["state"]), (200, "done"))
        self.assertEqual(s.request("POST", f"/api/v1/tasks/{task['id']}/done", {}, token=self.l1)[0], 409)
        self.assertEqual([t["id"] for t in self.tasks(self.l1, state="done")], [task["id"]])
        code, events = s.request("GET", f"/api/v1/conversations/{cid}/events", token=s.login(SUP))
        types = [e["type"] for e in events["events"]]
        self.assertEqual([t for t in types if t.startswith("task.")], ["task.created", "task.due", "task.done"])

    def test_a_task_due_while_the_server_was_down_is_told_once(self):
        s = self.server
        code, task = s.request("POST", "/api/v1/tasks", {"note": "回访客户：退款是否到账", "due_in_minutes": 30},
                               token=self.l1)
        self.assertEqual(code, 201, task)
        s.stop(sig=9)
        s.args = ["--test-clock", "2026-11-26T03:00:00Z"]
        s.start()
        self.l1 = s.login(L1)
        self.advance(0)
        self.assertTrue(self.tasks(self.l1)[0]["overdue"])
        s.stop()
        s.args = ["--test-clock", "2026-11-26T04:00:00Z"]
        s.start()
        self.sup = s.login(SUP)
        self.advance(0)
        code, audit_events = s.request("GET", "/api/v1/tasks?owner_id=%d" % task["owner_id"], token=self.sup)
        self.assertEqual(code, 200)
        self.assertEqual(len(audit_events["tasks"]), 1)

    def test_tasks_are_private_and_bad_requests_are_refused(self):
        s = self.server
        code, mine = s.request("POST", "/api/v1/tasks", {"note": "check", "due_in_minutes": 5}, token=self.l1)
        self.assertEqual(code, 201)
        owner = mine["owner_id"]
        self.assertEqual(s.request("POST", f"/api/v1/tasks/{mine['id']}/done", {}, token=self.l2)[0], 403)
        self.assertEqual(s.request("GET", f"/api/v1/tasks?owner_id={owner}", token=self.l2)[0], 403)
        self.assertEqual(len(self.tasks(self.sup, owner_id=owner)), 1)
        code, given = s.request("POST", "/api/v1/tasks", {"note": "回访", "due_in_minutes": 60, "owner_id": owner},
                                token=self.sup)
        self.assertEqual((code, given["owner_id"]), (201, owner))
        self.assertEqual(s.request("POST", "/api/v1/tasks", {"note": "x", "due_in_minutes": 5, "owner_id": owner},
                                   token=self.l2)[0], 403)
        for bad in [{"due_in_minutes": 5}, {"note": "x"}, {"note": "x", "due_in_minutes": 0},
                    {"note": "x", "due_in_minutes": 5, "due_at": "2026-11-27T00:00:00Z"},
                    {"note": "x", "due_at": "2020-01-01T00:00:00Z"}, {"note": "x" * 1001, "due_in_minutes": 5}]:
            code, body = s.request("POST", "/api/v1/tasks", bad, token=self.l1)
            self.assertEqual(code, 400, (bad, body))
        self.assertEqual(s.request("POST", "/api/v1/tasks", {"note": "x", "due_in_minutes": 5, "ticket_id": 999},
                                   token=self.l1)[0], 404)
        self.assertEqual(s.request("POST", "/api/v1/tasks/999/done", {}, token=self.l1)[0], 404)
        self.assertEqual(s.request("GET", "/api/v1/tasks?state=late", token=self.l1)[0], 400)
        customer = s.widget_session()
        self.assertEqual(s.request("GET", "/api/v1/tasks", token=customer["token"])[0], 403)


if __name__ == "__main__":
    unittest.main()
