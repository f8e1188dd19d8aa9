//! The case receipt on the thermal printer at the workstation (F2, issue 18 item 6): printed
//! after the decision when a receipt printer is configured, or from the done banner; a reprint
//! needs a reason and the `reprint` permission. Every print is audited once the printer took
//! it; the slip itself is built in [`crate::domain::intake::cases::receipt_slip`].

use crate::domain::access::Permission;
use crate::domain::intake::{cases, Desk, IntakeError};
use crate::UserError;

use super::Workstation;

impl Workstation {
    /// Prints the case's receipt slip (受理回执小票): the first print, or a reprint with its
    /// reason. Audited after the printer took it.
    pub fn print_receipt_slip(&self, case_id: &str, reason: &str) -> Result<(), UserError> {
        let clerk = self.permit(
            Permission::Accept,
            Some("print.receipt_slip"),
            Some(case_id),
        )?;
        let reason = reason.trim();
        let at = self.clock.slip_time();
        let desk = clerk.desk;
        let (case, slip, again) = self.with_store(|s| {
            let (case, slip) =
                cases::receipt_slip(s, &desk, case_id, at).map_err(|e| e.to_user())?;
            let again = cases::receipt_slip_printed(s, &case).map_err(|e| e.to_user())?;
            Ok((case, slip, again))
        })?;
        if again {
            self.permit(
                Permission::Reprint,
                Some("print.receipt_slip"),
                Some(case_id),
            )?;
            if reason.is_empty() {
                return Err(IntakeError::ReasonRequired.to_user());
            }
        }
        let printer = self.devices.receipt_printer()?;
        let printed = printer.print_business(&slip);
        self.refresh_printer_state();
        printed?;
        let now = self.now();
        self.write(|s| cases::record_receipt_slip(s, &desk, &case, again.then_some(reason), now))
    }

    /// After a decision: the receipt slip of a case taken in, when a receipt printer is
    /// configured. A slip that does not print leaves the decision as it is (the banner's button
    /// prints it again).
    pub(super) fn receipt_slip_after_decision(&self, desk: &Desk, case_id: &str) -> bool {
        let Ok(printer) = self.devices.receipt_printer() else {
            return false;
        };
        let at = self.clock.slip_time();
        let Ok((case, slip)) =
            self.with_store(|s| cases::receipt_slip(s, desk, case_id, at).map_err(|e| e.to_user()))
        else {
            return false;
        };
        let printed = printer.print_business(&slip);
        self.refresh_printer_state();
        if let Err(e) = printed {
            tracing::warn!(code = ?e.code, detail = %e.detail, "receipt slip not printed");
            return false;
        }
        let now = self.now();
        self.write(|s| cases::record_receipt_slip(s, desk, &case, None, now))
            .is_ok()
    }
}
