//! The SKF return codes (`SAR_*`, GM/T 0016-2012 appendix A): their names for IT and the
//! [`UkeyError`] each failed call maps to. Re-exported from [`super`].

use crate::ukey::UkeyError;

pub const SAR_OK: u32 = 0;
pub const SAR_FAIL: u32 = 0x0A00_0001;
pub const SAR_NOTSUPPORTYETERR: u32 = 0x0A00_0003;
pub const SAR_INVALIDHANDLEERR: u32 = 0x0A00_0005;
pub const SAR_INVALIDPARAMERR: u32 = 0x0A00_0006;
pub const SAR_CERTNOTFOUNTERR: u32 = 0x0A00_001C;
pub const SAR_BUFFER_TOO_SMALL: u32 = 0x0A00_0020;
pub const SAR_DEVICE_REMOVED: u32 = 0x0A00_0023;
pub const SAR_PIN_INCORRECT: u32 = 0x0A00_0024;
pub const SAR_PIN_LOCKED: u32 = 0x0A00_0025;
pub const SAR_PIN_INVALID: u32 = 0x0A00_0026;
pub const SAR_PIN_LEN_RANGE: u32 = 0x0A00_0027;
pub const SAR_USER_ALREADY_LOGGED_IN: u32 = 0x0A00_0028;
pub const SAR_USER_NOT_LOGGED_IN: u32 = 0x0A00_002D;
pub const SAR_APPLICATION_NOT_EXISTS: u32 = 0x0A00_002E;

/// `SAR_PIN_INCORRECT`-style name of a return code, for IT.
pub fn sar_name(code: u32) -> String {
    let name = match code {
        SAR_OK => "SAR_OK",
        SAR_FAIL => "SAR_FAIL",
        0x0A00_0002 => "SAR_UNKNOWNERR",
        SAR_NOTSUPPORTYETERR => "SAR_NOTSUPPORTYETERR",
        0x0A00_0004 => "SAR_FILEERR",
        SAR_INVALIDHANDLEERR => "SAR_INVALIDHANDLEERR",
        SAR_INVALIDPARAMERR => "SAR_INVALIDPARAMERR",
        0x0A00_0007 => "SAR_READFILEERR",
        0x0A00_0009 => "SAR_NAMELENERR",
        0x0A00_000A => "SAR_KEYUSAGEERR",
        0x0A00_000E => "SAR_MEMORYERR",
        0x0A00_000F => "SAR_TIMEOUTERR",
        0x0A00_0010 => "SAR_INDATALENERR",
        0x0A00_0011 => "SAR_INDATAERR",
        0x0A00_0013 => "SAR_HASHOBJERR",
        0x0A00_0014 => "SAR_HASHERR",
        0x0A00_001A => "SAR_HASHNOTEQUALERR",
        0x0A00_001B => "SAR_KEYNOTFOUNTERR",
        SAR_CERTNOTFOUNTERR => "SAR_CERTNOTFOUNTERR",
        0x0A00_001D => "SAR_NOTEXPORTERR",
        SAR_BUFFER_TOO_SMALL => "SAR_BUFFER_TOO_SMALL",
        SAR_DEVICE_REMOVED => "SAR_DEVICE_REMOVED",
        SAR_PIN_INCORRECT => "SAR_PIN_INCORRECT",
        SAR_PIN_LOCKED => "SAR_PIN_LOCKED",
        SAR_PIN_INVALID => "SAR_PIN_INVALID",
        SAR_PIN_LEN_RANGE => "SAR_PIN_LEN_RANGE",
        SAR_USER_ALREADY_LOGGED_IN => "SAR_USER_ALREADY_LOGGED_IN",
        0x0A00_0029 => "SAR_USER_PIN_NOT_INITIALIZED",
        0x0A00_002A => "SAR_USER_TYPE_INVALID",
        SAR_USER_NOT_LOGGED_IN => "SAR_USER_NOT_LOGGED_IN",
        SAR_APPLICATION_NOT_EXISTS => "SAR_APPLICATION_NOT_EXISTS",
        0x0A00_0031 => "SAR_FILE_NOT_EXIST",
        _ => return format!("0x{code:08X}"),
    };
    format!("{name} (0x{code:08X})")
}

/// Maps a failed call; PIN codes are handled by the caller where retries are known.
pub(super) fn sar_error(function: &str, code: u32) -> UkeyError {
    let named = sar_name(code);
    match code {
        SAR_DEVICE_REMOVED | SAR_INVALIDHANDLEERR => UkeyError::KeyRemoved {
            detail: format!("{function}: {named}"),
        },
        SAR_PIN_LOCKED => UkeyError::PinLocked { code: named },
        SAR_PIN_INCORRECT => UkeyError::PinIncorrect {
            retries_left: None,
            code: named,
        },
        SAR_PIN_INVALID | SAR_PIN_LEN_RANGE => UkeyError::PinInvalid { code: named },
        SAR_USER_NOT_LOGGED_IN => UkeyError::NotLoggedIn,
        _ => UkeyError::Library {
            function: function.to_string(),
            code: named,
        },
    }
}
