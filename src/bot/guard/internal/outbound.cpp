// The outbound check: does a staff or bot message ask the customer for a secret?
//
// Knowledge-base answers name secrets all the time to warn about them ("we will never ask for your
// seed phrase", "请勿向任何人透露助记词"), so naming a secret is not enough. A message asks for one
// when a clause of it both requests something from the reader (an imperative such as "send",
// "提供", "dime"; "what is your …", "我们需要您的 …"; "type it here") and names a secret, with no
// negation, warning or condition in that clause ("never", "不要", "nunca", "if anyone …",
// "如果有人 …"). A strong negation ("never", "绝不", "nunca") or a condition carries to the
// following clauses of the same sentence; a request carries too ("we need your email, password
// and phone number"), until a new imperative ("please …", "请 …") starts over.
#include <algorithm>
#include <cstdint>
#include <string>

#include "bot/guard/internal/detectors.hpp"
#include "bot/guard/internal/text.hpp"

namespace kefu::bot::internal {
namespace {

using Words = std::initializer_list<std::string_view>;

// For the rare paths (a clause that names a secret); the hot checks use StemSets.
bool HasAny(std::string_view s, Words fragments) {
  return std::any_of(fragments.begin(), fragments.end(),
                     [&](std::string_view f) { return s.find(f) != std::string_view::npos; });
}

// Phrases whose negation is politeness, not a warning ("don't worry, …").
constexpr std::string_view kBenign[] = {
    "don't worry",     "don’t worry",    "do not worry",   "dont worry", "no worries",
    "no problem",      "don't hesitate", "don’t hesitate", "别担心",     "別擔心",
    "不用担心",        "不用擔心",       "不要担心",       "不要擔心",   "没问题",
    "沒問題",          "不客气",         "不客氣",         "不好意思",   "不用客气",
    "no te preocupes", "no se preocupe", "no pasa nada",   "no dudes",   "no dude"};

// Strong negations: they also cover the clauses after them in the sentence.
constexpr std::string_view kStrongWords[] = {
    "never",  "nobody",  "no one", "no-one", "under no circumstances",
    "nunca",  "jamás",   "jamas",  "nadie",  "ningún",
    "ningun", "ninguna", "ninguno"};
constexpr std::string_view kStrongFragments[] = {
    "绝不", "絕不", "决不", "決不", "永远不", "永遠不", "从不", "從不", "从来不", "從來不", "任何"};
// Conditions and third parties ("if anyone asks you …", "如果有人 …"): a warning, not a request.
constexpr std::string_view kConditionWords[] = {
    "if", "anyone",  "anybody",    "someone",   "somebody", "whoever", "unless",
    "si", "alguien", "cualquiera", "cualquier", "quien",    "quienes"};
constexpr std::string_view kConditionFragments[] = {"如果", "若", "假如", "一旦", "有人",
                                                    "谁",   "誰", "凡是", "万一", "萬一"};
// Negations, warnings and masking instructions that cover their own clause only.
constexpr std::string_view kWeakWords[] = {
    "not",       "don't",       "dont",    "don’t",   "doesn't",  "doesn’t", "won't",    "won’t",
    "shouldn't", "shouldn’t",   "mustn't", "can't",   "can’t",    "cannot",  "no",       "avoid",
    "beware",    "scam",        "scams",   "scammer", "scammers", "fraud",   "phishing", "fake",
    "impostor",  "impostors",   "ni",      "evita",   "evite",    "cuidado", "estafa",   "estafas",
    "estafador", "estafadores", "fraude",  "falso",   "falsa",    "nunca"};
constexpr std::string_view kWeakFragments[] = {
    "n't",    "n’t",   "impersonat", "不",     "别",      "別",    "勿",   "莫",   "禁止",
    "谨防",   "謹防",  "小心",       "诈骗",   "詐騙",    "骗子",  "騙子", "钓鱼", "釣魚",
    "冒充",   "假冒",  "没",         "沒",     "无需",    "無需",  "不必", "遮挡", "遮擋",
    "遮住",   "打码",  "打碼",       "马赛克", "馬賽克",  "隐藏",  "隱藏", "注意", " mask",
    " cover", " hide", " blur",      " tapa",  " oculta", " cubre"};

// Asking phrases ("what is your …", "需要您的 …", "¿cuál es tu …?").
constexpr std::string_view kEnglishAsking[] = {
    "what is your",     "what's your",        "what’s your",       "whats your",
    "what is ur",       "may i have your",    "can i have your",   "could i have your",
    "can i get your",   "could i get your",   "i need your",       "we need your",
    "i'll need your",   "we'll need your",    "we will need your", "i will need your",
    "need you to",      "we require your",    "i require your",    "let me know your",
    "let us know your", "need the code",      "can i have the",    "may i have the",
    "could i have the", "can i get the",      "could i get the",   "i need the",
    "we need the",      "i'll need the",      "we'll need the",    "what is the code",
    "what's the code",  "what are the words", "what are your"};
constexpr std::string_view kChineseAsking[] = {
    "需要您的",     "需要你的",     "需要您提供",   "需要你提供",   "我们需要",   "我們需要",
    "我需要您",     "我需要你",     "您的助记词是", "你的助记词是", "您的密码是", "你的密码是",
    "验证码是多少", "驗證碼是多少", "密码是多少",   "密碼是多少",   "是什么呢",   "是多少"};
// "是多少" asks about anything: it counts with a possessive, "need" or a secret beside it.
constexpr std::string_view kChineseSecretish[] = {"您的", "你的", "需要",   "验证码", "驗證碼",
                                                  "密码", "密碼", "助记词", "私钥"};
constexpr std::string_view kChineseVerbs[] = {
    "提供",   "发送",   "發送",   "发给",   "發給",   "发我",   "發我", "发过来",
    "發過來", "发一下", "發一下", "发出来", "告诉",   "告訴",   "告知", "报一下",
    "報一下", "报给",   "報給",   "念一下", "说一下", "說一下", "私信", "截图发",
    "截圖發", "拍照发", "拍照發", "给我",   "給我",   "交给",   "交給", "上传",
    "上傳",   "输入",   "輸入",   "填写",   "填寫",   "回复",   "回覆"};
constexpr std::string_view kSpanishAsking[] = {"cuál es tu",        "cual es tu",
                                               "cuál es su",        "cual es su",
                                               "necesito tu",       "necesito su",
                                               "necesitamos tu",    "necesitamos su",
                                               "me das tu",         "me da su",
                                               "me puedes dar",     "me puedes enviar",
                                               "me puedes pasar",   "me puedes decir",
                                               "me puedes mandar",  "nos puedes dar",
                                               "nos puedes enviar", "nos puedes decir",
                                               "puedes enviarme",   "puedes enviarnos",
                                               "puedes mandarme",   "puedes decirme",
                                               "puedes darme",      "podrías enviar",
                                               "podrias enviar",    "podrías decir",
                                               "podrias decir",     "podrías dar",
                                               "podrias dar",       "podrías compartir",
                                               "debes enviar",      "tienes que enviar",
                                               "tienes que darnos", "tienes que decirnos",
                                               "me envías",         "me envias",
                                               "nos envías",        "nos envias",
                                               "me pasas",          "nos pasas",
                                               "me dices",          "nos dices",
                                               "confirma tu",       "confírmanos",
                                               "confirmanos"};

template <size_t N>
std::vector<std::string_view> Vec(const std::string_view (&list)[N]) {
  return std::vector<std::string_view>(std::begin(list), std::end(list));
}

// What one pass over a clause found: a bit per keyword group. One StemSet holds every group's
// keywords, so a clause is read once however many groups there are.
enum : uint32_t {
  kStrongTag = 1,
  kConditionTag = 2,
  kWeakTag = 4,
  kEnglishAskingTag = 8,
  kChineseAskingTag = 16,
  kChineseSecretishTag = 32,
  kChineseVerbTag = 64,
  kSpanishAskingTag = 128,
  kAsciiTag = 256,  // the clause has ASCII letters (set by Features, not by a keyword)
};

struct Features {
  uint32_t bits = 0;
  bool Has(uint32_t tag) const { return (bits & tag) != 0; }
};

class Lexicon {
 public:
  Lexicon() : set_(Stems()) {}

  Features Of(std::string_view c) const {
    Features f;
    for (char ch : c) {
      if (IsAsciiAlpha(ch)) {
        f.bits |= kAsciiTag;
        break;
      }
    }
    set_.ForEach(c, [&](size_t p, std::string_view stem) {
      auto it = std::lower_bound(tags_.begin(), tags_.end(), stem.data(),
                                 [](const Tagged& t, const char* d) { return t.data < d; });
      for (; it != tags_.end() && it->data == stem.data(); ++it) {
        if (!it->whole_word || WordAt(c, p, stem)) f.bits |= it->tag;
      }
      return false;
    });
    return f;
  }

  static const Lexicon& Get() {
    static const Lexicon lexicon;
    return lexicon;
  }

 private:
  struct Tagged {
    const char* data;
    uint32_t tag;
    bool whole_word;
  };

  std::vector<std::string_view> Stems() {
    std::vector<std::string_view> all;
    auto add = [&](auto& list, uint32_t tag, bool whole_word) {
      for (std::string_view w : list) {
        all.push_back(w);
        tags_.push_back({w.data(), tag, whole_word});
      }
    };
    add(kStrongWords, kStrongTag, true);
    add(kStrongFragments, kStrongTag, false);
    add(kConditionWords, kConditionTag, true);
    add(kConditionFragments, kConditionTag, false);
    add(kWeakWords, kWeakTag, true);
    add(kWeakFragments, kWeakTag, false);
    add(kEnglishAsking, kEnglishAskingTag, false);
    add(kChineseAsking, kChineseAskingTag, false);
    add(kChineseSecretish, kChineseSecretishTag, false);
    add(kChineseVerbs, kChineseVerbTag, false);
    add(kSpanishAsking, kSpanishAskingTag, false);
    std::sort(tags_.begin(), tags_.end(),
              [](const Tagged& x, const Tagged& y) { return x.data < y.data; });
    return all;
  }

  std::vector<Tagged> tags_;  // sorted by data pointer; one stem may carry several tags
  StemSet set_;
};

// Starts with a fresh imperative, which ends what an earlier clause negated.
bool StartsFresh(std::string_view c) {
  while (!c.empty() && (c.front() == ' ' || c.front() == '\t')) c.remove_prefix(1);
  for (std::string_view p :
       {"please", "pls", "plz", "kindly", "请", "請", "麻烦", "麻煩", "por favor"}) {
    if (c.starts_with(p)) return true;
  }
  return false;
}

// --- requests ---------------------------------------------------------------------------

// The ASCII words of a clause with their offsets.
struct Word {
  std::string_view text;
  size_t pos;
};
const std::vector<Word>& AsciiWords(std::string_view c) {
  thread_local std::vector<Word> words;  // reused: no allocation per clause
  words.clear();
  for (size_t i = 0; i < c.size();) {
    const auto ch = static_cast<unsigned char>(c[i]);
    if (IsAsciiAlpha(c[i]) || ch >= 0xC0) {
      size_t j = i;
      while (j < c.size() &&
             (IsAsciiAlpha(c[j]) || c[j] == '\'' || static_cast<unsigned char>(c[j]) >= 0x80)) {
        // Stop at non-Latin characters (CJK) so "请send" style mixes still split.
        if (static_cast<unsigned char>(c[j]) >= 0xE0) break;
        ++j;
      }
      if (j == i) {
        ++i;
        continue;
      }
      words.push_back({c.substr(i, j - i), i});
      i = j;
    } else {
      ++i;
    }
  }
  return words;
}

bool InWords(std::string_view w, Words list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

constexpr std::string_view kChatHere[] = {"here",
                                          "below",
                                          "in the chat",
                                          "in this chat",
                                          "in chat",
                                          "to me",
                                          "to us",
                                          "in the box",
                                          "in your reply",
                                          "in this window",
                                          "in this conversation",
                                          "这里",
                                          "這裡",
                                          "此处",
                                          "此處",
                                          "聊天",
                                          "对话框",
                                          "對話框",
                                          "下方",
                                          "下面",
                                          "回复",
                                          "回覆",
                                          "发给",
                                          "發給",
                                          "aquí",
                                          "aqui",
                                          "en el chat",
                                          "por el chat",
                                          "en este chat",
                                          "abajo",
                                          "por aquí",
                                          "por aqui"};

bool ToChat(std::string_view c) {
  return std::any_of(std::begin(kChatHere), std::end(kChatHere),
                     [&](std::string_view f) { return c.find(f) != std::string_view::npos; });
}

bool EnglishRequest(std::string_view c, const Features& f) {
  if (f.Has(kEnglishAskingTag)) return true;
  if (!f.Has(kAsciiTag)) return false;
  const std::vector<Word>& words = AsciiWords(c);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string_view w = words[i].text;
    const bool transfer = InWords(
        w, {"send", "provide", "share", "tell", "give", "paste", "forward", "submit", "dm", "text",
            "reply", "read", "show", "post", "upload", "spell", "whatsapp", "email"});
    const bool enter = InWords(w, {"type", "enter", "input", "write", "put", "fill"});
    if (!transfer && !enter) continue;
    if (enter && !ToChat(c.substr(words[i].pos))) continue;
    const std::string_view prev = i > 0 ? words[i - 1].text : std::string_view();
    const std::string_view prev2 = i > 1 ? words[i - 2].text : std::string_view();
    if (i == 0 || InWords(prev, {"please", "pls", "plz", "kindly", "just", "then", "and", "now",
                                 "also", "simply", "first", "quickly", "you", "u"})) {
      return true;
    }
    if (prev == "to" && InWords(prev2, {"need", "have", "you", "needs", "got"})) return true;
    if (InWords(prev, {"must", "should"}) && prev2 == "you") return true;
  }
  return false;
}

bool ChineseRequest(std::string_view c, const Features& f) {
  // "是多少" alone is a question about anything: only with a possessive, "need" or a secret.
  if (f.Has(kChineseAskingTag) && f.Has(kChineseSecretishTag)) return true;
  if (!f.Has(kChineseVerbTag)) return false;
  static const StemSet verbs(Vec(kChineseVerbs));
  constexpr std::string_view kEnterVerbs[] = {"输入", "輸入", "填写", "填寫", "回复", "回覆"};
  static const StemSet askers({"请",   "請",     "麻烦", "麻煩", "您需要", "你需要", "您要",
                               "你要", "务必",   "務必", "赶紧", "趕緊",   "先",     "可以",
                               "能否", "能不能", "方便", "把",   "将",     "將",     "并",
                               "並",   "再",     "直接", "马上", "馬上",   "立即"});
  static const StemSet statements({"我们会", "我們會", "我们将", "我們將", "系统会",
                                   "系統會", "系统将", "系統將", "银行会", "銀行會",
                                   "会向您", "會向您", "将向您", "將向您", "会给您",
                                   "會給您", "会自动", "會自動", "会发",   "會發"});
  return verbs.ForEach(c, [&](size_t p, std::string_view v) {
    const bool enter =
        std::find(std::begin(kEnterVerbs), std::end(kEnterVerbs), v) != std::end(kEnterVerbs);
    if (enter && !ToChat(c)) return false;
    const std::string_view before = c.substr(0, p);
    if (statements.AnyIn(before)) return false;
    // The verb opens the clause (after spaces or 您/你) or an asking word precedes it.
    std::string_view head = before;
    while (!head.empty() && head.front() == ' ') head.remove_prefix(1);
    if (head.empty() || head == "您" || head == "你") return true;
    return askers.AnyIn(before);
  });
}

bool SpanishRequest(std::string_view c, const Features& f) {
  if (f.Has(kSpanishAskingTag)) return true;
  if (!f.Has(kAsciiTag)) return false;
  const std::vector<Word>& words = AsciiWords(c);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string_view w = words[i].text;
    const bool always = InWords(
        w, {"envíame",        "enviame",     "envíanos",      "envianos",      "envíenos",
            "envienos",       "envíeme",     "envieme",       "mándame",       "mandame",
            "mándanos",       "mandanos",    "proporcióname", "proporcioname", "proporciónanos",
            "proporcionanos", "compártenos", "compartenos",   "compártelo",    "compartelo",
            "dime",           "dinos",       "díganos",       "diganos",       "dígame",
            "digame",         "indícanos",   "indicanos",     "indíquenos",    "indiquenos",
            "facilítanos",    "facilitanos", "pásame",        "pasame",        "pásanos",
            "pasanos",        "escríbenos",  "escribenos",    "escríbeme",     "escribeme"});
    const bool imperative =
        InWords(w, {"envía", "envia", "envíe", "envie", "manda", "mande", "proporciona",
                    "proporcione", "comparte", "comparta", "indica", "indique", "facilita",
                    "facilite", "responde", "responda"});
    const bool enter = InWords(w, {"escribe", "escriba", "ingresa", "ingrese", "introduce",
                                   "introduzca", "pon", "ponga", "teclea", "pega", "pegue"});
    if (!always && !imperative && !enter) continue;
    if (enter && !ToChat(c.substr(words[i].pos))) continue;
    if (always) return true;
    const std::string_view prev = i > 0 ? words[i - 1].text : std::string_view();
    if (i == 0 ||
        InWords(prev, {"favor",   "solo", "sólo",   "ahora",   "luego",   "después", "despues",
                       "primero", "y",    "tú",     "tu",      "usted",   "rápido",  "rapido",
                       "me",      "nos",  "puedes", "podrías", "podrias", "debes",   "que"})) {
      return true;
    }
  }
  return false;
}

bool Requests(std::string_view c, const Features& f) {
  return EnglishRequest(c, f) || ChineseRequest(c, f) || SpanishRequest(c, f);
}

// --- secrets named ---------------------------------------------------------------------

std::optional<SecretKind> NamedSecret(std::string_view c) {
  struct Name {
    std::string_view text;
    SecretKind kind;
    bool word;  // whole ASCII word
  };
  static constexpr Name kNames[] = {
      {"seed phrase", SecretKind::seed_phrase, true},
      {"seed words", SecretKind::seed_phrase, true},
      {"recovery phrase", SecretKind::seed_phrase, true},
      {"secret phrase", SecretKind::seed_phrase, true},
      {"backup phrase", SecretKind::seed_phrase, true},
      {"mnemonic", SecretKind::seed_phrase, true},
      {"12 words", SecretKind::seed_phrase, true},
      {"12-word", SecretKind::seed_phrase, true},
      {"24 words", SecretKind::seed_phrase, true},
      {"24-word", SecretKind::seed_phrase, true},
      {"12 word", SecretKind::seed_phrase, true},
      {"24 word", SecretKind::seed_phrase, true},
      {"word phrase", SecretKind::seed_phrase, true},
      {"recovery words", SecretKind::seed_phrase, true},
      {"wallet phrase", SecretKind::seed_phrase, true},
      {"seed", SecretKind::seed_phrase, true},
      {"助记词", SecretKind::seed_phrase, false},
      {"助記詞", SecretKind::seed_phrase, false},
      {"助记符", SecretKind::seed_phrase, false},
      {"种子短语", SecretKind::seed_phrase, false},
      {"種子短語", SecretKind::seed_phrase, false},
      {"恢复短语", SecretKind::seed_phrase, false},
      {"恢復短語", SecretKind::seed_phrase, false},
      {"frase semilla", SecretKind::seed_phrase, true},
      {"frase de recuperación", SecretKind::seed_phrase, true},
      {"frase de recuperacion", SecretKind::seed_phrase, true},
      {"frase secreta", SecretKind::seed_phrase, true},
      {"palabras de recuperación", SecretKind::seed_phrase, true},
      {"palabras semilla", SecretKind::seed_phrase, true},
      {"semilla", SecretKind::seed_phrase, true},
      {"mnemónico", SecretKind::seed_phrase, true},
      {"private key", SecretKind::private_key, true},
      {"privatekey", SecretKind::private_key, true},
      {"priv key", SecretKind::private_key, true},
      {"keystore", SecretKind::private_key, true},
      {"私钥", SecretKind::private_key, false},
      {"私鑰", SecretKind::private_key, false},
      {"秘钥", SecretKind::private_key, false},
      {"clave privada", SecretKind::private_key, true},
      {"llave privada", SecretKind::private_key, true},
      {"card number", SecretKind::card_number, true},
      {"card details", SecretKind::card_number, true},
      {"卡号", SecretKind::card_number, false},
      {"卡號", SecretKind::card_number, false},
      {"número de tarjeta", SecretKind::card_number, true},
      {"numero de tarjeta", SecretKind::card_number, true},
      {"número de la tarjeta", SecretKind::card_number, true},
      {"datos de la tarjeta", SecretKind::card_number, true},
      {"cvv", SecretKind::cvv, true},
      {"cvc", SecretKind::cvv, true},
      {"security code", SecretKind::cvv, true},
      {"安全码", SecretKind::cvv, false},
      {"安全碼", SecretKind::cvv, false},
      {"código de seguridad", SecretKind::cvv, true},
      {"codigo de seguridad", SecretKind::cvv, true},
      {"one-time password", SecretKind::otp, true},
      {"动态密码", SecretKind::otp, false},
      {"password", SecretKind::password, true},
      {"passwords", SecretKind::password, true},
      {"passcode", SecretKind::password, true},
      {"passwd", SecretKind::password, true},
      {"pin", SecretKind::password, true},
      {"密码", SecretKind::password, false},
      {"密碼", SecretKind::password, false},
      {"口令", SecretKind::password, false},
      {"contraseña", SecretKind::password, true},
      {"contraseñas", SecretKind::password, true},
      {"contrasena", SecretKind::password, true},
      {"clave", SecretKind::password, true},
      {"verification code", SecretKind::otp, true},
      {"code", SecretKind::otp, true},
      {"codes", SecretKind::otp, true},
      {"otp", SecretKind::otp, true},
      {"2fa", SecretKind::otp, true},
      {"验证码", SecretKind::otp, false},
      {"驗證碼", SecretKind::otp, false},
      {"动态码", SecretKind::otp, false},
      {"動態碼", SecretKind::otp, false},
      {"校验码", SecretKind::otp, false},
      {"短信码", SecretKind::otp, false},
      {"código", SecretKind::otp, true},
      {"códigos", SecretKind::otp, true},
      {"codigo", SecretKind::otp, true},
      {"codigos", SecretKind::otp, true},
  };
  // One pass over the clause for all names; the views in the set are those of kNames.
  static const std::vector<std::string_view> texts = [] {
    std::vector<std::string_view> t;
    for (const Name& n : kNames) t.push_back(n.text);
    return t;
  }();
  static const StemSet names(texts);
  std::optional<SecretKind> best;
  names.ForEach(c, [&](size_t p, std::string_view stem) {
    const Name* found = std::find_if(std::begin(kNames), std::end(kNames),
                                     [&](const Name& n) { return n.text.data() == stem.data(); });
    const Name& n = *found;
    if (n.word && !WordAt(c, p, n.text)) return false;
    const std::string_view after = c.substr(p + n.text.size());
    if (n.kind == SecretKind::otp && (n.text == "code" || n.text == "codes")) {
      // "country code", "error code", "anti-phishing code" are not one-time codes.
      size_t e = p;
      while (e > 0 && c[e - 1] == ' ') --e;
      size_t a = e;
      while (a > 0 && (IsAsciiAlpha(c[a - 1]) || c[a - 1] == '-')) --a;
      if (InWords(c.substr(a, e - a),
                  {"country",       "error",          "status",      "zip",
                   "postal",        "area",           "promo",       "referral",
                   "invite",        "invitation",     "coupon",      "discount",
                   "swift",         "bank",           "branch",      "qr",
                   "anti-phishing", "antiphishing",   "phishing",    "tracking",
                   "product",       "reason",         "source",      "dial",
                   "region",        "country/region", "activation",  "voucher",
                   "gift",          "sort",           "transaction", "order",
                   "reference",     "memo",           "tag",         "share"})) {
        return false;
      }
    }
    if ((n.text == "código" || n.text == "codigo" || n.text == "códigos" || n.text == "codigos") &&
        HasAny(after.substr(0, 24),
               {"postal", "de error", "de invitación", "de invitacion", "antiphishing",
                "anti-phishing", "promocional", "de referido", "de país", "de pais", "qr",
                "de seguimiento", "de barras", "swift", "de descuento"})) {
      return false;
    }
    if (n.text == "clave" && (after.starts_with(" privada") || after.starts_with(" pública") ||
                              after.starts_with(" publica"))) {
      return false;
    }
    if (n.kind == SecretKind::card_number &&
        HasAny(c, {"last 4", "last four", "后四位", "後四位", "尾号", "尾號", "末四位", "后4位",
                   "後4位", "últimos 4", "ultimos 4", "últimos cuatro", "ultimos cuatro"})) {
      return false;
    }
    best = n.kind;
    return true;
  });
  return best;
}

// Splits a message into sentences and a sentence into clauses.
bool SentenceBreak(std::string_view s, size_t i, CodePoint c) {
  if (c.cp == '\n' || c.cp == 0x3002 || c.cp == 0xFF01 || c.cp == 0xFF1F || c.cp == '!' ||
      c.cp == '?' || c.cp == ';' || c.cp == 0xFF1B) {
    return true;
  }
  return c.cp == '.' && (i + 1 >= s.size() || s[i + 1] == ' ' || s[i + 1] == '\n');
}
bool ClauseBreak(std::string_view s, size_t i, CodePoint c) {
  if (c.cp == ',' || c.cp == 0xFF0C || c.cp == 0x2014 || c.cp == 0x2013 || c.cp == '(' ||
      c.cp == ')' || c.cp == 0xFF08 || c.cp == 0xFF09) {
    return true;
  }
  return c.cp == '-' && i > 0 && s[i - 1] == ' ' && i + 1 < s.size() && s[i + 1] == ' ';
}

// Stems of every secret name NamedSecret knows: a sentence without any cannot ask for one.
bool MayNameSecret(std::string_view s) {
  static const StemSet stems = {
      "seed",    "phrase",   "mnem", "word", "key",     "card",  "cvv",      "cvc",   "code",
      "pass",    "pin",      "otp",  "2fa",  "semilla", "frase", "palabras", "clave", "llave",
      "tarjeta", "contrase", "digo", "助记", "助記",    "种子",  "種子",     "恢复",  "恢復",
      "私钥",    "私鑰",     "秘钥", "密",   "码",      "碼",    "口令",     "卡号",  "卡號"};
  return stems.AnyIn(s);
}

// One sentence: clauses in order, negations and requests carried forward (see the file comment).
std::optional<SecretKind> SentenceAsks(std::string_view s) {
  bool carry_negation = false;
  bool carry_request = false;
  size_t clause_start = 0;
  for (size_t i = 0; i <= s.size();) {
    const bool at_end = i == s.size();
    const CodePoint c = at_end ? CodePoint{} : DecodeAt(s, i);
    if (!at_end && !ClauseBreak(s, i, c)) {
      i += c.len;
      continue;
    }
    const std::string_view clause = s.substr(clause_start, i - clause_start);
    if (StartsFresh(clause)) {
      carry_negation = false;
      carry_request = false;
    }
    const Features f = Lexicon::Get().Of(clause);
    const bool strong = f.Has(kStrongTag);
    const bool condition = f.Has(kConditionTag);
    const bool negated = strong || condition || f.Has(kWeakTag);
    const bool request = !negated && Requests(clause, f);
    if (!negated && !carry_negation && (request || carry_request)) {
      if (auto kind = NamedSecret(clause)) return kind;
    }
    if (strong || condition) carry_negation = true;
    if (request) carry_request = true;
    if (at_end) break;
    clause_start = i + c.len;
    i += c.len;
  }
  return std::nullopt;
}

}  // namespace

std::optional<SecretKind> FindSecretRequest(std::string_view text) {
  std::string lower = LowerAscii(text);
  // Most messages name no secret at all: one look for the stems of every name ends them.
  if (!MayNameSecret(lower)) return std::nullopt;
  static const StemSet benign(Vec(kBenign));
  std::vector<std::pair<size_t, size_t>> polite;
  benign.ForEach(lower, [&](size_t p, std::string_view b) {
    polite.emplace_back(p, b.size());
    return false;
  });
  for (const auto& [p, n] : polite) lower.replace(p, n, n, ' ');
  const std::string_view s = lower;
  size_t sentence_start = 0;
  for (size_t i = 0; i <= s.size();) {
    const bool at_end = i == s.size();
    const CodePoint c = at_end ? CodePoint{} : DecodeAt(s, i);
    if (at_end || SentenceBreak(s, i, c)) {
      const std::string_view sentence = s.substr(sentence_start, i - sentence_start);
      if (MayNameSecret(sentence)) {
        if (auto kind = SentenceAsks(sentence)) return kind;
      }
      if (at_end) break;
      sentence_start = i + c.len;
    }
    i += at_end ? 1 : c.len;
  }
  return std::nullopt;
}

}  // namespace kefu::bot::internal
