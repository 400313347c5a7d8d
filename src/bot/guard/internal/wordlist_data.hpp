// The BIP-39 word lists as compiled into the binary: each is the exact content of
// data/bip39/<name>.txt (2,048 LF-terminated lines, UTF-8; Spanish in NFKD). Defined in the
// bip39_wordlists.cpp that gen_wordlists.cmake generates at build time. Private to bot/guard.
#pragma once

#include <string_view>

namespace kefu::bot::internal {

extern const std::string_view kBip39English;
extern const std::string_view kBip39Spanish;
extern const std::string_view kBip39ChineseSimplified;
extern const std::string_view kBip39ChineseTraditional;

}  // namespace kefu::bot::internal
