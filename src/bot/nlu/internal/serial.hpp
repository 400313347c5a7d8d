// Little binary writer/reader for serialized models: fixed-width little-endian scalars and
// length-prefixed arrays of trivially copyable types. Readers bound-check everything. Private.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kefu::bot::nlu::internal {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "models are stored little-endian");

inline void PutU64(std::string& out, uint64_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void PutF32(std::string& out, float v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void PutF64(std::string& out, double v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void PutString(std::string& out, std::string_view s) {
  PutU64(out, s.size());
  out.append(s);
}
template <typename T>
void PutVec(std::string& out, const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  PutU64(out, v.size());
  if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <typename T>
bool GetRaw(std::string_view in, size_t& pos, T& v) {
  if (in.size() - pos < sizeof(T) || pos > in.size()) return false;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}
inline bool GetU64(std::string_view in, size_t& pos, uint64_t& v) { return GetRaw(in, pos, v); }
inline bool GetF32(std::string_view in, size_t& pos, float& v) { return GetRaw(in, pos, v); }
inline bool GetF64(std::string_view in, size_t& pos, double& v) { return GetRaw(in, pos, v); }
inline bool GetString(std::string_view in, size_t& pos, std::string& s) {
  uint64_t n = 0;
  if (!GetU64(in, pos, n) || n > in.size() - pos) return false;
  s.assign(in.data() + pos, n);
  pos += n;
  return true;
}
template <typename T>
bool GetVec(std::string_view in, size_t& pos, std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  uint64_t n = 0;
  if (!GetU64(in, pos, n) || n > (in.size() - pos) / sizeof(T)) return false;
  v.resize(n);
  if (n > 0) std::memcpy(v.data(), in.data() + pos, n * sizeof(T));
  pos += n * sizeof(T);
  return true;
}

}  // namespace kefu::bot::nlu::internal
