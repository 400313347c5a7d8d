// The kefu HTTP/WebSocket server: REST API, WebSocket hub and the web UI's static files.
//
// Threading (docs/adr/0001-threading.md): one network thread runs every socket, coroutine and
// the hub; a small blocking pool runs database reads and slow CPU work (argon2id); the store's
// own writer thread does group commits. Results are posted back to the network thread.
//
// Shutdown (SIGTERM/SIGINT or Stop()): stop accepting, answer what is in flight, wait for
// pending store writes so every ack goes out, close WebSockets with 1001, then return from
// Run(); the caller closes the store, which flushes and checkpoints the database.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/token.hpp"
#include "bot/bot.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace kefu::http {

class Server {
 public:
  // `master_key` derives the keys of staff sign-in (TOTP sealing, lockout keys).
  Server(const ServerConfig& config, store::Store& store, const auth::TokenSigner& signer,
         const auth::Key& master_key);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bot that answers POST /api/v1/bot/answer (and, later, first messages). Call before Run.
  void SetBot(std::shared_ptr<const bot::Bot> bot);

  // Runs on a test clock (installed as Clock::System() by the caller): POST /api/v1/test/clock
  // moves it and timers fire as if that much time had passed. Never in production. Before Run.
  void SetTestClock(SettableClock* clock);

  // Binds the listening socket (HTTPS when the config names a TLS certificate and key).
  // Code::unavailable when the address is taken; Code::invalid for a bad proxy list or a TLS
  // certificate or key that cannot be loaded (the message names the file).
  Status Listen();

  // "host:port" actually bound (useful with port 0).
  std::string local_address() const;

  // Serves until Stop() or SIGTERM/SIGINT, then drains. Blocks the calling thread.
  Status Run();

  // Asks Run() to drain and return. Thread-safe.
  void Stop();

 private:
  Status LoadTls();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A route the server answers: method and path template ("/api/v1/conversations/{id}").
struct RouteInfo {
  std::string method;
  std::string path;
  std::string access;  // as in x-kefu-access: "public" or "customer, agent, …"
  std::string scope;   // as in x-kefu-scope: any, self, conversation, ticket
};

// Every route, for the test that keeps docs/openapi.yaml in step with the code.
std::vector<RouteInfo> Routes();

}  // namespace kefu::http
