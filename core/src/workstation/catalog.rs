//! Which catalog the clerk works from: the one last pulled from the server (offline cache),
//! else a directory named at start (`YICHUANG_CATALOG_DIR`), else the copy built into the
//! binary, so a new workstation works offline from the start. Reloaded when a newer pull
//! lands.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::domain::catalog::{self, Catalog};
use crate::domain::intake::CatalogView;
use crate::infra::store::Store;
use crate::{ErrorCode, UserError};

#[derive(Default)]
pub struct CatalogSource {
    /// A catalog directory that replaces the bundled copy (demos, tests).
    dir: Option<PathBuf>,
    current: Mutex<Option<Arc<CatalogView>>>,
}

impl CatalogSource {
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            current: Mutex::new(None),
        }
    }

    /// The catalog now: the cached view unless the store holds a newer pull.
    pub fn view(&self, store: &mut Store) -> Result<Arc<CatalogView>, UserError> {
        let pulled = crate::infra::sync::pull::cached_catalog(store.conn())
            .map_err(|e| UserError::new(ErrorCode::IntakeStore, e.to_string()))?;
        let mut slot = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(view) = slot.as_ref() {
            match &pulled {
                Some(c) if c.version != view.catalog.version => {}
                _ => return Ok(view.clone()),
            }
        }
        let view = Arc::new(CatalogView::new(match pulled {
            Some(c) => c,
            None => self.local()?,
        }));
        *slot = Some(view.clone());
        Ok(view)
    }

    fn local(&self) -> Result<Catalog, UserError> {
        match &self.dir {
            Some(dir) => catalog::load_dir(dir),
            None => catalog::bundled(),
        }
        .map_err(|e| UserError::with_message(ErrorCode::IntakeCatalog, e.message(), e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d3_without_a_pull_the_bundled_catalog_is_used_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("w.db")).unwrap();
        let source = CatalogSource::new(None);
        let first = source.view(&mut s).unwrap();
        assert_eq!(first.catalog.version, catalog::bundled().unwrap().version);
        assert!(
            Arc::ptr_eq(&first, &source.view(&mut s).unwrap()),
            "kept, not reloaded"
        );
    }
}
