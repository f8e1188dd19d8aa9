//! Intake at the window (issue 5; E1–E9, A6, I1–I3): a case goes from a draft (item,
//! situation, parties, form, materials) through a printed notice to a decision — accept,
//! 容缺 accept, reject, or ask for a supplement — and may be changed or withdrawn later with a
//! reason. Every action is one transaction: the case row, its audit entry and its outbox row
//! commit together (see [`cases`]).
//!
//! The shell supplies who is at the window ([`Desk`]) and the printer; this module owns the
//! rules: what may be decided when, the notice that must be printed first (E6), the case
//! number (E8), and the history views (I1–I3, in [`history`]).

pub mod cases;
pub mod error;
pub mod history;
pub mod labels;
pub mod notice;
pub mod walk;

pub use error::{
    AttachmentProblem, DecisionProblem, DeferProblem, FieldProblem, IntakeError, PartyProblem,
};
pub use labels::IntakeLabels;
pub use walk::current_question;

use crate::domain::catalog::calendar::WorkCalendar;
use crate::domain::catalog::search::SearchIndex;
use crate::domain::catalog::{Catalog, Item, Situation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yichuang_drivers::idcard::Date;

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
    /// 6-digit division code of the hall; "000000" when unset.
    pub hall_code: String,
    pub window_number: u16,
    /// e.g. 「3号窗口 综合受理窗口」.
    pub window_label: String,
}

/// State of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 暂存 / being taken in.
    Draft,
    /// 已受理.
    Accepted,
    /// 容缺受理 (materials promised by a deadline).
    Deferred,
    /// 不予受理.
    Rejected,
    /// 补正补齐 (the citizen comes back with the listed materials).
    Supplement,
    /// 已撤回 (after the decision, with a reason).
    Withdrawn,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Accepted => "accepted",
            CaseState::Deferred => "deferred",
            CaseState::Rejected => "rejected",
            CaseState::Supplement => "supplement",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        [
            CaseState::Draft,
            CaseState::Accepted,
            CaseState::Deferred,
            CaseState::Rejected,
            CaseState::Supplement,
            CaseState::Withdrawn,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "暂存",
            CaseState::Accepted => "已受理",
            CaseState::Deferred => "容缺受理",
            CaseState::Rejected => "不予受理",
            CaseState::Supplement => "补正补齐",
            CaseState::Withdrawn => "已撤回",
        }
    }
}

/// Where a party's identity came from (A6): a card read on this reader, a personal identity
/// code (粤居码-style) read by the document camera at this window, typed by the clerk (flagged
/// in the audit), or not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    Card,
    Code,
    Typed,
    #[default]
    None,
}

/// An applicant, agent (代办人) or pickup person (领取人).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct Party {
    pub name: String,
    pub id_number: String,
    pub id_source: IdSource,
    pub sex: String,
    pub nation: String,
    /// yyyy-mm-dd.
    pub birth: String,
    pub address: String,
    pub phone: String,
}

impl Party {
    pub fn is_empty(&self) -> bool {
        self.name.trim().is_empty() && self.id_number.trim().is_empty()
    }
}

/// How a material was handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReceivedAs {
    /// Not (yet) handed in.
    #[default]
    Missing,
    /// 纸质原件 checked and returned / kept.
    Paper,
    /// 复印件 kept.
    Copy,
    /// 电子证照 / 电子材料 (file or e-licence).
    Electronic,
    /// Captured with the document camera (高拍仪).
    Scanned,
}

/// A file attached to a material (imported or captured), stored as an encrypted blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Attachment {
    pub sha256: String,
    pub name: String,
    /// Bytes (specta: number).
    pub size: u32,
    pub pages: u32,
    pub mime: String,
}

/// One line of the materials checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MaterialEntry {
    pub material_id: String,
    pub name: String,
    pub required: bool,
    /// 「原件」「复印件」…
    pub form: String,
    pub count: u32,
    /// May be missing at a 容缺 acceptance.
    pub deferrable: bool,
    pub received: ReceivedAs,
    pub pages: u32,
    pub files: Vec<Attachment>,
    pub note: String,
}

impl MaterialEntry {
    pub fn is_in(&self) -> bool {
        self.received != ReceivedAs::Missing
    }
}

/// An answer of the situation Q&A.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Answer {
    pub question_id: String,
    pub option: u32,
}

/// What the clerk has typed, picked and ticked: everything but the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CaseDraft {
    /// Set once the draft was saved.
    pub id: Option<String>,
    pub item_code: String,
    pub answers: Vec<Answer>,
    /// The situation the answers lead to; `None` while the Q&A is not finished.
    pub situation_id: Option<String>,
    pub applicant: Party,
    pub agent: Option<Party>,
    pub pickup: Option<Party>,
    pub form: BTreeMap<String, String>,
    pub materials: Vec<MaterialEntry>,
    /// 收件备注.
    pub notes: String,
}

/// The decision the clerk is about to take or took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Accept,
    /// 容缺受理.
    Deferred,
    Reject,
    Supplement,
}

impl DecisionKind {
    pub fn state(self) -> CaseState {
        match self {
            DecisionKind::Accept => CaseState::Accepted,
            DecisionKind::Deferred => CaseState::Deferred,
            DecisionKind::Reject => CaseState::Rejected,
            DecisionKind::Supplement => CaseState::Supplement,
        }
    }

    pub fn notice_kind(self) -> crate::domain::catalog::NoticeKind {
        use crate::domain::catalog::NoticeKind as N;
        match self {
            DecisionKind::Accept => N::Accept,
            DecisionKind::Deferred => N::Deferred,
            DecisionKind::Reject => N::Reject,
            DecisionKind::Supplement => N::Supplement,
        }
    }

    pub fn notice_title(self) -> &'static str {
        match self {
            DecisionKind::Accept => "受理通知书",
            DecisionKind::Deferred => "容缺受理通知书",
            DecisionKind::Reject => "不予受理通知书",
            DecisionKind::Supplement => "补正补齐告知书",
        }
    }
}

/// The clerk's decision as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DecisionInput {
    pub kind: DecisionKind,
    /// Reject: the reason (required). Supplement / 容缺: optional remark.
    pub reason: String,
    /// 容缺: the citizen's written promise (承诺内容); required.
    pub promise: String,
    /// Supplement / 容缺: the deadline, yyyy-mm-dd; default 5 working days from today.
    pub deadline: Option<String>,
}

/// A decision as recorded, with what it was taken on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Decision {
    pub kind: DecisionKind,
    pub reason: String,
    pub promise: String,
    /// yyyy-mm-dd: supplement / 容缺 deadline; accepted: the promised completion date.
    pub deadline: Option<String>,
    /// The materials missing (supplement, 容缺), by name.
    pub missing: Vec<String>,
    /// Unix ms.
    #[specta(type = f64)]
    pub at: i64,
    pub clerk_id: String,
}

/// A printed notice (E6), kept so it can be reprinted exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PrintedNotice {
    pub kind: DecisionKind,
    pub title: String,
    /// The hall (running header) and the issuing department, as printed.
    pub hall: String,
    pub issuer: String,
    /// Hash of the decision and case content it was printed for: the decision button accepts
    /// only the decision whose notice was printed.
    pub decision_hash: String,
    pub paragraphs: Vec<String>,
    /// Unix ms of the first print.
    #[specta(type = f64)]
    pub printed_at: i64,
    pub prints: u32,
}

/// A change after the decision (E9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CaseChange {
    #[specta(type = f64)]
    pub at: i64,
    pub clerk_id: String,
    pub kind: String,
    pub reason: String,
    pub detail: String,
}

/// A whole case as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Case {
    pub id: String,
    pub case_no: Option<String>,
    pub version: u32,
    pub state: CaseState,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub situation_name: Option<String>,
    pub clerk_id: String,
    #[specta(type = f64)]
    pub created_at: i64,
    #[specta(type = f64)]
    pub updated_at: i64,
    #[specta(type = Option<f64>)]
    pub decided_at: Option<i64>,
    pub due_date: Option<String>,
    pub print_count: u32,
    pub draft: CaseDraft,
    pub decision: Option<Decision>,
    pub notices: Vec<PrintedNotice>,
    pub changes: Vec<CaseChange>,
}

/// The situation the answers lead to, walking the item's question tree. `Ok(None)` when the
/// answers stop before a situation; an answer that does not fit the tree is an error.
pub fn resolve_situation<'a>(
    item: &'a Item,
    answers: &[Answer],
) -> Result<Option<&'a Situation>, IntakeError> {
    let situation = |id: &str| {
        item.situations
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| IntakeError::Situation(format!("situation {id} not in {}", item.code)))
    };
    if item.questions.is_empty() {
        return match item.situations.as_slice() {
            [only] => Ok(Some(only)),
            _ => Err(IntakeError::Situation(format!(
                "{} has no questions but {} situations",
                item.code,
                item.situations.len()
            ))),
        };
    }
    let mut q = &item.questions[0];
    for (i, a) in answers.iter().enumerate() {
        if a.question_id != q.id {
            return Err(IntakeError::Situation(format!(
                "answer {i} is for {} but the tree asks {}",
                a.question_id, q.id
            )));
        }
        let opt = q.options.get(a.option as usize).ok_or_else(|| {
            IntakeError::Situation(format!("{} has no option {}", q.id, a.option))
        })?;
        match &opt.next {
            crate::domain::catalog::Next::Situation(s) => {
                if i + 1 != answers.len() {
                    return Err(IntakeError::Situation("answers after the situation".into()));
                }
                return situation(s).map(Some);
            }
            crate::domain::catalog::Next::Question(next) => {
                q = item
                    .questions
                    .iter()
                    .find(|x| &x.id == next)
                    .ok_or_else(|| {
                        IntakeError::Situation(format!("question {next} not in {}", item.code))
                    })?;
            }
        }
    }
    Ok(None)
}

/// The checklist of a situation, fresh (nothing received yet).
pub fn checklist(item: &Item, situation: &Situation) -> Vec<MaterialEntry> {
    situation
        .materials
        .iter()
        .filter_map(|id| item.materials.iter().find(|m| &m.id == id))
        .map(|m| MaterialEntry {
            material_id: m.id.clone(),
            name: m.name.clone(),
            required: m.required,
            form: m.form.label().to_string(),
            count: m.count,
            deferrable: m.deferrable,
            received: ReceivedAs::Missing,
            pages: 0,
            files: vec![],
            note: String::new(),
        })
        .collect()
}

/// A new draft for `item`: the form's defaults, and the checklist when the item has a single
/// situation.
pub fn new_draft(item: &Item) -> CaseDraft {
    let mut draft = CaseDraft {
        id: None,
        item_code: item.code.clone(),
        answers: vec![],
        situation_id: None,
        applicant: Party::default(),
        agent: None,
        pickup: None,
        form: item
            .fields
            .iter()
            .filter_map(|f| f.default.clone().map(|d| (f.id.clone(), d)))
            .collect(),
        materials: vec![],
        notes: String::new(),
    };
    if let Ok(Some(s)) = resolve_situation(item, &[]) {
        draft.situation_id = Some(s.id.clone());
        draft.materials = checklist(item, s);
    }
    draft
}

/// Checks one form value against its field definition; `None` when valid.
pub fn field_problem(f: &crate::domain::catalog::FieldDef, value: &str) -> Option<FieldProblem> {
    use crate::domain::catalog::FieldKind;
    let v = value.trim();
    if v.is_empty() {
        return f.required.then_some(FieldProblem::Required);
    }
    if f.max_len > 0 && v.chars().count() > f.max_len as usize {
        return Some(FieldProblem::TooLong { max: f.max_len });
    }
    match &f.kind {
        FieldKind::Text | FieldKind::TextArea => None,
        FieldKind::Number => (v.parse::<f64>().map(|n| !n.is_finite()).unwrap_or(true))
            .then_some(FieldProblem::NotANumber),
        FieldKind::Date => crate::domain::catalog::calendar::parse_date(v)
            .is_none()
            .then_some(FieldProblem::NotADate),
        FieldKind::Phone => (!is_phone(v)).then_some(FieldProblem::NotAPhone),
        FieldKind::IdNumber => yichuang_drivers::idcard::identity::validate_id_number(v)
            .err()
            .map(|_| FieldProblem::NotAnIdNumber),
        FieldKind::Select { options } => {
            (!options.iter().any(|o| o == v)).then(|| FieldProblem::NotAnOption {
                options: options.clone(),
            })
        }
    }
}

/// Mainland mobile (1xxxxxxxxxx) or landline (0xx[x]-xxxxxxx[x]).
pub fn is_phone(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() == 11 && b[0] == b'1' && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let digits: String = v.chars().filter(|c| *c != '-').collect();
    v.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_digit())
        && (10..=12).contains(&digits.len())
}

/// Validates a draft for a decision: the situation, the applicant, the form. Materials are
/// checked by the decision itself.
pub fn validate_for_decision(item: &Item, draft: &CaseDraft) -> Result<(), IntakeError> {
    if resolve_situation(item, &draft.answers)?.is_none() && !item.questions.is_empty() {
        return Err(IntakeError::Situation("Q&A not finished".into()));
    }
    check_party("申请人", &draft.applicant, true)?;
    if let Some(agent) = &draft.agent {
        check_party("代办人", agent, false)?;
    }
    if let Some(pickup) = &draft.pickup {
        check_party("领取人", pickup, false)?;
    }
    for f in &item.fields {
        let value = draft.form.get(&f.id).map(String::as_str).unwrap_or("");
        if let Some(problem) = field_problem(f, value) {
            return Err(IntakeError::Field {
                field: f.label.clone(),
                problem,
            });
        }
    }
    Ok(())
}

fn check_party(role: &'static str, p: &Party, required: bool) -> Result<(), IntakeError> {
    if p.is_empty() {
        return if required {
            Err(IntakeError::Party {
                role,
                problem: PartyProblem::Missing,
            })
        } else {
            Ok(())
        };
    }
    if p.name.trim().is_empty() {
        return Err(IntakeError::Party {
            role,
            problem: PartyProblem::NameEmpty,
        });
    }
    if p.id_source == IdSource::Typed
        && yichuang_drivers::idcard::identity::validate_id_number(p.id_number.trim()).is_err()
    {
        return Err(IntakeError::Party {
            role,
            problem: PartyProblem::BadIdNumber,
        });
    }
    if !p.phone.trim().is_empty() && !is_phone(p.phone.trim()) {
        return Err(IntakeError::Party {
            role,
            problem: PartyProblem::BadPhone,
        });
    }
    Ok(())
}

/// The date in China of a unix-ms instant.
pub fn china_date(at_ms: i64) -> Date {
    crate::infra::clock::date_from_unix(at_ms.div_euclid(1000) + 8 * 3600)
}

/// The working day `n` working days after `today` (supplement and 容缺 default: 5).
pub const DEFAULT_SUPPLEMENT_DAYS: u32 = 5;

/// The decision `input` would record for `draft`, checked against the item's rules: accept
/// only with every required material in; 容缺 only where the item allows it, for deferrable
/// materials, with a promise and a deadline; reject with a reason; supplement with the list of
/// what is missing and a deadline.
pub fn plan_decision(
    view: &CatalogView,
    item: &Item,
    draft: &CaseDraft,
    input: &DecisionInput,
    clerk_id: &str,
    at_ms: i64,
) -> Result<Decision, IntakeError> {
    let today = china_date(at_ms);
    let missing_required: Vec<&MaterialEntry> = draft
        .materials
        .iter()
        .filter(|m| m.required && !m.is_in())
        .collect();
    let names = |v: &[&MaterialEntry]| v.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    let deadline = |input: &DecisionInput| -> Result<String, IntakeError> {
        match input
            .deadline
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(d) => {
                let date = crate::domain::catalog::calendar::parse_date(d)
                    .ok_or_else(|| IntakeError::Decision(DecisionProblem::BadDeadline))?;
                if date <= today {
                    return Err(IntakeError::Decision(DecisionProblem::DeadlineNotLater));
                }
                Ok(date.to_string())
            }
            None => Ok(view
                .calendar
                .add_working_days(today, DEFAULT_SUPPLEMENT_DAYS)
                .to_string()),
        }
    };
    let mut decision = Decision {
        kind: input.kind,
        reason: input.reason.trim().to_string(),
        promise: input.promise.trim().to_string(),
        deadline: None,
        missing: vec![],
        at: at_ms,
        clerk_id: clerk_id.to_string(),
    };
    match input.kind {
        DecisionKind::Accept => {
            validate_for_decision(item, draft)?;
            if !missing_required.is_empty() {
                return Err(IntakeError::MaterialsMissing(names(&missing_required)));
            }
            decision.deadline = Some(
                view.calendar
                    .add_working_days(today, item.promised_days)
                    .to_string(),
            );
        }
        DecisionKind::Deferred => {
            validate_for_decision(item, draft)?;
            if !item.deferrable {
                return Err(IntakeError::NotDeferrable(DeferProblem::NotApplicable));
            }
            if missing_required.is_empty() {
                return Err(IntakeError::NotDeferrable(DeferProblem::NothingMissing));
            }
            let hard: Vec<&MaterialEntry> = missing_required
                .iter()
                .copied()
                .filter(|m| !m.deferrable)
                .collect();
            if !hard.is_empty() {
                return Err(IntakeError::NotDeferrable(DeferProblem::HardMaterials(
                    names(&hard),
                )));
            }
            if decision.promise.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::PromiseRequired));
            }
            decision.missing = names(&missing_required);
            decision.deadline = Some(deadline(input)?);
        }
        DecisionKind::Reject => {
            if decision.reason.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::RejectReasonRequired));
            }
        }
        DecisionKind::Supplement => {
            let missing: Vec<&MaterialEntry> =
                draft.materials.iter().filter(|m| !m.is_in()).collect();
            if missing.is_empty() && decision.reason.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::SupplementNeedsList));
            }
            decision.missing = names(&missing);
            decision.deadline = Some(deadline(input)?);
        }
    }
    Ok(decision)
}

/// The hash binding a printed notice to a decision and the case content it was taken on: any
/// change to the draft or the decision after printing needs a new notice.
pub fn decision_hash(draft: &CaseDraft, d: &Decision) -> String {
    #[derive(Serialize)]
    struct Bound<'a> {
        draft: &'a CaseDraft,
        kind: DecisionKind,
        reason: &'a str,
        promise: &'a str,
        deadline: &'a Option<String>,
        missing: &'a [String],
    }
    let mut draft = draft.clone();
    draft.id = None;
    let bytes = serde_json::to_vec(&Bound {
        draft: &draft,
        kind: d.kind,
        reason: &d.reason,
        promise: &d.promise,
        deadline: &d.deadline,
        missing: &d.missing,
    })
    .unwrap_or_default();
    crate::infra::blobs::sha256_hex(&bytes)
}

#[cfg(test)]
mod tests;
