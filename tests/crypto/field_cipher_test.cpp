#include "crypto/field_cipher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <time.h>
#include <unistd.h>

#include "auth/keys.hpp"

namespace kefu::crypto {
namespace {

Key KeyOf(unsigned char fill) {
  Key k{};
  k.fill(fill);
  return k;
}

class FieldCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cipher_.AddKey(1, KeyOf(1)).ok());
    ASSERT_TRUE(cipher_.SetCurrent(1).ok());
  }
  FieldCipher cipher_;
};

TEST_F(FieldCipherTest, RoundTripCarriesFormatAndKeyId) {
  const Place place{"messages.text", 7, 3};
  for (std::string_view plain : {std::string_view("我的钱包被盗了 0xabc"), std::string_view(""),
                                 std::string_view("x")}) {
    SCOPED_TRACE(plain);
    std::string sealed = cipher_.Seal(plain, place);
    ASSERT_EQ(sealed.size(), plain.size() + kOverhead);
    EXPECT_EQ(static_cast<unsigned char>(sealed[0]), kFormat);
    EXPECT_EQ(FieldCipher::KeyIdOf(sealed), KeyId{1});
    // (A one-byte text shows up by chance in ≈1 of 6 random sealed values: look for long ones.)
    if (plain.size() >= 8) {
      EXPECT_EQ(sealed.find(plain), std::string::npos);
    }
    auto opened = cipher_.Open(sealed, place);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, plain);
  }
  // Random nonces: the same text seals differently each time.
  EXPECT_NE(cipher_.Seal("same", place), cipher_.Seal("same", place));
}

TEST_F(FieldCipherTest, AValueMovedToAnotherPlaceDoesNotOpen) {
  const std::string sealed = cipher_.Seal("alice@example.com", Place{"customers.name", 5});
  const Place elsewhere[] = {{"customers.name", 6}, {"messages.text", 5}, {"customers.name", 5, 1}};
  for (const Place& p : elsewhere) {
    SCOPED_TRACE(std::string(p.column) + " " + std::to_string(p.row));
    EXPECT_FALSE(cipher_.Open(sealed, p).ok());
  }
}

TEST_F(FieldCipherTest, TamperedOrRelabelledValuesDoNotOpen) {
  const Place place{"tickets.subject", 1};
  const std::string sealed = cipher_.Seal("refund 12.5 USDT", place);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(cipher_.Open(bad, place).ok()) << "byte " << i;
  }
  EXPECT_FALSE(cipher_.Open(sealed.substr(0, sealed.size() - 1), place).ok());
  EXPECT_FALSE(cipher_.Open("plain text", place).ok());
}

TEST_F(FieldCipherTest, WrongOrMissingKeyIdDoesNotOpen) {
  const Place place{"messages.text", 1, 1};
  std::string sealed = cipher_.Seal("hello", place);
  // Another installation's key under the same id.
  FieldCipher other;
  ASSERT_TRUE(other.AddKey(1, KeyOf(9)).ok());
  ASSERT_TRUE(other.SetCurrent(1).ok());
  EXPECT_FALSE(other.Open(sealed, place).ok());
  // A key id the ring does not hold.
  sealed[1] = 7;
  auto r = cipher_.Open(sealed, place);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("data key 7"), std::string::npos);
}

TEST_F(FieldCipherTest, RotationKeepsOldValuesReadable) {
  const Place place{"messages.text", 2, 9};
  const std::string old_value = cipher_.Seal("before", place);
  ASSERT_TRUE(cipher_.AddKey(2, KeyOf(2)).ok());
  ASSERT_TRUE(cipher_.SetCurrent(2).ok());
  const std::string new_value = cipher_.Seal("after", place);
  EXPECT_EQ(FieldCipher::KeyIdOf(new_value), KeyId{2});
  EXPECT_EQ(*cipher_.Open(old_value, place), "before");
  EXPECT_EQ(*cipher_.Open(new_value, place), "after");
  EXPECT_FALSE(cipher_.AddKey(2, KeyOf(3)).ok());  // an id names one key only
  EXPECT_TRUE(cipher_.AddKey(2, KeyOf(2)).ok());   // re-reading the same file is fine
  EXPECT_FALSE(cipher_.SetCurrent(5).ok());
}

TEST_F(FieldCipherTest, BlindIndexIsKeyedPerColumnAndDeterministic) {
  cipher_.SetBlindKey(KeyOf(4));
  const auto a = cipher_.BlindIndex("identities.email", NormaliseEmail(" Alice@Example.COM "));
  EXPECT_EQ(a, cipher_.BlindIndex("identities.email", "alice@example.com"));
  EXPECT_NE(a, cipher_.BlindIndex("identities.phone", "alice@example.com"));
  FieldCipher other;
  other.SetBlindKey(KeyOf(5));
  EXPECT_NE(a, other.BlindIndex("identities.email", "alice@example.com"));
  EXPECT_EQ(NormalisePhone("+86 138-0013-8000"), "+8613800138000");
}

// The unit-level cost of the chat path's sealing (a message body, and its preview), in thread
// CPU time so that other processes on a shared machine do not count.
double CpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

TEST_F(FieldCipherTest, SealCostPerMessage) {
  const std::string text = "我的提现一直显示处理中，已经两个小时了，订单号 20261127-1234, please help";
  const std::string preview = text.substr(0, 80);
  unsigned char out[512];
  const int n = 100000;
  double t0 = CpuNs();
  for (int i = 0; i < n; ++i) cipher_.SealInto(out, text, Place{"messages.text", 1, i});
  const double seal_ns = (CpuNs() - t0) / n;
  t0 = CpuNs();
  for (int i = 0; i < n; ++i) {
    cipher_.SealInto(out, text, Place{"messages.text", 1, i});
    cipher_.SealInto(out, preview, Place{"conversations.last_message_preview", 1});
  }
  const double message_ns = (CpuNs() - t0) / n;
  const std::string sealed = cipher_.Seal(text, Place{"messages.text", 1, 1});
  t0 = CpuNs();
  for (int i = 0; i < n; ++i) (void)cipher_.Open(sealed, Place{"messages.text", 1, 1});
  const double open_ns = (CpuNs() - t0) / n;
  std::printf("[cost] seal %zu bytes: %.0f ns CPU; a message (body + preview): %.0f ns; open: %.0f ns\n",
              text.size(), seal_ns, message_ns, open_ns);
  EXPECT_LT(message_ns, 20000);  // generous: shared CI machines; the figure above is what counts
}

// ---- the key file (auth/keys) ----

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kefu-keys-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "kefu.db.key").string();
    ::unsetenv("KEFU_MASTER_KEY");
    ::unsetenv("KEFU_DATA_KEYS");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(KeyFileTest, AnOldOneLineFileKeepsWorkingAndRotationAddsKeys) {
  auto created = auth::LoadOrCreateMasterKey(path_);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->CurrentDataKey(), 1);
  FieldCipher before;
  ASSERT_TRUE(auth::ConfigureCipher(*created, before).ok());
  const Place place{"messages.text", 1, 1};
  const std::string sealed = before.Seal("secret", place);

  auto id = auth::RotateDataKey(path_);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, 2);
  EXPECT_EQ(std::filesystem::status(path_).permissions() & std::filesystem::perms::group_all,
            std::filesystem::perms::none);
  auto reread = auth::LoadKeys(path_);
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  EXPECT_EQ(reread->key, created->key);  // the master key (tokens, audit chain) is unchanged
  EXPECT_EQ(reread->CurrentDataKey(), 2);
  ASSERT_TRUE(auth::ConfigureCipher(*reread, before).ok());  // a live cipher picks it up
  EXPECT_EQ(before.current(), 2);
  EXPECT_EQ(*before.Open(sealed, place), "secret");

  EXPECT_FALSE(auth::RetireDataKey(path_, 2).ok());  // the current one
  ASSERT_TRUE(auth::RetireDataKey(path_, 1).ok());
  auto after = auth::LoadKeys(path_);
  ASSERT_TRUE(after.ok());
  FieldCipher fresh;
  ASSERT_TRUE(auth::ConfigureCipher(*after, fresh).ok());
  EXPECT_FALSE(fresh.HasKey(1));
  EXPECT_FALSE(fresh.Open(sealed, place).ok());
}

TEST_F(KeyFileTest, KeysFromTheEnvironment) {
  const std::string master(64, 'a'), data2(64, 'b');
  ::setenv("KEFU_MASTER_KEY", master.c_str(), 1);
  ::setenv("KEFU_DATA_KEYS", ("2:" + data2).c_str(), 1);
  auto keys = auth::LoadKeys(path_);
  ::unsetenv("KEFU_MASTER_KEY");
  ::unsetenv("KEFU_DATA_KEYS");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->from_environment);
  EXPECT_FALSE(std::filesystem::exists(path_));  // no file written
  EXPECT_EQ(keys->CurrentDataKey(), 2);
}

TEST_F(KeyFileTest, BadLinesAreRefusedWithTheirNumber) {
  {
    std::ofstream out(path_);
    out << std::string(64, 'c') << "\ndata-key 2 nothex\n";
  }
  std::filesystem::permissions(path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto keys = auth::LoadKeys(path_);
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.error().message.find("line 2"), std::string::npos) << keys.error().message;
}

}  // namespace
}  // namespace kefu::crypto
