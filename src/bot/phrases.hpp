// What the bot says in a conversation, in zh, en and es: the greeting, the "please rephrase"
// prompt, why it hands a conversation over, and the workflow's notices (survey reminder,
// idle notice, auto-close). The server's other user-facing strings live in
// the web UI; these are the ones the bot writes into the conversation itself.
#pragma once

#include <string>
#include <string_view>

namespace kefu::bot {

// `lang` is "zh", "en" or "es"; anything else falls back to zh.
// Workflow notices by key: csat_reminder, idle_notice, idle_closed, outside_hours (with "{opens}"
// to fill), message_left (with "{ticket}"), complaint_received, complaint_acknowledged (with
// "{number}" and "{due}"), complaint_under_review, complaint_closed, complaint_reopened (with
// "{number}"), complaint_resolved (with "{number}" and "{resolution}"), and every key below.
std::string_view Say(std::string_view key, std::string_view lang);
std::string_view Greeting(std::string_view lang);
std::string_view Rephrase(std::string_view lang);
// The message for a handoff, by the policy's reason code (security_risk, complaint, anger,
// explicit_human_request, out_of_scope_repeated, low_confidence_repeated, needs_account_lookup,
// technical_issue); a generic one for anything else.
std::string_view HandoffNotice(std::string_view reason, std::string_view lang);

// The anti-impersonation line every outbound template carries (docs/adr/0018): "we will never
// ask for your seed phrase, private key, password or verification codes" in `lang` ("zh",
// "zh-CN", "zh-TW", "en", "es"; anything else: zh).
std::string_view SafetyLine(std::string_view lang);

// `text` followed by a blank line and SafetyLine(lang), unless `text` already says it (in any of
// the four languages, so that a traditional conversion of a simplified text counts). The one
// function every template goes through: the workflow's notices, the bot's own phrases (not its
// knowledge-base answers) and rendered canned replies.
std::string WithSafetyLine(std::string_view text, std::string_view lang);

// Say(key, lang) with the safety line, in traditional characters for "zh-TW".
std::string Notice(std::string_view key, std::string_view lang);

}  // namespace kefu::bot
