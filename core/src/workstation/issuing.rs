//! The issuing window at the workstation (H1–H2, issue 18): find results by the receipt's QR
//! code, a case number or the card on the reader; hand them over to the person on the reader
//! with a photo; print the pickup slips. Workflow in [`crate::domain::issuing`]; this wires the
//! hall server, the card reader, the camera and the receipt printer.

use crate::domain::access::Permission;
use crate::domain::intake::{Attachment, Party};
use crate::domain::issuing::slip::PickupSlip;
use crate::domain::issuing::{
    self, wording, Find, Handover, HandoverDone, HandoverInput, IssueCandidate, IssueError,
    IssueFound, Relation,
};
use crate::infra::hall_api::{HallApi, HallApiError};
use crate::{ErrorCode, UserError};

use super::{lock, Workstation};

/// What the hall server lists (the fields the issuing page reads).
#[derive(Debug, serde::Deserialize)]
struct ServerCase {
    id: String,
    case_no: Option<String>,
    item_name: String,
    applicant: String,
    progress: String,
}

/// What the issuing clerk searches with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum IssueQuery {
    /// A case number, typed or scanned from the receipt's QR code.
    CaseNo { text: String },
    /// The card on the reader: every result of that citizen.
    Card,
}

fn refused(e: HallApiError) -> UserError {
    match e {
        HallApiError::Refused {
            message, detail, ..
        } if !message.is_empty() => {
            UserError::with_message(ErrorCode::IssueRefused, message, detail)
        }
        other => UserError::new(ErrorCode::IssueRefused, other.to_string()),
    }
}

impl Workstation {
    /// The hall server's clerk API with the online session's token; `None` offline (no
    /// backend, no enrollment, or a session logged in offline).
    pub(super) fn hall_api(&self) -> Option<(HallApi, String)> {
        let url = self.config.backend.url.clone()?;
        let credential = self.credential()?;
        let token = lock(&self.session)
            .session()
            .and_then(|s| s.token.clone())?;
        let api = HallApi::new(url, credential, &self.config.backend.tls()).ok()?;
        Some((api, token))
    }

    /// Finds results to hand over (H1): the hall's cases when the server answers, this
    /// workstation's otherwise.
    pub fn issue_find(&self, query: &IssueQuery) -> Result<IssueFound, UserError> {
        self.permit(Permission::Issue, Some("issue.find"), None)?;
        let find = match query {
            IssueQuery::CaseNo { text } => {
                let no: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                if no.is_empty() {
                    return Ok(IssueFound {
                        candidates: vec![],
                        offline: false,
                    });
                }
                Find::CaseNo(no)
            }
            IssueQuery::Card => Find::IdNumber(self.reads.party_from_card(self.now())?.id_number),
        };
        let local = self.with_store(|s| Ok(issuing::find_local(s, &find)?))?;
        let Some((api, token)) = self.hall_api() else {
            return Ok(IssueFound {
                candidates: local,
                offline: true,
            });
        };
        let q = match &find {
            Find::CaseNo(no) => format!("case_no={}", urlencode(no)),
            Find::IdNumber(id) => format!("id_number={}", urlencode(id)),
        };
        let listed: Result<Vec<ServerCase>, _> = api.send(
            reqwest::Method::GET,
            api.url(&format!("cases?{q}")),
            None,
            &token,
        );
        match listed {
            Ok(cases) => Ok(IssueFound {
                candidates: cases
                    .into_iter()
                    .map(|c| {
                        let progress = crate::domain::intake::CaseProgress::parse(&c.progress);
                        IssueCandidate {
                            held_here: local.iter().any(|l| l.case_id == c.id),
                            case_id: c.id,
                            case_no: c.case_no,
                            item_name: c.item_name,
                            applicant: c.applicant,
                            ready: progress == Some(crate::domain::intake::CaseProgress::Ready),
                            progress,
                        }
                    })
                    .collect(),
                offline: false,
            }),
            Err(HallApiError::Unreachable(detail)) => {
                tracing::warn!(%detail, "issuing: hall server unreachable, local cases only");
                Ok(IssueFound {
                    candidates: local,
                    offline: true,
                })
            }
            Err(e) => Err(refused(e)),
        }
    }

    /// Hands results over to the person whose card is on the reader (H2): the server's rules
    /// online, the local copy's offline; one transaction with the audit entries and the
    /// `pickup` records; then the pickup slips and a sync.
    pub fn issue_handover(&self, input: &HandoverInput) -> Result<HandoverDone, UserError> {
        let clerk = self.permit(Permission::Issue, Some("issue.handover"), None)?;
        let mut input = input.clone();
        input.check()?;
        let now = self.now();
        let person: Party = self.reads.party_from_card(now)?;
        let mut handovers = Vec::new();
        let mut offline = false;
        let api = self.hall_api();
        for case_id in &input.case_ids {
            let online = match &api {
                Some((api, token)) => self.server_rules(api, token, case_id, &person, &input),
                None => Err(HallApiError::Unreachable("no online session".into())),
            };
            let (case_no, relation) = match online {
                Ok(found) => found,
                Err(HallApiError::Unreachable(_)) => {
                    offline = true;
                    let relation = self.with_store(|s| {
                        Ok(issuing::local_rules(s, case_id, &person, input.authorised)?)
                    })?;
                    (self.local_case_no(case_id)?, relation)
                }
                Err(e) => return Err(refused(e)),
            };
            handovers.push(Handover {
                case_id: case_id.clone(),
                case_no,
                relation,
            });
        }
        let clerk_id = clerk.desk.clerk_id.clone();
        self.with_store(|s| {
            Ok(issuing::record(
                s, &clerk_id, &person, &input, &handovers, now,
            )?)
        })?;
        let printed = self.print_pickup_slips(&clerk.desk, &person, &input, &handovers);
        self.refresh_pending();
        if let Some(service) = self.sync.service.get() {
            service.sync_now();
        }
        Ok(HandoverDone {
            case_nos: handovers
                .iter()
                .map(|h| h.case_no.clone().unwrap_or_else(|| h.case_id.clone()))
                .collect(),
            message: wording::handed_over(handovers.len(), printed, offline),
            offline,
        })
    }

    fn server_rules(
        &self,
        api: &HallApi,
        token: &str,
        case_id: &str,
        person: &Party,
        input: &HandoverInput,
    ) -> Result<(Option<String>, Relation), HallApiError> {
        let body = serde_json::json!({
            "person": { "name": person.name.trim(), "id_number": person.id_number.trim() },
            "authorised": input.authorised,
            "method": input.method,
            "tracking_no": input.tracking_no,
            "locker_code": input.locker_code,
        });
        #[derive(serde::Deserialize)]
        struct Answer {
            relation: Relation,
            case: CaseNo,
        }
        #[derive(serde::Deserialize)]
        struct CaseNo {
            case_no: Option<String>,
        }
        let a: Answer = api.send(
            reqwest::Method::POST,
            api.url(&format!("cases/{}/pickup-check", urlencode(case_id))),
            Some(serde_json::to_vec(&body).unwrap_or_default()),
            token,
        )?;
        Ok((a.case.case_no, a.relation))
    }

    fn local_case_no(&self, case_id: &str) -> Result<Option<String>, UserError> {
        self.with_store(|s| {
            Ok(s.conn()
                .query_row("SELECT case_no FROM cases WHERE id = ?1", [case_id], |r| {
                    r.get::<_, Option<String>>(0)
                })
                .map_err(|e| IssueError::Store(e.to_string()))?)
        })
    }

    /// One pickup slip per result on the receipt printer; false when any did not print (the
    /// handover stands: the slip can be printed again).
    fn print_pickup_slips(
        &self,
        desk: &crate::domain::intake::Desk,
        person: &Party,
        input: &HandoverInput,
        handovers: &[Handover],
    ) -> bool {
        let Ok(printer) = self.devices.receipt_printer() else {
            return false;
        };
        let at = self.clock.slip_time();
        let mut all = true;
        for h in handovers {
            let item = self
                .with_store(|s| {
                    Ok(s.conn()
                        .query_row(
                            "SELECT item_name FROM cases WHERE id = ?1",
                            [&h.case_id],
                            |r| r.get::<_, String>(0),
                        )
                        .unwrap_or_default())
                })
                .unwrap_or_default();
            let no = h.case_no.clone().unwrap_or_else(|| h.case_id.clone());
            let slip = PickupSlip {
                hall_name: &desk.hall_name,
                case_no: &no,
                item_name: &item,
                person,
                relation: h.relation,
                input,
                at,
                clerk_name: &desk.clerk_name,
            }
            .build();
            if let Err(e) = printer.print_business(&slip) {
                tracing::warn!(code = ?e.code, detail = %e.detail, "pickup slip not printed");
                all = false;
            }
        }
        self.refresh_printer_state();
        all
    }

    /// The handover photo (H2): the document camera's newest frame, stored encrypted and
    /// queued for upload like a material file.
    pub fn issue_photo(&self) -> Result<Attachment, UserError> {
        let clerk = self.permit(Permission::Issue, Some("issue.photo"), None)?;
        let camera = self.devices.camera()?;
        let was_previewing = camera.is_previewing();
        camera.start_preview();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let page = loop {
            match camera.capture(0) {
                Ok(p) => break Ok(p),
                Err(e) if std::time::Instant::now() >= deadline => break Err(e),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        };
        if !was_previewing {
            camera.stop_preview();
        }
        let page = page?;
        let blobs = self.sync.blobs().ok_or_else(|| {
            UserError::new(
                ErrorCode::IntakeNoBlobStore,
                "the blob store was not opened at start",
            )
        })?;
        let now = self.now();
        self.write(|s| {
            crate::domain::intake::cases::attach(
                s,
                &blobs,
                &clerk.desk,
                wording::PHOTO_NAME,
                &page.jpeg,
                now,
            )
        })
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
