"""Attachments (DESIGN.md §4) over real HTTP and WebSocket: a customer sends a screenshot, the
agent sees it arrive and downloads it without its GPS position; files are typed by their bytes,
limited in size, sealed at rest and served only to the conversation's or ticket's people."""
import os
import re
import struct
import subprocess
import time
import urllib.request
import unittest
import zlib

from kefu import KEFU, Server

AGENT = "agent@files.kefu"
GPS = b"GPS 31.2304N 121.4737E Shanghai"


def jpeg_segment(marker, body):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(extra=b""):
    return (b"\xff\xd8" + jpeg_segment(0xE0, b"JFIF\0\1\1\0\0\1\0\1\0\0") + jpeg_segment(0xE1, b"Exif\0\0" + GPS)
            + jpeg_segment(0xDB, b"\x10" * 65) + jpeg_segment(0xC0, b"\x08\0\x10\0\x10\x01\x01\x11\0")
            + jpeg_segment(0xDA, b"\x01\x01\0\0\x3f\0") + b"\x12\x34\xff\x00\x56" + extra + b"\xff\xd9")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png():
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\0\0\0\1\0\0\0\1\x08\x02\0\0\0")
            + png_chunk(b"tEXt", b"Location\0" + GPS) + png_chunk(b"IDAT", b"\x78\x9c\x63\x60\0\0\0\2\0\1")
            + png_chunk(b"IEND", b""))


class AttachmentsTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(env={"KEFU_LIMITS_ATTACHMENT_BYTES": str(64 * 1024)})
        self.server.add_staff(AGENT)
        self.server.add_staff("kb@files.kefu", role="kb_editor")
        self.server.start()
        self.agent = self.server.login(AGENT)

    def tearDown(self):
        self.server.close()

    def upload(self, path, data, token, name=None, content_type="application/octet-stream"):
        query = "?name=" + urllib.request.quote(name) if name else ""
        return self.server.request("POST", path + query, raw=data, token=token, headers={"Content-Type": content_type})

    def download(self, url, token):
        req = urllib.request.Request(self.server.base + url)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def served(self):
        c = self.server.widget_session("Alice")
        code, body = self.server.request("POST", f"/api/v1/conversations/{c['conversation_id']}/accept", token=self.agent)
        self.assertEqual(code, 200, body)
        return c

    def test_a_screenshot_reaches_the_agent_without_its_metadata(self):
        s = self.server
        c = self.served()
        cid = c["conversation_id"]
        console = s.ws(self.agent)
        code, msg = self.upload(f"/api/v1/conversations/{cid}/attachments", jpeg(), c["token"], name="C:\\Users\\张三\\提现截图.jpg",
                                content_type="text/html")
        self.assertEqual(code, 201, msg)
        self.assertEqual((msg["kind"], msg["text"]), ("attachment", "提现截图.jpg"))  # no path
        att = msg["attachment"]
        self.assertEqual(att["content_type"], "image/jpeg")  # from the bytes, not the header sent
        self.assertTrue(att["id"].startswith("att_") and len(att["id"]) >= 24)
        live = console.recv_until(lambda m: m["type"] == "message.created")["message"]
        self.assertEqual(live["attachment"]["id"], att["id"])
        code, headers, data = self.download(att["url"], self.agent)
        self.assertEqual(code, 200)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertNotIn(GPS, data)
        self.assertEqual(data, jpeg().replace(jpeg_segment(0xE1, b"Exif\0\0" + GPS), b""))
        self.assertEqual(att["size"], len(data))
        self.assertIn("inline", headers["Content-Disposition"])
        self.assertIn("sandbox", headers["Content-Security-Policy"])
        self.assertIn("no-store", headers["Cache-Control"])
        # The history shows it too, and the customer can fetch their own file.
        code, history = s.request("GET", f"/api/v1/conversations/{cid}/messages", token=c["token"])
        self.assertEqual(history["messages"][-1]["attachment"]["id"], att["id"])
        self.assertEqual(self.download(att["url"], c["token"])[0], 200)

    def test_only_the_conversations_people_can_fetch_it(self):
        s = self.server
        c = self.served()
        code, msg = self.upload(f"/api/v1/conversations/{c['conversation_id']}/attachments", png(), c["token"])
        self.assertEqual(code, 201, msg)
        self.assertEqual(msg["text"], "image.png")
        url = msg["attachment"]["url"]
        other = s.widget_session("Mallory")
        head, payload, mac = c["token"].split(".")
        forged = ".".join([head, payload, mac[:5] + ("A" if mac[5] != "A" else "B") + mac[6:]])  # a changed MAC byte
        for token in (other["token"], None, "kf1.bogus.token", forged):
            code, _, data = self.download(url, token)
            self.assertIn(code, (401, 404), token)
            self.assertNotIn(b"IHDR", data)
        self.assertEqual(self.download("/api/v1/attachments/att_doesnotexist", self.agent)[0], 404)
        # Nor can another customer upload into someone else's conversation.
        code, body = self.upload(f"/api/v1/conversations/{c['conversation_id']}/attachments", png(), other["token"])
        self.assertEqual(code, 404, body)

    def test_wrong_types_broken_files_and_oversize_uploads_are_refused(self):
        c = self.served()
        path = f"/api/v1/conversations/{c['conversation_id']}/attachments"
        for data in (b"<svg onload=alert(1)>", b"<html><script>alert(1)</script>", b"MZ\x90\x00", b"PK\x03\x04zip"):
            code, body = self.upload(path, data, c["token"], content_type="image/png")
            self.assertEqual((code, body["error"]["code"]), (415, "unsupported_media_type"), data)
        broken = png()[:-5]
        code, body = self.upload(path, broken, c["token"])
        self.assertEqual((code, body["error"]["code"]), (400, "invalid"))
        self.assertEqual(self.upload(path, b"", c["token"])[0], 400)
        code, body = self.upload(path, jpeg(b"\0" * 70 * 1024), c["token"])
        self.assertEqual((code, body["error"]["code"]), (413, "too_large"))
        # Nothing of the refused uploads became a message.
        code, history = self.server.request("GET", f"/api/v1/conversations/{c['conversation_id']}/messages",
                                            token=c["token"])
        self.assertEqual([m for m in history["messages"] if m["kind"] == "attachment"], [])
        # The larger limit is for uploads only: a JSON body of that size is still refused.
        code, body = self.server.request("POST", f"/api/v1/conversations/{c['conversation_id']}/messages",
                                         raw=b'{"text":"' + b"a" * 40_000 + b'"}', token=c["token"])
        self.assertNotEqual(code, 201)

    def test_tickets_carry_files_for_staff_and_their_customer(self):
        s = self.server
        c = self.served()
        code, t = s.request("POST", f"/api/v1/conversations/{c['conversation_id']}/ticket",
                            {"subject": "实名认证失败", "category": "kyc"}, token=self.agent)
        self.assertEqual(code, 201, t)
        path = f"/api/v1/tickets/{t['id']}/attachments"
        code, a = self.upload(path, jpeg(), c["token"], name="身份证正面.jpg")
        self.assertEqual(code, 201, a)
        self.assertEqual((a["name"], a["content_type"]), ("身份证正面.jpg", "image/jpeg"))
        code, b = self.upload(path, b"%PDF-1.4\n%%EOF\n", self.agent, name="bank statement.pdf")
        self.assertEqual(code, 201, b)
        code, listed = s.request("GET", path, token=self.agent)
        self.assertEqual([x["name"] for x in listed["attachments"]], ["身份证正面.jpg", "bank statement.pdf"])
        code, headers, data = self.download(f"/api/v1/attachments/{b['id']}", c["token"])
        self.assertEqual((code, data), (200, b"%PDF-1.4\n%%EOF\n"))
        self.assertIn("attachment;", headers["Content-Disposition"])
        self.assertIn("filename*=UTF-8''bank%20statement.pdf", headers["Content-Disposition"])
        other = s.widget_session("Mallory")
        self.assertEqual(s.request("GET", path, token=other["token"])[0], 404)
        self.assertEqual(self.download(f"/api/v1/attachments/{a['id']}", other["token"])[0], 404)
        self.assertEqual(self.upload(path, png(), s.login("kb@files.kefu"))[0], 403)
        code, events = s.request("GET", f"/api/v1/tickets/{t['id']}/events", token=self.agent)
        self.assertEqual([e["type"] for e in events["events"]].count("ticket.attachment_added"), 2)

    def test_names_and_bytes_are_sealed_at_rest(self):
        s = self.server
        c = self.served()
        marker = b"UNIQUE-PIXELS-7f3a9c"
        code, msg = self.upload(f"/api/v1/conversations/{c['conversation_id']}/attachments", jpeg(marker), c["token"],
                                name="secret-name-q8z.jpg")
        self.assertEqual(code, 201, msg)
        s.stop()
        for suffix in ("", "-wal"):
            if os.path.exists(s.db + suffix):
                with open(s.db + suffix, "rb") as f:
                    raw = f.read()
                self.assertNotIn(marker, raw)
                self.assertNotIn(GPS, raw)
        s.start()
        code, _, data = self.download(msg["attachment"]["url"], s.login(AGENT))
        self.assertEqual(code, 200)
        self.assertIn(marker, data)

    def test_a_key_rotation_reseals_files_and_they_still_open(self):
        s = self.server
        c = self.served()
        code, msg = self.upload(f"/api/v1/conversations/{c['conversation_id']}/attachments", jpeg(b"ROTATE-ME"), c["token"],
                                name="before-rotation.jpg")
        self.assertEqual(code, 201, msg)
        r = subprocess.run([KEFU, "keys", "rotate", "--db", s.db], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        deadline, out = time.monotonic() + 30, ""
        while time.monotonic() < deadline:
            out = subprocess.run([KEFU, "keys", "status", "--db", s.db], capture_output=True, text=True, timeout=60).stdout
            if "current data key: 2" in out and not re.search(r"(?m)^key 1:", out):
                break
            time.sleep(0.3)
        self.assertNotRegex(out, r"(?m)^key 1:")
        r = subprocess.run([KEFU, "keys", "retire", "--db", s.db, "--id", "1"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        s.restart()
        code, _, data = self.download(msg["attachment"]["url"], s.login(AGENT))
        self.assertEqual(code, 200)
        self.assertIn(b"ROTATE-ME", data)


if __name__ == "__main__":
    unittest.main()
