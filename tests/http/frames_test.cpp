// The pure halves of the WebSocket path: the RFC 6455 frame parser (http/ws_frame.hpp) and the
// client-frame reader (http/client_frame.hpp), as the connection and the hub run them. The fuzz
// targets tests/fuzz/ws_frame.cpp and client_frame.cpp run the same code on random input; what
// they found is pinned here.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "http/client_frame.hpp"
#include "http/json_io.hpp"
#include "http/ws_frame.hpp"

namespace kefu::http {
namespace {

std::string Frame(std::uint8_t b0, std::string_view payload) {
  std::string f(1, static_cast<char>(b0));
  const std::string mask = "\x11\x22\x33\x44";
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xFF);
  }
  f += mask;
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i & 3]);
  return f;
}

struct Events {
  std::vector<std::string> seen;
  bool closed = false;
  bool Closed() const { return closed; }
  void OnText(std::string_view t) { seen.push_back("text:" + std::string(t)); }
  void OnPing(std::string_view p) { seen.push_back("ping:" + std::string(p)); }
  void OnTooLarge() { seen.emplace_back("too_large"); }
  void Fail(std::uint16_t code, const char*) { seen.push_back("fail:" + std::to_string(code)); }
  void OnClose(std::uint16_t code) {
    seen.push_back("close:" + std::to_string(code));
    closed = true;
  }
};

std::vector<std::string> Parse(std::string_view data, std::string& message, std::uint8_t& opcode,
                               std::size_t* consumed_out = nullptr) {
  Events e;
  std::size_t consumed = 0;
  if (ws::ParseClientFrames(data, 1024, message, opcode, e, consumed) && consumed_out) *consumed_out = consumed;
  return e.seen;
}

TEST(WsFrameParser, TextPingFragmentsAndClose) {
  std::string message;
  std::uint8_t opcode = 0;
  const std::string stream = Frame(0x81, "hello") + Frame(0x01, "wor") + Frame(0x89, "p") + Frame(0x80, "ld") +
                             Frame(0x88, std::string("\x03\xe9", 2));
  EXPECT_EQ(Parse(stream, message, opcode),
            (std::vector<std::string>{"text:hello", "ping:p", "text:world", "close:1001"}));
}

TEST(WsFrameParser, KeepsAnIncompleteFrameForTheNextRead) {
  std::string message;
  std::uint8_t opcode = 0;
  const std::string f = Frame(0x81, "hello");
  std::size_t consumed = 99;
  EXPECT_TRUE(Parse(std::string_view(f).substr(0, 4), message, opcode, &consumed).empty());
  EXPECT_EQ(consumed, 0u);
}

TEST(WsFrameParser, RefusesWhatTheProtocolForbids) {
  struct Case {
    std::string stream;
    std::string expect;
  };
  std::string unmasked = Frame(0x81, "x");
  unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
  for (const Case& c : std::vector<Case>{{unmasked, "fail:1002"},
                                         {Frame(0xC1, "x"), "fail:1002"},               // RSV1
                                         {Frame(0x80, "x"), "fail:1002"},               // lone continuation
                                         {Frame(0x82, "bin"), "fail:1003"},             // binary
                                         {Frame(0x81, "\xc3\x28"), "fail:1007"},        // invalid UTF-8
                                         {Frame(0x81, std::string(1025, 'a')), "too_large"},
                                         {Frame(0x09, "p"), "fail:1002"}}) {            // fragmented ping
    std::string message;
    std::uint8_t opcode = 0;
    EXPECT_EQ(Parse(c.stream, message, opcode), std::vector<std::string>{c.expect});
  }
}

// Found by tests/fuzz/ws_frame: a 64-bit length near 2^64 after a first fragment wrapped
// `len + message.size()` below the limit, and unmasking wrote far past the message. RFC 6455 says
// the top bit of a 64-bit length is 0: such a frame is a protocol error now.
TEST(WsFrameParser, SixtyFourBitLengthWithTheTopBitSetIsAProtocolError) {
  std::string message;
  std::uint8_t opcode = 0;
  std::string stream = Frame(0x01, "a");  // a first fragment: message.size() == 1
  stream += "\x80\xff";                   // continuation, FIN, masked, 64-bit length
  stream += std::string(8, '\xff');       // 2^64 - 1
  stream += std::string(4, '\0');         // mask
  stream += "xyz";
  EXPECT_EQ(Parse(stream, message, opcode), std::vector<std::string>{"fail:1002"});
}

ClientFrameError Refusal(std::string_view text) {
  ClientFrameParser parser;
  ClientFrame f;
  ClientFrameError error;
  EXPECT_FALSE(parser.Parse(text, 100, f, error)) << text;
  return error;
}

TEST(ClientFrame, ReadsEachType) {
  ClientFrameParser parser;
  ClientFrame f;
  ClientFrameError error;
  ASSERT_TRUE(parser.Parse(R"({"type":"message.send","conversation_id":"7","client_id":"c1","text":"你好"})", 100, f,
                           error));
  EXPECT_EQ(f.type, ClientFrame::Type::message_send);
  EXPECT_EQ(f.conversation_id, 7);
  EXPECT_EQ(f.client_id, "c1");
  EXPECT_EQ(f.text, "你好");
  ClientFrameParser p2;
  ClientFrame sync;
  ASSERT_TRUE(p2.Parse(R"({"type":"sync","conversation_id":7,"after_seq":3.0})", 100, sync, error));
  EXPECT_EQ(sync.after_seq, 3);
}

TEST(ClientFrame, RefusalsSayWhatIsWrong) {
  EXPECT_EQ(Refusal("{").message, "malformed JSON");
  EXPECT_EQ(Refusal("[]").message, "a frame must be a JSON object");
  EXPECT_EQ(Refusal(R"({"type":"nope","conversation_id":1})").code, "unknown_type");
  const auto long_text = Refusal(R"({"type":"message.send","conversation_id":1,"client_id":"c9","text":")" +
                                 std::string(101, 'a') + "\"}");
  EXPECT_EQ(long_text.code, "too_large");
  EXPECT_EQ(long_text.client_id, "c9");
  EXPECT_EQ(Refusal(R"({"type":"sync","conversation_id":1,"after_seq":-1})").message,
            "'after_seq' must be a non-negative integer");
}

// Found by tests/fuzz/client_frame and json_body: a number beyond int64's range (5.6e20, 1e300)
// was cast from double to int64, which is undefined behaviour. It is an invalid integer now.
TEST(ClientFrame, HugeNumbersAreInvalidNotUndefined) {
  EXPECT_EQ(Refusal(R"({"type":"message.send","conversation_id":555554503599627370496,"text":"big id"})").message,
            "'conversation_id' must be an integer");
  EXPECT_EQ(Refusal(R"({"type":"sync","conversation_id":1,"after_seq":1e300})").message,
            "'after_seq' must be a non-negative integer");
  auto body = json::ParseObject(R"({"n":-1e300,"m":9.3e18})");
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(json::OptInt(*body, "n").ok());
  EXPECT_FALSE(json::OptInt(*body, "m").ok());
}

// An id given as a string has the range of one given as a number: "0" and ids from 2^53 on are
// not ids (the fuzz target's invariant on accepted ids).
TEST(ClientFrame, StringIdsHaveTheNumberRange) {
  EXPECT_EQ(Refusal(R"({"type":"typing","conversation_id":"0"})").message, "'conversation_id' is not a valid id");
  EXPECT_EQ(Refusal(R"({"type":"typing","conversation_id":"9007199254740992"})").message,
            "'conversation_id' is not a valid id");
}

}  // namespace
}  // namespace kefu::http
