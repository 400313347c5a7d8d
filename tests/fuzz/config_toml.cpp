// The TOML configuration (core/config.hpp: ParseConfig, the file part of `kefu serve --config`).
// Invariant: a bad file is an error with a message, never a crash or an exception.
#include "check.hpp"
#include "core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto config = kefu::ParseConfig(kefu::fuzz::AsText(data, size), "fuzz.toml");
  if (!config.ok()) KEFU_FUZZ_CHECK(!config.error().message.empty(), "a config error without a message");
  return 0;
}
