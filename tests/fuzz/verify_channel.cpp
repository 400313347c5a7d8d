// The /verify normalisers (domain/verify.hpp) on any bytes; the first byte picks the kind.
// Invariants: a normal form normalises to itself, a value is always official against a list
// holding itself, and agent normal forms have the verify id's shape.
#include <string>
#include <vector>

#include "check.hpp"
#include "domain/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  namespace d = kefu::domain;
  if (size == 0) return 0;
  static constexpr d::VerifyKind kKinds[] = {d::VerifyKind::agent, d::VerifyKind::phone, d::VerifyKind::email,
                                             d::VerifyKind::wechat, d::VerifyKind::telegram};
  const d::VerifyKind kind = kKinds[data[0] % 5];
  const std::string_view value = kefu::fuzz::AsText(data + 1, size - 1);
  const auto normal = d::NormaliseChannel(kind, value);
  if (!normal) {
    KEFU_FUZZ_CHECK(!d::IsOfficial(kind, value, {std::string(value)}), "an invalid value counted as official");
    return 0;
  }
  KEFU_FUZZ_CHECK(d::NormaliseChannel(kind, *normal) == normal, "normalising a normal form changed it");
  KEFU_FUZZ_CHECK(d::IsOfficial(kind, value, {std::string(value)}), "a value is not official against itself");
  if (kind == d::VerifyKind::agent)
    KEFU_FUZZ_CHECK(normal->size() == d::kVerifyIdLength && normal->starts_with("KF-"), "agent id of the wrong shape");
  return 0;
}
