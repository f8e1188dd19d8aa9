//! Serial devices behind real ptys for the E2E tests and the benchmarks: the device's
//! simulator on the master side, the app opening the slave by path like any USB-serial device.

use anyhow::{Context, Result};
use serialport::SerialPort;
use yichuang_core::infra::config::{DeviceConfig, DeviceDriver};

/// A pty pair; our handle on the slave stays open, since with no slave open the master reads
/// EIO and the simulator would stop.
fn pty() -> Result<(serialport::TTYPort, String, serialport::TTYPort)> {
    let (master, slave) = serialport::TTYPort::pair().context("pty pair")?;
    let path = slave.name().context("pty has a path")?;
    Ok((master, path, slave))
}

fn serial(path: &str, baud: u32) -> DeviceConfig {
    DeviceConfig {
        driver: DeviceDriver::Serial,
        port: Some(path.to_owned()),
        baud: Some(baud),
        ..Default::default()
    }
}

/// The SAM simulator on a pty: an ID-card reader at 115200 baud.
pub struct SerialIdCardReader {
    pub sim: yichuang_drivers::idcard::simulator::SimulatorHandle,
    path: String,
    _slave: serialport::TTYPort,
}

impl SerialIdCardReader {
    pub fn open() -> Result<Self> {
        use yichuang_drivers::idcard::{simulator, SamSimulator};
        let (master, path, slave) = pty()?;
        let sim = simulator::spawn(Box::new(master), SamSimulator::new());
        Ok(Self {
            sim,
            path,
            _slave: slave,
        })
    }

    /// `[devices.id_card]` for this reader.
    pub fn config(&self) -> DeviceConfig {
        serial(&self.path, 115200)
    }
}

/// A scanner gun's simulator on a pty.
pub struct SerialScanner {
    pub sim: yichuang_drivers::scanner::simulator::SimulatorHandle,
    path: String,
    _slave: serialport::TTYPort,
}

impl SerialScanner {
    pub fn open(scanner: yichuang_drivers::scanner::ScanSimulator) -> Result<Self> {
        let (master, path, slave) = pty()?;
        let sim = yichuang_drivers::scanner::simulator::spawn(Box::new(master), scanner);
        Ok(Self {
            sim,
            path,
            _slave: slave,
        })
    }

    /// `[devices.scanner]` for this scanner at `baud` (suffix and encoding to be added).
    pub fn config(&self, baud: u32) -> DeviceConfig {
        serial(&self.path, baud)
    }
}
