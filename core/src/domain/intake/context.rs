//! What the shell supplies to intake: the catalog as intake uses it ([`CatalogView`]) and who
//! is at the window ([`Desk`]).

use super::IntakeError;
use crate::domain::catalog::calendar::WorkCalendar;
use crate::domain::catalog::search::SearchIndex;
use crate::domain::catalog::{Catalog, Item};

/// The catalog as intake uses it: the items, the working-day calendar and the search index.
pub struct CatalogView {
    pub catalog: Catalog,
    pub calendar: WorkCalendar,
    pub index: SearchIndex,
}

impl CatalogView {
    pub fn new(catalog: Catalog) -> CatalogView {
        CatalogView {
            calendar: WorkCalendar::new(&catalog.calendar),
            index: SearchIndex::new(&catalog),
            catalog,
        }
    }

    pub fn item(&self, code: &str) -> Result<&Item, IntakeError> {
        self.catalog
            .items
            .iter()
            .find(|i| i.code == code)
            .ok_or_else(|| IntakeError::UnknownItem(code.to_string()))
    }

    pub fn department_name(&self, code: &str) -> String {
        self.catalog
            .departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_string())
    }
}

/// Who and where: the clerk at this window, the hall, the window.
#[derive(Debug, Clone)]
pub struct Desk {
    pub clerk_id: String,
    pub clerk_name: String,
    pub hall_name: String,
    /// 6-digit division code of the hall (login, intake and sync refuse a config without one).
    pub hall_code: String,
    pub window_number: u16,
    /// e.g. 「3号窗口 综合受理窗口」.
    pub window_label: String,
}
