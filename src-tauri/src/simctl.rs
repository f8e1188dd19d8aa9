//! The simulated devices' loopback control surface (`simulator.control`), wired to the same
//! service calls as the device panel's simulator buttons.

use tauri::Manager;
use yichuang_core::devices::simctl::SimControl;
use yichuang_core::UserError;

use crate::state::AppState;

pub struct ShellSimControl(pub tauri::AppHandle);

impl SimControl for ShellSimControl {
    fn place_card(&self, sample: &str) -> Result<(), UserError> {
        self.0
            .state::<AppState>()
            .with_id_card(|svc| svc.simulator_place(sample))
    }

    fn remove_card(&self) -> Result<(), UserError> {
        self.0
            .state::<AppState>()
            .with_id_card(|svc| svc.simulator_remove())
    }

    fn scan(&self, text: &str) -> Result<(), UserError> {
        self.0
            .state::<AppState>()
            .with_scanner(|svc| svc.simulator_scan(text))
    }

    fn camera(
        &self,
        action: &yichuang_core::devices::simctl::CameraAction,
    ) -> Result<(), UserError> {
        self.0
            .state::<crate::camera::CameraState>()
            .service()?
            .simulator_control(action)
    }

    fn printer_fault(&self, fault: &str, on: bool) -> Result<(), UserError> {
        let state = self.0.state::<AppState>();
        state.printer()?.simulator_fault(fault, on)?;
        state.refresh_printer_state(&self.0);
        Ok(())
    }
}

/// Starts the control surface when `simulator.control` is set; a port already in use is
/// logged, not fatal (the app works without it).
pub fn start(app: &tauri::AppHandle) {
    let state = app.state::<AppState>();
    let addr = match state.config.simulator.control_addr() {
        Ok(Some(addr)) => addr,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, "simulator.control ignored");
            return;
        }
    };
    match yichuang_core::devices::simctl::SimctlServer::start(
        addr,
        std::sync::Arc::new(ShellSimControl(app.clone())),
    ) {
        Ok(server) => state.set_simctl(server),
        Err(e) => tracing::error!(error = %e, "simulator control surface not started"),
    }
}
