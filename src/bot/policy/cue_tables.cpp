// The keyword tables of the handoff policy. Data only: add a phrase by adding a line, and a case
// to tests/data/bot/policy.tsv that needs it. Conventions are in internal/cue_tables.hpp.
//
// Chinese phrases are simplified (the NLU converts traditional text first). OpenCC turns 帳 into
// 帐, not 账, so phrases that need 账 (账号, 转账) are avoided or listed in both spellings.
#include "bot/policy/internal/cue_tables.hpp"

namespace kefu::bot::policy::internal {
namespace {

// Tables are laid out by hand, one language per block; clang-format would put one phrase a line.
// clang-format off

constexpr bool kShort = true;

// ---------------------------------------------------------------------------------------------
// Security: stolen funds, hacked accounts, lost assets, unauthorized transactions, scams
// suffered. Routes to the security desk even when a FAQ matched.
constexpr Cue kSecurity[] = {
    // zh
    {"被盗"}, {"盗了"}, {"被人盗"}, {"盗号"}, {"盗刷"}, {"盗用"}, {"被偷"}, {"偷了"}, {"偷走"},
    {"被黑"}, {"黑客"}, {"资产丢失"}, {"资产被转"}, {"资金被转"}, {"被转走"}, {"被转出"},
    {"被人转"}, {"转走了我"}, {"被清空"}, {"钱包清空"}, {"余额清空"}, {"被掏空"}, {"丢币"},
    {"币丢了"}, {"资产没了"}, {"不是我操作"}, {"不是我本人操作"}, {"不是本人操作"}, {"非本人操作"},
    {"我没操作"}, {"我没有操作"}, {"本人没有操作"}, {"我没授权"}, {"我没有授权"}, {"未经授权"},
    {"未经我"}, {"没经过我同意"}, {"陌生设备"}, {"异地登录"}, {"被别人登录"}, {"别人登录了"},
    {"别人登了"}, {"有人登录了我"}, {"有人登我"}, {"登我号"}, {"登了我的号"}, {"密码被改"},
    {"密码被修改"}, {"被冒用"}, {"泄露"}, {"泄漏"}, {"被钓鱼"}, {"被骗"}, {"被人骗"}, {"骗了我"},
    {"骗走"}, {"诈骗"}, {"遇到骗子"}, {"举报骗子"}, {"骗子账户"}, {"骗子帐户"}, {"陌生交易"},
    {"陌生扣款"}, {"不明扣款"}, {"不明交易"}, {"莫名其妙被扣"}, {"莫名其妙少了"}, {"莫名其妙转出"},
    {"不是我付"}, {"不是我买"}, {"不是我转"}, {"不是我扣"}, {"扣款不是我"}, {"支付不是我"},
    {"交易不是我"}, {"冒充你们"}, {"举报假"}, {"杀猪盘"}, {"骗子地址"}, {"冻结那个地址"},
    {"冻结骗子"}, {"不翼而飞"}, {"别的地方登录"}, {"别人登录"}, {"被人登录"}, {"有人用我的"},
    {"有人在用我的"}, {"有人转走"}, {"有人动了我的"}, {"被人动了"}, {"被清零"}, {"钱包清零"},
    {"余额清零"},
    // en
    {"hack*"}, {"stolen"}, {"stole"}, {"steal"}, {"stealing"}, {"theft"}, {"robbed"}, {"robbery"},
    {"drained"}, {"drainer"}, {"draining"}, {"unauthorized"}, {"unauthorised"}, {"compromised"},
    {"sim swap*"}, {"someone logged"}, {"someone else logged"}, {"someone accessed"},
    {"someone is using my"}, {"someone used my"}, {"somebody logged"}, {"someone stole"},
    {"someone took my"}, {"someone emptied"}, {"someone sent my"}, {"someone changed my"},
    {"someone withdrew"}, {"someone moved"}, {"someone is moving"}, {"someone transferred"},
    {"someone is sending"}, {"dont recognize"}, {"dont recognise"}, {"do not recognize"},
    {"do not recognise"}, {"didnt send"}, {"did not send"}, {"didnt withdraw"},
    {"did not withdraw"}, {"cloned"}, {"unknown device"}, {"unknown login"}, {"unrecognized login"},
    {"unrecognised login"}, {"suspicious login"}, {"suspicious transaction"}, {"unknown charge"},
    {"unknown transaction"}, {"unknown payment"}, {"strange charge"}, {"strange transaction"},
    {"i didnt make"}, {"didnt make this"}, {"didnt authorize"}, {"didnt authorise"},
    {"did not authorize"}, {"did not authorise"}, {"never authorized"}, {"never authorised"},
    {"wasnt me"}, {"was not me"}, {"not made by me"}, {"without my permission"},
    {"without my consent"}, {"without permission"}, {"without my knowledge"}, {"without me"},
    {"password was changed"}, {"password has been changed"}, {"password got changed"},
    {"password changed"}, {"task scam"}, {"investment scam"}, {"romance scam"}, {"pig butchering"},
    {"scam lost"}, {"report fake"}, {"pretending to be you"}, {"scammers address"},
    {"scammer address"}, {"fraudulent*"}, {"fraud on my"}, {"report fraud"}, {"scammed"},
    {"scammer took"}, {"scammer stole"}, {"scammers took"}, {"scammers stole"},
    {"report a scammer"}, {"report a scam"}, {"report scam"}, {"report the scam"}, {"scam report"},
    {"phished"}, {"emptied"}, {"wiped out"}, {"cleaned out"}, {"leaked"}, {"lost all my"},
    {"lost all of my"}, {"lost my funds"}, {"lost my money"}, {"lost my crypto"}, {"lost my coins"},
    {"lost my usdt"}, {"lost my assets"}, {"lost my savings"}, {"lost everything"},
    // es
    {"robaron"}, {"robado"}, {"robada"}, {"robados"}, {"robadas"}, {"robo"}, {"me roban"},
    {"ladrón"}, {"vaciaron"}, {"vaciada"}, {"vaciado"}, {"no autorizad*"}, {"sin mi permiso"},
    {"sin permiso"}, {"sin mi autorización"}, {"sin autorización"}, {"sin mi consentimiento"},
    {"no fui yo"}, {"no lo hice yo"}, {"yo no hice"}, {"que no hice"}, {"no reconozco"},
    {"cargo desconocido"}, {"cobro desconocido"}, {"pago desconocido"}, {"operación desconocida"},
    {"transacción desconocida"}, {"movimiento desconocido"}, {"dispositivo desconocido"},
    {"inicio de sesión desconocido"}, {"alguien entró"}, {"alguien accedió"},
    {"alguien inició sesión"}, {"alguien está usando mi"}, {"alguien usó mi"}, {"alguien se llevó"},
    {"alguien retiró"}, {"alguien movió"}, {"alguien está moviendo"}, {"alguien transfirió"},
    {"alguien mandó"}, {"clonaron"}, {"clonada"}, {"yo no envié"}, {"que no envié"},
    {"yo no retiré"}, {"que no retiré"}, {"alguien sacó"}, {"alguien me robó"}, {"me estafaron"},
    {"fui estafado"}, {"fui estafada"}, {"me han estafado"}, {"estafaron"}, {"estafador"},
    {"denunciar una estafa"}, {"denunciar estafa"}, {"reportar una estafa"}, {"reportar estafa"},
    {"denunciar un fraude"}, {"se filtró"}, {"filtraron"}, {"filtrada"}, {"filtrado"},
    {"comprometida"}, {"comprometido"}, {"suplantación"}, {"me cambiaron la contraseña"},
    {"cambiaron mi contraseña"}, {"me cambiaron la clave"}, {"perdí todo mi dinero"},
    {"perdí todo"}, {"perdí mis fondos"}, {"perdí mis criptos"}, {"perdí mis ahorros"},
    {"me sacaron dinero"}, {"me sacaron plata"}, {"sacaron mis"}, {"sacaron dinero"},
    {"cobro raro"}, {"cargo raro"}, {"movimiento raro"}, {"estafa de inversión"},
    {"estafa de tareas"}, {"de la estafa"}, {"denunciar soporte falso"}, {"reportar soporte falso"},
    {"se hizo pasar por ustedes"}, {"la wallet en cero"}, {"la billetera en cero"},
    {"la cuenta en cero"},
};
// "My money is gone" is theft — unless the message explains a loss the customer caused or a
// deposit/withdrawal that is merely late; then the FAQ or the L2 rule handles it.
constexpr Cue kSecurityWeak[] = {
    {"钱没了"}, {"币没了"}, {"u没了"}, {"余额没了"}, {"钱不见了"}, {"币不见了"}, {"资产不见了"},
    {"余额少了"}, {"钱少了"}, {"余额变少"}, {"is gone"}, {"are gone"}, {"money gone"},
    {"funds gone"}, {"coins gone"}, {"all gone"}, {"disappeared"}, {"vanished"},
    {"balance went down"}, {"balance dropped"}, {"desapareció mi"}, {"desaparecieron mis"},
    {"mi saldo bajó"}, {"no está mi dinero"}, {"me quitaron"},
};
constexpr std::string_view kSecuritySuppressors[] = {
    "转错", "填错", "选错", "复制错", "写错", "输错", "错地址", "地址错", "错链", "错网络",
    "链选错", "充", "冲值", "提现", "提币", "退款", "手续费", "显示", "链上有", "wrong", "deposit*",
    "withdraw*", "withdrew", "refund*", "display*", "showing", "shows", "explorer", "fee", "fees",
    "top up", "topup", "topped up", "cash out", "mistake", "by accident", "equivocad*", "depósit*",
    "deposit*", "retir*", "reembols*", "devolución", "comisión*", "aparece", "recarg*", "por error",
};
constexpr std::string_view kSecurityExceptions[] = {
    "被黑名单", "hackathon",
};

// ---------------------------------------------------------------------------------------------
// Complaints, refund disputes, compensation, escalation to a manager or a regulator.
constexpr Cue kComplaint[] = {
    // zh
    {"投诉"}, {"投拆"}, {"客诉"}, {"赔偿"}, {"索赔"}, {"赔钱"}, {"退款纠纷"}, {"纠纷"}, {"维权"},
    {"12315"}, {"消协"}, {"消费者协会"}, {"银保监"}, {"金融监管"}, {"监管部门"}, {"人民银行"},
    {"黑猫"}, {"曝光你们"}, {"起诉"}, {"律师"}, {"法院"}, {"找你们领导"}, {"你们领导"}, {"找领导"},
    {"叫领导"}, {"上级"}, {"经理"}, {"主管"}, {"报警"}, {"不满意"},
    // en
    {"complaint"}, {"complaints"}, {"complain"}, {"complaining"}, {"compensation"}, {"compensate"},
    {"chargeback"}, {"charge back"}, {"refund dispute"}, {"dispute"}, {"disputes"}, {"manager"},
    {"supervisor"}, {"ombudsman"}, {"regulator"}, {"regulators"}, {"report you"}, {"lawyer"},
    {"lawyers"}, {"lawsuit"}, {"sue"}, {"legal action"}, {"consumer protection"}, {"bbb"},
    {"better business bureau"}, {"police"}, {"not happy with"}, {"not satisfied"}, {"unhappy with"},
    {"dissatisfied"},
    // es
    {"queja"}, {"quejas"}, {"quejarme"}, {"quejar"}, {"me quejo"}, {"reclamación"},
    {"reclamaciones"}, {"reclamo"}, {"reclamar"}, {"indemnización"}, {"indemnizar"},
    {"compensación"}, {"compensar"}, {"contracargo"}, {"disputa"}, {"gerente"}, {"encargado"},
    {"abogado"}, {"abogados"}, {"demanda"}, {"demandar"}, {"profeco"}, {"defensa del consumidor"},
    {"denunciarlos"}, {"los voy a denunciar"}, {"policía"}, {"no estoy conforme"},
    {"no estoy satisfecho"}, {"no estoy satisfecha"}, {"inconforme"},
};
constexpr std::string_view kComplaintExceptions[] = {
    "客户经理", "password manager", "account manager", "alta demanda",
};

// ---------------------------------------------------------------------------------------------
// Anger and distress: apologise and hand over.
constexpr Cue kAnger[] = {
    // zh
    {"骗子"}, {"骗钱"}, {"骗人"}, {"垃圾"}, {"气死"}, {"什么破"}, {"破软件"}, {"破app"}, {"破平台"},
    {"破系统"}, {"破玩意"}, {"坑人"}, {"坑爹"}, {"坑钱"}, {"黑心"}, {"黑平台"}, {"太差"}, {"差劲"},
    {"无语"}, {"恶心"}, {"妈的"}, {"他妈"}, {"tmd"}, {"尼玛"}, {"卧槽"}, {"我靠"}, {"傻逼"},
    {"废物"}, {"搞什么"}, {"什么玩意"}, {"急死"}, {"快崩溃"}, {"要崩溃"}, {"我崩溃"}, {"烦死"},
    {"太烂"}, {"烂透"}, {"跑路"}, {"忍无可忍"}, {"受不了"}, {"生气"}, {"愤怒"}, {"太过分"},
    {"过分了"}, {"救命"}, {"求求你们"}, {"耍我"}, {"流氓"}, {"强盗"}, {"不要脸"}, {"欺负人"},
    {"不靠谱"}, {"靠点谱"}, {"差评"}, {"真差"}, {"很差"}, {"好差"},
    // en
    {"scammers"}, {"scamming"}, {"is a scam"}, {"are a scam"}, {"youre a scam"}, {"total scam"},
    {"such a scam"}, {"what a scam"}, {"complete scam"}, {"scam app"}, {"scam company"},
    {"scam platform"}, {"scam exchange"}, {"scam wallet"}, {"scam site"}, {"scam", kShort},
    {"fraud"}, {"frauds"}, {"useless"}, {"ridiculous"}, {"angry"}, {"furious"}, {"pissed"}, {"wtf"},
    {"the hell"}, {"fuck*"}, {"shit"}, {"shitty"}, {"bullshit"}, {"damn"}, {"terrible"},
    {"horrible"}, {"awful"}, {"worst"}, {"pathetic"}, {"garbage"}, {"trash"}, {"rubbish"},
    {"unacceptable"}, {"fed up"}, {"sick of"}, {"disgusting"}, {"incompetent"}, {"idiot"},
    {"idiots"}, {"stupid bot"}, {"stupid app"}, {"so stupid"}, {"are stupid"}, {"frustrated"},
    {"frustrating"}, {"annoyed"}, {"annoying"}, {"desperate"}, {"panicking"}, {"freaking out"},
    {"outrageous"}, {"thieves"}, {"liars"}, {"crooks"}, {"rip off"}, {"ripoff"}, {"clowns"},
    {"i hate"},
    // es
    {"una estafa"}, {"qué estafa"}, {"estafadores"}, {"estafa", kShort}, {"basura"}, {"ridículo"},
    {"ridícula"}, {"inútil"}, {"inútiles"}, {"harto"}, {"harta"}, {"hartos"}, {"enojado"},
    {"enojada"}, {"enfadado"}, {"enfadada"}, {"furioso"}, {"furiosa"}, {"molesto"}, {"pésimo"},
    {"pésima"}, {"pésimos"}, {"mierda"}, {"carajo"}, {"joder"}, {"porquería"}, {"ladrones"},
    {"rateros"}, {"desesperado"}, {"desesperada"}, {"no sirve para nada"}, {"no sirven para nada"},
    {"vergüenza"}, {"asco"}, {"chafa"}, {"inaceptable"}, {"el colmo"}, {"idiotas"}, {"estúpidos"},
    {"tomadura de pelo"}, {"burla"},
};
constexpr std::string_view kAngerExceptions[] = {
    "垃圾币", "垃圾代币", "垃圾短信", "垃圾邮件", "垃圾箱", "信号太差", "网络太差", "网太差",
    "信号很差", "网络很差", "信号真差", "网络真差", "信号好差", "网络好差", "scam report",
    "report a scam", "report scam", "report the scam", "report fraud", "fraud on my",
};

// ---------------------------------------------------------------------------------------------
// Explicit requests for a human.
constexpr Cue kHuman[] = {
    // zh
    {"转人工"}, {"人工客服"}, {"人工服务"}, {"人工坐席"}, {"人工"}, {"真人"}, {"活人"}, {"找客服"},
    {"联系客服"}, {"转客服"}, {"要客服"}, {"叫客服"}, {"接客服"}, {"在线客服"}, {"客服电话"},
    {"电话客服"}, {"客服热线"}, {"客服号码"}, {"客服呢"}, {"客服出来"}, {"客服在吗"},
    {"客服在不在"}, {"有人吗"}, {"有没有人"}, {"有人在吗"}, {"人呢"}, {"找个人"}, {"换个人"},
    {"不要机器人"}, {"不想跟机器人"}, {"别用机器人"}, {"机器人听不懂"}, {"听不懂人话"},
    {"是机器人吗"}, {"客服客服"}, {"客服", kShort},
    // en
    {"human"}, {"humans"}, {"real person"}, {"real human"}, {"live person"}, {"live agent"},
    {"live chat"}, {"real agent"}, {"human agent"}, {"actual person"}, {"representative"},
    {"agent please"}, {"agent pls"}, {"agent now"}, {"an agent"}, {"want agent"}, {"need agent"},
    {"rep", kShort}, {"operator", kShort}, {"agent", kShort}, {"agents", kShort},
    {"person", kShort}, {"talk to someone"}, {"speak to someone"}, {"speak with someone"},
    {"talk with someone"}, {"talk to somebody"}, {"speak to somebody"}, {"talk to a person"},
    {"speak to a person"}, {"speak with a person"}, {"talk to an agent"}, {"speak to an agent"},
    {"speak with an agent"}, {"talk to agent"}, {"speak to agent"}, {"chat with an agent"},
    {"chat with a person"}, {"connect me to"}, {"connect me with"}, {"transfer me to"},
    {"put me through"}, {"get me an agent"}, {"get me someone"}, {"need an agent"},
    {"want an agent"}, {"need a person"}, {"want a person"}, {"call me"}, {"call back"},
    {"phone support"}, {"customer service number"}, {"support number"}, {"support phone"},
    {"contact support"}, {"talk to support"}, {"speak to support"}, {"speak with support"},
    {"talk to customer service"}, {"speak to customer service"}, {"speak with customer service"},
    {"contact customer service"}, {"not a bot"}, {"no bot"}, {"stop the bot"},
    {"bot doesnt understand"}, {"you dont understand"},
    // es
    {"humano"}, {"humana"}, {"persona real"}, {"persona de verdad"}, {"quiero una persona"},
    {"necesito una persona"}, {"con una persona"}, {"quiero un agente"}, {"necesito un agente"},
    {"con un agente"}, {"pásame un agente"}, {"hablar con alguien"}, {"hablar con soporte"},
    {"pásame con"}, {"pásame a"}, {"comunicarme con"}, {"comunícame con"}, {"contactar soporte"},
    {"contactar con soporte"}, {"quiero un asesor"}, {"con un asesor"}, {"asesor humano"},
    {"asesor", kShort}, {"operador", kShort}, {"agente por favor"}, {"asesor por favor"},
    {"persona por favor"}, {"agente", kShort}, {"persona", kShort}, {"atención humana"},
    {"número de atención"}, {"número de soporte"}, {"teléfono de soporte"},
    {"teléfono de atención"}, {"llamar a soporte"}, {"que me llamen"}, {"no quiero un bot"},
    {"no quiero hablar con un bot"}, {"no eres humano"}, {"el bot no me entiende"},
    {"no me entiendes"}, {"no entiendes"},
};
constexpr std::string_view kHumanExceptions[] = {
    "人工智能", "人工审核", "人工复核", "人工审查", "人工核实", "人工处理中", "非人工",
    "人工客服工作时间", "人工客服几点", "人工客服上班", "人工客服下班", "人工客服时间", "人工几点",
    "人工上班", "人工下班", "人工时间", "真人认证", "真人验证", "真人识别", "human verification",
    "human error", "假客服", "官方客服", "冒充客服", "客服让", "客服要我", "客服打电话",
};
// Asking WHEN humans are available ("客服几点上班", "周末有人工吗", "is support open on
// sundays") is a question for the business-hours answer, not a request to be handed over.
constexpr Cue kAvailability[] = {
    {"几点"}, {"时间"}, {"上班"}, {"下班"}, {"营业"}, {"晚上"}, {"半夜"}, {"凌晨"}, {"周末"},
    {"节假日"}, {"假期"}, {"24小时"}, {"工作日"}, {"星期"}, {"周六"}, {"周日"}, {"hours"}, {"open"},
    {"opening"}, {"weekend"}, {"weekends"}, {"holiday*"}, {"24 7"}, {"night"}, {"midnight"},
    {"what time"}, {"sunday*"}, {"saturday*"}, {"horario"}, {"horas"}, {"abren"}, {"cierran"},
    {"fin de semana"}, {"fines de semana"}, {"festivo*"}, {"noche"}, {"madrugada"}, {"domingo*"},
    {"sábado*"}, {"24 horas"},
};

// ---------------------------------------------------------------------------------------------
// L3, on their own: the app or the chain is broken.
constexpr Cue kTechnical[] = {
    // zh
    {"闪退"}, {"报错"}, {"崩溃"}, {"白屏"}, {"黑屏"}, {"卡死"}, {"死机"}, {"打不开"}, {"无法打开"},
    {"启动不了"}, {"加载不出来"}, {"加载失败"}, {"错误码"}, {"错误代码"}, {"系统错误"},
    {"系统异常"}, {"服务器错误"}, {"服务器异常"}, {"节点"},
    // en (also matched inside Chinese and Spanish text)
    {"bug"}, {"bugs"}, {"buggy"}, {"glitch*"}, {"crash"}, {"crashes"}, {"crashed"}, {"crashing"},
    {"force close*"}, {"error code"}, {"server error"}, {"internal error"}, {"blank screen"},
    {"white screen"}, {"black screen"}, {"freezes"}, {"keeps freezing"}, {"app froze"},
    {"screen froze"}, {"wont open"}, {"doesnt open"}, {"wont load"}, {"doesnt load"},
    {"not loading"}, {"wont start"}, {"doesnt start"}, {"rpc"}, {"node error"}, {"node"}, {"nonce"},
    {"timeout"}, {"timed out"},
    // es
    {"se cierra sola"}, {"se cierra"}, {"se cae"}, {"se traba"}, {"la app se congela"},
    {"se congela la app"}, {"se queda congelada"}, {"pantalla congelada"}, {"se queda colgada"},
    {"pantalla en blanco"}, {"pantalla blanca"}, {"pantalla negra"}, {"no abre"}, {"no carga"},
    {"no arranca"}, {"código de error"}, {"error del servidor"}, {"error interno"},
    {"falla técnica"}, {"fallo técnico"}, {"nodo"}, {"tiempo de espera agotado"},
};
constexpr std::string_view kTechnicalExceptions[] = {
    "快崩溃", "要崩溃", "我崩溃", "心态崩溃",
};

// L3 together with chain context: a transaction stuck on chain.
constexpr Cue kStuck[] = {
    {"卡住"}, {"卡在"}, {"卡着"}, {"卡了"}, {"未确认"}, {"待确认"}, {"没确认"}, {"没有确认"},
    {"不确认"}, {"打包中"}, {"一直在打包"}, {"堵住"}, {"堵塞"}, {"一直不动"}, {"stuck"},
    {"pending"}, {"unconfirmed"}, {"not confirming"}, {"not confirmed"}, {"hasnt confirmed"},
    {"no confirmation"}, {"atascad*"}, {"se atascó"}, {"trabad*"}, {"se trabó"}, {"pendiente"},
    {"sin confirmar"}, {"no se confirma"}, {"no confirma"}, {"colgad*"},
};
constexpr std::string_view kStuckExceptions[] = {
    "绑卡了", "银行卡了", "信用卡了", "换卡了", "储蓄卡了",
};
constexpr Cue kChainContext[] = {
    {"交易"}, {"链上"}, {"上链"}, {"转币"}, {"转u"}, {"提币"}, {"充币"}, {"矿工费"}, {"燃料费"},
    {"哈希"}, {"区块"}, {"钱包转账"}, {"钱包转帐"}, {"打包"}, {"主网"}, {"以太坊"}, {"比特币"},
    {"波场"}, {"tx"}, {"txn"}, {"txid"}, {"transaction"}, {"transactions"}, {"blockchain"},
    {"chain"}, {"onchain"}, {"on chain"}, {"gas"}, {"hash"}, {"crypto"}, {"usdt"}, {"eth"}, {"btc"},
    {"bnb"}, {"trx"}, {"erc20"}, {"trc20"}, {"bep20"}, {"mempool"}, {"block"}, {"blocks"},
    {"wallet"}, {"token"}, {"tokens"}, {"coin"}, {"coins"}, {"transacción"}, {"transacciones"},
    {"cadena"}, {"cripto"}, {"criptos"}, {"billetera"}, {"monedas"},
};

// ---------------------------------------------------------------------------------------------
// L2: a KYC, bank-card or withdrawal failure that needs someone to look at the account.
constexpr Cue kAccountDomain[] = {
    {"实名"}, {"认证"}, {"身份验证"}, {"身份认证"}, {"kyc"}, {"人脸"}, {"刷脸"}, {"证件"},
    {"身份证"}, {"绑卡"}, {"绑定银行卡"}, {"银行卡"}, {"添加银行卡"}, {"加卡"}, {"信用卡"},
    {"储蓄卡"}, {"提现"}, {"提币"}, {"取现"}, {"出金"}, {"提u"}, {"提款"}, {"verification"},
    {"verify"}, {"verified"}, {"identity"}, {"id check"}, {"selfie"}, {"face scan"}, {"card"},
    {"cards"}, {"withdraw*"}, {"withdrew"}, {"cash out"}, {"cashout"}, {"cashed out"}, {"payout"},
    {"verificación"}, {"verificar"}, {"identidad"}, {"documento"}, {"dni"}, {"tarjeta"},
    {"tarjetas"}, {"vincular"}, {"retir*"}, {"sacar dinero"}, {"sacar mi dinero"},
};
constexpr Cue kFailure[] = {
    {"失败"}, {"不通过"}, {"没通过"}, {"未通过"}, {"没过"}, {"过不去"}, {"被拒"}, {"拒绝"},
    {"驳回"}, {"过不了"}, {"不成功"}, {"没成功"}, {"绑不上"}, {"绑不了"}, {"加不了"}, {"添加不上"},
    {"提不了"}, {"提不出"}, {"被退回"}, {"报错"}, {"不行"}, {"出错"}, {"异常"}, {"failed"},
    {"fail"}, {"fails"}, {"failing"}, {"failure"}, {"rejected"}, {"rejecting"}, {"rejects"},
    {"declined"}, {"denied"}, {"unsuccessful"}, {"not approved"}, {"wont go through"},
    {"didnt go through"}, {"doesnt go through"}, {"cant pass"}, {"wont link"}, {"wont add"},
    {"wont work"}, {"not working"}, {"doesnt work"}, {"didnt work"}, {"error"}, {"cant"},
    {"cannot"}, {"unable to"}, {"bounced"}, {"falló"}, {"fallido"}, {"fallida"}, {"falla"},
    {"fallando"}, {"fallan"}, {"fallaron"}, {"no pasa"}, {"no pasó"}, {"rechaz*"}, {"denegad*"},
    {"no puedo"}, {"no me deja"}, {"no funciona"}, {"no se pudo"}, {"no sale"},
};
constexpr Cue kMoney[] = {
    {"扣了"}, {"扣款"}, {"扣钱"}, {"被扣"}, {"已扣"}, {"钱扣"}, {"扣除了"}, {"没退"}, {"没有退"},
    {"未退"}, {"不退"}, {"没返还"}, {"没有返还"}, {"没回来"}, {"钱没了"}, {"钱也没了"},
    {"钱不见了"}, {"余额少了"}, {"少了钱"}, {"deducted"}, {"debited"}, {"money left"},
    {"left my account"}, {"left my balance"}, {"taken from"}, {"took the money"}, {"not returned"},
    {"not refunded"}, {"never returned"}, {"never came back"}, {"didnt come back"},
    {"hasnt come back"}, {"not back"}, {"charged"}, {"money is gone"}, {"money gone"},
    {"balance went down"}, {"lost the money"}, {"money disappeared"}, {"descontaron"},
    {"descontado"}, {"descontada"}, {"me cobraron"}, {"cobrado"}, {"cobraron"}, {"debitado"},
    {"debitaron"}, {"no me devolvieron"}, {"no me lo devolvieron"}, {"no volvió"}, {"no ha vuelto"},
    {"no regresó"}, {"no se devolvió"}, {"no me regresaron"}, {"salió de mi cuenta"},
    {"salió el dinero"}, {"se fue el dinero"}, {"me quitaron"}, {"sin devolver"},
};
constexpr Cue kPersistence[] = {
    {"一直"}, {"总是"}, {"老是"}, {"多次"}, {"好几次"}, {"几次"}, {"反复"}, {"再次"}, {"又失败"},
    {"又被"}, {"又没"}, {"两次"}, {"三次"}, {"第二次"}, {"每次"}, {"始终"}, {"还是不"}, {"屡次"},
    {"连续"}, {"keeps"}, {"keep"}, {"kept"}, {"again"}, {"still"}, {"repeatedly"},
    {"multiple times"}, {"several times"}, {"many times"}, {"times"}, {"every time"}, {"always"},
    {"twice"}, {"over and over"}, {"for days"}, {"second time"}, {"third time"}, {"fourth time"},
    {"2nd time"}, {"3rd time"}, {"4th time"}, {"otra vez"}, {"de nuevo"}, {"varias veces"},
    {"muchas veces"}, {"veces"}, {"sigue"}, {"siguen"}, {"sigo"}, {"siempre"}, {"cada vez"},
    {"nuevamente"}, {"todavía"}, {"una y otra vez"}, {"segunda vez"}, {"tercera vez"},
    {"cuarta vez"},
};

// ---------------------------------------------------------------------------------------------
constexpr std::string_view kErrorCodeLeads[] = {
    // Not "code" or "验证码" alone: customers quote one-time codes too.
    "error", "err", "error code", "错误码", "错误代码", "报错", "错误", "故障码",
};

constexpr std::string_view kLatinNegators[] = {
    "not", "no", "never", "dont", "didnt", "doesnt", "wasnt", "werent", "isnt", "arent", "havent",
    "hasnt", "hadnt", "neither", "nor", "nobody", "nunca", "jamas", "tampoco", "ni", "nadie",
};
constexpr std::string_view kLatinFillers[] = {
    "been", "be", "being", "get", "got", "gotten", "getting", "ever", "even", "really", "actually",
    "have", "has", "had", "was", "were", "is", "am", "are", "it", "a", "an", "the", "to", "talk",
    "speak", "want", "need", "with", "for", "any", "yet", "me", "te", "le", "lo", "la", "se", "nos",
    "ha", "han", "he", "hemos", "sido", "fue", "fui", "es", "esta", "estaba", "estoy", "era",
    "quiero", "necesito", "hablar", "con", "un", "una", "mi", "su", "nada", "realmente",
};
constexpr std::string_view kChineseNegators[] = {
    "并没有", "不需要", "没有", "不是", "并非", "不用", "不要", "无需", "不必", "不想", "没", "未",
    "不", "别",
};
// Ordinary words that end in a one-character negator: "人脸识别三次" is not "别 三次",
// "要不转人工吧" ("how about a human") is not "不 转人工".
constexpr std::string_view kChineseNonNegators[] = {
    "识别", "辨别", "区别", "分别", "特别", "告别", "级别", "类别", "性别", "个别", "离别", "差别",
    "判别", "鉴别", "要不", "对不", "差不", "埋没", "出没",
};
constexpr std::string_view kChineseFillers[] = {
    "我", "的", "是", "被", "说", "要", "想", "用", "有",
};
constexpr std::string_view kHypothetical[] = {
    "防止", "预防", "避免", "以防", "防范", "怎么防", "如何防", "防骗", "防诈", "反诈", "如果",
    "万一", "假如", "识别", "辨别", "怎么判断", "如何判断", "会不会", "prevent", "prevention",
    "avoid", "avoiding", "protect", "protecting", "safe from", "what if", "in case",
    "what happens if", "how to spot", "how do i spot", "spot a", "identify", "recognize",
    "recognise", "how to tell", "how can i tell", "can my account be", "could my account be",
    "can i get hacked", "can someone hack", "is it safe", "prevenir", "evitar", "evito", "proteger",
    "protejo", "protegerme", "en caso de", "qué pasa si", "cómo reconozco", "reconocer",
    "identificar", "cómo detectar", "cómo saber si", "es seguro",
};

// clang-format on

}  // namespace

const CueTable& SecurityTable() {
  static const CueTable table{"security",           kSecurity,
                              kSecurityExceptions,  kSecurityWeak,
                              kSecuritySuppressors, /*hypothetical_blocks=*/true};
  return table;
}
const CueTable& ComplaintTable() {
  static const CueTable table{"complaint", kComplaint, kComplaintExceptions};
  return table;
}
const CueTable& AngerTable() {
  static const CueTable table{"anger",
                              kAnger,
                              kAngerExceptions,
                              {},
                              {},
                              /*hypothetical_blocks=*/true};
  return table;
}
const CueTable& HumanTable() {
  static const CueTable table{"human", kHuman, kHumanExceptions};
  return table;
}
const CueTable& AvailabilityTable() {
  static const CueTable table{"availability", kAvailability};
  return table;
}
const CueTable& TechnicalTable() {
  static const CueTable table{"technical", kTechnical, kTechnicalExceptions};
  return table;
}
const CueTable& StuckTable() {
  static const CueTable table{"stuck", kStuck, kStuckExceptions};
  return table;
}
const CueTable& ChainContextTable() {
  static const CueTable table{"chain", kChainContext};
  return table;
}
const CueTable& AccountDomainTable() {
  static const CueTable table{"account_domain", kAccountDomain};
  return table;
}
const CueTable& FailureTable() {
  static const CueTable table{"failure", kFailure};
  return table;
}
const CueTable& MoneyTable() {
  static const CueTable table{"money", kMoney};
  return table;
}
const CueTable& PersistenceTable() {
  static const CueTable table{"persistence", kPersistence};
  return table;
}

std::span<const std::string_view> ErrorCodeLeads() { return kErrorCodeLeads; }
std::span<const std::string_view> LatinNegators() { return kLatinNegators; }
std::span<const std::string_view> LatinFillers() { return kLatinFillers; }
std::span<const std::string_view> ChineseNegators() { return kChineseNegators; }
std::span<const std::string_view> ChineseFillers() { return kChineseFillers; }
std::span<const std::string_view> ChineseNonNegators() { return kChineseNonNegators; }
std::span<const std::string_view> HypotheticalCues() { return kHypothetical; }

}  // namespace kefu::bot::policy::internal
