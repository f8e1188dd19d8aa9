//! The material flow at the workstation (F3, issue 18): the window makes a package of its
//! decided cases' paper and prints the 物料流转单 on the A4 printer; the receiving end (a clerk
//! with the `issue` permission: the issuing window, the department's 流转岗) finds the package
//! by scanning the slip and signs for it. Workflow in [`crate::domain::flow`]; this wires the
//! A4 printer, the hall server (`GET /flows/{no}`) and the sync.

use crate::domain::access::Permission;
use crate::domain::flow::{self, document, wording, FlowCandidate, FlowSummary, MaterialFlow};
use crate::infra::clock::hall_secs;
use crate::infra::hall_api::HallApiError;
use crate::{ErrorCode, UserError};

use super::notices::NoticePrinter;
use super::Workstation;

/// A package made (or its slip printed again).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct FlowDone {
    pub flow: MaterialFlow,
    pub printed: bool,
    pub message: String,
}

/// A package found at the receiving end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct FlowFound {
    pub flow: MaterialFlow,
    /// The hall server did not answer: this workstation's own package, as far as it knows.
    pub offline: bool,
}

/// A sign-off made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct FlowSigned {
    pub case_nos: Vec<String>,
    pub offline: bool,
    pub message: String,
}

fn refused(e: HallApiError) -> UserError {
    match e {
        HallApiError::Refused {
            message, detail, ..
        } if !message.is_empty() => {
            UserError::with_message(ErrorCode::FlowRefused, message, detail)
        }
        other => UserError::new(ErrorCode::FlowRefused, other.to_string()),
    }
}

impl Workstation {
    fn workstation_name(&self) -> String {
        self.desk_id()
            .map(|d| d.workstation_id())
            .unwrap_or_default()
    }

    /// The decided cases of this window whose paper has not left yet.
    pub fn flow_pending(&self) -> Result<Vec<FlowCandidate>, UserError> {
        self.permit(Permission::Accept, None, None)?;
        self.with_store(|s| Ok(flow::pending(s)?))
    }

    /// The packages this window made today.
    pub fn flow_list(&self) -> Result<Vec<FlowSummary>, UserError> {
        self.permit(Permission::Accept, None, None)?;
        let now = self.now();
        let since = now - hall_secs(now).rem_euclid(86_400) * 1000;
        self.with_store(|s| Ok(flow::list(s, since)?))
    }

    /// Makes a package of the chosen cases' paper (one transaction with its audit entry and
    /// record for the server), prints its slip, syncs.
    pub fn flow_create(&self, case_ids: &[String]) -> Result<FlowDone, UserError> {
        let clerk = self.permit(Permission::Accept, Some("flow.create"), None)?;
        let now = self.now();
        let from = self.workstation_name();
        let made = self.with_store(|s| Ok(flow::create(s, &clerk.desk, &from, case_ids, now)?))?;
        self.refresh_pending();
        let printed = self.print_flow(&clerk.desk, &made);
        if let Some(service) = self.sync.service.get() {
            service.sync_now();
        }
        Ok(FlowDone {
            message: wording::created(&made.no, made.entries.len(), printed),
            flow: made,
            printed,
        })
    }

    /// Prints a package's slip again.
    pub fn flow_reprint(&self, no: &str) -> Result<FlowDone, UserError> {
        let clerk = self.permit(Permission::Accept, Some("flow.print"), None)?;
        let from = self.workstation_name();
        let held = self
            .with_store(|s| Ok(flow::load(s, no, &from)?))?
            .ok_or_else(|| UserError::from(flow::FlowError::Unknown(no.to_owned())))?;
        let printed = self.print_flow(&clerk.desk, &held);
        Ok(FlowDone {
            message: wording::created(&held.no, held.entries.len(), printed),
            flow: held,
            printed,
        })
    }

    /// The slip on the A4 printer, counted and audited once the printer took it.
    fn print_flow(&self, desk: &crate::domain::intake::Desk, f: &MaterialFlow) -> bool {
        let doc = document::slip(f, &desk.hall_name, &desk.window_label, &desk.clerk_name);
        let job = self
            .devices
            .a4_printer()
            .and_then(|p| NoticePrinter::print(&*p, &doc));
        self.refresh_a4_state();
        match job {
            Ok(job) => {
                let now = self.now();
                let counted = self
                    .with_store(|s| Ok(flow::record_print(s, &desk.clerk_id, &f.no, &job, now)?));
                counted.is_ok()
            }
            Err(e) => {
                tracing::warn!(code = ?e.code, detail = %e.detail, "material-flow slip not printed");
                false
            }
        }
    }

    /// Finds a package by its number (scanned from the slip or typed): the hall server's
    /// copy, or this workstation's own when the server does not answer or does not hold it yet.
    pub fn flow_find(&self, no: &str) -> Result<FlowFound, UserError> {
        self.permit(Permission::Issue, Some("flow.find"), None)?;
        let no: String = no
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if !flow::is_flow_no(&no) {
            return Err(flow::FlowError::Unknown(no).into());
        }
        let from = self.workstation_name();
        let local = self.with_store(|s| Ok(flow::load(s, &no, &from)?))?;
        let online = match self.hall_api() {
            Some((api, token)) => api.send::<MaterialFlow>(
                reqwest::Method::GET,
                api.url(&format!("flows/{no}")),
                None,
                &token,
            ),
            None => Err(HallApiError::Unreachable("no online session".into())),
        };
        match (online, local) {
            (Ok(flow), _) => Ok(FlowFound {
                flow,
                offline: false,
            }),
            (Err(HallApiError::Unreachable(detail)), Some(flow)) => {
                tracing::warn!(%detail, "material flow: hall server unreachable, own package");
                Ok(FlowFound {
                    flow,
                    offline: true,
                })
            }
            (Err(HallApiError::Refused { code, .. }), Some(flow)) if code == "flow_unknown" => {
                // Made here and not pushed yet.
                Ok(FlowFound {
                    flow,
                    offline: false,
                })
            }
            (Err(HallApiError::Unreachable(_)), None) => Err(UserError::new(
                ErrorCode::FlowUnreachable,
                format!("package {no}: hall server unreachable"),
            )),
            (Err(e), None) => Err(refused(e)),
            (Err(e), Some(_)) => Err(refused(e)),
        }
    }

    /// Signs for the chosen cases of a package (one transaction: the records for the server
    /// and the audit entry), then syncs.
    pub fn flow_sign(&self, no: &str, case_ids: &[String]) -> Result<FlowSigned, UserError> {
        let found = self.flow_find(no)?;
        let clerk = self.permit(Permission::Issue, Some("flow.sign"), None)?;
        let now = self.now();
        let nos = self.with_store(|s| {
            Ok(flow::sign(
                s,
                &clerk.desk.clerk_id,
                &found.flow,
                case_ids,
                now,
            )?)
        })?;
        self.refresh_pending();
        if let Some(service) = self.sync.service.get() {
            service.sync_now();
        }
        Ok(FlowSigned {
            message: wording::signed(nos.len(), found.flow.entries.len(), found.offline),
            case_nos: nos,
            offline: found.offline,
        })
    }
}
