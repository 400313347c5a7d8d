// Complaints in the store: creation as a ticket plus a record with its acknowledgement and review
// timer in one transaction, the life cycle with the ticket following, the review deadline fired
// once, the callback, and compensation with four eyes and the audit log.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "store/complaints.hpp"
#include "store/store.hpp"
#include "store/tickets.hpp"

namespace kefu::store {
namespace {

using domain::ComplaintStatus;

class ComplaintStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-complaint-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = Store::Open("sqlite:" + (dir_ / "kefu.db").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
    agent_ = AddStaff("agent@x.io", domain::Role::agent);
    sup_ = AddStaff("sup@x.io", domain::Role::supervisor);
    sup2_ = AddStaff("sup2@x.io", domain::Role::supervisor);
    NewSession ns;
    ns.name = "Ana";
    ns.lang = "es";
    ns.channel = "widget";
    ns.at = 1000;
    auto session = Wait<Session>([&](Callback<Session> done) { store_->CreateSession(ns, std::move(done)); });
    ASSERT_TRUE(session.ok());
    session_ = *session;
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Id AddStaff(std::string email, domain::Role role) {
    NewStaff st{std::move(email), "staff", role, domain::Desk::complaints, 5, "x", 1000, {}, {}, {}};
    auto staff = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(st, std::move(done)); });
    EXPECT_TRUE(staff.ok());
    return staff.ok() ? staff->id : 0;
  }
  ComplaintStore& C() { return store_->Complaints(); }
  domain::Actor ByStaff(Id id) const { return {domain::ActorType::staff, id}; }

  Result<ComplaintChange> Create(bool with_conversation = true) {
    NewComplaint n;
    n.category = domain::TicketCategory::withdrawal;
    n.subject = "Comisión doble";
    n.description = "Me cobraron dos veces";
    n.conversation_id = with_conversation ? session_.conversation.id : 0;
    n.customer_id = session_.customer.id;
    n.lang = "es";
    n.review_due_at = 2000 + 86'400'000;
    n.actor = {domain::ActorType::customer, session_.customer.id};
    n.at = 2000;
    n.acknowledgement = [](const Complaint& c) { return "Recibida #" + std::to_string(c.id); };
    return Wait<ComplaintChange>([&](Callback<ComplaintChange> done) { C().CreateComplaint(std::move(n), std::move(done)); });
  }
  Result<ComplaintChange> Move(Id id, ComplaintStatus to, std::string resolution = "", Millis at = 5000) {
    ComplaintStatusChange ch;
    ch.complaint_id = id;
    ch.status = to;
    ch.resolution = std::move(resolution);
    ch.actor = ByStaff(agent_);
    ch.at = at;
    ch.callback_due_at = at + 1000;
    ch.notice = [](const Complaint& c, domain::ComplaintAction) {
      return std::string(domain::ComplaintStatusName(c.status));
    };
    return Wait<ComplaintChange>(
        [&](Callback<ComplaintChange> done) { C().ChangeComplaintStatus(std::move(ch), std::move(done)); });
  }
  Result<Compensation> Propose(Id complaint, Id by, std::string amount = "12.50") {
    NewCompensation n{complaint, domain::CompensationKind::fee_waiver, std::move(amount), "EUR", "doble", ByStaff(by), 6000};
    return Wait<Compensation>([&](Callback<Compensation> done) { C().ProposeCompensation(std::move(n), std::move(done)); });
  }
  Result<Compensation> Decide(Id complaint, Id compensation, Id by, bool approve) {
    CompensationDecision d{compensation, complaint, approve, "ok", ByStaff(by), 7000};
    return Wait<Compensation>([&](Callback<Compensation> done) { C().DecideCompensation(std::move(d), std::move(done)); });
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Id agent_ = 0, sup_ = 0, sup2_ = 0;
  Session session_;
};

TEST_F(ComplaintStoreTest, CreationWritesTicketRecordAcknowledgementAndReviewTimerTogether) {
  auto r = Create();
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Complaint& c = r->complaint;
  EXPECT_EQ(c.status, ComplaintStatus::acknowledged);
  EXPECT_EQ(c.acknowledged_at, 2000);
  EXPECT_EQ(c.customer_id, session_.customer.id);
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].kind, "complaint.acknowledgement");
  EXPECT_EQ(r->messages[0].text, "Recibida #" + std::to_string(c.id));
  auto ticket = store_->Tickets().GetTicket(c.ticket_id);
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->type, domain::TicketType::complaint);
  EXPECT_EQ(ticket->desk, domain::Desk::complaints);
  EXPECT_EQ(ticket->conversation_id, session_.conversation.id);
  auto timer = store_->PendingTimer(kComplaintReviewTimer, c.id);
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer->due_at, 2000 + 86'400'000);
  auto history = C().ComplaintHistory(c.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].type, "complaint.received");
  EXPECT_EQ((*history)[1].type, "complaint.acknowledged");

  auto phone = Create(/*with_conversation=*/false);
  ASSERT_TRUE(phone.ok());
  EXPECT_EQ(phone->complaint.status, ComplaintStatus::received);
  EXPECT_TRUE(phone->messages.empty());
}

TEST_F(ComplaintStoreTest, AnUnknownConversationWritesNothing) {
  NewComplaint n;
  n.description = "x";
  n.subject = "x";
  n.conversation_id = 424242;
  n.review_due_at = 10;
  n.at = 1;
  auto r = Wait<ComplaintChange>([&](Callback<ComplaintChange> done) { C().CreateComplaint(n, std::move(done)); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::not_found);
  EXPECT_TRUE(C().ListComplaints({})->empty());
  EXPECT_TRUE(store_->Tickets().ListTickets({})->tickets.empty());
}

TEST_F(ComplaintStoreTest, TheLifeCycleMovesTheTicketAndRefusesWrongSteps) {
  auto created = Create();
  ASSERT_TRUE(created.ok());
  const Id id = created->complaint.id;
  const Id ticket = created->complaint.ticket_id;
  auto bad = Move(id, ComplaintStatus::resolved, "done");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::conflict);

  auto review = Move(id, ComplaintStatus::under_review);
  ASSERT_TRUE(review.ok()) << review.error().message;
  EXPECT_EQ(review->complaint.handler_id, agent_);
  EXPECT_EQ(review->messages.at(0).text, "under_review");
  EXPECT_EQ(store_->PendingTimer(kComplaintReviewTimer, id).error().code, Code::not_found);  // cancelled
  EXPECT_EQ(store_->Tickets().GetTicket(ticket)->status, domain::TicketStatus::open);

  auto no_resolution = Move(id, ComplaintStatus::resolved, "  ");
  ASSERT_FALSE(no_resolution.ok());
  EXPECT_EQ(no_resolution.error().code, Code::invalid);
  EXPECT_EQ(C().GetComplaint(id)->status, ComplaintStatus::under_review);

  auto resolved = Move(id, ComplaintStatus::resolved, "Devuelta la comisión", 8000);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved->complaint.resolved_at, 8000);
  EXPECT_EQ(store_->Tickets().GetTicket(ticket)->status, domain::TicketStatus::resolved);
  auto task = store_->GetTask(resolved->complaint.callback_task_id);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ((std::tuple{task->owner_id, task->ticket_id, task->due_at, task->state}),
            (std::tuple<Id, Id, Millis, std::string>{agent_, ticket, 9000, "open"}));

  auto reopened = Move(id, ComplaintStatus::under_review);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->event.type, "complaint.reopened");
  EXPECT_EQ(reopened->complaint.resolved_at, 0);
  ASSERT_TRUE(Move(id, ComplaintStatus::resolved, "Devuelta otra vez", 9000).ok());
  auto closed = Move(id, ComplaintStatus::closed);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(store_->Tickets().GetTicket(ticket)->status, domain::TicketStatus::closed);
}

TEST_F(ComplaintStoreTest, TheReviewDeadlineFiresOnceAndRaisesPriority) {
  auto created = Create();
  ASSERT_TRUE(created.ok());
  const Id id = created->complaint.id;
  auto timer = store_->PendingTimer(kComplaintReviewTimer, id);
  ASSERT_TRUE(timer.ok());
  TimerFiring f;
  f.timer_id = timer->id;
  f.at = 90'000'000;
  f.complaint_review_overdue = id;
  auto fire = [&] { return Wait<FiredTimer>([&](Callback<FiredTimer> done) { store_->FireTimer(f, std::move(done)); }); };
  ASSERT_TRUE(fire().ok());
  auto c = C().GetComplaint(id);
  EXPECT_EQ(c->review_overdue_at, 90'000'000);
  EXPECT_EQ(c->priority, domain::TicketPriority::high);
  auto again = fire();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::conflict);
}

TEST_F(ComplaintStoreTest, CompensationNeedsASecondPersonAndIsAudited) {
  auto created = Create();
  ASSERT_TRUE(created.ok());
  const Id id = created->complaint.id;
  auto negative = Propose(id, agent_, "-1");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Code::invalid);
  auto p = Propose(id, sup_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto self = Decide(id, p->id, sup_, true);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, Code::forbidden);
  auto other_complaint = Decide(id + 1, p->id, sup2_, true);
  EXPECT_EQ(other_complaint.error().code, Code::not_found);
  auto ok = Decide(id, p->id, sup2_, true);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->state, domain::CompensationState::approved);
  EXPECT_EQ(ok->decided_by, sup2_);
  auto twice = Decide(id, p->id, agent_, false);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Code::conflict);
  AuditQuery q;
  q.action = "compensation.";
  auto audit = store_->ListAudit(q);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->entries.size(), 2u);
  EXPECT_EQ(audit->entries[0].record.action, "compensation.approve");
  EXPECT_EQ(audit->entries[1].record.action, "compensation.propose");
  auto facts = C().ComplaintFacts(0, 10'000);
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 1u);
  EXPECT_EQ((*facts)[0].approved, (std::vector<std::pair<std::string, std::string>>{{"EUR", "12.50"}}));
}

TEST_F(ComplaintStoreTest, TheCallbackComesOnceAfterResolutionAndCompletesTheTask) {
  auto created = Create();
  ASSERT_TRUE(created.ok());
  const Id id = created->complaint.id;
  CallbackOutcome o{id, true, true, "conforme", ByStaff(agent_), 20'000};
  auto record = [&] {
    return Wait<ComplaintChange>([&](Callback<ComplaintChange> done) { C().RecordCallback(o, std::move(done)); });
  };
  EXPECT_EQ(record().error().code, Code::conflict);
  ASSERT_TRUE(Move(id, ComplaintStatus::under_review).ok());
  auto resolved = Move(id, ComplaintStatus::resolved, "hecho");
  ASSERT_TRUE(resolved.ok());
  auto r = record();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->complaint.callback_at, 20'000);
  EXPECT_EQ(r->complaint.callback_satisfied, std::optional<bool>(true));
  EXPECT_EQ(store_->GetTask(resolved->complaint.callback_task_id)->state, "done");
  EXPECT_EQ(record().error().code, Code::conflict);
}

}  // namespace
}  // namespace kefu::store
