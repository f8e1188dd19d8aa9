//! Helpers of the queue tests: a hall with item groups and windows, enrolled desks with clerk
//! sessions, paired hall devices, an SSE reader.

use std::time::Duration;

use serde_json::{json, Value};

use super::{clerk_session, client, Running, Ws};

/// Item groups of the test hall: (code, prefix, name).
pub const GROUPS: &[(&str, &str, &str)] = &[
    ("A", "A", "社保"),
    ("B", "B", "不动产"),
    ("C", "C", "公积金"),
];

/// A desk: an enrolled workstation of a window with a clerk session.
#[derive(Clone)]
pub struct Desk {
    pub ws: Ws,
    pub token: String,
    pub window: u32,
}

impl Desk {
    /// `POST /api/v1/queue/desk/{verb}` with `body`, signed, with the clerk's session.
    pub async fn verb(&self, verb: &str, body: &Value) -> (u16, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let resp = self
            .ws
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/queue/desk/{verb}"),
                Some(&bytes),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .bearer_auth(&self.token)
            .send()
            .await;
        match resp {
            Ok(resp) => {
                let status = resp.status().as_u16();
                (status, resp.json().await.unwrap_or(Value::Null))
            }
            Err(e) => {
                let source = std::error::Error::source(&e).map(ToString::to_string);
                let timeout = e.is_timeout();
                (
                    0,
                    json!({ "transport": e.to_string(), "source": source, "timeout": timeout }),
                )
            }
        }
    }

    /// A verb with a fresh request id and extra fields.
    pub async fn act(&self, verb: &str, mut fields: Value) -> (u16, Value) {
        fields["request_id"] = json!(uuid::Uuid::new_v4().to_string());
        self.verb(verb, &fields).await
    }

    pub async fn call_next(&self) -> (u16, Value) {
        self.act("call-next", json!({})).await
    }

    pub async fn state(&self) -> Value {
        let (status, body) = self
            .ws
            .get_with_session("/api/v1/queue/desk", &self.token)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// A configured hall: its code, desks by window, a paired kiosk's cookie.
pub struct Hall {
    pub code: String,
    pub desks: Vec<Desk>,
    pub kiosk: String,
    pub base: String,
}

/// Sets up a hall: the groups of [`GROUPS`], `windows` (window, groups served), one enrolled
/// desk per window with a clerk (permissions `permissions`), a paired kiosk.
pub async fn setup_hall(
    server: &Running,
    windows: &[(u32, &[&str])],
    permissions: &[&str],
) -> Hall {
    let code = super::random_hall();
    let db = &server.state.db;
    for (g, p, n) in GROUPS {
        yichuang_server::queue::admin::add_group(db, &code, g, p, n)
            .await
            .unwrap();
    }
    let mut desks = Vec::new();
    for (w, groups) in windows {
        let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        yichuang_server::queue::admin::set_window(db, &code, *w, &groups)
            .await
            .unwrap();
        let ws = Ws::enroll(server, &code, *w).await;
        let token = clerk_session(server, &ws, permissions).await;
        desks.push(Desk {
            ws,
            token,
            window: *w,
        });
    }
    let kiosk = pair_device(server, &code, "kiosk").await;
    Hall {
        code,
        desks,
        kiosk,
        base: server.base.clone(),
    }
}

/// Pairs a device of `kind` through `POST /api/v1/hall/pair`; returns its `Cookie` header.
pub async fn pair_device(server: &Running, hall: &str, kind: &str) -> String {
    let kind = match kind {
        "kiosk" => yichuang_server::queue::devices::DeviceKind::Kiosk,
        _ => yichuang_server::queue::devices::DeviceKind::Screen,
    };
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let (_, code, _) =
        yichuang_server::queue::admin::issue_device_code(&server.state.db, hall, kind, 1, now)
            .await
            .unwrap();
    let resp = client()
        .post(server.url("/api/v1/hall/pair"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let set = resp.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

impl Hall {
    pub fn desk(&self, window: u32) -> &Desk {
        self.desks.iter().find(|d| d.window == window).unwrap()
    }

    /// Issues a ticket of `group` at the kiosk.
    pub async fn issue(&self, group: &str) -> Value {
        let (status, body) = self.issue_with(json!({ "group": group })).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn issue_with(&self, body: Value) -> (u16, Value) {
        let resp = client()
            .post(format!("{}/api/v1/hall/tickets", self.base))
            .header(reqwest::header::COOKIE, &self.kiosk)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

/// Reads an SSE response event by event.
pub struct SseReader {
    resp: reqwest::Response,
    buf: String,
}

/// A client without an overall timeout (a stream stays open).
pub fn stream_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.status(), 200);
        let ctype = resp.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(ctype.starts_with("text/event-stream"), "{ctype}");
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (comments and keep-alives skipped), or `None` at the end or after `limit`.
    pub async fn next(&mut self, limit: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = SseEvent {
                    id: None,
                    event: "message".into(),
                    data: Value::Null,
                };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        ev.id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        ev.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if !data.is_empty() {
                    ev.data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                    return Some(ev);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .ok()?
                .ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Events until one named `event` arrives (that one included).
    pub async fn until(&mut self, event: &str, limit: Duration) -> Vec<SseEvent> {
        let mut out = Vec::new();
        while let Some(e) = self.next(limit).await {
            let done = e.event == event;
            out.push(e);
            if done {
                return out;
            }
        }
        panic!("no {event} event within {limit:?}; got {out:?}");
    }
}

/// Opens a desk's event stream, optionally resuming after `last`.
pub async fn desk_events(desk: &Desk, last: Option<i64>) -> SseReader {
    use yichuang_pki::credential::sign_request;
    let path = "/api/v1/queue/events";
    let sig = sign_request(
        &desk.ws.key,
        &desk.ws.id,
        "GET",
        path,
        desk.ws.now_ms(),
        super::fresh_nonce(),
        Some(b""),
    );
    let mut b = stream_client().get(format!("{}{path}", desk.ws.base));
    for (name, value) in sig.headers() {
        b = b.header(name, value);
    }
    if let Some(last) = last {
        b = b.header("Last-Event-ID", last.to_string());
    }
    SseReader::new(b.send().await.unwrap())
}
