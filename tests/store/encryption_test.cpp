// Encryption at rest in the SQLite store (docs/adr/0013): what is written is sealed, reads give
// it back, old clear rows are sealed by the re-sealing pass, and a rotation while messages keep
// coming leaves every value under the new key and readable.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "store/store.hpp"
#include "store/tickets.hpp"

namespace kefu::store {
namespace {

using domain::ActorType;

crypto::Key KeyOf(unsigned char fill) {
  crypto::Key k{};
  k.fill(fill);
  return k;
}

class EncryptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-enc-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cipher_ = std::make_shared<crypto::FieldCipher>();
    ASSERT_TRUE(cipher_->AddKey(1, KeyOf(1)).ok());
    ASSERT_TRUE(cipher_->SetCurrent(1).ok());
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(bool with_cipher, int reseal_ms = 0, std::function<Status()> refresh = {}) {
    if (store_) store_->Close();
    StoreOptions o;
    if (with_cipher) o.cipher = cipher_;
    o.reseal_check_ms = reseal_ms;
    o.reseal_batch = 16;
    o.refresh_keys = std::move(refresh);
    auto s = Store::Open("sqlite:" + (dir_ / "kefu.db").string(), o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  Session NewSession(const std::string& name) {
    store::NewSession s;
    s.name = name;
    s.at = 1000;
    auto r = Wait<Session>([&](Callback<Session> done) { store_->CreateSession(s, std::move(done)); });
    EXPECT_TRUE(r.ok());
    return r.value();
  }
  Result<AppendedMessage> Send(Id conversation, Id customer, const std::string& client_id, const std::string& text) {
    return Wait<AppendedMessage>([&](Callback<AppendedMessage> done) {
      store_->AppendMessage(NewMessage{conversation, {ActorType::customer, customer}, client_id, text, 2000},
                            std::move(done));
    });
  }
  // Every byte of the database and its WAL.
  std::string RawBytes() {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in((dir_ / "kefu.db").string() + suffix, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
    return all;
  }
  std::map<int, std::int64_t> Usage() {
    auto usage = store_->SealedKeyUsage();
    EXPECT_TRUE(usage.ok());
    std::map<int, std::int64_t> totals;
    for (const auto& u : *usage) totals[u.key_id] += u.values;
    return totals;
  }

  std::filesystem::path dir_;
  std::shared_ptr<crypto::FieldCipher> cipher_;
  std::unique_ptr<Store> store_;
};

TEST_F(EncryptionTest, WhatPeopleWriteIsSealedOnDiskAndReadsBack) {
  Open(true);
  Session s = NewSession("Zhang Distinctname");
  ASSERT_TRUE(Send(s.conversation.id, s.customer.id, "c1", "my seedless wallet QX-UNIQUE-7781 is stuck").ok());
  NewTicket t;
  t.subject = "Withdrawal TICKETSUBJ-4242 stuck";
  t.description = "customer says DESCR-9931 happened";
  t.customer_id = s.customer.id;
  t.at = 3000;
  auto ticket = Wait<Ticket>([&](Callback<Ticket> done) { store_->Tickets().CreateTicket(t, std::move(done)); });
  ASSERT_TRUE(ticket.ok()) << ticket.error().message;

  const std::string raw = RawBytes();
  for (const char* needle : {"Distinctname", "QX-UNIQUE-7781", "TICKETSUBJ-4242", "DESCR-9931"})
    EXPECT_EQ(raw.find(needle), std::string::npos) << needle << " found in clear";

  auto conv = store_->GetConversation(s.conversation.id);
  ASSERT_TRUE(conv.ok());
  EXPECT_EQ(conv->customer_name, "Zhang Distinctname");
  EXPECT_EQ(conv->last_message_preview, "my seedless wallet QX-UNIQUE-7781 is stuck");
  auto page = store_->ListMessages(MessageQuery{s.conversation.id, std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].text, "my seedless wallet QX-UNIQUE-7781 is stuck");
  EXPECT_EQ(page->messages[0].sender_name, "Zhang Distinctname");
  auto again = Send(s.conversation.id, s.customer.id, "c1", "resent");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message.text, "my seedless wallet QX-UNIQUE-7781 is stuck");
  auto read_ticket = store_->Tickets().GetTicket(ticket->id);
  ASSERT_TRUE(read_ticket.ok());
  EXPECT_EQ(read_ticket->subject, "Withdrawal TICKETSUBJ-4242 stuck");
  EXPECT_EQ(read_ticket->description, "customer says DESCR-9931 happened");
  EXPECT_EQ(read_ticket->customer_name, "Zhang Distinctname");
  auto usage = Usage();
  EXPECT_EQ(usage[0], 0);
  EXPECT_GT(usage[1], 0);
}

TEST_F(EncryptionTest, IdentitiesAreSealedAndFoundThroughTheBlindIndex) {
  Open(true);
  cipher_->SetBlindKey(KeyOf(7));
  store::NewSession n;
  n.name = "Identity Holder";
  n.at = 1000;
  n.identities = {{"email", "Wang.Unique@Example.COM", true}, {"phone", "+86 138-0013-8000", false}};
  auto s = Wait<Session>([&](Callback<Session> done) { store_->CreateSession(n, std::move(done)); });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto found = store_->FindCustomerByIdentity("email", "  wang.unique@example.com");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, s->customer.id);
  EXPECT_EQ(found->name, "Identity Holder");
  EXPECT_EQ(store_->FindCustomerByIdentity("phone", "+8613800138000")->id, s->customer.id);
  EXPECT_EQ(store_->FindCustomerByIdentity("email", "other@example.com").error().code, Code::not_found);
  EXPECT_EQ(store_->FindCustomerByIdentity("phone", "wang.unique@example.com").error().code, Code::not_found);
  auto identities = store_->ListCustomerIdentities(s->customer.id);
  ASSERT_TRUE(identities.ok());
  ASSERT_EQ(identities->size(), 2u);
  EXPECT_EQ((*identities)[0].external_id, "Wang.Unique@Example.COM");
  EXPECT_TRUE((*identities)[0].verified);
  // One identity, one customer.
  n.name = "Someone Else";
  n.identities = {{"email", "WANG.UNIQUE@example.com", false}};
  auto dup = Wait<Session>([&](Callback<Session> done) { store_->CreateSession(n, std::move(done)); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Code::conflict);
  const std::string raw = RawBytes();
  for (const char* needle : {"Wang.Unique", "wang.unique", "13800138000", "0013-8000"})
    EXPECT_EQ(raw.find(needle), std::string::npos) << needle << " found in clear";
}

TEST_F(EncryptionTest, ClearRowsFromBeforeAreReadThenSealedByThePass) {
  Open(false);  // an older kefu: everything in clear
  Session s = NewSession("Legacy Person");
  ASSERT_TRUE(Send(s.conversation.id, s.customer.id, "c1", "LEGACY-TEXT-1").ok());
  Open(true);
  EXPECT_EQ(store_->GetConversation(s.conversation.id)->customer_name, "Legacy Person");
  EXPECT_GT(Usage()[0], 0);
  for (;;) {
    auto step = Wait<ResealProgress>([&](auto done) { store_->ResealBatch(4, std::move(done)); });
    ASSERT_TRUE(step.ok()) << step.error().message;
    if (step->pass_complete) break;
  }
  EXPECT_EQ(Usage()[0], 0);
  auto page = store_->ListMessages(MessageQuery{s.conversation.id, std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->messages.at(0).text, "LEGACY-TEXT-1");
  EXPECT_EQ(page->messages.at(0).sender_name, "Legacy Person");
  store_->Close();
  const std::string raw = RawBytes();
  EXPECT_EQ(raw.find("Legacy Person"), std::string::npos);
}

TEST_F(EncryptionTest, RotationWhileMessagesKeepComingLeavesOnlyTheNewKey) {
  std::atomic<bool> rotated{false};
  auto refresh = [this, &rotated]() -> Status {
    if (!rotated.load()) return Ok();
    KEFU_TRY(cipher_->AddKey(2, KeyOf(2)));
    return cipher_->SetCurrent(2);
  };
  Open(true, /*reseal_ms=*/20, refresh);
  Session s = NewSession("Rotating Customer");
  std::atomic<int> sent{0};
  std::thread sender([&] {
    for (int i = 0; i < 400; ++i) {
      ASSERT_TRUE(Send(s.conversation.id, s.customer.id, "m" + std::to_string(i), "message " + std::to_string(i)).ok());
      sent = i + 1;
      if (i == 150) rotated = true;
    }
  });
  sender.join();
  // The background pass finishes under key 2 (it walks every sealed column in batches of 16).
  for (int i = 0; i < 500; ++i) {
    auto usage = Usage();
    if (usage[1] == 0 && usage[0] == 0 && usage[2] > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto usage = Usage();
  EXPECT_EQ(usage[0], 0);
  EXPECT_EQ(usage[1], 0);
  EXPECT_GT(usage[2], 400);
  auto page = store_->ListMessages(MessageQuery{s.conversation.id, std::nullopt, std::nullopt, 500});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 400u);
  for (int i = 0; i < 400; ++i) EXPECT_EQ(page->messages[i].text, "message " + std::to_string(i));
  EXPECT_EQ(store_->GetConversation(s.conversation.id)->customer_name, "Rotating Customer");
}

}  // namespace
}  // namespace kefu::store
