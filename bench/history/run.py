#!/usr/bin/env python3
"""History at scale: 10^6 messages in 10^5 conversations in SQLite; p50/p99 of the conversation
list and of a page of history over real HTTP, against the OFFSET + COUNT(*) pattern that help
desks commonly use, run on the same database in the same run. Writes bench/results/history.json.
"""
import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402

BUDGET_P99_MS = 50.0
STATES = ["closed"] * 14 + ["resolved"] * 2 + ["active"] * 2 + ["queued", "bot"]


def seed(db, conversations, messages, agents):
    """Fills a migrated kefu database directly: bench data, not a product code path."""
    rnd = random.Random(7)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = int(time.time() * 1000)
    day = 86_400_000
    with con:
        staff_ids = [r[0] for r in con.execute("SELECT id FROM staff")]
        con.executemany("INSERT INTO staff(email, name, role, desk, password_hash, created_at) VALUES (?,?,?,?,?,?)",
                        [(f"seed{i}@bench", f"坐席{i}", "agent", "L1", "x", now) for i in range(agents)])
        staff_ids = [r[0] for r in con.execute("SELECT id FROM staff")]
        con.executemany("INSERT INTO customers(id, name, lang, created_at) VALUES (?,?,?,?)",
                        [(i, f"客户{i}", "zh", now - 90 * day) for i in range(1, conversations + 1)])
        per = [1] * conversations
        for _ in range(messages - conversations):
            per[rnd.randrange(conversations)] += 1
        conv_rows, msg_rows = [], []
        mid = 0
        for c in range(1, conversations + 1):
            state = rnd.choice(STATES)
            created = now - rnd.randrange(90 * day)
            agent = rnd.choice(staff_ids) if state in ("active", "resolved", "closed") else None
            n = per[c - 1]
            for s in range(1, n + 1):
                mid += 1
                sender = ("customer", c) if s % 2 else ("staff", agent or 0)
                msg_rows.append((mid, c, s, sender[0], sender[1], f"m{mid}", f"第{s}条消息 message {s} del historial", created + s * 1000))
            updated = created + n * 1000
            conv_rows.append((c, c, "widget", state, "L1", agent, n, updated, f"第{n}条消息", created, updated))
            if len(msg_rows) >= 50_000:
                con.executemany("INSERT INTO messages(id, conversation_id, seq, sender_type, sender_id, client_id, text, created_at) VALUES (?,?,?,?,?,?,?,?)", msg_rows)
                msg_rows.clear()
        con.executemany("INSERT INTO messages(id, conversation_id, seq, sender_type, sender_id, client_id, text, created_at) VALUES (?,?,?,?,?,?,?,?)", msg_rows)
        con.executemany("INSERT INTO conversations(id, customer_id, channel, state, desk, assigned_staff_id, last_seq, last_message_at, last_message_preview, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", conv_rows)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    return staff_ids


def percentiles(samples):
    xs = sorted(samples)
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    return {"n": len(xs), "p50_ms": round(pick(0.50), 3), "p99_ms": round(pick(0.99), 3), "max_ms": round(xs[-1], 3)}


class Client:
    def __init__(self, host, port, token):
        self.conn = http.client.HTTPConnection(host, port, timeout=10)
        self.token = token

    def get(self, path):
        t0 = time.perf_counter()
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        r = self.conn.getresponse()
        body = r.read()
        ms = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            raise RuntimeError(f"{path}: {r.status} {body[:200]!r}")
        return ms, json.loads(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=400)
    args = ap.parse_args()
    kefu = benchlib.kefu_bin()
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"kefu-bench-history-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "kefu.db"
    t0 = time.time()
    subprocess.run([kefu, "staff", "add", "--db", db, "--email", "bench@history", "--role", "agent",
                    "--desk", "L1", "--password-stdin"], input=b"orchid-lantern-7412\n", check=True, capture_output=True)
    staff_ids = seed(str(db), args.conversations, args.messages, agents=20)
    benchlib.log(f"history: seeded {args.conversations} conversations, {args.messages} messages in {time.time() - t0:.1f}s "
                 f"({db.stat().st_size / 2**20:.0f} MiB)")
    server = benchlib.Server("kefu-history", [kefu, "serve", "--db", f"sqlite:{db}", "--listen", "127.0.0.1:0",
                                              "--log-level", "warn"], workdir=work)
    result = {"benchmark": "history", "machine": benchlib.machine(), "timestamp": benchlib.timestamp(),
              "parameters": vars(args), "budget_p99_ms": BUDGET_P99_MS}
    try:
        server.start()
        host, port = server.host, server.port
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("POST", "/api/v1/auth/login", json.dumps({"email": "bench@history", "password": "orchid-lantern-7412"}),
                     {"Content-Type": "application/json"})
        token = json.loads(conn.getresponse().read())["token"]
        c = Client(host, port, token)
        rnd = random.Random(11)
        for _ in range(50):  # warm the page cache the way a running server would be
            c.get("/api/v1/conversations?limit=50")
        kefu_results = {}

        def measure(name, paths):
            kefu_results[name] = percentiles([c.get(p)[0] for p in paths])
            benchlib.log(f"history: kefu {name:28s} p50 {kefu_results[name]['p50_ms']:7.2f} ms  p99 {kefu_results[name]['p99_ms']:7.2f} ms")

        n = args.samples
        measure("list_first_page", ["/api/v1/conversations?limit=50"] * n)
        measure("list_waiting", ["/api/v1/conversations?state=bot,queued&limit=50"] * n)
        measure("list_open", ["/api/v1/conversations?state=bot,queued,active,pending&limit=50"] * n)
        # Deep pages: follow the cursor, as a console scrolling far back does.
        cursor, deep = None, []
        for _ in range(n):
            ms, page = c.get("/api/v1/conversations?limit=50" + (f"&cursor={cursor}" if cursor else ""))
            deep.append(ms)
            cursor = page["next_cursor"]
            if not cursor:
                cursor = None
        kefu_results["list_deep_pages"] = percentiles(deep)
        benchlib.log(f"history: kefu list_deep_pages (cursor)       p99 {kefu_results['list_deep_pages']['p99_ms']:.2f} ms")
        ids = [rnd.randrange(1, args.conversations + 1) for _ in range(n)]
        measure("history_latest_page", [f"/api/v1/conversations/{i}/messages?limit=50" for i in ids])
        measure("history_older_page", [f"/api/v1/conversations/{i}/messages?limit=20&before_seq=5" for i in ids])
        result["kefu"] = kefu_results
    finally:
        server.stop()
    # The peer: the same queries written the way many help desks write them, OFFSET pagination
    # with a total COUNT(*), on the same database file, in-process (no HTTP cost charged to it).
    con = sqlite3.connect(str(db))
    peer = {}

    def timed(sqls):
        out = []
        for sql, params in sqls:
            t = time.perf_counter()
            for s, p in zip(sql, params):
                con.execute(s, p).fetchall()
            out.append((time.perf_counter() - t) * 1000)
        return percentiles(out)

    count_sql = "SELECT COUNT(*) FROM conversations"
    page_sql = ("SELECT c.*, cu.name FROM conversations c JOIN customers cu ON cu.id = c.customer_id "
                "ORDER BY c.updated_at DESC, c.id DESC LIMIT 50 OFFSET ?")
    peer["list_first_page"] = timed([((count_sql, page_sql), ((), (0,)))] * args.samples)
    peer["list_deep_pages"] = timed([((count_sql, page_sql), ((), (i * 50,))) for i in range(args.samples)])
    hist_sql = "SELECT COUNT(*) FROM messages WHERE conversation_id = ?"
    hist_page = "SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at DESC LIMIT 50 OFFSET 0"
    peer["history_latest_page"] = timed([((hist_sql, hist_page), ((i,), (i,))) for i in ids])
    con.close()
    result["offset_count_peer"] = peer
    for k in ("list_first_page", "list_deep_pages", "history_latest_page"):
        benchlib.log(f"history: offset+count {k:22s} p99 {peer[k]['p99_ms']:7.2f} ms   kefu/peer p99 = "
                     f"{kefu_results[k]['p99_ms'] / max(peer[k]['p99_ms'], 1e-6):.2f}")
    worst = max(v["p99_ms"] for v in kefu_results.values())
    result["worst_p99_ms"] = worst
    result["budget_ok"] = worst <= BUDGET_P99_MS
    result["ratios_kefu_over_peer_p99"] = {k: round(kefu_results[k]["p99_ms"] / max(peer[k]["p99_ms"], 1e-6), 3)
                                           for k in peer}
    benchlib.write_json(benchlib.RESULTS / "history.json", result)
    benchlib.log(f"history: worst kefu p99 {worst:.2f} ms (budget {BUDGET_P99_MS} ms) → {'ok' if result['budget_ok'] else 'OVER BUDGET'}")
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return 0 if result["budget_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
