#!/usr/bin/env python3
"""bench/chat: kefu's chat relay against two Node.js peers, in one run.

For each server (kefu, the socket.io relay persisting to SQLite, the bare ws relay) it starts a
fresh process on 127.0.0.1 with a temporary database, runs the same workloads with the native
load generator (bench/chat/loadgen.cpp), stops the process and then:

  chat_window  N pairs, each customer sends M messages with W in flight: server CPU per message
               (utime+stime from /proc/PID/stat over the send phase only), delivered msgs/s,
               latency; repeated, median taken
  chat_paced   the same, open loop at a fixed total rate (1,000 msgs/s): p50/p99 send→ack and
               send→delivery, CPU per message at that rate
  idle         a fresh process; idle authenticated WebSocket connections opened in steps up to
               the file-descriptor limit, server Pss/RSS and CPU after each; bytes per
               connection at 10,000 and a linear fit

Prints a table with ratios, checks the budgets (DESIGN.md §3) and writes bench/results/chat.json.
Exit status: 0 when every budget holds, 1 otherwise (or when kefu could not be measured).
"""
import argparse
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402
from benchlib import BENCH, ROOT, log  # noqa: E402

CHAT = BENCH / "chat"
PEERS = BENCH / "peers"
BUILD = BENCH / ".build"
LOADGEN = BUILD / "loadgen"
TARGETS = ["kefu", "socketio", "ws"]
LABEL = {"kefu": "kefu", "socketio": "socket.io+SQLite", "ws": "ws (no store)"}

BUDGETS = {
    "cpu_vs_socketio": 1 / 5,      # kefu CPU/msg ≤ 1/5 of the socket.io relay's
    "cpu_vs_ws": 1.0,              # and below the bare ws relay's
    "idle_bytes_per_conn": 4096,   # ≤ 4 KiB per idle connection (at 10k)
    "p99_ack_ms": 5.0,             # p99 send→ack at 1,000 msgs/s
}


def build_loadgen():
    BUILD.mkdir(parents=True, exist_ok=True)
    src = CHAT / "loadgen.cpp"
    if LOADGEN.exists() and LOADGEN.stat().st_mtime >= src.stat().st_mtime:
        return
    log("building loadgen (g++ -O2)")
    subprocess.run(["g++", "-O2", "-std=c++20", "-Wall", "-Wextra", "-o", str(LOADGEN), str(src)],
                   check=True)


def npm_ci(peer):
    d = PEERS / peer
    stamp = d / "node_modules" / ".package-lock.json"
    lock = d / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    log(f"npm ci in bench/peers/{peer} (better-sqlite3 compiles from source: about a minute)")
    env = dict(os.environ)
    # No prebuilt binaries or header downloads here: node-gyp uses the local Node headers.
    if "npm_config_nodedir" not in env and Path("/usr/include/node/node.h").exists():
        env["npm_config_nodedir"] = "/usr"
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=d, check=True, env=env,
                   stdout=sys.stderr)


def start_server(target, workdir_tag=""):
    if target == "kefu":
        import tempfile
        wd = Path(tempfile.mkdtemp(prefix=f"kefu-bench-kefu{workdir_tag}-"))
        srv = benchlib.Server("kefu", [benchlib.kefu_bin(), "serve", "--db", f"sqlite:{wd}/kefu.db",
                                       "--listen", "127.0.0.1:0"], workdir=wd,
                              env=dict(os.environ, KEFU_LOG_LEVEL=os.environ.get("KEFU_LOG_LEVEL", "info")))
        return srv
    if target == "socketio":
        srv = benchlib.Server("socketio", ["node", "server.js", "--port", "0"], cwd=PEERS / "socketio-relay")
        srv.argv += ["--db", str(srv.workdir / "relay.db")]
        return srv
    return benchlib.Server("ws", ["node", "server.js", "--port", "0"], cwd=PEERS / "ws-relay")


def kefu_add_agents(db, count, password):
    for i in range(1, count + 1):
        r = subprocess.run([str(benchlib.kefu_bin()), "staff", "add", "--db", str(db), "--email",
                            f"agent{i}@bench", "--role", "agent", "--desk", "L1", "--password-stdin"],
                           input=password + "\n", capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"kefu staff add agent{i}@bench failed ({r.returncode}): {r.stderr.strip()}")


def loadgen(target, srv, args, env=None, timeout=600):
    cmd = [str(LOADGEN), "--target", target, "--host", srv.host, "--port", str(srv.port),
           "--pid", str(srv.pid)] + [str(a) for a in args]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, timeout=timeout,
                       env=env)
    out = r.stdout.strip().splitlines()
    if not out:
        raise RuntimeError(f"loadgen {' '.join(cmd[1:])} printed nothing (exit {r.returncode})")
    data = json.loads(out[-1])
    data["exit_status"] = r.returncode
    return data


def kefu_db_check(db, acked):
    """After the server stopped: are the acknowledged messages in the database?"""
    out = {"acked_total": acked}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            cols = [r[1] for r in con.execute("PRAGMA table_info(messages)")]
            out["messages_rows"] = con.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            if "client_id" in cols:
                out["bench_client_ids"] = con.execute(
                    "SELECT COUNT(*) FROM messages WHERE client_id LIKE 'b%-%'").fetchone()[0]
                out["all_acked_persisted"] = out["bench_client_ids"] >= acked
            else:
                out["all_acked_persisted"] = out["messages_rows"] >= acked
        finally:
            con.close()
    except sqlite3.Error as e:
        out["error"] = str(e)
    return out


def chat_args(p, window=None, rate=None, pairs=None, messages=None):
    a = ["--mode", "chat", "--pairs", pairs or p.pairs, "--messages", messages or p.messages,
         "--chats-per-agent", p.chats_per_agent, "--text-bytes", p.text_bytes, "--src-addrs", p.src_addrs]
    a += ["--rate", rate] if rate else ["--window", window or p.window]
    return a


def run_target(target, p):
    res = {"label": LABEL[target]}
    # ---- chat phases on one process
    srv = start_server(target)
    env = None
    if target == "kefu":
        res["version"] = subprocess.run([str(benchlib.kefu_bin()), "--version"], capture_output=True,
                                        text=True).stdout.strip()
        password = secrets.token_urlsafe(18)
        agents = max(-(-max(p.pairs, p.paced_pairs) // p.chats_per_agent), 1)
        t = time.monotonic()
        kefu_add_agents(srv.workdir / "kefu.db", agents, password)
        res["setup_agents"] = {"count": agents, "seconds": round(time.monotonic() - t, 2)}
        env = dict(os.environ, KEFU_BENCH_AGENT_PASSWORD=password)
    try:
        srv.start()
        log(f"== {LABEL[target]}: pid {srv.pid} on {srv.host}:{srv.port}")
        res["rss_kib_after_start"] = benchlib.proc_sample(srv.pid)["rss_kib"]
        warm = loadgen(target, srv, chat_args(p, pairs=p.warmup_pairs, messages=p.warmup_messages), env)
        res["warmup"] = {k: warm.get(k) for k in ("acked", "delivered", "server_cpu_us_per_msg", "finished")}
        runs = []
        for i in range(p.repeat):
            runs.append(loadgen(target, srv, chat_args(p), env))
        runs.sort(key=lambda r: r.get("server_cpu_us_per_msg") or 1e18)
        res["chat_window"] = runs[len(runs) // 2]  # the median run by CPU per message
        res["chat_window_cpu_us_per_msg_runs"] = [r.get("server_cpu_us_per_msg") for r in runs]
        res["chat_paced"] = loadgen(target, srv, chat_args(p, rate=p.rate, pairs=p.paced_pairs,
                                                         messages=p.paced_messages), env)
        res["rss_kib_after_chat"] = benchlib.proc_sample(srv.pid)["rss_kib"]
    finally:
        res["exit_status_chat_server"] = srv.stop()
        if target == "kefu":
            acked = sum(r.get("acked", 0) for r in [warm] + runs + [res.get("chat_paced", {})]) \
                if "chat_paced" in res else None
            if acked is not None:
                res["db_check"] = kefu_db_check(srv.workdir / "kefu.db", acked)
        if res.get("exit_status_chat_server") not in (0, None):
            res["server_log_tail"] = srv.tail()
        srv.cleanup()
    # ---- idle connections on a fresh process
    if p.steps:
        srv = start_server(target, "-idle")
        try:
            srv.start()
            log(f"== {LABEL[target]} idle: pid {srv.pid} on {srv.host}:{srv.port}")
            args = ["--mode", "idle", "--steps", ",".join(map(str, p.steps)), "--settle", p.settle,
                    "--sessions", p.sessions, "--src-addrs", p.src_addrs]
            res["idle"] = loadgen(target, srv, args)
        finally:
            st = srv.stop()
            if st not in (0, None):
                res["idle_server_exit_status"] = st
                res["idle_server_log_tail"] = srv.tail()
            srv.cleanup()
    return res


def idle_at(idle, n):
    for s in (idle or {}).get("steps", []):
        if s["target_conns"] == n:
            return s
    return None


def summarize(results, p):
    s = {}
    for t, r in results.items():
        if "error" in r:
            continue
        w, pc, idle = r.get("chat_window", {}), r.get("chat_paced", {}), r.get("idle")
        at = idle_at(idle, p.mem_at) or {}
        steps = (idle or {}).get("steps", [])
        s[t] = {
            "cpu_us_per_msg": w.get("server_cpu_us_per_msg"),
            "cpu_us_per_msg_schedstat": w.get("server_sched_cpu_us_per_msg"),
            "cpu_us_per_msg_paced": pc.get("server_cpu_us_per_msg"),
            "delivered_per_s": w.get("delivered_per_s"),
            "window_p50_ack_ms": w.get("send_to_ack", {}).get("p50_ms"),
            "window_p99_ack_ms": w.get("send_to_ack", {}).get("p99_ms"),
            "paced_rate": pc.get("rate_target"),
            "paced_acked_per_s": pc.get("acked_per_s"),
            "paced_p50_ack_ms": pc.get("send_to_ack", {}).get("p50_ms"),
            "paced_p99_ack_ms": pc.get("send_to_ack", {}).get("p99_ms"),
            "paced_p50_delivery_ms": pc.get("send_to_delivery", {}).get("p50_ms"),
            "paced_p99_delivery_ms": pc.get("send_to_delivery", {}).get("p99_ms"),
            "paced_all_acked": pc.get("acked") == pc.get("sent") and pc.get("sent", 0) > 0,
            "idle_conns_measured": at.get("live_conns"),
            "idle_bytes_per_conn": at.get("pss_bytes_per_conn"),
            "idle_rss_bytes_per_conn": at.get("rss_bytes_per_conn"),
            "idle_max_live_conns": max((x["live_conns"] for x in steps), default=None),
            "idle_max_target_conns": max((x["target_conns"] for x in steps), default=None),
            "idle_fit_bytes_per_conn": (idle or {}).get("fit_pss", {}).get("bytes_per_conn"),
            "idle_fit_r2": (idle or {}).get("fit_pss", {}).get("r2"),
            "idle_extrapolated_100k_mib": (idle or {}).get("fit_pss", {}).get("extrapolated_100k_mib"),
            "open_cpu_us_per_conn": [x["open_cpu_us_per_conn"] for x in steps],
            # Protocol anomalies over the window and paced phases (all should be 0 / false).
            "protocol": {
                key: sum(int(ph.get(key) or 0) for ph in (w, pc))
                for key in ("error_frames", "dup_acks", "dup_deliveries", "unmatched_frames",
                            "created_on_sender_conn", "closed_by_server", "protocol_errors",
                            "connect_failures", "handshake_failures")
            } | {"hello_missing": bool(w.get("hello_missing") or pc.get("hello_missing")),
                 "idle_errors": (idle or {}).get("errors", {})},
        }
    return s


def ratio(a, b):
    return round(a / b, 4) if a is not None and b else None


def check_budgets(summary, results):
    k = summary.get("kefu")
    out = []

    def add(name, value, limit, ok, note=""):
        out.append({"name": name, "value": value, "limit": limit,
                    "pass": bool(ok) if value is not None else False, "note": note})

    if not k:
        add("kefu measured", None, "yes", False, results.get("kefu", {}).get("error", "not run"))
        return out
    sio, ws = summary.get("socketio", {}), summary.get("ws", {})
    r = ratio(k["cpu_us_per_msg"], sio.get("cpu_us_per_msg"))
    add("cpu/msg kefu ÷ socket.io", r, f"≤ {BUDGETS['cpu_vs_socketio']:.2f}",
        r is not None and r <= BUDGETS["cpu_vs_socketio"], "window phase, median run")
    r = ratio(k["cpu_us_per_msg"], ws.get("cpu_us_per_msg"))
    add("cpu/msg kefu ÷ ws", r, f"< {BUDGETS['cpu_vs_ws']:.2f}", r is not None and r < BUDGETS["cpu_vs_ws"],
        "window phase, median run")
    v = k["idle_bytes_per_conn"]
    add(f"idle bytes/conn at {k['idle_conns_measured']}", v, f"≤ {BUDGETS['idle_bytes_per_conn']}",
        v is not None and v <= BUDGETS["idle_bytes_per_conn"], "Pss delta ÷ live connections")
    v = k["paced_p99_ack_ms"]
    add(f"p99 send→ack at {k['paced_rate']:.0f} msgs/s (ms)" if k["paced_rate"] else "p99 send→ack (ms)",
        v, f"≤ {BUDGETS['p99_ack_ms']}", v is not None and v <= BUDGETS["p99_ack_ms"] and k["paced_all_acked"],
        "every message acked" if k["paced_all_acked"] else "NOT every message was acked")
    dbc = results["kefu"].get("db_check", {})
    add("acked messages found in the database", dbc.get("all_acked_persisted"), True,
        dbc.get("all_acked_persisted") is True, json.dumps(dbc))
    v = k["idle_max_live_conns"]
    add("idle connections held (fd limit)", v, f"= {k['idle_max_target_conns']}",
        v is not None and v == k["idle_max_target_conns"])
    return out


def fmt(v, nd=1):
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def print_table(summary, ratios, budgets):
    rows = [
        ("server CPU µs/msg (window)", "cpu_us_per_msg", 1),
        ("  same from schedstat (ns clock)", "cpu_us_per_msg_schedstat", 1),
        ("server CPU µs/msg (paced)", "cpu_us_per_msg_paced", 1),
        ("delivered msgs/s (window)", "delivered_per_s", 0),
        ("p50 / p99 send→ack ms (window)", ("window_p50_ack_ms", "window_p99_ack_ms"), 2),
        ("p50 / p99 send→ack ms (paced)", ("paced_p50_ack_ms", "paced_p99_ack_ms"), 3),
        ("p50 / p99 send→delivery ms (paced)", ("paced_p50_delivery_ms", "paced_p99_delivery_ms"), 3),
        ("idle bytes/conn (Pss, at 10k)", "idle_bytes_per_conn", 0),
        ("idle bytes/conn (linear fit)", "idle_fit_bytes_per_conn", 0),
        ("idle fit R²", "idle_fit_r2", 4),
        ("idle conns held (max step)", "idle_max_live_conns", 0),
        ("extrapolated MiB at 100k conns", "idle_extrapolated_100k_mib", 0),
    ]
    cols = [t for t in TARGETS if t in summary]
    w0 = 36
    print()
    print("".ljust(w0) + "".join(LABEL[c].rjust(20) for c in cols))
    for title, key, nd in rows:
        line = title.ljust(w0)
        for c in cols:
            if isinstance(key, tuple):
                cell = f"{fmt(summary[c].get(key[0]), nd)} / {fmt(summary[c].get(key[1]), nd)}"
            else:
                cell = fmt(summary[c].get(key), nd)
            line += cell.rjust(20)
        print(line)
    print()
    for k, v in ratios.items():
        print(f"  {k:<40} {fmt(v, 3)}")
    print()
    for b in budgets:
        print(f"  [{'PASS' if b['pass'] else 'FAIL'}] {b['name']}: {fmt(b['value'], 3)} (budget {b['limit']})"
              + (f" — {b['note']}" if b["note"] and not b["note"].startswith("{") else ""))
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma list of kefu,socketio,ws")
    ap.add_argument("--pairs", type=int, default=200, help="window phase: customer/agent pairs")
    ap.add_argument("--messages", type=int, default=100, help="window phase: messages per customer")
    ap.add_argument("--window", type=int, default=4, help="window phase: unacked messages per customer")
    ap.add_argument("--repeat", type=int, default=3, help="window phase repetitions (median kept)")
    ap.add_argument("--rate", type=float, default=1000, help="paced phase: total msgs/s")
    ap.add_argument("--paced-pairs", type=int, default=100)
    ap.add_argument("--paced-messages", type=int, default=100, help="per customer (100×100 at 1000/s: 10 s)")
    ap.add_argument("--warmup-pairs", type=int, default=50)
    ap.add_argument("--warmup-messages", type=int, default=40)
    ap.add_argument("--chats-per-agent", type=int, default=10)
    ap.add_argument("--text-bytes", type=int, default=64)
    ap.add_argument("--steps", default="2000,5000,10000,15000,19000",
                    help="idle connection steps (capped by the fd limit); empty to skip")
    ap.add_argument("--mem-at", type=int, default=10000, help="idle step whose bytes/conn is the budget figure")
    ap.add_argument("--sessions", type=int, default=1000, help="kefu widget sessions shared by idle connections")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds idle before each memory reading")
    ap.add_argument("--src-addrs", type=int, default=8, help="source addresses 127.0.0.1..N")
    ap.add_argument("--quick", action="store_true", help="small sizes, for trying the harness")
    ap.add_argument("--out", default=str(benchlib.RESULTS / "chat.json"))
    p = ap.parse_args()
    if p.quick:
        p.pairs, p.messages, p.repeat, p.paced_messages = 50, 40, 1, 20
        p.warmup_messages, p.steps, p.settle = 10, "1000,2000", 1.0
    hard = benchlib.raise_nofile()
    cap = hard - 500
    p.steps = [s for s in (int(x) for x in p.steps.split(",") if x.strip()) if s <= cap]
    if p.steps and p.mem_at not in p.steps:
        p.mem_at = max(s for s in p.steps if s <= p.mem_at) if any(s <= p.mem_at for s in p.steps) else p.steps[0]
    targets = [t for t in p.targets.split(",") if t]
    started = time.monotonic()
    build_loadgen()
    for t in targets:
        if t in ("socketio", "ws"):
            npm_ci({"socketio": "socketio-relay", "ws": "ws-relay"}[t])
    machine = benchlib.machine()
    results = {}
    for t in targets:
        if t == "kefu" and not benchlib.kefu_bin().exists():
            results[t] = {"label": LABEL[t], "error": f"{benchlib.kefu_bin()} not found: run `make build`"}
            log(results[t]["error"])
            continue
        try:
            results[t] = run_target(t, p)
        except Exception as e:  # keep measuring the others; the error goes into the JSON
            results[t] = {"label": LABEL[t], "error": f"{type(e).__name__}: {e}"}
            log(f"{t}: {results[t]['error']}")
    summary = summarize(results, p)
    k, sio, ws = summary.get("kefu", {}), summary.get("socketio", {}), summary.get("ws", {})
    ratios = {
        "cpu_per_msg_kefu_over_socketio": ratio(k.get("cpu_us_per_msg"), sio.get("cpu_us_per_msg")),
        "cpu_per_msg_kefu_over_ws": ratio(k.get("cpu_us_per_msg"), ws.get("cpu_us_per_msg")),
        "cpu_per_msg_paced_kefu_over_socketio": ratio(k.get("cpu_us_per_msg_paced"), sio.get("cpu_us_per_msg_paced")),
        "cpu_per_msg_paced_kefu_over_ws": ratio(k.get("cpu_us_per_msg_paced"), ws.get("cpu_us_per_msg_paced")),
        "mem_per_conn_kefu_over_socketio": ratio(k.get("idle_bytes_per_conn"), sio.get("idle_bytes_per_conn")),
        "mem_per_conn_kefu_over_ws": ratio(k.get("idle_bytes_per_conn"), ws.get("idle_bytes_per_conn")),
    }
    budgets = check_budgets(summary, results) if "kefu" in targets else []
    ok = all(b["pass"] for b in budgets) and "kefu" in targets
    params = {k2: v for k2, v in vars(p).items() if k2 not in ("out", "targets")}
    params["targets"] = targets
    params["text"] = "mixed zh/en chat text, client frames masked"
    data = {
        "benchmark": "chat",
        "timestamp": benchlib.timestamp(),
        "duration_s": round(time.monotonic() - started, 1),
        "machine": machine,
        "parameters": params,
        "budgets_reference": {"socketio_cpu_us_per_msg_expected": 154, "ws_cpu_us_per_msg_expected": 56,
                              "socketio_bytes_per_conn_expected": 15 * 1024, "ws_bytes_per_conn_expected": 7 * 1024},
        "summary": summary,
        "ratios": ratios,
        "budgets": budgets,
        "ok": ok,
        "servers": results,
    }
    benchlib.write_json(p.out, data)
    print_table(summary, ratios, budgets)
    print(f"wrote {os.path.relpath(p.out, ROOT)} in {data['duration_s']} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
