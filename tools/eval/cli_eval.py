#!/usr/bin/env python3
"""The bot evaluation through the command line, as issue 4 item 6 words it.

Each dataset's training split is written as a JSONL knowledge base (one entry per intent, id =
the intent name, lang "en", question = the first training sentence, variants = all of them,
answer = a short text naming the intent), imported with `kefu kb import` into a fresh database,
and every test sentence is asked through ONE `kefu bot ask --db ... --lang en` process (stdin
mode, one line per question, one JSON object back per line, in order). Scored exactly as
tests/bot/nlu/eval.cpp scores the library path:

  accuracy    in-scope queries whose faq_id equals the expected intent (faq_id null = wrong)
  oos_recall  out-of-scope queries answered with faq_id null (CLINC150 oos_test; oos_train is
              never imported)

The wallet FAQ set (tests/data/bot/wallet_eval.tsv) is asked against data/demo/kb.jsonl with the
language detected (no --lang), as the library evaluation does; expected_faq is a topic (the
faq_id without its language suffix). Rows with expected_faq "-" and expected_route "bot" are the
out-of-scope rows; routing recall compares expected_route with the returned route.

Writes bench/results/nlu_cli.json and prints a table; exit status 1 when a threshold of issue 4
fails, 2 when the evaluation itself could not run.

  tools/eval/cli_eval.py [--build DIR] [--data DIR] [--out FILE] [--only NAME[,NAME]]
                         [--lang en|none] [--show-errors]
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

THRESHOLDS = {
    "banking77": {"accuracy": 0.90},
    "clinc150": {"accuracy": 0.92, "oos_recall": 0.50},
    "wallet-faq": {"accuracy": 0.90, "oos_recall": 0.90, "routing_security_complaints": 1.0},
}

LANG_SUFFIXES = ("zh-cn", "zh-tw", "zh", "en", "es", "zh-hans")


def topic_of(faq_id):
    """nlu::TopicOf: the id without a -zh/_en/.es (…) language suffix."""
    lower = faq_id.lower()
    for suffix in LANG_SUFFIXES:
        if len(lower) <= len(suffix) + 1:
            continue
        at = len(lower) - len(suffix)
        if lower[at - 1] in "-_." and lower[at:] == suffix:
            return faq_id[: at - 1]
    return faq_id


class Kefu:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir

    def run(self, args, **kw):
        return subprocess.run([self.binary] + args, cwd=self.workdir, capture_output=True, **kw)

    def import_kb(self, entries, name):
        """Writes the entries as JSONL and imports them into a new database; returns its path and
        the seconds the import (including training) took."""
        kb_path = os.path.join(self.workdir, name + ".jsonl")
        db_path = os.path.join(self.workdir, name + ".db")
        with open(kb_path, "w", encoding="utf-8") as f:
            for e in entries:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        t0 = time.monotonic()
        r = self.run(["kb", "import", kb_path, "--db", db_path])
        seconds = time.monotonic() - t0
        if r.returncode != 0:
            raise RuntimeError("kefu kb import %s failed (%d):\n%s%s" % (
                kb_path, r.returncode, r.stdout.decode(errors="replace"),
                r.stderr.decode(errors="replace")))
        self.trained = {}
        for line in r.stderr.decode(errors="replace").splitlines():
            try:
                log = json.loads(line)
            except ValueError:
                continue
            if isinstance(log, dict) and log.get("event", log.get("msg")) == "bot.trained":
                self.trained = log
        return db_path, seconds

    def ask(self, db_path, questions, lang=None):
        """Asks every question through one `kefu bot ask` process; returns the answers in order
        and the seconds the process took (loading the model included)."""
        lines = []
        for q in questions:
            q = q.replace("\r", " ").replace("\n", " ")
            lines.append(q)
        args = ["bot", "ask", "--db", db_path]
        if lang:
            args += ["--lang", lang]
        t0 = time.monotonic()
        r = self.run(args, input=("\n".join(lines) + "\n").encode("utf-8"))
        seconds = time.monotonic() - t0
        if r.returncode != 0:
            raise RuntimeError("kefu bot ask failed (%d):\n%s" % (
                r.returncode, r.stderr.decode(errors="replace")[-2000:]))
        answers = [json.loads(l) for l in r.stdout.decode("utf-8").splitlines() if l.strip()]
        if len(answers) != len(questions):
            raise RuntimeError("kefu bot ask answered %d lines for %d questions" % (
                len(answers), len(questions)))
        return answers, seconds


def to_kb(train, lang="en"):
    """One entry per intent in first-seen order: question = its first sentence, variants = all
    its sentences."""
    kb, index = [], {}
    for text, label in train:
        if label not in index:
            index[label] = len(kb)
            kb.append({"id": label, "lang": lang, "category": "eval", "question": text,
                       "variants": [], "answer": "Intent: %s." % label.replace("_", " ")})
        kb[index[label]]["variants"].append(text)
    return kb


class Tally:
    def __init__(self):
        self.right = self.total = 0
        self.rejected = self.oos_total = 0
        self.in_scope_rejected = 0
        self.warned = 0          # answers whose `warnings` is not empty (the secret guard fired)
        self.handoffs = 0
        self.reasons = {}
        self.errors = []
        self.threshold = None    # the rejection threshold `kefu kb import` logged (bot.trained)

    def answer_seen(self, a):
        if a.get("warnings"):
            self.warned += 1
        if a.get("handoff"):
            self.handoffs += 1
        self.reasons[a.get("reason", "")] = self.reasons.get(a.get("reason", ""), 0) + 1

    def in_scope(self, text, want, got, a, key=lambda x: x):
        self.answer_seen(a)
        self.total += 1
        ok = got is not None and key(got) == want
        self.right += ok
        if got is None:
            self.in_scope_rejected += 1
        if not ok:
            self.errors.append("miss: %s | want %s | got %s %.4f%s" % (
                text, want, got, a.get("confidence", 0),
                " warnings=" + ",".join(a["warnings"]) if a.get("warnings") else ""))

    def out_of_scope(self, text, got, a):
        self.answer_seen(a)
        self.oos_total += 1
        self.rejected += got is None
        if got is not None:
            self.errors.append("answered out of scope: %s | got %s %.4f" % (
                text, got, a.get("confidence", 0)))

    def result(self, name, kb, import_seconds, ask_seconds):
        n = self.total + self.oos_total
        return {
            "name": name,
            "entries": len(kb),
            "train_sentences": sum(len({e["question"], *e["variants"]}) for e in kb),
            "in_scope_queries": self.total,
            "accuracy": round(self.right / self.total, 6) if self.total else 0,
            "in_scope_rejected": self.in_scope_rejected,
            "oos_queries": self.oos_total,
            "oos_recall": round(self.rejected / self.oos_total, 6) if self.oos_total else 0,
            "answers_with_warnings": self.warned,
            "handoffs": self.handoffs,
            "reasons": dict(sorted(self.reasons.items(), key=lambda kv: -kv[1])),
            "threshold": self.threshold,
            "import_seconds": round(import_seconds, 3),
            "ask_seconds": round(ask_seconds, 3),
            "ask_us_mean": round(ask_seconds * 1e6 / n, 1) if n else 0,
        }


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return [(r[0], r[1]) for r in rows[1:] if len(r) == 2]


def run_banking77(kefu, data_dir, show, lang):
    train = read_csv(os.path.join(data_dir, "banking77", "train.csv"))
    test = read_csv(os.path.join(data_dir, "banking77", "test.csv"))
    kb = to_kb(train)
    db, import_s = kefu.import_kb(kb, "banking77")
    answers, ask_s = kefu.ask(db, [t for t, _ in test], lang=lang)
    t = Tally()
    t.threshold = kefu.trained.get("threshold")
    for (text, label), a in zip(test, answers):
        t.in_scope(text, label, a.get("faq_id"), a)
    if show:
        sys.stderr.write("\n".join(t.errors) + "\n")
    return t.result("banking77", kb, import_s, ask_s)


def run_clinc150(kefu, data_dir, show, lang):
    with open(os.path.join(data_dir, "clinc150", "data_full.json"), encoding="utf-8") as f:
        doc = json.load(f)
    kb = to_kb([(p[0], p[1]) for p in doc["train"]])  # oos_train is never imported
    db, import_s = kefu.import_kb(kb, "clinc150")
    test = [(p[0], p[1]) for p in doc["test"]]
    oos = [p[0] for p in doc["oos_test"]]
    answers, ask_s = kefu.ask(db, [t for t, _ in test] + oos, lang=lang)
    t = Tally()
    t.threshold = kefu.trained.get("threshold")
    for (text, label), a in zip(test, answers[: len(test)]):
        t.in_scope(text, label, a.get("faq_id"), a)
    for text, a in zip(oos, answers[len(test):]):
        t.out_of_scope(text, a.get("faq_id"), a)
    if show:
        sys.stderr.write("\n".join(t.errors) + "\n")
    return t.result("clinc150", kb, import_s, ask_s)


def run_wallet(kefu, show):
    kb = []
    with open(os.path.join(ROOT, "data", "demo", "kb.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                kb.append(json.loads(line))
    db, import_s = kefu.import_kb(kb, "wallet")
    rows = []
    with open(os.path.join(ROOT, "tests", "data", "bot", "wallet_eval.tsv"), encoding="utf-8") as f:
        next(f)  # header: lang, text, expected_faq, expected_route, expected_handoff, note
        for line in f:
            col = line.rstrip("\n").rstrip("\r").split("\t")
            if len(col) >= 5:
                rows.append(col)
    # Language detected from the text, as a user would ask and as the library evaluation does.
    answers, ask_s = kefu.ask(db, [c[1] for c in rows])
    t = Tally()
    t.threshold = kefu.trained.get("threshold")
    by_lang = {}
    routes = {}  # expected route -> [right, total]
    handoff_right = 0
    route_errors = []
    for col, a in zip(rows, answers):
        lang, text, want, want_route, want_handoff = col[:5]
        got = a.get("faq_id")
        if want != "-":
            before = t.right
            t.in_scope(text, want, got, a, key=topic_of)
            r = by_lang.setdefault(lang, [0, 0])
            r[0] += t.right - before
            r[1] += 1
        elif want_route == "bot":
            t.out_of_scope(text, got, a)
        else:
            t.answer_seen(a)
        r = routes.setdefault(want_route, [0, 0])
        ok = a.get("route") == want_route
        r[0] += ok
        r[1] += 1
        if not ok:
            route_errors.append("route: %s | want %s | got %s (%s)" % (
                text, want_route, a.get("route"), a.get("reason")))
        handoff_right += (want_handoff == "yes") == bool(a.get("handoff"))
    if show:
        sys.stderr.write("\n".join(t.errors + route_errors) + "\n")
    res = t.result("wallet-faq", kb, import_s, ask_s)
    for lang in sorted(by_lang):
        res["accuracy_" + lang] = round(by_lang[lang][0] / by_lang[lang][1], 6)
    res["routing"] = {k: {"right": v[0], "total": v[1], "recall": round(v[0] / v[1], 6)}
                      for k, v in sorted(routes.items())}
    sc = [routes.get(k, [0, 0]) for k in ("security", "complaints")]
    sc_total = sum(v[1] for v in sc)
    res["routing_security_complaints"] = round(sum(v[0] for v in sc) / sc_total, 6) if sc_total else 0
    res["handoff_agreement"] = round(handoff_right / len(rows), 6) if rows else 0
    return res


def library_results(path):
    try:
        with open(path, encoding="utf-8") as f:
            return {d["name"]: d for d in json.load(f)["datasets"]}
    except (OSError, ValueError, KeyError):
        return {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--data", default=os.environ.get("KEFU_EVAL_DATA", "/work/shared/data"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "nlu_cli.json"))
    ap.add_argument("--library", default=os.path.join(ROOT, "bench", "results", "nlu.json"),
                    help="the library path's results, for the comparison column")
    ap.add_argument("--only", default="", help="comma-separated: banking77,clinc150,wallet-faq")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--lang", default="en",
                    help="--lang for BANKING77 and CLINC150 ('none': detect, as the library "
                         "evaluation does)")
    args = ap.parse_args()
    lang = None if args.lang in ("", "none") else args.lang

    binary = os.path.abspath(os.path.join(args.build, "kefu"))
    if not os.access(binary, os.X_OK):
        sys.stderr.write("cli_eval: %s not found; build it with cmake --build %s --target kefu\n"
                         % (binary, args.build))
        return 2
    only = set(filter(None, args.only.split(",")))
    show = args.show_errors or bool(os.environ.get("KEFU_NLU_SHOW_ERRORS"))
    results = []
    with tempfile.TemporaryDirectory(prefix="kefu-cli-eval-") as tmp:
        kefu = Kefu(binary, tmp)
        try:
            if not only or "banking77" in only:
                results.append(run_banking77(kefu, args.data, show, lang))
            if not only or "clinc150" in only:
                results.append(run_clinc150(kefu, args.data, show, lang))
            if not only or "wallet-faq" in only:
                results.append(run_wallet(kefu, show))
        except (RuntimeError, OSError, ValueError) as e:
            sys.stderr.write("cli_eval: %s\n" % e)
            return 2

    lib = library_results(args.library)
    failures = []
    print("%-11s %8s %9s %9s %9s %9s %8s %8s" % (
        "dataset", "queries", "acc(cli)", "acc(lib)", "oos(cli)", "oos(lib)", "warned", "import"))
    for r in results:
        l = lib.get(r["name"], {})
        la = "%.4f" % l["accuracy"] if "accuracy" in l else "-"
        lo = "%.4f" % l["oos_recall"] if l.get("oos_queries") else "-"
        print("%-11s %8d %9.4f %9s %9s %9s %8d %7.1fs" % (
            r["name"], r["in_scope_queries"] + r["oos_queries"], r["accuracy"], la,
            "%.4f" % r["oos_recall"] if r["oos_queries"] else "-", lo,
            r["answers_with_warnings"], r["import_seconds"]))
        if l:
            r["library_accuracy"] = l.get("accuracy")
            r["library_oos_recall"] = l.get("oos_recall")
        for metric, floor in THRESHOLDS.get(r["name"], {}).items():
            if r.get(metric, 0) < floor:
                failures.append("%s %s %.4f < %.2f" % (r["name"], metric, r.get(metric, 0), floor))
        if "routing" in r:
            print("  routing recall: " + ", ".join(
                "%s %d/%d" % (k, v["right"], v["total"]) for k, v in r["routing"].items()))
            print("  accuracy by language: " + ", ".join(
                "%s %.4f" % (k[9:], v) for k, v in r.items() if k.startswith("accuracy_")))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"benchmark": "nlu_cli", "path": "kefu kb import + kefu bot ask",
                   "lang": {"banking77": lang, "clinc150": lang, "wallet-faq": None},
                   "thresholds": THRESHOLDS, "datasets": results,
                   "failures": failures}, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print("wrote %s" % os.path.relpath(args.out, ROOT))
    for fail in failures:
        print("FAIL " + fail)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
