//! `yichuang-wlt-helper <library>`: decodes one card photo with the reader vendor's WLT
//! library in a process of its own, so a crash or a hang in vendor code cannot take the
//! workstation down. The workstation starts it per card (`devices.id_card.photo_decoder`
//! names the library): 1024 WLT bytes on stdin, 38 556 decoded bytes on stdout, an exit code
//! from `yichuang_drivers::idcard::photo::exit` on failure. It writes no file and no log.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    std::process::exit(yichuang_drivers::idcard::photo::helper_main(&args));
}
