// A test-only stand-in for nlu::Normalise, enough to feed the wallet evaluation set
// (tests/data/bot/wallet_eval.tsv) to the policy before the NLU's normaliser is linked here:
// traditional → simplified for the characters the test data uses (derived from OpenCC t2s and
// checked against it when the data was written), then the policy's own folding (case, width,
// accents, punctuation). A new traditional character in the data that is missing here shows up
// as a failing zh-TW check in policy_test.cpp.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "bot/policy/internal/scan.hpp"

namespace kefu::bot::policy::testing {

inline constexpr std::pair<std::string_view, std::string_view> kTraditionalToSimplified[] = {
    {"丟", "丢"}, {"來", "来"}, {"個", "个"}, {"們", "们"}, {"傳", "传"}, {"儲", "储"},
    {"冊", "册"}, {"凍", "冻"}, {"刪", "删"}, {"嗎", "吗"}, {"實", "实"}, {"審", "审"},
    {"帳", "帐"}, {"幣", "币"}, {"幫", "帮"}, {"幾", "几"}, {"後", "后"}, {"戶", "户"},
    {"換", "换"}, {"敗", "败"}, {"時", "时"}, {"會", "会"}, {"機", "机"}, {"殼", "壳"},
    {"沒", "没"}, {"為", "为"}, {"現", "现"}, {"盜", "盗"}, {"碼", "码"}, {"積", "积"},
    {"簡", "简"}, {"紀", "纪"}, {"結", "结"}, {"綁", "绑"}, {"續", "续"}, {"聽", "听"},
    {"薦", "荐"}, {"處", "处"}, {"號", "号"}, {"裡", "里"}, {"見", "见"}, {"訊", "讯"},
    {"記", "记"}, {"設", "设"}, {"訴", "诉"}, {"註", "注"}, {"詞", "词"}, {"話", "话"},
    {"認", "认"}, {"誤", "误"}, {"說", "说"}, {"調", "调"}, {"講", "讲"}, {"證", "证"},
    {"護", "护"}, {"買", "买"}, {"費", "费"}, {"賣", "卖"}, {"轉", "转"}, {"辦", "办"},
    {"選", "选"}, {"還", "还"}, {"銀", "银"}, {"錄", "录"}, {"錢", "钱"}, {"錯", "错"},
    {"鎖", "锁"}, {"鏈", "链"}, {"門", "门"}, {"閃", "闪"}, {"電", "电"}, {"預", "预"},
    {"額", "额"}, {"餘", "余"}, {"驗", "验"}, {"麼", "么"},
};

// True when `text` contains a character of the table above.
inline bool HasTraditional(std::string_view text) {
  return std::any_of(std::begin(kTraditionalToSimplified), std::end(kTraditionalToSimplified),
                     [&](const auto& p) { return text.find(p.first) != std::string_view::npos; });
}

inline std::string TestNormalise(std::string_view text) {
  std::string out(text);
  for (const auto& [from, to] : kTraditionalToSimplified) {
    for (size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos)) {
      out.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return internal::FoldForMatching(out);
}

}  // namespace kefu::bot::policy::testing
