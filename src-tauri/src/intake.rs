//! Intake commands (issue 5): thin wrappers over `yichuang_core::domain::intake`. The shell supplies
//! the clerk at the window, the catalog (pulled from the server, else the bundled one), the
//! last card read and the A4 printer; the rules live in core.

use crate::commands::blocking;
use crate::state::AppState;
use std::sync::{Arc, Mutex};
use tauri::{Manager, State};
use yichuang_core::domain::catalog::search::ItemHit;
use yichuang_core::domain::catalog::Item;
use yichuang_core::devices::id_card::CitizenCard;
use yichuang_core::domain::intake::cases::{self, ChangeInput};
use yichuang_core::domain::intake::history::{
    self, ExportFormat, ExportResult, HistoryPage, HistoryQuery, TodayFigures,
};
use yichuang_core::domain::intake::{
    Case, CaseDraft, CatalogView, DecisionInput, Desk, IdSource, IntakeError, Party,
};
use yichuang_core::{ErrorCode, UserError};

/// Intake's part of the shell state.
#[derive(Default)]
pub struct IntakeState {
    catalog: Mutex<Option<Arc<CatalogView>>>,
    /// The last card the reader read, and when (unix ms): parties are filled from it only.
    last_card: Mutex<Option<(CitizenCard, i64)>>,
}

impl IntakeState {
    pub fn card_read(&self, card: CitizenCard, at_ms: i64) {
        *lock(&self.last_card) = Some((card, at_ms));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> i64 {
    yichuang_core::domain::audit::now_ms()
}

fn today() -> yichuang_drivers::idcard::Date {
    yichuang_core::infra::clock::today_in_china()
}

/// The clerk at the window; intake needs a login.
fn desk(state: &AppState) -> Result<Desk, UserError> {
    let session = state.session().ok_or_else(|| UserError::new(ErrorCode::IntakeNoSession, "no clerk session"))?;
    let status = state.status();
    if status.locked {
        return Err(UserError::new(ErrorCode::IntakeLocked, "session locked"));
    }
    let cfg = &state.config;
    let window_label = match cfg.window.name.as_deref() {
        Some(name) if !name.is_empty() => format!("{}号窗口（{}）", cfg.window.number, name),
        _ => format!("{}号窗口", cfg.window.number),
    };
    Ok(Desk {
        clerk_id: session.clerk.id.clone(),
        clerk_name: session.clerk.name.clone(),
        hall_name: cfg.hall.name.clone(),
        hall_code: cfg
            .hall
            .code
            .clone()
            .filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_else(|| "000000".into()),
        window_number: cfg.window.number,
        window_label,
    })
}

/// The catalog: the one last pulled from the server (offline cache), else the one built in
/// (`YICHUANG_CATALOG_DIR` overrides it).
/// Reloaded when a newer pull lands.
fn catalog(state: &AppState, intake: &IntakeState) -> Result<Arc<CatalogView>, UserError> {
    let cached = state.with_store(|s| {
        yichuang_core::infra::sync::pull::cached_catalog(s.conn()).map_err(|e| UserError::new(ErrorCode::IntakeStore, e.to_string()))
    })?;
    let mut slot = lock(&intake.catalog);
    if let Some(view) = slot.as_ref() {
        match &cached {
            Some(c) if c.version != view.catalog.version => {}
            _ => return Ok(view.clone()),
        }
    }
    let catalog = match cached {
        Some(c) => c,
        None => match std::env::var_os("YICHUANG_CATALOG_DIR") {
            Some(dir) => yichuang_core::domain::catalog::load_dir(std::path::Path::new(&dir)),
            // The copy built into the binary: a new workstation works offline from the start.
            None => yichuang_core::domain::catalog::bundled(),
        }
        .map_err(|e| UserError::with_message(ErrorCode::IntakeCatalog, e.message(), e.to_string()))?,
    };
    let view = Arc::new(CatalogView::new(catalog));
    *slot = Some(view.clone());
    Ok(view)
}

/// Prints a notice on the A4 printer and refreshes its state in the status bar; the job's
/// id (or the file it was saved to) for the print record.
fn print(
    app: &tauri::AppHandle,
    printer: &yichuang_core::devices::a4_printer::A4PrinterService,
    document: &yichuang_core::domain::document::Document,
) -> Result<String, UserError> {
    let outcome = printer.print_document(document);
    app.state::<AppState>().refresh_a4_state(app);
    let outcome = outcome?;
    Ok(outcome
        .job_id
        .map(|j| j.to_string())
        .or(outcome.saved_to)
        .unwrap_or_default())
}

fn ie(e: IntakeError) -> UserError {
    e.to_user()
}

/// The item list before anything is typed: favourites, the 15 most frequent, recent.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct CatalogHome {
    pub favourites: Vec<ItemHit>,
    pub frequent: Vec<ItemHit>,
    pub recent: Vec<ItemHit>,
    pub version: String,
    pub items: u32,
}

#[tauri::command]
#[specta::specta]
pub fn catalog_home(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
) -> Result<CatalogHome, UserError> {
    let desk = desk(&state)?;
    let view = catalog(&state, &intake)?;
    let usage = state.with_store(|s| cases::usage(s, &desk.clerk_id).map_err(ie))?;
    Ok(CatalogHome {
        favourites: view.index.hits_for(&usage.favourites, &usage.favourites),
        frequent: view.index.hits_for(&usage.frequent, &usage.favourites),
        recent: view.index.hits_for(&usage.recent, &usage.favourites),
        version: view.catalog.version.clone(),
        items: view.catalog.items.len() as u32,
    })
}

/// Item search (D3): name, type, department, full pinyin, initials, small typos.
#[tauri::command]
#[specta::specta]
pub fn catalog_search(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
    query: String,
) -> Result<Vec<ItemHit>, UserError> {
    let desk = desk(&state)?;
    let view = catalog(&state, &intake)?;
    let usage = state.with_store(|s| cases::usage(s, &desk.clerk_id).map_err(ie))?;
    Ok(view.index.search(&query, &usage.counts, &usage.favourites))
}

#[tauri::command]
#[specta::specta]
pub fn catalog_item(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
    code: String,
) -> Result<Item, UserError> {
    desk(&state)?;
    let view = catalog(&state, &intake)?;
    view.item(&code).cloned().map_err(ie)
}

#[tauri::command]
#[specta::specta]
pub fn catalog_favourite(
    state: State<'_, AppState>,
    code: String,
    favourite: bool,
) -> Result<(), UserError> {
    let desk = desk(&state)?;
    state.with_store(|s| cases::set_favourite(s, &desk.clerk_id, &code, favourite).map_err(ie))
}

/// A fresh draft for an item (form defaults; the checklist when it has one situation).
#[tauri::command]
#[specta::specta]
pub fn intake_new(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
    item_code: String,
) -> Result<CaseDraft, UserError> {
    desk(&state)?;
    let view = catalog(&state, &intake)?;
    let item = view.item(&item_code).map_err(ie)?;
    Ok(yichuang_core::domain::intake::new_draft(item))
}

/// Re-resolves the situation after an answer and rebuilds the checklist.
#[tauri::command]
#[specta::specta]
pub fn intake_refresh(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
    draft: CaseDraft,
) -> Result<CaseDraft, UserError> {
    desk(&state)?;
    let view = catalog(&state, &intake)?;
    cases::refresh(&view, draft).map_err(ie)
}

/// The party on the card just read (A6: citizen data only from a card read at this window).
#[tauri::command]
#[specta::specta]
pub fn intake_party_from_card(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
) -> Result<Party, UserError> {
    desk(&state)?;
    let (card, at) = lock(&intake.last_card).clone().ok_or_else(|| UserError::new(ErrorCode::IntakeNoCard, "no card read since start"))?;
    if now() - at > cases::CARD_READ_VALID_MS {
        return Err(UserError::new(ErrorCode::IntakeCardStale, format!("card read at {at}")));
    }
    let id = &card.identity;
    Ok(Party {
        name: id.display_name().to_string(),
        id_number: id.id_number.clone(),
        id_source: IdSource::Card,
        sex: match id.sex {
            yichuang_drivers::idcard::identity::Sex::Male => "男",
            yichuang_drivers::idcard::identity::Sex::Female => "女",
            _ => "未说明",
        }
        .to_string(),
        nation: match &id.details {
            yichuang_drivers::idcard::identity::CardDetails::Resident { nation, .. } => {
                nation.display_name()
            }
            _ => String::new(),
        },
        birth: id.birth.to_string(),
        address: match &id.details {
            yichuang_drivers::idcard::identity::CardDetails::Resident { address, .. }
            | yichuang_drivers::idcard::identity::CardDetails::HkMacaoTaiwan { address, .. } => {
                address.clone()
            }
            _ => String::new(),
        },
        phone: String::new(),
    })
}

/// Saves the draft; `park` sets it aside to serve the next person (E7).
#[tauri::command]
#[specta::specta]
pub async fn intake_save(
    app: tauri::AppHandle,
    draft: CaseDraft,
    park: bool,
) -> Result<Case, UserError> {
    blocking(move || {
        let state = app.state::<AppState>();
        let desk = desk(&state)?;
        let view = catalog(&state, &app.state::<IntakeState>())?;
        let case = state
            .with_store(|s| cases::save_draft(s, &view, &desk, draft, park, now()).map_err(ie))?;
        state.refresh_pending(&app);
        Ok(case)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub fn intake_drafts(state: State<'_, AppState>) -> Result<Vec<Case>, UserError> {
    let desk = desk(&state)?;
    state.with_store(|s| cases::drafts(s, &desk.clerk_id).map_err(ie))
}

#[tauri::command]
#[specta::specta]
pub fn intake_discard(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    case_id: String,
) -> Result<(), UserError> {
    let desk = desk(&state)?;
    state.with_store(|s| cases::discard_draft(s, &desk, &case_id, now()).map_err(ie))?;
    state.refresh_pending(&app);
    Ok(())
}

/// Prints the notice of the decision on the A4 printer (E6): the case is saved and numbered,
/// the notice printed, and the print recorded and audited. The decision button then accepts
/// this decision.
#[tauri::command]
#[specta::specta]
pub async fn intake_print_notice(
    app: tauri::AppHandle,
    draft: CaseDraft,
    decision: DecisionInput,
) -> Result<Case, UserError> {
    blocking(move || {
        let state = app.state::<AppState>();
        let desk = desk(&state)?;
        let view = catalog(&state, &app.state::<IntakeState>())?;
        let printer = state.a4_printer()?;
        let prepared = state.with_store(|s| {
            cases::prepare_notice(s, &view, &desk, draft, &decision, now()).map_err(ie)
        })?;
        let job = print(&app, &printer, &prepared.document)?;
        let case = state.with_store(|s| {
            cases::record_notice_print(s, &desk, &prepared, &job, now()).map_err(ie)
        })?;
        state.refresh_pending(&app);
        Ok(case)
    })
    .await
}

/// Takes the decision whose notice was printed: one transaction with audit and outbox.
#[tauri::command]
#[specta::specta]
pub async fn intake_decide(
    app: tauri::AppHandle,
    case_id: String,
    decision: DecisionInput,
) -> Result<Case, UserError> {
    blocking(move || {
        let state = app.state::<AppState>();
        let desk = desk(&state)?;
        let view = catalog(&state, &app.state::<IntakeState>())?;
        let case = state.with_store(|s| {
            cases::decide(s, &view, &desk, &case_id, &decision, now()).map_err(ie)
        })?;
        state.refresh_pending(&app);
        Ok(case)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub fn case_get(state: State<'_, AppState>, case_id: String) -> Result<Case, UserError> {
    let desk = desk(&state)?;
    state.with_store(|s| cases::load(s, &case_id, &desk.clerk_id).map_err(ie))
}

/// Changes a decided case with a reason (E9).
#[tauri::command]
#[specta::specta]
pub fn case_change(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    change: ChangeInput,
    reason: String,
) -> Result<Case, UserError> {
    let desk = desk(&state)?;
    let case = state
        .with_store(|s| cases::change(s, &desk, &case_id, &change, &reason, now()).map_err(ie))?;
    state.refresh_pending(&app);
    Ok(case)
}

#[tauri::command]
#[specta::specta]
pub fn history_search(
    state: State<'_, AppState>,
    intake: State<'_, IntakeState>,
    query: HistoryQuery,
) -> Result<HistoryPage, UserError> {
    let desk = desk(&state)?;
    let view = catalog(&state, &intake)?;
    state.with_store(|s| {
        history::search(s, &view.calendar, &desk.clerk_id, &query, today()).map_err(ie)
    })
}

/// Reprints a notice with a reason (I2): print counter and audit entry.
#[tauri::command]
#[specta::specta]
pub async fn history_reprint(
    app: tauri::AppHandle,
    case_id: String,
    notice_index: u32,
    reason: String,
) -> Result<Case, UserError> {
    blocking(move || {
        let state = app.state::<AppState>();
        let desk = desk(&state)?;
        cases::require_reason(&reason).map_err(ie)?;
        let printer = state.a4_printer()?;
        let prepared = state.with_store(|s| {
            cases::prepare_reprint(s, &desk, &case_id, notice_index as usize).map_err(ie)
        })?;
        let job = print(&app, &printer, &prepared.document)?;
        let case = state.with_store(|s| {
            cases::record_reprint(s, &desk, &prepared, &reason, &job, now()).map_err(ie)
        })?;
        state.refresh_pending(&app);
        Ok(case)
    })
    .await
}

/// Exports the clerk's cases matching the query to the data directory's `exports/` (audited).
#[tauri::command]
#[specta::specta]
pub async fn history_export(
    app: tauri::AppHandle,
    query: HistoryQuery,
    format: ExportFormat,
) -> Result<ExportResult, UserError> {
    blocking(move || {
        let state = app.state::<AppState>();
        let desk = desk(&state)?;
        let view = catalog(&state, &app.state::<IntakeState>())?;
        let t = yichuang_core::infra::clock::slip_time_in_china();
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        };
        let name = format!(
            "已办件-{}-{:04}{:02}{:02}-{:02}{:02}{:02}.{ext}",
            desk.clerk_id,
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            now().rem_euclid(60_000) / 1000
        );
        let path = state.data_dir.join("exports").join(name);
        let result = state.with_store(|s| {
            history::export(
                s,
                &view.calendar,
                &desk,
                &query,
                format,
                &path,
                today(),
                now(),
            )
            .map_err(ie)
        })?;
        state.refresh_pending(&app);
        Ok(result)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub fn stats_today(state: State<'_, AppState>) -> Result<TodayFigures, UserError> {
    let desk = desk(&state)?;
    state.with_store(|s| history::today_figures(s, &desk.clerk_id, today()).map_err(ie))
}

/// The case's trail from the audit log: prints, reprints with reasons, decision, changes.
#[tauri::command]
#[specta::specta]
pub fn case_trail(
    state: State<'_, AppState>,
    case_id: String,
) -> Result<Vec<cases::CaseEvent>, UserError> {
    let desk = desk(&state)?;
    state.with_store(|s| cases::trail(s, &desk.clerk_id, &case_id).map_err(ie))
}

/// Imports a file (JPG, PNG or PDF) for a material: stored encrypted, queued for upload,
/// audited; the UI adds the returned attachment to the material's files.
#[tauri::command]
#[specta::specta]
pub async fn material_attach(
    app: tauri::AppHandle,
    name: String,
    bytes: Vec<u8>,
) -> Result<yichuang_core::domain::intake::Attachment, UserError> {
    blocking(move || attach_file(&app, &name, &bytes)).await
}

/// Checks and stores a material file (encrypted, queued for upload, audited) in one
/// transaction; shared by file import and camera capture.
pub(crate) fn attach_file(
    app: &tauri::AppHandle,
    name: &str,
    bytes: &[u8],
) -> Result<yichuang_core::domain::intake::Attachment, UserError> {
    let state = app.state::<AppState>();
    let desk = desk(&state)?;
    let blobs = app
        .try_state::<crate::sync::SyncState>()
        .and_then(|s| s.blobs())
        .ok_or_else(|| UserError::new(ErrorCode::IntakeNoBlobStore, "the blob store was not opened at start"))?;
    let att =
        state.with_store(|s| cases::attach(s, &blobs, &desk, name, bytes, now()).map_err(ie))?;
    state.refresh_pending(app);
    Ok(att)
}
