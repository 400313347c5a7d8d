"""SLAs end to end on the server's test clock: a policy from the REST API starts a new ticket's
clocks; the warning and the breach arrive on the supervisors' consoles when their time comes,
the breach raises the priority and moves the ticket; a reply in time meets the clock; business
hours come from the configured calendar; a checkpoint pending across a restart fires once."""
import os
import unittest

from kefu import Server

SUP = "sup@sla.kefu"
AGENT = "agent@sla.kefu"
T0 = "2026-11-26T02:00:00Z"  # Thursday 10:00 in Shanghai
MIN = 60_000

CALENDAR = """
[calendars.cn]
time_zone = "Asia/Shanghai"
weekdays = ["09:00-18:00"]
holidays = ["2026-12-31"]
"""

POLICY = {"name": "Incidents, high", "ticket_type": "incident", "priority": "high", "first_response_minutes": 30,
          "resolution_minutes": 240, "warn_percent": 80, "escalate_to": "L2"}


class SlaTest(unittest.TestCase):
    def setUp(self, clock=T0):
        self.server = Server(args=["--test-clock", clock])
        self.config = os.path.join(self.server.dir, "kefu.toml")
        with open(self.config, "w") as f:
            f.write(CALENDAR)
        self.server.args += ["--config", self.config]
        self.server.add_staff(SUP, role="supervisor")
        self.server.add_staff(AGENT)
        self.server.start()
        self.sup = self.server.login(SUP)
        self.agent = self.server.login(AGENT)

    def tearDown(self):
        self.server.close()

    def req(self, method, path, body=None, token=None):
        return self.server.request(method, path, body, token=token or self.agent)

    def advance(self, ms):
        code, body = self.server.request("POST", "/api/v1/test/clock", {"advance_ms": ms})
        self.assertEqual(code, 200, body)

    def policy(self, **changes):
        code, body = self.req("POST", "/api/v1/sla-policies", POLICY | changes, token=self.sup)
        self.assertEqual(code, 201, body)
        return body

    def ticket(self, **fields):
        body = {"subject": "提现 5 小时未到账", "type": "incident", "priority": "high", "category": "withdrawal",
                "desk": "L1"} | fields
        code, t = self.req("POST", "/api/v1/tickets", body)
        self.assertEqual(code, 201, t)
        return t

    def sla(self, tid):
        code, body = self.req("GET", f"/api/v1/tickets/{tid}/sla")
        self.assertEqual(code, 200, body)
        return body

    def events(self, tid):
        code, body = self.req("GET", f"/api/v1/tickets/{tid}/events")
        self.assertEqual(code, 200, body)
        return [e["type"] for e in body["events"]]

    def test_policies_are_checked_and_only_supervisors_write_them(self):
        self.assertEqual(self.req("POST", "/api/v1/sla-policies", POLICY)[0], 403)
        for bad, word in [({"calendar": "nope"}, "calendar"), ({"first_response_minutes": 0, "resolution_minutes": 0},
                          "target"), ({"warn_percent": 120}, "warn_percent"), ({"priority": "asap"}, "priority"),
                          ({"name": ""}, "name"), ({"raise_priority": "yes"}, "raise_priority")]:
            code, body = self.req("POST", "/api/v1/sla-policies", POLICY | bad, token=self.sup)
            self.assertEqual(code, 400, (bad, body))
            self.assertIn(word, body["error"]["message"])
        p = self.policy()
        self.assertEqual((p["calendar"], p["first_response_minutes"], p["escalate_to"]), ("24x7", 30, "L2"))
        code, changed = self.req("PUT", f"/api/v1/sla-policies/{p['id']}", POLICY | {"enabled": False}, token=self.sup)
        self.assertEqual((code, changed["enabled"]), (200, False))
        self.assertEqual(self.req("PUT", "/api/v1/sla-policies/999", POLICY, token=self.sup)[0], 404)
        code, listed = self.req("GET", "/api/v1/sla-policies")
        self.assertEqual([x["id"] for x in listed["policies"]], [p["id"]])
        # Disabled: new tickets get no clocks.
        t = self.ticket()
        self.assertEqual(self.req("GET", f"/api/v1/tickets/{t['id']}/sla")[0], 404)

    def test_resolving_meets_the_clocks_at_once(self):
        # Found with the console's ticket view: the clocks read "running" until their next
        # checkpoint, hours after the ticket was resolved.
        self.policy()
        t = self.ticket()
        self.advance(10 * MIN)
        for status in ("open", "resolved"):
            code, body = self.req("POST", f"/api/v1/tickets/{t['id']}/status", {"status": status})
            self.assertEqual(code, 200, body)
        sla = self.sla(t["id"])
        self.assertEqual((sla["first_response"]["state"], sla["resolution"]["state"]), ("met", "met"))
        self.assertEqual(sla["resolution"]["met_at"], "2026-11-26T02:10:00.000Z")
        self.assertEqual(self.events(t["id"]).count("ticket.sla_met"), 2)
        self.advance(600 * MIN)  # and nothing more fires for it
        self.assertEqual(self.events(t["id"]).count("ticket.sla_met"), 2)
        self.assertNotIn("ticket.sla_breached", self.events(t["id"]))

    def test_warning_then_breach_escalates_and_tells_the_consoles(self):
        self.policy()
        console = self.server.ws(self.sup)
        t = self.ticket()
        other = self.ticket(type="inquiry")  # no policy matches it
        self.assertEqual(self.req("GET", f"/api/v1/tickets/{other['id']}/sla")[0], 404)
        sla = self.sla(t["id"])
        self.assertEqual(sla["first_response"]["due"], "2026-11-26T02:30:00.000Z")
        self.assertEqual(sla["first_response"]["state"], "running")
        self.assertEqual(sla["resolution"]["due"], "2026-11-26T06:00:00.000Z")
        self.advance(23 * MIN)
        self.assertNotIn("ticket.sla_warning", self.events(t["id"]))
        self.advance(1 * MIN)
        warning = console.recv_until(lambda m: m["type"] == "sla.warning")
        self.assertEqual((warning["ticket_id"], warning["target"]), (t["id"], "first_response"))
        self.assertEqual(self.sla(t["id"])["first_response"]["state"], "at_risk")
        self.advance(6 * MIN)
        breach = console.recv_until(lambda m: m["type"] == "sla.breached")
        self.assertEqual((breach["ticket_id"], breach["target"]), (t["id"], "first_response"))
        code, now = self.req("GET", f"/api/v1/tickets/{t['id']}")
        self.assertEqual((now["priority"], now["desk"]), ("urgent", "L2"))
        self.assertEqual(self.sla(t["id"])["first_response"]["state"], "breached")
        types = self.events(t["id"])
        self.assertEqual(types.count("ticket.sla_warning"), 1)
        self.assertEqual(types.count("ticket.sla_breached"), 1)
        code, page = self.req("GET", "/api/v1/sla/breaches", token=self.sup)
        self.assertEqual([b["ticket"]["id"] for b in page["breaches"]], [t["id"]])
        # The L1 agent's list keeps to their desk scope: the ticket moved to L2 on its breach.
        code, mine = self.req("GET", "/api/v1/sla/breaches")
        self.assertEqual((code, mine["breaches"]), (200, []))
        self.assertEqual(page["breaches"][0]["ticket"]["priority"], "urgent")
        # Nothing fires twice, however far time moves.
        self.advance(10 * 60 * MIN)
        self.agent = self.server.login(AGENT)
        types = self.events(t["id"])
        self.assertEqual(types.count("ticket.sla_breached"), 2)  # first response, then resolution
        # The resolution's warning time went by inside one jump: judged late, it breached at once.
        self.assertEqual(types.count("ticket.sla_warning"), 1)

    def test_a_reply_in_time_meets_the_clock(self):
        self.policy()
        t = self.ticket()
        self.advance(10 * MIN)
        self.assertEqual(self.req("POST", f"/api/v1/tickets/{t['id']}/status", {"status": "open"})[0], 200)
        self.assertEqual(self.req("POST", f"/api/v1/tickets/{t['id']}/status", {"status": "pending"})[0], 200)
        self.advance(30 * MIN)
        sla = self.sla(t["id"])
        self.assertEqual(sla["first_response"]["state"], "met")
        self.assertEqual(sla["first_response"]["met_at"], "2026-11-26T02:10:00.000Z")
        self.assertEqual(sla["resolution"]["state"], "paused")  # pending: waiting on the customer
        types = self.events(t["id"])
        self.assertIn("ticket.sla_met", types)
        self.assertNotIn("ticket.sla_breached", types)
        code, now = self.req("GET", f"/api/v1/tickets/{t['id']}")
        self.assertEqual(now["priority"], "high")

    def test_business_hours_come_from_the_calendar(self):
        self.policy(calendar="cn", first_response_minutes=30, resolution_minutes=9 * 60)
        code, _ = self.server.request("POST", "/api/v1/test/clock", {"now": "2026-11-27T09:50:00Z"})  # Fri 17:50
        self.assertEqual(code, 200)
        self.agent = self.server.login(AGENT)
        t = self.ticket()
        sla = self.sla(t["id"])
        self.assertEqual(sla["calendar"], "cn")
        # Ten minutes on Friday, twenty on Monday morning.
        self.assertEqual(sla["first_response"]["due"], "2026-11-30T01:20:00.000Z")
        self.assertEqual(sla["resolution"]["due"], "2026-11-30T09:50:00.000Z")
        self.advance(2 * 24 * 60 * MIN)  # the weekend passes: nothing is late yet
        self.agent = self.server.login(AGENT)
        self.assertNotIn("ticket.sla_breached", self.events(t["id"]))

    def test_a_checkpoint_pending_across_a_restart_fires_once(self):
        self.policy()
        t = self.ticket()
        s = self.server
        s.stop(sig=9)
        s.args = ["--test-clock", "2026-11-26T03:00:00Z", "--config", self.config]
        s.start()
        self.agent = s.login(AGENT)
        self.advance(0)
        types = self.events(t["id"])
        self.assertEqual(types.count("ticket.sla_breached"), 1)
        self.assertNotIn("ticket.sla_warning", types)  # judged late: straight to the breach
        s.stop()
        s.args = ["--test-clock", "2026-11-26T03:30:00Z", "--config", self.config]
        s.start()
        self.agent = s.login(AGENT)
        self.advance(0)
        self.assertEqual(self.events(t["id"]).count("ticket.sla_breached"), 1)


class DemoPoliciesTest(unittest.TestCase):
    def test_the_demo_seeds_sla_policies_once_and_new_tickets_get_clocks(self):
        s = Server()
        try:
            r = s.cli("demo", "seed", "--db", s.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Demo SLA policies", r.stdout)
            r = s.cli("demo", "seed", "--db", s.db)  # again: nothing added
            self.assertNotIn("Demo SLA policies", r.stdout)
            s.add_staff("sla-demo@sla.kefu", desk="security")  # security tickets stay with that desk (ADR 0016)
            s.start()
            agent = s.login("sla-demo@sla.kefu")
            code, listed = s.request("GET", "/api/v1/sla-policies", token=agent)
            self.assertEqual(len(listed["policies"]), 4)
            security = next(p for p in listed["policies"] if p.get("desk") == "security")
            self.assertEqual((security["first_response_minutes"], security["next_response_minutes"]), (10, 10))
            code, t = s.request("POST", "/api/v1/tickets", {"subject": "资产被盗", "type": "incident",
                                                            "category": "asset_loss", "desk": "security"}, token=agent)
            self.assertEqual(code, 201, t)
            code, sla = s.request("GET", f"/api/v1/tickets/{t['id']}/sla", token=agent)
            self.assertEqual(code, 200, sla)
            self.assertTrue(sla["policy"]["name"].startswith("资金安全"))  # the desk's policy ties the type's; lower id
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
