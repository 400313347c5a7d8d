"""The audit log end to end: what the CLI and the REST API record, who may read it, and
`kefu audit verify` naming the first entry that was altered, removed or reordered."""
import hashlib
import json
import os
import sqlite3
import subprocess
import tempfile
import shutil
import unittest

from kefu import KEFU, Server

KB_LINE = {"id": "fee", "lang": "en", "category": "fees", "question": "What does a transfer cost?",
           "variants": ["transfer fee"], "answer": "Transfers inside the wallet are free."}


def kefu(*args):
    return subprocess.run([KEFU, *args], capture_output=True, text=True, timeout=120)


def tamper(db, sql):
    """What someone who can write the database file (but not read the key file) can do."""
    c = sqlite3.connect(db)
    c.executescript("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;" + sql)
    c.commit()
    c.close()


class AuditVerifyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kefu-audit-")
        self.db = os.path.join(self.dir, "kefu.db")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def five_entries(self):
        for i in range(3):
            r = kefu("staff", "add", "--db", self.db, "--email", f"s{i}@example.com", "--role", "agent", "--desk", "L1")
            self.assertEqual(r.returncode, 0, r.stderr)
        kb = os.path.join(self.dir, "kb.jsonl")
        with open(kb, "w") as f:
            f.write(json.dumps(KB_LINE) + "\n")
        self.assertEqual(kefu("kb", "import", kb, "--db", self.db).returncode, 0)
        r = kefu("kb", "export", "--db", self.db, "--out", os.path.join(self.dir, "out.jsonl"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def verify(self, *extra):
        return kefu("audit", "verify", "--db", self.db, *extra)

    def test_an_empty_log_verifies(self):
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK: 0 entries verified", r.stdout)

    def test_a_clean_chain_verifies_and_records_what_the_cli_did(self):
        self.five_entries()
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK: 5 entries verified; head 5 ", r.stdout)
        c = sqlite3.connect(self.db)
        rows = c.execute("SELECT action, target, details FROM audit_log ORDER BY seq").fetchall()
        self.assertEqual([r[0] for r in rows], ["staff.create"] * 3 + ["kb.import", "export"])
        self.assertEqual(rows[0][1], "staff:1")
        self.assertEqual(json.loads(rows[3][2])["created"], 1)
        self.assertEqual(json.loads(rows[4][2])["count"], 1)

    def test_an_altered_entry_is_named(self):
        self.five_entries()
        tamper(self.db, "UPDATE audit_log SET details = '{\"email\":\"someone-else@example.com\"}' WHERE seq = 2")
        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAILED: entry 2 was altered", r.stdout)

    def test_a_removed_entry_is_named(self):
        self.five_entries()
        tamper(self.db, "DELETE FROM audit_log WHERE seq = 3")
        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAILED: entry 3 was removed", r.stdout)

    def test_reordered_entries_are_named(self):
        self.five_entries()
        tamper(self.db, "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3;"
                        "UPDATE audit_log SET seq = 3 WHERE seq = -1;")
        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAILED: entry 2 is out of order", r.stdout)

    def test_a_removed_tail_is_named(self):
        self.five_entries()
        tamper(self.db, "DELETE FROM audit_log WHERE seq = 5")
        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAILED: entry 5 was removed", r.stdout)

    def test_the_chain_needs_the_installations_key(self):
        self.five_entries()
        other = os.path.join(self.dir, "other.db")
        kefu("migrate", "--db", other)  # makes another key file
        r = self.verify("--key-file", other + ".key")
        self.assertEqual(r.returncode, 1)
        self.assertIn("entry 1 was altered", r.stdout)
        r = self.verify("--key-file", os.path.join(self.dir, "nope.key"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no key file", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "nope.key")), "verify must never make a key")


class AuditRestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        s = cls.server
        s.add_staff("admin@example.com", role="admin")
        s.add_staff("auditor@example.com", role="auditor")
        s.add_staff("editor@example.com", role="kb_editor")
        s.add_staff("agent@example.com", role="agent")
        config = os.path.join(s.dir, "kefu.toml")
        with open(config, "w") as f:
            f.write("[bot]\nretrain_delay_ms = 300\n")
        cls.config = config
        # Started with a configuration file: recorded as config.change with the file's hash.
        cls.start_with_config()

    @classmethod
    def start_with_config(cls):
        s = cls.server
        s.proc = subprocess.Popen([KEFU, "serve", "--db", s.db, "--listen", f"127.0.0.1:{s.port}", "--config", cls.config],
                                  stdout=subprocess.PIPE, stderr=s.log, env=s.env)
        line = s.proc.stdout.readline().decode()
        assert "listening on" in line, line

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def audit(self, token, query=""):
        return self.server.request("GET", "/api/v1/audit" + query, token=token)

    def test_sign_ins_failures_and_sign_outs_are_recorded(self):
        s = self.server
        code, _ = s.request("POST", "/api/v1/auth/login", {"email": "agent@example.com", "password": "wrong-password-9"})
        self.assertEqual(code, 401)
        agent = s.login("agent@example.com")
        code, me = s.request("GET", "/api/v1/staff/me", token=agent)
        self.assertIn(s.request("POST", "/api/v1/auth/logout", {}, token=agent)[0], (200, 204))
        auditor = s.login("auditor@example.com")
        status, page = self.audit(auditor, "?action=staff.&limit=100")
        self.assertEqual(status, 200, page)
        mine = [(e["action"], e["target"]) for e in page["entries"] if e["target"] == f"staff:{me['id']}"]
        self.assertIn(("staff.sign_in", f"staff:{me['id']}"), mine)
        self.assertIn(("staff.sign_out", f"staff:{me['id']}"), mine)
        failed = [e for e in page["entries"] if e["action"] == "staff.sign_in_failed"]
        self.assertTrue(failed)
        self.assertEqual(failed[0]["details"]["reason"], "password")
        self.assertNotIn("wrong-password-9", str(page))  # never the password typed

    def test_only_auditors_and_admins_read_it(self):
        s = self.server
        for email in ("auditor@example.com", "admin@example.com"):
            status, body = self.audit(s.login(email))
            self.assertEqual(status, 200, body)
            self.assertIn("entries", body)
        for email in ("agent@example.com", "editor@example.com"):
            status, body = self.audit(s.login(email))
            self.assertEqual(status, 403, body)
            self.assertEqual(body["error"]["code"], "forbidden")
        customer = s.widget_session()["token"]
        self.assertEqual(self.audit(customer)[0], 403)
        self.assertEqual(self.audit(None)[0], 401)

    def test_knowledge_base_changes_are_recorded_with_who_did_them(self):
        s = self.server
        editor = s.login("editor@example.com")
        status, article = s.request("POST", "/api/v1/kb/articles", {
            "id": "limits-en", "lang": "en", "category": "limits", "question": "What are the limits?",
            "answer": "10,000 a day."}, token=editor)
        self.assertEqual(status, 201, article)
        status, _ = s.request("POST", "/api/v1/kb/articles/limits-en/publish", {}, token=editor)
        self.assertEqual(status, 200)
        auditor = s.login("auditor@example.com")
        status, page = self.audit(auditor, "?action=kb.&limit=10")
        self.assertEqual(status, 200, page)
        mine = [e for e in page["entries"] if e["target"] == "kb:limits-en"]
        self.assertEqual([e["action"] for e in mine], ["kb.publish", "kb.create"])  # newest first
        status, me = s.request("GET", "/api/v1/staff/me", token=editor)
        self.assertEqual(mine[0]["actor"], {"type": "staff", "id": me["id"]})
        self.assertEqual(mine[0]["details"]["version"], 1)
        self.assertEqual(len(mine[0]["hash"]), 64)
        status, whole = self.audit(auditor, "?limit=200")
        for newer, older in zip(whole["entries"], whole["entries"][1:]):
            self.assertEqual(newer["seq"], older["seq"] + 1)
            self.assertEqual(newer["prev_hash"], older["hash"])  # each entry holds the hash of the one before
        # Filter by actor, and page through everything.
        status, by_editor = self.audit(auditor, f"?actor=staff:{me['id']}")
        self.assertTrue(all(e["actor"]["id"] == me["id"] for e in by_editor["entries"]))
        seen, cursor = [], None
        while True:
            status, page = self.audit(auditor, "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            self.assertEqual(status, 200)
            seen += [e["seq"] for e in page["entries"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted(seen, reverse=True))
        self.assertEqual(seen[-1], 1)

    def test_config_changes_are_recorded_once_per_change(self):
        auditor = self.server.login("auditor@example.com")
        status, page = self.audit(auditor, "?action=config.change")
        self.assertEqual(status, 200)
        self.assertEqual(len(page["entries"]), 1)
        with open(self.config, "rb") as f:
            self.assertEqual(page["entries"][0]["details"]["sha256"], hashlib.sha256(f.read()).hexdigest())
        # The same configuration again: nothing new.
        self.server.stop()
        self.start_with_config()
        status, page = self.audit(self.server.login("auditor@example.com"), "?action=config.change")
        self.assertEqual(len(page["entries"]), 1)

    def test_bad_filters_are_clear_errors(self):
        auditor = self.server.login("auditor@example.com")
        for query in ("?actor=nobody:1", "?from=yesterday", "?limit=0", "?cursor=abc"):
            with self.subTest(query=query):
                status, body = self.audit(auditor, query)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["code"], "invalid")


if __name__ == "__main__":
    unittest.main()
