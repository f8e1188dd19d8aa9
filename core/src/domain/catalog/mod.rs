//! The service catalog: model, loading and validation, search, the working-day calendar.
//!
//! On disk (`assets/catalog/`) the catalog is `catalog.json` (version, departments, notice
//! templates, calendar) plus one `items/<department>.json` per department holding an array of
//! items. [`load_dir`] merges them and [`validate`] checks every reference, so a broken catalog
//! is refused with the exact place named instead of failing at the counter.

pub mod calendar;
mod labels;
pub mod model;
pub mod search;
pub mod synthetic;

pub use model::*;

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Why a catalog cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Parse { path: String, detail: String },
    #[error("catalog is inconsistent: {0}")]
    Invalid(String),
}

impl CatalogError {
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            CatalogError::Io { .. } | CatalogError::Parse { .. } => crate::ErrorCode::CatalogRead,
            CatalogError::Invalid(_) => crate::ErrorCode::CatalogInvalid,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> String {
        self.code().message().into()
    }
}

/// The top-level `catalog.json`: everything but the items.
#[derive(Debug, serde::Deserialize)]
struct CatalogHead {
    version: String,
    departments: Vec<Department>,
    templates: Vec<NoticeTemplate>,
    calendar: Calendar,
    #[serde(default)]
    licence_types: Vec<LicenceType>,
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, CatalogError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| CatalogError::Parse {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

fn read(path: &Path) -> Result<String, CatalogError> {
    std::fs::read_to_string(path).map_err(|source| CatalogError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Loads `dir/catalog.json` and every `dir/items/*.json` (in file-name order) and validates.
pub fn load_dir(dir: &Path) -> Result<Catalog, CatalogError> {
    let head_path = dir.join("catalog.json");
    let head = read(&head_path)?;
    let items_dir = dir.join("items");
    let mut files: Vec<_> = std::fs::read_dir(&items_dir)
        .map_err(|source| CatalogError::Io {
            path: items_dir.display().to_string(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut parts = Vec::new();
    for f in files {
        let text = read(&f)?;
        parts.push((f, text));
    }
    from_parts(
        &head_path,
        &head,
        parts.iter().map(|(p, t)| (p.as_path(), t.as_str())),
    )
}

/// The catalog built into this binary from `assets/catalog/` (the workstation's catalog until
/// the first pull from the server).
pub fn bundled() -> Result<Catalog, CatalogError> {
    from_parts(
        Path::new("catalog.json"),
        embedded::HEAD,
        embedded::ITEMS.iter().map(|(n, t)| (Path::new(*n), *t)),
    )
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundled_catalog.rs"));
}

fn from_parts<'a>(
    head_path: &Path,
    head: &str,
    parts: impl Iterator<Item = (&'a Path, &'a str)>,
) -> Result<Catalog, CatalogError> {
    let head: CatalogHead = parse(head_path, head)?;
    let mut items = Vec::new();
    for (path, text) in parts {
        let mut part: Vec<Item> = parse(path, text)?;
        items.append(&mut part);
    }
    let catalog = Catalog {
        version: head.version,
        departments: head.departments,
        items,
        templates: head.templates,
        calendar: head.calendar,
        licence_types: head.licence_types,
    };
    validate(&catalog)?;
    Ok(catalog)
}

/// Parses a served catalog (one JSON document) and validates it.
pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
    let catalog: Catalog = parse(Path::new("catalog"), text)?;
    validate(&catalog)?;
    Ok(catalog)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s[..4].parse::<u32>().is_ok()
        && s[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

/// Checks every reference and the shape of every question tree.
pub fn validate(c: &Catalog) -> Result<(), CatalogError> {
    let bad = |m: String| Err(CatalogError::Invalid(m));
    let mut depts = HashSet::new();
    for d in &c.departments {
        if !depts.insert(d.code.as_str()) {
            return bad(format!("department {} listed twice", d.code));
        }
    }
    let mut licence_names = HashSet::new();
    for t in &c.licence_types {
        if !yichuang_pki::ident::is_licence_type_code(&t.code) {
            return bad(format!(
                "licence type {} ({}): not a GB/T 36904 type code",
                t.code, t.name
            ));
        }
        if !licence_names.insert(t.name.as_str()) {
            return bad(format!("licence type {} listed twice", t.name));
        }
    }
    let mut codes = HashSet::new();
    for item in &c.items {
        let at = format!("item {} ({})", item.code, item.name);
        if !codes.insert(item.code.as_str()) {
            return bad(format!("{at}: code used twice"));
        }
        if item.name.trim().is_empty() {
            return bad(format!("{at}: empty name"));
        }
        if !depts.contains(item.department.as_str()) {
            return bad(format!("{at}: unknown department {}", item.department));
        }
        if item.legal_days != 0 && item.promised_days > item.legal_days {
            return bad(format!("{at}: promised time limit exceeds the legal one"));
        }
        let mut mats = HashSet::new();
        for m in &item.materials {
            if !mats.insert(m.id.as_str()) {
                return bad(format!("{at}: material id {} used twice", m.id));
            }
            if m.count == 0 {
                return bad(format!("{at}: material {} has count 0", m.id));
            }
            if let Some(t) = &m.licence_type {
                if !c.licence_types.is_empty() && !licence_names.contains(t.as_str()) {
                    return bad(format!(
                        "{at}: material {} names licence type {t}, not in licence_types",
                        m.id
                    ));
                }
            }
        }
        let mut fields = HashSet::new();
        for f in &item.fields {
            if !fields.insert(f.id.as_str()) {
                return bad(format!("{at}: field id {} used twice", f.id));
            }
            if let FieldKind::Select { options } = &f.kind {
                if options.is_empty() {
                    return bad(format!("{at}: select field {} has no options", f.id));
                }
                if let Some(d) = &f.default {
                    if !options.contains(d) {
                        return bad(format!("{at}: default of {} is not an option", f.id));
                    }
                }
            }
        }
        if item.situations.is_empty() {
            return bad(format!("{at}: no situation"));
        }
        let mut sits = HashSet::new();
        for s in &item.situations {
            if !sits.insert(s.id.as_str()) {
                return bad(format!("{at}: situation id {} used twice", s.id));
            }
            if s.materials.is_empty() {
                return bad(format!("{at}: situation {} lists no material", s.id));
            }
            for m in &s.materials {
                if !mats.contains(m.as_str()) {
                    return bad(format!(
                        "{at}: situation {} names unknown material {m}",
                        s.id
                    ));
                }
            }
        }
        validate_tree(item).map_err(|m| CatalogError::Invalid(format!("{at}: {m}")))?;
    }
    for t in &c.templates {
        if let Some(d) = &t.department {
            if !depts.contains(d.as_str()) {
                return bad(format!(
                    "template {:?} names unknown department {d}",
                    t.kind
                ));
            }
        }
        if let Some(i) = &t.item {
            if !codes.contains(i.as_str()) {
                return bad(format!("template {:?} names unknown item {i}", t.kind));
            }
        }
    }
    for kind in [
        NoticeKind::Accept,
        NoticeKind::Deferred,
        NoticeKind::Reject,
        NoticeKind::Supplement,
    ] {
        if !c
            .templates
            .iter()
            .any(|t| t.kind == kind && t.department.is_none() && t.item.is_none())
        {
            return bad(format!("no default template for {kind:?}"));
        }
    }
    for d in c.calendar.holidays.iter().chain(&c.calendar.workdays) {
        if !is_date(d) {
            return bad(format!("calendar date {d} is not yyyy-mm-dd"));
        }
    }
    Ok(())
}

/// Without questions the item must have one situation; with questions every option must lead
/// somewhere that exists, the tree must be acyclic, and every situation must be reachable.
fn validate_tree(item: &Item) -> Result<(), String> {
    if item.questions.is_empty() {
        if item.situations.len() != 1 {
            return Err("several situations but no question to choose between them".into());
        }
        return Ok(());
    }
    let qs: HashMap<&str, &Question> = item.questions.iter().map(|q| (q.id.as_str(), q)).collect();
    if qs.len() != item.questions.len() {
        return Err("question id used twice".into());
    }
    let sits: HashSet<&str> = item.situations.iter().map(|s| s.id.as_str()).collect();
    let mut reached_s = HashSet::new();
    let mut reached_q = HashSet::new();
    // Depth-first from the root with the path on a stack to catch cycles.
    fn walk<'a>(
        q: &'a Question,
        qs: &HashMap<&str, &'a Question>,
        sits: &HashSet<&str>,
        path: &mut Vec<&'a str>,
        reached_q: &mut HashSet<&'a str>,
        reached_s: &mut HashSet<&'a str>,
    ) -> Result<(), String> {
        if path.contains(&q.id.as_str()) {
            return Err(format!("question {} is part of a cycle", q.id));
        }
        if q.options.len() < 2 {
            return Err(format!("question {} has fewer than two options", q.id));
        }
        path.push(&q.id);
        reached_q.insert(&q.id);
        for o in &q.options {
            match &o.next {
                Next::Question(id) => {
                    let next = qs.get(id.as_str()).ok_or_else(|| {
                        format!("question {} leads to unknown question {id}", q.id)
                    })?;
                    walk(next, qs, sits, path, reached_q, reached_s)?;
                }
                Next::Situation(id) => {
                    if !sits.contains(id.as_str()) {
                        return Err(format!("question {} leads to unknown situation {id}", q.id));
                    }
                    reached_s.insert(id.as_str());
                }
            }
        }
        path.pop();
        Ok(())
    }
    walk(
        &item.questions[0],
        &qs,
        &sits,
        &mut Vec::new(),
        &mut reached_q,
        &mut reached_s,
    )?;
    if let Some(q) = item
        .questions
        .iter()
        .find(|q| !reached_q.contains(q.id.as_str()))
    {
        return Err(format!("question {} cannot be reached", q.id));
    }
    if let Some(s) = item
        .situations
        .iter()
        .find(|s| !reached_s.contains(s.id.as_str()))
    {
        return Err(format!("situation {} cannot be reached", s.id));
    }
    Ok(())
}

/// The catalog in `assets/catalog/` of this source tree (tests and the server's default).
pub fn bundled_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/catalog")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_loads_and_is_large_enough() {
        let c = load_dir(&bundled_dir()).expect("assets/catalog is valid");
        assert_eq!(bundled().expect("the embedded copy is valid"), c);
        let situations: usize = c.items.iter().map(|i| i.situations.len()).sum();
        assert!(c.items.len() >= 40, "{} items", c.items.len());
        assert!(situations >= 100, "{situations} situations");
        assert!(c.departments.len() >= 5);
        let hjzm = c.items.iter().find(|i| i.name == "户籍证明");
        assert!(hjzm.is_some(), "户籍证明 is in the catalog");
    }
}
