//! Label table: the names of the barcode symbologies, as IT reads them in `diagnose`. Only the
//! labels; [`super::codec::SymbologyKind`] names the symbologies.

use super::codec::SymbologyKind;

/// The name IT sees in `diagnose`.
pub fn symbology(kind: SymbologyKind) -> &'static str {
    match kind {
        SymbologyKind::Code39 => "Code 39",
        SymbologyKind::Code128 => "Code 128",
        SymbologyKind::EanUpc => "EAN/UPC",
        SymbologyKind::Codabar => "Codabar",
        SymbologyKind::Code93 => "Code 93",
        SymbologyKind::Code11 => "Code 11",
        SymbologyKind::Interleaved2Of5 => "交叉25码",
        SymbologyKind::Pdf417 => "PDF417",
        SymbologyKind::Msi => "MSI",
        SymbologyKind::Qr => "QR 码",
        SymbologyKind::MaxiCode => "MaxiCode",
        SymbologyKind::DataMatrix => "Data Matrix",
        SymbologyKind::Gs1DataBar => "GS1 DataBar",
        SymbologyKind::HanXin => "汉信码",
        SymbologyKind::Aztec => "Aztec",
        SymbologyKind::Other => "其他",
    }
}
