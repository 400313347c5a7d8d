"""Staff management over REST: an admin changes desks, capacity, languages and skills, roles and
account state; a change of access signs the member out everywhere and is audited; routing
follows at once; others may not."""
import unittest

from kefu import Server

ADMIN = "admin@staff.kefu"
SUP = "sup@staff.kefu"
AGENT = "agent@staff.kefu"
AUDITOR = "audit@staff.kefu"


class StaffAdminTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        s = self.server
        s.add_staff(ADMIN, role="admin")
        s.add_staff(SUP, role="supervisor")
        s.add_staff(AGENT)
        s.add_staff(AUDITOR, role="auditor")
        s.start()
        self.admin = s.login(ADMIN)

    def tearDown(self):
        self.server.close()

    def agent_id(self):
        code, body = self.server.request("GET", "/api/v1/staff", token=self.admin)
        self.assertEqual(code, 200, body)
        return next(m["id"] for m in body["staff"] if m["email"] == AGENT)

    def test_moving_an_agent_to_another_desk_signs_them_out_and_routes_there(self):
        s = self.server
        old = s.login(AGENT)
        aid = self.agent_id()
        code, changed = s.request("PATCH", f"/api/v1/staff/{aid}",
                                  {"desk": "L2", "languages": ["en", "zh"], "skills": ["withdrawal"], "max_chats": 3},
                                  token=self.admin)
        self.assertEqual(code, 200, changed)
        self.assertEqual((changed["desk"], changed["max_chats"]), ("L2", 3))
        self.assertEqual(s.request("GET", "/api/v1/staff/me", token=old)[0], 401)  # signed out everywhere
        agent = s.login(AGENT)
        self.assertEqual(s.request("POST", "/api/v1/staff/me/status", {"status": "online"}, token=agent)[0], 200)
        # An L2 handoff reaches them now.
        c = s.widget_session()
        code, conv = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {"desk": "L2"},
                               token=c["token"])
        self.assertEqual(code, 200, conv)
        self.assertEqual((conv["state"], conv["assigned_agent"]["id"]), ("active", aid))
        # Audited as a change of access, by the admin.
        code, audit = s.request("GET", "/api/v1/audit?action=staff.role_change", token=s.login(AUDITOR))
        self.assertEqual(code, 200, audit)
        [entry] = audit["entries"]
        self.assertEqual(entry["target"], f"staff:{aid}")
        self.assertIn("desk", entry["details"]["changed"])

    def test_disabling_an_account_refuses_its_sign_in(self):
        s = self.server
        aid = self.agent_id()
        self.assertEqual(s.request("PATCH", f"/api/v1/staff/{aid}", {"disabled": True}, token=self.admin)[0], 200)
        code, _ = s.request("POST", "/api/v1/auth/login", {"email": AGENT, "password": "correct-horse-1"})
        self.assertEqual(code, 401)
        self.assertEqual(s.request("PATCH", f"/api/v1/staff/{aid}", {"disabled": False}, token=self.admin)[0], 200)
        s.login(AGENT)

    def test_only_admins_change_staff_and_bad_input_is_refused(self):
        s = self.server
        aid = self.agent_id()
        sup = s.login(SUP)
        self.assertEqual(s.request("GET", "/api/v1/staff", token=sup)[0], 200)
        self.assertEqual(s.request("PATCH", f"/api/v1/staff/{aid}", {"max_chats": 2}, token=sup)[0], 403)
        self.assertEqual(s.request("GET", "/api/v1/staff", token=s.login(AGENT))[0], 403)
        for bad in [{"role": "god"}, {"desk": "L9"}, {"max_chats": -1}, {"languages": ["fr"]}, {"skills": ["a b"]},
                    {"disabled": "yes"}, {"nickname": "x"}]:
            code, body = s.request("PATCH", f"/api/v1/staff/{aid}", bad, token=self.admin)
            self.assertEqual(code, 400, (bad, body))
        self.assertEqual(s.request("PATCH", "/api/v1/staff/999", {"max_chats": 2}, token=self.admin)[0], 404)
        code, me = s.request("GET", "/api/v1/staff/me", token=self.admin)
        self.assertEqual(s.request("PATCH", f"/api/v1/staff/{me['id']}", {"role": "agent"}, token=self.admin)[0], 403)


if __name__ == "__main__":
    unittest.main()
