// `kefu keys …`: data keys for encryption at rest (docs/adr/0013). Wiring only: the key file is
// auth/keys, the sealed columns and re-sealing are the store's.
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/kefu/cli.hpp"

namespace kefu::cli {
namespace {

int Fail(const Error& e) {
  std::fprintf(stderr, "kefu: %s\n", e.message.c_str());
  return e.code == Code::invalid ? 2 : 1;
}

constexpr const char* kUsage =
    "usage: kefu keys status|rotate|reseal --db PATH [--key-file F]\n"
    "       kefu keys retire --db PATH --id N [--key-file F]";

// Values per key id over every sealed column; 0 is "in clear".
std::map<int, std::int64_t> Totals(const std::vector<store::KeyUsage>& usage) {
  std::map<int, std::int64_t> totals;
  for (const auto& u : usage) totals[u.key_id] += u.values;
  return totals;
}

int Status(store::Store& store, const crypto::FieldCipher& cipher) {
  auto usage = store.SealedKeyUsage();
  if (!usage.ok()) return Fail(usage.error());
  std::printf("current data key: %d\n", cipher.current());
  std::printf("keys held:");
  for (crypto::KeyId id : cipher.KeyIds()) std::printf(" %d", id);
  std::printf("\n");
  for (const auto& [id, n] : Totals(*usage)) {
    if (id == 0) {
      std::printf("in clear (not sealed yet): %lld values\n", static_cast<long long>(n));
    } else {
      std::printf("key %d: %lld values%s\n", id, static_cast<long long>(n),
                  cipher.HasKey(static_cast<crypto::KeyId>(id)) ? "" : " (KEY MISSING from the key file)");
    }
  }
  for (const auto& u : *usage)
    std::printf("  %-38s key %-3d %lld\n", u.column.c_str(), u.key_id, static_cast<long long>(u.values));
  return 0;
}

int Reseal(store::Store& store) {
  std::int64_t resealed = 0;
  for (;;) {
    auto step = store::Wait<store::ResealProgress>([&](auto done) { store.ResealBatch(512, std::move(done)); });
    if (!step.ok()) return Fail(step.error());
    resealed += step->resealed;
    if (step->pass_complete) break;
  }
  std::printf("re-sealed %lld values under the current key\n", static_cast<long long>(resealed));
  return 0;
}

}  // namespace

int KeysCommand(int argc, char** argv) {
  const std::string sub = argc > 2 ? argv[2] : "";
  auto args = ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db || (sub != "status" && sub != "rotate" && sub != "reseal" && sub != "retire"))
    return Fail(MakeError(Code::invalid, kUsage));
  const std::string key_file = args->Get("key-file").value_or("");
  auto key_path = KeyFilePath(*db, key_file);
  if (!key_path.ok()) return Fail(key_path.error());
  if (sub == "rotate") {
    std::error_code ec;
    if (!std::filesystem::exists(*key_path, ec) && !std::getenv("KEFU_MASTER_KEY"))
      return Fail(MakeError(Code::not_found, "no key file at " + *key_path));
    auto id = auth::RotateDataKey(*key_path);
    if (!id.ok()) return Fail(id.error());
    std::printf("data key %d added to %s and made current; a running server re-seals older values in the "
                "background (or run: kefu keys reseal --db %s). Copy the key file to its safe place again.\n",
                *id, key_path->c_str(), db->c_str());
    return 0;
  }
  auto opened = OpenDatabase(*db, key_file);
  if (!opened.ok()) return Fail(opened.error());
  int code = 0;
  if (sub == "status") {
    code = Status(*opened->store, *opened->cipher);
  } else if (sub == "reseal") {
    code = Reseal(*opened->store);
  } else {  // retire
    auto id_text = args->Get("id");
    int id = 0;
    try {
      id = id_text ? std::stoi(*id_text) : 0;
    } catch (const std::exception&) {
      id = 0;
    }
    if (id < 1 || id > 255) {
      opened->store->Close();
      return Fail(MakeError(Code::invalid, "--id must be a data key id (1-255)"));
    }
    auto usage = opened->store->SealedKeyUsage();
    if (!usage.ok()) {
      code = Fail(usage.error());
    } else if (auto totals = Totals(*usage); totals[id] > 0) {
      code = Fail(MakeError(Code::conflict, std::to_string(totals[id]) + " values are still sealed under key " +
                                                std::to_string(id) + "; run kefu keys reseal (or let the server finish) first"));
    } else if (auto st = auth::RetireDataKey(*key_path, static_cast<crypto::KeyId>(id)); !st.ok()) {
      code = Fail(st.error());
    } else {
      std::printf("data key %d retired (no value uses it)\n", id);
    }
  }
  opened->store->Close();
  return code;
}

}  // namespace kefu::cli
