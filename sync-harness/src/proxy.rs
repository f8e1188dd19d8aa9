//! A loopback TCP fault proxy between the workstation and the server.
//!
//! Each accepted connection draws one fault (seeded, so a run can be replayed):
//! - `pass`: bytes flow both ways untouched;
//! - `drop`: the connection is closed before anything reaches the server;
//! - `cut_request`: part of the request reaches the server, then both sides are closed;
//! - `lose_response`: the whole request reaches the server (which commits), the answer never
//!   reaches the client — the "acknowledged on the server, unknown on the client" case;
//! - `delay`: everything passes after a pause;
//! - `error_5xx`: the proxy answers `503` itself without asking the server;
//! - `reset_later`: passes, but the connection is cut after a random time (kills keep-alive
//!   connections mid-stream).
//!
//! Apart from the drawn faults, [`FaultProxy::refuse`] makes the proxy answer every request
//! with a 4xx of its own (an auth rollout's 401, a proxy's 413 body limit), as a reverse proxy
//! in front of the server would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Probabilities (in percent) of each fault; the rest passes.
#[derive(Debug, Clone, Copy)]
pub struct FaultMix {
    pub drop: u32,
    pub cut_request: u32,
    pub lose_response: u32,
    pub delay: u32,
    pub error_5xx: u32,
    pub reset_later: u32,
}

impl FaultMix {
    pub const NONE: FaultMix = FaultMix {
        drop: 0,
        cut_request: 0,
        lose_response: 0,
        delay: 0,
        error_5xx: 0,
        reset_later: 0,
    };

    /// Roughly half the connections meet a fault.
    pub const HARSH: FaultMix = FaultMix {
        drop: 8,
        cut_request: 8,
        lose_response: 12,
        delay: 8,
        error_5xx: 8,
        reset_later: 10,
    };
}

/// How often each fault was injected.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub drop: AtomicU64,
    pub cut_request: AtomicU64,
    pub lose_response: AtomicU64,
    pub delay: AtomicU64,
    pub error_5xx: AtomicU64,
    pub reset_later: AtomicU64,
}

impl FaultCounts {
    pub fn faults(&self) -> u64 {
        [
            &self.drop,
            &self.cut_request,
            &self.lose_response,
            &self.delay,
            &self.error_5xx,
            &self.reset_later,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }

    pub fn summary(&self) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "connections={} drop={} cut_request={} lose_response={} delay={} error_5xx={} reset_later={}",
            g(&self.connections),
            g(&self.drop),
            g(&self.cut_request),
            g(&self.lose_response),
            g(&self.delay),
            g(&self.error_5xx),
            g(&self.reset_later)
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Pass,
    Drop,
    CutRequest,
    LoseResponse,
    Delay,
    Error5xx,
    ResetLater,
    Refuse(u16),
}

/// A running proxy.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    mix: Arc<Mutex<FaultMix>>,
    refusal: Arc<Mutex<Option<u16>>>,
    pub counts: Arc<FaultCounts>,
}

impl FaultProxy {
    /// Binds 127.0.0.1:0 and serves on the current runtime.
    pub async fn start(upstream: SocketAddr, mix: FaultMix, seed: u64) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let proxy = FaultProxy {
            addr: listener.local_addr()?,
            upstream: Arc::new(Mutex::new(upstream)),
            mix: Arc::new(Mutex::new(mix)),
            refusal: Arc::default(),
            counts: Arc::default(),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(seed);
            while let Ok((client, _)) = listener.accept().await {
                let refusal = *p.refusal.lock().unwrap_or_else(|e| e.into_inner());
                let fault = refusal.map_or_else(|| p.draw(&mut rng), Fault::Refuse);
                let upstream = *p.upstream.lock().unwrap_or_else(|e| e.into_inner());
                let counts = p.counts.clone();
                let delay = Duration::from_millis(rng.u64(50..800));
                let cut_after = rng.usize(1..4096);
                tokio::spawn(async move {
                    let _ = handle(client, upstream, fault, delay, cut_after, &counts).await;
                });
            }
        });
        Ok(proxy)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points the proxy at a restarted server.
    pub fn set_upstream(&self, addr: SocketAddr) {
        *self.upstream.lock().unwrap_or_else(|e| e.into_inner()) = addr;
    }

    /// From now on every request is answered with `status` by the proxy itself (None: the
    /// drawn faults again).
    pub fn refuse(&self, status: Option<u16>) {
        *self.refusal.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }

    pub fn set_mix(&self, mix: FaultMix) {
        *self.mix.lock().unwrap_or_else(|e| e.into_inner()) = mix;
    }

    fn draw(&self, rng: &mut fastrand::Rng) -> Fault {
        let m = *self.mix.lock().unwrap_or_else(|e| e.into_inner());
        let mut x = rng.u32(0..100);
        for (p, f) in [
            (m.drop, Fault::Drop),
            (m.cut_request, Fault::CutRequest),
            (m.lose_response, Fault::LoseResponse),
            (m.delay, Fault::Delay),
            (m.error_5xx, Fault::Error5xx),
            (m.reset_later, Fault::ResetLater),
        ] {
            if x < p {
                return f;
            }
            x -= p;
        }
        Fault::Pass
    }
}

async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    delay: Duration,
    cut_after: usize,
    counts: &FaultCounts,
) -> std::io::Result<()> {
    counts.connections.fetch_add(1, Ordering::Relaxed);
    let bump = |c: &AtomicU64| {
        c.fetch_add(1, Ordering::Relaxed);
    };
    match fault {
        Fault::Drop => {
            bump(&counts.drop);
            drop(client);
            return Ok(());
        }
        Fault::Error5xx => {
            bump(&counts.error_5xx);
            // Read the request head, answer 503 and close.
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(2), client.read(&mut buf)).await;
            client
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await?;
            let _ = client.shutdown().await;
            return Ok(());
        }
        Fault::Refuse(status) => {
            // A proxy's own refusal: an HTML page, not the server's JSON error body.
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(2), client.read(&mut buf)).await;
            let body = format!("<html><body><h1>{status}</h1></body></html>");
            let head = format!(
                "HTTP/1.1 {status} Refused\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            client.write_all(head.as_bytes()).await?;
            client.write_all(body.as_bytes()).await?;
            let _ = client.shutdown().await;
            return Ok(());
        }
        Fault::Delay => {
            bump(&counts.delay);
            tokio::time::sleep(delay).await;
        }
        _ => {}
    }
    let mut server = TcpStream::connect(upstream).await?;
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    match fault {
        Fault::CutRequest => {
            bump(&counts.cut_request);
            let mut buf = vec![0u8; cut_after];
            let n = cr.read(&mut buf).await?;
            sw.write_all(&buf[..n.min(cut_after)]).await?;
            // Both sides closed mid-request.
            Ok(())
        }
        Fault::LoseResponse => {
            bump(&counts.lose_response);
            // Forward the request; once the server starts answering, it has committed: drop
            // the answer and close the client side.
            let up = tokio::io::copy(&mut cr, &mut sw);
            let mut first = [0u8; 1];
            let down = sr.read(&mut first);
            tokio::select! {
                _ = up => {}
                _ = down => {}
            }
            Ok(())
        }
        Fault::ResetLater => {
            bump(&counts.reset_later);
            let up = tokio::io::copy(&mut cr, &mut sw);
            let down = tokio::io::copy(&mut sr, &mut cw);
            let _ = tokio::time::timeout(delay, async { tokio::join!(up, down) }).await;
            Ok(())
        }
        _ => {
            let up = tokio::io::copy(&mut cr, &mut sw);
            let down = tokio::io::copy(&mut sr, &mut cw);
            let _ = tokio::join!(up, down);
            Ok(())
        }
    }
}
