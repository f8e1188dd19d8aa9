//! The server's message table: the Simplified Chinese sentence for every API error code, and
//! the IT-facing sentences of the admin commands. No other file of the server holds Chinese
//! text for errors.

use crate::error::{AdminProblem, ErrorCode};
use crate::sync::RecordProblem;

/// The server's name in the admin command line's `--help` (the help text is Chinese, for
/// the hall's IT staff).
pub const SERVER_NAME: &str = "一窗受理工作站 中心服务";

/// 「证书尚未生效」: `cert_expired` when the certificate is not yet valid.
pub const CERT_NOT_YET_VALID: &str = "证书尚未生效";

impl ErrorCode {
    /// User-facing message in Simplified Chinese.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::InvalidDatabaseUrl => "数据库地址无效，请检查服务配置",
            ErrorCode::DataDir => "无法创建服务数据目录，请检查目录权限",
            ErrorCode::DatabaseConnect => "无法连接数据库，请联系系统管理员",
            ErrorCode::DatabaseMigrate => "数据库结构升级失败，请联系系统管理员",
            ErrorCode::Database => "数据库暂时不可用，请稍后重试",
            ErrorCode::DatabaseTimeout => "数据库响应超时，请稍后重试",
            ErrorCode::Bind => "无法监听服务端口，端口可能已被占用",
            ErrorCode::Serve => "服务运行出错，请联系系统管理员",
            ErrorCode::Signal => "无法注册退出信号处理，服务无法安全停止",
            ErrorCode::NotFound => "请求的接口不存在",
            ErrorCode::MethodNotAllowed => "该接口不支持此请求方法",
            ErrorCode::BadRequest => "请求格式错误",
            ErrorCode::ChallengeInvalid => "登录请求已过期，请重试",
            ErrorCode::CertMalformed => "证书格式错误，请检查UKey",
            ErrorCode::CertUnsupported => "不支持该证书的密钥算法",
            ErrorCode::CertUntrusted => "证书不是受信任的CA签发",
            ErrorCode::CertExpired => "证书已过期",
            ErrorCode::CertRevoked => "证书已被吊销",
            ErrorCode::SignatureInvalid => "签名验证失败",
            ErrorCode::CertNotBound => "该证书未绑定工作人员账号，请联系管理员",
            ErrorCode::Unauthorized => "登录已失效，请重新登录",
            ErrorCode::TrustConfig => "受信任CA或证书吊销列表配置错误，请联系系统管理员",
            ErrorCode::GrantKey => "离线授权签名密钥不可用，请联系系统管理员",
            ErrorCode::InvalidInput => "输入有误",
            ErrorCode::BlobHashMismatch => "材料文件校验失败，将重新上传",
            ErrorCode::BlobOffset => "材料文件上传位置不符，将从断点继续",
            ErrorCode::BlobStore => "材料文件存储暂时不可用，请稍后重试",
            ErrorCode::BlobNotFound => "材料文件不存在或尚未上传完成",
            ErrorCode::Catalog => "事项目录暂不可用，请联系系统管理员",
            ErrorCode::RequestUnsigned => "请求未携带工作站凭据，请先完成工作站注册",
            ErrorCode::RequestSignatureInvalid => "工作站请求签名无效，请联系系统管理员",
            ErrorCode::RequestStale => "工作站时间与中心服务相差过大，请校准系统时间",
            ErrorCode::RequestReplayed => "重复的请求已被拒绝",
            ErrorCode::WorkstationUnknown => "本工作站未在中心服务注册，请联系系统管理员",
            ErrorCode::WorkstationDisabled => "本工作站已被停用，请联系系统管理员",
            ErrorCode::EnrollmentCodeInvalid => {
                "注册码无效、已过期或已使用，请向系统管理员重新申请"
            }
            ErrorCode::RateLimited => "尝试次数过多，请稍后再试",
            ErrorCode::Forbidden => "无权访问其他工作站或其他大厅的数据",
            ErrorCode::PermissionDenied => "当前工作人员没有此操作的权限",
            ErrorCode::SessionEnded => "登录已被管理员终止，请重新登录",
            ErrorCode::PayloadTooLarge => "请求内容过大，中心服务拒收",
            ErrorCode::BlobTooLarge => "材料文件超过中心服务允许的大小",
            ErrorCode::UploadOwnedElsewhere => "该材料文件正由其他工作站上传",
            ErrorCode::Overloaded => "中心服务繁忙，请稍后重试",
            ErrorCode::RequestTimeout => "请求传输超时，请检查网络后重试",
            ErrorCode::UnsupportedMediaType => "请求内容类型不受支持",
            ErrorCode::TlsConfig => "HTTPS 证书或私钥无法加载，请检查 --tls-cert 与 --tls-key 文件",
            ErrorCode::PlainHttpRefused => {
                "拒绝在非本机地址上提供未加密的 HTTP：请配置 --tls-cert 与 --tls-key（仅测试环境可用 --insecure-http）"
            }
            ErrorCode::CrlOutdated => "证书吊销列表已过期，请联系信息技术人员更新后再登录",
            ErrorCode::QueueTicketUnknown => "该号码不存在，请核对号码",
            ErrorCode::QueueTicketBusy => "该号码正在其他窗口办理",
            ErrorCode::QueueTicketElsewhere => "该号码属于其他大厅或本窗口不办理的事项分组",
            ErrorCode::QueueTicketDone => "该号码已办结或过号时间过长，不能再呼叫",
            ErrorCode::QueueEmpty => "当前没有等候的号码",
            ErrorCode::QueueDeskBusy => "本窗口还在办理当前号码，请先结束服务或转移",
            ErrorCode::QueueDeskIdle => "本窗口当前没有正在办理的号码",
            ErrorCode::QueueWindowPaused => "本窗口已暂停服务，请先恢复服务",
            ErrorCode::QueueNotConfigured => "本窗口未配置办理的事项分组，或事项分组不存在，请联系管理员",
            ErrorCode::QueueRequestReused => "请求编号已用于其他操作",
            ErrorCode::CaseUnknown => "本大厅没有该案件，请核对案件编号",
            ErrorCode::CaseOutOfScope => "该案件不属于您所在部门办理的事项",
            ErrorCode::CaseNotTakenIn => "该案件未予受理（不予受理、补正或已撤回），不能报告办理进度",
            ErrorCode::CaseProgressInvalid => "办理进度不能倒退；已领取只能由出件窗口登记",
            ErrorCode::PickupNotReady => "该案件结果尚未制证，不能领取",
            ErrorCode::PickupPersonMismatch => {
                "领取人不是申请人或受理时登记的领取人；代领须出示申请人的授权委托书"
            }
            ErrorCode::PickupLockerInUse => "该智能柜格口编码正在使用，请换一个格口",
            ErrorCode::PickupAlreadyDone => "该案件结果已被领取",
            ErrorCode::FlowUnknown => "本大厅没有该物料流转单，请核对流转单号",
            ErrorCode::ReleaseUnknown => "没有该版本的安装包，请核对目标平台和版本号",
            ErrorCode::ReleaseInvalid => "安装包或其签名无效，未发布（签名须注明目标平台和版本号）",
            ErrorCode::DiagnosticsInvalid => "诊断包格式无效（须为 zip 文件），未接收",
            ErrorCode::DiagnosticsUnknown => "没有该诊断包，请核对编号",
            ErrorCode::LicenceProofMissing => "请先读取办事人身份证，再查询电子证照",
            ErrorCode::LicenceProofInvalid => "读卡记录无效，请重新读取身份证",
            ErrorCode::LicenceProofOtherClerk => "该身份证不是由当前工作人员读取的，请重新读卡",
            ErrorCode::LicenceProofOtherHolder => "只能查询本次读卡办事人的证照",
            ErrorCode::LicenceProofStale => "读卡已超过30分钟，请重新读取身份证",
            ErrorCode::LicenceUnknown => "没有该电子证照",
            ErrorCode::LicenceTypeDenied => "失败:权限不足，本部门不能查看该类证照",
            ErrorCode::LicenceInvalid => "电子证照数据有误",
            ErrorCode::LicenceLibraryUnavailable => {
                "电子证照库暂时无法访问，可继续收取纸质材料"
            }
            ErrorCode::AssistInvalid => "协查申请内容有误，请检查后重试",
            ErrorCode::AssistDepartmentUnknown => "没有该部门，请从列表中选择协查部门",
            ErrorCode::AssistUnknown => "没有该协查申请",
            ErrorCode::AssistOtherDepartment => "该协查申请不属于本部门，无权查看或办理",
            ErrorCode::AssistState => "该协查申请当前状态不能进行此操作",
            ErrorCode::AssistIdReused => "协查申请编号重复，请重新提交",
            ErrorCode::AssistNotPdf => "证明文件须为PDF格式",
            ErrorCode::AssistCardReadMissing => "请先读取办事人身份证，再提交协查申请",
            ErrorCode::AssistCardReadInvalid => "协查申请所附读卡记录无效，请重新读取身份证后再申请",
            ErrorCode::AssistCardReadOtherClerk => "协查申请须由读卡的工作人员本人提交，请重新读卡",
            ErrorCode::AssistCardReadOtherHolder => "只能为本次读卡的办事人申请协查",
            ErrorCode::AssistCardReadStale => "读卡记录已过期，请重新读取身份证后再申请",
            ErrorCode::AssistSealMissing => "证明文件未加盖电子印章",
            ErrorCode::AssistSealInvalid => "电子印章验证失败，文件可能在盖章后被修改",
            ErrorCode::AssistSealUntrusted => "电子印章不是本大厅信任的印章机构签发",
            ErrorCode::AssistSealOtherDocument => "盖章文件与上传的证明不一致，请对该证明重新盖章",
            ErrorCode::DeviceCodeInvalid => "配对码无效、已过期或已使用，请向管理员重新申请",
            ErrorCode::DeviceUnauthorized => "本设备未配对或已被停用，请联系管理员重新配对",
            ErrorCode::UpstreamUrlRefused => {
                "上级平台地址被拒绝：须为 https://（本机地址除外；仅测试环境可用 --upstream-allow-http）"
            }
        }
    }
}

/// The admin command's explanation of bad input, for IT.
pub fn admin_problem(p: &AdminProblem) -> String {
    match p {
        AdminProblem::UnknownClerk { clerk_id } => {
            format!("工作人员 {clerk_id} 不存在（请先导入）")
        }
        AdminProblem::CertBoundElsewhere {
            issuer,
            serial,
            owner,
        } => format!(
            "证书（颁发者 {issuer}，序列号 {serial}）已绑定到工作人员 {owner}，请先解除绑定"
        ),
        AdminProblem::CertUntrusted { detail } => format!("证书不是受信任的CA签发：{detail}"),
        AdminProblem::NeedSerialOrFile => "需要 --serial 或证书文件".into(),
        AdminProblem::NoBinding { clerk, serial } => {
            format!("工作人员 {clerk} 没有序列号为 {serial} 的有效证书绑定")
        }
        AdminProblem::Unreadable { path, detail } => format!("无法读取 {path}：{detail}"),
        AdminProblem::NotACert { path, detail } => format!("{path} 不是有效的证书：{detail}"),
        AdminProblem::SerialNotHex { input } => format!("序列号 `{input}` 不是十六进制"),
        AdminProblem::CsvUnreadable { line, detail } => {
            format!("CSV 第 {line} 行无法读取（需 UTF-8 编码）：{detail}")
        }
        AdminProblem::CsvColumns { line, got } => {
            format!("CSV 第 {line} 行有 {got} 列，应为 5 列：id,name,department,post,permissions")
        }
        AdminProblem::CsvMissingIdOrName { line } => format!("CSV 第 {line} 行缺少编号或姓名"),
        AdminProblem::Permissions { detail } => format!("permissions: {detail}"),
        AdminProblem::CsvDuplicate { line, id } => format!("CSV 第 {line} 行：编号 {id} 重复"),
        AdminProblem::UnknownWorkstation { id } => {
            format!("工作站 {id} 不存在（请先用 workstation enroll 注册）")
        }
        AdminProblem::BadHallCode { input } => {
            format!("大厅编码 `{input}` 无效：应为 1–12 位字母或数字")
        }
        AdminProblem::OutOfRange { what, value } => format!("{what} 超出范围：{value}"),
        AdminProblem::BadQueueInput { what, input } => format!("{what} `{input}` 无效"),
        AdminProblem::UnknownGroup { hall, code } => {
            format!("大厅 {hall} 没有事项分组 {code}（请先用 queue group add 添加）")
        }
        AdminProblem::UnknownDevice { id } => format!("大厅设备 {id} 不存在"),
        AdminProblem::UnknownSystem { id } => format!("对接系统 {id} 不存在或已停用"),
        AdminProblem::UnknownUpstreamEntry { id } => {
            format!("转发记录 {id} 不存在（或已送达、正在发送，无需重发）")
        }
    }
}

/// The admin report lines after `workstation enroll`: the one-time code for IT to type in.
pub fn enrollment_code_issued(workstation: &str, code: &str, expires: &str) -> [String; 2] {
    [
        format!("工作站 {workstation} 的一次性注册码：{code}"),
        format!("有效期至 {expires}（UTC），只能使用一次；在工作站的注册界面输入"),
    ]
}

/// The admin report lines after `device enroll`: the one-time pairing code.
pub fn device_code_issued(device: &str, code: &str, expires: &str) -> [String; 2] {
    [
        format!("大厅设备 {device} 的一次性配对码：{code}"),
        format!("有效期至 {expires}（UTC），只能使用一次；在该设备的浏览器中打开 /hall/pair 输入"),
    ]
}

/// The admin report line after a clerk import.
pub fn clerks_imported(n: usize) -> String {
    format!("已导入 {n} 名工作人员")
}

/// What the binary prints to stderr when it cannot start or stops with an error.
pub fn fatal(starting: bool, message: &str, detail: &str) -> String {
    if starting {
        format!("yichuang-server 启动失败：{message}（{detail}）")
    } else {
        format!("yichuang-server 运行出错：{message}（{detail}）")
    }
}

/// What the binary prints to stderr when an admin command fails.
pub fn admin_failed(message: &str, detail: &str) -> String {
    format!("yichuang-server：{message}（{detail}）")
}

/// Why one pushed record was refused, for the clerk.
pub fn record_problem(p: RecordProblem) -> &'static str {
    match p {
        RecordProblem::InvalidId => "记录编号格式错误，中心服务拒收",
        RecordProblem::InvalidKind => "记录类型无效，中心服务拒收",
        RecordProblem::InvalidVersion => "记录版本号无效，中心服务拒收",
        RecordProblem::PayloadNotObject => "记录内容格式错误，中心服务拒收",
        RecordProblem::PayloadTooLarge => "记录内容过大，中心服务拒收",
        RecordProblem::IdConflict => "记录编号与其他工作站或其他类型的记录冲突，中心服务拒收",
        RecordProblem::AuditConflict => {
            "审计记录与中心已存的同一条内容不符，已单独留存并标记，未覆盖原记录"
        }
        RecordProblem::AuditHeadMissing => "审计记录缺少工作站签名的链头，中心服务拒收",
        RecordProblem::AuditHeadMismatch => "审计链头与本批最后一条审计记录不符，中心服务拒收",
        RecordProblem::AuditHeadInvalid => "审计链头签名无法用本工作站登记的密钥验证，中心服务拒收",
        RecordProblem::InvalidVisit => "办事记录内容不完整或格式错误，中心服务拒收",
        RecordProblem::InvalidRating => {
            "评价记录内容错误（评价等级无效，或差评未选择原因），中心服务拒收"
        }
        RecordProblem::InvalidCase => "案件记录内容错误（缺少事项、状态或材料信息），中心服务拒收",
        RecordProblem::InvalidPickup => {
            "领取记录内容错误（领取人、领取方式或交接照片信息无效），中心服务拒收"
        }
        RecordProblem::PickupCaseUnknown => "本大厅没有该案件，领取记录未被接收",
        RecordProblem::InvalidFlow => {
            "物料流转记录内容错误（流转单号、办件或材料信息无效），中心服务拒收"
        }
        RecordProblem::FlowUnknown => "本大厅没有该物料流转单或其中的办件，流转记录未被接收",
        RecordProblem::CaseNoClash => {
            "案件编号与本大厅已有的另一件案件重复，中心服务未合并，已留存待管理员核对"
        }
    }
}

/// 「非常满意」…「非常不满意」: the five GB/T 39734 rating levels.
pub fn rating_level_label(level: crate::queue::visits::RatingLevel) -> &'static str {
    use crate::queue::visits::RatingLevel as L;
    match level {
        L::VerySatisfied => "非常满意",
        L::Satisfied => "满意",
        L::Neutral => "基本满意",
        L::Dissatisfied => "不满意",
        L::VeryDissatisfied => "非常不满意",
    }
}

/// The reason categories a 不满意 / 非常不满意 rating names.
pub fn rating_reason_label(reason: crate::queue::visits::RatingReason) -> &'static str {
    use crate::queue::visits::RatingReason as R;
    match reason {
        R::Efficiency => "办事效率低、等候时间长",
        R::Competence => "业务不熟练、解答不清楚",
        R::Attitude => "服务态度不好",
        R::Guidance => "办事指南或材料要求不清楚",
        R::Environment => "服务环境和设施不便",
        R::Other => "其他",
    }
}

/// 「审批中」…: a case's progress as the back office reports it (issue 18).
/// An organisation applying, as the hall's case record lists it (E2, issue 20):
/// 「某某有限公司（91350100M000100Y43，法定代表人 张* 4415**********123X）」.
pub fn organisation_applicant(name: &str, uscc: &str, legal_representative: &str) -> String {
    format!("{name}（{uscc}，法定代表人 {legal_representative}）")
}

pub fn progress_label(p: crate::cases::Progress) -> &'static str {
    use crate::cases::Progress as P;
    match p {
        P::Received => "已受理",
        P::InReview => "审批中",
        P::Approved => "办结（准予许可）",
        P::Denied => "办结（不予许可）",
        P::Ready => "结果已制证待领取",
        P::PickedUp => "已领取",
    }
}

/// What IT reads after `system add`.
pub fn system_token_issued(id: &str, hall: &str) -> String {
    format!(
        "已为大厅 {hall} 的对接系统 {id} 生成令牌：令牌只显示这一次，请妥善交给对接方（请求头 Authorization: Bearer <令牌>），泄露时用 system disable {id} 停用"
    )
}

/// Why a delivery to the upstream platform failed, for IT (`upstream list`).
pub fn upstream_failure(kind: crate::upstream::FailureKind) -> &'static str {
    use crate::upstream::FailureKind as F;
    match kind {
        F::Network => "无法连接上级平台（网络故障），将自动重试",
        F::Timeout => "上级平台响应超时，将自动重试",
        F::Throttled => "上级平台要求稍后再发（限流），将自动重试",
        F::ServerError => "上级平台内部错误，将自动重试",
        F::Refused => "上级平台拒收该案件数据，已停止重试，请核对后用 upstream retry 重发",
        F::CaseMissing => "本服务已没有该案件，无法转发",
    }
}

/// The last line of `upstream list`.
pub fn upstream_counts(pending: i64, sent: i64, dead: i64) -> String {
    format!("转发上级平台：待发送 {pending} 条，已送达 {sent} 条，已放弃 {dead} 条")
}

/// What `upstream retry` did.
pub fn upstream_retried(n: u64) -> String {
    format!("已将 {n} 条转发记录改为待发送，运行中的服务将在数秒内重新发送")
}

/// Words of a comprehensive window's department or post (综合窗口 takes in every department's
/// items, seed 004), as the workstation's access rules read them.
pub const COMPREHENSIVE_POST_WORDS: [&str; 2] = ["综合", "综窗"];

/// A licence valid without an end date.
pub const LICENCE_NO_END: &str = "长期";

/// An import row refused: its number, identifier and reason.
pub fn licence_import_row(
    row: usize,
    identifier: Option<&str>,
    reason: &crate::licence::import::Reason,
) -> String {
    format!(
        "第 {row} 条（{}）：{}",
        identifier.unwrap_or("无标识"),
        licence_import_reason(reason)
    )
}

/// The clerk's word for a licence's status.
pub fn licence_status(status: crate::licence::LicenceStatus) -> &'static str {
    use crate::licence::LicenceStatus;
    match status {
        LicenceStatus::Valid => "有效",
        LicenceStatus::Revoked => "已吊销",
        LicenceStatus::Expired => "已过期",
    }
}

/// The seed's outcome label of one licence type in a lookup.
pub fn licence_outcome(outcome: crate::licence::handlers::TypeOutcome) -> &'static str {
    use crate::licence::handlers::TypeOutcome;
    match outcome {
        TypeOutcome::Found => "成功",
        TypeOutcome::None => "无证件信息",
        TypeOutcome::Denied => "失败:权限不足",
    }
}

/// Why an import row was refused (IT reads it with the row number).
pub fn licence_import_reason(reason: &crate::licence::import::Reason) -> String {
    use crate::licence::import::Reason;
    match reason {
        Reason::Identifier(e) => format!("电子证照标识无效：{}", e.message()),
        Reason::Holder => "持证主体号码无效（个人为6–32位字母数字，单位为统一社会信用代码）".into(),
        Reason::HolderKind => "持证主体类型应为 person 或 organisation".into(),
        Reason::Missing(field) => format!("缺少字段 {field}"),
        Reason::Date(field) => format!("{field} 不是有效日期（YYYY-MM-DD）"),
        Reason::DateOrder => "有效期截止日早于颁发日期".into(),
        Reason::File(detail) => format!("证照文件不可用：{detail}"),
        Reason::Format => "证照文件须为 PDF 或 OFD（扩展名与内容一致）".into(),
        Reason::Signature(detail) => format!("签名文件不可用：{detail}"),
        Reason::Unverified(why) => format!("证照文件的签章未通过验证：{why}"),
        Reason::Duplicate => "与前面的行重复".into(),
        Reason::Exists => "该电子证照已在库中".into(),
    }
}

/// 待处理 / 待盖章 / 已盖章 / 已退回 (seed 000 §1.3).
pub fn assist_state(state: crate::assist::AssistState) -> &'static str {
    use crate::assist::AssistState;
    match state {
        AssistState::Pending => "待处理",
        AssistState::AwaitingSeal => "待盖章",
        AssistState::Sealed => "已盖章",
        AssistState::Returned => "已退回",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_has_a_distinct_message_and_its_serde_name_round_trips() {
        let mut names = HashSet::new();
        let mut messages = HashSet::new();
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert!(names.insert(code.as_str()), "duplicate name {code}");
            let m = code.message();
            assert!(!m.trim().is_empty(), "{code} has no message");
            assert!(messages.insert(m), "{code} repeats the message {m}");
        }
        assert!(!messages.contains(CERT_NOT_YET_VALID));
    }
}
