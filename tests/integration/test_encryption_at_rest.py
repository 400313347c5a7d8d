"""Encryption at rest (docs/adr/0013): distinctive messages and PII sent through a real server are
found nowhere in clear — not in the database file, its WAL, an online backup, nor the server's
log — while the history, ticket list, ticket notes and conversation list still read them back;
and `kefu keys rotate` while the server takes messages leaves every value under the new key."""
import os
import re
import subprocess
import tempfile
import threading
import time
import unittest

from kefu import KEFU, Server

AGENT = "crypt-agent@example.com"
BOSS = "crypt-boss@example.com"
BOSS2 = "crypt-boss2@example.com"

# Distinctive strings that must never reach the disk in clear.
NAME = "Qiaofeng Zhuangyuan"
EMAIL = "leak.canary.q7x@example.org"
PHONE = "+86 139 7777 4321"
MSG = "CANARYMSG-8f3k2 我的提现卡住了"
REPLY = "CANARYREPLY-k29dq 请稍等"
SUMMARY = "CANARYSUMMARY-w81z"
SUBJECT = "CANARYSUBJECT-p0x4 withdrawal stuck"
DESCRIPTION = "CANARYDESC-m3n5 customer reports a missing withdrawal"
NOTE = "CANARYNOTE-v6b1 called the customer back"
COMP_REASON = "CANARYCOMP-r4t8 fee charged twice"
COMP_NOTE = "CANARYDECIDE-j2h6 refund approved"
CANARIES = [NAME, EMAIL, PHONE, "7777 4321", "CANARYMSG-8f3k2", "CANARYREPLY-k29dq", SUMMARY,
            "CANARYSUBJECT-p0x4", "CANARYDESC-m3n5", "CANARYNOTE-v6b1", "canary.q7x", "CANARYCOMP-r4t8",
            "CANARYDECIDE-j2h6"]


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def variants(text):
    # As UTF-8, and as JSON would escape it (the log is JSON lines).
    yield text.encode()
    yield text.encode("unicode_escape")


class EncryptionAtRestTest(unittest.TestCase):
    def test_nothing_distinctive_reaches_the_disk_or_the_log_in_clear(self):
        s = Server(env={"KEFU_LOG_LEVEL": "debug"})
        out_dir = tempfile.mkdtemp(prefix="kefu-crypt-")
        try:
            s.add_staff(AGENT)
            s.add_staff(BOSS, role="supervisor")
            s.add_staff(BOSS2, role="supervisor")
            s.start()
            status, session = s.request("POST", "/api/v1/widget/sessions",
                                        {"name": NAME, "lang": "en"})  # an unsigned identity is refused (401)
            self.assertEqual(status, 201, session)
            conv = session["conversation_id"]
            agent_token = s.login(AGENT)
            status, body = s.request("POST", f"/api/v1/conversations/{conv}/accept", token=agent_token)
            self.assertEqual(status, 200, body)
            customer, agent = s.ws(session["token"]), s.ws(agent_token)
            customer.send({"type": "message.send", "conversation_id": conv, "client_id": "c1", "text": MSG})
            customer.recv_until(lambda m: m["type"] == "ack")
            customer.send({"type": "message.send", "conversation_id": conv, "client_id": "c2",
                           "text": f"my email is {EMAIL}, phone {PHONE}"})
            customer.recv_until(lambda m: m["type"] == "ack")
            agent.send({"type": "message.send", "conversation_id": conv, "client_id": "a1", "text": REPLY})
            agent.recv_until(lambda m: m["type"] == "ack")
            status, body = s.request("POST", f"/api/v1/conversations/{conv}/close", {"summary": SUMMARY},
                                     token=agent_token)
            self.assertEqual(status, 200, body)
            status, ticket = s.request("POST", "/api/v1/tickets",
                                       {"subject": SUBJECT, "description": DESCRIPTION, "type": "incident",
                                        "category": "withdrawal", "conversation_id": conv}, token=agent_token)
            self.assertEqual(status, 201, ticket)
            status, note = s.request("POST", f"/api/v1/tickets/{ticket['id']}/notes", {"text": NOTE},
                                     token=agent_token)
            self.assertEqual(status, 201, note)

            # Everything reads back through the API (the customer's own view: staff read PII masked).
            status, history = s.request("GET", f"/api/v1/conversations/{conv}/messages", token=session["token"])
            self.assertEqual(status, 200, history)
            texts = [m["text"] for m in history["messages"]]
            self.assertIn(MSG, texts)
            self.assertIn(REPLY, texts)
            self.assertIn(f"my email is {EMAIL}, phone {PHONE}", texts)
            senders = {m["sender"]["name"] for m in history["messages"] if m["sender"]["type"] == "customer"}
            self.assertEqual(senders, {NAME})
            status, tickets = s.request("GET", "/api/v1/tickets", token=agent_token)
            self.assertEqual(status, 200, tickets)
            self.assertIn(SUBJECT, [t["subject"] for t in tickets["tickets"]])
            status, full = s.request("GET", f"/api/v1/tickets/{ticket['id']}", token=agent_token)
            self.assertEqual(full["description"], DESCRIPTION)
            self.assertEqual([n["text"] for n in full["notes"]], [NOTE])
            status, events = s.request("GET", f"/api/v1/conversations/{conv}/events", token=agent_token)
            self.assertEqual(status, 200, events)
            self.assertIn(SUMMARY, str(events))
            boss = s.login(BOSS)
            status, convs = s.request("GET", "/api/v1/conversations?state=closed", token=boss)
            self.assertEqual(status, 200, convs)
            listed = [c for c in convs["conversations"] if c["id"] == conv]
            self.assertEqual(len(listed), 1)
            self.assertIn(NAME, str(listed[0]))
            # A complaint with compensation: staff's reason and decision note are sealed too (and
            # the decision note stays out of the clear audit log).
            status, complaint = s.request("POST", "/api/v1/complaints",
                                          {"conversation_id": conv, "description": "fee charged twice"},
                                          token=session["token"])
            self.assertEqual(status, 201, complaint)
            comp_url = f"/api/v1/complaints/{complaint['id']}/compensations"
            status, proposed = s.request("POST", comp_url, {"kind": "fee_waiver", "amount": "3.50", "currency": "CNY",
                                                            "reason": COMP_REASON}, token=boss)
            self.assertEqual(status, 201, proposed)
            status, decided = s.request("POST", f"{comp_url}/{proposed['id']}/approve", {"note": COMP_NOTE},
                                        token=s.login(BOSS2))
            self.assertEqual(status, 200, decided)
            status, listed_comp = s.request("GET", comp_url, token=boss)
            self.assertEqual(status, 200, listed_comp)
            self.assertIn(COMP_REASON, str(listed_comp))
            self.assertIn(COMP_NOTE, str(listed_comp))

            backup = os.path.join(out_dir, "kefu-backup.db")
            r = subprocess.run([KEFU, "backup", "--db", s.db, "--out", backup], capture_output=True, text=True,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            status_out = subprocess.run([KEFU, "keys", "status", "--db", s.db], capture_output=True, text=True,
                                        timeout=60)
            self.assertEqual(status_out.returncode, 0, status_out.stderr)
            self.assertNotIn("in clear", status_out.stdout)
            customer.close()
            agent.close()
            # While running (database + WAL as they are), then after a clean stop.
            running = {"db": read(s.db), "wal": read(s.db + "-wal")}
            s.stop()
            s.log.flush()
            files = {**running, "db-after": read(s.db), "wal-after": read(s.db + "-wal"), "backup": read(backup),
                     "log": read(os.path.join(s.dir, "server.log"))}
            self.assertGreater(len(files["backup"]), 0)
            self.assertGreater(len(files["log"]), 0)
            for where, data in files.items():
                for canary in CANARIES:
                    for form in variants(canary):
                        self.assertNotIn(form, data, f"{canary!r} found in clear in the {where}")
        finally:
            s.close()
            subprocess.run(["rm", "-rf", out_dir])


class RotationUnderLoadTest(unittest.TestCase):
    def test_rotate_while_serving_reseals_everything_and_every_message_reads_back(self):
        s = Server()
        try:
            s.add_staff(AGENT)
            s.start()
            sessions = [s.widget_session(f"轮换客户{i}") for i in range(3)]
            acked = {}
            lock = threading.Lock()
            stop = threading.Event()
            errors = []

            def load(session):
                ws = s.ws(session["token"])
                n = 0
                try:
                    while not stop.is_set():
                        for _ in range(4):
                            ws.send({"type": "message.send", "conversation_id": session["conversation_id"],
                                     "client_id": f"r{n}", "text": f"rotation load {n}"})
                            n += 1
                        got = 0
                        while got < 4:
                            m = ws.recv(timeout=10)
                            if m is None:
                                errors.append("connection closed")
                                return
                            if m["type"] == "ack":
                                got += 1
                                with lock:
                                    acked[(session["conversation_id"], m["client_id"])] = m["message_id"]
                            elif m["type"] == "error":
                                got += 1
                        time.sleep(0.25)
                except (OSError, ConnectionError, ValueError) as e:
                    errors.append(repr(e))

            threads = [threading.Thread(target=load, args=(x,)) for x in sessions]
            for t in threads:
                t.start()
            time.sleep(1.5)
            r = subprocess.run([KEFU, "keys", "rotate", "--db", s.db], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("data key 2", r.stdout)
            time.sleep(1.5)  # messages keep coming while the server re-seals
            deadline = time.monotonic() + 30
            out = ""
            while time.monotonic() < deadline:
                out = subprocess.run([KEFU, "keys", "status", "--db", s.db], capture_output=True, text=True,
                                     timeout=60).stdout
                if "current data key: 2" in out and not re.search(r"^key 1:", out, re.M) and "in clear" not in out:
                    break
                time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join(timeout=20)
            self.assertEqual(errors, [])
            self.assertIn("current data key: 2", out)
            self.assertNotRegex(out, r"(?m)^key 1:")
            self.assertNotIn("in clear", out)
            self.assertRegex(out, r"(?m)^key 2: \d+ values")
            # Old key retired only when nothing uses it; then every message still reads back.
            r = subprocess.run([KEFU, "keys", "retire", "--db", s.db, "--id", "1"], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            s.restart()
            agent = s.login(AGENT)
            self.assertGreater(len(acked), 20)
            for session in sessions:
                cid = session["conversation_id"]
                status, page = s.request("GET", f"/api/v1/conversations/{cid}/messages?limit=200", token=agent)
                self.assertEqual(status, 200, page)
                stored = {m["client_id"]: (m["id"], m["text"]) for m in page["messages"] if m.get("client_id")}
                for (conv, client_id), message_id in acked.items():
                    if conv == cid:
                        self.assertEqual(stored[client_id], (message_id, "rotation load " + client_id[1:]))
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
