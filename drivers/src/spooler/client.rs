//! The IPP client of a CUPS server (or any IPP print server): list queues, read a queue's
//! state, submit a PDF with Print-Job and follow the job with Get-Job-Attributes until it is
//! completed, aborted or cancelled, the printer reports a problem, or the time is up.
//!
//! A job that fails while waiting (printer stopped, out of paper, time out) is cancelled, so
//! that it does not print unexpectedly later when the clerk has already retried.

use super::error::{Condition, SpoolerError};
use super::http::{post_ipp, Server};
use super::ipp::{group, op, status, tag, Message, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Job states (RFC 8011 §5.3.7).
pub mod job_state {
    pub const PENDING: i32 = 3;
    pub const PENDING_HELD: i32 = 4;
    pub const PROCESSING: i32 = 5;
    pub const PROCESSING_STOPPED: i32 = 6;
    pub const CANCELED: i32 = 7;
    pub const ABORTED: i32 = 8;
    pub const COMPLETED: i32 = 9;
}

/// Printer state `stopped` (3 idle, 4 processing).
pub const PRINTER_STOPPED: i32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolerConfig {
    pub server: Server,
    /// The queue's name on the server (CUPS printer name).
    pub queue: String,
    /// How long a job may take from submission to completion.
    pub job_timeout: Duration,
    /// How often the job's state is asked for.
    pub poll_every: Duration,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// `requesting-user-name` of the jobs.
    pub user: String,
}

impl SpoolerConfig {
    /// The server from `address` (the config's `address`), else `$CUPS_SERVER`, else
    /// `localhost:631`; validates the queue name.
    pub fn new(address: Option<&str>, queue: &str) -> Result<SpoolerConfig, SpoolerError> {
        validate_queue_name(queue).map_err(SpoolerError::Config)?;
        let from_env = std::env::var("CUPS_SERVER")
            .ok()
            .filter(|s| !s.trim().is_empty());
        if cfg!(windows) && address.is_none() && from_env.is_none() {
            // Windows printers are reached through the spooler with GDI (super::gdi), not IPP.
            return Err(SpoolerError::Unsupported(
                "a Windows printer is printed to through the Windows spooler (spooler::gdi); \
                 IPP needs devices.a4_printer.address (host:631)",
            ));
        }
        let address = address
            .map(str::to_string)
            .or(from_env)
            .unwrap_or_else(|| "localhost:631".into());
        let server = Server::parse(&address)
            .ok_or_else(|| SpoolerError::Config(format!("bad print server address {address:?}")))?;
        Ok(SpoolerConfig {
            server,
            queue: queue.to_string(),
            job_timeout: Duration::from_secs(120),
            poll_every: Duration::from_millis(250),
            request_timeout: Duration::from_secs(5),
            user: std::env::var("USER")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "yichuang".into()),
        })
    }
}

/// CUPS' rule for printer names: 1–127 printable characters, none of space, `/`, `\`, `#`,
/// `'`, `"`, `?` or `%`.
pub fn validate_queue_name(queue: &str) -> Result<(), String> {
    if queue.is_empty() || queue.len() > 127 {
        return Err(format!("queue name must have 1..=127 bytes, got {queue:?}"));
    }
    if let Some(c) = queue
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || "/\\#'\"?%".contains(*c))
    {
        return Err(format!("queue name {queue:?} contains {c:?}"));
    }
    Ok(())
}

/// Percent-encodes a path segment (queue names may be non-ASCII).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A queue as listed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInfo {
    pub name: String,
    pub state: i32,
    pub reasons: Vec<String>,
    pub accepting: bool,
    pub device_uri: Option<String>,
    pub info: Option<String>,
}

impl QueueInfo {
    /// The condition that keeps this queue from printing, if any.
    pub fn condition(&self) -> Option<Condition> {
        Condition::from_reasons(&self.reasons, self.state == PRINTER_STOPPED)
    }
}

/// A job's state as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub id: i32,
    pub state: i32,
    pub reasons: Vec<String>,
}

/// A job that completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedJob {
    pub id: i32,
    /// Every state the job was seen in, in order (for diagnostics).
    pub states: Vec<i32>,
    pub elapsed: Duration,
}

pub struct Spooler {
    config: SpoolerConfig,
    request_id: AtomicU32,
}

fn texts(msg: &Message, name: &str) -> Vec<String> {
    msg.groups
        .iter()
        .find_map(|g| g.get(name))
        .map(|a| {
            a.values
                .iter()
                .filter_map(Value::text)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn int(msg: &Message, name: &str) -> Option<i32> {
    msg.groups
        .iter()
        .find_map(|g| g.get(name))
        .and_then(|a| a.values.first())
        .and_then(Value::int)
}

fn keywords(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| Value::Str(tag::KEYWORD, n.to_string()))
        .collect()
}

impl Spooler {
    pub fn new(config: SpoolerConfig) -> Spooler {
        Spooler {
            config,
            request_id: AtomicU32::new(1),
        }
    }

    pub fn config(&self) -> &SpoolerConfig {
        &self.config
    }

    fn printer_uri(&self) -> String {
        format!(
            "ipp://{}/printers/{}",
            self.config.server.authority(),
            encode_segment(&self.config.queue)
        )
    }

    fn call(&self, path: &str, request: Message) -> Result<Message, SpoolerError> {
        let mut request = request;
        request.request_id = self.request_id.fetch_add(1, Ordering::Relaxed);
        let server = self.config.server.to_string();
        let body = post_ipp(
            &self.config.server,
            path,
            &request.encode(),
            self.config.request_timeout,
        )
        .map_err(|e| SpoolerError::from_http(e, &server))?;
        let response = Message::decode(&body)?;
        if response.request_id != request.request_id {
            return Err(SpoolerError::Protocol(format!(
                "response to request {} answers request {}",
                request.request_id, response.request_id
            )));
        }
        Ok(response)
    }

    fn refused(&self, operation: &'static str, response: &Message) -> SpoolerError {
        let message = response
            .text("status-message")
            .unwrap_or_default()
            .to_string();
        match response.code {
            status::CLIENT_ERROR_NOT_FOUND => SpoolerError::QueueNotFound {
                queue: self.config.queue.clone(),
                server: self.config.server.to_string(),
            },
            status::SERVER_ERROR_NOT_ACCEPTING_JOBS => SpoolerError::NotAccepting {
                queue: self.config.queue.clone(),
            },
            code => SpoolerError::Refused {
                operation,
                status: code,
                message,
            },
        }
    }

    /// Every queue on the server (CUPS-Get-Printers).
    pub fn queues(&self) -> Result<Vec<QueueInfo>, SpoolerError> {
        let request = Message::request(op::CUPS_GET_PRINTERS, 0)
            .op_attr(
                "requesting-user-name",
                Value::Str(tag::NAME, self.config.user.clone()),
            )
            .op_attr_all("requested-attributes", keywords(QUEUE_ATTRIBUTES));
        let response = self.call("/", request)?;
        if !status::is_success(response.code) {
            return Err(self.refused("CUPS-Get-Printers", &response));
        }
        Ok(response
            .groups
            .iter()
            .filter(|g| g.tag == group::PRINTER)
            .map(|g| {
                let one = Message {
                    version: (1, 1),
                    code: 0,
                    request_id: 0,
                    groups: vec![g.clone()],
                    data: Vec::new(),
                };
                queue_info(&one)
            })
            .collect())
    }

    /// The configured queue's state (Get-Printer-Attributes).
    pub fn queue(&self) -> Result<QueueInfo, SpoolerError> {
        let request = Message::request(op::GET_PRINTER_ATTRIBUTES, 0)
            .op_attr("printer-uri", Value::Str(tag::URI, self.printer_uri()))
            .op_attr(
                "requesting-user-name",
                Value::Str(tag::NAME, self.config.user.clone()),
            )
            .op_attr_all("requested-attributes", keywords(QUEUE_ATTRIBUTES));
        let path = format!("/printers/{}", encode_segment(&self.config.queue));
        let response = self.call(&path, request)?;
        if !status::is_success(response.code) {
            return Err(self.refused("Get-Printer-Attributes", &response));
        }
        let mut info = queue_info(&response);
        if info.name.is_empty() {
            info.name = self.config.queue.clone();
        }
        Ok(info)
    }

    /// Fails with the queue's condition if it cannot print now.
    pub fn check_ready(&self) -> Result<QueueInfo, SpoolerError> {
        let info = self.queue()?;
        if let Some(condition) = info.condition() {
            return Err(SpoolerError::Printer {
                queue: self.config.queue.clone(),
                condition,
                reasons: info.reasons.join(","),
            });
        }
        if !info.accepting {
            return Err(SpoolerError::NotAccepting {
                queue: self.config.queue.clone(),
            });
        }
        Ok(info)
    }

    /// Submits `pdf` (Print-Job) and returns the job id. A server that does not take
    /// `application/pdf` gets it as `application/octet-stream` (a raw queue).
    pub fn submit(&self, pdf: &[u8], job_name: &str) -> Result<i32, SpoolerError> {
        let mut response = None;
        for format in ["application/pdf", "application/octet-stream"] {
            let mut request = Message::request(op::PRINT_JOB, 0)
                .op_attr("printer-uri", Value::Str(tag::URI, self.printer_uri()))
                .op_attr(
                    "requesting-user-name",
                    Value::Str(tag::NAME, self.config.user.clone()),
                )
                .op_attr("job-name", Value::Str(tag::NAME, job_name.to_string()))
                .op_attr("document-format", Value::Str(tag::MIME, format.into()));
            request.data = pdf.to_vec();
            let path = format!("/printers/{}", encode_segment(&self.config.queue));
            let r = self.call(&path, request)?;
            if r.code != status::CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED {
                response = Some(r);
                break;
            }
        }
        let Some(response) = response else {
            return Err(SpoolerError::Refused {
                operation: "Print-Job",
                status: status::CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
                message: "neither application/pdf nor application/octet-stream accepted".into(),
            });
        };
        if !status::is_success(response.code) {
            return Err(self.refused("Print-Job", &response));
        }
        int(&response, "job-id")
            .ok_or_else(|| SpoolerError::Protocol("Print-Job answer without job-id".into()))
    }

    /// A job's state (Get-Job-Attributes).
    pub fn job(&self, id: i32) -> Result<JobStatus, SpoolerError> {
        let request = Message::request(op::GET_JOB_ATTRIBUTES, 0)
            .op_attr("printer-uri", Value::Str(tag::URI, self.printer_uri()))
            .op_attr("job-id", Value::Integer(id))
            .op_attr(
                "requesting-user-name",
                Value::Str(tag::NAME, self.config.user.clone()),
            )
            .op_attr_all(
                "requested-attributes",
                keywords(&["job-id", "job-state", "job-state-reasons"]),
            );
        let response = self.call("/jobs", request)?;
        if !status::is_success(response.code) {
            return Err(self.refused("Get-Job-Attributes", &response));
        }
        let state = int(&response, "job-state")
            .ok_or_else(|| SpoolerError::Protocol(format!("job {id}: no job-state")))?;
        Ok(JobStatus {
            id,
            state,
            reasons: texts(&response, "job-state-reasons"),
        })
    }

    /// Cancels a job (best effort: the caller already has an error to report).
    pub fn cancel(&self, id: i32) -> Result<(), SpoolerError> {
        let request = Message::request(op::CANCEL_JOB, 0)
            .op_attr("printer-uri", Value::Str(tag::URI, self.printer_uri()))
            .op_attr("job-id", Value::Integer(id))
            .op_attr(
                "requesting-user-name",
                Value::Str(tag::NAME, self.config.user.clone()),
            );
        let response = self.call("/jobs", request)?;
        if !status::is_success(response.code) {
            return Err(self.refused("Cancel-Job", &response));
        }
        Ok(())
    }

    /// Follows job `id` until it completes (Ok) or fails; `on_state` sees every new state.
    pub fn wait(
        &self,
        id: i32,
        mut on_state: impl FnMut(&JobStatus),
    ) -> Result<PrintedJob, SpoolerError> {
        let started = Instant::now();
        let mut states: Vec<i32> = Vec::new();
        let fail = |e: SpoolerError| {
            // Keep a failed job from printing later, after the clerk has retried.
            let _ = self.cancel(id);
            Err(e)
        };
        loop {
            let status = self.job(id)?;
            if states.last() != Some(&status.state) {
                states.push(status.state);
                on_state(&status);
            }
            let reasons = status.reasons.join(",");
            match status.state {
                job_state::COMPLETED => {
                    return Ok(PrintedJob {
                        id,
                        states,
                        elapsed: started.elapsed(),
                    })
                }
                job_state::ABORTED => return Err(SpoolerError::JobAborted { job: id, reasons }),
                job_state::CANCELED => return Err(SpoolerError::JobCancelled { job: id, reasons }),
                _ => {}
            }
            // Still waiting: is the printer able to finish it?
            let queue = self.queue()?;
            if let Some(condition) = queue.condition() {
                return fail(SpoolerError::Printer {
                    queue: self.config.queue.clone(),
                    condition,
                    reasons: queue.reasons.join(","),
                });
            }
            let waited = started.elapsed();
            if waited >= self.config.job_timeout {
                return fail(SpoolerError::Timeout {
                    job: id,
                    state: status.state,
                    reasons,
                    waited_ms: waited.as_millis() as u64,
                });
            }
            std::thread::sleep(
                self.config
                    .poll_every
                    .min(self.config.job_timeout.saturating_sub(waited)),
            );
        }
    }

    /// Checks the queue, submits `pdf` and follows the job to completion.
    pub fn print_pdf(&self, pdf: &[u8], job_name: &str) -> Result<PrintedJob, SpoolerError> {
        self.check_ready()?;
        let id = self.submit(pdf, job_name)?;
        self.wait(id, |_| {})
    }
}

const QUEUE_ATTRIBUTES: &[&str] = &[
    "printer-name",
    "printer-state",
    "printer-state-reasons",
    "printer-is-accepting-jobs",
    "device-uri",
    "printer-info",
];

fn queue_info(msg: &Message) -> QueueInfo {
    let accepting = msg
        .groups
        .iter()
        .find_map(|g| g.get("printer-is-accepting-jobs"))
        .and_then(|a| a.values.first())
        .is_none_or(|v| *v != Value::Boolean(false));
    QueueInfo {
        name: msg.text("printer-name").unwrap_or_default().to_string(),
        state: int(msg, "printer-state").unwrap_or(3),
        reasons: texts(msg, "printer-state-reasons"),
        accepting,
        device_uri: msg.text("device-uri").map(str::to_string),
        info: msg.text("printer-info").map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_follow_cups_rules() {
        for good in ["yichuang-test", "HP_LaserJet_M404", "A4打印机"] {
            assert!(validate_queue_name(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "a#b", "a\"b", &"x".repeat(128)] {
            assert!(validate_queue_name(bad).is_err(), "{bad}");
        }
        assert_eq!(encode_segment("A4打印机"), "A4%E6%89%93%E5%8D%B0%E6%9C%BA");
    }

    #[test]
    fn unreachable_server_is_typed() {
        let mut config = SpoolerConfig::new(Some("127.0.0.1:1"), "a4").unwrap();
        config.request_timeout = Duration::from_millis(500);
        let err = Spooler::new(config).queue().unwrap_err();
        assert!(
            matches!(err, SpoolerError::ServerUnreachable { .. }),
            "{err:?}"
        );
        assert!(err.message().contains("打印服务未运行"));
        assert!(matches!(
            SpoolerConfig::new(Some("a b"), "a4"),
            Err(SpoolerError::Config(_))
        ));
        assert!(matches!(
            SpoolerConfig::new(None, "a/b"),
            Err(SpoolerError::Config(_))
        ));
    }
}
