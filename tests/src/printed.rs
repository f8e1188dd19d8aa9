//! What the simulated A4 printer put on paper, read back as text.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The text of every PDF in `dir` (what a simulated A4 printer received), in file-name order,
/// through poppler's `pdftotext`.
pub fn pdf_texts(dir: &Path) -> Result<Vec<String>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let out = Command::new("pdftotext")
                .arg(p)
                .arg("-")
                .output()
                .context("pdftotext (poppler-utils: make setup)")?;
            if !out.status.success() {
                bail!("pdftotext {} failed: {}", p.display(), out.status);
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        })
        .collect()
}
