//! The case receipt on the thermal printer (受理回执小票, F2, issue 18 item 6): hall header,
//! item, case number, decision, due date, what to bring, and the case number as QR code — the
//! same content as the A4 receipt's QR, so the issuing window's scan finds the case. Printed
//! after the decision when a receipt printer is configured, or from the done banner; every
//! print is audited, a reprint with its reason.

use super::load;
use crate::domain::intake::context::Desk;
use crate::domain::intake::model::{Case, CaseState};
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::wording::slip as w;
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use serde_json::json;
use yichuang_drivers::escpos::{BusinessSlip, SlipTime};

/// The audit action of a receipt slip's print.
const ACTION: &str = "print.receipt_slip";

/// The receipt slip of a case taken in (受理, 容缺受理); other cases have no result to collect.
pub fn receipt_slip(
    store: &mut Store,
    desk: &Desk,
    case_id: &str,
    at: SlipTime,
) -> Result<(Case, BusinessSlip), IntakeError> {
    let c = load(store, case_id, &desk.clerk_id)?;
    let (Some(no), Some(d)) = (c.case_no.clone(), c.decision.as_ref()) else {
        return Err(IntakeError::WrongState(c.state));
    };
    if !matches!(c.state, CaseState::Accepted | CaseState::Deferred) {
        return Err(IntakeError::WrongState(c.state));
    }
    let a = &c.draft.applicant;
    // A 即办件 closed at the counter: no date to wait for.
    let due = match (&c.conclusion, &c.due_date) {
        (Some(_), _) => Some(w::INSTANT.to_owned()),
        (None, due) => due.clone(),
    };
    let bring = match (c.state, d.deadline.as_deref()) {
        (CaseState::Deferred, Some(deadline)) => w::bring_missing(deadline, &d.missing),
        _ => w::BRING_RESULT.to_owned(),
    };
    let mut fields = vec![
        (w::CASE_NO.to_owned(), no.clone()),
        (w::ITEM.to_owned(), c.item_name.clone()),
        // An organisation is named in full: its name is not personal data.
        match &c.draft.organisation {
            Some(o) => (w::ORGANISATION.to_owned(), o.name.trim().to_owned()),
            None => (
                w::APPLICANT.to_owned(),
                crate::domain::issuing::mask(&a.name, &a.id_number),
            ),
        },
        (w::DECISION.to_owned(), c.state.label().to_owned()),
    ];
    if let Some(due) = due {
        fields.push((w::DUE.to_owned(), due));
    }
    fields.push((w::BRING.to_owned(), bring));
    fields.push((w::PRINTED_AT.to_owned(), at.to_string()));
    let slip = BusinessSlip {
        hall_name: desk.hall_name.clone(),
        title: w::TITLE.to_owned(),
        big: None,
        fields,
        qr: Some(no),
        footer: w::FOOTER.map(String::from).to_vec(),
    };
    Ok((c, slip))
}

/// Whether the case's receipt slip was printed before (a reprint needs its reason).
pub fn receipt_slip_printed(store: &mut Store, c: &Case) -> Result<bool, IntakeError> {
    let Some(no) = &c.case_no else {
        return Ok(false);
    };
    let n: i64 = store.conn().query_row(
        "SELECT count(*) FROM audit_log WHERE action = ?1 AND subject = ?2",
        [ACTION, no],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Records a receipt slip's print: the audit entry (a reprint with its reason).
pub fn record_receipt_slip(
    store: &mut Store,
    desk: &Desk,
    c: &Case,
    reprint_reason: Option<&str>,
    at_ms: i64,
) -> Result<(), IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |_| {
        Ok(Effects {
            value: (),
            audit: vec![Audit::new(
                ACTION,
                c.case_no.clone(),
                json!({ "title": w::TITLE, "reprint": reprint_reason.is_some(),
                        "reason": reprint_reason }),
            )],
            outbox: Outbox::Nothing,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::document::Block;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;
    use yichuang_drivers::escpos::decoder::Decoder;
    use yichuang_drivers::escpos::{PaperWidth, Simulator, SlipTime};

    /// F2 (issue 18 item 6): the case receipt on the thermal printer, GB18030 text mode, read
    /// back by the printer simulator: hall, item, number, decision, due date, what to bring,
    /// and the same QR payload as the A4 receipt, so the issuing window's scan finds the case.
    #[test]
    fn f2_case_receipt_slip_with_the_a4_receipts_qr() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let c = decided(&mut s, &v, "张三", NOW);
        let no = c.case_no.clone().unwrap();
        let at = SlipTime::new(2026, 11, 23, 10, 5);
        let (_, slip) = cases::receipt_slip(&mut s, &desk(), &c.id, at).unwrap();
        let a4 = notice::document(&no, &c.notices[0]);
        let a4_qr: Vec<&str> = a4
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Qr(q) => Some(q.data.as_str()),
                _ => None,
            })
            .collect();
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let bytes = slip.render(paper).unwrap();
            assert!(bytes.len() <= yichuang_drivers::escpos::slip::SLIP_BYTE_BUDGET);
            let sim = Simulator::new(paper);
            sim.receive(&mut Decoder::new(), &bytes);
            let printed = sim.paper();
            let flat: String = printed.text().split('\n').map(str::trim).collect();
            for want in [
                "汕尾市政务服务中心",
                "受理回执",
                "户籍证明",
                no.as_str(),
                "已受理",
                "2026-11-23",
                "凭本回执及申请人身份证件领取办件结果",
                "张*",
                "2026-11-23 10:05",
            ] {
                assert!(flat.contains(want), "{paper:?} lacks {want}:\n{flat}");
            }
            assert!(!flat.contains(ID), "the ID number is masked");
            assert_eq!(printed.qr_payloads(), a4_qr, "{paper:?}");
            assert_eq!(printed.cuts(), 1);
        }

        // Audited: the first print, then a reprint with its reason.
        assert!(!cases::receipt_slip_printed(&mut s, &c).unwrap());
        cases::record_receipt_slip(&mut s, &desk(), &c, None, NOW).unwrap();
        assert!(cases::receipt_slip_printed(&mut s, &c).unwrap());
        cases::record_receipt_slip(&mut s, &desk(), &c, Some("群众遗失小票"), NOW).unwrap();
        let trail = cases::trail(&mut s, "c001", &c.id).unwrap();
        let slips: Vec<_> = trail
            .iter()
            .filter(|e| e.action == "print.receipt_slip")
            .collect();
        assert_eq!(slips.len(), 2);
        assert!(slips[1].detail.contains("群众遗失小票"));

        // 即办件 concluded at the counter: the slip says so instead of a date.
        let p = cases::prepare_conclusion(
            &mut s,
            &v,
            &desk(),
            &c.id,
            &ConclusionInput {
                result: ConclusionResult::Approved,
                reason: String::new(),
            },
            NOW,
        )
        .unwrap();
        cases::record_conclusion(&mut s, &v, &desk(), &p, "j", NOW).unwrap();
        let (_, slip) = cases::receipt_slip(&mut s, &desk(), &c.id, at).unwrap();
        assert!(slip.fields.iter().any(|(_, v)| v == "已当场办结"));
    }
}
