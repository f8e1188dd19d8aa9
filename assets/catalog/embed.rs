// Shared by `core/build.rs` and `server/build.rs` (`include!`d): writes
// `$OUT_DIR/bundled_catalog.rs`, which embeds `assets/catalog/` (`HEAD`: catalog.json, `ITEMS`:
// every items/*.json in name order), so neither binary reads the source tree at run time.

fn embed_catalog() {
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("../assets/catalog");
    let items_dir = dir.join("items");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", items_dir.display());
    let head = dir.join("catalog.json");
    println!("cargo:rerun-if-changed={}", head.display());
    let mut items: Vec<std::path::PathBuf> = std::fs::read_dir(&items_dir)
        .expect("assets/catalog/items is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    items.sort();
    let mut out = format!(
        "pub const HEAD: &str = include_str!({head:?});\npub const ITEMS: &[(&str, &str)] = &[\n"
    );
    for p in &items {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_name().expect("a file").to_string_lossy();
        out += &format!("    ({name:?}, include_str!({p:?})),\n");
    }
    out += "];\n";
    let dest = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"))
        .join("bundled_catalog.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
