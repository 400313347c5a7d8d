// Language detection for short customer messages: zh by script, en vs es by evidence scores.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bot/nlu/internal/text.hpp"
#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu {

namespace {

// Words that are frequent in one language and rare in the other. Ambiguous ones ("no", "me",
// "a", "en", "de" in names) are left out; a word's weight reflects how decisive it is.
const std::unordered_map<std::string_view, double>& EvidenceWords() {
  static const auto* table = [] {
    auto* m = new std::unordered_map<std::string_view, double>;
    for (std::string_view w :
         {"the",        "to",       "is",      "are",   "my",     "you",      "your",
          "how",        "what",     "why",     "can",   "do",     "does",     "did",
          "it",         "of",       "and",     "for",   "on",     "with",     "not",
          "have",       "has",      "was",     "when",  "where",  "this",     "that",
          "get",        "please",   "cant",    "dont",  "didnt",  "im",       "will",
          "be",         "there",    "from",    "at",    "by",     "about",    "i",
          "an",         "money",    "account", "card",  "need",   "want",     "help",
          "if",         "or",       "should",  "would", "could",  "which",    "who",
          "after",      "still",    "been",    "just",  "wallet", "transfer", "withdraw",
          "withdrawal", "deposit",  "payment", "pay",   "phone",  "code",     "password",
          "login",      "log",      "sign",    "up",    "out",    "into",     "its",
          "we",         "they",     "our",     "hi",    "hello",  "thanks",   "thank",
          "why",        "doesnt",   "isnt",    "wont",  "any",    "some",     "much",
          "many",       "long",     "take",    "make",  "new",    "all",      "am",
          "so",         "but",      "like",    "top",   "fee",    "fees",     "refund",
          "time",       "way",      "ive",     "yes",   "ok",     "wrong",    "work",
          "working",    "received", "receive", "sent",  "send"}) {
      (*m)[w] = 1.0;
    }
    for (std::string_view w :
         {"el",         "la",         "los",          "las",          "del",      "que",
          "qué",        "y",          "un",           "una",          "por",      "para",
          "con",        "es",         "mi",           "mis",          "tu",       "como",
          "cómo",       "cuándo",     "cuando",       "dónde",        "donde",    "puedo",
          "quiero",     "cuenta",     "tarjeta",      "dinero",       "hola",     "ayuda",
          "pero",       "se",         "lo",           "al",           "su",       "hay",
          "está",       "esta",       "necesito",     "hacer",        "tengo",    "cuanto",
          "cuánto",     "porque",     "porqué",       "sin",          "ya",       "muy",
          "más",        "mas",        "también",      "tiene",        "puede",    "pueden",
          "estoy",      "son",        "sus",          "le",           "les",      "nos",
          "mí",         "sí",         "este",         "eso",          "esto",     "retiro",
          "retirar",    "recarga",    "recargar",     "depósito",     "deposito", "transferencia",
          "contraseña", "contrasena", "código",       "codigo",       "cuál",     "cual",
          "olvidé",     "olvide",     "billetera",    "monedero",     "cartera",  "pago",
          "pagar",      "saldo",      "llegó",        "llego",        "gracias",  "buenas",
          "buenos",     "días",       "favor",        "quiere",       "ahora",    "hoy",
          "ayer",       "todavía",    "todavia",      "aún",          "aun",      "nunca",
          "nada",       "algo",       "alguien",      "usted",        "ustedes",  "mí",
          "te",         "tiempo",     "verificación", "verificacion", "registro", "registrarme",
          "iniciar",    "sesión",     "sesion",       "correo",       "celular",  "teléfono",
          "telefono",   "cambiar",    "banco",        "bancaria",     "fondos",   "comisión",
          "comision"}) {
      (*m)[w] = -1.0;
    }
    return m;
  }();
  return *table;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Lang DetectLanguage(std::string_view text) {
  return internal::DetectLanguageNormalised(text, internal::NormaliseText(text));
}

Lang internal::DetectLanguageNormalised(std::string_view text, std::string_view norm) {
  size_t han = 0;
  double spanish_marks = 0;
  // Inverted question and exclamation marks are punctuation, so look for them in the raw text.
  internal::ForEachCodePoint(text, [&](char32_t c, size_t, size_t) {
    if (c == U'¿' || c == U'¡') spanish_marks += 2.0;
    if (internal::IsHan(c)) ++han;
  });
  size_t latin_words = 0;
  double score = 0;  // > 0: English, < 0: Spanish
  const auto& evidence = EvidenceWords();
  size_t pos = 0;
  while (pos < norm.size()) {
    size_t end = norm.find(' ', pos);
    if (end == std::string::npos) end = norm.size();
    std::string_view word = norm.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty() || static_cast<unsigned char>(word[0]) >= 0xE0) continue;  // CJK etc.
    ++latin_words;
    if (auto it = evidence.find(word); it != evidence.end()) score += it->second;
    bool accent = false;
    internal::ForEachCodePoint(word, [&](char32_t c, size_t, size_t) {
      if (c == U'ñ') spanish_marks += 2.0;
      if (c == U'á' || c == U'é' || c == U'í' || c == U'ó' || c == U'ú') accent = true;
    });
    if (accent) spanish_marks += 1.0;
    if (EndsWith(word, "ción") || EndsWith(word, "cion") || EndsWith(word, "mente") ||
        EndsWith(word, "ado") || EndsWith(word, "ido") || EndsWith(word, "ar") ||
        EndsWith(word, "os") || EndsWith(word, "as")) {
      score -= 0.3;
    }
    if (EndsWith(word, "ing") || EndsWith(word, "tion") || EndsWith(word, "ly") ||
        EndsWith(word, "ed") || EndsWith(word, "th") || word.find('w') != std::string_view::npos ||
        word.find('k') != std::string_view::npos) {
      score += 0.3;
    }
  }
  // Han decides unless Latin words clearly dominate ("how to use 支付宝 with my card").
  if (han > 0 && han * 2 >= latin_words) return Lang::zh;
  score -= spanish_marks;
  if (latin_words == 0 && han > 0) return Lang::zh;
  return score < 0 ? Lang::es : Lang::en;
}

}  // namespace kefu::bot::nlu
