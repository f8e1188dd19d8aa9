//! What the shell supplies to intake: the catalog as intake uses it ([`CatalogView`]) and who
//! is at the window ([`Desk`]).

use super::IntakeError;
use crate::domain::catalog::calendar::WorkCalendar;
use crate::domain::catalog::search::{ItemHit, SearchIndex};
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

    /// The departments in catalog order, each with how many items it handles (按部门, D3);
    /// departments without an item are left out.
    pub fn departments(&self) -> Vec<DepartmentEntry> {
        self.catalog
            .departments
            .iter()
            .map(|d| DepartmentEntry {
                code: d.code.clone(),
                name: d.name.clone(),
                short_name: d.short_name.clone(),
                items: self
                    .catalog
                    .items
                    .iter()
                    .filter(|i| i.department == d.code)
                    .count() as u32,
            })
            .filter(|d| d.items > 0)
            .collect()
    }

    /// The items of one department in catalog order, as search hits (favourites marked); an
    /// unknown department has none.
    pub fn department_items(&self, code: &str, favourites: &[String]) -> Vec<ItemHit> {
        let codes: Vec<String> = self
            .catalog
            .items
            .iter()
            .filter(|i| i.department == code)
            .map(|i| i.code.clone())
            .collect();
        self.index.hits_for(&codes, favourites)
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

/// One department of the 按部门 list: names and how many items it handles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct DepartmentEntry {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub items: u32,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> CatalogView {
        CatalogView::new(crate::domain::catalog::bundled().unwrap())
    }

    #[test]
    fn d3_departments_are_listed_with_their_item_counts() {
        let v = view();
        let deps = v.departments();
        assert!(!deps.is_empty());
        let total: u32 = deps.iter().map(|d| d.items).sum();
        assert_eq!(
            total as usize,
            v.catalog.items.len(),
            "every item in one department"
        );
        let order: Vec<&str> = v
            .catalog
            .departments
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        let listed: Vec<&str> = deps.iter().map(|d| d.code.as_str()).collect();
        assert!(
            listed.iter().all(|c| order.contains(c)),
            "catalog departments only"
        );
        let gaj = deps
            .iter()
            .find(|d| d.code == "gaj")
            .expect("公安 has items");
        let n = v
            .catalog
            .items
            .iter()
            .filter(|i| i.department == "gaj")
            .count();
        assert_eq!(gaj.items as usize, n);
        assert!(!gaj.short_name.is_empty() && !gaj.name.is_empty());
    }

    #[test]
    fn d3_a_department_lists_its_items_with_favourites_marked() {
        let v = view();
        let fav = v
            .catalog
            .items
            .iter()
            .find(|i| i.department == "gaj")
            .unwrap()
            .code
            .clone();
        let hits = v.department_items("gaj", std::slice::from_ref(&fav));
        let n = v
            .catalog
            .items
            .iter()
            .filter(|i| i.department == "gaj")
            .count();
        assert_eq!(hits.len(), n);
        assert!(hits
            .iter()
            .all(|h| v.item(&h.code).unwrap().department == "gaj"));
        assert!(hits.iter().any(|h| h.code == fav && h.favourite));
        assert!(hits.iter().filter(|h| h.code != fav).all(|h| !h.favourite));
        assert!(v.department_items("nope", &[]).is_empty());
    }
}
