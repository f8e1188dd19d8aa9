//! Every clerk-facing Chinese sentence of the drivers layer, in one table (issue 13).
//!
//! Keys are enums: [`ErrorKind`] for the sentences every device shares, and each device's
//! problem enum ([`UkeyProblem`], [`SpoolerProblem`] with the printer-state [`Condition`],
//! [`ReceiptPrinterProblem`], [`IdCardProblem`], [`CameraProblem`], [`ScannerProblem`]) for
//! its own. The error types look their `message()` / `hint()` up here, so the wording is
//! reviewed in one place; the data tables (nation names, card labels, sample data, slip
//! wording) live in their own files next to the code that uses them.

use std::fmt::Display;

use crate::camera::error::CameraProblem;
use crate::error::ErrorKind;
use crate::escpos::error::ReceiptPrinterProblem;
use crate::idcard::error::IdCardProblem;
use crate::scanner::error::ScannerProblem;
use crate::spooler::error::{Condition, SpoolerProblem};
use crate::ukey::error::UkeyProblem;

/// The devices' Chinese names, as [`crate::DeviceError::device`] carries them and every
/// [`ErrorKind`] sentence begins.
pub mod device {
    pub const ID_CARD_READER: &str = "身份证读卡器";
    pub const UKEY: &str = "UKey";
    pub const CAMERA: &str = "高拍仪";
    pub const SCANNER: &str = "扫码枪";
    pub const RECEIPT_PRINTER: &str = "小票打印机";
    pub const A4_PRINTER: &str = "A4打印机";
    /// The name the simulated document camera reports.
    pub const SIMULATED_CAMERA: &str = "模拟高拍仪 (simulator)";
}

/// The sentence for an [`ErrorKind`], after the device's name.
pub fn kind(kind: ErrorKind, device: &str) -> String {
    match kind {
        ErrorKind::NotConnected => format!("{device}未连接，请检查连接线后重试。"),
        ErrorKind::OpenFailed => format!("{device}无法打开，可能被其他程序占用或驱动未安装。"),
        ErrorKind::Timeout => format!("{device}无响应，请重试；多次失败请联系运维人员。"),
        ErrorKind::Protocol => format!("{device}通信异常（数据校验失败），请重试。"),
        ErrorKind::NeedsAttention => format!("{device}需要处理，请按提示操作。"),
        ErrorKind::DeviceFault => format!("{device}故障，请联系运维人员。"),
        ErrorKind::Misconfigured => {
            format!("{device}配置与设备不符，请联系运维人员检查端口和参数。")
        }
    }
}

/// The clerk's sentence followed by the detail for IT, as [`crate::DeviceError::detail`]
/// carries them.
pub fn with_detail(message: &str, detail: impl Display) -> String {
    format!("{message}（{detail}）")
}

/// The UKey's sentences; `retries_left` is what the key says about a wrong PIN.
pub fn ukey(problem: UkeyProblem, retries_left: Option<u32>) -> String {
    match problem {
        UkeyProblem::NoKey => "未检测到UKey，请插入UKey后重试。".into(),
        UkeyProblem::ModuleMissing => {
            "UKey驱动（模块）未找到或加载失败，请联系运维人员安装UKey驱动。".into()
        }
        UkeyProblem::KeyRemoved => "UKey已拔出，请重新插入UKey。".into(),
        UkeyProblem::PinIncorrect => match retries_left {
            Some(n) => format!("PIN码错误，还可重试{n}次。"),
            None => "PIN码错误，请重新输入；多次输错UKey将被锁定。".into(),
        },
        UkeyProblem::PinLocked => "UKey已锁定，请联系管理员解锁。".into(),
        UkeyProblem::PinInvalid => "PIN码格式不正确，请检查长度后重新输入。".into(),
        UkeyProblem::NotLoggedIn => "请先输入UKey的PIN码。".into(),
        UkeyProblem::CertificateNotFound => "证书不存在，请确认插入的是本人的UKey。".into(),
        UkeyProblem::CertificateExpired => "证书已过期，请联系发证机构更新证书。".into(),
        UkeyProblem::CertificateNotYetValid => {
            "证书尚未生效，请检查本机时间或联系发证机构。".into()
        }
        UkeyProblem::UnsupportedAlgorithm => "UKey中的证书算法不受支持，请联系运维人员。".into(),
        UkeyProblem::SignFailed => "签名失败，请重新插拔UKey后重试。".into(),
        UkeyProblem::DeviceFault => "UKey操作失败，请重新插拔UKey后重试。".into(),
        UkeyProblem::BadData => kind(ErrorKind::Protocol, device::UKEY),
        UkeyProblem::Misconfigured => kind(ErrorKind::Misconfigured, device::UKEY),
    }
}

/// The A4 printer's (OS spooler's) sentences; `queue` names the configured printer.
pub fn spooler(problem: SpoolerProblem, queue: &str) -> String {
    match problem {
        SpoolerProblem::ServerUnreachable => {
            "打印服务未运行，无法连接打印服务，请联系运维人员。".into()
        }
        SpoolerProblem::QueueNotFound => {
            format!("未找到打印机「{queue}」，请联系运维人员检查打印机名称配置。")
        }
        SpoolerProblem::Printer(condition) => printer_condition(condition).into(),
        SpoolerProblem::NotAccepting => "打印机暂不接收打印任务，请联系运维人员。".into(),
        SpoolerProblem::JobAborted => {
            "打印失败（打印任务被系统中止），请重试；多次失败请联系运维人员。".into()
        }
        SpoolerProblem::JobCancelled => "打印任务已被取消，如需打印请重试。".into(),
        SpoolerProblem::Timeout => {
            "打印机长时间未完成打印，任务已取消，请检查打印机后重试。".into()
        }
        SpoolerProblem::Refused => "打印服务拒绝了打印请求（权限不足），请联系运维人员。".into(),
        SpoolerProblem::Unsupported => {
            "本系统暂不支持直接向该打印机打印，请联系运维人员配置打印服务地址。".into()
        }
        SpoolerProblem::Other(k) => kind(k, device::A4_PRINTER),
    }
}

/// What the A4 printer's `printer-state-reasons` tell the clerk.
fn printer_condition(condition: Condition) -> &'static str {
    match condition {
        Condition::PaperOut => "打印机缺纸，请装入A4纸后重试。",
        Condition::PaperJam => "打印机卡纸，请取出卡住的纸张后重试。",
        Condition::CoverOpen => "打印机盖未合上，请合上后重试。",
        Condition::TonerEmpty => "打印机墨粉（墨水）已用完，请更换后重试。",
        Condition::Offline => "打印机未连接，请检查电源和连接线后重试。",
        Condition::Stopped => "打印机已暂停（打印队列已停用），请联系运维人员启用后重试。",
    }
}

/// The receipt printer's sentences.
pub fn receipt_printer(problem: ReceiptPrinterProblem) -> String {
    match problem {
        ReceiptPrinterProblem::PaperOut => "打印机缺纸，请装入新的纸卷后重试。".into(),
        ReceiptPrinterProblem::PaperNearEnd => "打印机纸将用尽，请准备更换纸卷。".into(),
        ReceiptPrinterProblem::CoverOpen => "打印机盖未合上，请合上纸仓盖后重试。".into(),
        ReceiptPrinterProblem::Offline => "打印机离线，请检查电源和连接线后重试。".into(),
        ReceiptPrinterProblem::CutterError => "打印机切刀故障，请关闭电源后检查切刀。".into(),
        ReceiptPrinterProblem::Fault => "打印机故障，请重启打印机；多次失败请联系运维人员。".into(),
        ReceiptPrinterProblem::Other(k) => kind(k, device::RECEIPT_PRINTER),
    }
}

/// The card photo's hints (the photo slot shows them in place of the photo).
pub fn id_card_photo(problem: crate::idcard::photo::PhotoProblem) -> &'static str {
    use crate::idcard::photo::PhotoProblem;
    match problem {
        PhotoProblem::DecoderMissing => "照片解码组件无法加载，请联系运维人员检查解码组件的安装。",
        PhotoProblem::DecoderFailed => {
            "照片解码失败（解码组件异常），请核对证件照片原件；其他信息不受影响。"
        }
        PhotoProblem::DecoderTimeout => {
            "照片解码超时（解码组件无响应），请重新放置证件；其他信息不受影响。"
        }
    }
}

/// The ID-card reader's hints.
pub fn id_card(problem: IdCardProblem) -> &'static str {
    match problem {
        IdCardProblem::NoCard => "请将身份证放在读卡器感应区。",
        IdCardProblem::CardPulled => "读卡过程中身份证被移开，请重新放置并保持不动。",
        IdCardProblem::ReadFailed => "读卡失败，请将身份证重新放置后再试。",
        IdCardProblem::UnrecognisedCard => "无法识别该证件，请确认是否为有效身份证件。",
        IdCardProblem::BadCardData => "证件信息无法解析，请重新放置；多次失败请联系运维人员。",
        IdCardProblem::OpenFailed => "身份证读卡器无法打开，请检查端口设置或是否被其他程序占用。",
        IdCardProblem::LinkBroken => "身份证读卡器连接中断，请检查连接线。",
        IdCardProblem::NotFound => "未检测到身份证读卡器，请检查USB连接线或端口设置。",
        IdCardProblem::NoAnswer => "身份证读卡器无响应，请重试；多次失败请联系运维人员。",
        IdCardProblem::Garbled => "身份证读卡器通信异常，请重试。",
        IdCardProblem::SecurityModule => "身份证读卡器安全模块异常，请联系运维人员。",
        IdCardProblem::ReaderFault => "身份证读卡器故障，请联系运维人员。",
    }
}

/// The document camera's hints.
pub fn camera(problem: CameraProblem) -> &'static str {
    match problem {
        CameraProblem::NotConnected => "高拍仪未连接，请检查USB连接线后重试。",
        CameraProblem::OpenFailed => "高拍仪无法打开，可能被其他程序占用或驱动未安装。",
        CameraProblem::UnsupportedFormat => "高拍仪的图像格式不受支持，请联系运维人员。",
        CameraProblem::NoPicture => "高拍仪无画面，请重试；多次失败请重新插拔高拍仪。",
        CameraProblem::BadPicture => "高拍仪画面异常，请重试。",
        CameraProblem::Misconfigured => "高拍仪配置有误，请联系运维人员检查设备设置。",
        CameraProblem::UnreadableCode => {
            "高拍仪画面中的二维码无法识别（可能已损坏），请换用扫码枪或手工录入；预览继续。"
        }
    }
}

/// The scanner gun's hints.
pub fn scanner(problem: ScannerProblem) -> &'static str {
    match problem {
        ScannerProblem::NotConnected => {
            "扫码枪未连接，请检查连接线；如已连接，请确认扫码枪处于串口（USB-CDC）模式。"
        }
        ScannerProblem::OpenFailed => "扫码枪无法打开，可能被其他程序占用或驱动未安装。",
        ScannerProblem::TooLong => "条码内容过长，已忽略，请重新扫描或联系运维人员。",
        ScannerProblem::Undecodable => {
            "扫码内容无法识别（编码不符），请重新扫描；多次失败请联系运维人员检查编码设置。"
        }
        ScannerProblem::SuffixMismatch => "扫码枪结束符设置与系统配置不一致，请联系运维人员。",
        ScannerProblem::Misconfigured => "扫码枪配置有误，请联系运维人员检查端口和参数。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn distinct(texts: &[String]) -> bool {
        texts.iter().collect::<HashSet<_>>().len() == texts.len()
    }

    #[test]
    fn each_table_gives_every_key_its_own_sentence() {
        use CameraProblem as C;
        use IdCardProblem as I;
        use ScannerProblem as S;
        let id_card_problems = [
            I::NoCard,
            I::CardPulled,
            I::ReadFailed,
            I::UnrecognisedCard,
            I::BadCardData,
            I::OpenFailed,
            I::LinkBroken,
            I::NotFound,
            I::NoAnswer,
            I::Garbled,
            I::SecurityModule,
            I::ReaderFault,
        ];
        assert!(distinct(&id_card_problems.map(|p| id_card(p).to_string())));
        let camera_problems = [
            C::NotConnected,
            C::OpenFailed,
            C::UnsupportedFormat,
            C::NoPicture,
            C::BadPicture,
            C::Misconfigured,
        ];
        assert!(distinct(&camera_problems.map(|p| camera(p).to_string())));
        let scanner_problems = [
            S::NotConnected,
            S::OpenFailed,
            S::TooLong,
            S::Undecodable,
            S::SuffixMismatch,
            S::Misconfigured,
        ];
        assert!(distinct(&scanner_problems.map(|p| scanner(p).to_string())));
        let conditions = [
            Condition::PaperOut,
            Condition::PaperJam,
            Condition::CoverOpen,
            Condition::TonerEmpty,
            Condition::Offline,
            Condition::Stopped,
        ];
        assert!(distinct(
            &conditions.map(|c| spooler(SpoolerProblem::Printer(c), "a4"))
        ));
        assert_eq!(
            ukey(UkeyProblem::PinIncorrect, Some(2)),
            "PIN码错误，还可重试2次。"
        );
        assert_eq!(
            spooler(SpoolerProblem::QueueNotFound, "hp"),
            "未找到打印机「hp」，请联系运维人员检查打印机名称配置。"
        );
        assert_eq!(
            receipt_printer(ReceiptPrinterProblem::Other(ErrorKind::Timeout)),
            "小票打印机无响应，请重试；多次失败请联系运维人员。"
        );
        assert_eq!(with_detail("甲", "b"), "甲（b）");
    }
}
