//! Embeds the bundled catalog (`assets/catalog/`) into the library, so an installed
//! workstation has its catalog offline from the first start, wherever it was built.

include!("../assets/catalog/embed.rs");

fn main() {
    println!("cargo:rerun-if-changed=../assets/catalog/embed.rs");
    embed_catalog();
}
