"""kefu backup / kefu restore: an online backup taken while a real server is under WebSocket
message load holds every message acknowledged before it started; bad input fails clearly and
touches nothing."""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from kefu import KEFU, Server

AGENT = "backup-agent@example.com"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def kefu(*args):
    return subprocess.run([KEFU, *args], capture_output=True, text=True, timeout=120)


class BackupUnderLoadTest(unittest.TestCase):
    def test_every_message_acked_before_the_backup_started_is_in_the_restored_database(self):
        server = Server()
        restored = Server()
        out_dir = tempfile.mkdtemp(prefix="kefu-backup-")
        try:
            server.add_staff(AGENT)
            # Some bulk, so that the backup takes long enough for writes to land while it runs.
            c = sqlite3.connect(server.db)
            c.execute("CREATE TABLE padding (b BLOB)")
            c.executemany("INSERT INTO padding VALUES (randomblob(16384))", [()] * 2048)  # 32 MiB
            c.commit()
            c.close()
            server.start()
            sessions = [server.widget_session(f"客户{i}") for i in range(8)]
            acked = {}  # (conversation_id, client_id) -> message_id
            ack_times = []
            lock = threading.Lock()
            stop = threading.Event()

            def load(session):
                ws = server.ws(session["token"])
                sent = 0
                try:
                    while not stop.is_set():
                        # A window of 5 un-acked frames, then a pause: ≈16 frames/s per connection,
                        # under the per-connection rate limit (20/s), for as long as it runs.
                        for _ in range(5):
                            ws.send({"type": "message.send", "conversation_id": session["conversation_id"],
                                     "client_id": f"b{sent}", "text": f"备份 load {sent}"})
                            sent += 1
                        got = 0
                        while got < 5:
                            m = ws.recv(timeout=10)
                            if m is None:
                                return
                            if m["type"] == "ack":
                                got += 1
                                with lock:
                                    acked[(session["conversation_id"], m["client_id"])] = m["message_id"]
                                    ack_times.append(time.monotonic())
                            elif m["type"] == "error":
                                got += 1
                        time.sleep(0.3)
                except (OSError, ConnectionError, ValueError):
                    return

            threads = [threading.Thread(target=load, args=(s,)) for s in sessions]
            for t in threads:
                t.start()
            time.sleep(2.0)
            with lock:
                before = dict(acked)  # everything acknowledged before the backup starts
            backup_file = os.path.join(out_dir, "nightly", "kefu-backup.db")
            t0 = time.monotonic()
            r = kefu("backup", "--db", server.db, "--out", backup_file)
            t1 = time.monotonic()
            took = t1 - t0
            with lock:
                during = len(acked) - len(before)
            time.sleep(1.0)  # the server keeps writing after the backup too
            stop.set()
            for t in threads:
                t.join(timeout=15)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("backup: wrote " + backup_file, r.stdout)
            self.assertIn("not in the backup", r.stderr)  # the key file reminder
            self.assertGreater(len(before), 150, "the load should have been acknowledged before the backup")
            self.assertGreater(len(acked), len(before), "writes must go on while and after the backup runs")
            self.assertTrue(os.path.exists(backup_file))
            self.assertFalse(os.path.exists(backup_file + "-wal"), "a backup is one self-contained file")
            self.assertEqual([f for f in os.listdir(os.path.dirname(backup_file)) if ".tmp-" in f], [])
            # Writers are not held up by the backup: acknowledgements keep coming while it runs
            # (8 connections ack every ≈0.3 s each; a stalled writer would leave a long gap).
            with lock:
                times = sorted(t for t in ack_times if t0 - 1 <= t <= t1 + 1)
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertLess(max(gaps), 1.0, "a writer stalled during the backup")
            print(f"\n  backup of a live {os.path.getsize(backup_file) / 2**20:.0f} MiB database: {took:.2f} s "
                  f"(process wall), {len(before)} messages acked before it, {during} while it ran, "
                  f"longest gap between acks {max(gaps) * 1000:.0f} ms")
            server.stop()

            # Restore into a new path, put the key file beside it (it is not in the backup), and
            # start a server on it: every message acked before the backup is there, same id.
            r = kefu("restore", "--in", backup_file, "--db", restored.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("restore: wrote " + restored.db, r.stdout)
            self.assertIn("no key file", r.stderr)
            shutil.copy2(server.db + ".key", restored.db + ".key")
            restored.start()
            agent = restored.login(AGENT)
            for s in sessions:
                cid = s["conversation_id"]
                stored, after = {}, 0
                while True:
                    status, page = restored.request(
                        "GET", f"/api/v1/conversations/{cid}/messages?after_seq={after}&limit=200", token=agent)
                    self.assertEqual(status, 200, page)
                    for m in page["messages"]:
                        stored[m["client_id"]] = (m["id"], m["text"])
                        after = m["seq"]
                    if not page["has_more"]:
                        break
                for (conv, client_id), message_id in before.items():
                    if conv == cid:
                        self.assertIn(client_id, stored, f"acked {client_id} missing from the backup")
                        self.assertEqual(stored[client_id][0], message_id)
                        self.assertEqual(stored[client_id][1], f"备份 load {client_id[1:]}")
            # The restored audit log verifies with the installation's key.
            restored.stop()
            r = kefu("audit", "verify", "--db", restored.db)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("OK:", r.stdout)
        finally:
            server.close()
            restored.close()
            shutil.rmtree(out_dir, ignore_errors=True)


class BackupErrorsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kefu-backup-err-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_backup_of_a_missing_database_fails_clearly(self):
        missing = os.path.join(self.dir, "missing.db")
        out = os.path.join(self.dir, "out.db")
        r = kefu("backup", "--db", missing, "--out", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no database at " + missing, r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(missing), "a backup must not create the database it reads")
        r = kefu("backup", "--db", missing)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: kefu backup", r.stderr)

    def test_restore_of_a_corrupt_file_fails_and_leaves_the_target_untouched(self):
        target = os.path.join(self.dir, "kefu.db")
        r = kefu("staff", "add", "--db", target, "--email", "a@example.com", "--role", "admin")
        self.assertEqual(r.returncode, 0, r.stderr)
        backup = os.path.join(self.dir, "good.db")
        self.assertEqual(kefu("backup", "--db", target, "--out", backup).returncode, 0)
        before = sha256(target)

        garbage = os.path.join(self.dir, "garbage.db")
        with open(garbage, "wb") as f:
            f.write(os.urandom(64 * 1024))
        with open(backup, "rb") as f:
            data = f.read()
        truncated = os.path.join(self.dir, "truncated.db")
        with open(truncated, "wb") as f:
            f.write(data[: len(data) // 2])
        not_kefu = os.path.join(self.dir, "other.db")
        subprocess.run(["python3", "-c", f"import sqlite3; c=sqlite3.connect({not_kefu!r}); "
                        "c.execute('create table t(x)'); c.commit()"], check=True)
        for bad, words in ((garbage, "not a usable database"), (truncated, "kefu.db"),
                           (not_kefu, "not a kefu database")):
            with self.subTest(bad=os.path.basename(bad)):
                r = kefu("restore", "--in", bad, "--db", target, "--force")
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertTrue(r.stderr.startswith("kefu: "), r.stderr)
                if words != "kefu.db":
                    self.assertIn(words, r.stderr)
                self.assertEqual(sha256(target), before, "the target must be untouched")
                self.assertEqual([f for f in os.listdir(self.dir) if ".restore-" in f], [])

        r = kefu("restore", "--in", os.path.join(self.dir, "nope.db"), "--db", target, "--force")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no backup file at", r.stderr)

        # Without --force an existing database is never replaced; with it, atomically.
        r = kefu("restore", "--in", backup, "--db", target)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--force", r.stderr)
        with open(target + "-wal", "wb") as f:
            f.write(b"stale")  # a stale WAL of the old database must not survive the restore
        r = kefu("restore", "--in", backup, "--db", target, "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(target + "-wal"))
        r = kefu("staff", "list", "--db", target)
        self.assertIn("a@example.com", r.stdout)


if __name__ == "__main__":
    unittest.main()
