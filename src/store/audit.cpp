#include "store/audit.hpp"

#include <sodium.h>

namespace kefu::store {
namespace {

// Fields are length-prefixed so that no two different records hash the same bytes.
class Mac {
 public:
  explicit Mac(const AuditKey& key) {
    [[maybe_unused]] static const int init = sodium_init();  // once; thread-safe
    crypto_auth_hmacsha256_init(&state_, key.data(), key.size());
  }
  void Bytes(std::string_view s) {
    crypto_auth_hmacsha256_update(&state_, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  }
  void U64(std::uint64_t v) {
    unsigned char b[8];
    for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<unsigned char>(v & 0xff);
    crypto_auth_hmacsha256_update(&state_, b, sizeof b);
  }
  void Field(std::string_view s) {
    U64(s.size());
    Bytes(s);
  }
  std::string Final() {
    std::string out(crypto_auth_hmacsha256_BYTES, '\0');
    crypto_auth_hmacsha256_final(&state_, reinterpret_cast<unsigned char*>(out.data()));
    return out;
  }

 private:
  crypto_auth_hmacsha256_state state_;
};

std::string Seq(std::int64_t seq) { return "entry " + std::to_string(seq); }

}  // namespace

std::string_view AuditProblemName(AuditVerdict::Problem p) {
  switch (p) {
    case AuditVerdict::Problem::none: return "none";
    case AuditVerdict::Problem::altered: return "altered";
    case AuditVerdict::Problem::removed: return "removed";
    case AuditVerdict::Problem::reordered: return "reordered";
    case AuditVerdict::Problem::truncated: return "truncated";
  }
  return "unknown";
}

std::string AuditGenesis() { return std::string(kAuditHashBytes, '\0'); }

std::string AuditHash(const AuditKey& key, std::string_view prev_hash, const AuditRecord& r) {
  Mac mac(key);
  mac.Field("kefu.audit.v1");
  mac.Field(prev_hash);
  mac.U64(static_cast<std::uint64_t>(r.at));
  mac.Field(domain::ActorTypeName(r.actor.type));
  mac.U64(static_cast<std::uint64_t>(r.actor.id));
  mac.Field(r.action);
  mac.Field(r.target);
  mac.Field(r.details_json);
  return mac.Final();
}

std::string AuditHeadMac(const AuditKey& key, std::int64_t seq, std::string_view hash) {
  Mac mac(key);
  mac.Field("kefu.audit.head.v1");
  mac.U64(static_cast<std::uint64_t>(seq));
  mac.Field(hash);
  return mac.Final();
}

AuditVerifier::AuditVerifier(const AuditKey& key,
                             std::function<std::optional<std::int64_t>(std::string_view hash)> find_hash)
    : key_(key), find_hash_(std::move(find_hash)), prev_(AuditGenesis()) {}

bool AuditVerifier::Add(const AuditEntry& e) {
  using P = AuditVerdict::Problem;
  if (!verdict_.ok()) return false;
  auto fail = [&](P problem, std::int64_t seq, std::string message) {
    verdict_.problem = problem;
    verdict_.seq = seq;
    verdict_.message = std::move(message);
    return false;
  };
  // The MAC covers the entry's contents and its link, not its seq: where an entry belongs is
  // told by the chain, and the seq label is checked against that below.
  if (e.hash.size() != kAuditHashBytes ||
      sodium_memcmp(AuditHash(key_, e.prev_hash, e.record).data(), e.hash.data(), kAuditHashBytes) != 0)
    return fail(P::altered, e.seq, Seq(e.seq) + " was altered: its contents do not match its hash");
  if (e.prev_hash != prev_) {
    // An authentic entry in the wrong place: was its predecessor moved, or is it gone?
    std::optional<std::int64_t> at;
    if (e.prev_hash != AuditGenesis() && find_hash_) at = find_hash_(e.prev_hash);
    if (at || e.prev_hash == AuditGenesis())
      return fail(P::reordered, expected_seq_,
                  Seq(expected_seq_) + " is out of order: the entry stored there was written after " +
                      (at ? Seq(*at) : std::string("none (it was the first)")));
    return fail(P::removed, expected_seq_,
                Seq(expected_seq_) + " was removed: " + Seq(e.seq) + " does not follow " +
                    (expected_seq_ > 1 ? Seq(expected_seq_ - 1) : std::string("the start of the log")));
  }
  if (e.seq != expected_seq_)
    return fail(P::altered, expected_seq_,
                Seq(expected_seq_) + " was altered: it is stored as entry " + std::to_string(e.seq));
  prev_ = e.hash;
  ++expected_seq_;
  ++verdict_.count;
  return true;
}

AuditVerdict AuditVerifier::Finish(const std::optional<AuditHead>& head) {
  using P = AuditVerdict::Problem;
  if (!verdict_.ok()) return verdict_;
  const std::int64_t last = expected_seq_ - 1;
  auto fail = [&](P problem, std::int64_t seq, std::string message) {
    verdict_.problem = problem;
    verdict_.seq = seq;
    verdict_.message = std::move(message);
    return verdict_;
  };
  if (!head) {
    if (last == 0) return verdict_;  // an empty log
    return fail(P::truncated, last + 1,
                "the log's head record is missing: entries after " + Seq(last) + " may have been removed");
  }
  if (head->mac.size() != kAuditHashBytes ||
      sodium_memcmp(AuditHeadMac(key_, head->seq, head->hash).data(), head->mac.data(), kAuditHashBytes) != 0)
    return fail(P::altered, head->seq, "the log's head record was altered");
  if (head->seq > last)
    return fail(P::truncated, last + 1,
                Seq(last + 1) + " was removed: the log ends at " + (last ? Seq(last) : std::string("nothing")) +
                    " but its head says " + Seq(head->seq));
  if (head->seq < last || head->hash != prev_)
    return fail(P::altered, head->seq, Seq(head->seq) + " does not match the log's head record");
  verdict_.head_hash = prev_;
  return verdict_;
}

}  // namespace kefu::store
