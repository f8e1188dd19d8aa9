//! Intake at the workstation (issue 5): each operation takes the clerk at the desk, the
//! catalog and the store, calls `domain::intake` and refreshes the pending count after a
//! write. Notices and reprints go through the print sequences of [`super::notices`].

use std::sync::Arc;

use crate::domain::catalog::search::ItemHit;
use crate::domain::catalog::Item;
use crate::domain::document::DocumentPreview;
use crate::domain::intake::cases::{self, CaseEvent, ChangeInput};
use crate::domain::intake::history::{
    self, ExportFormat, ExportResult, HistoryPage, HistoryQuery, TodayFigures,
};
use crate::domain::intake::{
    Attachment, Case, CaseDraft, CaseState, CatalogView, ConclusionInput, DecisionInput,
    DepartmentEntry, IntakeError, Party,
};
use crate::{ErrorCode, UserError};

use super::{notices, Workstation};
use crate::domain::access::Permission;

/// The item list before anything is typed: favourites, the 15 most frequent, recent, and
/// the departments with their item counts (the workbench home, D3).
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct CatalogHome {
    pub favourites: Vec<ItemHit>,
    pub frequent: Vec<ItemHit>,
    pub recent: Vec<ItemHit>,
    pub departments: Vec<DepartmentEntry>,
    pub version: String,
    pub items: u32,
}

fn ie(e: IntakeError) -> UserError {
    e.to_user()
}

impl Workstation {
    pub(super) fn catalog(&self) -> Result<Arc<CatalogView>, UserError> {
        self.with_store(|s| self.catalog.view(s))
    }

    /// Runs a write on the store and refreshes the pending count.
    pub(super) fn write<T>(
        &self,
        f: impl FnOnce(&mut crate::infra::store::Store) -> Result<T, IntakeError>,
    ) -> Result<T, UserError> {
        let out = self.with_store(|s| f(s).map_err(ie));
        self.refresh_pending();
        out
    }

    /// The workbench home, with only the items of the clerk's departments (A4).
    pub fn catalog_home(&self) -> Result<CatalogHome, UserError> {
        let clerk = self.clerk()?;
        let view = &clerk.view;
        let usage = self.with_store(|s| cases::usage(s, &clerk.desk.clerk_id).map_err(ie))?;
        let hits = |codes: &[String]| clerk.keep(view.index.hits_for(codes, &usage.favourites));
        let departments = view
            .departments()
            .into_iter()
            .filter(|d| clerk.access.serves_department(&d.code))
            .collect();
        let items = match clerk.codes_in_scope() {
            Some(codes) => codes.len(),
            None => view.catalog.items.len(),
        };
        Ok(CatalogHome {
            favourites: hits(&usage.favourites),
            frequent: hits(&usage.frequent),
            recent: hits(&usage.recent),
            departments,
            version: view.catalog.version.clone(),
            items: items as u32,
        })
    }

    /// Item search (D3): name, type, department, full pinyin, initials, small typos; among
    /// the items of the clerk's departments (A4).
    pub fn catalog_search(&self, query: &str) -> Result<Vec<ItemHit>, UserError> {
        let clerk = self.clerk()?;
        let usage = self.with_store(|s| cases::usage(s, &clerk.desk.clerk_id).map_err(ie))?;
        let scope = clerk.codes_in_scope();
        Ok(clerk
            .view
            .index
            .search_among(query, &usage.counts, &usage.favourites, |code| {
                scope.as_ref().is_none_or(|s| s.contains(code))
            }))
    }

    /// The items of one department (按部门, D3), favourites marked; none for a department
    /// outside the clerk's scope (A4).
    pub fn catalog_department(&self, code: &str) -> Result<Vec<ItemHit>, UserError> {
        let clerk = self.clerk()?;
        if !clerk.access.serves_department(code) {
            return Ok(Vec::new());
        }
        let usage = self.with_store(|s| cases::usage(s, &clerk.desk.clerk_id).map_err(ie))?;
        Ok(clerk.view.department_items(code, &usage.favourites))
    }

    /// One item of the clerk's departments (A4: another department's item is refused).
    pub fn catalog_item(&self, code: &str) -> Result<Item, UserError> {
        let clerk = self.clerk()?;
        clerk.item(code).cloned()
    }

    /// Marks or unmarks a favourite; only items of the clerk's departments are marked.
    pub fn catalog_favourite(&self, code: &str, favourite: bool) -> Result<(), UserError> {
        let clerk = self.clerk()?;
        if favourite {
            clerk.item(code)?;
        }
        let clerk_id = &clerk.desk.clerk_id;
        self.with_store(|s| cases::set_favourite(s, clerk_id, code, favourite).map_err(ie))
    }

    /// A fresh draft for an item (form defaults; the checklist when it has one situation):
    /// `accept`, and an item of the clerk's departments (A4).
    pub fn intake_new(&self, item_code: &str) -> Result<CaseDraft, UserError> {
        let clerk = self.permit(Permission::Accept, None, None)?;
        Ok(crate::domain::intake::new_draft(clerk.item(item_code)?))
    }

    /// Re-resolves the situation after an answer and rebuilds the checklist.
    pub fn intake_refresh(&self, draft: CaseDraft) -> Result<CaseDraft, UserError> {
        let clerk = self.permit(Permission::Accept, None, None)?;
        clerk.item(&draft.item_code)?;
        cases::refresh(&clerk.view, draft).map_err(ie)
    }

    /// The party on the card just read (A6: only from an audited, recent read here).
    pub fn party_from_card(&self) -> Result<Party, UserError> {
        self.permit(Permission::Accept, None, None)?;
        self.reads.party_from_card(self.now())
    }

    /// C2: the party on an expired card, taken as the law allows in some cases (e.g. a
    /// replacement card being made), with the clerk's reason — audited as
    /// `card.expired_override` before the party is given; the decision checks that entry.
    pub fn party_from_expired_card(&self, reason: &str) -> Result<Party, UserError> {
        let clerk = self.permit(Permission::Accept, None, None)?;
        let now = self.now();
        let card = self.reads.last_card(now)?;
        if !card.expired {
            return self.reads.party_from_card(now);
        }
        let reason = reason.trim();
        if reason.chars().count() < 2 || reason.chars().count() > 100 {
            return Err(UserError::new(
                ErrorCode::IntakeOverrideReason,
                "an expired card's override needs a reason of 2–100 characters",
            ));
        }
        let detail = serde_json::json!({
            "reason": reason,
            "valid_until": format!("{:?}", card.identity.valid_until),
        });
        self.with_store(|s| {
            super::reads::audit_read(
                s,
                now,
                Some(clerk.desk.clerk_id.clone()),
                "card.expired_override",
                Some(card.identity.id_number.clone()),
                detail,
            )
        })?;
        Ok(super::reads::party(&card))
    }

    /// Saves the draft; `park` sets it aside to serve the next person (E7).
    pub fn intake_save(&self, draft: CaseDraft, park: bool) -> Result<Case, UserError> {
        let audited = park.then_some("intake.park");
        let clerk = self.permit(Permission::Accept, audited, draft.id.as_deref())?;
        clerk.item(&draft.item_code)?;
        let now = self.now();
        let (desk, view) = (&clerk.desk, &clerk.view);
        self.write(|s| cases::save_draft(s, view, desk, draft, park, now))
    }

    /// Another clerk logs in at the locked window (A5): the locked clerk's open case is parked
    /// as their draft first (audited, `reason: clerk_switch`), so the switch loses no work.
    /// Allowed while locked: it only keeps what was on the hidden page, for its own clerk.
    pub fn intake_park_for_switch(&self, draft: CaseDraft) -> Result<Case, UserError> {
        let desk = self.park_desk()?;
        let view = self.catalog()?;
        let now = self.now();
        self.write(|s| {
            cases::save(
                s,
                &view,
                &desk,
                draft,
                Some(cases::ParkReason::ClerkSwitch),
                now,
            )
        })
    }

    pub fn intake_drafts(&self) -> Result<Vec<Case>, UserError> {
        let desk = self.clerk_desk()?;
        self.with_store(|s| cases::drafts(s, &desk.clerk_id).map_err(ie))
    }

    pub fn intake_discard(&self, case_id: &str) -> Result<(), UserError> {
        let desk = self
            .permit(Permission::Accept, Some("intake.discard"), Some(case_id))?
            .desk;
        let now = self.now();
        self.write(|s| cases::discard_draft(s, &desk, case_id, now))
    }

    /// Saves and numbers the case, prints the decision's notice, records the print (E6).
    pub fn print_notice(
        &self,
        draft: CaseDraft,
        decision: &DecisionInput,
    ) -> Result<Case, UserError> {
        let clerk = self.permit(
            Permission::Accept,
            Some("print.notice"),
            draft.id.as_deref(),
        )?;
        clerk.item(&draft.item_code)?;
        let (desk, view) = (clerk.desk, clerk.view);
        let printer = self.devices.a4_printer()?;
        let out = notices::print_notice(
            self.store()?,
            &*printer,
            self.clock(),
            &view,
            &desk,
            draft,
            decision,
        );
        self.refresh_a4_state();
        self.refresh_pending();
        out
    }

    /// The notice F8 would print now, for the preview (nothing saved, nothing numbered).
    pub fn preview_notice(
        &self,
        draft: CaseDraft,
        decision: &DecisionInput,
    ) -> Result<DocumentPreview, UserError> {
        let clerk = self.permit(Permission::Accept, None, None)?;
        clerk.item(&draft.item_code)?;
        let (desk, view) = (clerk.desk, clerk.view);
        let now = self.now();
        self.with_store(|s| {
            cases::preview_notice(s, &view, &desk, draft, decision, now).map_err(ie)
        })
    }

    /// Takes the decision whose notice was printed: one transaction with audit and outbox.
    pub fn intake_decide(
        &self,
        case_id: &str,
        decision: &DecisionInput,
    ) -> Result<Case, UserError> {
        let clerk = self.permit(Permission::Accept, Some("intake.decide"), Some(case_id))?;
        let (desk, view) = (clerk.desk, clerk.view);
        let now = self.now();
        let case = self.write(|s| cases::decide(s, &view, &desk, case_id, decision, now))?;
        // F2: the receipt slip follows on the thermal printer, when there is one.
        if matches!(case.state, CaseState::Accepted | CaseState::Deferred) {
            self.receipt_slip_after_decision(&desk, case_id);
        }
        Ok(case)
    }

    /// Closes an accepted 即办件 at the counter (E11): prints its decision (准予 / 不予许可),
    /// then 办结 — one transaction with its audit entry and outbox row.
    pub fn intake_conclude(
        &self,
        case_id: &str,
        input: &ConclusionInput,
    ) -> Result<Case, UserError> {
        let clerk = self.permit(Permission::Accept, Some("intake.conclude"), Some(case_id))?;
        let (desk, view) = (clerk.desk, clerk.view);
        let printer = self.devices.a4_printer()?;
        let out = notices::conclude(
            self.store()?,
            &*printer,
            self.clock(),
            &view,
            &desk,
            case_id,
            input,
        );
        self.refresh_a4_state();
        self.refresh_pending();
        out
    }

    /// Prints the 撤件申请书 the citizen signs before a withdrawal (E9), audited.
    pub fn print_withdraw_form(&self, case_id: &str) -> Result<(), UserError> {
        let desk = self
            .permit(
                Permission::Change,
                Some("print.withdraw_form"),
                Some(case_id),
            )?
            .desk;
        let printer = self.devices.a4_printer()?;
        let out = notices::withdraw_form(self.store()?, &*printer, self.clock(), &desk, case_id);
        self.refresh_a4_state();
        out
    }

    /// One of the clerk's cases, opened from the history list (audited, A6).
    pub fn case_get(&self, case_id: &str) -> Result<Case, UserError> {
        let desk = self
            .permit(Permission::Query, Some("case.view"), Some(case_id))?
            .desk;
        let now = self.now();
        self.write(|s| history::view_audited(s, &desk.clerk_id, case_id, now))
    }

    /// Changes a decided case with a reason (E9).
    pub fn case_change(
        &self,
        case_id: &str,
        change: &ChangeInput,
        reason: &str,
    ) -> Result<Case, UserError> {
        let desk = self
            .permit(Permission::Change, Some("intake.change"), Some(case_id))?
            .desk;
        let now = self.now();
        self.write(|s| cases::change(s, &desk, case_id, change, reason, now))
    }

    /// The clerk's cases (audited, A6); by a typed ID number only for a card read in this
    /// session.
    pub fn history_search(&self, query: &HistoryQuery) -> Result<HistoryPage, UserError> {
        let clerk = self.permit(Permission::Query, Some("history.search"), None)?;
        let (desk, view) = (clerk.desk, clerk.view);
        let (today, now) = (self.clock.today(), self.now());
        let read = |id: &str| self.reads.read_in_session(id);
        self.write(|s| {
            history::search_audited(s, &view.calendar, &desk.clerk_id, query, today, now, read)
        })
    }

    /// Reprints a notice with a reason (I2): print counter and audit entry.
    pub fn reprint(&self, case_id: &str, index: u32, reason: &str) -> Result<Case, UserError> {
        let desk = self
            .permit(Permission::Reprint, Some("print.reprint"), Some(case_id))?
            .desk;
        let printer = self.devices.a4_printer()?;
        let out = notices::reprint(
            self.store()?,
            &*printer,
            self.clock(),
            &desk,
            case_id,
            index as usize,
            reason,
        );
        self.refresh_a4_state();
        self.refresh_pending();
        out
    }

    /// Exports the clerk's cases matching the query to `<data dir>/exports/` (audited).
    pub fn history_export(
        &self,
        query: &HistoryQuery,
        format: ExportFormat,
    ) -> Result<ExportResult, UserError> {
        let clerk = self.permit_all(
            &[Permission::Query, Permission::Export],
            Some("history.export"),
        )?;
        let (desk, view) = (clerk.desk, clerk.view);
        history::check_id_search(query, |id| self.reads.read_in_session(id)).map_err(ie)?;
        let (t, now, today) = (self.clock.slip_time(), self.now(), self.clock.today());
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        };
        let name = format!(
            "{}-{}-{:04}{:02}{:02}-{:02}{:02}{:02}.{ext}",
            crate::labels::files::EXPORT_PREFIX,
            desk.clerk_id,
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            now.rem_euclid(60_000) / 1000
        );
        let path = self.data_dir.join("exports").join(name);
        self.write(|s| history::export(s, &view.calendar, &desk, query, format, &path, today, now))
    }

    pub fn stats_today(&self) -> Result<TodayFigures, UserError> {
        let desk = self.clerk_desk()?;
        let today = self.clock.today();
        self.with_store(|s| history::today_figures(s, &desk.clerk_id, today).map_err(ie))
    }

    /// The case's trail from the audit log: prints, reprints with reasons, decision, changes
    /// (the read audited, A6).
    pub fn case_trail(&self, case_id: &str) -> Result<Vec<CaseEvent>, UserError> {
        let desk = self
            .permit(Permission::Query, Some("case.trail"), Some(case_id))?
            .desk;
        let now = self.now();
        self.write(|s| history::trail_audited(s, &desk.clerk_id, case_id, now))
    }

    /// Checks and stores a material file (encrypted, queued for upload, audited) in one
    /// transaction; shared by file import and camera capture.
    pub fn attach_file(&self, name: &str, bytes: &[u8]) -> Result<Attachment, UserError> {
        let desk = self
            .permit(Permission::Accept, Some("intake.attach"), None)?
            .desk;
        let blobs = self.sync.blobs().ok_or_else(|| {
            UserError::new(
                ErrorCode::IntakeNoBlobStore,
                "the blob store was not opened at start",
            )
        })?;
        let now = self.now();
        self.write(|s| cases::attach(s, &blobs, &desk, name, bytes, now))
    }
}
