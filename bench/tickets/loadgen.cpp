// kefu bench/tickets load client: HTTP/1.1 POSTs of one JSON body over many keep-alive
// connections, one epoll thread, no dependencies beyond libc.
//
// Each connection keeps --depth requests in flight (1 = one request, wait for its answer, send
// the next; more = HTTP/1.1 pipelining). A warm-up of --warmup seconds is not counted; then for
// --seconds every answer to a request sent in that window is counted: 201 as created, anything
// else as an error (by status). Reports created/s (from the window's start to its last answer),
// request → answer latency (p50, p90, p99, max), and with --pid the server's CPU time per created
// ticket: utime+stime from /proc/PID/stat and Σ /proc/PID/task/*/schedstat (ns), read at the
// window's start and after its last answer.
//
// Output: one JSON object on stdout; progress and errors on stderr. Only 127.0.0.0/8 targets.
//
// Usage: kefu_tickets_loadgen --port P [--host 127.0.0.1] [--path /api/v1/tickets]
//          [--token T] [--body-file F] [--connections 64] [--depth 1] [--seconds 5]
//          [--warmup 1] [--pid PID]
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
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "tickets loadgen: %s\n", msg.c_str());
  std::exit(2);
}

std::uint64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct CpuSample {
  double stat_s = 0;        // utime + stime, clock ticks
  double schedstat_s = 0;   // Σ over threads of time on CPU, ns resolution
  bool ok = false;
};

CpuSample ReadCpu(int pid) {
  CpuSample c;
  if (pid <= 0) return c;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return c;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;
  while (rest >> field) fields.push_back(field);
  if (fields.size() < 13) return c;
  const double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
  c.stat_s = (std::stod(fields[11]) + std::stod(fields[12])) / tck;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = opendir(task_dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream s(task_dir + "/" + e->d_name + "/schedstat");
      unsigned long long ns = 0;
      if (s >> ns) c.schedstat_s += static_cast<double>(ns) / 1e9;
    }
    closedir(d);
  }
  c.ok = true;
  return c;
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/api/v1/tickets";
  std::string token;
  std::string body;
  int connections = 64;
  int depth = 1;
  double seconds = 5;
  double warmup = 1;
  int pid = 0;
};

const char* kDefaultBody =
    R"({"subject":"提现未到账 withdrawal missing","type":"incident","category":"withdrawal",)"
    R"("priority":"high","chain":"tron","token":"USDT","amount":"100.5",)"
    R"("tx_hash":"0xabababababababababababababababababababababababababababababababab","tags":["usdt"]})";

Options Parse(int argc, char** argv) {
  Options o;
  o.body = kDefaultBody;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--host") o.host = value();
    else if (a == "--port") o.port = std::atoi(value().c_str());
    else if (a == "--path") o.path = value();
    else if (a == "--token") o.token = value();
    else if (a == "--body-file") {
      std::ifstream f(value());
      if (!f) Die("cannot read the body file");
      o.body.assign((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    } else if (a == "--connections") o.connections = std::atoi(value().c_str());
    else if (a == "--depth") o.depth = std::atoi(value().c_str());
    else if (a == "--seconds") o.seconds = std::atof(value().c_str());
    else if (a == "--warmup") o.warmup = std::atof(value().c_str());
    else if (a == "--pid") o.pid = std::atoi(value().c_str());
    else Die("unknown argument " + a + " (see the comment at the top of bench/tickets/loadgen.cpp)");
  }
  if (o.port <= 0 || o.port > 65535) Die("--port is required");
  if (o.connections < 1 || o.depth < 1 || o.seconds <= 0 || o.warmup < 0) Die("bad sizes");
  in_addr addr{};
  if (inet_pton(AF_INET, o.host.c_str(), &addr) != 1 || (ntohl(addr.s_addr) >> 24) != 127)
    Die("only 127.0.0.0/8 targets are allowed");
  return o;
}

struct Conn {
  int fd = -1;
  std::string in;               // received, not yet parsed
  std::string out;              // to send, not yet written
  std::deque<std::uint64_t> sent_at;  // one per request in flight, oldest first
};

enum class Phase { warmup, measure, drain };

struct Stats {
  std::uint64_t created = 0;
  std::uint64_t errors = 0;
  std::map<std::string, std::uint64_t> by_status;  // non-201 answers and transport failures
  std::vector<std::uint32_t> latency_us;
  std::uint64_t last_answer_ns = 0;
};

// Parses one whole response at the front of `in`: its status and total length, or 0 when more
// bytes are needed. Only Content-Length bodies (what both servers send); -1 on anything else.
long ParseResponse(std::string_view in, int& status) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  if (in.size() < 12 || in.substr(0, 5) != "HTTP/") return -1;
  status = std::atoi(std::string(in.substr(9, 3)).c_str());
  long length = -1;
  size_t pos = in.find("\r\n") + 2;
  while (pos < head_end) {
    const size_t eol = in.find("\r\n", pos);
    std::string_view line = in.substr(pos, eol - pos);
    if (line.size() > 15) {
      std::string name(line.substr(0, 15));
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (name == "content-length:") length = std::atol(std::string(line.substr(15)).c_str());
    }
    pos = eol + 2;
  }
  if (length < 0) return -1;
  const size_t total = head_end + 4 + static_cast<size_t>(length);
  return in.size() >= total ? static_cast<long>(total) : 0;
}

double Percentile(const std::vector<std::uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())));
  return sorted[i] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = Parse(argc, argv);
  std::string request = "POST " + opt.path + " HTTP/1.1\r\nHost: " + opt.host + "\r\n";
  if (!opt.token.empty()) request += "Authorization: Bearer " + opt.token + "\r\n";
  request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(opt.body.size()) + "\r\n\r\n";
  request += opt.body;

  const int ep = epoll_create1(0);
  if (ep < 0) Die("epoll_create1 failed");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(opt.port));
  inet_pton(AF_INET, opt.host.c_str(), &sa.sin_addr);

  std::vector<Conn> conns(static_cast<size_t>(opt.connections));
  for (size_t i = 0; i < conns.size(); ++i) {
    // Blocking connect (loopback, immediate), then non-blocking I/O.
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      Die(std::string("connect failed: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) Die("fcntl O_NONBLOCK failed");
    conns[i].fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) Die("epoll_ctl failed");
  }

  Stats stats;
  stats.latency_us.reserve(1 << 20);
  Phase phase = opt.warmup > 0 ? Phase::warmup : Phase::measure;
  const std::uint64_t t0 = NowNs();
  std::uint64_t measure_start = phase == Phase::measure ? t0 : t0 + static_cast<std::uint64_t>(opt.warmup * 1e9);
  const std::uint64_t measure_end = measure_start + static_cast<std::uint64_t>(opt.seconds * 1e9);
  CpuSample cpu_before = phase == Phase::measure ? ReadCpu(opt.pid) : CpuSample{};
  double own_cpu_before = ProcessCpuSeconds();
  std::uint64_t in_flight = 0;
  bool failed = false;

  auto flush = [&](Conn& c) -> bool {
    while (!c.out.empty()) {
      const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return true;
      } else {
        return false;
      }
    }
    return true;
  };
  auto top_up = [&](Conn& c, std::uint64_t now) {
    if (phase == Phase::drain) return;
    while (c.sent_at.size() < static_cast<size_t>(opt.depth)) {
      c.out += request;
      c.sent_at.push_back(now);
      ++in_flight;
    }
  };

  for (Conn& c : conns) {
    top_up(c, NowNs());
    if (!flush(c)) Die("send failed");
  }

  std::vector<epoll_event> events(conns.size());
  char buf[65536];
  for (;;) {
    const std::uint64_t now = NowNs();
    if (phase == Phase::warmup && now >= measure_start) {
      phase = Phase::measure;
      measure_start = now;
      cpu_before = ReadCpu(opt.pid);
      own_cpu_before = ProcessCpuSeconds();
    }
    if (phase == Phase::measure && now >= measure_end) phase = Phase::drain;
    if (phase == Phase::drain && in_flight == 0) break;
    if (phase == Phase::drain && now >= measure_end + 30'000'000'000ULL) {
      std::fprintf(stderr, "tickets loadgen: %llu requests unanswered 30 s after the end\n",
                   static_cast<unsigned long long>(in_flight));
      stats.by_status["unanswered"] += in_flight;
      stats.errors += in_flight;
      failed = true;
      break;
    }
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
    if (n < 0 && errno != EINTR) Die("epoll_wait failed");
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u64];
      if (c.fd < 0) continue;
      bool alive = true;
      if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          const ssize_t r = recv(c.fd, buf, sizeof buf, 0);
          if (r > 0) {
            c.in.append(buf, static_cast<size_t>(r));
            continue;
          }
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          alive = false;  // closed by the server, or an error
          break;
        }
        const std::uint64_t got = NowNs();
        size_t used = 0;
        for (;;) {
          int status = 0;
          const long len = ParseResponse(std::string_view(c.in).substr(used), status);
          if (len == 0) break;
          if (len < 0 || c.sent_at.empty()) {
            stats.by_status["bad_response"]++;
            alive = false;
            break;
          }
          used += static_cast<size_t>(len);
          const std::uint64_t sent = c.sent_at.front();
          c.sent_at.pop_front();
          --in_flight;
          if (sent >= measure_start && phase != Phase::warmup) {
            stats.last_answer_ns = got;
            if (status == 201) {
              ++stats.created;
              stats.latency_us.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>((got - sent) / 1000, UINT32_MAX)));
            } else {
              ++stats.errors;
              stats.by_status[std::to_string(status)]++;
            }
          }
        }
        c.in.erase(0, used);
        if (alive) top_up(c, got);
      }
      if (alive) alive = flush(c);
      if (!alive) {
        if (!c.sent_at.empty()) {
          stats.by_status["connection_closed"] += c.sent_at.size();
          stats.errors += c.sent_at.size();
          in_flight -= c.sent_at.size();
          c.sent_at.clear();
        }
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        failed = true;
      }
    }
  }
  const std::uint64_t end = stats.last_answer_ns ? stats.last_answer_ns : NowNs();
  const CpuSample cpu_after = ReadCpu(opt.pid);
  const double own_cpu = ProcessCpuSeconds() - own_cpu_before;
  for (Conn& c : conns)
    if (c.fd >= 0) close(c.fd);

  const double elapsed = static_cast<double>(end - measure_start) / 1e9;
  std::sort(stats.latency_us.begin(), stats.latency_us.end());
  double mean = 0;
  for (auto v : stats.latency_us) mean += v;
  if (!stats.latency_us.empty()) mean /= static_cast<double>(stats.latency_us.size()) * 1000.0;
  const double created = static_cast<double>(stats.created);
  std::string errors = "{";
  for (const auto& [k, v] : stats.by_status) {
    if (errors.size() > 1) errors += ',';
    errors += "\"" + k + "\":" + std::to_string(v);
  }
  errors += "}";
  char out[2048];
  const double server_cpu = cpu_after.ok && cpu_before.ok ? cpu_after.stat_s - cpu_before.stat_s : -1;
  const double server_sched = cpu_after.ok && cpu_before.ok ? cpu_after.schedstat_s - cpu_before.schedstat_s : -1;
  std::snprintf(out, sizeof out,
                "{\"connections\":%d,\"depth\":%d,\"seconds\":%.3f,\"created\":%llu,\"errors\":%llu,"
                "\"errors_by_status\":%s,\"created_per_s\":%.1f,"
                "\"latency\":{\"n\":%zu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f},"
                "\"server_cpu_s\":%.3f,\"server_cpu_s_schedstat\":%.4f,\"server_cpu_util\":%.3f,"
                "\"server_cpu_us_per_ticket\":%.2f,\"server_cpu_us_per_ticket_schedstat\":%.2f,"
                "\"loadgen_cpu_s\":%.3f,\"loadgen_cpu_us_per_ticket\":%.2f}",
                opt.connections, opt.depth, elapsed, static_cast<unsigned long long>(stats.created),
                static_cast<unsigned long long>(stats.errors), errors.c_str(), elapsed > 0 ? created / elapsed : 0.0,
                stats.latency_us.size(), Percentile(stats.latency_us, 0.5), Percentile(stats.latency_us, 0.9),
                Percentile(stats.latency_us, 0.99),
                stats.latency_us.empty() ? 0.0 : stats.latency_us.back() / 1000.0, mean, server_cpu, server_sched,
                server_sched >= 0 && elapsed > 0 ? server_sched / elapsed : -1.0,
                server_cpu >= 0 && created > 0 ? server_cpu * 1e6 / created : -1.0,
                server_sched >= 0 && created > 0 ? server_sched * 1e6 / created : -1.0, own_cpu,
                created > 0 ? own_cpu * 1e6 / created : -1.0);
  std::printf("%s\n", out);
  return failed ? 1 : 0;
}
