//! The hall server's queue over HTTP: every request signed with the workstation's enrolled
//! credential and carrying the clerk's session (the server takes hall and window from the
//! credential). A verb whose answer was lost is sent again with the same request id.

use std::time::Duration;

use url::Url;

use super::{DeskState, QueueApi, QueueError, Ticket, Verb, VerbRequest, VerbResult};
use crate::infra::credential::WorkstationCredential;
use crate::infra::hall_api::{HallApi, HallApiError};
use crate::infra::http::{blocking_client, BackendTls};

/// Tries of one verb before the desk is told the server is unreachable.
const TRIES: u32 = 3;

pub struct HallQueue {
    api: HallApi,
    /// For the event stream: no short total timeout (the server sends a keep-alive every
    /// 15 s); a stream is still recycled after [`STREAM_LIFETIME`], so a connection that died
    /// without a word is noticed.
    stream: reqwest::blocking::Client,
}

/// Longest one event stream is read before reconnecting (with `Last-Event-ID`).
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

impl From<HallApiError> for QueueError {
    fn from(e: HallApiError) -> Self {
        match e {
            HallApiError::Unreachable(d) => QueueError::Unreachable(d),
            HallApiError::Refused {
                code,
                message,
                detail,
            } => QueueError::Refused {
                code,
                message,
                detail,
            },
        }
    }
}

impl HallQueue {
    pub fn new(
        base: Url,
        credential: WorkstationCredential,
        tls: &BackendTls,
    ) -> Result<HallQueue, QueueError> {
        let api = HallApi::new(base, credential, tls)?;
        let stream = blocking_client(
            tls,
            reqwest::blocking::Client::builder()
                .connect_timeout(Duration::from_secs(3))
                .timeout(STREAM_LIFETIME),
        )
        .map_err(|e| QueueError::Unreachable(format!("TLS configuration: {e}")))?;
        Ok(HallQueue { api, stream })
    }

    fn url(&self, path: &str) -> Url {
        self.api.url(&format!("queue/{path}"))
    }

    fn send<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<Vec<u8>>,
        token: &str,
    ) -> Result<T, QueueError> {
        Ok(self.api.send(method, url, body, token)?)
    }
}

/// The `id:` of each complete server-sent event read from `lines` (an event ends with a blank
/// line; comments such as the keep-alive are skipped).
pub fn sse_event_ids(
    lines: impl Iterator<Item = std::io::Result<String>>,
    on_event: &mut dyn FnMut(i64),
) -> std::io::Result<()> {
    let mut id: Option<i64> = None;
    let mut data = false;
    for line in lines {
        let line = line?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if let (Some(i), true) = (id, data) {
                on_event(i);
            }
            data = false;
            continue;
        }
        if let Some(v) = line.strip_prefix("id:") {
            id = v.trim().parse().ok().or(id);
        } else if line.starts_with("data:") || line.starts_with("event:") {
            data = true;
        }
    }
    Ok(())
}

impl HallQueue {
    /// POSTs `body` and, when the server could not be reached or the answer was lost, sends
    /// the same body again (its request id makes that safe), [`TRIES`] times in all.
    fn post_retried<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        body: Vec<u8>,
        token: &str,
    ) -> Result<T, QueueError> {
        let mut last = QueueError::Unreachable(String::new());
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
            }
            match self.send(
                reqwest::Method::POST,
                url.clone(),
                Some(body.clone()),
                token,
            ) {
                Err(e @ QueueError::Unreachable(_)) => last = e,
                other => return other,
            }
        }
        Err(last)
    }
}

impl QueueApi for HallQueue {
    fn desk(&self, token: &str) -> Result<DeskState, QueueError> {
        self.send(reqwest::Method::GET, self.url("desk"), None, token)
    }

    fn verb(
        &self,
        token: &str,
        verb: Verb,
        request: &VerbRequest,
    ) -> Result<VerbResult, QueueError> {
        let body = serde_json::to_vec(request).unwrap_or_default();
        self.post_retried(self.url(&format!("desk/{}", verb.path())), body, token)
    }

    fn issue(
        &self,
        token: &str,
        group: &str,
        green: bool,
        request_id: &str,
    ) -> Result<Ticket, QueueError> {
        let priority = if green { "green" } else { "normal" };
        let body = serde_json::to_vec(&serde_json::json!({
            "group": group, "priority": priority, "request_id": request_id
        }))
        .unwrap_or_default();
        self.post_retried(self.url("tickets"), body, token)
    }

    fn follow(
        &self,
        last_event_id: Option<i64>,
        on_event: &mut dyn FnMut(i64),
    ) -> Result<(), QueueError> {
        use std::io::BufRead;
        let url = self.url("events");
        let mut req = self.api.credential().apply(
            self.stream.get(url.clone()),
            "GET",
            self.api.base(),
            &url,
            Some(b""),
        );
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .map_err(|e| QueueError::Unreachable(format!("GET {url}: {e}")))?;
        if !resp.status().is_success() {
            return Err(QueueError::Unreachable(format!(
                "GET {url}: HTTP {}",
                resp.status()
            )));
        }
        sse_event_ids(std::io::BufReader::new(resp).lines(), on_event)
            .map_err(|e| QueueError::Unreachable(format!("GET {url}: stream: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b1_event_ids_are_taken_from_complete_events_only() {
        let text = ": keep-alive\n\nid: 7\nevent: snapshot\ndata: {}\n\nid: 8\r\nevent: called\r\ndata: {\"a\":1}\r\n\r\nid: 9\nevent: called\n";
        let mut seen = vec![];
        sse_event_ids(text.lines().map(|l| Ok(l.to_owned())), &mut |id| {
            seen.push(id)
        })
        .unwrap();
        assert_eq!(seen, [7, 8], "the unfinished event 9 is not reported");
    }
}
