//! The material flow (物料流转, F3, issue 18): packages of paper a window sends to a department,
//! and the receiving end's sign-off.
//!
//! The window records a package as a sync record of kind `flow` ([`FlowPayload`]): its number,
//! the department, and per case the paper it holds (material names, forms, pages — no citizen
//! data). The receiving end finds the package here (`GET /flows/{no}`) by scanning the slip and
//! signs for cases with records of kind `flow_signoff` ([`SignoffPayload`]), one per case. On
//! arrival a sign-off marks the case's paper received and tells the workstation that holds the
//! case through its feed (a step carrying the package number). The same sign-off again, or a
//! second one of a case already signed for, changes nothing.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use utoipa::ToSchema;

use super::{store, CaseProblem};
use crate::error::Result;
use crate::sync::RecordProblem;

/// A paper material travelling with its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlowMaterial {
    #[schema(max_length = 200)]
    pub name: String,
    /// 「原件」 or 「复印件」.
    #[schema(max_length = 20)]
    pub form: String,
    pub pages: u32,
}

/// A case of a `flow` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlowPayloadCase {
    pub case_id: String,
    pub case_no: String,
    pub materials: Vec<FlowMaterial>,
}

/// Payload of a `flow` record: a package made at a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlowPayload {
    /// `WL` + hall code + `yyyymmdd` + window (3 digits) + sequence (3 digits).
    pub no: String,
    pub department: String,
    pub clerk_id: String,
    pub created_at: i64,
    pub cases: Vec<FlowPayloadCase>,
}

/// Payload of a `flow_signoff` record: the receiving end signed for one case of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignoffPayload {
    pub flow_no: String,
    pub case_id: String,
    pub case_no: Option<String>,
    pub clerk_id: String,
    pub signed_at: i64,
}

/// A checked record of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowRecord {
    Package(FlowPayload),
    Signoff(SignoffPayload),
}

/// A case on a package, as the receiving end sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlowEntry {
    pub case_id: String,
    pub case_no: String,
    pub item_name: String,
    /// 「张* 4415**********123X」
    pub applicant: String,
    pub materials: Vec<FlowMaterial>,
    pub received_at: Option<i64>,
    /// The clerk who signed for it.
    pub received_by: Option<String>,
}

/// A package (`GET /flows/{no}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlowView {
    pub no: String,
    pub department: String,
    /// The workstation that sent it.
    pub from: String,
    pub clerk_id: String,
    pub created_at: i64,
    pub entries: Vec<FlowEntry>,
}

/// A package a case's paper travelled in, on the case view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseFlow {
    pub no: String,
    pub department: String,
    pub from: String,
    pub created_at: i64,
    pub materials: Vec<FlowMaterial>,
    pub received_at: Option<i64>,
    pub received_by: Option<String>,
    pub received_workstation: Option<String>,
}

/// A package number as the workstations make it.
pub fn is_flow_no(t: &str) -> bool {
    t.len() == 22
        && t.starts_with("WL")
        && t[2..].bytes().all(|b| b.is_ascii_digit())
        && &t[8..10] == "20"
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max
}

/// Checks a `flow` or `flow_signoff` record's payload.
pub fn check_record(kind: &str, text: &str) -> std::result::Result<FlowRecord, RecordProblem> {
    let bad = RecordProblem::InvalidFlow;
    match kind {
        "flow" => {
            let p: FlowPayload = serde_json::from_str(text).map_err(|_| bad)?;
            let cases_ok = !p.cases.is_empty()
                && p.cases.len() <= 500
                && p.cases.iter().all(|c| {
                    text_ok(&c.case_id, 64)
                        && text_ok(&c.case_no, 40)
                        && !c.materials.is_empty()
                        && c.materials.len() <= 100
                        && c.materials.iter().all(|m| {
                            text_ok(&m.name, 200) && text_ok(&m.form, 20) && m.pages <= 10_000
                        })
                });
            let ok = is_flow_no(&p.no)
                && text_ok(&p.department, 200)
                && text_ok(&p.clerk_id, 64)
                && p.created_at > 0
                && cases_ok;
            ok.then_some(FlowRecord::Package(p)).ok_or(bad)
        }
        "flow_signoff" => {
            let p: SignoffPayload = serde_json::from_str(text).map_err(|_| bad)?;
            let ok = is_flow_no(&p.flow_no)
                && text_ok(&p.case_id, 64)
                && text_ok(&p.clerk_id, 64)
                && p.signed_at > 0;
            ok.then_some(FlowRecord::Signoff(p)).ok_or(bad)
        }
        _ => Err(bad),
    }
}

async fn case_in_hall(
    tx: &mut Transaction<'static, Any>,
    hall: &str,
    case_id: &str,
) -> Result<Option<(Option<String>, String, String)>> {
    let row = sqlx::query(
        "SELECT case_no, workstation, progress FROM cases WHERE id = $1 AND hall_code = $2",
    )
    .bind(case_id)
    .bind(hall)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

/// Refuses a record before it is stored: a package of this hall must name cases this hall
/// holds; a sign-off must name a package of this hall and one of its cases.
pub async fn precheck(
    tx: &mut Transaction<'static, Any>,
    hall: &str,
    r: &FlowRecord,
) -> Result<Option<RecordProblem>> {
    match r {
        FlowRecord::Package(p) => {
            if !p.no[2..8].eq(hall) {
                return Ok(Some(RecordProblem::FlowUnknown));
            }
            for c in &p.cases {
                if case_in_hall(tx, hall, &c.case_id).await?.is_none() {
                    return Ok(Some(RecordProblem::FlowUnknown));
                }
            }
            Ok(None)
        }
        FlowRecord::Signoff(s) => {
            let held = sqlx::query(
                "SELECT 1 FROM material_flow_cases c JOIN material_flows f ON f.no = c.flow_no \
                 WHERE c.flow_no = $1 AND c.case_id = $2 AND f.hall_code = $3",
            )
            .bind(&s.flow_no)
            .bind(&s.case_id)
            .bind(hall)
            .fetch_optional(&mut **tx)
            .await?;
            Ok(held.is_none().then_some(RecordProblem::FlowUnknown))
        }
    }
}

/// Stores a package or a sign-off (inside the push transaction). A package already held is
/// not stored again; a sign-off of a case already signed for changes nothing.
pub async fn extract(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    hall: &str,
    r: &FlowRecord,
    now_ms: i64,
) -> Result<()> {
    match r {
        FlowRecord::Package(p) => {
            let inserted = sqlx::query(
                "INSERT INTO material_flows (no, hall_code, workstation, department, clerk_id, created_at, stored_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (no) DO NOTHING",
            )
            .bind(&p.no)
            .bind(hall)
            .bind(workstation)
            .bind(p.department.trim())
            .bind(&p.clerk_id)
            .bind(p.created_at)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(());
            }
            for c in &p.cases {
                sqlx::query(
                    "INSERT INTO material_flow_cases (flow_no, case_id, case_no, materials) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (flow_no, case_id) DO NOTHING",
                )
                .bind(&p.no)
                .bind(&c.case_id)
                .bind(&c.case_no)
                .bind(serde_json::to_string(&c.materials).unwrap_or_else(|_| "[]".into()))
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }
        FlowRecord::Signoff(s) => {
            let changed = sqlx::query(
                "UPDATE material_flow_cases SET received_at = $1, received_by = $2, received_workstation = $3 \
                 WHERE flow_no = $4 AND case_id = $5 AND received_at IS NULL",
            )
            .bind(s.signed_at)
            .bind(&s.clerk_id)
            .bind(workstation)
            .bind(&s.flow_no)
            .bind(&s.case_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(());
            }
            let Some((case_no, holder, progress)) = case_in_hall(tx, hall, &s.case_id).await?
            else {
                return Ok(());
            };
            let progress = super::Progress::parse(&progress).unwrap_or(super::Progress::Received);
            store::append(
                tx,
                &holder,
                &s.case_id,
                case_no.as_deref(),
                progress,
                "",
                &format!("flow:{workstation}"),
                s.signed_at,
                Some(&s.flow_no),
            )
            .await?;
            Ok(())
        }
    }
}

fn materials(text: &str) -> Vec<FlowMaterial> {
    serde_json::from_str(text).unwrap_or_default()
}

/// `GET /flows/{no}`: a package of the clerk's hall, for the receiving end (clerks with
/// `issue`, who serve the whole hall as the issuing windows do).
pub async fn view(pool: &sqlx::AnyPool, hall: &str, no: &str) -> Result<FlowView> {
    let head = sqlx::query(
        "SELECT department, workstation, clerk_id, created_at FROM material_flows \
         WHERE no = $1 AND hall_code = $2",
    )
    .bind(no)
    .bind(hall)
    .fetch_optional(pool)
    .await?;
    let Some(head) = head else {
        return Err(store::case_err(CaseProblem::FlowUnknown, no));
    };
    let department: String = head.try_get(0)?;
    let entries = sqlx::query(
        "SELECT c.case_id, c.case_no, c.materials, c.received_at, c.received_by, \
                k.item_name, k.applicant_masked \
         FROM material_flow_cases c JOIN cases k ON k.id = c.case_id \
         WHERE c.flow_no = $1 ORDER BY c.case_no",
    )
    .bind(no)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(FlowEntry {
            case_id: r.try_get(0)?,
            case_no: r.try_get(1)?,
            materials: materials(&r.try_get::<String, _>(2)?),
            received_at: r.try_get(3)?,
            received_by: r.try_get(4)?,
            item_name: r.try_get(5)?,
            applicant: r.try_get(6)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(FlowView {
        no: no.to_owned(),
        department,
        from: head.try_get(1)?,
        clerk_id: head.try_get(2)?,
        created_at: head.try_get(3)?,
        entries,
    })
}

/// The packages a case's paper travelled in, oldest first.
pub async fn of_case(pool: &sqlx::AnyPool, case_id: &str) -> Result<Vec<CaseFlow>> {
    sqlx::query(
        "SELECT f.no, f.department, f.workstation, f.created_at, c.materials, c.received_at, \
                c.received_by, c.received_workstation \
         FROM material_flow_cases c JOIN material_flows f ON f.no = c.flow_no \
         WHERE c.case_id = $1 ORDER BY f.created_at, f.no",
    )
    .bind(case_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(CaseFlow {
            no: r.try_get(0)?,
            department: r.try_get(1)?,
            from: r.try_get(2)?,
            created_at: r.try_get(3)?,
            materials: materials(&r.try_get::<String, _>(4)?),
            received_at: r.try_get(5)?,
            received_by: r.try_get(6)?,
            received_workstation: r.try_get(7)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f3_records_are_checked_before_they_are_stored() {
        let good = r#"{"no":"WL44150020261206004001","department":"市公安局","clerk_id":"T-ZS","created_at":1,
            "cases":[{"case_id":"c1","case_no":"441500202612060040001","materials":[{"name":"户口簿","form":"原件","pages":2}]}]}"#;
        assert!(matches!(
            check_record("flow", good),
            Ok(FlowRecord::Package(_))
        ));
        for bad in [
            good.replace("WL4415", "XX4415"),
            good.replace(
                r#""materials":[{"name":"户口簿","form":"原件","pages":2}]"#,
                r#""materials":[]"#,
            ),
            good.replace(r#""department":"市公安局""#, r#""department":" ""#),
            "[]".to_owned(),
        ] {
            assert_eq!(
                check_record("flow", &bad),
                Err(RecordProblem::InvalidFlow),
                "{bad}"
            );
        }
        let sign = r#"{"flow_no":"WL44150020261206004001","case_id":"c1","case_no":null,"clerk_id":"T-LS","signed_at":5}"#;
        assert!(matches!(
            check_record("flow_signoff", sign),
            Ok(FlowRecord::Signoff(_))
        ));
        assert_eq!(
            check_record(
                "flow_signoff",
                &sign.replace("\"signed_at\":5", "\"signed_at\":0")
            ),
            Err(RecordProblem::InvalidFlow)
        );
    }
}
