"""Least privilege (docs/adr/0019): every route of docs/openapi.yaml, called as every kind of
caller, against a real server with staff of every role and two desks and two customers.

A caller outside a route's x-kefu-access rule gets 401 (no token, bad token) or 403 (wrong kind
or role) — never a 2xx, never a 500. A caller inside it is not refused by access (any status but
401 and 403). A customer on another customer's conversation or ticket and an agent of another
desk on an L1 case are refused too (403 or 404). The WebSocket: the same handshake rule, sync and
message.send only in one's own conversations, and lobby frames only within desk scope."""
import os
import re
import unittest
import uuid

from kefu import ROOT, HandshakeError, Server
from test_attachments import png

SPEC = os.path.join(ROOT, "docs", "openapi.yaml")
PASSWORD = "correct-horse-1"

STAFF = {  # caller kind → (email, role, desk)
    "agent_l1": ("l1@staff.kefu", "agent", "L1"),
    "agent_l2": ("l2@staff.kefu", "agent", "L2"),
    "supervisor": ("sup@staff.kefu", "supervisor", "L1"),
    "admin": ("admin@staff.kefu", "admin", "L1"),
    "auditor": ("auditor@staff.kefu", "auditor", "L1"),
    "kb_editor": ("kb@staff.kefu", "kb_editor", "L1"),
}
CALLERS = ["anonymous", "bad_token", "customer_a", "customer_b", *STAFF]

# Routes that end sessions run last, each with a fresh token (they would sign later cases out).
DESTRUCTIVE = {"POST /api/v1/auth/logout", "POST /api/v1/auth/logout-all", "POST /api/v1/staff/{id}/sessions/revoke",
               "PATCH /api/v1/staff/{id}"}

NFT = {"lang": "zh", "category": "nft", "question": "NFT 藏品怎么转出到别的钱包？",
       "variants": ["nft怎么转出", "藏品转出"], "answer": "在「资产 → NFT」里选中藏品，点「转出」即可。"}
POLICY = {"name": "Incidents", "ticket_type": "incident", "priority": "high", "first_response_minutes": 30,
          "resolution_minutes": 240, "warn_percent": 80}

# A plausible body per operation (absent: none).
BODIES = {
    "POST /api/v1/auth/login": {"email": "login@staff.kefu", "password": PASSWORD},
    "POST /api/v1/auth/password": {"current_password": "not-the-password"},  # no new one: 400
    "POST /api/v1/auth/totp/enroll": {"password": PASSWORD},
    "POST /api/v1/auth/totp/confirm": {},  # no code: 400
    "PATCH /api/v1/staff/{id}": {"max_chats": 4},
    "POST /api/v1/staff/me/status": {"status": "offline"},
    "POST /api/v1/widget/sessions": {"name": "访客"},
    "POST /api/v1/conversations/{id}/messages": {"text": "您好"},
    "POST /api/v1/conversations/{id}/handoff": {"desk": "L1"},
    "POST /api/v1/conversations/{id}/transfer": {"desk": "L2", "reason": "需要二线核实"},
    "POST /api/v1/conversations/{id}/close": {},
    "POST /api/v1/bot/answer": {"text": "nft怎么转出"},
    "POST /api/v1/conversations/{id}/ticket": {"subject": "提现未到账"},
    "POST /api/v1/tickets": {"subject": "提现未到账", "desk": "L1"},
    "PATCH /api/v1/tickets/{id}": {"tags": ["withdrawal"]},
    "POST /api/v1/tickets/{id}/status": {"status": "open"},
    "POST /api/v1/tickets/{id}/notes": {"text": "已联系财务"},
    "POST /api/v1/tickets/{id}/merge": {"into": 9007199254740990},
    "POST /api/v1/canned-replies": {"title": "问候", "body": "您好 {{customer_name}}"},
    "POST /api/v1/canned-replies/{id}/render": {},
    "POST /api/v1/kb/articles": NFT,
    "PUT /api/v1/kb/articles/{id}": NFT,
    "POST /api/v1/kb/articles/{id}/publish": {},
    "POST /api/v1/kb/articles/{id}/unpublish": {},
    "POST /api/v1/conversations/{id}/feedback": {"message_id": 1, "helpful": True},
    "POST /api/v1/conversations/{id}/leave-message": {"text": "请回电"},
    "POST /api/v1/conversations/{id}/whisper": {"text": "先核实订单号"},
    "POST /api/v1/conversations/{id}/monitor": {"on": True},
    "POST /api/v1/test/clock": {"advance_ms": 1},
    "POST /api/v1/sla-policies": POLICY,
    "PUT /api/v1/sla-policies/{id}": POLICY,
    "POST /api/v1/tasks": {"note": "回访", "due_in_minutes": 30},
    "POST /api/v1/tasks/{id}/done": {},
    "POST /api/v1/customers/{id}/data-requests": {"kind": "export", "note": "邮件申请"},
    "POST /api/v1/customers/{id}/legal-hold": {"reason": "协查函"},
}
QUERIES = {"GET /api/v1/kb/search": "?q=nft"}
# Operations whose body is a file.
FILES = {"POST /api/v1/conversations/{id}/attachments", "POST /api/v1/tickets/{id}/attachments"}


def spec_operations():
    """(method, path, access, scope) of every operation in docs/openapi.yaml; access is "public"
    or a list of callers; None when the operation has no rule."""
    ops, path, op = [], None, None
    in_paths = False
    with open(SPEC, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line.startswith("paths:"):
                in_paths = True
                continue
            if not in_paths:
                continue
            if line and line[0] not in " #":
                break
            m = re.fullmatch(r"  (/\S*):", line)
            if m:
                path = m.group(1).strip('"')
                continue
            m = re.fullmatch(r"    (get|post|put|patch|delete):", line)
            if m:
                op = [m.group(1).upper(), path, None, None]
                ops.append(op)
                continue
            if re.fullmatch(r"    \S.*", line):
                op = None
            if op is None:
                continue
            m = re.fullmatch(r"      x-kefu-access: (.+)", line)
            if m:
                v = m.group(1).strip()
                op[2] = "public" if v == "public" else [x.strip() for x in v.strip("[]").split(",") if x.strip()]
            m = re.fullmatch(r"      x-kefu-scope: (\S+)", line)
            if m:
                op[3] = m.group(1)
    return [tuple(o) for o in ops]


class AccessMatrixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Thousands of requests from one address in seconds: the rate limits are not what is tested.
        cls.server = s = Server(env={"KEFU_LIMITS_IP_BURST": "1000000", "KEFU_LIMITS_IP_PER_SECOND": "1000000",
                                    "KEFU_LIMITS_TOKEN_BURST": "1000000", "KEFU_LIMITS_TOKEN_PER_SECOND": "1000000"})
        for email, role, desk in STAFF.values():
            s.add_staff(email, role=role, desk=desk)
        s.add_staff("login@staff.kefu")
        s.add_staff("victim@staff.kefu")
        s.add_staff("sec@staff.kefu", desk="security")
        s.start()
        cls.tokens = {}
        cls.customer_b = s.widget_session("乙")
        admin = cls.token("admin")
        code, staff = s.request("GET", "/api/v1/staff", token=admin)
        assert code == 200, staff
        cls.staff_ids = {m["email"]: m["id"] for m in staff["staff"]}
        cls.victim = cls.staff_ids["victim@staff.kefu"]
        code, art = s.request("POST", "/api/v1/kb/articles", NFT, token=cls.token("kb_editor"))
        assert code == 201, art
        cls.article = art["id"]
        code, pol = s.request("POST", "/api/v1/sla-policies", POLICY, token=cls.token("supervisor"))
        assert code == 201, pol
        cls.policy = pol["id"]
        code, reply = s.request("POST", "/api/v1/canned-replies", {"title": "受理", "body": "已受理"},
                                token=cls.token("supervisor"))
        assert code == 201, reply
        cls.canned = reply["id"]

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    @classmethod
    def token(cls, kind):
        if kind not in cls.tokens:
            cls.tokens[kind] = cls.server.login(STAFF[kind][0])
        return cls.tokens[kind]

    # ---- objects: fresh for each case, so that one case's change does not decide the next ----

    def l1_conversation(self):
        """A new customer A and their conversation, queued at L1 and taken by agent L1."""
        s = self.server
        a = s.widget_session("甲")
        cid = a["conversation_id"]
        code, conv = s.request("POST", f"/api/v1/conversations/{cid}/handoff", {"desk": "L1"}, token=a["token"])
        self.assertEqual(code, 200, conv)
        if conv["state"] != "active":
            code, conv = s.request("POST", f"/api/v1/conversations/{cid}/accept", {}, token=self.token("agent_l1"))
            self.assertEqual(code, 200, conv)
        self.assertEqual(conv["assigned_agent"]["id"], self.staff_ids[STAFF["agent_l1"][0]])
        return a, cid

    def l1_ticket(self):
        a, cid = self.l1_conversation()
        code, t = self.server.request("POST", f"/api/v1/conversations/{cid}/ticket", {"subject": "提现未到账", "desk": "L1"},
                                      token=self.token("supervisor"))
        self.assertEqual(code, 201, t)
        return a, t["id"]

    def path_and_customer(self, path):
        """The path with its {id} filled for this case, and customer A's token (or None)."""
        fresh_customer = self.server.widget_session("甲")["token"]
        if "{id}" not in path:
            return path, fresh_customer
        if path.startswith("/api/v1/conversations/"):
            a, cid = self.l1_conversation()
            return path.replace("{id}", str(cid)), a["token"]
        if path.startswith("/api/v1/tickets/"):
            a, tid = self.l1_ticket()
            return path.replace("{id}", str(tid)), a["token"]
        if path.startswith("/api/v1/staff/"):
            return path.replace("{id}", str(self.victim)), fresh_customer
        if path.startswith("/api/v1/kb/articles/"):
            return path.replace("{id}", str(self.article)), fresh_customer
        if path.startswith("/api/v1/sla-policies/"):
            return path.replace("{id}", str(self.policy)), fresh_customer
        if path.startswith("/api/v1/canned-replies/"):
            return path.replace("{id}", str(self.canned)), fresh_customer
        if path.startswith("/api/v1/attachments/"):
            a, cid = self.l1_conversation()
            code, msg = self.server.request("POST", f"/api/v1/conversations/{cid}/attachments", raw=png(),
                                            token=a["token"], headers={"Content-Type": "application/octet-stream"})
            self.assertEqual(code, 201, msg)
            return path.replace("{id}", str(msg["attachment"]["id"])), a["token"]
        if path.startswith("/api/v1/customers/"):
            c = self.server.widget_session("甲")
            return path.replace("{id}", str(c["customer_id"])), c["token"]
        if path.startswith("/api/v1/data-requests/"):
            c = self.server.widget_session("甲")
            kind = "erasure" if path.endswith("/erase") else "export"
            code, req = self.server.request("POST", f"/api/v1/customers/{c['customer_id']}/data-requests",
                                            {"kind": kind, "note": "邮件申请"}, token=self.token("admin"))
            self.assertEqual(code, 201, req)
            return path.replace("{id}", str(req["id"])), c["token"]
        if path.startswith("/api/v1/tasks/"):
            code, task = self.server.request("POST", "/api/v1/tasks", {"note": "回访", "due_in_minutes": 30},
                                             token=self.token("agent_l1"))
            self.assertEqual(code, 201, task)
            return path.replace("{id}", str(task["id"])), fresh_customer
        if path.startswith("/api/v1/complaints/"):
            a, cid = self.l1_conversation()
            code, complaint = self.server.request("POST", "/api/v1/complaints", {
                "conversation_id": cid, "category": "withdrawal", "description": "提现手续费被重复收取"}, token=a["token"])
            self.assertEqual(code, 201, complaint)
            path = path.replace("{id}", str(complaint["id"]))
            if "{compensation_id}" in path:
                code, comp = self.server.request("POST", f"/api/v1/complaints/{complaint['id']}/compensations",
                                                 {"kind": "fee_waiver", "amount": "5", "currency": "CNY",
                                                  "reason": "重复收费"}, token=self.token("agent_l1"))
                self.assertEqual(code, 201, comp)
                path = path.replace("{compensation_id}", str(comp["id"]))
            return path, a["token"]
        self.fail(f"no object for {path}: teach path_and_customer about it")

    def caller_token(self, kind, customer_a):
        if kind == "anonymous":
            return None
        if kind == "bad_token":
            return "kfs1_" + "A" * 43
        if kind == "customer_a":
            return customer_a
        if kind == "customer_b":
            return self.customer_b["token"]
        return self.token(kind)

    @staticmethod
    def expectation(access, scope, path, kind):
        """'in' (not refused by access) or the statuses a refusal may have."""
        if access == "public":
            return "in"
        if kind in ("anonymous", "bad_token"):
            return {401}
        role = "customer" if kind.startswith("customer") else STAFF[kind][1]
        if role not in access:
            return {403}
        # Inside by role; outside by object: another customer's, or another desk's (docs/adr/0019).
        if "{id}" in path and scope in ("conversation", "ticket", "self"):
            if kind == "customer_b" or kind == "agent_l2":
                return {403, 404}
        return "in"

    def test_every_route_has_a_rule_and_every_caller_gets_what_the_rule_says(self):
        ops = spec_operations()
        self.assertGreater(len(ops), 50)
        missing = [f"{m} {p}" for m, p, access, scope in ops if access is None or scope is None]
        self.assertEqual(missing, [], "operations without x-kefu-access / x-kefu-scope")
        ops.sort(key=lambda o: f"{o[0]} {o[1]}" in DESTRUCTIVE)  # the destructive ones last
        failures = []
        cases = 0
        for method, path, access, scope in ops:
            key = f"{method} {path}"
            if key == "GET /api/v1/ws":
                continue  # a WebSocket handshake: test_websocket_handshake_follows_the_rule
            for kind in CALLERS:
                if key in DESTRUCTIVE and kind in STAFF:
                    self.tokens.pop(kind, None)  # a fresh session, ended by this case
                concrete, customer_a = self.path_and_customer(path)
                token = self.caller_token(kind, customer_a)
                body = BODIES.get(key)
                if body is not None and key == "POST /api/v1/conversations/{id}/messages":
                    body = dict(body, client_id=str(uuid.uuid4()))
                if key in FILES:
                    code, reply = self.server.request(method, concrete, raw=png(), token=token,
                                                      headers={"Content-Type": "application/octet-stream"})
                else:
                    code, reply = self.server.request(method, concrete + QUERIES.get(key, ""), body, token=token)
                if key in DESTRUCTIVE and kind in STAFF:
                    self.tokens.pop(kind, None)
                cases += 1
                reply = str(reply)[:160]
                want = self.expectation(access, scope, path, kind)
                if code >= 500 and code != 503:
                    failures.append(f"{key} as {kind}: {code} {reply}")
                elif want == "in" and code in (401, 403):
                    failures.append(f"{key} as {kind}: refused ({code} {reply}) but the rule admits {access}")
                elif want != "in" and code not in want:
                    failures.append(f"{key} as {kind}: {code} {reply}, expected one of {sorted(want)}")
        self.assertGreater(cases, 500)
        self.assertEqual(failures, [], "\n".join(failures))

    def test_websocket_handshake_follows_the_rule(self):
        s = self.server
        for token in (None, "kfs1_" + "A" * 43):
            with self.assertRaises(HandshakeError) as e:
                s.ws(token)
            self.assertEqual(e.exception.status, 401)
        for kind in ["customer_b", *STAFF]:
            ws = s.ws(self.caller_token(kind, None))
            self.assertEqual(ws.hello["type"], "hello", kind)

    def test_websocket_sync_and_send_only_in_ones_own_conversations(self):
        s = self.server
        a, cid = self.l1_conversation()
        for kind in ["customer_b", "agent_l2", "auditor", "kb_editor"]:
            ws = s.ws(self.caller_token(kind, None))
            ws.send({"type": "sync", "conversation_id": cid, "after_seq": 0})
            self.assertEqual(ws.recv_until(lambda m: m["type"] == "error")["code"], "forbidden", kind)
            ws.send({"type": "message.send", "conversation_id": cid, "client_id": "x1", "text": "我来回复"})
            self.assertEqual(ws.recv_until(lambda m: m["type"] == "error")["code"], "forbidden", kind)
        # Nothing of theirs reached the conversation.
        code, page = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=a["token"])
        self.assertEqual(code, 200, page)
        self.assertNotIn("我来回复", [m["text"] for m in page["messages"]])
        # The customer and the assigned agent may.
        for token in (a["token"], self.token("agent_l1")):
            ws = s.ws(token)
            ws.send({"type": "sync", "conversation_id": cid, "after_seq": 0})
            self.assertEqual(ws.recv_until(lambda m: m["type"] in ("sync.done", "error"))["type"], "sync.done")

    def test_lobby_frames_stay_within_desk_scope(self):
        s = self.server
        l1 = s.ws(self.token("agent_l1"))
        l2 = s.ws(self.token("agent_l2"))
        auditor = s.ws(self.token("auditor"))
        sec = s.ws(s.login("sec@staff.kefu"))

        def updated(cid):
            return lambda m: m["type"] == "conversation.updated" and m["conversation"]["id"] == cid

        def handoff(desk):
            c = s.widget_session("丙")
            code, conv = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/handoff", {"desk": desk},
                                   token=c["token"])
            self.assertEqual(code, 200, conv)
            return c["conversation_id"]

        security = handoff("security")
        l2_case = handoff("L2")
        # The security agent sees the security case; the L1 agent does not, the L2 agent sees only
        # the L2 case (which comes after: had the first reached them, it would have come first).
        sec.recv_until(updated(security))
        seen = []
        l2.recv_until(lambda m: seen.append(m) or updated(l2_case)(m))
        # (While with the bot it had no desk and every agent saw it; then it left their scope.)
        self.assertFalse([m for m in seen if updated(security)(m) and m["conversation"]["desk"] == "security"],
                         "an L2 agent got a security case")
        self.assertIn({"type": "conversation.gone", "conversation_id": security}, seen)
        l1_case = handoff("L1")
        seen = []
        l1.recv_until(lambda m: seen.append(m) or updated(l1_case)(m))
        self.assertFalse([m for m in seen if (updated(security)(m) or updated(l2_case)(m))
                          and m["conversation"]["desk"] is not None], "an L1 agent got another desk's case")
        # An auditor's console gets no live chat at all: a monitor frame that does reach staff
        # consoles (their own task falling due would too) is not needed — nothing arrives.
        with self.assertRaises(Exception):
            auditor.recv_until(lambda m: m["type"] == "conversation.updated", timeout=1)

    def test_desk_scope_over_rest(self):
        s = self.server
        sec_agent = s.login("sec@staff.kefu")
        c = s.widget_session("丁")
        cid = c["conversation_id"]
        code, conv = s.request("POST", f"/api/v1/conversations/{cid}/handoff", {"desk": "security"}, token=c["token"])
        self.assertEqual(code, 200, conv)
        url = f"/api/v1/conversations/{cid}"
        self.assertEqual(s.request("GET", url, token=sec_agent)[0], 200)
        self.assertEqual(s.request("GET", url, token=self.token("supervisor"))[0], 200)
        for kind in ("agent_l1", "agent_l2"):
            self.assertEqual(s.request("GET", url, token=self.token(kind))[0], 403, kind)
            self.assertEqual(s.request("POST", url + "/accept", {}, token=self.token(kind))[0], 403, kind)
            code, page = s.request("GET", "/api/v1/conversations", token=self.token(kind))
            self.assertEqual(code, 200, page)
            self.assertNotIn(cid, [x["id"] for x in page["conversations"]], kind)
        code, page = s.request("GET", "/api/v1/conversations", token=sec_agent)
        self.assertIn(cid, [x["id"] for x in page["conversations"]])
        # An L1 agent who handled a conversation still reads it after it moved to L2 — not after
        # it moved to security.
        a, moved = self.l1_conversation()
        code, body = s.request("POST", f"/api/v1/conversations/{moved}/transfer", {"desk": "L2", "reason": "二线"},
                               token=self.token("agent_l1"))
        self.assertEqual(code, 200, body)
        self.assertEqual(s.request("GET", f"/api/v1/conversations/{moved}", token=self.token("agent_l1"))[0], 200)
        self.assertEqual(s.request("GET", f"/api/v1/conversations/{moved}", token=self.token("agent_l2"))[0], 200)
        if body["state"] != "active":
            code, body = s.request("POST", f"/api/v1/conversations/{moved}/accept", {}, token=self.token("agent_l2"))
            self.assertEqual(code, 200, body)
        code, body = s.request("POST", f"/api/v1/conversations/{moved}/transfer", {"desk": "security", "reason": "被盗"},
                               token=self.token("agent_l2"))
        self.assertEqual(code, 200, body)
        self.assertEqual(s.request("GET", f"/api/v1/conversations/{moved}", token=self.token("agent_l1"))[0], 403)
        # Auditors and kb_editors have no live chat.
        for kind in ("auditor", "kb_editor"):
            self.assertEqual(s.request("GET", "/api/v1/conversations", token=self.token(kind))[0], 403, kind)
        # Tickets: another desk's agent neither reads nor lists an L1 ticket.
        _, tid = self.l1_ticket()
        self.assertEqual(s.request("GET", f"/api/v1/tickets/{tid}", token=self.token("agent_l2"))[0], 403)
        code, page = s.request("GET", "/api/v1/tickets?limit=100", token=self.token("agent_l2"))
        self.assertEqual(code, 200, page)
        self.assertNotIn(tid, [t["id"] for t in page["tickets"]])
        self.assertEqual(s.request("GET", f"/api/v1/tickets/{tid}", token=self.token("agent_l1"))[0], 200)


if __name__ == "__main__":
    unittest.main()
