// Knowledge-base REST handlers. Writes go through the store (each change an event, published
// changes bump the KB version) and then ask the BotTrainer for a background retrain; reads and
// the search run on the blocking pool.
#include "http/kb_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "auth/keys.hpp"
#include "bot/knowledge_base.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/bot_trainer.hpp"
#include "http/json_io.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxCategoryChars = 100;
constexpr size_t kMaxQuestionChars = 500;
constexpr size_t kMaxVariantChars = 500;
constexpr size_t kMaxVariants = 5000;
constexpr size_t kMaxAnswerChars = 10000;
constexpr size_t kMaxQueryChars = 500;


// Who may do what is the routes' access rule (kb_editor, admin and supervisor read drafts;
// kb_editor and admin write); the handlers only need the caller.
enum class KbAccess { read, write };

awaitable<Result<Subject>> KbStaff(Request& req, Context& ctx, KbAccess) { return StaffCaller(req, ctx); }

// Ids made by the server and ids given by clients: ASCII, safe in a URL path, and never
// mistaken for a query or a path separator.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(id.front())) return false;
  for (char c : id)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// "kb-<12 hex digits>-<lang>": unique without coordination, and its own topic (nlu::TopicOf).
std::string NewArticleId(std::string_view lang) {
  unsigned char r[6];
  auth::RandomBytes(r, sizeof r);
  return "kb-" + HexEncode(std::string_view(reinterpret_cast<const char*>(r), sizeof r)) + "-" + std::string(lang);
}

Status CheckText(std::string_view field, std::string_view value, size_t max_chars, bool required) {
  if (required && value.empty()) return Invalid("'" + std::string(field) + "' must not be empty");
  if (CountCodePoints(value) > max_chars)
    return Invalid("'" + std::string(field) + "' must be at most " + std::to_string(max_chars) + " characters");
  return Ok();
}

// Applies the content fields present in `body` to `e` (absent fields keep their value), then
// checks the whole entry. On create every required field must be present.
Status ApplyFields(const boost::json::object& body, store::KbEntry& e) {
  KEFU_ASSIGN(lang, json::OptString(body, "lang"));
  KEFU_ASSIGN(category, json::OptString(body, "category"));
  KEFU_ASSIGN(question, json::OptString(body, "question"));
  KEFU_ASSIGN(answer, json::OptString(body, "answer"));
  if (lang) {
    auto norm = bot::NormaliseKbLang(*lang);
    if (!norm) return Invalid("'lang' must be zh, zh-CN, zh-TW, en or es");
    e.lang = *norm;
  }
  if (category) e.category = std::string(Trim(*category));
  if (question) e.question = std::string(Trim(*question));
  if (answer) e.answer = std::string(Trim(*answer));
  if (auto it = body.find("variants"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return Invalid("'variants' must be an array of strings");
    const auto& items = it->value().as_array();
    if (items.size() > kMaxVariants)
      return Invalid("'variants' may hold at most " + std::to_string(kMaxVariants) + " sentences");
    std::vector<std::string> variants;
    variants.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) return Invalid("'variants' must be an array of strings");
      std::string_view v = Trim(std::string_view(items[i].as_string()));
      if (CountCodePoints(v) > kMaxVariantChars)
        return Invalid("'variants[" + std::to_string(i) + "]' must be at most " + std::to_string(kMaxVariantChars) +
                       " characters");
      if (!v.empty()) variants.emplace_back(v);  // blank sentences teach nothing, as in kb import
    }
    e.variants = std::move(variants);
  }
  if (e.lang.empty()) return Invalid("'lang' is required (zh, zh-CN, zh-TW, en or es)");
  KEFU_TRY(CheckText("question", e.question, kMaxQuestionChars, true));
  KEFU_TRY(CheckText("answer", e.answer, kMaxAnswerChars, true));
  KEFU_TRY(CheckText("category", e.category, kMaxCategoryChars, false));
  return Ok();
}

std::string ArticleJson(const store::KbArticle& a) {
  std::string out;
  json::AppendKbArticle(out, a, /*with_variants=*/true);
  return out;
}

// The article id of a /api/v1/kb/articles/{id}… path. Anything that cannot be an id is unknown.
Result<std::string> PathArticleId(const Request& req) {
  if (req.params.empty() || req.params[0].empty() || req.params[0].size() > kMaxIdBytes)
    return MakeError(Code::not_found, "knowledge-base article not found");
  return req.params[0];
}

std::optional<std::int64_t> ParsePositive(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 1) return std::nullopt;
  return v;
}

// After a committed change: a change to what the bot answers from retrains it (debounced).
void AfterChange(Context& ctx, const store::KbArticleChange& change, const Subject& who, std::string_view what,
                 const Request& req) {
  if (!change.changed) return;
  log::Info("kb.changed", {{"rid", req.rid}, {"what", what}, {"article_id", change.article.entry.id},
                           {"version", change.article.version}, {"staff_id", who.id}});
  if (change.bot_changed && ctx.trainer) ctx.trainer->KbChanged();
}

}  // namespace

awaitable<Response> ListKbArticles(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::read);
  if (!who.ok()) co_return Response::Fail(who.error());
  store::KbArticleQuery q;
  if (auto lang = req.Query("lang"); lang && !lang->empty()) {
    auto norm = bot::NormaliseKbLang(*lang);
    if (!norm) co_return Response::Fail(Invalid("'lang' must be zh, zh-CN, zh-TW, en or es"));
    q.lang = *norm;
  }
  q.category = req.Query("category").value_or("");
  if (auto status = req.Query("status"); status && !status->empty()) {
    if (*status != "draft" && *status != "published")
      co_return Response::Fail(Invalid("'status' must be draft or published"));
    q.published = *status == "published";
  }
  q.cursor = req.Query("cursor").value_or("");
  auto limit = LimitParam(req, 50, 100);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  q.limit = *limit;
  auto list = [&ctx, q] { return ctx.store.ListKbArticles(q); };
  auto page = co_await Blocking(ctx, std::move(list));
  if (!page.ok()) co_return Response::Fail(page.error());
  std::string out = "{\"articles\":";
  json::AppendArray(out, page->articles,
                    [](std::string& o, const store::KbArticle& a) { json::AppendKbArticle(o, a, false); });
  json::AppendNextCursorAndClose(out, page->next_cursor);
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> CreateKbArticle(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::write);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  store::KbArticleWrite w;
  auto id = json::OptString(*body, "id");
  if (!id.ok()) co_return Response::Fail(id.error());
  if (auto st = ApplyFields(*body, w.entry); !st.ok()) co_return Response::Fail(st.error());
  if (*id) {
    if (!ValidId(**id))
      co_return Response::Fail(Invalid("'id' must be 1–128 ASCII letters, digits, '-', '_' or '.', "
                                       "starting with a letter or digit"));
    w.entry.id = **id;
  } else {
    w.entry.id = NewArticleId(w.entry.lang);
  }
  w.staff_id = who->id;
  w.at = Clock::System().Now();
  w.entry.updated_at = w.at;
  auto create = [&ctx, w = std::move(w)](store::Callback<store::KbArticleChange> done) mutable {
    ctx.store.CreateKbArticle(std::move(w), std::move(done));
  };
  auto change = co_await Write<store::KbArticleChange>(std::move(create));
  if (!change.ok()) co_return Response::Fail(change.error());
  AfterChange(ctx, *change, *who, "created", req);
  Response res = Response::Json(201, ArticleJson(change->article));
  res.headers.emplace_back("Location", "/api/v1/kb/articles/" + change->article.entry.id);
  co_return res;
}

awaitable<Response> GetKbArticle(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::read);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathArticleId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto get = [&ctx, id = *id] { return ctx.store.GetKbArticle(id); };
  auto article = co_await Blocking(ctx, std::move(get));
  if (!article.ok()) co_return Response::Fail(article.error());
  co_return Response::Json(200, ArticleJson(*article));
}

awaitable<Response> UpdateKbArticle(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::write);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathArticleId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto body_id = json::OptString(*body, "id");
  auto base_version = json::OptInt(*body, "base_version");
  if (!body_id.ok()) co_return Response::Fail(body_id.error());
  if (!base_version.ok()) co_return Response::Fail(base_version.error());
  if (*body_id && **body_id != *id)
    co_return Response::Fail(Invalid("'id' cannot be changed (it is " + *id + " in the path)"));
  if (*base_version && **base_version < 1) co_return Response::Fail(Invalid("'base_version' must be at least 1"));
  auto get = [&ctx, id = *id] { return ctx.store.GetKbArticle(id); };
  auto current = co_await Blocking(ctx, std::move(get));
  if (!current.ok()) co_return Response::Fail(current.error());
  store::KbArticleWrite w;
  w.entry = std::move(current->entry);
  if (auto st = ApplyFields(*body, w.entry); !st.ok()) co_return Response::Fail(st.error());
  w.staff_id = who->id;
  w.at = Clock::System().Now();
  w.entry.updated_at = w.at;
  // Without base_version the edit is based on what was just read: a concurrent edit in between
  // is still a conflict rather than silently overwritten.
  w.base_version = base_version->value_or(current->version);
  auto update = [&ctx, w = std::move(w)](store::Callback<store::KbArticleChange> done) mutable {
    ctx.store.UpdateKbArticle(std::move(w), std::move(done));
  };
  auto change = co_await Write<store::KbArticleChange>(std::move(update));
  if (!change.ok()) co_return Response::Fail(change.error());
  AfterChange(ctx, *change, *who, "updated", req);
  co_return Response::Json(200, ArticleJson(change->article));
}

awaitable<Response> ListKbArticleVersions(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::read);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathArticleId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  std::int64_t before = 0;
  if (auto s = req.Query("before_version")) {
    auto v = ParsePositive(*s);
    if (!v) co_return Response::Fail(Invalid("'before_version' must be a positive integer"));
    before = *v;
  }
  auto limit = LimitParam(req, 20, 100);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  struct Found {
    Result<store::KbArticle> article;
    Result<store::KbVersionPage> page;
  };
  auto list = [&ctx, id = *id, before, limit = *limit]() -> Found {
    auto article = ctx.store.GetKbArticle(id);
    if (!article.ok()) return {article, article.error()};
    return {article, ctx.store.ListKbArticleVersions(id, before, limit)};
  };
  auto found = co_await Blocking(ctx, std::move(list));
  if (!found.article.ok()) co_return Response::Fail(found.article.error());
  if (!found.page.ok()) co_return Response::Fail(found.page.error());
  const std::int64_t published = found.article->published_version;
  std::string out = "{\"versions\":";
  json::AppendArray(out, found.page->versions, [published](std::string& o, const store::KbArticleVersion& v) {
    json::AppendKbVersion(o, v, published);
  });
  out += ",\"has_more\":";
  out += found.page->has_more ? "true" : "false";
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> PublishKbArticle(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::write);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathArticleId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto body = json::ParseObject(req.body, /*empty_ok=*/true);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto version = json::OptInt(*body, "version");
  if (!version.ok()) co_return Response::Fail(version.error());
  if (*version && **version < 1) co_return Response::Fail(Invalid("'version' must be at least 1"));
  auto publish = [&ctx, id = *id, version = version->value_or(0), staff = who->id,
                  at = Clock::System().Now()](store::Callback<store::KbArticleChange> done) mutable {
    ctx.store.PublishKbArticle(std::move(id), version, staff, at, std::move(done));
  };
  auto change = co_await Write<store::KbArticleChange>(std::move(publish));
  if (!change.ok()) co_return Response::Fail(change.error());
  AfterChange(ctx, *change, *who, "published", req);
  co_return Response::Json(200, ArticleJson(change->article));
}

awaitable<Response> UnpublishKbArticle(Request& req, Context& ctx) {
  auto who = co_await KbStaff(req, ctx, KbAccess::write);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathArticleId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto unpublish = [&ctx, id = *id, staff = who->id,
                    at = Clock::System().Now()](store::Callback<store::KbArticleChange> done) mutable {
    ctx.store.UnpublishKbArticle(std::move(id), staff, at, std::move(done));
  };
  auto change = co_await Write<store::KbArticleChange>(std::move(unpublish));
  if (!change.ok()) co_return Response::Fail(change.error());
  AfterChange(ctx, *change, *who, "unpublished", req);
  co_return Response::Json(200, ArticleJson(change->article));
}

awaitable<Response> SearchKb(Request& req, Context& ctx) {
  auto q = req.Query("q");
  if (!q || Trim(*q).empty()) co_return Response::Fail(Invalid("'q' is required"));
  if (!IsValidUtf8(*q)) co_return Response::Fail(Invalid("'q' is not valid UTF-8"));
  if (CountCodePoints(*q) > kMaxQueryChars)
    co_return Response::Fail(Invalid("'q' must be at most " + std::to_string(kMaxQueryChars) + " characters"));
  auto lang = req.Query("lang");
  if (lang && lang->empty()) lang.reset();
  if (lang && !bot::NormaliseKbLang(*lang))
    co_return Response::Fail(Invalid("'lang' must be zh, zh-CN, zh-TW, en or es"));
  auto limit = LimitParam(req, 5, 20);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  auto search = [&ctx, bot = ctx.bot.Get(), q = std::move(*q), lang = std::move(lang),
                 limit = static_cast<size_t>(*limit)]() -> Result<std::string> {
    const std::optional<std::string_view> lang_view = lang ? std::optional<std::string_view>(*lang) : std::nullopt;
    std::vector<bot::SearchHit> hits;
    std::vector<store::KbEntry> entries;
    if (bot) {
      // The model ranks; the store has the content, published now (the model may be a retrain
      // behind: what was unpublished since drops out, edits show at once).
      hits = bot->Search(q, lang_view, limit);
      std::vector<std::string> ids;
      for (const auto& h : hits) ids.push_back(h.id);
      KEFU_ASSIGN(found, ctx.store.GetPublishedKbEntries(ids));
      entries = std::move(found);
    } else {
      KEFU_ASSIGN(all, ctx.store.ListKbEntries());
      hits = bot::MatchKbEntries(all, q, lang_view, limit);
      entries = std::move(all);
    }
    std::unordered_map<std::string_view, const store::KbEntry*> by_id;
    for (const auto& e : entries) by_id.emplace(e.id, &e);
    const bool traditional = bot::WantsTraditional(q, lang_view);
    auto zh = [traditional](const store::KbEntry& e, const std::string& text) {
      return traditional && e.lang == "zh" ? bot::nlu::ToTraditional(text) : text;
    };
    std::string out = "{\"results\":[";
    bool first = true;
    for (const auto& h : hits) {
      auto it = by_id.find(h.id);
      if (it == by_id.end()) continue;
      const store::KbEntry& e = *it->second;
      if (!first) out += ',';
      first = false;
      out += "{\"id\":";
      AppendJsonString(out, e.id);
      out += ",\"lang\":";
      AppendJsonString(out, e.lang);
      out += ",\"category\":";
      AppendJsonString(out, zh(e, e.category));
      out += ",\"question\":";
      AppendJsonString(out, zh(e, e.question));
      out += ",\"answer\":";
      AppendJsonString(out, zh(e, e.answer));
      char score[32];
      std::snprintf(score, sizeof score, "%.4f", h.score);
      out += ",\"score\":";
      out += score;
      out += '}';
    }
    out += "]}";
    return out;
  };
  auto results = co_await Blocking(ctx, std::move(search));
  if (!results.ok()) co_return Response::Fail(results.error());
  co_return Response::Json(200, std::move(results).value());
}

awaitable<Response> KbSuggestions(Request& req, Context& ctx) {
  auto lang = req.Query("lang");
  std::string code = "zh";
  bool traditional = false;
  if (lang && !lang->empty()) {
    auto norm = bot::NormaliseKbLang(*lang);
    if (!norm) co_return Response::Fail(Invalid("'lang' must be zh, zh-CN, zh-TW, en or es"));
    code = *norm;
    traditional = bot::WantsTraditional("", std::optional<std::string_view>(*lang));
  }
  int limit = 6;
  if (auto l = req.Query("limit")) {
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size() || limit < 1 || limit > 20)
      co_return Response::Fail(Invalid("'limit' must be between 1 and 20"));
  }
  auto pick = [&ctx, code, limit, traditional]() -> Result<std::string> {
    // What customers ask most in wallet and payment support, in that order; one per category so
    // the list covers different worries.
    static constexpr std::string_view kOrder[] = {"withdrawal", "deposit", "kyc", "bank_card", "account",
                                                  "security", "transfer", "safety", "fees_limits", "wallet"};
    store::KbArticleQuery q;
    q.lang = code;
    q.published = true;
    q.limit = 500;
    KEFU_ASSIGN(page, ctx.store.ListKbArticles(q));
    std::vector<const store::KbArticle*> chosen;
    auto take_category = [&](std::string_view category) {
      for (const auto& a : page.articles) {
        if (static_cast<int>(chosen.size()) >= limit) return;
        if (a.entry.category != category) continue;
        if (std::find(chosen.begin(), chosen.end(), &a) == chosen.end()) chosen.push_back(&a);
        return;
      }
    };
    for (std::string_view category : kOrder) take_category(category);
    for (const auto& a : page.articles) {
      if (static_cast<int>(chosen.size()) >= limit) break;
      if (std::find(chosen.begin(), chosen.end(), &a) == chosen.end()) chosen.push_back(&a);
    }
    std::string out = "{\"suggestions\":[";
    for (size_t i = 0; i < chosen.size(); ++i) {
      if (i) out += ',';
      out += "{\"id\":";
      AppendJsonString(out, chosen[i]->entry.id);
      out += ",\"category\":";
      AppendJsonString(out, chosen[i]->entry.category);
      out += ",\"question\":";
      AppendJsonString(out, traditional ? bot::nlu::ToTraditional(chosen[i]->entry.question) : chosen[i]->entry.question);
      out += '}';
    }
    out += "]}";
    return out;
  };
  auto result = co_await Blocking(ctx, std::move(pick));
  if (!result.ok()) co_return Response::Fail(result.error());
  co_return Response::Json(200, std::move(result).value());
}

}  // namespace kefu::http
