//! The notices of a decision (E6): 受理通知书/回执, 容缺受理通知书, 不予受理通知书,
//! 补正补齐告知书 — worded by the catalog's templates (per item, per department, default) and
//! laid out as an A4 document.

use super::wording;
use super::*;
use crate::domain::catalog::NoticeTemplate;
use crate::domain::catalog::{Catalog, Item};
use crate::domain::document::{Align, Block, Document, Paragraph, QrBlock};
use yichuang_drivers::idcard::Date;

/// A notice ready to print, and what the case records once it is printed.
#[derive(Debug, Clone)]
pub struct PreparedNotice {
    pub case_id: String,
    /// The case as the notice was laid out for (content and number); written only once the
    /// notice is printed.
    pub case: Case,
    pub notice: PrintedNotice,
    pub document: Document,
}

/// The wording for `kind` and `item`: the item's own, else its department's, else the default.
pub fn template<'a>(
    catalog: &'a Catalog,
    item: &Item,
    kind: crate::domain::catalog::NoticeKind,
) -> Option<&'a NoticeTemplate> {
    let of_kind = || catalog.templates.iter().filter(move |t| t.kind == kind);
    of_kind()
        .find(|t| t.item.as_deref() == Some(item.code.as_str()))
        .or_else(|| {
            of_kind()
                .find(|t| t.item.is_none() && t.department.as_deref() == Some(&item.department))
        })
        .or_else(|| of_kind().find(|t| t.item.is_none() && t.department.is_none()))
}

fn date_cn(d: Date) -> String {
    wording::date(d)
}

fn date_str_cn(s: &str) -> String {
    crate::domain::catalog::calendar::parse_date(s)
        .map(date_cn)
        .unwrap_or_else(|| s.to_string())
}

/// The material lines of the notice: received ones for an acceptance, missing ones for a
/// supplement or 容缺.
fn material_lines(case: &Case, d: &Decision) -> Vec<String> {
    let line = |i: usize, m: &MaterialEntry| match &m.licence {
        Some(l) if m.received == ReceivedAs::Electronic => {
            wording::licence_material_line(i + 1, &m.name, &l.type_name, &l.identifier)
        }
        _ => wording::material_line(
            i + 1,
            &m.name,
            &m.form,
            m.count.max(1),
            (m.pages > 0).then_some(m.pages),
        ),
    };
    match d.kind {
        DecisionKind::Accept => case
            .draft
            .materials
            .iter()
            .filter(|m| m.is_in())
            .enumerate()
            .map(|(i, m)| line(i, m))
            .collect(),
        DecisionKind::Deferred | DecisionKind::Supplement => case
            .draft
            .materials
            .iter()
            .filter(|m| d.missing.contains(&m.name))
            .enumerate()
            .map(|(i, m)| line(i, m))
            .collect(),
        DecisionKind::Reject => vec![],
    }
}

/// Fills the template for the case and decision, paragraph by paragraph.
pub fn paragraphs(
    view: &CatalogView,
    item: &Item,
    desk: &Desk,
    case: &Case,
    d: &Decision,
    at_ms: i64,
) -> (String, Vec<String>) {
    let kind = d.kind.notice_kind();
    let (title, body) = match template(&view.catalog, item, kind) {
        Some(t) => (t.title.clone(), t.body.clone()),
        None => (
            d.kind.notice_title().to_string(),
            fallback_body(d.kind).to_string(),
        ),
    };
    let applicant = match case.draft.applicant_name() {
        "" => wording::APPLICANT.to_string(),
        name => name.to_string(),
    };
    // An organisation: its 统一社会信用代码 and legal representative under the salutation.
    let mut organisation = organisation_line(&case.draft);
    let case_no = case.case_no.clone().unwrap_or_default();
    let department = view.department_name(&item.department);
    let date = date_cn(china_date(at_ms));
    let deadline = d.deadline.as_deref().map(date_str_cn).unwrap_or_default();
    let materials = material_lines(case, d);
    let fill = |line: &str| {
        line.replace("{applicant}", &applicant)
            .replace("{item}", &item.name)
            .replace("{case_no}", &case_no)
            .replace("{department}", &department)
            .replace("{date}", &date)
            .replace("{deadline}", &deadline)
            .replace("{promised_days}", &item.promised_days.to_string())
            .replace("{reason}", d.reason.trim_end_matches(wording::FULL_STOP))
            .replace("{hall}", &desk.hall_name)
            .replace("{window}", &desk.window_label)
    };
    let mut out = vec![];
    for line in body.split('\n') {
        if line.trim() == "{materials}" {
            if materials.is_empty() {
                out.push(wording::NO_MATERIALS.to_string());
            }
            out.extend(materials.iter().cloned());
            continue;
        }
        // 即办件: no "0个工作日" and no deadline; the result is given at the counter.
        if d.kind == DecisionKind::Accept
            && (item.instant || item.promised_days == 0)
            && (line.contains("{promised_days}") || line.contains("{deadline}"))
        {
            out.push(wording::INSTANT_ITEM.to_string());
            continue;
        }
        // A supplement without a remark: no empty 「说明：」 line.
        if line.contains("{reason}") && d.reason.trim().is_empty() && d.kind != DecisionKind::Reject
        {
            continue;
        }
        let salutation = line.contains("{applicant}");
        out.push(fill(line));
        if salutation {
            out.extend(organisation.take());
        }
    }
    if let Some(line) = organisation {
        out.insert(0, line);
    }
    (title, out)
}

/// The line naming an organisation applying: name, 统一社会信用代码, legal representative.
pub(crate) fn organisation_line(draft: &CaseDraft) -> Option<String> {
    let o = draft.organisation.as_ref()?;
    Some(wording::organisation_line(
        o.name.trim(),
        o.uscc.trim(),
        draft.applicant.name.trim(),
    ))
}

fn fallback_body(kind: DecisionKind) -> &'static str {
    wording::fallback_body(kind)
}

/// The notice for a decision on a case (first print).
pub fn prepare(
    view: &CatalogView,
    item: &Item,
    desk: &Desk,
    case: &Case,
    d: &Decision,
    at_ms: i64,
) -> PreparedNotice {
    let (title, paragraphs) = paragraphs(view, item, desk, case, d, at_ms);
    let notice = PrintedNotice {
        kind: d.kind,
        title,
        hall: desk.hall_name.clone(),
        issuer: view.department_name(&item.department),
        decision_hash: decision_hash(&case.draft, d),
        paragraphs,
        printed_at: at_ms,
        prints: 1,
    };
    PreparedNotice {
        case_id: case.id.clone(),
        case: case.clone(),
        document: document(case.case_no.as_deref().unwrap_or(""), &notice),
        notice,
    }
}

/// The same notice again, exactly as first printed.
pub fn reprint(case: &Case, notice: PrintedNotice) -> PreparedNotice {
    PreparedNotice {
        case_id: case.id.clone(),
        case: case.clone(),
        document: document(case.case_no.as_deref().unwrap_or(""), &notice),
        notice,
    }
}

/// Lays a notice out: title, number, the worded paragraphs (the salutation flush left, the
/// closing lines — department, hall, date — at the right), the case number as a QR code and
/// the citizen's signature line.
pub fn document(case_no: &str, n: &PrintedNotice) -> Document {
    layout(
        case_no,
        &n.title,
        &n.hall,
        &n.paragraphs,
        wording::SIGNATURE,
    )
}

/// Lays out any document of a case the counter prints on A4 — a notice, the decision of a
/// 即办件 (E11), the withdrawal request (撤件申请书) — the same way: title, number, paragraphs
/// (salutation flush left, closing lines at the right), the case number's QR code and the
/// citizen's `signature` line.
pub fn layout(
    case_no: &str,
    title: &str,
    hall: &str,
    paragraphs: &[String],
    signature: &str,
) -> Document {
    let mut blocks = vec![
        Block::Title(title.to_string()),
        Block::Paragraph(Paragraph {
            text: wording::number_line(case_no),
            size: 11.0,
            align: Align::Center,
            indent: false,
        }),
    ];
    // Closing lines: the trailing short lines without final punctuation.
    let closing_from = paragraphs
        .iter()
        .rposition(|p| {
            p.chars().count() > 40 || p.ends_with(wording::FULL_STOP) || p.ends_with(wording::COLON)
        })
        .map(|i| i + 1)
        .unwrap_or(paragraphs.len());
    for (i, p) in paragraphs.iter().enumerate() {
        let para = if i == 0 && p.ends_with(wording::COLON) {
            Paragraph::plain(p.clone(), 12.0)
        } else if i >= closing_from {
            Paragraph {
                text: p.clone(),
                size: 12.0,
                align: Align::Right,
                indent: false,
            }
        } else {
            Paragraph::body(p.clone())
        };
        blocks.push(Block::Paragraph(para));
    }
    blocks.push(Block::Qr(QrBlock {
        data: case_no.to_string(),
        caption: Some(wording::number_caption(case_no)),
        size_mm: 24.0,
        align: Align::Right,
    }));
    blocks.push(Block::Signatures(vec![signature.into()]));
    Document {
        title: format!("{title} {case_no}"),
        header: Some(hall.to_string()),
        footer: Some(wording::number_caption(case_no)),
        blocks,
    }
}
