#!/usr/bin/env python3
"""Writes the hand-made seed corpora of tests/fuzz/corpus/ (run once; the files are committed).

Seeds are small and meaningful: real client frames, REST bodies, mnemonics and keys, knowledge-base
lines, timestamps, config files, tricky UTF-8. Inputs found by fuzzing are added by
`scripts/fuzz.sh --merge` or by hand (regressions), not by this script.
"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest()[:12]), "wb") as f:
        f.write(data)


def frame(opcode, payload, fin=True, mask=b"\x11\x22\x33\x44", rsv=0, length_form=None):
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    form = length_form or ("7" if n < 126 else "16" if n < 65536 else "64")
    if form == "7":
        head = bytes([b0, 0x80 | n])
    elif form == "16":
        head = bytes([b0, 0x80 | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, 0x80 | 127]) + struct.pack(">Q", n)
    if mask is None:
        return bytes([head[0], head[1] & 0x7F]) + head[2:] + payload
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


# --- ws_frame: byte 0 chooses the read boundaries, the rest is a client's byte stream.
send = '{"type":"message.send","conversation_id":1,"client_id":"c1","text":"你好"}'
for cut, stream in [
    (0, frame(1, send)),
    (3, frame(1, "hello") + frame(9, "ping!") + frame(1, "world")),
    (1, frame(1, "frag", fin=False) + frame(9, "") + frame(0, "men", fin=False) + frame(0, "ted")),
    (5, frame(1, "x" * 300)),  # 16-bit length
    (7, frame(1, "y" * 200, length_form="64")),  # 64-bit length form for a short payload
    (2, frame(1, "z" * 2000)),  # above the target's 1 KiB limit → 1009
    (0, frame(8, struct.pack(">H", 1001) + b"bye")),
    (0, frame(8, b"")),
    (0, frame(8, struct.pack(">H", 999))),
    (0, frame(10, "pong")),
    (0, frame(2, b"\x00\x01binary")),
    (0, frame(1, b"\xc3\x28 invalid utf-8")),
    (0, frame(1, "\U0001F600 emoji, 客服, ñ")),
    (0, frame(1, "unmasked", mask=None)),
    (0, frame(1, "rsv", rsv=0x40)),
    (0, frame(9, "p" * 126)),  # control frame above 125
    (0, frame(9, "p", fin=False)),  # fragmented control frame
    (0, frame(0, "continuation first")),
    (0, frame(1, "a", fin=False) + frame(1, "b")),
    (0, frame(3, "reserved opcode")),
    (4, frame(1, "half") [:5]),
    (6, frame(1, "a", fin=False) + bytes([0x80, 0xFF]) + b"\xff" * 8 + b"\x00\x00\x00\x00"),
]:
    put("ws_frame", bytes([cut]) + stream)

# --- client_frame: text frames of docs/protocol.md.
for f in [
    send,
    '{"type":"message.send","conversation_id":"42","text":"My withdrawal failed","client_id":"7f3a"}',
    '{"type":"message.send","conversation_id":1,"text":"   "}',
    '{"type":"message.send","conversation_id":9007199254740993,"text":"big id"}',
    '{"type":"sync","conversation_id":1,"after_seq":10}',
    '{"type":"sync","conversation_id":1,"after_seq":-1}',
    '{"type":"sync","conversation_id":1,"after_seq":1.5}',
    '{"type":"typing","conversation_id":1,"typing":false}',
    '{"type":"typing","conversation_id":1,"typing":"yes"}',
    '{"type":"csat.submit","conversation_id":1,"score":5,"comment":"很好 gracias"}',
    '{"type":"csat.submit","conversation_id":1,"score":null}',
    '{"type":"subscribe","conversation_id":1}',
    '{"type":1}',
    '[1,2,3]',
    '{"type":"message.send"',
    '{"type":"message.send","conversation_id":1,"text":"\\ud83d\\ude00 \\u0000"}',
]:
    put("client_frame", f)

# --- json_body: byte 0 bit 0 = an empty body counts as {}; the rest is a REST body.
for flag, body in [
    (1, ""),
    (0, ""),
    (0, '{"email":"agent@kefu.test","password":"correct horse"}'),
    (0, '{"conversation_id":"123","desk":"L2","reason":"needs a KYC look-up"}'),
    (0, '{"id":12,"limit":50,"cursor":null,"tags":["kyc","withdrawal"]}'),
    (0, '{"score":1e300,"n":-0.0,"x":1.7976931348623157e308}'),
    (0, '{"a":{"b":{"c":[[[[]]]]}}}'),
    (0, '"just a string"'),
    (0, '{"dup":1,"dup":2}'),
    (1, '  {"unicode":"\\u00e9\\u4e2d"}  '),
]:
    put("json_body", bytes([flag]) + body.encode())

# --- normalise: text customers write.
for t in [
    "我的提现失败了怎么办？", "我的錢包轉帳失敗，請幫忙", "ＡＢＣ　１２３　ｈｅｌｌｏ", "I didn't get my refund!!!",
    "¿Dónde está mi retiro? Ñandú", "ÉTÉ naïve café", "🙂👍🏽 emoji only", "ｶﾀｶﾅ ﾃｽﾄ", "Straße İstanbul ǅ",
    "ﬁ ﬂ ㎏ ① ⅷ", "tab\tnew\nline\r\n  spaces", b"bad \xff\xfe bytes \xc3".decode("latin-1"),
    "zh-TW", "ES-mx", "withdrawal-failed-zh-cn",
]:
    put("normalise", t.encode("utf-8", "surrogatepass") if "bad" not in t else b"bad \xff\xfe bytes \xc3")

# --- guard: the guard's own table of cases (inputs only), plus a few mnemonics and keys.
with open(os.path.join(ROOT, "tests/bot/guard/scan_cases.tsv"), encoding="utf-8") as f:
    rows = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
for cols in rows[::4]:
    put("guard", cols[1].replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\"))
for t in [
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "1. abandon 2. abandon 3. abandon 4. abandon 5. abandon 6. abandon 7. abandon 8. abandon 9. abandon 10. abandon 11. abandon 12. about",
    "aban aban aban aban aban aban aban aban aban aban aban abou",
    "的的的的的的的的的的的在",
    "my key 0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d please help",
    "tx hash 0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d",
    "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
    "card 4111 1111 1111 1111 cvv 123",
    "密码是 Abc12345，验证码 654321",
    "mi contraseña es hola1234 y el código: 998877",
    "please send your seed phrase", "请提供验证码", "we will never ask for your seed phrase",
]:
    put("guard", t)

# --- kb_jsonl: lines of the demo knowledge base and broken ones.
with open(os.path.join(ROOT, "data/demo/kb.jsonl"), encoding="utf-8") as f:
    demo = [l for l in f if l.strip()]
put("kb_jsonl", "".join(demo[:2]))
put("kb_jsonl", demo[60])
put("kb_jsonl", demo[100])
put("kb_jsonl", "\ufeff" + json.dumps({"id": "a", "lang": "zh-TW", "question": "q", "answer": "a"}) + "\n\n")
put("kb_jsonl", json.dumps({"id": "x", "lang": "fr", "question": "q", "answer": "a"}) + "\n{not json}\n[]\n")
put("kb_jsonl", json.dumps({"id": "x\u0001", "lang": "en", "question": " ", "answer": "a", "variants": [1]}))
put("kb_jsonl", '{"id":"dup","lang":"es","question":"¿qué?","answer":"sí","variants":null}\n'
                '{"id":"dup","lang":"es","question":"otra","answer":"no","variants":["", "v"]}\n')
put("kb_jsonl", b'{"id":"bad","lang":"en","question":"\xff","answer":"a"}\n')

# --- rfc3339
for t in ["2026-11-26T19:51:55.123Z", "2026-11-26T19:51:55Z", "2026-11-26t19:51:55+08:00",
          "1970-01-01T00:00:00.000000001-00:30", "2024-02-29T23:59:60Z", "0001-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999+23:59", "2026-13-40T25:61:61Z", "2026-11-26 19:51:55Z", ""]:
    put("rfc3339", t)

# --- config_toml
for t in [
    'listen = "127.0.0.1:8080"\ndb = "sqlite:var/kefu.db"\nthreads = 1\nlog_level = "info"\n',
    '[limits]\nframe_bytes = 65536\ntext_chars = 4000\nws_burst = 200\n[proxy]\ntrusted = ["127.0.0.0/8", "::1"]\n',
    '[bot]\nretrain_delay_ms = 500\n[tickets]\nrequire_summary = true\n',
    'threads = -1\n', 'threads = "two"\n', 'unknown = 1\n', '[limits]\nbody_bytes = 9223372036854775807\n',
    'listen = """multi\nline"""\n',
    '[bot]\ncalendar = "cn"\n[calendars.cn]\ntime_zone = "Asia/Shanghai"\nweekdays = ["09:00-18:00"]\n'
    'sat = ["22:00-02:00"]\nholidays = ["2026-10-01"]\nworkdays = ["2026-10-10", {date = "2026-09-20", hours = ["09:00-12:00"]}]\n',
    '[calendars.24x7]\ntime_zone = 1\n[calendars."bad name"]\nmon = "09:00"\n', 'a.b.c = 1\n[[x]]\ny = 1979-05-27T07:32:00Z\n', '= broken',
]:
    put("config_toml", t)

# --- media (attachment bytes: one small file of each accepted type, with metadata to strip)
def be16(n):
    return struct.pack(">H", n)


def jpeg_segment(marker, body):
    return b"\xff" + bytes([marker]) + be16(len(body) + 2) + body


def png_chunk(kind, data):
    import zlib
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def webp_chunk(fourcc, data):
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")


gps = b"GPS 31.2304N 121.4737E"
put("media", b"\xff\xd8" + jpeg_segment(0xE0, b"JFIF\0\1\1\0\0\1\0\1\0\0") + jpeg_segment(0xE1, b"Exif\0\0" + gps)
    + jpeg_segment(0xE2, b"ICC_PROFILE\0\1\1p") + jpeg_segment(0xFE, b"comment") + jpeg_segment(0xDB, b"\x10" * 65)
    + jpeg_segment(0xC0, b"\x08\0\x10\0\x10\x01\x01\x11\0") + jpeg_segment(0xDA, b"\x01\x01\0\0\x3f\0")
    + b"\x12\x34\xff\x00\x56\xff\xd0\x78\xff\xd9")
put("media", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\0\0\0\1\0\0\0\1\x08\x02\0\0\0") + png_chunk(b"tEXt", b"k\0" + gps)
    + png_chunk(b"IDAT", b"\x78\x9c\x63\x60\0\0\0\2\0\1") + png_chunk(b"IEND", b""))
put("media", b"GIF89a\1\0\1\0\x80\0\0" + b"\0" * 6 + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"
    + b"\x21\xfe" + bytes([len(gps)]) + gps + b"\0" + b"\x21\xf9\x04\0\0\0\0\0" + b"\x2c\0\0\0\0\1\0\1\0\0\x02\x02\x44\x01\0\x3b")
chunks = webp_chunk(b"VP8X", b"\x0c" + b"\0" * 9) + webp_chunk(b"VP8 ", b"imagedata") + webp_chunk(b"EXIF", gps)
put("media", b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + chunks)
put("media", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
