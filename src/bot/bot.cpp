#include "bot/bot.hpp"

#include "bot/guard/guard.hpp"
#include "bot/knowledge_base.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace kefu::bot {

std::string BotAnswer::ToJson() const {
  std::string out = "{\"faq_id\":";
  if (faq_id.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, faq_id);
  }
  char conf[32];
  std::snprintf(conf, sizeof conf, "%.4f", confidence);
  out += ",\"confidence\":";
  out += conf;
  out += ",\"handoff\":";
  out += handoff ? "true" : "false";
  out += ",\"route\":";
  AppendJsonString(out, route);
  out += ",\"reason\":";
  AppendJsonString(out, reason);
  out += ",\"answer\":";
  if (answer.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, answer);
  }
  out += ",\"redacted_text\":";
  AppendJsonString(out, redacted_text);
  out += ",\"warnings\":[";
  for (size_t i = 0; i < warnings.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, warnings[i]);
  }
  out += "],\"lang\":";
  AppendJsonString(out, lang);
  out += ",\"priority\":" + std::to_string(priority) + "}";
  return out;
}

bool WantsTraditional(std::string_view text, std::optional<std::string_view> lang) {
  if (lang) {
    const std::string l = AsciiLower(Trim(*lang));
    for (std::string_view t : {"zh-tw", "zh_tw", "zh-hk", "zh_hk", "zh-mo", "zh_mo", "zh-hant"})
      if (l.starts_with(t)) return true;
    for (std::string_view s : {"zh-cn", "zh_cn", "zh-sg", "zh_sg", "zh-hans"})
      if (l.starts_with(s)) return false;
  }
  return nlu::IsTraditional(text);
}

Status Bot::TrainAndSave(store::Store& store) {
  KEFU_ASSIGN(version, store.KbVersion());
  KEFU_ASSIGN(entries, store.ListKbEntries());
  if (entries.empty()) return MakeError(Code::not_found, "the knowledge base is empty; import one with kefu kb import");
  KEFU_ASSIGN(model, nlu::Model::Train(entries));
  const auto stats = model.Stats();
  log::Info("bot.trained", {{"entries", static_cast<std::int64_t>(stats.classes)},
                            {"sentences", static_cast<std::int64_t>(stats.sentences)},
                            {"seconds", stats.train_seconds},
                            {"threshold", stats.threshold}});
  auto saved = store::Wait<int>([&](store::Callback<int> done) {
    store.SaveBotModel(model.Serialize(), version, std::move(done));
  });
  if (!saved.ok()) return std::move(saved).error();
  return Ok();
}

Result<std::shared_ptr<const Bot>> Bot::Load(store::Store& store) {
  KEFU_ASSIGN(version, store.KbVersion());
  auto saved = store.LoadBotModel();
  if (!saved.ok() || saved->kb_version != version) {
    KEFU_TRY(TrainAndSave(store));
    saved = store.LoadBotModel();
    if (!saved.ok()) return std::move(saved).error();
  }
  auto bot = std::make_shared<Bot>();
  auto model = nlu::Model::Deserialize(saved->bytes);
  if (!model.ok()) {
    // A model saved by an older kefu (another format version): train a new one.
    log::Info("bot.model_outdated", {{"reason", model.error().message}});
    KEFU_TRY(TrainAndSave(store));
    KEFU_ASSIGN(fresh, store.LoadBotModel());
    model = nlu::Model::Deserialize(fresh.bytes);
    if (!model.ok()) return std::move(model).error();
  }
  bot->model_ = std::move(model).value();
  KEFU_ASSIGN(entries, store.ListKbEntries());
  for (auto& e : entries) bot->entries_[e.id] = Entry{std::move(e.category), std::move(e.answer)};
  return std::shared_ptr<const Bot>(std::move(bot));
}

BotAnswer Bot::Ask(std::string_view text, std::optional<std::string_view> lang_override,
                   policy::Memory& memory) const {
  BotAnswer out;
  // Secrets first: nothing after this point sees them, and the customer is warned.
  const GuardResult guard = SecretGuard::Default().Scan(text);
  out.redacted_text = guard.redacted_text;
  for (SecretKind k : guard.warnings) out.warnings.emplace_back(WarningCode(k));

  std::optional<nlu::Lang> lang;
  if (lang_override) {
    if (auto code = NormaliseKbLang(*lang_override)) lang = nlu::ParseLang(*code);
  }
  // A message that was nothing but secrets asks no question: only the warning answers it.
  std::string rest = guard.redacted_text;
  for (size_t at; (at = rest.find("[redacted:")) != std::string::npos;) {
    const size_t end = rest.find(']', at);
    rest.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
  }
  if (!guard.clean() && nlu::Normalise(rest).find_first_not_of(' ') == std::string::npos) {
    out.lang = std::string(nlu::LangCode(lang.value_or(nlu::DetectLanguage(text))));
    out.reason = "secret_redacted";
    out.answer = std::string(SafetyMessage(out.lang));
    if (out.lang == "zh" && WantsTraditional(rest, lang_override)) {
      out.traditional = true;
      out.answer = nlu::ToTraditional(out.answer);
    }
    return out;
  }
  const nlu::Prediction p = model_.Predict(guard.redacted_text, lang);
  out.lang = std::string(nlu::LangCode(p.lang));
  out.confidence = p.confidence;
  std::string category;
  if (!p.faq_id.empty()) {
    out.faq_id = p.faq_id;
    if (auto it = entries_.find(p.faq_id); it != entries_.end()) category = it->second.category;
  }
  const std::string normalised = nlu::Normalise(guard.redacted_text);
  policy::Turn turn{normalised, out.lang, out.faq_id, p.confidence, category};
  const policy::Decision d = policy::Decide(turn, memory);
  out.handoff = d.handoff;
  out.route = std::string(policy::RouteName(d.route));
  out.reason = d.reason;
  out.priority = d.priority;
  if (!out.faq_id.empty()) {
    if (auto it = entries_.find(out.faq_id); it != entries_.end()) out.answer = it->second.answer;
  }
  if (!guard.clean()) {
    std::string safety(SafetyMessage(out.lang));
    out.answer = out.answer.empty() ? safety : safety + "\n\n" + out.answer;
  }
  // Articles are written once, in simplified or traditional characters; askers who write
  // traditional (or ask for zh-TW) read the answer in traditional characters.
  if (out.lang == "zh" && WantsTraditional(guard.redacted_text, lang_override)) {
    out.traditional = true;
    if (!out.answer.empty()) out.answer = nlu::ToTraditional(out.answer);
  }
  return out;
}

std::vector<SearchHit> Bot::Search(std::string_view query, std::optional<std::string_view> lang_override,
                                   size_t limit) const {
  // The model's probabilities are spread over every topic; candidates this far below the best
  // one are noise rather than suggestions.
  constexpr double kMinShareOfBest = 0.05;
  std::optional<nlu::Lang> lang;
  if (lang_override) {
    if (auto code = NormaliseKbLang(*lang_override)) lang = nlu::ParseLang(*code);
  }
  const nlu::Prediction p = model_.Predict(query, lang, limit);
  // Search is more lenient than answering (a single word like "withdraw" should find articles),
  // but a question far below the out-of-scope threshold ("who won the cup") finds nothing.
  if (p.top.empty() || p.confidence < 0.5 * model_.threshold()) return {};
  // Scores: the best candidate's calibrated confidence, the others in proportion to it.
  const double best = p.top.front().second;
  std::vector<SearchHit> out;
  for (const auto& [id, probability] : p.top) {
    if (best <= 0.0 || probability < best * kMinShareOfBest) break;
    out.push_back({id, p.confidence * probability / best});
  }
  return out;
}

}  // namespace kefu::bot
