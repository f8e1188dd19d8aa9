//! `sqlx::migrate!` embeds `migrations/` at compile time: rebuild when a file is added. And
//! the bundled catalog (`assets/catalog/`) is embedded into the server: served when no
//! `--catalog-dir` is given, wherever the binary was built or installed.

include!("../assets/catalog/embed.rs");

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=../assets/catalog/embed.rs");
    embed_catalog();
}
