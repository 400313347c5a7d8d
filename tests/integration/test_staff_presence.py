"""Presence with its history (issue 5 item 1): every change of an agent's status is kept, and a
supervisor reads it newest first with the time spent in each status — on the server's test clock,
so the durations are exact — pages back through it, and only supervisors and admins may."""
import unittest

from kefu import Server

SUP = "sup@presence.kefu"
AGENT = "agent@presence.kefu"
T0 = "2026-11-26T01:00:00Z"
MIN = 60_000


class StaffPresenceTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(args=["--test-clock", T0])
        self.server.add_staff(SUP, role="supervisor")
        self.server.add_staff(AGENT)
        self.server.start()
        self.sup = self.server.login(SUP)
        self.agent = self.server.login(AGENT)

    def tearDown(self):
        self.server.close()

    def advance(self, minutes):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": minutes * MIN})
        self.assertEqual(code, 200, body)

    def set_status(self, status):
        code, body = self.server.request("POST", "/api/v1/staff/me/status", {"status": status}, token=self.agent)
        self.assertEqual(code, 200, body)
        return body

    def test_a_supervisor_reads_when_an_agent_was_online_busy_and_away(self):
        me = self.set_status("online")
        self.advance(60)
        self.set_status("busy")
        self.advance(30)
        self.set_status("away")
        self.advance(15)
        self.set_status("online")
        self.advance(45)
        path = f"/api/v1/staff/{me['id']}/status-history"
        code, h = self.server.request("GET", path, token=self.sup)
        self.assertEqual(code, 200, h)
        self.assertEqual(h["status"], "online")
        self.assertEqual([(c["from"], c["status"]) for c in h["changes"]],
                         [("away", "online"), ("busy", "away"), ("online", "busy"), ("offline", "online")])
        self.assertEqual(h["changes"][-1]["at"], "2026-11-26T01:00:00.000Z")
        self.assertEqual(h["seconds_in_status"], {"online": (60 + 45) * 60, "busy": 30 * 60, "away": 15 * 60})
        self.assertIsNone(h["next_cursor"])
        # Paging back, two at a time, reaches the same changes.
        code, first = self.server.request("GET", path + "?limit=2", token=self.sup)
        self.assertEqual([c["status"] for c in first["changes"]], ["online", "away"])
        code, second = self.server.request("GET", f"{path}?limit=2&cursor={first['next_cursor']}", token=self.sup)
        self.assertEqual([c["status"] for c in second["changes"]], ["busy", "online"])
        # Only from a time on.
        code, late = self.server.request("GET", path + "?from=2026-11-26T02:00:00Z", token=self.sup)
        self.assertEqual([c["status"] for c in late["changes"]], ["online", "away", "busy"])

    def test_only_supervisors_and_admins_read_it_and_bad_input_is_refused(self):
        me = self.set_status("online")
        path = f"/api/v1/staff/{me['id']}/status-history"
        self.assertEqual(self.server.request("GET", path, token=self.agent)[0], 403)
        self.assertEqual(self.server.request("GET", path)[0], 401)
        for query in ("?limit=0", "?limit=501", "?cursor=abc", "?cursor=-3", "?from=yesterday"):
            code, body = self.server.request("GET", path + query, token=self.sup)
            self.assertEqual(code, 400, (query, body))
        self.assertEqual(self.server.request("GET", "/api/v1/staff/99999/status-history", token=self.sup)[0], 404)


if __name__ == "__main__":
    unittest.main()
