"""A customer and an agent chat through a real kefu server over HTTP and WebSocket."""
import json
import os
import signal
import socket
import threading
import time
import unittest
import uuid

from kefu import HandshakeError, Server

AGENT = "agent@it.kefu"


class ChatTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.server.add_staff(AGENT)
        self.server.add_staff("agent2@it.kefu")
        self.server.start()

    def tearDown(self):
        self.server.close()

    def accepted_pair(self):
        s = self.server
        session = s.widget_session()
        agent_token = s.login(AGENT)
        status, conv = s.request("POST", f"/api/v1/conversations/{session['conversation_id']}/accept",
                                 token=agent_token)
        self.assertEqual(status, 200, conv)
        return session, agent_token, s.ws(session["token"]), s.ws(agent_token)

    def test_customer_and_agent_exchange_messages(self):
        session, agent_token, customer, agent = self.accepted_pair()
        conv_id = session["conversation_id"]
        self.assertEqual(customer.hello["subject"]["type"], "customer")
        customer.send({"type": "message.send", "conversation_id": conv_id, "client_id": "c1", "text": "我的提现一直没到账"})
        ack = customer.recv_until(lambda m: m["type"] == "ack")
        self.assertEqual(ack["client_id"], "c1")
        created = agent.recv_until(lambda m: m["type"] == "message.created")
        self.assertEqual(created["message"]["text"], "我的提现一直没到账")
        self.assertEqual(created["message"]["id"], ack["message_id"])
        self.assertEqual(created["message"]["sender"]["type"], "customer")
        self.assertEqual(created["message"]["seq"], 1)
        agent.send({"type": "typing", "conversation_id": conv_id, "typing": True})
        typing = customer.recv_until(lambda m: m["type"] == "typing")
        self.assertTrue(typing["typing"])
        agent.send({"type": "message.send", "conversation_id": conv_id, "client_id": "a1", "text": "您好，请提供订单号"})
        agent.recv_until(lambda m: m["type"] == "ack")
        reply = customer.recv_until(lambda m: m["type"] == "message.created")
        self.assertEqual(reply["message"]["sender"]["type"], "staff")
        self.assertEqual(reply["message"]["seq"], 2)
        status, history = self.server.request("GET", f"/api/v1/conversations/{conv_id}/messages", token=session["token"])
        self.assertEqual(status, 200)
        self.assertEqual([m["text"] for m in history["messages"]], ["我的提现一直没到账", "您好，请提供订单号"])
        status, events = self.server.request("GET", f"/api/v1/conversations/{conv_id}/events", token=agent_token)
        self.assertEqual([e["type"] for e in events["events"]][:2], ["created", "assigned"])

    def test_history_survives_a_restart(self):
        session, agent_token, customer, agent = self.accepted_pair()
        conv_id = session["conversation_id"]
        for i in range(5):
            customer.send({"type": "message.send", "conversation_id": conv_id, "client_id": f"r{i}", "text": f"msg {i}"})
            customer.recv_until(lambda m: m["type"] == "ack")
        customer.close()
        agent.close()
        self.server.restart()
        # Tokens stay valid across a restart (signed with the key file beside the database).
        status, history = self.server.request("GET", f"/api/v1/conversations/{conv_id}/messages", token=session["token"])
        self.assertEqual(status, 200)
        self.assertEqual([m["text"] for m in history["messages"]], [f"msg {i}" for i in range(5)])
        again = self.server.ws(session["token"])
        again.send({"type": "sync", "conversation_id": conv_id, "after_seq": 3})
        missed = [again.recv_until(lambda m: m["type"] == "message.created")["message"]["seq"] for _ in range(2)]
        self.assertEqual(missed, [4, 5])
        self.assertEqual(again.recv_until(lambda m: m["type"] == "sync.done")["last_seq"], 5)

    def test_typing_right_after_a_restart_reaches_the_customer(self):
        session, agent_token, customer, agent = self.accepted_pair()
        customer.close()
        agent.close()
        self.server.restart()  # the hub starts with nothing cached
        customer, agent = self.server.ws(session["token"]), self.server.ws(agent_token)
        agent.send({"type": "typing", "conversation_id": session["conversation_id"], "typing": True})
        typing = customer.recv_until(lambda m: m["type"] == "typing")
        self.assertEqual(typing["sender"]["type"], "staff")

    def test_a_resent_client_id_is_stored_once(self):
        session, agent_token, customer, agent = self.accepted_pair()
        conv_id = session["conversation_id"]
        frame = {"type": "message.send", "conversation_id": conv_id, "client_id": "dup-1", "text": "只发一次"}
        customer.send(frame)
        first = customer.recv_until(lambda m: m["type"] == "ack")
        customer.send(frame)
        second = customer.recv_until(lambda m: m["type"] == "ack")
        self.assertEqual(first["message_id"], second["message_id"])
        # Also after a restart.
        customer.close()
        self.server.restart()
        customer = self.server.ws(session["token"])
        customer.send(frame)
        third = customer.recv_until(lambda m: m["type"] == "ack")
        self.assertEqual(first["message_id"], third["message_id"])
        status, history = self.server.request("GET", f"/api/v1/conversations/{conv_id}/messages", token=agent_token)
        self.assertEqual(len(history["messages"]), 1)

    def test_secrets_are_redacted_before_storage_and_staff_cannot_ask_for_them(self):
        session, agent_token, customer, agent = self.accepted_pair()
        conv_id = session["conversation_id"]
        phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
        customer.send({"type": "message.send", "conversation_id": conv_id, "client_id": "s1",
                       "text": "my recovery words are " + phrase + " please help"})
        ack = customer.recv_until(lambda m: m["type"] == "ack")
        self.assertEqual(ack["warnings"], ["seed_phrase"])
        self.assertNotIn("abandon", ack["text"])
        seen = agent.recv_until(lambda m: m["type"] == "message.created")
        self.assertNotIn("abandon", seen["message"]["text"])
        self.assertIn("[redacted:seed_phrase]", seen["message"]["text"])
        notice = customer.recv_until(lambda m: m["type"] == "message.created" and m["message"]["sender"]["type"] == "bot")
        self.assertTrue(notice["message"]["text"])
        # Over REST too, and nothing secret reaches the database.
        status, body = self.server.request("POST", f"/api/v1/conversations/{conv_id}/messages",
                                           {"text": "card 4111 1111 1111 1111 cvv 123"}, token=session["token"])
        self.assertEqual(status, 201)
        self.assertIn("card_number", body["warnings"])
        with open(self.server.db, "rb") as f:
            raw = f.read()
        wal = self.server.db + "-wal"
        if os.path.exists(wal):
            raw += open(wal, "rb").read()
        self.assertNotIn(b"absurd abuse", raw)
        self.assertNotIn(b"4111 1111 1111 1111", raw)
        # An agent asking for the seed phrase is blocked and nothing is stored.
        agent.send({"type": "message.send", "conversation_id": conv_id, "client_id": "ask",
                    "text": "为了核实身份，请把你的助记词发给我"})
        err = agent.recv_until(lambda m: m["type"] == "error")
        self.assertEqual((err["code"], err["client_id"]), ("forbidden", "ask"))
        status, history = self.server.request("GET", f"/api/v1/conversations/{conv_id}/messages", token=agent_token)
        self.assertFalse(any("助记词发给我" in m["text"] for m in history["messages"]))

    def test_bad_frames_get_clear_errors(self):
        session, _, customer, _ = self.accepted_pair()
        conv_id = session["conversation_id"]
        customer.send_raw(b"{not json")
        self.assertEqual(customer.recv_until(lambda m: m["type"] == "error")["code"], "invalid")
        customer.send({"type": "teleport", "conversation_id": conv_id})
        self.assertEqual(customer.recv_until(lambda m: m["type"] == "error")["code"], "unknown_type")
        customer.send({"type": "message.send", "conversation_id": conv_id, "client_id": "x"})
        err = customer.recv_until(lambda m: m["type"] == "error")
        self.assertEqual((err["code"], err["client_id"]), ("invalid", "x"))
        customer.send({"type": "message.send", "conversation_id": conv_id, "client_id": "long", "text": "长" * 4001})
        self.assertEqual(customer.recv_until(lambda m: m["type"] == "error")["code"], "too_large")
        # Someone else's conversation.
        other = self.server.widget_session("李四")
        customer.send({"type": "message.send", "conversation_id": other["conversation_id"], "client_id": "y", "text": "hi"})
        self.assertEqual(customer.recv_until(lambda m: m["type"] == "error")["code"], "forbidden")
        # The connection still works after all of that.
        customer.send({"type": "message.send", "conversation_id": conv_id, "client_id": "ok", "text": "still here"})
        self.assertEqual(customer.recv_until(lambda m: m["type"] == "ack")["client_id"], "ok")

    def test_oversize_frame_closes_with_1009_and_invalid_utf8_with_1007(self):
        session = self.server.widget_session()
        ws = self.server.ws(session["token"])
        ws.send_raw(b"x" * (65 * 1024))
        err = ws.recv_until(lambda m: m["type"] == "error")
        self.assertEqual(err["code"], "too_large")
        self.assertIsNone(ws.recv())
        self.assertEqual(ws.close_code, 1009)
        ws = self.server.ws(session["token"])
        ws.send_raw(b'{"type":"typing","x":"\xff\xfe"}')
        self.assertIsNone(ws.recv())
        self.assertEqual(ws.close_code, 1007)

    def test_bad_tokens_are_refused_at_the_handshake(self):
        session = self.server.widget_session()
        for token in [None, "", "kf1.bogus.token", session["token"][:-2] + "xx"]:
            with self.subTest(token=token):
                with self.assertRaises(HandshakeError) as ctx:
                    self.server.ws(token)
                self.assertEqual(ctx.exception.status, 401)
                self.assertIn('"unauthorized"', ctx.exception.body)
        status, body = self.server.request("GET", "/api/v1/conversations", token="kf1.nope")
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
        status, body = self.server.request("GET", "/api/v1/conversations", token=session["token"])
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))

    def test_rest_errors(self):
        s = self.server
        status, body = s.request("POST", "/api/v1/auth/login", raw=b"{broken")
        self.assertEqual((status, body["error"]["code"]), (400, "invalid"))
        status, body = s.request("POST", "/api/v1/auth/login", {"email": AGENT, "password": "wrong-password"})
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
        # A body over the limit is refused from its Content-Length, before it is sent.
        with socket.create_connection(("127.0.0.1", s.port), timeout=5) as raw:
            raw.sendall(b"POST /api/v1/widget/sessions HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n{")
            reply = raw.recv(4096).decode()
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)
        self.assertIn('"too_large"', reply)
        status, body = s.request("GET", "/api/v1/nothing-here")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        status, body = s.request("DELETE", "/api/v1/conversations")
        self.assertEqual(status, 405)
        status, body = s.request("GET", "/healthz")
        self.assertEqual((status, body), (200, {"status": "ok"}))
        status, body = s.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn(b"kefu_messages_persisted_total", body)

    def test_accept_twice_is_a_conflict(self):
        s = self.server
        session = s.widget_session()
        a, b = s.login(AGENT), s.login("agent2@it.kefu")
        path = f"/api/v1/conversations/{session['conversation_id']}/accept"
        self.assertEqual(s.request("POST", path, token=a)[0], 200)
        status, body = s.request("POST", path, token=b)
        self.assertEqual((status, body["error"]["code"]), (409, "conflict"))
        # The customer was told who took it.
        customer = s.ws(session["token"])
        status, conv = s.request("GET", f"/api/v1/conversations/{session['conversation_id']}", token=session["token"])
        self.assertEqual(conv["assigned_agent"]["name"], "agent")
        customer.close()

    def test_rate_limit_per_connection(self):
        session, _, customer, _ = self.accepted_pair()
        for i in range(260):
            customer.send({"type": "typing", "conversation_id": session["conversation_id"], "typing": True})
        err = customer.recv_until(lambda m: m["type"] == "error")
        self.assertEqual(err["code"], "rate_limited")


class DurabilityTest(unittest.TestCase):
    def test_every_acked_message_survives_sigkill_during_a_burst(self):
        server = Server()
        try:
            server.add_staff(AGENT)
            server.start()
            sessions = [server.widget_session(f"客户{i}") for i in range(4)]
            acked = {}
            lock = threading.Lock()

            def burst(session):
                ws = server.ws(session["token"])
                sent = 0
                try:
                    while True:
                        for _ in range(20):  # a window of 20 un-acked frames, within the burst budget
                            ws.send({"type": "message.send", "conversation_id": session["conversation_id"],
                                     "client_id": f"k{sent}", "text": f"burst {sent}"})
                            sent += 1
                        for _ in range(20):
                            m = ws.recv(timeout=5)
                            if m is None:
                                return
                            if m["type"] == "ack":
                                with lock:
                                    acked[(session["conversation_id"], m["client_id"])] = m["message_id"]
                        time.sleep(0.05)
                except (OSError, ConnectionError, ValueError):
                    return

            threads = [threading.Thread(target=burst, args=(s,)) for s in sessions]
            for t in threads:
                t.start()
            time.sleep(1.5)
            server.stop(sig=signal.SIGKILL)
            for t in threads:
                t.join(timeout=10)
            self.assertGreater(len(acked), 50, "the burst should have been acknowledged in part")
            server.start()
            agent = server.login(AGENT)
            for s in sessions:
                cid = s["conversation_id"]
                stored, after = {}, 0
                while True:
                    status, page = server.request("GET", f"/api/v1/conversations/{cid}/messages?after_seq={after}&limit=200", token=agent)
                    self.assertEqual(status, 200)
                    for m in page["messages"]:
                        stored[m["client_id"]] = m["id"]
                        after = m["seq"]
                    if not page["has_more"]:
                        break
                for (conv, client_id), message_id in acked.items():
                    if conv == cid:
                        self.assertEqual(stored.get(client_id), message_id, f"acked {client_id} lost")
        finally:
            server.close()

    def test_sigterm_drains_and_exits_cleanly(self):
        server = Server()
        try:
            server.start()
            session = server.widget_session()
            ws = server.ws(session["token"])
            for i in range(30):
                ws.send({"type": "message.send", "conversation_id": session["conversation_id"], "client_id": f"t{i}", "text": "x"})
            server.proc.send_signal(signal.SIGTERM)
            acks, code = 0, None
            while True:
                m = ws.recv(timeout=10)
                if m is None:
                    code = ws.close_code
                    break
                acks += m["type"] == "ack"
            self.assertEqual(server.proc.wait(timeout=15), 0)
            self.assertEqual(code, 1001)
            server.start()
            status, page = server.request("GET", f"/api/v1/conversations/{session['conversation_id']}/messages?limit=200", token=session["token"])
            self.assertEqual(len(page["messages"]), acks)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
