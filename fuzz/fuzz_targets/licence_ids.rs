//! The identifier parsers of the licence library (GB/T 36904 电子证照标识, GB 32100
//! 统一社会信用代码) on arbitrary text: no panic, and whatever parses prints back to text that
//! parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yichuang_pki::ident::{mod37_36_check_char, LicenceId, Uscc};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = LicenceId::parse(&text) {
        assert_eq!(LicenceId::parse(&id.to_string()).as_ref(), Ok(&id));
    }
    if let Ok(code) = Uscc::parse(&text) {
        assert_eq!(Uscc::parse(code.as_str()).as_ref(), Ok(&code));
    }
    let _ = mod37_36_check_char(&text);
});
