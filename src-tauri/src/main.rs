// The desktop binary: everything is in the library so the shell stays one call deep.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    yichuang_app::main()
}
