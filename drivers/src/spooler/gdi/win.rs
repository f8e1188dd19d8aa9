//! The GDI and winspool calls of [`super`]: one printer device context per document, the
//! bundled font loaded privately once per process, and the job followed through `GetJobW`.

use super::{device_ops, job_outcome, printer_condition, DeviceGeometry, DeviceOp, PrintFont};
use super::{PrintPage, SpoolerError};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_INVALID_PARAMETER, ERROR_INVALID_PRINTER_NAME, RECT,
};
use windows_sys::Win32::Graphics::Gdi::{
    AddFontMemResourceEx, CreateDCW, CreateFontW, CreatePen, CreateSolidBrush, DeleteDC,
    DeleteObject, FillRect, GetDeviceCaps, LineTo, MoveToEx, SelectObject, SetBkMode, SetTextAlign,
    TextOutW, ANTIALIASED_QUALITY, CLIP_DEFAULT_PRECIS, DEFAULT_CHARSET, DEFAULT_PITCH, FW_NORMAL,
    HDC, HFONT, HGDIOBJ, LOGPIXELSX, LOGPIXELSY, OUT_TT_PRECIS, PHYSICALOFFSETX, PHYSICALOFFSETY,
    PS_SOLID, TA_BASELINE, TA_LEFT, TRANSPARENT,
};
use windows_sys::Win32::Graphics::Printing::{
    ClosePrinter, GetJobW, GetPrinterW, OpenPrinterW, JOB_INFO_1W, PRINTER_HANDLE, PRINTER_INFO_2W,
};
use windows_sys::Win32::Storage::Xps::{AbortDoc, EndDoc, EndPage, StartDocW, StartPage, DOCINFOW};

/// What the errors name as the "server": the local spooler service.
const SPOOLER: &str = "Windows print spooler";

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

fn last_error() -> u32 {
    // SAFETY: reads the calling thread's last-error value.
    unsafe { GetLastError() }
}

/// A printer handle closed on drop.
struct Printer(PRINTER_HANDLE);

impl Drop for Printer {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenPrinterW and is closed once.
        unsafe { ClosePrinter(self.0) };
    }
}

/// A printer device context deleted on drop.
struct Dc(HDC);

impl Drop for Dc {
    fn drop(&mut self) {
        // SAFETY: the DC came from CreateDCW and is deleted once.
        unsafe { DeleteDC(self.0) };
    }
}

/// Calls `get(buffer, size, &mut needed)` with a buffer grown to what it asks for. The buffer
/// is `u64`s so the structures written into it are aligned.
fn query(mut get: impl FnMut(*mut u8, u32, &mut u32) -> bool) -> Result<Vec<u64>, u32> {
    let mut needed = 0u32;
    let mut buf: Vec<u64> = Vec::new();
    for _ in 0..4 {
        let size = (buf.len() * 8) as u32;
        if get(buf.as_mut_ptr().cast(), size, &mut needed) {
            return Ok(buf);
        }
        let error = last_error();
        if needed as usize <= buf.len() * 8 {
            return Err(error);
        }
        buf = vec![0u64; (needed as usize).div_ceil(8)];
    }
    Err(last_error())
}

/// A Windows printer, by the name Windows knows it ("HP LaserJet Pro M404",
/// `\\server\printer`).
#[derive(Debug, Clone)]
pub struct WinSpooler {
    printer: String,
    /// How long a job may take from submission to completion.
    pub job_timeout: Duration,
    pub poll_every: Duration,
}

impl WinSpooler {
    pub fn new(printer: &str) -> Result<WinSpooler, SpoolerError> {
        super::validate_printer_name(printer).map_err(SpoolerError::Config)?;
        Ok(WinSpooler {
            printer: printer.to_string(),
            job_timeout: Duration::from_secs(120),
            poll_every: Duration::from_millis(250),
        })
    }

    pub fn printer(&self) -> &str {
        &self.printer
    }

    fn open(&self) -> Result<Printer, SpoolerError> {
        let name = wide(&self.printer);
        let mut handle = PRINTER_HANDLE::default();
        // SAFETY: `name` is NUL-terminated and outlives the call; `handle` is written.
        let ok = unsafe { OpenPrinterW(name.as_ptr(), &mut handle, std::ptr::null()) };
        if ok != 0 {
            return Ok(Printer(handle));
        }
        Err(match last_error() {
            ERROR_INVALID_PRINTER_NAME => SpoolerError::QueueNotFound {
                queue: self.printer.clone(),
                server: SPOOLER.into(),
            },
            other => SpoolerError::ServerUnreachable {
                server: SPOOLER.into(),
                detail: format!("OpenPrinterW failed with error {other}"),
            },
        })
    }

    /// The printer's status bits (`PRINTER_INFO_2W::Status`).
    fn status(&self, printer: &Printer) -> Result<u32, SpoolerError> {
        let buf = query(|ptr, size, needed| {
            // SAFETY: `ptr` points to `size` writable bytes (or is dangling with size 0).
            unsafe { GetPrinterW(printer.0, 2, ptr, size, needed) != 0 }
        })
        .map_err(|e| SpoolerError::Protocol(format!("GetPrinterW failed with error {e}")))?;
        if buf.len() * 8 < std::mem::size_of::<PRINTER_INFO_2W>() {
            return Err(SpoolerError::Protocol(
                "GetPrinterW returned no data".into(),
            ));
        }
        // SAFETY: GetPrinterW level 2 wrote a PRINTER_INFO_2W at the (aligned) start.
        let info = unsafe { &*(buf.as_ptr() as *const PRINTER_INFO_2W) };
        Ok(info.Status)
    }

    /// Ok when the printer can print now; else what keeps it from printing.
    pub fn check_ready(&self) -> Result<(), SpoolerError> {
        let printer = self.open()?;
        let status = self.status(&printer)?;
        match printer_condition(status) {
            None => Ok(()),
            Some(condition) => Err(SpoolerError::Printer {
                queue: self.printer.clone(),
                condition,
                reasons: format!("printer status {status:#x}"),
            }),
        }
    }

    /// Draws `pages` as one spooler job named `title` and waits until it is printed; returns
    /// the job id.
    pub fn print_pages(
        &self,
        title: &str,
        pages: &[PrintPage],
        font: PrintFont,
    ) -> Result<i32, SpoolerError> {
        self.check_ready()?;
        load_font(font)?;
        let name = wide(&self.printer);
        // SAFETY: `name` is NUL-terminated; the other arguments may be null.
        let hdc = unsafe {
            CreateDCW(
                std::ptr::null(),
                name.as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        if hdc.is_null() {
            return Err(SpoolerError::Protocol(format!(
                "CreateDCW({:?}) failed with error {}",
                self.printer,
                last_error()
            )));
        }
        let dc = Dc(hdc);
        // SAFETY: GetDeviceCaps reads from a valid DC.
        let geo = unsafe {
            DeviceGeometry {
                dpi_x: GetDeviceCaps(dc.0, LOGPIXELSX as i32).max(1),
                dpi_y: GetDeviceCaps(dc.0, LOGPIXELSY as i32).max(1),
                offset_x: GetDeviceCaps(dc.0, PHYSICALOFFSETX as i32),
                offset_y: GetDeviceCaps(dc.0, PHYSICALOFFSETY as i32),
            }
        };
        let doc_name = wide(title);
        let info = DOCINFOW {
            cbSize: std::mem::size_of::<DOCINFOW>() as i32,
            lpszDocName: doc_name.as_ptr(),
            lpszOutput: std::ptr::null(),
            lpszDatatype: std::ptr::null(),
            fwType: 0,
        };
        // SAFETY: `info` and the strings it points to outlive the call.
        let job = unsafe { StartDocW(dc.0, &info) };
        if job <= 0 {
            return Err(SpoolerError::Refused {
                operation: "StartDocW",
                status: 0,
                message: format!("error {}", last_error()),
            });
        }
        let mut fonts = Fonts::new(font.family);
        for page in pages {
            // SAFETY: a document was started on this DC.
            if unsafe { StartPage(dc.0) } <= 0 {
                return Err(abort(&dc, job, "StartPage"));
            }
            draw(&dc, &device_ops(page, &geo), &mut fonts);
            // SAFETY: a page was started on this DC.
            if unsafe { EndPage(dc.0) } <= 0 {
                return Err(abort(&dc, job, "EndPage"));
            }
        }
        drop(fonts);
        // SAFETY: a document was started on this DC.
        if unsafe { EndDoc(dc.0) } <= 0 {
            return Err(abort(&dc, job, "EndDoc"));
        }
        drop(dc);
        self.wait(job)?;
        Ok(job)
    }

    /// Follows job `job` until printed, a printer condition, or the timeout. A job the
    /// spooler no longer lists has left the queue after printing (Windows removes printed
    /// jobs unless the queue keeps them).
    fn wait(&self, job: i32) -> Result<(), SpoolerError> {
        let printer = self.open()?;
        let start = Instant::now();
        loop {
            let got = query(|ptr, size, needed| {
                // SAFETY: `ptr` points to `size` writable bytes.
                unsafe { GetJobW(printer.0, job as u32, 1, ptr, size, needed) != 0 }
            });
            let status = match got {
                Ok(buf) if buf.len() * 8 >= std::mem::size_of::<JOB_INFO_1W>() => {
                    // SAFETY: GetJobW level 1 wrote a JOB_INFO_1W at the aligned start.
                    unsafe { (*(buf.as_ptr() as *const JOB_INFO_1W)).Status }
                }
                Ok(_) => return Err(SpoolerError::Protocol("GetJobW returned no data".into())),
                // Windows says ERROR_INVALID_PARAMETER for a job it no longer lists; Wine
                // leaves the last error as it was. The printer still answering tells a job
                // gone from a handle gone.
                Err(e) => {
                    if e == ERROR_INVALID_PARAMETER || self.status(&printer).is_ok() {
                        return Ok(());
                    }
                    return Err(SpoolerError::Protocol(format!(
                        "GetJobW failed with error {e}"
                    )));
                }
            };
            if job_outcome(status, job, &self.printer)? {
                return Ok(());
            }
            let waited = start.elapsed();
            if waited >= self.job_timeout {
                return Err(SpoolerError::Timeout {
                    job,
                    state: status as i32,
                    reasons: format!("job status {status:#x}"),
                    waited_ms: waited.as_millis() as u64,
                });
            }
            std::thread::sleep(self.poll_every.min(self.job_timeout - waited));
        }
    }
}

fn abort(dc: &Dc, job: i32, operation: &'static str) -> SpoolerError {
    let error = last_error();
    // SAFETY: a document was started on this DC.
    unsafe { AbortDoc(dc.0) };
    SpoolerError::JobAborted {
        job,
        reasons: format!("{operation} failed with error {error}"),
    }
}

/// Loads the font into this process once (`FR_PRIVATE`: no other process sees it).
fn load_font(font: PrintFont) -> Result<(), SpoolerError> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = *LOADED.get_or_init(|| {
        let mut count = 0u32;
        // SAFETY: the bytes are 'static; GDI copies them.
        let handle = unsafe {
            AddFontMemResourceEx(
                font.bytes.as_ptr().cast(),
                font.bytes.len() as u32,
                std::ptr::null(),
                &mut count,
            )
        };
        !handle.is_null() && count > 0
    });
    if ok {
        Ok(())
    } else {
        Err(SpoolerError::Protocol(format!(
            "AddFontMemResourceEx could not load the font {:?}",
            font.family
        )))
    }
}

/// The fonts of one document, one per height, deleted on drop.
struct Fonts {
    family: Vec<u16>,
    by_height: HashMap<i32, HFONT>,
}

impl Fonts {
    fn new(family: &str) -> Fonts {
        Fonts {
            family: wide(family),
            by_height: HashMap::new(),
        }
    }

    fn get(&mut self, height: i32) -> HFONT {
        let family = &self.family;
        *self.by_height.entry(height).or_insert_with(|| {
            // SAFETY: `family` is NUL-terminated and outlives the call.
            unsafe {
                CreateFontW(
                    -height,
                    0,
                    0,
                    0,
                    FW_NORMAL as i32,
                    0,
                    0,
                    0,
                    DEFAULT_CHARSET as u32,
                    OUT_TT_PRECIS as u32,
                    CLIP_DEFAULT_PRECIS as u32,
                    ANTIALIASED_QUALITY as u32,
                    DEFAULT_PITCH as u32,
                    family.as_ptr(),
                )
            }
        })
    }
}

impl Drop for Fonts {
    fn drop(&mut self) {
        for font in self.by_height.values() {
            // SAFETY: each font was made by CreateFontW and is no longer selected.
            unsafe { DeleteObject(*font as HGDIOBJ) };
        }
    }
}

/// Makes the drawing calls of one page; the DC's own objects are put back afterwards.
fn draw(dc: &Dc, ops: &[DeviceOp], fonts: &mut Fonts) {
    let hdc = dc.0;
    // SAFETY: every handle below is made here, selected into a valid DC, put back and deleted;
    // every pointer passed points to live data of the length given.
    unsafe {
        SetBkMode(hdc, TRANSPARENT as i32);
        SetTextAlign(hdc, TA_BASELINE | TA_LEFT);
        let mut original_font: Option<HGDIOBJ> = None;
        for op in ops {
            match op {
                DeviceOp::Fill {
                    left,
                    top,
                    right,
                    bottom,
                    rgb,
                } => {
                    let brush = CreateSolidBrush(*rgb);
                    let rect = RECT {
                        left: *left,
                        top: *top,
                        right: *right,
                        bottom: *bottom,
                    };
                    FillRect(hdc, &rect, brush);
                    DeleteObject(brush as HGDIOBJ);
                }
                DeviceOp::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let pen = CreatePen(PS_SOLID, *width, 0);
                    let before = SelectObject(hdc, pen as HGDIOBJ);
                    MoveToEx(hdc, *x1, *y1, std::ptr::null_mut());
                    LineTo(hdc, *x2, *y2);
                    SelectObject(hdc, before);
                    DeleteObject(pen as HGDIOBJ);
                }
                DeviceOp::Text { x, y, height, text } => {
                    let before = SelectObject(hdc, fonts.get(*height) as HGDIOBJ);
                    original_font.get_or_insert(before);
                    TextOutW(hdc, *x, *y, text.as_ptr(), text.len() as i32);
                }
            }
        }
        if let Some(font) = original_font {
            SelectObject(hdc, font);
        }
    }
}
