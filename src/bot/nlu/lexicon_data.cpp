// The domain synonym lexicon, kept as data. One concept per line:
//
//   LANG CANONICAL = VARIANT | VARIANT | …
//
// LANG is zh, en or es. CANONICAL may be followed by a cross-language concept in parentheses,
// `zh 提现 (withdraw) = …`, shared with the en/es concept of that name (en canonicals are
// their own concept), so that entries of one topic in several languages share a feature.
// Text is in normalised form (simplified Chinese, lower case); en/es
// variants may be phrases of up to four words and are matched without accents, on whole words.
// A match adds the concept "CANONICAL" as a feature beside the words themselves (en/es), or
// rewrites the variant to CANONICAL before character n-grams are taken (zh), so that 提币失败 and
// 提现失败 share every n-gram. The canonical form is itself a variant. `#` starts a comment.
//
// To add a synonym, add it here and run the NLU tests; nothing else changes.
#include <string_view>

namespace kefu::bot::nlu::internal {

extern const std::string_view kLexiconData;

const std::string_view kLexiconData = R"LEXICON(
# ---- Chinese: wallet and payment operations ----
zh 提现 (withdraw) = 取现 | 提币 | 提款 | 出金 | 取款 | 提取 | 提出来 | 取出来 | 拿出来 | 转出到银行卡 | 提到银行卡
zh 充值 (topup) = 入金 | 充币 | 存钱 | 存款 | 充钱 | 充进去 | 打钱进来 | 充進 | 加钱
zh 实名 (kyc) = kyc | 身份认证 | 实名认证 | 身份验证 | 认证身份 | 人脸认证 | 刷脸 | 人脸识别 | 实名制 | 身份核验
zh 绑卡 (bindcard) = 添加银行卡 | 绑定银行卡 | 绑银行卡 | 加银行卡 | 添加卡 | 绑定卡 | 关联银行卡
zh 转账 (transfer) = 转帐 | 汇款 | 转钱 | 打款 | 转币 | 转给 | 付款给
zh 登录 (login) = 登陆 | 登入 | 登不上 | 上不去 | 进不去
zh 到账 (arrive) = 入账 | 到帐 | 入帐 | 未到账 | 没到账
zh 密码 (password) = 口令 | 密碼
zh 账号 (account) = 帐号 | 账户 | 帐户 | 户口
zh 验证码 (code) = 验正码 | 校验码 | 短信码 | 动态码 | 验证吗 | otp
zh 手续费 (fee) = 费用 | 服务费 | 收费 | 手续費 | 扣费
zh 冻结 (frozen) = 封号 | 被封 | 风控 | 冻住
zh 注册 (register) = 开户 | 注删 | 开通账户 | 开个户
zh 注销 (close) = 销户 | 删除账号 | 关闭账户 | 不想用了
zh 客服 (human) = 人工 | 人工客服 | 真人 | 转人工
zh 失败 (failed) = 不成功 | 不了 | 没成功 | 出错 | 报错 | 不行
zh 退款 (refund) = 退钱 | 退回 | 返还
zh 地址 (address) = 钱包地址 | 收款地址 | 充值地址
zh 助记词 (seed) = 恢复短语 | 种子短语 | 备份短语
zh 私钥 = 秘钥 | 密钥
zh 被盗 (stolen) = 被偷 | 盗号 | 被黑 | 丢币 | 资产丢失 | 少了钱 | 钱没了 | 被骗
zh 限额 (limit) = 额度 | 上限 | 最多能
zh 银行卡 (card) = 储蓄卡 | 信用卡 | 借记卡
zh 手机号 (phone) = 手机号码 | 电话号码
zh 多久 (howlong) = 多长时间 | 多少时间 | 要多久 | 几天
zh 怎么 = 如何 | 咋 | 怎样 | 怎么样 | 咋整 | 怎么办
zh 交易 (transaction) = 订单 | 转账记录 | 交易记录
zh 网络 (network) = 主网 | 公链 | 链上 | erc20 | trc20 | bep20
zh 谷歌验证 (2fa) = 谷歌验证器 | 二次验证 | 双重验证 | 两步验证 | 身份验证器 | 2fa | 动态口令
zh 解锁 (unlock) = 解封 | 解冻 | 解除锁定 | 解除限制
zh 锁定 (locked) = 锁住 | 被锁 | 锁了
zh 等级 (tier) = 级别 | 一类户 | 二类户 | 三类户 | 账户等级
zh 标签 (memo) = memo | tag | 备注 | 数字标签
zh 矿工费 (gas) = gas | gas费 | 燃料费 | 网络费
zh 客服 (human) = 官方客服 | 工作人员
zh 未成年 (minor) = 未满18岁 | 不满18岁 | 学生
zh 外籍 (foreigner) = 外国人 | 外籍人士 | 护照
zh 卡住 (pending) = 一直处理中 | 处理中 | 待处理 | 审核中 | 没反应 | 卡着
# ---- English ----
en withdraw = withdraw | withdrawal | withdrawals | withdrawing | withdrew | cash out | cashout | take out | take money out | payout | pay out
en topup = top up | topup | top-up | topping up | topped up | add money | add funds | load money | load funds | fund my account | put money in
en deposit = deposit | deposits | deposited | depositing
en kyc = kyc | identity verification | verify my identity | verify identity | id verification | verify my id | identity check | identity | id check
en bindcard = link card | link a card | link my card | add card | add a card | add my card | link bank card | add bank card | bind card
en transfer = transfer | transfers | transferred | transferring | send money | sent money | wire | remittance | remit
en login = login | log in | logging in | sign in | signin | signing in | logon | log on
en arrive = arrive | arrived | arrival | received | receive | credited | show up | showed up | reflected | come through | gone through | went through
en password = password | passcode | pass word | pwd | pin
en account = account | acount | accnt | acc
en code = code | otp | verification code | sms code | one time code | one time password | 2fa code
en fee = fee | fees | charge | charges | charged | commission | cost
en frozen = frozen | freeze | suspended | restricted | restriction | banned
en locked = locked | locked out | lockout | lock
en unlock = unlock | unblock | unlocked | unfreeze | lift
en 2fa = 2fa | two factor | two-factor | authenticator | google authenticator | 2 step | two step | mfa
en tier = tier | tiers | level | levels | account level
en network = network | chain | blockchain | erc20 | trc20 | bep20
en memo = memo | tag | destination tag
en gas = gas | gas fee | gas price | network fee | miner fee
en minor = under 18 | minor | underage | teenager | student
en foreigner = foreigner | foreign | passport | non resident
en app = app | application | version | crash | crashes | crashing
en hours = business hours | working hours | opening hours | weekends | weekend | holidays
en register = register | registration | sign up | signup | signing up | create an account | open an account | open account
en close = close my account | delete my account | delete account | close account | cancel my account | terminate account | deactivate | deactivate account | deactivate my account
en refund = refund | refunded | money back | reimburse | reimbursement | chargeback | charge back
en stolen = stolen | hacked | compromised | scammed | lost money | missing funds | drained
en lost = lost | lose | misplaced | cant find | cannot find | missing
en atm = atm | cash machine | cashpoint | cash point
en card = card | debit card | bank card | visa | mastercard
en phone = phone | phone number | mobile | mobile number | cell | cellphone
en cancel = cancel | cancelled | canceled | cancellation | revert | reverse | undo
en failed = failed | fail | failing | declined | rejected | denied | didnt work | doesnt work | not working | unsuccessful | error | wont go through
en pending = pending | stuck | processing | on hold | still waiting | waiting
en howlong = how long | how much time | how many days | when will
en exchange = exchange rate | exchange | conversion | convert | currency
en limit = limit | limits | maximum | max | cap
en balance = balance | how much money | funds available
en address = address | wallet address | deposit address
en seed = seed phrase | recovery phrase | mnemonic | secret phrase | backup phrase | 12 words | 24 words | twelve words | recovery words
en human = human | agent | real person | representative | operator | live chat | customer service
en hello = hi | hello | hey | good morning | good evening
en thanks = thanks | thank you | thx | ty | appreciate it
# ---- Spanish (matched without accents) ----
es retiro (withdraw) = retiro | retiros | retirar | retire | retirada | sacar dinero | sacar mi dinero | sacar | cobrar
es recarga (topup) = recarga | recargar | recargas | depositar | deposito | depositos | ingresar dinero | cargar saldo | meter dinero | fondear
es kyc (kyc) = kyc | verificacion de identidad | verificar identidad | verificar mi identidad | verificacion | identidad
es vincular (bindcard) = vincular tarjeta | agregar tarjeta | anadir tarjeta | asociar tarjeta | vincular mi tarjeta | agregar mi tarjeta
es transferencia (transfer) = transferencia | transferir | transferi | enviar dinero | envie dinero | mandar dinero | giro | remesa
es login (login) = iniciar sesion | inicio de sesion | entrar | ingresar | acceder | loguear | login
es llegar (arrive) = llego | llegado | llega | acreditado | acreditar | reflejado | recibi | recibido | recibir
es contrasena (password) = contrasena | clave | password | contrasenas
es codigo (code) = codigo | codigo de verificacion | otp | sms | mensaje de texto
es comision (fee) = comision | comisiones | cargo | cobro | tarifa | costo
es bloqueo (frozen) = bloqueada | bloqueado | bloqueo | congelada | congelado | suspendida | suspendido | restringida
es registro (register) = registro | registrarme | registrar | crear cuenta | crear una cuenta | abrir cuenta | abrir una cuenta
es reembolso (refund) = reembolso | devolucion | devolver | reintegro | me devuelvan
es robo (stolen) = robaron | robo | hackeada | hackearon | estafa | estafaron | perdi mi dinero
es fallo (failed) = fallo | fallido | fallida | error | rechazado | rechazada | no funciona | no puedo | no me deja
es pendiente (pending) = pendiente | atascado | atascada | procesando | en proceso | esperando
es humano (human) = humano | agente | persona | asesor | operador
es cuenta (account) = cuenta | cuentas
es tarjeta (card) = tarjeta | tarjetas | tarjeta bancaria | tarjeta de debito | tarjeta de credito
es telefono (phone) = telefono | celular | movil | numero de telefono
es cuanto_tiempo (howlong) = cuanto tiempo | cuanto tarda | cuantos dias | cuando
es saldo (balance) = saldo | balance
es direccion (address) = direccion | direccion de billetera | direccion de la billetera
es 2fa (2fa) = 2fa | doble factor | dos pasos | autenticador | google authenticator | verificacion en dos pasos
es desbloquear (unlock) = desbloquear | desbloqueo | desbloquea | levantar
es nivel (tier) = nivel | niveles | categoria
es red (network) = red | cadena | blockchain | erc20 | trc20 | bep20
es memo (memo) = memo | etiqueta | tag
es semilla (seed) = frase semilla | 12 palabras | 24 palabras | frase de recuperacion | palabras de recuperacion | mnemonica
)LEXICON";

}  // namespace kefu::bot::nlu::internal
