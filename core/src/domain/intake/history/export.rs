//! Export of the clerk's own cases (I3): every case matching a query, to CSV or XLSX, audited.

use super::{filter, row_of, HistoryQuery, Plan, COLUMNS};
use crate::domain::catalog::calendar::{Light, WorkCalendar};
use crate::domain::intake::labels::{self, Label};
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::{Desk, IntakeError};
use crate::infra::store::Store;
use rusqlite::params_from_iter;
use serde::{Deserialize, Serialize};
use yichuang_drivers::idcard::Date;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ExportResult {
    pub path: String,
    pub rows: u32,
}

/// The ID number as exported and printed in lists: first 4 and last 4 digits.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut s: String = chars[..4].iter().collect();
    s.push_str(&"*".repeat(chars.len() - 8));
    s.extend(&chars[chars.len() - 4..]);
    s
}

const HEADERS: [&str; 10] = labels::EXPORT_HEADERS;

fn light_label(l: Light) -> &'static str {
    Label::label(l)
}

fn time_cn(ms: i64) -> String {
    let t = crate::infra::clock::slip_time_from_unix(crate::infra::clock::hall_secs(ms));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

/// Writes every case matching `q` (all pages) to `path` as CSV (UTF-8 with BOM, for Excel)
/// or XLSX, then audits the export (A6) with its row count and file.
#[allow(clippy::too_many_arguments)]
pub fn export(
    store: &mut Store,
    cal: &WorkCalendar,
    desk: &Desk,
    q: &HistoryQuery,
    format: ExportFormat,
    path: &std::path::Path,
    today: Date,
    at_ms: i64,
) -> Result<ExportResult, IntakeError> {
    let Plan {
        from,
        filter: where_,
        args,
        order,
    } = filter(&desk.clerk_id, q, today)?;
    let sql =
        format!("SELECT {COLUMNS}, applicant_id_no FROM {from} WHERE {where_} ORDER BY {order}");
    let mut lines: Vec<[String; 10]> = vec![];
    {
        let conn = store.conn();
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let h = row_of(r, cal, today)?;
            // The column after COLUMNS.
            let id_no: String = r.get(COLUMNS.split(',').count())?;
            lines.push([
                h.case_no.unwrap_or_default(),
                h.item_name,
                h.applicant_name,
                mask_id(&id_no),
                h.state.label().into(),
                time_cn(h.created_at),
                h.decided_at.map(time_cn).unwrap_or_default(),
                h.due_date.unwrap_or_default(),
                light_label(h.light).into(),
                h.print_count.to_string(),
            ]);
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| IntakeError::Export(format!("{}: {e}", dir.display())))?;
    }
    let io = |e: std::io::Error| IntakeError::Export(format!("{}: {e}", path.display()));
    match format {
        ExportFormat::Csv => {
            let mut out = String::from("\u{feff}");
            let esc = |s: &str| {
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            out.push_str(&HEADERS.join(","));
            out.push_str("\r\n");
            for l in &lines {
                out.push_str(&l.iter().map(|c| esc(c)).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
            std::fs::write(path, out).map_err(io)?;
        }
        ExportFormat::Xlsx => {
            use rust_xlsxwriter::{Format, Workbook};
            let x = |e: rust_xlsxwriter::XlsxError| {
                IntakeError::Export(format!("{}: {e}", path.display()))
            };
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name(labels::EXPORT_SHEET).map_err(x)?;
            let bold = Format::new().set_bold();
            for (c, h) in HEADERS.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(x)?;
            }
            for (r, l) in lines.iter().enumerate() {
                for (c, v) in l.iter().enumerate() {
                    ws.write_string(r as u32 + 1, c as u16, v).map_err(x)?;
                }
            }
            for (c, w) in [24, 24, 10, 22, 10, 18, 18, 12, 14, 8].iter().enumerate() {
                ws.set_column_width(c as u16, *w).map_err(x)?;
            }
            wb.save(path).map_err(x)?;
        }
    }
    let result = ExportResult {
        path: path.display().to_string(),
        rows: lines.len() as u32,
    };
    let audit = Audit::new(
        "history.export",
        None,
        serde_json::json!({
            "format": format,
            "rows": result.rows,
            "file": result.path,
            "filters": super::filter_kinds(q),
        }),
    );
    transact(store, &desk.clerk_id, at_ms, |_| {
        Ok(Effects {
            value: (),
            audit: vec![audit],
            outbox: Outbox::Nothing,
        })
    })?;
    Ok(result)
}
