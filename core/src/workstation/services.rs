//! The counter's device services, each started once from the config and reached through one
//! accessor that says 「本窗口未配置…」 when the device is not installed. Device events come
//! back into the workstation: states to the status bar, card reads through the A6 register,
//! codes through the audit, UKey removals to the session.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use crate::devices::a4_printer::{self, A4PrintOutcome, A4PrinterService};
use crate::devices::camera::{CameraEvent, CameraService};
use crate::devices::id_card::{DeviceEvent, IdCardService, ServiceTiming};
use crate::devices::printer::{self, PrintOutcome, ReceiptPrinterService};
use crate::devices::scanner::{self, ScannerEvent, ScannerService};
use crate::devices::seal::SealService;
use crate::devices::simctl::{CameraAction, SimControl, SimctlServer};
use crate::devices::ukey::{self, UkeyEvent, UkeyService};
use crate::infra::status::DeviceState;
use crate::{ErrorCode, UserError};

/// Which scanner gun a scan came from: the serial (or USB CDC) one the workstation reads, or
/// a keyboard-wedge one whose keystrokes the window caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ScanSource {
    Serial,
    Keyboard,
}

use super::Workstation;

#[derive(Default)]
pub struct Services {
    id_card: OnceLock<IdCardService>,
    scanner: OnceLock<ScannerService>,
    receipt: OnceLock<Arc<ReceiptPrinterService>>,
    a4: OnceLock<Arc<A4PrinterService>>,
    ukey: OnceLock<Arc<UkeyService>>,
    camera: OnceLock<Arc<CameraService>>,
    simctl: OnceLock<SimctlServer>,
    seal: OnceLock<Arc<SealService>>,
}

fn missing(code: ErrorCode, detail: &str) -> UserError {
    UserError::new(code, detail)
}

impl Services {
    pub fn id_card(&self) -> Result<&IdCardService, UserError> {
        self.id_card.get().ok_or_else(|| {
            missing(
                ErrorCode::IdCardNotInstalled,
                "devices.id_card.driver = \"none\" or the service failed to start",
            )
        })
    }

    pub fn scanner(&self) -> Result<&ScannerService, UserError> {
        self.scanner.get().ok_or_else(|| {
            missing(
                ErrorCode::ScannerNotSerial,
                "devices.scanner.driver is not \"serial\" or \"simulator\"",
            )
        })
    }

    pub fn receipt_printer(&self) -> Result<Arc<ReceiptPrinterService>, UserError> {
        self.receipt.get().cloned().ok_or_else(|| {
            missing(
                ErrorCode::ReceiptPrinterNotInstalled,
                "devices.receipt_printer.driver = \"none\" or the service failed to start",
            )
        })
    }

    pub fn a4_printer(&self) -> Result<Arc<A4PrinterService>, UserError> {
        self.a4.get().cloned().ok_or_else(|| {
            missing(
                ErrorCode::A4PrinterNotInstalled,
                "devices.a4_printer.driver = \"none\" or the service failed to start",
            )
        })
    }

    pub fn ukey(&self) -> Result<Arc<UkeyService>, UserError> {
        self.ukey.get().cloned().ok_or_else(|| {
            missing(
                ErrorCode::UkeyNotInstalled,
                "devices.ukey.driver = \"none\"",
            )
        })
    }

    /// The seal service of `[devices.seal]`, opened on first use (stamping and verifying
    /// are rare; the seal library is not loaded at start).
    pub fn seal(&self, config: &crate::infra::config::SealConfig) -> Arc<SealService> {
        self.seal
            .get_or_init(|| Arc::new(SealService::open(config)))
            .clone()
    }

    pub fn camera(&self) -> Result<Arc<CameraService>, UserError> {
        self.camera.get().cloned().ok_or_else(|| {
            missing(
                ErrorCode::CameraNotInstalled,
                "devices.camera.driver = \"none\" or the service failed to start",
            )
        })
    }
}

/// Calls `f` on the workstation while it lives (device threads hold it weakly).
fn on(ws: &Weak<Workstation>, f: impl FnOnce(&Workstation)) {
    if let Some(ws) = ws.upgrade() {
        f(&ws);
    }
}

impl Workstation {
    pub fn devices(&self) -> &Services {
        &self.devices
    }

    pub(super) fn start_devices(self: &Arc<Self>) {
        let cfg = &self.config.devices;
        let w = Arc::downgrade(self);
        let id_card = IdCardService::start(
            &cfg.id_card,
            crate::infra::clock::today_in_china,
            ServiceTiming::default(),
            move |event| {
                on(&w, |ws| match event {
                    DeviceEvent::State { slot, state } => ws.set_device_state(slot, state),
                    DeviceEvent::Card(card) => ws.on_card(*card),
                })
            },
        );
        let w = Arc::downgrade(self);
        let scanner = ScannerService::start(&cfg.scanner, Duration::from_secs(2), move |event| {
            on(&w, |ws| match event {
                ScannerEvent::State(s) => ws.set_device_state(scanner::SLOT, s),
                ScannerEvent::Scanned(scan) => ws.emit(|e| e.scanned(scan)),
            })
        });
        let w = Arc::downgrade(self);
        let receipt = ReceiptPrinterService::start(
            &cfg.receipt_printer,
            Duration::from_secs(3),
            move |slot, s| on(&w, |ws| ws.set_device_state(slot, s)),
        );
        let a4 = A4PrinterService::from_config(&cfg.a4_printer, self.data_dir.join("a4-simulated"));
        let w = Arc::downgrade(self);
        let ukey = UkeyService::start(cfg, move |event| {
            on(&w, |ws| match event {
                UkeyEvent::State(s) => ws.set_device_state(ukey::SLOT, s),
                UkeyEvent::Presence(p, seen) => ws.on_ukey(p, seen),
            })
        });
        let w = Arc::downgrade(self);
        let camera = CameraService::start(&cfg.camera, Default::default(), move |event| {
            on(&w, |ws| ws.on_camera(event))
        });

        let d = &self.devices;
        set(&d.id_card, id_card);
        set(&d.scanner, scanner);
        match receipt {
            Ok(p) => set(&d.receipt, p),
            Err(e) => self.device_failed(printer::SLOT, e),
        }
        match a4 {
            Ok(p) => {
                if p.is_some() {
                    self.poll_a4();
                }
                set(&d.a4, p.map(Arc::new));
            }
            Err(e) => self.device_failed(a4_printer::SLOT, e),
        }
        set(&d.ukey, ukey.map(Arc::new));
        set(&d.camera, camera.map(Arc::new));
        self.start_simctl();
    }

    fn device_failed(&self, slot: &str, e: UserError) {
        tracing::error!(slot, error = %e.detail, "device service not started");
        self.set_device_state(slot, DeviceState::Error { message: e.message });
    }

    /// The spooler's queue state (paused, out of paper, printer gone) every 5 s.
    fn poll_a4(self: &Arc<Self>) {
        let w = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("a4-poll".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                let Some(ws) = w.upgrade() else { return };
                ws.refresh_a4_state();
            })
            .map(drop)
            .unwrap_or_else(|e| tracing::error!(error = %e, "A4 poll not started"));
    }

    /// Re-reads the A4 printer's queue state into the status bar.
    pub fn refresh_a4_state(&self) {
        if let Ok(p) = self.devices.a4_printer() {
            self.set_device_state(a4_printer::SLOT, p.state());
        }
    }

    /// Re-reads the receipt printer's condition right after a job or a simulated fault.
    pub fn refresh_printer_state(&self) {
        if let Ok(p) = self.devices.receipt_printer() {
            self.set_device_state(printer::SLOT, p.state());
        }
    }

    fn on_card(&self, event: crate::devices::id_card::CardEvent) {
        let (actor, now) = (self.actor(), self.now());
        let simulated = self.config.devices.id_card.is_simulated();
        let event = match self.store() {
            Ok(store) => {
                let mut store = super::lock(store);
                self.reads
                    .card_event(&mut store, actor, now, event, simulated)
            }
            Err(error) => match event {
                crate::devices::id_card::CardEvent::Present { .. } => {
                    crate::devices::id_card::CardEvent::ReadFailed { error }
                }
                other => other,
            },
        };
        self.refresh_pending();
        self.emit(|e| e.card(event));
    }

    fn on_camera(&self, event: CameraEvent) {
        match event {
            CameraEvent::State(s) => self.set_device_state(crate::devices::camera::SLOT, s),
            CameraEvent::Error(error) => self.emit(|e| e.camera_failed(error)),
            // The window pulls frames at its own pace.
            CameraEvent::Frame(_) => {}
            CameraEvent::Code(code) => {
                let simulated = self.config.devices.camera.is_simulated();
                let target = self.code_target(&code, "document_camera", simulated);
                self.emit(|e| e.camera_code(target));
            }
        }
    }

    /// What a code opens at the window, audited as read from `source`.
    fn code_target(
        &self,
        code: &crate::devices::camera::ScannedCode,
        source: &str,
        simulated: bool,
    ) -> crate::devices::camera::CodeTarget {
        let keys = self.config.codes.personal_code_keys();
        let now = self.now();
        let (actor, target) = (self.actor(), code.target(&keys, now.div_euclid(1000)));
        let target = match self.store() {
            Ok(store) => {
                let mut store = super::lock(store);
                super::reads::code_read(&mut store, actor, now, target, source, simulated)
            }
            Err(_) => crate::devices::camera::CodeTarget {
                party: None,
                ..target
            },
        };
        self.refresh_pending();
        target
    }

    /// A scanner gun's scan on the intake page (D1): the same as a code under the camera — a
    /// ticket or appointment opens its item, a signed personal code fills the applicant.
    pub fn scanned_code(
        &self,
        text: &str,
        source: ScanSource,
    ) -> crate::devices::camera::CodeTarget {
        let code = crate::devices::camera::ScannedCode::classify(text);
        let (source, simulated) = match source {
            ScanSource::Serial => ("scanner_serial", self.config.devices.scanner.is_simulated()),
            ScanSource::Keyboard => ("scanner_keyboard", false),
        };
        self.code_target(&code, source, simulated)
    }

    /// Prints the standard ticket slip (device self-test, K2).
    pub fn print_test_slip(&self) -> Result<PrintOutcome, UserError> {
        let printer = self.devices.receipt_printer()?;
        let result = printer.print_test_slip(&self.config.hall.name, self.clock.slip_time());
        self.refresh_printer_state();
        result
    }

    /// Prints a queue ticket's slip (取号, B6 reprint) on the receipt printer: the number big,
    /// its item group, how many wait ahead, the time, the ticket id as QR. The message says
    /// whether it printed; a failed print never undoes the ticket.
    pub(super) fn print_ticket(
        &self,
        ticket: &crate::domain::queue::Ticket,
        waiting: u32,
    ) -> String {
        use crate::labels::queue as words;
        let printer = match self.devices.receipt_printer() {
            Ok(p) => p,
            Err(_) => return words::issued_no_printer(&ticket.number),
        };
        let item = self
            .config
            .queue
            .groups
            .iter()
            .find(|g| g.code == ticket.group)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| ticket.group.clone());
        let slip = yichuang_drivers::escpos::TicketSlip {
            hall_name: self.config.hall.name.clone(),
            ticket_number: ticket.number.clone(),
            item,
            waiting,
            issued_at: crate::infra::clock::slip_time_from_unix(crate::infra::clock::hall_secs(
                ticket.issued_at,
            )),
            ticket_code: ticket.id.clone(),
            footer: words::TICKET_FOOTER.map(String::from).to_vec(),
        };
        let result = printer.print_ticket(&slip);
        self.refresh_printer_state();
        match result {
            Ok(()) => words::issued_printed(&ticket.number),
            Err(e) => {
                tracing::warn!(code = ?e.code, detail = %e.detail, "ticket slip not printed");
                words::issued_not_printed(&ticket.number, &e.message)
            }
        }
    }

    /// Prints the A4 test page (device self-test, K2), audited when printed.
    pub fn print_test_page(&self) -> Result<A4PrintOutcome, UserError> {
        let printer = self.devices.a4_printer()?;
        let window = crate::labels::window::test_page_line(
            self.config.window.number,
            self.config.window.name.as_deref().unwrap_or_default(),
        );
        let result =
            printer.print_test_page(&self.config.hall.name, &window, self.clock.slip_time());
        if let Ok(outcome) = &result {
            let detail = serde_json::json!({ "document": crate::labels::print::TEST_PAGE, "job": outcome.job_id });
            if let Err(e) = self.audit("print.test_page", None, detail) {
                tracing::error!(error = %e.detail, "print not audited");
            }
        }
        self.refresh_a4_state();
        result
    }

    /// Sets or clears a fault on the simulated receipt printer.
    pub fn simulate_printer_fault(&self, fault: &str, on: bool) -> Result<(), UserError> {
        self.devices.receipt_printer()?.simulator_fault(fault, on)?;
        self.refresh_printer_state();
        Ok(())
    }

    /// Acts on the simulated document camera (`show <text>`, `clear`, `unplug`, …).
    pub fn simulate_camera(&self, action: &str) -> Result<(), UserError> {
        use crate::devices::simctl::{parse, Command};
        match parse(&format!("camera {action}")) {
            Ok(Command::Camera(a)) => self.devices.camera()?.simulator_control(&a),
            other => Err(UserError::new(
                ErrorCode::CameraSimAction,
                format!("camera {action}: {other:?}"),
            )),
        }
    }

    /// Starts the loopback control surface when `simulator.control` is set (with its
    /// `simulator.token`); a port in use is logged, not fatal.
    fn start_simctl(self: &Arc<Self>) {
        let addr = match self.config.simulator.control_addr() {
            Ok(Some(addr)) => addr,
            Ok(None) => return,
            Err(e) => return tracing::error!(error = %e, "simulator.control ignored"),
        };
        // Validated with the config; a config that bypassed validation gets no port.
        let Ok(Some(token)) = self.config.simulator.control_token() else {
            return tracing::error!("simulator.token missing or too short; no control port");
        };
        match SimctlServer::start(addr, token, Arc::new(Control(Arc::downgrade(self)))) {
            Ok(server) => set(&self.devices.simctl, Some(server)),
            Err(e) => tracing::error!(error = %e, "simulator control surface not started"),
        }
    }
}

fn set<T>(slot: &OnceLock<T>, value: Option<T>) {
    if let Some(v) = value {
        let _ = slot.set(v);
    }
}

/// The control surface drives the same calls as the device panel's buttons.
struct Control(Weak<Workstation>);

impl Control {
    fn ws(&self) -> Result<Arc<Workstation>, UserError> {
        self.0
            .upgrade()
            .ok_or_else(|| missing(ErrorCode::Internal, "workstation dropped"))
    }
}

impl SimControl for Control {
    fn place_card(&self, sample: &str) -> Result<(), UserError> {
        self.ws()?.devices.id_card()?.simulator_place(sample)
    }

    fn remove_card(&self) -> Result<(), UserError> {
        self.ws()?.devices.id_card()?.simulator_remove()
    }

    fn scan(&self, text: &str) -> Result<(), UserError> {
        self.ws()?.devices.scanner()?.simulator_scan(text)
    }

    fn camera(&self, action: &CameraAction) -> Result<(), UserError> {
        self.ws()?.devices.camera()?.simulator_control(action)
    }

    fn printer_fault(&self, fault: &str, on: bool) -> Result<(), UserError> {
        self.ws()?.simulate_printer_fault(fault, on)
    }

    fn printer_paper(&self) -> Result<Vec<String>, UserError> {
        let paper = self.ws()?.devices.receipt_printer()?.simulated_paper();
        let paper = paper.ok_or_else(|| {
            UserError::new(
                ErrorCode::ReceiptPrinterNotSimulated,
                "devices.receipt_printer.driver is not \"simulator\"",
            )
        })?;
        Ok(paper.lines().iter().map(|l| l.text.clone()).collect())
    }
}
