//! The core's message table: the Simplified Chinese sentence the clerk reads for every
//! [`ErrorCode`], and the few sentence templates that carry data. No other file of the core
//! holds clerk-facing text for errors.

use crate::domain::intake::{
    AttachmentProblem, DecisionProblem, DeferProblem, FieldProblem, IntakeError, PartyProblem,
};
use crate::error::ErrorCode;

impl ErrorCode {
    /// The clerk-facing sentence for this code.
    pub fn message(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::Config => "工作站配置有误，请联系运维人员。",
            C::Store => "本地数据库出错，请联系运维人员。",
            C::Instance => "工作站程序状态异常，请联系运维人员。",
            C::Sync => "数据同步失败，数据已保存在本机，稍后自动重试。",
            C::Keystore => "本机数据密钥不可用，请联系运维人员。",
            C::Blob => "材料文件库读写失败，请联系运维人员。",
            C::DataDir => "本机数据目录不可用，请联系运维人员。",
            C::ConfigRead => "无法读取工作站配置文件。",
            C::ConfigSyntax => "工作站配置文件格式错误（不是有效的 TOML）。",
            C::ConfigKeyMissing => "缺少必填配置项",
            C::ConfigKeyUnknown => "有无法识别的配置项",
            C::ConfigKeyWrongType => "配置项类型不正确",
            C::ConfigKeyBadValue => "配置项取值无效",
            C::ConfigInsecureUrl => {
                "中心服务地址必须使用 https://（仅本机地址 127.0.0.1、::1、localhost 可用 http://）"
            }
            C::StoreSqlite => "本地数据库读写失败，请联系运维人员。",
            C::StoreMigration => "本地数据库升级失败，原数据未改动，请联系运维人员。",
            C::StoreWrongKey => {
                "本地数据库无法用本机密钥打开（密钥不符或文件损坏），请联系运维人员。"
            }
            C::StoreEncrypt => "本地数据库加密升级失败，原数据未改动，请联系运维人员。",
            C::StoreTooNew => "本地数据库由更新版本的工作站创建，请升级本程序后再使用。",
            C::InstanceAlreadyRunning => {
                "一窗受理工作站已在本机运行，不能同时打开两个。请切换到已打开的窗口。"
            }
            C::InstanceIo => "无法创建运行锁文件，请检查数据目录的权限。",
            C::DataDirDenied => {
                "当前系统账户无权在本机数据目录中建立自己的目录（Linux 上该账户须在 yichuang 组中），请运维人员处理后重新登录系统。"
            }
            C::DataDirUnsafe => {
                "本机数据目录中以当前账户命名的目录不归当前账户所有或不是普通目录，为保护数据已拒绝使用，请联系运维人员。"
            }
            C::DataDirIo => "无法建立本机数据目录，请检查磁盘空间或联系运维人员。",
            C::KeystoreRandom => "系统随机数不可用，无法生成数据密钥，请联系运维人员。",
            C::KeystoreKeyMissing => {
                "找不到本地数据库的密钥（系统密钥库与备用密钥文件中均没有），数据无法打开，请联系运维人员。"
            }
            C::KeystoreFile => "数据密钥文件无法读写，请联系运维人员。",
            C::KeystoreOs => "系统密钥库不可用，请联系运维人员。",
            C::BlobIo => "材料文件读写失败，请检查磁盘空间或联系运维人员。",
            C::BlobCorrupt => "材料文件已损坏，无法读取，请重新采集。",
            C::BlobNotFound => "材料文件不存在，请重新采集。",
            C::BlobBadName => "材料文件编号无效。",
            C::CatalogRead => "事项目录文件无法读取，请联系运维人员。",
            C::CatalogInvalid => "事项目录数据不完整，请联系运维人员。",
            C::ScanNoPages => "该材料还没有拍摄页面。",
            C::ScanBadPage => "材料页面图像已损坏，请重新拍摄该页。",
            C::Internal => "操作异常中止，请重试。",

            C::StoreWrite => "本地数据库写入失败，请联系运维人员。",
            C::StoreUnavailable => "本地数据库不可用，请联系运维人员。",
            C::StoreAudit => "操作记录（审计日志）写入失败，请联系运维人员。",

            C::LoginClient => "登录组件初始化失败，请联系运维人员。",
            C::LoginOtherKey => "这不是锁定前使用的UKey，请插入本人的UKey。",
            C::LoginSignatureInvalid => "UKey签名验证失败，请确认使用的是本人的UKey。",
            C::LoginOfflineNoGrant => {
                "无法连接中心服务，且本机没有该证书的有效离线授权。请在联网时登录一次后再离线使用。"
            }
            C::LoginOfflineGrantInvalid => "本机的离线授权已过期或无效，请在联网时重新登录。",
            C::LoginNoSession => "当前没有已登录的工作人员，请登录。",
            C::LoginBadRequest => "登录请求格式错误，请联系运维人员。",
            C::LoginChallengeInvalid => "登录请求已过期，请重试。",
            C::LoginCertMalformed => "证书格式错误，请检查UKey。",
            C::LoginCertUnsupported => "不支持该证书的密钥算法。",
            C::LoginCertUntrusted => "证书不是受信任的CA签发。",
            C::LoginCertExpired => "证书已过期或尚未生效。",
            C::LoginCertRevoked => "证书已被吊销。",
            C::LoginCertNotBound => "该证书未绑定工作人员账号，请联系管理员。",
            C::LoginUnauthorized => "登录已失效，请重新登录。",
            C::LoginSessionEnded => {
                "中心服务已终止您的登录（证书已解绑或账号已停用），当前办件已暂存，请重新登录。"
            }
            C::LoginOfflineRevoked => {
                "您的账号或证书已不在中心服务最近下发的工作人员名单中，不能离线登录，请联系管理员。"
            }
            C::EnrollNoBackend => "本工作站未配置中心服务地址（backend.url），无法注册。",
            C::EnrollCodeEmpty => "请输入运维人员提供的注册码。",
            C::EnrollUnreachable => "无法连接中心服务，注册未完成，请检查网络后重试。",
            C::EnrollRefused => {
                "中心服务拒绝了注册：注册码无效、已使用或已过期，请向管理员重新申请注册码。"
            }
            C::EnrollDeskMismatch => {
                "注册码所属的大厅或窗口与本机配置不符，请核对注册码或本机配置（hall.code、window.number）。"
            }
            C::EnrollStore => "注册信息无法保存到本机（系统密钥库或数据目录不可写），请联系运维人员。",
            C::EnrollKeyMissing => {
                "本工作站的注册密钥或注册记录缺失或损坏，请运维人员用新的注册码重新注册本工作站。"
            }
            C::NotEnrolled => "本工作站尚未注册，不能连接中心服务。请运维人员用注册码注册本工作站。",
            C::LoginRefused => "中心服务拒绝了登录请求，请联系运维人员。",

            C::UkeyNoKey => "请插入UKey。",
            C::UkeyModuleMissing => "UKey驱动未安装或无法加载，请联系运维人员。",
            C::UkeyRemoved => "UKey已被拔出，请重新插入。",
            C::UkeyPinIncorrect => "PIN码错误，请重新输入。",
            C::UkeyPinLocked => "PIN码已锁定，请联系管理员解锁。",
            C::UkeyPinInvalid => "PIN码格式不正确。",
            C::UkeyNotLoggedIn => "UKey尚未验证PIN码，请先输入PIN码。",
            C::UkeyCertNotFound => "UKey中没有可用的证书。",
            C::UkeyCertExpired => "UKey中的证书已过期。",
            C::UkeyCertNotYetValid => "UKey中的证书尚未生效。",
            C::UkeyUnsupported => "UKey证书的算法不受支持。",
            C::UkeySignFailed => "UKey签名失败，请重试。",
            C::UkeyBadData => "UKey返回的数据无法识别，请重试。",
            C::UkeyMisconfigured => "UKey配置与设备不符，请联系运维人员。",
            C::UkeyFault => "UKey故障，请联系运维人员。",
            C::UkeyNotInstalled => "本窗口未配置UKey，无法登录，请联系运维人员。",
            C::UkeyNewPinLength => "新PIN码长度应为6至16位。",
            C::UkeyNewPinSameAsOld => "新PIN码不能与原PIN码相同。",
            C::UkeyNewPinTrivial => "新PIN码不能全部是同一个数字或字符，请设置不易猜到的PIN码。",
            C::UkeyNewPinMismatch => "两次输入的新PIN码不一致，请重新输入。",

            C::IdCardNotConnected => "身份证读卡器未连接，请检查连接线后重试。",
            C::IdCardOpenFailed => "身份证读卡器无法打开，可能被其他程序占用或驱动未安装。",
            C::IdCardTimeout => "身份证读卡器无响应，请重试；多次失败请联系运维人员。",
            C::IdCardProtocol => "身份证读卡器通信异常（数据校验失败），请重试。",
            C::IdCardNeedsAttention => "身份证读卡器需要处理，请按提示操作。",
            C::IdCardDeviceFault => "身份证读卡器故障，请联系运维人员。",
            C::IdCardMisconfigured => "身份证读卡器配置与设备不符，请联系运维人员检查端口和参数。",
            C::IdCardSample => "没有这种示例证件。",
            C::IdCardUnknownSample => "未知的样例证件。",
            C::IdCardNotSimulated => "身份证读卡器不是模拟设备。",
            C::IdCardNotInstalled => "本窗口未配置身份证读卡器。",
            C::IdCardPhotoDecoderMissing => "证件照片解码组件无法加载，请联系运维人员检查解码组件的安装。",
            C::IdCardPhotoDecoderFailed => "证件照片解码失败（解码组件异常），请核对证件原件上的照片；其他信息不受影响。",
            C::IdCardPhotoDecoderTimeout => "证件照片解码超时（解码组件无响应），请核对证件原件上的照片；其他信息不受影响。",

            C::ReceiptPrinterNotConnected => "小票打印机未连接，请检查连接线后重试。",
            C::ReceiptPrinterOpenFailed => "小票打印机无法打开，可能被其他程序占用或驱动未安装。",
            C::ReceiptPrinterTimeout => "小票打印机无响应，请重试；多次失败请联系运维人员。",
            C::ReceiptPrinterProtocol => "小票打印机通信异常（数据校验失败），请重试。",
            C::ReceiptPrinterNeedsAttention => "小票打印机需要处理，请按提示操作。",
            C::ReceiptPrinterDeviceFault => "小票打印机故障，请联系运维人员。",
            C::ReceiptPrinterMisconfigured => {
                "小票打印机配置与设备不符，请联系运维人员检查端口和参数。"
            }
            C::ReceiptPrinterSimulator => "无法启动模拟小票打印机。",
            C::ReceiptPrinterDriver => "小票打印机的接入方式配置不正确。",
            C::ReceiptPrinterNotSimulated => "小票打印机不是模拟设备。",
            C::ReceiptPrinterFault => "没有这种模拟故障。",
            C::ReceiptPrinterNotInstalled => "本窗口未配置小票打印机。",

            C::A4PrinterNotConnected => "A4打印机未连接，请检查连接线后重试。",
            C::A4PrinterOpenFailed => "A4打印机无法打开，可能被其他程序占用或驱动未安装。",
            C::A4PrinterTimeout => "A4打印机无响应，请重试；多次失败请联系运维人员。",
            C::A4PrinterProtocol => "A4打印机通信异常（数据校验失败），请重试。",
            C::A4PrinterNeedsAttention => "A4打印机需要处理，请按提示操作。",
            C::A4PrinterDeviceFault => "A4打印机故障，请联系运维人员。",
            C::A4PrinterMisconfigured => "A4打印机配置与设备不符，请联系运维人员检查端口和参数。",
            C::A4PrinterDriver => "A4打印机的接入方式配置不正确（应为 spooler）。",
            C::A4PrinterSimulator => "模拟A4打印机无法保存文件。",
            C::A4PrinterNotInstalled => "本窗口未配置A4打印机。",

            C::CameraNotConnected => "高拍仪未连接，请检查USB连接线后重试。",
            C::CameraOpenFailed => "高拍仪无法打开，可能被其他程序占用或驱动未安装。",
            C::CameraTimeout => "高拍仪无响应，请重试；多次失败请联系运维人员。",
            C::CameraProtocol => "高拍仪通信异常（数据校验失败），请重试。",
            C::CameraNeedsAttention => "高拍仪需要处理，请按提示操作。",
            C::CameraDeviceFault => "高拍仪故障，请联系运维人员。",
            C::CameraMisconfigured => "高拍仪配置与设备不符，请联系运维人员检查参数。",
            C::CameraNotSimulated => "高拍仪不是模拟设备。",
            C::CameraNotPreviewing => "高拍仪预览未开启，请先开始预览。",
            C::CameraNoPage => "该页面已删除。",
            C::CameraNoPages => "尚未拍摄任何页面，请先拍摄。",
            C::CameraPdf => "拍摄的页面无法合成PDF，请重新拍摄。",
            C::CameraPage => "页面图像无法处理，请重新拍摄。",
            C::CameraNotInstalled => "本窗口未配置高拍仪。",
            C::CameraSimAction => "模拟高拍仪的操作无效。",
            C::CameraTransport => "高拍仪画面获取失败，请重试。",
            C::CameraPersonalCodeInvalid => "身份码无法识别，请重新扫码或读卡。",
            C::CameraPersonalCodeUnsigned => {
                "该身份码没有签发平台的签名，不能作为身份凭证，请改用身份证读卡。"
            }
            C::CameraPersonalCodeBadSignature => {
                "身份码签名验证未通过（非受信平台签发或内容被改动），请改用身份证读卡。"
            }
            C::CameraPersonalCodeExpired => "身份码已过期，请申请人刷新身份码或改用身份证读卡。",
            C::CameraCodeUnknown => "二维码内容无法识别，请手动选择事项。",

            C::ScannerNotSimulated => "扫码枪不是模拟设备。",
            C::ScannerNotSerial => "本窗口未配置串口扫码枪。",

            C::SimctlUnauthorized => "模拟设备控制口令不正确或缺失，命令未执行。",

            C::IntakeNoSession => "请先登录后再办理业务。",
            C::IntakeLocked => "工作站已锁定，请插入UKey解锁后继续。",
            C::IntakeCatalog => "事项目录无法读取，请联系运维人员。",
            C::IntakeNoCard => "请将身份证放到读卡器上。",
            C::IntakeCardStale => "读卡信息已过期，请重新读取身份证。",
            C::IntakeCardExpired => "身份证已过期，不能作为申请人身份证件。如属法律允许的情形，请选择“例外受理”并填写原因。",
            C::IntakeOverrideReason => "请填写例外受理的原因（2至100字）。",
            C::IntakeNoBlobStore => {
                "材料文件库不可用（本机数据密钥未读取），无法保存材料文件，请联系运维人员。"
            }
            C::IntakeUnknownItem => "事项目录中没有该事项。",
            C::IntakeUnknownCase => "找不到该办件，可能已被删除或不属于本人。",
            C::IntakeSituation => "请先完成情形选择。",
            C::IntakeField => "表单填写有误，请检查后重试。",
            C::IntakeParty => "申请人信息有误，请检查后重试。",
            C::IntakeMaterialsMissing => "必要材料未收齐。请收齐后受理，或选择容缺受理/补正补齐。",
            C::IntakeNotDeferrable => "不能容缺受理。",
            C::IntakeDecision => "受理决定不完整，请检查后重试。",
            C::IntakeNoticeNotPrinted => "请先打印与本次决定一致的通知书，再确认决定。",
            C::IntakeWrongState => "该办件当前状态不能进行此操作。",
            C::IntakeReasonRequired => "请填写原因。",
            C::IntakeCardNotRead => "身份证尚未在本窗口读取，请先读卡。",
            C::IntakeCodeNotRead => "身份码尚未在本窗口扫描，请重新扫码或读卡。",
            C::IntakeStore => "本地数据库读写失败，本次操作未保存，请重试或联系运维人员。",
            C::IntakeCorrupt => "办件数据已损坏，无法读取，请联系运维人员。",
            C::IntakeExport => "导出文件无法写入，请检查磁盘空间和目录权限。",
            C::IntakeIdSearchNeedsCard => "按身份证号查询须先在本次登录中读取该证件。",
            C::IntakeAttachment => "材料文件无法处理，请重试。",
            C::QueueNotConfigured => "本窗口未启用排队叫号。",
            C::QueueNoSession => "叫号需要在线登录，请重新登录。",
            C::QueueUnreachable => "无法连接排队叫号服务，请稍后重试；收件和评价不受影响。",
            C::QueueRefused => "排队叫号服务拒绝了本次操作。",
            C::QueueTicketUnknown => "今天没有这个号码，请核对号码。",
            C::QueueTicketDone => "该号码已办结或过号超时，不能再呼叫。",
            C::QueueEmpty => "当前没有等候的号码。",
            C::QueueDeskBusy => "本窗口还有正在办理的号码，请先结束服务。",
            C::QueueDeskIdle => "本窗口当前没有正在办理的号码。",
            C::QueueWindowPaused => "本窗口已暂停服务，请先恢复服务再叫号。",
            C::QueueGroupUnknown => "没有这个业务类别，请检查排队设置。",
            C::QueueTransferNeedsGroup => "本网点只有本窗口叫号，只能转到其他业务类别。",
            C::QueueReasonRequired => "请填写暂停原因（60字以内）。",
            C::QueueStore => "叫号数据未能保存到本机数据库，请重试或联系运维人员。",
            C::VisitNoneWaiting => "当前没有等待评价的服务。",
            C::VisitReasonRequired => "请选择不满意的原因。",
            C::VisitStore => "评价未能保存到本机数据库，请重试或联系运维人员。",
            C::IssueNothingChosen => "请先勾选要领取的办件结果。",
            C::IssueTrackingNo => "请填写或扫描快递单号（6–40 位字母或数字）。",
            C::IssueLockerCode => "请填写智能柜取件码（4–12 位字母或数字）。",
            C::IssueNotHeldHere => "无法连接中心服务，离线时只能发放本机受理的办件。",
            C::IssueNotReady => "该办件结果尚未制证，不能领取。",
            C::IssueAlreadyDone => "该办件结果已被领取。",
            C::IssuePersonMismatch => {
                "领取人不是申请人或受理时登记的领取人；代领须勾选「持授权委托书」并拍摄委托书。"
            }
            C::IssueStore => "领取记录未能保存到本机数据库，本次未登记，请重试或联系运维人员。",
            C::IssueRefused => "中心服务拒绝了本次领取。",
            C::IssueUnreachable => "无法连接中心服务，仅显示本机受理的办件，离线登记的领取联网后自动上报。",
            C::LicenceNoCard => "请先读取办事人身份证，再查询电子证照（禁止手工输入证件号码查询）。",
            C::LicenceCardStale => "读卡已超过30分钟，请重新读取办事人身份证后再查询电子证照。",
            C::LicenceUnreachable => "电子证照库暂时无法访问，可继续收取纸质材料。",
            C::LicenceRefused => "中心服务拒绝了本次电子证照查询。",
            C::LicenceInvalid => "电子证照查询的信息有误（如统一社会信用代码校验位不符），请核对。",
            C::LicenceNotValid => "该电子证照已失效，不能代替纸质材料，请收取纸质材料。",
            C::LicenceNotForItem => "该材料或事项没有可用的电子证照类型，请收取纸质材料。",
            C::LicenceOtherHolder => "最近读取的身份证不是本件申请人的，请读取申请人本人的身份证后再查询电子证照。",
            C::LicenceNoPreview => "OFD 版式文件暂不能在窗口预览和验章，请下载后用版式阅读器查看。",
            C::LicenceSaveFailed => "电子证照文件保存失败，请检查数据目录的磁盘空间和权限。",
            C::AssistNoCard => "请先读取办事人身份证，再申请部门协查（禁止手工输入证件号码）。",
            C::AssistInvalid => "协查申请的信息有误（如未填写所需证明、统一社会信用代码校验位不符），请核对。",
            C::AssistUnreachable => "无法连接中心服务，协查申请已保存在本机，联网后自动发送。",
            C::AssistRefused => "中心服务拒绝了本次协查操作。",
            C::AssistStore => "协查记录未能保存到本机数据库，本次未登记，请重试或联系运维人员。",
            C::AssistNotSealed => "该协查证明尚未盖章，不能接收。",
            C::AssistSealInvalid => "协查证明的电子印章未通过验证，不能作为申请材料。",
            C::AssistNotPdf => "证明文件须为PDF格式。",
            C::FlowNothingChosen => "请先勾选要流转或签收的办件。",
            C::FlowNotPending => "所选办件没有待流转的纸质材料，或已在其他流转单中。",
            C::FlowMixedDepartments => "一张流转单只能送往一个部门，请按接收部门分别发起。",
            C::FlowUnknown => "没有找到该流转单，请核对流转单号。",
            C::FlowAlreadySigned => "所选办件的材料已签收，无需重复签收。",
            C::FlowStore => "物料流转记录未能保存到本机数据库，本次未登记，请重试或联系运维人员。",
            C::FlowRefused => "中心服务拒绝了本次物料流转操作。",
            C::FlowUnreachable => "无法连接中心服务，只能查询和签收本机发起的流转单，签收记录联网后自动上报。",
            C::UpdateNotConfigured => {
                "本工作站未配置中心服务地址、未注册或未配置更新签名公钥，不检查更新。"
            }
            C::UpdateNothing => "没有已校验的新版本，请先检查更新并下载。",
            C::UpdateUnreachable => "无法连接中心服务检查或下载更新，稍后将自动重试。",
            C::UpdateRefused => "中心服务拒绝了本次更新请求。",
            C::UpdateCorrupt => "下载的更新包不完整或与发布信息不符，已删除，请重新下载。",
            C::UpdateSignatureInvalid => {
                "更新包签名无效（不是本大厅信任的发布密钥签发，或文件已被篡改），已拒绝并删除。"
            }
            C::UpdateClaimMismatch => {
                "更新包签名注明的平台或版本与中心服务发布的信息不符，已拒绝并删除。"
            }
            C::UpdateDowngrade => "更新包的版本不高于当前版本，不能降级，已拒绝并删除。",
            C::UpdateStore => "更新包无法保存到本机，请检查磁盘空间或联系运维人员。",
            C::UpdateInstall => "无法启动安装程序，请联系运维人员手动安装。",
            C::DiagnosticsNotSent => {
                "诊断包已保存在本机，暂未上传到中心服务；中心服务恢复连接后自动上传。"
            }
            C::DiagnosticsWrite => "诊断包无法生成（写入本机失败），请检查磁盘空间或联系运维人员。",
            C::PermissionDenied => "您没有办理此项操作的权限，请联系管理员。",
            C::PermissionItemOutOfScope => "该事项不属于您的部门和岗位，不能办理。",
            C::IntakeBlob => "材料文件无法保存，请联系运维人员。",
            C::IntakeNotInstant => "该事项不是即办件，不能当场办结，须转后台审批。",
            C::IntakeConcluded => "该办件已办结，不能再次办结或撤回。",
            C::IntakeWithdrawRequest => {
                "撤件须先用高拍仪拍摄申请人签字的撤件申请，请拍摄后再确认撤回。"
            }

            C::DocumentFont => "文书字体缺失或已损坏，无法生成文书，请联系运维人员。",
            C::DocumentQr => "案件编号过长，无法生成二维码。",
            C::DocumentTable => "文书表格数据不完整，无法生成文书。",
            C::DocumentTooTall => "文书中有一项内容过长，一页放不下，请精简后重试。",

            C::SyncStatusUnreadable => "无法读取本机待同步数据，请联系运维人员。",
            C::SyncNotConfigured => "本工作站未配置中心服务地址，数据仅保存在本机，无法同步。",
            C::SyncNotStarted => "同步服务未能启动（本地数据库或数据密钥不可用），请联系运维人员。",
            C::SyncNetwork => {
                "无法连接中心服务（网络中断或服务未启动），数据已保存在本机，恢复后自动上传。"
            }
            C::SyncServer => "中心服务暂时出错，数据已保存在本机，稍后自动重试。",
            C::SyncThrottled => "中心服务繁忙，稍后自动重试。",
            C::SyncRefused => "中心服务拒收了该记录，请联系运维人员。",
            C::SyncRequestRefused => "中心服务拒绝了本工作站的请求，请联系运维人员检查工作站登记、服务地址和网络代理；待同步数据已保存在本机，稍后自动重试。",
            C::SyncRetryParked => "重新提交被拒收的记录失败，请稍后再试或联系运维人员。",
            C::SyncProtocol => "中心服务的应答无法识别，稍后自动重试；如持续出现请联系运维人员。",
            C::SyncStore => "本地数据库读写失败，同步暂停，请联系运维人员。",
            C::SyncBlob => "材料文件读取失败，无法上传，请联系运维人员。",
            C::SealNotConfigured => "本窗口未配置电子印章UKey，无法盖章，请联系运维人员。",
            C::SealNoKey => "未检测到本部门的电子印章UKey，请插入印章UKey。",
            C::SealNoCertificate => "印章UKey中没有可用于盖章的签名证书，请联系印章管理员。",
            C::SealCertExpired => "印章证书已过期，不能盖章，请联系印章管理员更新证书。",
            C::SealCertNotYetValid => "印章证书尚未生效，不能盖章。",
            C::SealPinIncorrect => "印章PIN码错误，请重新输入。",
            C::SealPinLocked => "印章PIN码已锁定，不能盖章，请联系印章管理员解锁。",
            C::SealPinInvalid => "印章PIN码格式不正确（应为6至16位）。",
            C::SealDocumentRefused => {
                "该文档不是可盖章的PDF文件（格式错误、已加密或不完整），未盖章。"
            }
            C::SealDocumentTooLarge => "文档超过64MB，无法盖章或核验。",
            C::SealUnsigned => "该文档没有电子签章。",
            C::SealDocumentUnreadable => "文档格式错误或不完整，无法核验其中的电子签章。",
            C::TlsUntrusted => "中心服务的证书不受信任（不是本大厅CA签发），已拒绝连接，请联系运维人员检查服务器证书和工作站配置 backend.ca_file。",
            C::TlsPinMismatch => "中心服务的证书指纹与工作站配置 backend.pin_sha256 不符，已拒绝连接，请联系运维人员。",
            C::TlsInvalid => "中心服务的证书无效（已过期、域名不符或格式错误），已拒绝连接，请联系运维人员。",
            C::TlsCaFile => "工作站配置的大厅CA证书文件 backend.ca_file 无法使用，请联系运维人员。",
        }
    }
}

/// 「请插入 {name} 的UKey后再输入PIN码解锁。」 — unlocking with another clerk's key absent.
pub fn insert_own_key(name: &str) -> String {
    format!("请插入 {name} 的UKey后再输入PIN码解锁。")
}

/// 「印章PIN码错误，还可尝试 n 次…」: a wrong seal PIN with the tries the key has left.
pub fn seal_pin_incorrect(retries_left: Option<u32>) -> String {
    match retries_left {
        Some(n) => format!("印章PIN码错误，还可尝试{n}次；次数用完后印章UKey将被锁定。"),
        None => ErrorCode::SealPinIncorrect.message().to_string(),
    }
}

/// 「注册码属于 … 号窗口，而本机配置为 …」: an enrollment code made for another desk.
pub fn enroll_desk_mismatch(enrolled: &str, configured: &str) -> String {
    format!(
        "注册码属于工作站 {enrolled}，而本机配置为工作站 {configured}（大厅代码-窗口号）。请核对注册码或本机配置（hall.code、window.number）。"
    )
}

/// Why a record was parked: its stored JSON is unreadable.
pub const PARKED_LOCAL_INVALID: &str = "本机记录内容损坏，无法上传，请联系运维人员";
/// Why a record was parked: the server refused it without saying why.
pub const PARKED_REFUSED: &str = "中心服务拒收该记录";
pub const PARKED_TOO_LARGE: &str =
    "该记录超过中心服务或网络代理允许的请求大小，请联系运维人员调整后在同步页重新提交";
/// Why a blob was parked: it kept failing the server's hash check.
pub const PARKED_BLOB_HASH: &str = "材料文件上传后校验失败（内容与编号不符），请重新采集";

/// Why a blob was parked: the file's size differs from its record's.
pub fn parked_blob_size(recorded: u64, actual: u64) -> String {
    format!("材料文件大小不符（记录 {recorded}，文件 {actual}），无法上传")
}

/// 「中心服务拒收：{message}」 — the server refused and said why.
pub fn refused_by_server(message: &str) -> String {
    format!("中心服务拒收：{message}")
}

/// A configuration problem, naming the file and, where there is one, the key.
pub fn config_problem(code: ErrorCode, path: &str, key: Option<&str>) -> String {
    match (code, key) {
        (ErrorCode::ConfigRead, _) => format!("无法读取工作站配置文件 {path}。"),
        (ErrorCode::ConfigSyntax, _) => {
            format!("工作站配置文件 {path} 格式错误（不是有效的 TOML）。")
        }
        (code, Some(key)) => format!("工作站配置文件 {path} {}：「{key}」。", code.message()),
        (code, None) => format!("工作站配置文件 {path} {}。", code.message()),
    }
}

/// A silent install's setting that stops provisioning (K1); names the installer's setting.
pub fn provision_problem(e: &crate::infra::provision::ProvisionError) -> String {
    use crate::infra::provision::ProvisionProblem as P;
    let s = &e.setting;
    match e.problem {
        P::Missing => format!("安装失败：缺少必需的设置「{s}」。"),
        P::Unknown => format!("安装失败：不认识的设置「{s}」，请检查拼写。"),
        P::Invalid => format!("安装失败：设置「{s}」无效。{}", e.detail),
        P::Conflict => format!("安装失败：使用 /CONFIG 时不能再单独给出设置「{s}」。"),
        P::Unreadable => format!(
            "安装失败：设置「{s}」指定的配置文件无法读取（{}）。",
            e.detail
        ),
    }
}

/// An electronic licence that may not replace paper (L2): 「该电子证照已吊销（原因：…），不能代替纸质材料。」
pub fn licence_not_valid(status: &str, reason: Option<&str>, valid_until: Option<&str>) -> String {
    let why = match (reason, valid_until) {
        (Some(r), _) if !r.trim().is_empty() => format!("（原因：{}）", r.trim()),
        (_, Some(d)) => format!("（有效期至 {d}）"),
        _ => String::new(),
    };
    format!("该电子证照{status}{why}，不能代替纸质材料，请收取纸质材料。")
}

/// A command the clerk's permissions do not allow (A4): 「您没有“补打”权限，请联系管理员。」
pub fn permission_denied(permission: &str) -> String {
    format!("您没有“{permission}”权限，请联系管理员。")
}

/// An item outside the clerk's departments and post (A4).
pub fn item_out_of_scope(item: &str) -> String {
    format!("事项“{item}”不属于您的部门和岗位，不能办理。如需办理请联系管理员。")
}

/// The clerk's sentence for an intake error, with its data.
pub fn intake_message(e: &IntakeError) -> String {
    match e {
        IntakeError::UnknownItem(code) => format!("事项目录中没有编码为 {code} 的事项。"),
        IntakeError::Field { field, problem } => format!("「{field}」{}", field_problem(problem)),
        IntakeError::Party { role, problem } => format!("{role}：{}", party_problem(*problem)),
        IntakeError::MaterialsMissing(names) => format!(
            "必要材料未收齐：{}。请收齐后受理，或选择容缺受理/补正补齐。",
            names.join("、")
        ),
        IntakeError::NotDeferrable(why) => format!("不能容缺受理：{}", defer_problem(why)),
        IntakeError::Decision(why) => decision_problem(why),
        IntakeError::WrongState(s) => {
            format!("该办件当前状态为「{}」，不能进行此操作。", s.label())
        }
        IntakeError::CardNotRead(role) => format!("{role}的身份证尚未在本窗口读取，请先读卡。"),
        IntakeError::CardExpired(role) => {
            format!("{role}的身份证已过期，须经例外受理（填写原因）方可使用。")
        }
        IntakeError::CodeNotRead(role) => {
            format!("{role}的身份码尚未在本窗口扫描，请重新扫码或读卡。")
        }
        IntakeError::Attachment(why) => attachment_problem(*why),
        IntakeError::Store(e) => e.message(),
        IntakeError::Blob(e) => e.message(),
        other => other.code().message().into(),
    }
}

fn field_problem(p: &FieldProblem) -> String {
    match p {
        FieldProblem::Required => "为必填项。".into(),
        FieldProblem::TooLong { max } => format!("不能超过{max}个字。"),
        FieldProblem::NotANumber => "应为数字。".into(),
        FieldProblem::NotADate => "应为有效日期（如 2026-11-23）。".into(),
        FieldProblem::NotAPhone => "应为11位手机号码或带区号的固定电话。".into(),
        FieldProblem::NotAnIdNumber => "不是有效的18位公民身份号码。".into(),
        FieldProblem::NotAnOption { options } => {
            format!("应从以下选项中选择：{}。", options.join("、"))
        }
    }
}

fn party_problem(p: PartyProblem) -> String {
    match p {
        PartyProblem::Missing => "请读取身份证或填写姓名和证件号码。".into(),
        PartyProblem::NameEmpty => "姓名不能为空。".into(),
        PartyProblem::BadIdNumber => "证件号码不是有效的18位公民身份号码。".into(),
        PartyProblem::BadPhone => "联系电话格式不正确。".into(),
        PartyProblem::OrganisationNameEmpty => "单位名称不能为空。".into(),
        PartyProblem::UsccMissing => "请填写统一社会信用代码（18位）。".into(),
        PartyProblem::BadUscc(e) => format!("{}。", e.message()),
    }
}

fn defer_problem(p: &DeferProblem) -> String {
    match p {
        DeferProblem::NotApplicable => "本事项不适用容缺受理。".into(),
        DeferProblem::NothingMissing => "必要材料已齐全，请直接受理。".into(),
        DeferProblem::HardMaterials(names) => {
            format!("以下材料不可容缺：{}。", names.join("、"))
        }
    }
}

fn decision_problem(p: &DecisionProblem) -> String {
    match p {
        DecisionProblem::BadDeadline => "期限日期格式不正确（如 2026-11-30）。".into(),
        DecisionProblem::DeadlineNotLater => "期限应晚于今天。".into(),
        DecisionProblem::PromiseRequired => "容缺受理须记录申请人的书面承诺内容。".into(),
        DecisionProblem::RejectReasonRequired => "不予受理须填写理由。".into(),
        DecisionProblem::SupplementNeedsList => "补正补齐须列明缺少的材料或需补正的内容。".into(),
        DecisionProblem::NothingToChange => "没有需要修改的内容。".into(),
        DecisionProblem::NoSuchNotice => "该办件没有这份通知书。".into(),
        DecisionProblem::DenyReasonRequired => "不予许可须填写理由。".into(),
        DecisionProblem::BadDate { text } => format!("日期「{text}」格式不正确。"),
    }
}

fn attachment_problem(p: AttachmentProblem) -> String {
    match p {
        AttachmentProblem::Empty => "文件是空的，请重新选择。".into(),
        AttachmentProblem::TooLarge { max_mb } => {
            format!("文件超过{max_mb}MB，请压缩或分拆后再导入。")
        }
        AttachmentProblem::UnsupportedType => "仅支持导入 JPG、PNG 图片或 PDF 文件。".into(),
    }
}
