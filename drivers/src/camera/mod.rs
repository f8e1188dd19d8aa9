//! Document camera (高拍仪).
pub mod image;
pub mod jpeg;
pub mod qr;

/// The device's Chinese name, used in every clerk-facing message.
pub const DEVICE_NAME: &str = "高拍仪";
