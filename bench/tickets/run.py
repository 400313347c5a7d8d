#!/usr/bin/env python3
"""Tickets at scale over real HTTP on SQLite: (1) ticket creation throughput — many keep-alive
connections POSTing /api/v1/tickets (each ticket a durable group-committed write with its event),
budget >= 10,000 tickets/s; (2) with 10^5 tickets, p50/p99 of GET /api/v1/tickets (first page,
each filter, deep cursor pages), budget p99 <= 50 ms. Writes bench/results/tickets.json.

Run: python3 bench/tickets/run.py [--tickets 100000] [--create-seconds 5] [--connections 64]
"""
import argparse
import asyncio
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

BUDGET_CREATE_PER_S = 10_000
BUDGET_P99_MS = 50.0
CATEGORIES = ["account", "kyc", "bank_card", "top_up", "transfer", "withdrawal", "security", "asset_loss", "other"]
TYPES = ["inquiry", "incident", "complaint", "data_request"]
STATUSES = ["closed"] * 6 + ["resolved"] * 2 + ["open", "pending", "new"]
DESKS = ["L1", "L2", "L3", "security", "complaints"]
TAGS = ["vip", "usdt", "trc20", "erc20", "refund", "fraud", "kyc-tier2", "repeat"]


async def create_load(host, port, token, seconds, connections):
    """Each connection POSTs tickets back to back on keep-alive; returns (created, elapsed, errors)."""
    body = json.dumps({"subject": "提现未到账 withdrawal missing", "type": "incident", "category": "withdrawal",
                       "priority": "high", "chain": "tron", "token": "USDT", "amount": "100.5",
                       "tx_hash": "0x" + "ab" * 32, "tags": ["usdt"]}).encode()
    head = (f"POST /api/v1/tickets HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    request = head + body
    created = errors = 0
    deadline = time.perf_counter() + seconds

    async def one():
        nonlocal created, errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                if status_line.split(b" ", 2)[1] == b"201":
                    created += 1
                else:
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    return created, time.perf_counter() - t0, errors


def seed(db, n, staff_ids, customers):
    """Fills tickets directly (bench data, not a product code path)."""
    rnd = random.Random(7)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    now = int(time.time() * 1000)
    day = 86_400_000
    with con:
        con.executemany("INSERT INTO customers(id, name, lang, created_at) VALUES (?,?,?,?)",
                        [(100_000 + i, f"客户{i}", "zh", now) for i in range(customers)])
        start = (con.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]) + 1
        rows, tags = [], []
        for i in range(start, start + n):
            created = now - rnd.randrange(180 * day)
            updated = created + rnd.randrange(7 * day)
            rows.append((i, rnd.choice(TYPES), rnd.choice(CATEGORIES), rnd.randrange(4), rnd.choice(STATUSES),
                         f"工单 {i}", "描述 description", 100_000 + rnd.randrange(customers), rnd.choice(DESKS),
                         rnd.choice(staff_ids) if rnd.random() < 0.8 else None, "tron", "0x" + "cd" * 32, "12.5",
                         created, updated))
            for tag in rnd.sample(TAGS, rnd.randrange(3)):
                tags.append((i, tag))
        con.executemany("INSERT INTO tickets(id, type, category, priority, status, subject, description, customer_id, "
                        "desk, assignee_id, chain, tx_hash, amount, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.executemany("INSERT INTO ticket_tags(ticket_id, tag) VALUES (?,?)", tags)
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def percentiles(samples):
    xs = sorted(samples)
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    return {"n": len(xs), "p50_ms": round(pick(0.50), 3), "p99_ms": round(pick(0.99), 3), "max_ms": round(xs[-1], 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--create-seconds", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--samples", type=int, default=300)
    args = ap.parse_args()
    benchlib.raise_nofile()
    kefu = benchlib.kefu_bin()
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"kefu-bench-tickets-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "kefu.db"
    subprocess.run([kefu, "staff", "add", "--db", db, "--email", "bench@tickets", "--role", "agent", "--desk", "L1",
                    "--password-stdin"], input=b"bench-password-1\n", check=True, capture_output=True)
    result = {"benchmark": "tickets", "machine": benchlib.machine(), "timestamp": benchlib.timestamp(),
              "parameters": vars(args), "budget_create_per_s": BUDGET_CREATE_PER_S, "budget_p99_ms": BUDGET_P99_MS}

    def start():
        server = benchlib.Server("kefu-tickets", [kefu, "serve", "--db", f"sqlite:{db}", "--listen", "127.0.0.1:0",
                                                 "--log-level", "warn"], workdir=work)
        server.start()
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        conn.request("POST", "/api/v1/auth/login", json.dumps({"email": "bench@tickets", "password": "bench-password-1"}),
                     {"Content-Type": "application/json"})
        return server, conn, json.loads(conn.getresponse().read())["token"]

    # 1. creation throughput on an empty database
    server, conn, token = start()
    try:
        asyncio.run(create_load(server.host, server.port, token, 0.5, args.connections))  # warm-up
        created, elapsed, errors = asyncio.run(create_load(server.host, server.port, token, args.create_seconds,
                                                           args.connections))
    finally:
        server.stop()
    rate = created / elapsed
    result["create"] = {"tickets": created, "seconds": round(elapsed, 3), "per_second": round(rate, 1),
                        "errors": errors, "connections": args.connections}
    benchlib.log(f"tickets: created {created} in {elapsed:.2f}s over HTTP = {rate:,.0f}/s "
                 f"({errors} errors; budget {BUDGET_CREATE_PER_S:,}/s)")

    # 2. lists with 10^5 tickets
    con = sqlite3.connect(str(db))
    have = con.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    staff_ids = [r[0] for r in con.execute("SELECT id FROM staff")]
    con.close()
    t0 = time.time()
    seed(str(db), max(0, args.tickets - have), staff_ids, customers=20_000)
    benchlib.log(f"tickets: seeded to {args.tickets} tickets in {time.time() - t0:.1f}s")
    server, conn, token = start()
    lists = {}
    try:
        def get(path):
            t = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": "Bearer " + token})
            r = conn.getresponse()
            body = r.read()
            ms = (time.perf_counter() - t) * 1000
            if r.status != 200:
                raise RuntimeError(f"{path}: {r.status} {body[:200]!r}")
            return ms, json.loads(body)

        for _ in range(30):
            get("/api/v1/tickets?limit=50")
        shapes = {
            "first_page": "/api/v1/tickets?limit=50",
            "status_open": "/api/v1/tickets?status=open&limit=50",
            "desk_security": "/api/v1/tickets?desk=security&limit=50",
            "assignee": f"/api/v1/tickets?assignee={staff_ids[0]}&limit=50",
            "unassigned": "/api/v1/tickets?assignee=none&limit=50",
            "category_kyc": "/api/v1/tickets?category=kyc&limit=50",
            "priority_urgent": "/api/v1/tickets?priority=urgent&limit=50",
            "tag_fraud": "/api/v1/tickets?tag=fraud&limit=50",
            "status_desk_priority": "/api/v1/tickets?status=pending&desk=L2&priority=high&limit=50",
        }
        for name, path in shapes.items():
            lists[name] = percentiles([get(path)[0] for _ in range(args.samples)])
            benchlib.log(f"tickets: list {name:22s} p50 {lists[name]['p50_ms']:7.2f} ms  p99 {lists[name]['p99_ms']:7.2f} ms")
        cursor, deep = None, []
        for _ in range(args.samples):
            ms, page = get("/api/v1/tickets?limit=50" + (f"&cursor={cursor}" if cursor else ""))
            deep.append(ms)
            cursor = page["next_cursor"]
        lists["deep_pages"] = percentiles(deep)
        benchlib.log(f"tickets: list deep_pages (cursor)      p99 {lists['deep_pages']['p99_ms']:.2f} ms")
    finally:
        server.stop()
    result["list"] = lists
    worst = max(v["p99_ms"] for v in lists.values())
    result["worst_list_p99_ms"] = worst
    result["create_budget_ok"] = rate >= BUDGET_CREATE_PER_S
    result["list_budget_ok"] = worst <= BUDGET_P99_MS
    result["budget_ok"] = result["create_budget_ok"] and result["list_budget_ok"]
    benchlib.write_json(benchlib.RESULTS / "tickets.json", result)
    benchlib.log(f"tickets: create {rate:,.0f}/s ({'ok' if result['create_budget_ok'] else 'UNDER BUDGET'}), "
                 f"worst list p99 {worst:.2f} ms ({'ok' if result['list_budget_ok'] else 'OVER BUDGET'})")
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return 0 if result["budget_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
