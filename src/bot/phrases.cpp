#include "bot/phrases.hpp"

#include "bot/nlu/nlu.hpp"

namespace kefu::bot {
namespace {

struct Phrase {
  std::string_view key;
  std::string_view zh, en, es;
};

constexpr Phrase kPhrases[] = {
    {"greeting",
     "您好，我是智能客服，请直接描述您遇到的问题。需要人工服务时，随时输入「转人工」。温馨提示：我们绝不会向您索要助记词、私钥、密码或验证码。",
     "Hi, I'm the virtual assistant. Tell me what you need help with, or type \"agent\" at any time to talk to a person. "
     "We will never ask for your seed phrase, private key, password or verification codes.",
     "Hola, soy el asistente virtual. Cuéntame en qué te puedo ayudar, o escribe «agente» en cualquier momento para hablar "
     "con una persona. Nunca te pediremos tu frase semilla, clave privada, contraseña ni códigos de verificación."},
    {"rephrase",
     "抱歉，我没有完全理解您的问题，能换个说法再描述一下吗？也可以输入「转人工」联系人工客服。",
     "Sorry, I didn't quite get that. Could you say it another way? You can also type \"agent\" to talk to a person.",
     "Perdona, no te he entendido bien. ¿Puedes decirlo de otra forma? También puedes escribir «agente» para hablar con "
     "una persona."},
    {"security_risk",
     "您的资金安全是第一位的，正在为您优先转接安全专员。在此期间请不要向任何人透露助记词、私钥、密码或验证码，也不要点击陌生链接。",
     "Your funds' safety comes first: I'm connecting you to our security team with priority. Meanwhile, never share your "
     "seed phrase, private key, password or codes with anyone, and don't open unknown links.",
     "La seguridad de tus fondos es lo primero: te paso con prioridad a nuestro equipo de seguridad. Mientras tanto, no "
     "compartas tu frase semilla, clave privada, contraseña ni códigos con nadie, y no abras enlaces desconocidos."},
    {"complaint",
     "非常抱歉给您带来不好的体验，正在为您转接投诉专员，我们会认真处理您的投诉。",
     "I'm sorry about your experience. I'm connecting you to our complaints team, who will look into it.",
     "Sentimos mucho lo ocurrido. Te paso con nuestro equipo de reclamaciones, que revisará tu caso."},
    {"anger",
     "非常抱歉让您不满意，正在为您转接人工客服，请稍候。",
     "I'm sorry we've let you down. I'm connecting you to a member of our team now.",
     "Sentimos no haber estado a la altura. Te paso ahora con una persona de nuestro equipo."},
    {"explicit_human_request",
     "好的，正在为您转接人工客服，请稍候。",
     "Sure, I'm connecting you to a member of our team.",
     "Claro, te paso con una persona de nuestro equipo."},
    {"out_of_scope_repeated",
     "抱歉没能帮到您，正在为您转接人工客服。",
     "Sorry I couldn't help with that. I'm connecting you to a member of our team.",
     "Siento no haber podido ayudarte. Te paso con una persona de nuestro equipo."},
    {"needs_account_lookup",
     "这个问题需要查询您的账户记录，正在为您转接专员。请准备好相关单号（不要发送密码或验证码）。",
     "This needs a look at your account, so I'm connecting you to a specialist. Have the order or transaction number "
     "ready (never send passwords or codes).",
     "Esto requiere revisar tu cuenta, así que te paso con un especialista. Ten a mano el número de operación (nunca "
     "envíes contraseñas ni códigos)."},
    {"technical_issue",
     "这个问题需要技术同事排查，正在为您转接技术支持。请告诉我们 App 版本、手机型号和报错截图或交易哈希。",
     "This needs our technical team, so I'm connecting you to technical support. Please tell them your app version, "
     "device, and any error message or transaction hash.",
     "Esto lo tiene que revisar nuestro equipo técnico; te paso con soporte técnico. Indícales la versión de la app, tu "
     "dispositivo y el mensaje de error o el hash de la transacción."},
    {"csat_reminder",
     "本次服务已结束，还没收到您的评价。您的评分（1–5 星）能帮助我们改进服务，感谢您抽空评价！",
     "Your conversation has ended and we'd love to hear how we did. Please rate it from 1 to 5 stars — thank you!",
     "Tu conversación ha terminado y nos gustaría saber qué tal lo hicimos. Valórala de 1 a 5 estrellas, ¡gracias!"},
    {"idle_notice",
     "您好，请问还在吗？如果没有其他问题，本次会话将在几分钟后自动结束；结束后您随时可以再次发起咨询。",
     "Are you still there? If there's nothing else, this conversation will close automatically in a few minutes; you "
     "can write to us again at any time.",
     "¿Sigues ahí? Si no necesitas nada más, esta conversación se cerrará automáticamente en unos minutos; puedes "
     "escribirnos de nuevo cuando quieras."},
    {"idle_closed",
     "由于长时间未收到您的回复，本次会话已自动结束。如仍需帮助，直接发送消息即可继续。",
     "As we haven't heard back from you, this conversation has been closed. If you still need help, just send a "
     "message to continue.",
     "Como no hemos recibido respuesta, hemos cerrado esta conversación. Si aún necesitas ayuda, envía un mensaje para "
     "continuar."},
    {"outside_hours",
     "现在是非人工服务时间，人工客服将于 {opens} 上线，届时会按排队顺序为您服务。您也可以现在留言，我们上线后会第一时间处理。",
     "Our team is offline right now and will be back {opens}; you'll be served in turn then. You can also leave a "
     "message now and we'll handle it first thing.",
     "Nuestro equipo no está disponible ahora y volverá {opens}; entonces te atenderemos por orden. También puedes "
     "dejarnos un mensaje ahora y lo atenderemos en cuanto volvamos."},
    {"message_left",
     "已收到您的留言，并为您创建了工单 #{ticket}。客服处理后会在此会话中回复您，请留意消息。",
     "We've got your message and opened ticket #{ticket}. An agent will reply in this conversation.",
     "Hemos recibido tu mensaje y abierto el caso #{ticket}. Un agente te responderá en esta conversación."},
    {"queue_timeout",
     "抱歉让您久等了，客服仍在忙碌中。您可以继续排队，也可以现在留言，我们会尽快处理并在此会话中回复您。",
     "Sorry for the wait: our team is still busy. You can keep your place in the queue, or leave a message now and "
     "we'll reply in this conversation as soon as we can.",
     "Perdona la espera: nuestro equipo sigue ocupado. Puedes mantener tu lugar en la cola o dejarnos un mensaje "
     "ahora y te responderemos en esta conversación lo antes posible."},
    {"ticket_auto_close_notice",
     "您的工单 #{ticket} 已处理完毕。如果问题仍未解决，请直接回复本消息；如无回复，工单将在 {hours} 小时后自动关闭。",
     "Your ticket #{ticket} has been resolved. If the problem is still there, just reply to this message; otherwise "
     "the ticket will close automatically in {hours} hours.",
     "Tu caso #{ticket} está resuelto. Si el problema continúa, responde a este mensaje; si no, el caso se cerrará "
     "automáticamente en {hours} horas."},
    {"ticket_auto_closed",
     "由于没有收到您的回复，工单 #{ticket} 已自动关闭。如仍需帮助，直接发送消息即可。",
     "As we haven't heard back from you, ticket #{ticket} has been closed. If you still need help, just send a message.",
     "Como no hemos recibido respuesta, hemos cerrado el caso #{ticket}. Si aún necesitas ayuda, envíanos un mensaje."},
    {"ticket_csat_request",
     "工单 #{ticket} 已处理完毕并关闭。请为本次服务打分（1–5 星），也可以留下您的意见，感谢您的反馈！",
     "Ticket #{ticket} has been handled and closed. Please rate our service from 1 to 5 stars — a comment is welcome "
     "too. Thank you!",
     "El caso #{ticket} se ha resuelto y cerrado. Valora nuestro servicio de 1 a 5 estrellas; también puedes dejarnos "
     "un comentario. ¡Gracias!"},
    // Complaints: {number} is the complaint number, {due} when its review is due (in the
    // customer's time zone), {resolution} what the desk found and did.
    {"complaint_received",
     "您的投诉已收到，投诉编号 #{number}。我们会认真核查，并在 {due} 前完成审核、给您答复。如有补充材料，可直接在此会话中发送（请勿发送密码、验证码或助记词）。",
     "We have received your complaint, number #{number}. We will review it by {due} and get back to you. You can add "
     "anything in this conversation (never send passwords, codes or your seed phrase).",
     "Hemos recibido tu reclamación, número #{number}. La revisaremos antes del {due} y te responderemos. Puedes añadir "
     "información en esta conversación (nunca envíes contraseñas, códigos ni tu frase semilla)."},
    {"complaint_acknowledged",
     "您的投诉 #{number} 已确认受理，我们将在 {due} 前完成审核。",
     "Your complaint #{number} has been registered. We will review it by {due}.",
     "Tu reclamación #{number} ha quedado registrada. La revisaremos antes del {due}."},
    {"complaint_under_review",
     "您的投诉 #{number} 已进入审核，投诉专员正在核查处理，有进展会第一时间通知您。",
     "Your complaint #{number} is now under review by our complaints team. We will let you know as soon as there is "
     "news.",
     "Nuestro equipo de reclamaciones está revisando tu reclamación #{number}. Te avisaremos en cuanto haya novedades."},
    {"complaint_resolved",
     "您的投诉 #{number} 已处理完毕。处理结果：{resolution}。我们稍后会回访了解您是否满意；如有疑问，可直接在此回复。",
     "Your complaint #{number} has been resolved. Outcome: {resolution}. We will call you back to check that you are "
     "satisfied; if anything is unclear, just reply here.",
     "Tu reclamación #{number} está resuelta. Resultado: {resolution}. Te llamaremos para confirmar que estás "
     "conforme; si tienes dudas, responde aquí."},
    {"complaint_closed",
     "您的投诉 #{number} 已结案，感谢您的反馈，我们会持续改进服务。",
     "Your complaint #{number} is now closed. Thank you for your feedback; it helps us improve.",
     "Tu reclamación #{number} está cerrada. Gracias por tus comentarios; nos ayudan a mejorar."},
    {"complaint_reopened",
     "您的投诉 #{number} 已重新打开，投诉专员会再次审核并尽快答复您。",
     "Your complaint #{number} has been reopened; our complaints team will review it again and reply soon.",
     "Hemos reabierto tu reclamación #{number}; nuestro equipo la revisará de nuevo y te responderá pronto."},
    {"handoff",
     "正在为您转接人工客服，请稍候。",
     "I'm connecting you to a member of our team.",
     "Te paso con una persona de nuestro equipo."},
};

std::string_view Pick(const Phrase& p, std::string_view lang) {
  if (lang == "en") return p.en;
  if (lang == "es") return p.es;
  return p.zh;
}

const Phrase& Find(std::string_view key) {
  for (const Phrase& p : kPhrases)
    if (p.key == key) return p;
  return kPhrases[sizeof kPhrases / sizeof kPhrases[0] - 1];  // "handoff"
}

}  // namespace

std::string_view Say(std::string_view key, std::string_view lang) { return Pick(Find(key), lang); }
std::string_view Greeting(std::string_view lang) { return Pick(Find("greeting"), lang); }
std::string_view Rephrase(std::string_view lang) { return Pick(Find("rephrase"), lang); }

namespace {

struct SafetyLines {
  std::string_view lang;
  std::string_view line;
};

constexpr SafetyLines kSafetyLines[] = {
    {"zh", "温馨提示：我们绝不会向您索要助记词、私钥、密码或验证码。"},
    {"zh-TW", "溫馨提示：我們絕不會向您索取助記詞、私鑰、密碼或驗證碼。"},
    {"en", "We will never ask for your seed phrase, private key, password or verification codes."},
    {"es", "Nunca te pediremos tu frase semilla, clave privada, contraseña ni códigos de verificación."},
};

// What each line says without its lead-in, so a text that already carries it in its own words
// (the greeting) or converted to traditional characters is recognised.
constexpr std::string_view kSafetyCores[] = {
    "我们绝不会向您索要助记词、私钥、密码或验证码",
    "我們絕不會向您索要助記詞、私鑰、密碼或驗證碼",
    "我們絕不會向您索取助記詞、私鑰、密碼或驗證碼",
    "never ask for your seed phrase, private key, password or verification codes",
    "Nunca te pediremos tu frase semilla, clave privada, contraseña ni códigos de verificación",
};

}  // namespace

std::string_view SafetyLine(std::string_view lang) {
  if (lang == "zh-CN" || lang == "zh-Hans") lang = "zh";
  if (lang == "zh-Hant" || lang == "zh-HK") lang = "zh-TW";
  for (const SafetyLines& s : kSafetyLines)
    if (s.lang == lang) return s.line;
  return kSafetyLines[0].line;
}

std::string WithSafetyLine(std::string_view text, std::string_view lang) {
  for (std::string_view core : kSafetyCores)
    if (text.find(core) != std::string_view::npos) return std::string(text);
  std::string out(text);
  if (!out.empty()) out += "\n\n";
  out += SafetyLine(lang);
  return out;
}

std::string Notice(std::string_view key, std::string_view lang) {
  if (lang == "zh-TW") return WithSafetyLine(nlu::ToTraditional(Say(key, "zh")), lang);
  return WithSafetyLine(Say(key, lang.empty() ? "zh" : lang), lang.empty() ? "zh" : lang);
}

std::string_view HandoffNotice(std::string_view reason, std::string_view lang) {
  if (reason == "low_confidence_repeated") reason = "out_of_scope_repeated";
  return Pick(Find(reason), lang);
}

}  // namespace kefu::bot
