// kefu bench/chat load generator: one C++20 file, epoll, no dependencies beyond libc.
//
// Speaks to three servers over WebSocket (client frames masked, RFC 6455):
//   kefu      — widget sessions + staff login over HTTP, WS /api/v1/ws?token=T, JSON frames
//   ws        — bench/peers/ws-relay: WS /ws?role=…&conversation_id(s)=…, the same JSON frames
//   socketio  — bench/peers/socketio-relay: Engine.IO v4 / socket.io v5 over a raw WebSocket
//               (GET /socket.io/?EIO=4&transport=websocket; "0{…}" open, "40{auth}" connect,
//               "42[…]" events, "42<id>[…]" with ack id, "43<id>[…]" acks, ping "2" → pong "3")
//
// Modes (--mode):
//   chat   N customer/agent pairs (agents handle --chats-per-agent conversations each, one WS
//          connection per agent); each customer sends M messages, either paced to a total
//          --rate msgs/s (open loop) or as fast as acks allow with --window W in flight per
//          customer. Reports delivered msgs/s, p50/p99 send→ack and send→delivery, and (with
//          --pid) the server's CPU time per acked message over the send phase only.
//   idle   opens idle (authenticated) connections in --steps (e.g. 2000,5000,10000), measuring
//          after each step the server's memory (Pss from smaps_rollup, VmRSS) and CPU, and
//          reports bytes per connection at each step plus a least-squares fit.
//
// Output: one JSON object on stdout; progress on stderr. Only 127.0.0.0/8 targets are accepted.
//
// Build: g++ -O2 -std=c++20 -o loadgen loadgen.cpp
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// ---------------------------------------------------------------- utilities

[[noreturn]] void die(const std::string& msg) {
  fprintf(stderr, "loadgen: %s\n", msg.c_str());
  exit(2);
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint64_t rng_state = 0x9E3779B97F4A7C15ull;
uint64_t rnd() {  // xorshift64*
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

std::string base64(const unsigned char* p, size_t n) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16;
    if (i + 1 < n) v |= uint32_t(p[i + 1]) << 8;
    if (i + 2 < n) v |= p[i + 2];
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < n ? tbl[(v >> 6) & 63] : '=';
    out += i + 2 < n ? tbl[v & 63] : '=';
  }
  return out;
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      char b[4];
      snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += char(c);
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t e = s.find(sep, start);
    if (e == std::string_view::npos) e = s.size();
    if (e > start) out.emplace_back(s.substr(start, e - start));
    start = e + 1;
  }
  return out;
}

// ---------------------------------------------------------------- minimal JSON reading
// Enough to pull top-level values out of server frames, robust to key order and whitespace.

size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// Returns the index just past the JSON value starting at i (npos on malformed input).
size_t skip_value(std::string_view s, size_t i) {
  i = skip_ws(s, i);
  if (i >= s.size()) return std::string_view::npos;
  char c = s[i];
  if (c == '"') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      char d = s[i];
      if (d == '"') {
        i = skip_value(s, i);
        if (i == std::string_view::npos) return i;
        --i;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
         s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
    ++i;
  return i;
}

// Raw text of the top-level member `key` of the object `obj` (empty if absent).
std::string_view json_get(std::string_view obj, std::string_view key) {
  size_t i = skip_ws(obj, 0);
  if (i >= obj.size() || obj[i] != '{') return {};
  ++i;
  while (true) {
    i = skip_ws(obj, i);
    if (i >= obj.size() || obj[i] == '}') return {};
    if (obj[i] == ',') {
      ++i;
      continue;
    }
    if (obj[i] != '"') return {};
    size_t kend = skip_value(obj, i);
    if (kend == std::string_view::npos) return {};
    std::string_view k = obj.substr(i + 1, kend - i - 2);
    i = skip_ws(obj, kend);
    if (i >= obj.size() || obj[i] != ':') return {};
    size_t vstart = skip_ws(obj, i + 1);
    size_t vend = skip_value(obj, vstart);
    if (vend == std::string_view::npos) return {};
    if (k == key) return obj.substr(vstart, vend - vstart);
    i = vend;
  }
}

// Element `idx` of the array `arr` (empty if absent).
std::string_view json_at(std::string_view arr, size_t idx) {
  size_t i = skip_ws(arr, 0);
  if (i >= arr.size() || arr[i] != '[') return {};
  ++i;
  for (size_t n = 0;; ++n) {
    i = skip_ws(arr, i);
    if (i >= arr.size() || arr[i] == ']') return {};
    size_t e = skip_value(arr, i);
    if (e == std::string_view::npos) return {};
    if (n == idx) return arr.substr(i, e - i);
    i = skip_ws(arr, e);
    if (i < arr.size() && arr[i] == ',') ++i;
  }
}

// Unquotes a JSON string without escapes beyond \" \\ \/ (enough for ids and tokens).
std::string json_str(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"') return std::string(raw);
  std::string out;
  for (size_t i = 1; i + 1 < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
    out += raw[i];
  }
  return out;
}

// ---------------------------------------------------------------- /proc readings

struct ProcSample {
  double cpu_s = 0;       // utime + stime
  long rss_kib = 0;       // VmRSS
  long pss_kib = -1;      // Pss from smaps_rollup (-1 if unavailable)
  long threads = 0;
  double sched_s = 0;     // Σ /proc/PID/task/*/schedstat on-CPU time: ns resolution (stat: ticks)
  bool ok = false;
};

ProcSample sample_proc(int pid) {
  ProcSample s;
  if (pid <= 0) return s;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return s;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char* p = strrchr(buf, ')');  // comm may contain spaces
  if (!p) return s;
  // fields after ")": 3 state, 4 ppid ... 14 utime, 15 stime, 20 num_threads
  std::vector<std::string> fields = split(p + 2, ' ');
  if (fields.size() < 18) return s;
  long tck = sysconf(_SC_CLK_TCK);
  s.cpu_s = double(atoll(fields[11].c_str()) + atoll(fields[12].c_str())) / double(tck);
  s.threads = atol(fields[17].c_str());
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  if ((f = fopen(path, "r"))) {
    char line[256];
    while (fgets(line, sizeof line, f))
      if (!strncmp(line, "VmRSS:", 6)) s.rss_kib = atol(line + 6);
    fclose(f);
  }
  snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
  if ((f = fopen(path, "r"))) {
    char line[256];
    while (fgets(line, sizeof line, f))
      if (!strncmp(line, "Pss:", 4)) s.pss_kib = atol(line + 4);
    fclose(f);
  }
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  if (DIR* d = opendir(path)) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      char tp[300];
      snprintf(tp, sizeof tp, "/proc/%d/task/%s/schedstat", pid, e->d_name);
      if (FILE* tf = fopen(tp, "r")) {
        unsigned long long ns = 0;
        if (fscanf(tf, "%llu", &ns) == 1) s.sched_s += double(ns) / 1e9;
        fclose(tf);
      }
    }
    closedir(d);
  }
  s.ok = true;
  return s;
}

double self_cpu_s() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ---------------------------------------------------------------- options

enum class Target { kefu, ws, socketio };

struct Options {
  Target target = Target::kefu;
  std::string target_name = "kefu";
  std::string host = "127.0.0.1";
  int port = 0;
  int pid = 0;
  std::string mode = "chat";
  // chat
  int pairs = 100;
  int messages = 100;
  double rate = 0;  // total msgs/s; 0 → window mode
  int window = 8;
  int chats_per_agent = 5;
  int text_bytes = 64;
  double timeout_s = 60;
  // kefu agents (created beforehand with `kefu staff add`)
  std::string agent_email = "agent%d@bench";
  std::string agent_password;
  // idle
  std::vector<int> steps = {10000};
  int sessions = 1000;  // kefu: widget sessions whose tokens idle connections share
  double settle_s = 2.0;
  int src_addrs = 8;     // 127.0.0.1 … 127.0.0.N
  int concurrency = 256;  // handshakes in flight
};

Options opt;

// ---------------------------------------------------------------- blocking HTTP (setup only)

int connect_blocking() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(opt.port));
  inet_pton(AF_INET, opt.host.c_str(), &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    die("connect " + opt.host + ":" + std::to_string(opt.port) + ": " + strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Keep-alive HTTP/1.1 client on one connection (reconnects when the server closes).
class Http {
 public:
  ~Http() {
    if (fd_ >= 0) close(fd_);
  }
  HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& bearer = "") {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0) fd_ = connect_blocking();
      std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + opt.host + ":" +
                        std::to_string(opt.port) + "\r\nContent-Type: application/json\r\n" +
                        "Content-Length: " + std::to_string(body.size()) + "\r\n";
      if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
      req += "\r\n" + body;
      if (!write_all(req)) {
        reset();
        continue;
      }
      HttpResponse r;
      if (read_response(r)) return r;
      reset();
    }
    die("HTTP " + method + " " + path + ": connection failed");
  }

 private:
  int fd_ = -1;
  std::string buf_;
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  bool write_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += size_t(n);
    }
    return true;
  }
  bool fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, size_t(n));
    return true;
  }
  bool read_response(HttpResponse& r) {
    size_t hend;
    while ((hend = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    std::string head = buf_.substr(0, hend);
    buf_.erase(0, hend + 4);
    if (head.size() < 12) return false;
    r.status = atoi(head.c_str() + 9);
    std::string lower = head;
    for (auto& c : lower) c = char(tolower(c));
    bool close_after = lower.find("\r\nconnection: close") != std::string::npos;
    size_t cl = lower.find("\r\ncontent-length:");
    if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      while (true) {
        size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return false;
        size_t len = strtoul(buf_.c_str(), nullptr, 16);
        while (buf_.size() < le + 2 + len + 2)
          if (!fill()) return false;
        r.body.append(buf_, le + 2, len);
        buf_.erase(0, le + 2 + len + 2);
        if (len == 0) break;
      }
    } else if (cl != std::string::npos) {
      size_t len = strtoul(lower.c_str() + cl + 17, nullptr, 10);
      while (buf_.size() < len)
        if (!fill()) return false;
      r.body = buf_.substr(0, len);
      buf_.erase(0, len);
    } else {
      while (fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
      close_after = true;
    }
    if (close_after) reset();
    return true;
  }
};

// ---------------------------------------------------------------- WebSocket connections on epoll

enum class State { connecting, handshake, open, closed };

struct Conn {
  int fd = -1;
  State state = State::closed;
  bool ready = false;       // 101 seen (and, per target, the hello / socket.io CONNECT ack)
  bool upgraded = false;    // 101 seen
  bool want_out = false;
  uint64_t upgraded_ns = 0;
  int role = 0;             // 0 customer, 1 agent
  int index = 0;            // pair index (customer) or agent index
  std::string target;       // request target
  std::string connect_auth; // socket.io: payload of the "40" CONNECT packet
  std::string in;
  size_t in_off = 0;
  std::string out;
  size_t out_off = 0;
  std::string frag;
  int frag_op = 0;
  int http_status = 0;
};

int ep = -1;
std::vector<Conn> conns;
std::vector<sockaddr_in> src_addrs;
size_t next_src = 0;
long n_connect_fail = 0, n_handshake_fail = 0, n_closed_by_server = 0, n_protocol_errors = 0;
std::map<std::string, long> server_errors;  // error code → count
std::function<void(Conn&, std::string_view)> on_text;  // set per mode

void ep_update(Conn& c, int ci) {
  epoll_event ev{};
  ev.events = EPOLLIN | (c.want_out ? uint32_t(EPOLLOUT) : 0u);
  ev.data.u32 = uint32_t(ci);
  epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
}

void conn_close(Conn& c) {
  if (c.fd >= 0) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
  }
  c.fd = -1;
  c.state = State::closed;
}

void conn_flush(Conn& c, int ci) {
  while (c.out_off < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += size_t(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c.want_out) {
        c.want_out = true;
        ep_update(c, ci);
      }
      return;
    }
    ++n_closed_by_server;
    conn_close(c);
    return;
  }
  c.out.clear();
  c.out_off = 0;
  if (c.want_out) {
    c.want_out = false;
    ep_update(c, ci);
  }
}

// Appends one masked client frame (RFC 6455 §5.3).
void ws_frame(Conn& c, int opcode, std::string_view payload) {
  unsigned char h[14];
  size_t hl = 0;
  h[hl++] = uint8_t(0x80 | opcode);
  if (payload.size() < 126) {
    h[hl++] = uint8_t(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    h[hl++] = 0x80 | 126;
    h[hl++] = uint8_t(payload.size() >> 8);
    h[hl++] = uint8_t(payload.size());
  } else {
    h[hl++] = 0x80 | 127;
    for (int i = 7; i >= 0; --i) h[hl++] = uint8_t(uint64_t(payload.size()) >> (8 * i));
  }
  uint32_t key = uint32_t(rnd());
  unsigned char mask[4] = {uint8_t(key), uint8_t(key >> 8), uint8_t(key >> 16), uint8_t(key >> 24)};
  memcpy(h + hl, mask, 4);
  hl += 4;
  c.out.append(reinterpret_cast<char*>(h), hl);
  size_t base = c.out.size();
  c.out.append(payload);
  for (size_t i = 0; i < payload.size(); ++i) c.out[base + i] ^= char(mask[i & 3]);
}

void ws_send_text(Conn& c, int ci, std::string_view payload) {
  ws_frame(c, 1, payload);
  if (!c.want_out) conn_flush(c, ci);
}

bool start_connect(int ci) {
  Conn& c = conns[ci];
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) die(std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!src_addrs.empty()) {
    setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    const sockaddr_in& src = src_addrs[next_src++ % src_addrs.size()];
    if (bind(c.fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
      close(c.fd);
      c.fd = -1;
      ++n_connect_fail;
      return false;
    }
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(opt.port));
  inet_pton(AF_INET, opt.host.c_str(), &sa.sin_addr);
  int r = connect(c.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  if (r != 0 && errno != EINPROGRESS) {
    close(c.fd);
    c.fd = -1;
    ++n_connect_fail;
    return false;
  }
  c.state = State::connecting;
  c.want_out = true;
  c.ready = c.upgraded = false;
  c.in.clear();
  c.in_off = 0;
  c.out.clear();
  c.out_off = 0;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u32 = uint32_t(ci);
  epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  return true;
}

void send_handshake(Conn& c, int ci) {
  unsigned char key[16];
  for (int i = 0; i < 16; i += 8) {
    uint64_t v = rnd();
    memcpy(key + i, &v, 8);
  }
  c.out = "GET " + c.target + " HTTP/1.1\r\nHost: " + opt.host + ":" + std::to_string(opt.port) +
          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
          base64(key, 16) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  c.out_off = 0;
  c.state = State::handshake;
  conn_flush(c, ci);
}

// Handles one complete text message (after reassembly).
void handle_message(Conn& c, int ci, std::string_view msg) {
  if (opt.target == Target::socketio) {
    if (msg.empty()) return;
    char t = msg[0];
    if (t == '2') {  // Engine.IO ping → pong
      ws_send_text(c, ci, "3");
      return;
    }
    if (t == '0') {  // Engine.IO open → socket.io CONNECT with auth
      ws_send_text(c, ci, "40" + c.connect_auth);
      return;
    }
    if (t == '4' && msg.size() >= 2) {
      if (msg[1] == '0') {  // CONNECT ack
        c.ready = true;
        return;
      }
      if (msg[1] == '4') {  // CONNECT_ERROR
        ++n_protocol_errors;
        server_errors["connect_error"]++;
        conn_close(c);
        return;
      }
    }
  }
  on_text(c, msg);
}

void handle_readable(Conn& c, int ci) {
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, size_t(n));
      if (size_t(n) < sizeof buf) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (c.upgraded) ++n_closed_by_server; else ++n_handshake_fail;
    conn_close(c);
    return;
  }
  if (c.state == State::handshake) {
    size_t hend = c.in.find("\r\n\r\n");
    if (hend == std::string::npos) return;
    c.http_status = c.in.size() >= 12 ? atoi(c.in.c_str() + 9) : 0;
    if (c.http_status != 101) {
      ++n_handshake_fail;
      server_errors["handshake_" + std::to_string(c.http_status)]++;
      conn_close(c);
      return;
    }
    c.upgraded = true;
    c.upgraded_ns = now_ns();
    c.state = State::open;
    c.in_off = hend + 4;
    if (opt.target == Target::ws) c.ready = true;  // the hello frame is informative only
  }
  // Parse server frames (unmasked).
  while (c.state == State::open) {
    size_t avail = c.in.size() - c.in_off;
    if (avail < 2) break;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(c.in.data() + c.in_off);
    bool fin = p[0] & 0x80;
    int op = p[0] & 0x0f;
    bool masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    size_t hl = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t(p[2]) << 8) | p[3];
      hl = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      hl = 10;
    }
    if (masked) hl += 4;
    if (avail < hl + len) break;
    std::string_view payload(c.in.data() + c.in_off + hl, size_t(len));
    std::string unmasked;
    if (masked) {  // servers must not mask; tolerate it anyway
      ++n_protocol_errors;
      unmasked.assign(payload);
      for (size_t i = 0; i < unmasked.size(); ++i) unmasked[i] ^= char(p[hl - 4 + (i & 3)]);
      payload = unmasked;
    }
    c.in_off += hl + size_t(len);
    if (op == 9) {  // ping → pong with the same payload
      ws_frame(c, 10, payload);
      if (!c.want_out) conn_flush(c, ci);
    } else if (op == 8) {  // close: answer and drop
      ++n_closed_by_server;
      if (payload.size() >= 2) {
        int code = (uint8_t(payload[0]) << 8) | uint8_t(payload[1]);
        server_errors["close_" + std::to_string(code)]++;
      }
      ws_frame(c, 8, payload.substr(0, std::min<size_t>(payload.size(), 2)));
      conn_flush(c, ci);
      conn_close(c);
      return;
    } else if (op == 10) {
      // pong: ignore
    } else if (op == 0) {
      c.frag.append(payload);
      if (fin) {
        std::string m = std::move(c.frag);
        c.frag.clear();
        if (c.frag_op == 1) handle_message(c, ci, m);
      }
    } else if (op == 1 || op == 2) {
      if (fin) {
        if (op == 1) handle_message(c, ci, payload);
      } else {
        c.frag.assign(payload);
        c.frag_op = op;
      }
    } else {
      ++n_protocol_errors;
    }
    if (c.state != State::open) return;
  }
  if (c.in_off > 0 && c.in_off == c.in.size()) {
    c.in.clear();
    c.in_off = 0;
  } else if (c.in_off > 65536) {
    c.in.erase(0, c.in_off);
    c.in_off = 0;
  }
}

void handle_event(uint32_t ci, uint32_t events) {
  Conn& c = conns[ci];
  if (c.fd < 0) return;
  if (c.state == State::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      ++n_connect_fail;
      server_errors[std::string("connect_") + strerror(err ? err : ECONNRESET)]++;
      conn_close(c);
      return;
    }
    if (events & EPOLLOUT) send_handshake(c, int(ci));
    return;
  }
  if (events & EPOLLOUT) conn_flush(c, int(ci));
  if (c.fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) handle_readable(c, int(ci));
}

// Runs the event loop until `done()` or the deadline; `tick()` runs every iteration and returns
// the wanted wait in microseconds (-1: none). epoll_pwait2 takes a nanosecond timeout, so paced
// sends neither spin nor round to milliseconds.
bool run_loop(const std::function<bool()>& done, double timeout_s,
              const std::function<long()>& tick = nullptr) {
  uint64_t deadline = now_ns() + uint64_t(timeout_s * 1e9);
  epoll_event evs[512];
  while (!done()) {
    uint64_t t = now_ns();
    if (t >= deadline) return false;
    long wait_us = long(std::min<uint64_t>((deadline - t) / 1000 + 1, 100000));
    if (tick) {
      long w = tick();
      if (done()) break;
      if (w >= 0) wait_us = std::min(wait_us, w);
    }
    timespec ts{wait_us / 1000000, (wait_us % 1000000) * 1000};
    int n = epoll_pwait2(ep, evs, 512, &ts, nullptr);
    for (int i = 0; i < n; ++i) handle_event(evs[i].data.u32, evs[i].events);
  }
  return true;
}

size_t count_ready(size_t from, size_t to) {
  size_t k = 0;
  for (size_t i = from; i < to; ++i)
    if (conns[i].fd >= 0 && conns[i].ready) ++k;
  return k;
}

// The handshake is over: 101 for kefu and ws, the socket.io CONNECT ack for socket.io.
bool handshake_done(const Conn& c) {
  return opt.target == Target::socketio ? c.ready : c.upgraded;
}

long n_hello = 0;
bool hello_missing = false;

// Opens connections [from, to) with at most opt.concurrency handshakes in flight. For kefu a
// connection is ready once its hello frame arrives (docs/protocol.md); if it does not within
// hello_wait_s after the handshakes, the 101 counts and hello_missing is reported.
void open_range(size_t from, size_t to, double timeout_s, double hello_wait_s = 3.0) {
  size_t next = from;
  size_t pending = 0;
  uint64_t last_count = 0;
  run_loop(
      [&] {
        if (next < to) return false;
        for (size_t i = from; i < to; ++i)
          if (conns[i].fd >= 0 && !handshake_done(conns[i])) return false;
        return true;
      },
      timeout_s,
      [&] {
        uint64_t t = now_ns();
        if (t - last_count > 5'000'000) {  // recount every 5 ms
          pending = 0;
          for (size_t i = from; i < next; ++i)
            if (conns[i].fd >= 0 && !handshake_done(conns[i])) ++pending;
          last_count = t;
        }
        while (next < to && pending < size_t(opt.concurrency)) {
          start_connect(int(next));
          ++next;
          ++pending;
        }
        return 5000L;
      });
  if (opt.target != Target::kefu) return;
  auto all_hello = [&] {
    for (size_t i = from; i < to; ++i)
      if (conns[i].fd >= 0 && conns[i].upgraded && !conns[i].ready) return false;
    return true;
  };
  run_loop(all_hello, hello_wait_s);
  for (size_t i = from; i < to; ++i)
    if (conns[i].fd >= 0 && conns[i].upgraded && !conns[i].ready) {
      conns[i].ready = true;
      hello_missing = true;
    }
}

// ---------------------------------------------------------------- statistics

struct Dist {
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  size_t n = 0;
};

Dist dist(std::vector<uint64_t> v) {
  Dist d;
  d.n = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto q = [&](double f) {
    size_t i = size_t(std::ceil(f * double(v.size())));
    if (i > 0) --i;
    return double(v[std::min(i, v.size() - 1)]) / 1e6;
  };
  d.p50_ms = q(0.50);
  d.p90_ms = q(0.90);
  d.p99_ms = q(0.99);
  d.p999_ms = q(0.999);
  d.max_ms = double(v.back()) / 1e6;
  double sum = 0;
  for (auto x : v) sum += double(x);
  d.mean_ms = sum / double(v.size()) / 1e6;
  return d;
}

std::string dist_json(const Dist& d) {
  char b[256];
  snprintf(b, sizeof b,
           "{\"n\":%zu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
           "\"max_ms\":%.3f,\"mean_ms\":%.3f}",
           d.n, d.p50_ms, d.p90_ms, d.p99_ms, d.p999_ms, d.max_ms, d.mean_ms);
  return b;
}

std::string errors_json() {
  std::string s = "{";
  bool first = true;
  for (auto& [k, v] : server_errors) {
    if (!first) s += ",";
    first = false;
    s += "\"" + json_escape(k) + "\":" + std::to_string(v);
  }
  return s + "}";
}

// ---------------------------------------------------------------- kefu setup

struct KefuSession {
  std::string customer_id, conversation_id_raw, conversation_id, token;
};

KefuSession kefu_session(Http& http) {
  HttpResponse r = http.request("POST", "/api/v1/widget/sessions", "{}");
  if (r.status != 200 && r.status != 201)
    die("POST /api/v1/widget/sessions → " + std::to_string(r.status) + " " + r.body);
  KefuSession s;
  s.customer_id = std::string(json_get(r.body, "customer_id"));
  s.conversation_id_raw = std::string(json_get(r.body, "conversation_id"));
  s.conversation_id = json_str(s.conversation_id_raw);
  s.token = json_str(json_get(r.body, "token"));
  if (s.conversation_id_raw.empty() || s.token.empty())
    die("widget session answer lacks conversation_id/token: " + r.body);
  return s;
}

std::string kefu_login(Http& http, int agent) {
  char email[256];
  snprintf(email, sizeof email, opt.agent_email.c_str(), agent);
  HttpResponse r = http.request(
      "POST", "/api/v1/auth/login",
      "{\"email\":\"" + json_escape(email) + "\",\"password\":\"" +
          json_escape(opt.agent_password) + "\"}");
  if (r.status != 200) die(std::string("login ") + email + " → " + std::to_string(r.status) + " " + r.body);
  std::string tok = json_str(json_get(r.body, "token"));
  if (tok.empty()) die("login answer lacks token: " + r.body);
  return tok;
}

// ---------------------------------------------------------------- chat mode

// Base for the peers' conversation ids: distinct per run, far below 2^53.
int64_t conv_base() {
  static int64_t base = (int64_t(time(nullptr)) % 1000000) * 1000000 + (getpid() % 1000) * 1000000000000ll;
  return base;
}

struct Pair {
  std::string conv_raw;  // conversation id exactly as issued (JSON value)
  int customer_conn = -1;
  int agent = -1;
  int sent = 0, acked = 0, delivered = 0;
  std::vector<uint64_t> sent_ns;
  std::vector<uint64_t> ack_ns;
  std::vector<uint64_t> deliver_ns;
};

std::vector<Pair> pairs;
long n_dup_acks = 0, n_dup_deliveries = 0, n_unmatched = 0, n_error_frames = 0;
long n_created_on_sender = 0;  // message.created echoed to the sending connection (should be 0)
uint64_t first_send_ns = 0, last_ack_ns = 0, last_deliver_ns = 0;
std::string text_body;

// client_id "b<pair>-<index>" → (pair, index)
bool parse_client_id(std::string_view raw, int& p, int& i) {
  std::string s = json_str(raw);
  if (s.size() < 4 || s[0] != 'b') return false;
  char* end = nullptr;
  long pp = strtol(s.c_str() + 1, &end, 10);
  if (!end || *end != '-') return false;
  long ii = strtol(end + 1, nullptr, 10);
  if (pp < 0 || pp >= long(pairs.size()) || ii < 0 || ii >= opt.messages) return false;
  p = int(pp);
  i = int(ii);
  return true;
}

void on_ack(std::string_view obj) {
  int p, i;
  if (json_str(json_get(obj, "type")) == "error") {
    ++n_error_frames;
    server_errors["error_" + json_str(json_get(obj, "code"))]++;
    return;
  }
  if (!parse_client_id(json_get(obj, "client_id"), p, i)) {
    ++n_unmatched;
    return;
  }
  Pair& pr = pairs[p];
  if (pr.ack_ns[i]) {
    ++n_dup_acks;
    return;
  }
  pr.ack_ns[i] = now_ns();
  last_ack_ns = pr.ack_ns[i];
  ++pr.acked;
}

void on_delivery(std::string_view message) {
  int p, i;
  if (!parse_client_id(json_get(message, "client_id"), p, i)) {
    ++n_unmatched;
    return;
  }
  Pair& pr = pairs[p];
  if (pr.deliver_ns[i]) {
    ++n_dup_deliveries;
    return;
  }
  pr.deliver_ns[i] = now_ns();
  last_deliver_ns = pr.deliver_ns[i];
  ++pr.delivered;
}

void chat_on_text(Conn& c, std::string_view msg) {
  if (opt.target == Target::socketio) {
    if (msg.size() < 2 || msg[0] != '4') return;
    if (msg[1] == '3') {  // 43<id>[payload]
      size_t b = msg.find('[');
      if (b == std::string_view::npos) return;
      on_ack(json_at(msg.substr(b), 0));
    } else if (msg[1] == '2') {  // 42["event", payload]
      size_t b = msg.find('[');
      if (b == std::string_view::npos) return;
      std::string_view arr = msg.substr(b);
      std::string ev = json_str(json_at(arr, 0));
      if (ev == "message.created") {
        if (c.role == 1) on_delivery(json_get(json_at(arr, 1), "message"));
        else ++n_created_on_sender;
      }
    }
    return;
  }
  std::string type = json_str(json_get(msg, "type"));
  if (type == "ack") {
    on_ack(msg);
  } else if (type == "message.created") {
    if (c.role == 1) on_delivery(json_get(msg, "message"));
    else ++n_created_on_sender;
  } else if (type == "hello") {
    ++n_hello;
    c.ready = true;
  } else if (type == "error") {
    on_ack(msg);
  }
}

void send_one(int p) {
  Pair& pr = pairs[p];
  int i = pr.sent++;
  std::string cid = "b" + std::to_string(p) + "-" + std::to_string(i);
  std::string body = "{\"type\":\"message.send\",\"conversation_id\":" + pr.conv_raw +
                     ",\"client_id\":\"" + cid + "\",\"text\":\"" + text_body + " #" +
                     std::to_string(i) + "\"}";
  Conn& c = conns[pr.customer_conn];
  if (c.fd < 0) return;
  pr.sent_ns[i] = now_ns();
  if (!first_send_ns) first_send_ns = pr.sent_ns[i];
  if (opt.target == Target::socketio) {
    ws_send_text(c, pr.customer_conn,
                 "42" + std::to_string(i) + "[\"message.send\"," + body + "]");
  } else {
    ws_send_text(c, pr.customer_conn, body);
  }
}

int run_chat() {
  const int N = opt.pairs;
  const int A = std::max(1, (N + opt.chats_per_agent - 1) / opt.chats_per_agent);
  pairs.resize(size_t(N));
  // Text: mixed Chinese/ASCII, no digits runs that look like card numbers or codes.
  {
    std::string base = "您好，我的提现还没有到账，请帮我查一下 hello, my withdrawal is pending ";
    while (text_body.size() < size_t(opt.text_bytes)) text_body += base;
    // cut at a UTF-8 boundary
    size_t cut = size_t(opt.text_bytes);
    while (cut < text_body.size() && (uint8_t(text_body[cut]) & 0xC0) == 0x80) ++cut;
    text_body.resize(cut);
  }
  std::vector<std::string> agent_tokens(static_cast<size_t>(A));
  std::vector<KefuSession> sessions;
  Http http;
  uint64_t t_setup = now_ns();
  if (opt.target == Target::kefu) {
    for (int a = 0; a < A; ++a) agent_tokens[size_t(a)] = kefu_login(http, a + 1);
    for (int p = 0; p < N; ++p) sessions.push_back(kefu_session(http));
    for (int p = 0; p < N; ++p) pairs[size_t(p)].conv_raw = sessions[size_t(p)].conversation_id_raw;
  } else {
    // Peers: fresh conversation ids per run (the socket.io relay de-duplicates client_ids).
    for (int p = 0; p < N; ++p) pairs[size_t(p)].conv_raw = std::to_string(conv_base() + p + 1);
  }
  for (int p = 0; p < N; ++p) {
    Pair& pr = pairs[size_t(p)];
    pr.agent = p % A;
    pr.sent_ns.assign(size_t(opt.messages), 0);
    pr.ack_ns.assign(size_t(opt.messages), 0);
    pr.deliver_ns.assign(size_t(opt.messages), 0);
  }
  // Connections: agents first [0, A), then customers [A, A+N).
  conns.resize(size_t(A + N));
  for (int a = 0; a < A; ++a) {
    Conn& c = conns[size_t(a)];
    c.role = 1;
    c.index = a;
    std::string ids;
    for (int p = a; p < N; p += A) ids += (ids.empty() ? "" : ",") + pairs[size_t(p)].conv_raw;
    switch (opt.target) {
      case Target::kefu: c.target = "/api/v1/ws?token=" + url_encode(agent_tokens[size_t(a)]); break;
      case Target::ws: c.target = "/ws?role=agent&id=" + std::to_string(a + 1) + "&conversation_ids=" + ids; break;
      case Target::socketio:
        c.target = "/socket.io/?EIO=4&transport=websocket";
        c.connect_auth = "{\"role\":\"agent\",\"id\":" + std::to_string(a + 1) + ",\"conversation_ids\":[" + ids + "]}";
        break;
    }
  }
  for (int p = 0; p < N; ++p) {
    Conn& c = conns[size_t(A + p)];
    c.role = 0;
    c.index = p;
    pairs[size_t(p)].customer_conn = A + p;
    switch (opt.target) {
      case Target::kefu: c.target = "/api/v1/ws?token=" + url_encode(sessions[size_t(p)].token); break;
      case Target::ws: c.target = "/ws?role=customer&conversation_id=" + pairs[size_t(p)].conv_raw; break;
      case Target::socketio:
        c.target = "/socket.io/?EIO=4&transport=websocket";
        c.connect_auth = "{\"role\":\"customer\",\"conversation_id\":" + pairs[size_t(p)].conv_raw + "}";
        break;
    }
  }
  on_text = chat_on_text;
  open_range(0, size_t(A), 30);
  if (opt.target == Target::kefu) {
    // Accept every conversation with its agent's token (staff route), agents already connected.
    long accept_fail = 0;
    for (int p = 0; p < N; ++p) {
      HttpResponse r = http.request("POST", "/api/v1/conversations/" +
                                                url_encode(sessions[size_t(p)].conversation_id) +
                                                "/accept",
                                    "{}", agent_tokens[size_t(pairs[size_t(p)].agent)]);
      if (r.status != 200) {
        if (++accept_fail <= 3)
          fprintf(stderr, "accept conversation %s → %d %s\n",
                  sessions[size_t(p)].conversation_id.c_str(), r.status, r.body.c_str());
        server_errors["accept_" + std::to_string(r.status)]++;
      }
    }
  }
  open_range(size_t(A), size_t(A + N), 30);
  size_t ready = count_ready(0, conns.size());
  fprintf(stderr, "[%s] chat: %zu/%zu connections ready (%d agents, %d customers), setup %.2fs\n",
          opt.target_name.c_str(), ready, conns.size(), A, N, double(now_ns() - t_setup) / 1e9);
  if (ready != conns.size()) die("not every connection could be opened; see errors " + errors_json());
  // Let setup frames (conversation.assigned, hello, queue frames …) drain.
  run_loop([] { return false; }, 0.3);

  const long total = long(N) * opt.messages;
  long total_sent = 0, total_acked = 0, total_delivered = 0;
  auto counts = [&] {
    total_sent = total_acked = total_delivered = 0;
    for (auto& pr : pairs) {
      total_sent += pr.sent;
      total_acked += pr.acked;
      total_delivered += pr.delivered;
    }
  };
  ProcSample before = sample_proc(opt.pid);
  double self_before = self_cpu_s();
  uint64_t t0 = now_ns();
  bool finished;
  if (opt.rate > 0) {
    // Open loop: message k (global) is due at t0 + k/rate, customer k % N sends it.
    long k = 0;
    const double interval_ns = 1e9 / opt.rate;
    finished = run_loop(
        [&] {
          if (k < total) return false;
          counts();
          return total_acked + n_error_frames >= total && total_delivered >= total_acked;
        },
        double(total) / opt.rate + opt.timeout_s,
        [&] {
          uint64_t t = now_ns();
          while (k < total && double(t - t0) >= double(k) * interval_ns) {
            int p = int(k % N);
            if (pairs[size_t(p)].sent < opt.messages) send_one(p);
            ++k;
          }
          if (k >= total) return 1000L;
          double due = double(t0) + double(k) * interval_ns;
          double wait_us = (due - double(now_ns())) / 1e3;
          return wait_us <= 0 ? 0L : long(wait_us) + 1;
        });
  } else {
    for (int p = 0; p < N; ++p)
      for (int w = 0; w < opt.window && pairs[size_t(p)].sent < opt.messages; ++w) send_one(p);
    finished = run_loop(
        [&] {
          counts();
          return total_acked + n_error_frames >= total && total_delivered >= total_acked;
        },
        opt.timeout_s, [&] {
          for (int p = 0; p < N; ++p) {
            Pair& pr = pairs[size_t(p)];
            while (pr.sent < opt.messages && pr.sent - pr.acked < opt.window) send_one(p);
          }
          return 10000L;
        });
  }
  uint64_t t_end = now_ns();
  ProcSample after = sample_proc(opt.pid);
  double self_after = self_cpu_s();
  counts();
  // Latencies.
  std::vector<uint64_t> ack_lat, del_lat;
  ack_lat.reserve(size_t(total));
  del_lat.reserve(size_t(total));
  for (auto& pr : pairs)
    for (int i = 0; i < opt.messages; ++i) {
      if (pr.sent_ns[i] && pr.ack_ns[i]) ack_lat.push_back(pr.ack_ns[i] - pr.sent_ns[i]);
      if (pr.sent_ns[i] && pr.deliver_ns[i]) del_lat.push_back(pr.deliver_ns[i] - pr.sent_ns[i]);
    }
  Dist da = dist(ack_lat), dd = dist(del_lat);
  double send_phase_s = double(t_end - t0) / 1e9;
  double deliver_span_s =
      last_deliver_ns > first_send_ns ? double(last_deliver_ns - first_send_ns) / 1e9 : 0;
  double ack_span_s = last_ack_ns > first_send_ns ? double(last_ack_ns - first_send_ns) / 1e9 : 0;
  double server_cpu = after.cpu_s - before.cpu_s;
  char b[2048];
  std::string out = "{";
  snprintf(b, sizeof b,
           "\"target\":\"%s\",\"mode\":\"chat\",\"pacing\":\"%s\",\"pairs\":%d,\"agents\":%d,"
           "\"messages_per_customer\":%d,\"rate_target\":%.1f,\"window\":%d,\"text_bytes\":%zu,"
           "\"finished\":%s,\"sent\":%ld,\"acked\":%ld,\"delivered\":%ld,\"error_frames\":%ld,"
           "\"dup_acks\":%ld,\"dup_deliveries\":%ld,\"unmatched_frames\":%ld,"
           "\"hello_frames\":%ld,\"hello_missing\":%s,\"created_on_sender_conn\":%ld,",
           opt.target_name.c_str(), opt.rate > 0 ? "paced" : "window", N, A, opt.messages,
           opt.rate, opt.rate > 0 ? 0 : opt.window, text_body.size() + 4, finished ? "true" : "false",
           total_sent, total_acked, total_delivered, n_error_frames, n_dup_acks, n_dup_deliveries,
           n_unmatched, n_hello, hello_missing ? "true" : "false", n_created_on_sender);
  out += b;
  snprintf(b, sizeof b,
           "\"send_phase_s\":%.3f,\"acked_per_s\":%.1f,\"delivered_per_s\":%.1f,"
           "\"send_to_ack\":%s,\"send_to_delivery\":%s,",
           send_phase_s, ack_span_s > 0 ? double(total_acked) / ack_span_s : 0,
           deliver_span_s > 0 ? double(total_delivered) / deliver_span_s : 0,
           dist_json(da).c_str(), dist_json(dd).c_str());
  out += b;
  if (before.ok && after.ok) {
    snprintf(b, sizeof b,
             "\"server_pid\":%d,\"server_cpu_s\":%.3f,\"server_cpu_us_per_msg\":%.2f,"
             "\"server_sched_cpu_s\":%.4f,\"server_sched_cpu_us_per_msg\":%.2f,"
             "\"server_cpu_util\":%.3f,\"server_threads\":%ld,\"server_rss_kib_after\":%ld,"
             "\"server_pss_kib_after\":%ld,",
             opt.pid, server_cpu, total_acked ? server_cpu * 1e6 / double(total_acked) : 0,
             after.sched_s - before.sched_s,
             total_acked ? (after.sched_s - before.sched_s) * 1e6 / double(total_acked) : 0,
             send_phase_s > 0 ? server_cpu / send_phase_s : 0, after.threads, after.rss_kib,
             after.pss_kib);
    out += b;
  }
  snprintf(b, sizeof b,
           "\"loadgen_cpu_s\":%.3f,\"connect_failures\":%ld,\"handshake_failures\":%ld,"
           "\"closed_by_server\":%ld,\"protocol_errors\":%ld,\"errors\":%s}",
           self_after - self_before, n_connect_fail, n_handshake_fail, n_closed_by_server,
           n_protocol_errors, errors_json().c_str());
  out += b;
  printf("%s\n", out.c_str());
  fprintf(stderr,
          "[%s] chat %s: %ld/%ld acked, %ld delivered in %.2fs; ack p50 %.3f p99 %.3f ms; "
          "delivery p50 %.3f p99 %.3f ms; server CPU %.1f us/msg (schedstat %.1f)\n",
          opt.target_name.c_str(), opt.rate > 0 ? "paced" : "window", total_acked, total,
          total_delivered, send_phase_s, da.p50_ms, da.p99_ms, dd.p50_ms, dd.p99_ms,
          total_acked ? server_cpu * 1e6 / double(total_acked) : 0,
          total_acked ? (after.sched_s - before.sched_s) * 1e6 / double(total_acked) : 0);
  for (auto& c : conns) conn_close(c);
  return finished && total_acked == total && total_delivered == total ? 0 : 1;
}

// ---------------------------------------------------------------- idle mode

void idle_on_text(Conn& c, std::string_view msg) {
  if (opt.target == Target::kefu) {
    if (json_str(json_get(msg, "type")) == "hello") {
      ++n_hello;
      c.ready = true;
    }
  }
}

int run_idle() {
  std::sort(opt.steps.begin(), opt.steps.end());
  const size_t total = size_t(opt.steps.back());
  conns.resize(total);
  Http http;
  std::vector<std::string> tokens;
  uint64_t t_setup = now_ns();
  if (opt.target == Target::kefu) {
    int s = std::max(1, std::min<int>(opt.sessions, int(total)));
    for (int i = 0; i < s; ++i) tokens.push_back(kefu_session(http).token);
    fprintf(stderr, "[kefu] idle: %d widget sessions created in %.2fs\n", s,
            double(now_ns() - t_setup) / 1e9);
  }
  for (size_t i = 0; i < total; ++i) {
    Conn& c = conns[i];
    switch (opt.target) {
      case Target::kefu: c.target = "/api/v1/ws?token=" + url_encode(tokens[i % tokens.size()]); break;
      case Target::ws: c.target = "/ws?role=customer&conversation_id=" + std::to_string(1000000 + i); break;
      case Target::socketio:
        c.target = "/socket.io/?EIO=4&transport=websocket";
        c.connect_auth = "{\"role\":\"customer\",\"conversation_id\":" + std::to_string(1000000 + i) + "}";
        break;
    }
  }
  on_text = idle_on_text;
  // Settle, then the baseline.
  run_loop([] { return false; }, opt.settle_s);
  ProcSample base = sample_proc(opt.pid);
  if (!base.ok) die("cannot read /proc/" + std::to_string(opt.pid));
  std::string steps_json = "[";
  size_t opened = 0;
  struct Point {
    double conns, pss, rss;
  };
  std::vector<Point> pts;
  pts.push_back({0, double(base.pss_kib), double(base.rss_kib)});
  double cpu_prev = base.cpu_s;
  for (size_t si = 0; si < opt.steps.size(); ++si) {
    size_t to = size_t(opt.steps[si]);
    uint64_t t_open = now_ns();
    open_range(opened, to, 120);
    double open_s = double(now_ns() - t_open) / 1e9;
    ProcSample mid = sample_proc(opt.pid);
    // Settle with the connections idle; CPU over the settle window is the idle cost.
    run_loop([] { return false; }, opt.settle_s);
    ProcSample s = sample_proc(opt.pid);
    size_t live = count_ready(0, to);
    double dconns = double(live);
    double pss_per = live ? double(s.pss_kib - base.pss_kib) * 1024.0 / dconns : 0;
    double rss_per = live ? double(s.rss_kib - base.rss_kib) * 1024.0 / dconns : 0;
    double open_cpu_per_conn_us =
        to > opened ? (mid.cpu_s - cpu_prev) * 1e6 / double(to - opened) : 0;
    double idle_cpu_util = (s.cpu_s - mid.cpu_s) / opt.settle_s;
    cpu_prev = s.cpu_s;
    pts.push_back({dconns, double(s.pss_kib), double(s.rss_kib)});
    char b[1024];
    snprintf(b, sizeof b,
             "%s{\"target_conns\":%zu,\"live_conns\":%zu,\"open_s\":%.3f,\"pss_kib\":%ld,"
             "\"rss_kib\":%ld,\"pss_bytes_per_conn\":%.1f,\"rss_bytes_per_conn\":%.1f,"
             "\"server_cpu_s\":%.3f,\"open_cpu_us_per_conn\":%.2f,\"idle_cpu_util\":%.4f,"
             "\"server_threads\":%ld}",
             si ? "," : "", to, live, open_s, s.pss_kib, s.rss_kib, pss_per, rss_per,
             s.cpu_s - base.cpu_s, open_cpu_per_conn_us, idle_cpu_util, s.threads);
    steps_json += b;
    fprintf(stderr,
            "[%s] idle: %zu/%zu live, Pss %+ld KiB (%.0f B/conn), RSS %.0f B/conn, open %.1f "
            "us CPU/conn, idle CPU %.2f%%\n",
            opt.target_name.c_str(), live, to, s.pss_kib - base.pss_kib, pss_per, rss_per,
            open_cpu_per_conn_us, idle_cpu_util * 100);
    opened = to;
    if (live < to) break;  // the server refused some: stop growing
  }
  steps_json += "]";
  // Least-squares fit of Pss (KiB) against live connections, with R².
  auto fit = [&](bool pss) {
    double n = double(pts.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (auto& p : pts) {
      double y = pss ? p.pss : p.rss;
      sx += p.conns;
      sy += y;
      sxx += p.conns * p.conns;
      sxy += p.conns * y;
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    double icpt = (sy - slope * sx) / n;
    double ss_tot = 0, ss_res = 0, mean = sy / n;
    for (auto& p : pts) {
      double y = pss ? p.pss : p.rss;
      ss_tot += (y - mean) * (y - mean);
      ss_res += (y - (icpt + slope * p.conns)) * (y - (icpt + slope * p.conns));
    }
    char b[256];
    snprintf(b, sizeof b,
             "{\"bytes_per_conn\":%.1f,\"intercept_kib\":%.0f,\"r2\":%.5f,"
             "\"extrapolated_100k_mib\":%.1f}",
             slope * 1024, icpt, ss_tot > 0 ? 1 - ss_res / ss_tot : 1,
             (icpt + slope * 100000) / 1024);
    return std::string(b);
  };
  char b[1024];
  snprintf(b, sizeof b,
           "{\"target\":\"%s\",\"mode\":\"idle\",\"sessions\":%zu,\"src_addrs\":%zu,"
           "\"baseline_pss_kib\":%ld,\"baseline_rss_kib\":%ld,\"hello_frames\":%ld,"
           "\"hello_missing\":%s,\"connect_failures\":%ld,\"handshake_failures\":%ld,"
           "\"closed_by_server\":%ld,\"protocol_errors\":%ld,\"errors\":%s,",
           opt.target_name.c_str(), tokens.size(), src_addrs.size(), base.pss_kib, base.rss_kib,
           n_hello, hello_missing ? "true" : "false", n_connect_fail, n_handshake_fail,
           n_closed_by_server, n_protocol_errors, errors_json().c_str());
  printf("%s\"steps\":%s,\"fit_pss\":%s,\"fit_rss\":%s}\n", b, steps_json.c_str(),
         fit(true).c_str(), fit(false).c_str());
  for (auto& c : conns) conn_close(c);
  return 0;
}

void usage() {
  fprintf(stderr,
          "usage: loadgen --target kefu|ws|socketio --port P [--host 127.0.0.1] [--pid SERVER_PID]\n"
          "  --mode chat  --pairs N --messages M (--rate MSGS_PER_S | --window W)\n"
          "               [--chats-per-agent 5] [--text-bytes 64] [--timeout 60]\n"
          "               kefu: --agent-email 'agent%%d@bench' --agent-password PW\n"
          "  --mode idle  --steps 2000,5000,10000 [--sessions 1000] [--settle 2]\n"
          "  [--src-addrs 8] [--concurrency 256]\n");
  exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--target") {
      opt.target_name = val();
      if (opt.target_name == "kefu") opt.target = Target::kefu;
      else if (opt.target_name == "ws") opt.target = Target::ws;
      else if (opt.target_name == "socketio") opt.target = Target::socketio;
      else usage();
    } else if (a == "--host") opt.host = val();
    else if (a == "--port") opt.port = atoi(val().c_str());
    else if (a == "--pid") opt.pid = atoi(val().c_str());
    else if (a == "--mode") opt.mode = val();
    else if (a == "--pairs") opt.pairs = atoi(val().c_str());
    else if (a == "--messages") opt.messages = atoi(val().c_str());
    else if (a == "--rate") opt.rate = atof(val().c_str());
    else if (a == "--window") opt.window = atoi(val().c_str());
    else if (a == "--chats-per-agent") opt.chats_per_agent = atoi(val().c_str());
    else if (a == "--text-bytes") opt.text_bytes = atoi(val().c_str());
    else if (a == "--timeout") opt.timeout_s = atof(val().c_str());
    else if (a == "--agent-email") opt.agent_email = val();
    else if (a == "--agent-password") opt.agent_password = val();
    else if (a == "--steps") {
      opt.steps.clear();
      for (auto& s : split(val(), ',')) opt.steps.push_back(atoi(s.c_str()));
    } else if (a == "--sessions") opt.sessions = atoi(val().c_str());
    else if (a == "--settle") opt.settle_s = atof(val().c_str());
    else if (a == "--src-addrs") opt.src_addrs = atoi(val().c_str());
    else if (a == "--concurrency") opt.concurrency = atoi(val().c_str());
    else usage();
  }
  if (opt.port <= 0 || opt.pairs <= 0 || opt.messages <= 0 || opt.window <= 0 || opt.steps.empty())
    usage();
  // Loopback only.
  in_addr host{};
  if (inet_pton(AF_INET, opt.host.c_str(), &host) != 1 || (ntohl(host.s_addr) >> 24) != 127)
    die("only 127.0.0.0/8 targets are allowed, got " + opt.host);
  if (opt.target == Target::kefu && opt.mode == "chat" && opt.agent_password.empty()) {
    const char* pw = getenv("KEFU_BENCH_AGENT_PASSWORD");
    if (pw) opt.agent_password = pw;
    if (opt.agent_password.empty()) die("kefu chat needs --agent-password (or KEFU_BENCH_AGENT_PASSWORD)");
  }
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  for (int i = 1; i <= std::max(1, opt.src_addrs); ++i) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl((127u << 24) | uint32_t(i));
    src_addrs.push_back(sa);
  }
  rng_state ^= now_ns() * 0x2545F4914F6CDD1Dull;
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (opt.mode == "chat") return run_chat();
  if (opt.mode == "idle") return run_idle();
  usage();
}
