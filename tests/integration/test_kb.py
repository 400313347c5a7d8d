"""Knowledge-base management over real HTTP: who may do what, articles with versions, publishing
and unpublishing (the bot retrains in the background and follows), the public search in zh/en/es,
and answers in traditional characters for zh-TW askers."""
import json
import os
import time
import unittest
import urllib.parse

from kefu import ROOT, Server

KB = os.path.join(ROOT, "data", "demo", "kb.jsonl")
ARTICLES = "/api/v1/kb/articles"

NFT = {
    "lang": "zh",
    "category": "nft",
    "question": "NFT 藏品怎么转出到别的钱包？",
    "variants": ["nft怎么转出", "怎么把nft转到别的钱包", "藏品转出", "nft提走"],
    "answer": "在「资产 → NFT」里选中藏品，点「转出」，输入接收地址并确认网络即可。",
}


def wait_for(check, timeout=15.0, interval=0.1):
    """Polls check() until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


class KbServer:
    """A server with the demo knowledge base and one staff member of each role."""

    ROLES = ["kb_editor", "admin", "supervisor", "agent", "auditor"]

    def __init__(self, env=None):
        self.server = Server(env=env)
        r = self.server.cli("kb", "import", KB, "--db", self.server.db)
        assert r.returncode == 0, r.stderr
        for role in self.ROLES:
            self.server.add_staff(f"{role}@kb.it", role=role)
        self.server.start()
        self.tokens = {role: self.server.login(f"{role}@kb.it") for role in self.ROLES}

    def ask(self, text, lang=None):
        body = {"text": text} | ({"lang": lang} if lang else {})
        status, answer = self.server.request("POST", "/api/v1/bot/answer", body)
        assert status == 200, answer
        return answer

    def search(self, q, **params):
        query = urllib.parse.urlencode({"q": q, **params})
        return self.server.request("GET", "/api/v1/kb/search?" + query)

    def retrains(self):
        status, text = self.server.request("GET", "/metrics")
        for line in text.decode().splitlines():
            if line.startswith("kefu_bot_retrains_total "):
                return int(line.split()[1])
        raise AssertionError("no kefu_bot_retrains_total in /metrics")


class KbRestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kb = KbServer()
        cls.s = cls.kb.server
        cls.editor = cls.kb.tokens["kb_editor"]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def create(self, body, token=None, expect=201):
        status, article = self.s.request("POST", ARTICLES, body, token=token or self.editor)
        self.assertEqual(status, expect, article)
        return article

    def test_roles(self):
        s, t = self.s, self.kb.tokens
        customer = s.widget_session()["token"]
        # Writing: kb_editor and admin only.
        a = self.create(NFT | {"id": "roles-admin-zh"}, token=t["admin"])
        self.assertEqual(a["author"]["name"], "admin")
        for role in ["supervisor", "agent", "auditor"]:
            status, body = s.request("POST", ARTICLES, NFT, token=t[role])
            self.assertEqual((status, body["error"]["code"]), (403, "forbidden"), role)
            status, _ = s.request("POST", f"{ARTICLES}/roles-admin-zh/publish", token=t[role])
            self.assertEqual(status, 403, role)
        self.assertEqual(s.request("POST", ARTICLES, NFT, token=customer)[0], 403)
        self.assertEqual(s.request("POST", ARTICLES, NFT)[0], 401)
        # Reading drafts and history: also supervisors.
        for role in ["kb_editor", "admin", "supervisor"]:
            self.assertEqual(s.request("GET", ARTICLES, token=t[role])[0], 200, role)
            self.assertEqual(s.request("GET", f"{ARTICLES}/roles-admin-zh/versions", token=t[role])[0], 200, role)
        for role in ["agent", "auditor"]:
            self.assertEqual(s.request("GET", ARTICLES, token=t[role])[0], 403, role)
            self.assertEqual(s.request("GET", f"{ARTICLES}/roles-admin-zh", token=t[role])[0], 403, role)
        self.assertEqual(s.request("GET", ARTICLES, token=customer)[0], 403)
        self.assertEqual(s.request("GET", ARTICLES)[0], 401)
        # Searching: everyone, without a token too.
        for token in [None, customer, t["agent"], t["auditor"]]:
            status, body = s.request("GET", "/api/v1/kb/search?q=" + urllib.parse.quote("提现失败"), token=token)
            self.assertEqual(status, 200)
            self.assertTrue(body["results"])

    def test_create_edit_versions_publish_unpublish(self):
        s = self.s
        a = self.create(NFT | {"id": "lifecycle-zh", "variants": ["  nft转出 ", "", "藏品转出"]})
        self.assertEqual((a["version"], a["status"], a["published_version"]), (1, "draft", None))
        self.assertEqual(a["variants"], ["nft转出", "藏品转出"])  # trimmed, blanks dropped
        self.assertEqual(a["author"]["name"], "kb_editor")
        status, body = s.request("POST", ARTICLES, NFT | {"id": "lifecycle-zh"}, token=self.editor)
        self.assertEqual((status, body["error"]["code"]), (409, "conflict"))
        # Ids are unique across languages: an imported English entry's id is taken too.
        status, body = s.request("POST", ARTICLES, NFT | {"id": "register-en"}, token=self.editor)
        self.assertEqual(status, 409)

        status, a = s.request("POST", f"{ARTICLES}/lifecycle-zh/publish", token=self.editor)
        self.assertEqual((status, a["status"], a["published_version"]), (200, "published", 1))
        status, a = s.request("PUT", f"{ARTICLES}/lifecycle-zh", {"answer": "第二版答案。", "base_version": 1},
                              token=self.editor)
        self.assertEqual(status, 200, a)
        self.assertEqual((a["version"], a["published_version"], a["answer"]), (2, 1, "第二版答案。"))
        self.assertEqual(a["question"], NFT["question"])  # fields left out are kept
        status, body = s.request("PUT", f"{ARTICLES}/lifecycle-zh", {"answer": "过时的编辑", "base_version": 1},
                                 token=self.editor)
        self.assertEqual((status, body["error"]["code"]), (409, "conflict"))
        status, same = s.request("PUT", f"{ARTICLES}/lifecycle-zh", {"answer": "第二版答案。"}, token=self.editor)
        self.assertEqual((status, same["version"]), (200, 2))  # nothing changed, no version

        status, page = s.request("GET", f"{ARTICLES}/lifecycle-zh/versions", token=self.kb.tokens["supervisor"])
        self.assertEqual(status, 200)
        self.assertEqual([(v["version"], v["published"]) for v in page["versions"]], [(2, False), (1, True)])
        self.assertEqual(page["versions"][1]["answer"], NFT["answer"])
        self.assertFalse(page["has_more"])
        status, page = s.request("GET", f"{ARTICLES}/lifecycle-zh/versions?limit=1", token=self.editor)
        self.assertEqual(([v["version"] for v in page["versions"]], page["has_more"]), ([2], True))
        status, page = s.request("GET", f"{ARTICLES}/lifecycle-zh/versions?before_version=2", token=self.editor)
        self.assertEqual([v["version"] for v in page["versions"]], [1])

        status, a = s.request("POST", f"{ARTICLES}/lifecycle-zh/publish", {"version": 2}, token=self.editor)
        self.assertEqual(a["published_version"], 2)
        status, a = s.request("POST", f"{ARTICLES}/lifecycle-zh/publish", {"version": 1}, token=self.editor)
        self.assertEqual(a["published_version"], 1)  # rolled back
        status, body = s.request("POST", f"{ARTICLES}/lifecycle-zh/publish", {"version": 7}, token=self.editor)
        self.assertEqual(status, 404)
        status, a = s.request("POST", f"{ARTICLES}/lifecycle-zh/unpublish", token=self.editor)
        self.assertEqual((status, a["status"], a["published_version"], a["version"]), (200, "draft", None, 2))
        status, a = s.request("GET", f"{ARTICLES}/lifecycle-zh", token=self.editor)
        self.assertEqual((status, a["variants"]), (200, ["nft转出", "藏品转出"]))

    def test_generated_ids_and_listing(self):
        s = self.s
        a = self.create({"lang": "es", "category": "it-list", "question": "¿Cómo transfiero un NFT?",
                         "answer": "Ve a Activos → NFT."})
        self.assertRegex(a["id"], r"^kb-[0-9a-f]{12}-es$")
        b = self.create({"lang": "zh-TW", "category": "it-list", "question": "NFT 怎麼轉出？", "answer": "到資產頁轉出。"})
        self.assertEqual(b["lang"], "zh")
        status, page = s.request("GET", f"{ARTICLES}?category=it-list&limit=1", token=self.editor)
        self.assertEqual(status, 200)
        seen = [x["id"] for x in page["articles"]]
        self.assertNotIn("variants", page["articles"][0])
        while page["next_cursor"]:
            cursor = urllib.parse.quote(page["next_cursor"])
            status, page = s.request("GET", f"{ARTICLES}?category=it-list&limit=1&cursor={cursor}", token=self.editor)
            seen += [x["id"] for x in page["articles"]]
        self.assertEqual(seen, sorted([a["id"], b["id"]]))
        status, page = s.request("GET", f"{ARTICLES}?category=it-list&lang=es", token=self.editor)
        self.assertEqual([x["id"] for x in page["articles"]], [a["id"]])
        status, page = s.request("GET", f"{ARTICLES}?status=published&limit=100", token=self.editor)
        self.assertTrue(all(x["status"] == "published" for x in page["articles"]))
        self.assertNotIn(a["id"], [x["id"] for x in page["articles"]])
        status, page = s.request("GET", f"{ARTICLES}?lang=zh&status=published&category=withdrawal", token=self.editor)
        self.assertTrue(page["articles"])
        self.assertTrue(all(x["id"].endswith("-zh") for x in page["articles"]))

    def test_validation(self):
        s, t = self.s, self.editor
        cases = [
            ({"lang": "fr", "question": "q", "answer": "a"}, "'lang'"),
            ({"question": "q", "answer": "a"}, "'lang'"),
            ({"lang": "en", "question": "   ", "answer": "a"}, "'question'"),
            ({"lang": "en", "question": "q", "answer": ""}, "'answer'"),
            ({"lang": "en", "question": "q"}, "'answer'"),
            ({"lang": "en", "question": "q" * 501, "answer": "a"}, "500"),
            ({"lang": "en", "question": "q", "answer": "长" * 10001}, "10000"),
            ({"lang": "en", "question": "q", "answer": "a", "variants": ["v"] * 5001}, "5000"),
            ({"lang": "en", "question": "q", "answer": "a", "variants": "v"}, "'variants'"),
            ({"lang": "en", "question": "q", "answer": "a", "variants": [1]}, "'variants'"),
            ({"lang": "en", "question": "q", "answer": "a", "id": "has space"}, "'id'"),
            ({"lang": "en", "question": "q", "answer": "a", "id": "-leading"}, "'id'"),
            ({"lang": "en", "question": "q", "answer": "a", "id": "x" * 129}, "'id'"),
            ({"lang": "en", "question": "q", "answer": "a", "id": 7}, "'id'"),
        ]
        for body, mentions in cases:
            with self.subTest(body=str(body)[:80]):
                status, err = s.request("POST", ARTICLES, body, token=t)
                self.assertEqual((status, err["error"]["code"]), (400, "invalid"), err)
                self.assertIn(mentions, err["error"]["message"])
        # Limits are inclusive.
        ok = self.create({"lang": "en", "question": "q" * 500, "answer": "a" * 10000, "variants": ["v"] * 5000,
                          "id": "limits.ok_1-en"})
        self.assertEqual(ok["variant_count"], 5000)
        self.assertEqual(s.request("POST", ARTICLES, raw=b"{nope", token=t)[0], 400)
        status, err = s.request("PUT", f"{ARTICLES}/limits.ok_1-en", {"question": ""}, token=t)
        self.assertEqual(status, 400)
        status, err = s.request("PUT", f"{ARTICLES}/limits.ok_1-en", {"id": "other"}, token=t)
        self.assertEqual(status, 400)
        for method, path in [("GET", "/no-such-article"), ("PUT", "/no-such-article"),
                             ("GET", "/no-such-article/versions"), ("POST", "/no-such-article/publish"),
                             ("POST", "/no-such-article/unpublish")]:
            body = {"answer": "x"} if method == "PUT" else None
            status, err = s.request(method, ARTICLES + path, body, token=t)
            self.assertEqual((status, err["error"]["code"]), (404, "not_found"), path)
        self.assertEqual(s.request("GET", f"{ARTICLES}?status=live", token=t)[0], 400)
        self.assertEqual(s.request("GET", f"{ARTICLES}?limit=0", token=t)[0], 400)
        self.assertEqual(s.request("GET", f"{ARTICLES}?lang=de", token=t)[0], 400)

    def test_the_bot_follows_publishing_after_a_background_retrain(self):
        s, kb = self.s, self.kb
        question = "怎么把nft转到别的钱包"
        self.assertNotEqual(kb.ask(question)["faq_id"], "retrain-nft-zh")
        self.create(NFT | {"id": "retrain-nft-zh"})
        s.request("POST", f"{ARTICLES}/retrain-nft-zh/publish", token=self.editor)
        answer = wait_for(lambda: (a := kb.ask(question))["faq_id"] == "retrain-nft-zh" and a)
        self.assertEqual(answer["answer"], NFT["answer"])
        status, found = kb.search("nft转出")
        self.assertEqual(found["results"][0]["id"], "retrain-nft-zh")

        # An unpublished edit changes nothing for the bot; publishing it does.
        s.request("PUT", f"{ARTICLES}/retrain-nft-zh", {"answer": "新版：资产页 → NFT → 转出。"}, token=self.editor)
        time.sleep(0.8)  # longer than the retrain delay: nothing is retrained for a draft
        self.assertEqual(kb.ask(question)["answer"], NFT["answer"])
        s.request("POST", f"{ARTICLES}/retrain-nft-zh/publish", token=self.editor)
        wait_for(lambda: kb.ask(question)["answer"] == "新版：资产页 → NFT → 转出。")

        status, _ = s.request("POST", f"{ARTICLES}/retrain-nft-zh/unpublish", token=self.editor)
        self.assertEqual(status, 200)
        # Search reads published content: the article is gone at once, before the retrain.
        status, found = kb.search("nft转出")
        self.assertNotIn("retrain-nft-zh", [r["id"] for r in found["results"]])
        wait_for(lambda: kb.ask(question)["faq_id"] != "retrain-nft-zh")

    def test_search_in_three_languages(self):
        kb = self.kb
        cases = [
            ("提现一直失败是什么原因", None, "zh", "withdrawal"),
            ("how do I reset my password", None, "en", "account"),
            ("¿cómo verifico mi identidad?", None, "es", "kyc"),
            ("提现失败", "en", "en", "withdrawal"),  # lang picks the results' language
        ]
        for q, lang, want_lang, want_category in cases:
            with self.subTest(q=q):
                status, body = kb.search(q, **({"lang": lang} if lang else {}))
                self.assertEqual(status, 200, body)
                top = body["results"][0]
                self.assertEqual((top["lang"], top["category"]), (want_lang, want_category))
                self.assertTrue(top["id"].endswith("-" + want_lang))
                self.assertTrue(top["question"] and top["answer"])
                self.assertTrue(0 < top["score"] <= 1)
                scores = [r["score"] for r in body["results"]]
                self.assertEqual(scores, sorted(scores, reverse=True))
                self.assertTrue(all(r["lang"] == want_lang for r in body["results"]))
        status, body = kb.search("提现", limit=2)
        self.assertLessEqual(len(body["results"]), 2)
        status, body = kb.search("who won the football world cup")
        self.assertEqual((status, body["results"]), (200, []))
        for params in [{}, {"q": ""}, {"q": "x" * 501}, {"q": "提现", "limit": 0}, {"q": "提现", "limit": 21},
                       {"q": "提现", "lang": "fr"}]:
            with self.subTest(params=str(params)[:40]):
                status, err = self.s.request("GET", "/api/v1/kb/search?" + urllib.parse.urlencode(params))
                self.assertEqual((status, err["error"]["code"]), (400, "invalid"))

    def test_traditional_chinese_askers_read_traditional_answers(self):
        kb = self.kb
        # Search: written in traditional characters, or asked with lang=zh-TW.
        status, tw = kb.search("提現一直失敗是什麼原因")
        top = tw["results"][0]
        self.assertEqual(top["id"], "withdrawal-failed-zh")
        self.assertIn("提現失敗", top["question"])
        self.assertNotIn("现", top["answer"] + top["question"])
        status, tw2 = kb.search("提现失败", lang="zh-TW")
        self.assertIn("提現", tw2["results"][0]["question"])
        status, cn = kb.search("提現一直失敗是什麼原因", lang="zh-CN")
        self.assertIn("提现失败", cn["results"][0]["question"])
        # The bot: POST /api/v1/bot/answer and kefu bot ask.
        simplified = kb.ask("提现一直失败是什么原因")
        traditional = kb.ask("提現一直失敗是什麼原因")
        self.assertEqual(traditional["faq_id"], simplified["faq_id"])
        self.assertEqual(traditional["lang"], "zh")
        self.assertIn("提现", simplified["answer"])
        self.assertIn("提現", traditional["answer"])
        self.assertNotIn("提现", traditional["answer"])
        self.assertIn("提現", kb.ask("提现一直失败是什么原因", lang="zh-TW")["answer"])
        self.assertIn("提现", kb.ask("提現一直失敗是什麼原因", lang="zh-CN")["answer"])
        r = self.s.cli("bot", "ask", "--db", self.s.db, "--lang", "zh-TW", "提现一直失败是什么原因")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("提現", json.loads(r.stdout)["answer"])
        r = self.s.cli("bot", "ask", "--db", self.s.db, stdin="提現一直失敗是什麼原因\n提现一直失败是什么原因\n")
        first, second = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertIn("提現", first["answer"])
        self.assertIn("提现", second["answer"])

    def test_the_bot_answers_in_traditional_characters_in_a_conversation(self):
        c = self.s.widget_session()
        ws = self.s.ws(c["token"])
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "tw1",
                 "text": "提現手續費是多少"})
        answer = ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "bot"
                               and "手續費" in m["message"]["text"])
        self.assertNotIn("手续费", answer["message"]["text"])
        # What the bot says itself (here: why it hands over) follows the asker's script too.
        ws.send({"type": "message.send", "conversation_id": c["conversation_id"], "client_id": "tw2",
                 "text": "提現一直失敗，我要查詢我的賬戶"})
        notice = ws.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "bot")
        self.assertIn("轉接", notice["message"]["text"])

    def test_kb_import_still_publishes_and_keeps_history(self):
        s = self.s
        path = os.path.join(s.dir, "more.jsonl")
        entry = {"id": "import-gas-en", "lang": "en", "category": "fees", "question": "What is gas?",
                 "variants": ["gas fee"], "answer": "The network's fee."}
        with open(path, "w") as f:
            f.write(json.dumps(entry) + "\n")
        self.assertEqual(s.cli("kb", "import", path, "--db", s.db).returncode, 0)
        status, a = s.request("GET", f"{ARTICLES}/import-gas-en", token=self.editor)
        self.assertEqual((status, a["status"], a["version"], a["author"]), (200, "published", 1, None))
        s.request("POST", f"{ARTICLES}/import-gas-en/unpublish", token=self.editor)
        with open(path, "w") as f:
            f.write(json.dumps(entry | {"answer": "The fee paid to the network."}) + "\n")
        self.assertEqual(s.cli("kb", "import", path, "--db", s.db).returncode, 0)
        status, a = s.request("GET", f"{ARTICLES}/import-gas-en", token=self.editor)
        self.assertEqual((a["status"], a["version"], a["published_version"]), ("published", 2, 2))
        # Export writes what the bot answers from: published content.
        out = s.cli("kb", "export", "--db", s.db).stdout
        exported = {json.loads(line)["id"]: json.loads(line) for line in out.splitlines()}
        self.assertEqual(exported["import-gas-en"]["answer"], "The fee paid to the network.")


class KbImportWhileServingTest(unittest.TestCase):
    def test_a_running_server_follows_a_cli_import(self):
        kb = KbServer()
        try:
            s = kb.server
            question = "NFT 藏品怎么转出到别的钱包"
            self.assertNotEqual(kb.ask(question)["faq_id"], "cli-nft-zh")
            path = os.path.join(s.dir, "nft.jsonl")
            with open(path, "w") as f:
                f.write(json.dumps(NFT | {"id": "cli-nft-zh"}, ensure_ascii=False) + "\n")
            r = s.cli("kb", "import", path, "--db", s.db)
            self.assertEqual(r.returncode, 0, r.stderr)
            # No REST call and no restart: the server notices the new knowledge-base version.
            answer = wait_for(lambda: (a := kb.ask(question))["faq_id"] == "cli-nft-zh" and a)
            self.assertIn("转出", answer["answer"])
        finally:
            kb.server.close()


class KbRetrainDebounceTest(unittest.TestCase):
    def test_several_changes_in_a_row_retrain_once(self):
        kb = KbServer(env={"KEFU_BOT_RETRAIN_DELAY_MS": "1500"})
        try:
            s, t = kb.server, kb.tokens["kb_editor"]
            self.assertEqual(kb.retrains(), 0)
            ids = []
            for i, (q, v) in enumerate([("NFT 怎么转出？", "nft转出"), ("怎么设置价格提醒？", "价格提醒"),
                                        ("怎么开启夜间模式？", "夜间模式")]):
                status, a = s.request("POST", ARTICLES, {"id": f"debounce-{i}-zh", "lang": "zh", "question": q,
                                                         "variants": [v], "answer": f"答案 {i}"}, token=t)
                self.assertEqual(status, 201, a)
                status, _ = s.request("POST", f"{ARTICLES}/{a['id']}/publish", token=t)
                self.assertEqual(status, 200)
                ids.append(a["id"])
            wait_for(lambda: kb.retrains() >= 1, timeout=20)
            time.sleep(2.0)  # longer than the delay: a second retrain would have started by now
            self.assertEqual(kb.retrains(), 1)
            self.assertEqual(kb.ask("怎么开启夜间模式")["faq_id"], "debounce-2-zh")
        finally:
            kb.server.close()


class KbFromNothingTest(unittest.TestCase):
    def test_first_article_brings_the_bot_and_the_last_unpublish_removes_it(self):
        s = Server(env={"KEFU_BOT_RETRAIN_DELAY_MS": "50"})
        try:
            s.add_staff("kb@kb.it", role="kb_editor")
            s.start()
            t = s.login("kb@kb.it")
            self.assertEqual(s.request("POST", "/api/v1/bot/answer", {"text": "nft"})[0], 503)
            status, a = s.request("POST", ARTICLES, NFT | {"id": "only-zh"}, token=t)
            self.assertEqual(status, 201, a)
            # No model yet: search falls back to matching words, published articles only.
            status, found = s.request("GET", "/api/v1/kb/search?q=" + urllib.parse.quote("藏品转出"))
            self.assertEqual(found["results"], [])
            s.request("POST", f"{ARTICLES}/only-zh/publish", token=t)
            status, found = s.request("GET", "/api/v1/kb/search?q=" + urllib.parse.quote("藏品转出"))
            self.assertEqual([r["id"] for r in found["results"]], ["only-zh"])
            wait_for(lambda: s.request("POST", "/api/v1/bot/answer", {"text": "怎么把nft转到别的钱包"})[0] == 200)
            s.request("POST", f"{ARTICLES}/only-zh/unpublish", token=t)
            wait_for(lambda: s.request("POST", "/api/v1/bot/answer", {"text": "nft"})[0] == 503)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
