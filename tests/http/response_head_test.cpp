// The HTTP response head the server writes by hand: the same fields, in the same order, as
// Beast's serializer wrote before.
#include <gtest/gtest.h>

#include "http/api.hpp"

namespace kefu::http {
namespace {

TEST(ResponseHead, WritesTheFieldsClientsSee) {
  const std::vector<std::pair<std::string, std::string>> location{{"Location", "/api/v1/tickets/7"}};
  const std::vector<std::pair<std::string, std::string>> own_type{{"Content-Type", "text/plain"}};
  struct Case {
    const char* name;
    ResponseHead head;
    std::string want;
  };
  auto head = [](unsigned version, int status, bool keep, size_t size) {
    ResponseHead h;
    h.version = version;
    h.status = status;
    h.content_type = "application/json";
    h.cache_control = "no-store";
    h.rid = "r-1";
    h.keep_alive = keep;
    h.body_size = size;
    return h;
  };
  const std::string base = "X-Request-Id: r-1\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n";
  // Every answer that is not a page may not be framed nor load anything.
  const std::string security = base + "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n";
  std::vector<Case> cases;
  {
    ResponseHead h = head(11, 201, true, 42);
    h.headers = &location;
    cases.push_back({"created, keep-alive", h,
                     "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
                     "Location: /api/v1/tickets/7\r\n" + security + "Content-Length: 42\r\n\r\n"});
  }
  cases.push_back({"1.1 closing", head(11, 400, false, 5),
                   "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" +
                       security + "Connection: close\r\nContent-Length: 5\r\n\r\n"});
  cases.push_back({"1.0 keep-alive", head(10, 200, true, 0),
                   "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" + security +
                       "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n"});
  cases.push_back({"1.0 closing", head(10, 404, false, 3),
                   "HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" +
                       security + "Content-Length: 3\r\n\r\n"});
  cases.push_back({"no content", head(11, 204, true, 0),
                   "HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" +
                       security + "\r\n"});
  {
    ResponseHead h = head(11, 200, true, 10);
    h.content_type = "text/html; charset=utf-8";
    h.cache_control = "no-cache";
    h.csp = "default-src 'self'; frame-ancestors 'none'";
    h.frame_options = "DENY";
    cases.push_back({"page", h,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-cache\r\n" +
                         base +
                         "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
                         "X-Frame-Options: DENY\r\nContent-Length: 10\r\n\r\n"});
  }
  {
    ResponseHead h = head(11, 200, true, 4);
    h.hsts = true;
    cases.push_back({"over TLS", h,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" + security +
                         "Strict-Transport-Security: max-age=31536000\r\nContent-Length: 4\r\n\r\n"});
  }
  {
    ResponseHead h = head(11, 200, true, 2);
    h.headers = &own_type;
    cases.push_back({"handler's own content type", h,
                     "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Type: text/plain\r\n" + security +
                         "Content-Length: 2\r\n\r\n"});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.head.Serialize(), c.want);
  }
}

}  // namespace
}  // namespace kefu::http
