# Turns the BIP-39 word lists in data/bip39/ into a C++ source file, so that the lists ship inside
# the binary and nothing reads them at run time. Run by the build (see CMakeLists.txt beside this):
#   cmake -DDATA_DIR=<repo>/data/bip39 -DOUT=<file.cpp> -P gen_wordlists.cmake
# Each file is checked against the SHA-256 recorded in data/bip39/SOURCE.md: the lists are a
# cryptographic standard, and a silently edited word would break checksum validation.
cmake_minimum_required(VERSION 3.25)

set(lists
  "english|kBip39English|2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
  "spanish|kBip39Spanish|46846a5a0139d1e3cb77293e521c2865f7bcdb82c44e8d0a06a2cd0ecba48c0b"
  "chinese_simplified|kBip39ChineseSimplified|5c5942792bd8340cb8b27cd592f1015edf56a8c5b26276ee18a482428e7c5726"
  "chinese_traditional|kBip39ChineseTraditional|417b26b3d8500a4ae3d59717d7011952db6fc2fb84b807f3f94ac734e89c1b5f"
)

set(body "// Generated from data/bip39/*.txt by src/bot/guard/gen_wordlists.cmake. Do not edit.\n")
string(APPEND body "#include \"bot/guard/internal/wordlist_data.hpp\"\n\n")
string(APPEND body "namespace kefu::bot::internal {\n\n")
foreach(entry IN LISTS lists)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 symbol)
  list(GET parts 2 expected)
  set(path "${DATA_DIR}/${name}.txt")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "BIP-39 word list missing: ${path}")
  endif()
  file(SHA256 "${path}" actual)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${path}: SHA-256 ${actual} differs from ${expected} (data/bip39/SOURCE.md)")
  endif()
  file(READ "${path}" content)
  string(REGEX REPLACE "[^\n]" "" newlines "${content}")
  string(LENGTH "${newlines}" line_count)
  if(NOT line_count EQUAL 2048)
    message(FATAL_ERROR "${path}: ${line_count} lines, expected 2048")
  endif()
  # One word per line, LF-terminated; the raw string keeps the bytes exactly (UTF-8, NFKD Spanish).
  string(APPEND body "const std::string_view ${symbol} = R\"bip39(${content})bip39\";\n\n")
endforeach()
string(APPEND body "}  // namespace kefu::bot::internal\n")

file(WRITE "${OUT}" "${body}")
