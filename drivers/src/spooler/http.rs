//! The HTTP/1.1 exchange IPP rides on: one POST of `application/ipp` per request, over TCP or
//! (on Unix) the CUPS domain socket, with `Connection: close` so the body ends at EOF. The
//! response parser is pure ([`parse_response`]) and handles `Content-Length` and chunked
//! bodies.

use crate::error::ErrorKind;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where the print server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    Tcp {
        host: String,
        port: u16,
    },
    /// A Unix domain socket (CUPS' `/run/cups/cups.sock`).
    Unix(std::path::PathBuf),
}

pub const DEFAULT_PORT: u16 = 631;

impl Server {
    /// Parses `host`, `host:port`, `[v6]:port` or an absolute socket path; CUPS' own
    /// `CUPS_SERVER` syntax may add `/version=1.1`, which is ignored.
    pub fn parse(address: &str) -> Option<Server> {
        let address = address.trim();
        if address.starts_with('/') {
            return Some(Server::Unix(address.into()));
        }
        let address = address.split('/').next().unwrap_or_default();
        if address.is_empty() {
            return None;
        }
        let (host, port) = if let Some(rest) = address.strip_prefix('[') {
            let (host, after) = rest.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None if after.is_empty() => DEFAULT_PORT,
                None => return None,
            };
            (format!("[{host}]"), port)
        } else {
            match address.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().ok()?),
                None => (address.to_string(), DEFAULT_PORT),
            }
        };
        if host.is_empty() || host.contains(char::is_whitespace) || port == 0 {
            return None;
        }
        Some(Server::Tcp { host, port })
    }

    /// The authority for `ipp://` URIs and the Host header.
    pub fn authority(&self) -> String {
        match self {
            Server::Tcp { host, port } => format!("{host}:{port}"),
            Server::Unix(_) => "localhost".into(),
        }
    }
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Server::Tcp { .. } => f.write_str(&self.authority()),
            Server::Unix(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot connect to {server}: {source}")]
    Connect {
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error("i/o error talking to {server}: {source}")]
    Io {
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error("malformed HTTP response: {0}")]
    Malformed(&'static str),
    #[error("HTTP status {code} {reason}")]
    Status { code: u16, reason: String },
}

impl HttpError {
    /// The kind the spooler reports this as (see [`super::SpoolerError::from_http`]).
    pub fn kind(&self) -> ErrorKind {
        use std::io::ErrorKind as Io;
        match self {
            HttpError::Connect { .. } => ErrorKind::NotConnected,
            HttpError::Io { source, .. }
                if matches!(
                    source.kind(),
                    Io::ConnectionRefused | Io::ConnectionReset | Io::TimedOut | Io::WouldBlock
                ) =>
            {
                ErrorKind::NotConnected
            }
            HttpError::Status {
                code: 401 | 403, ..
            } => ErrorKind::OpenFailed,
            _ => ErrorKind::Protocol,
        }
    }
}

/// The largest response body read (a printer list of a big CUPS server is far smaller).
const MAX_RESPONSE: u64 = 16 << 20;

fn exchange<S: Read + Write>(
    mut stream: S,
    server: &Server,
    path: &str,
    body: &[u8],
) -> Result<Vec<u8>, HttpError> {
    let io = |source| HttpError::Io {
        server: server.to_string(),
        source,
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/ipp\r\n\
         Content-Length: {}\r\nConnection: close\r\nUser-Agent: yichuang-workstation\r\n\r\n",
        server.authority(),
        body.len()
    );
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(body).map_err(io)?;
    stream.flush().map_err(io)?;
    let mut response = Vec::new();
    stream
        .take(MAX_RESPONSE)
        .read_to_end(&mut response)
        .map_err(io)?;
    parse_response(&response)
}

/// POSTs an IPP request to `path` on `server` and returns the response body.
pub fn post_ipp(
    server: &Server,
    path: &str,
    body: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, HttpError> {
    let connect = |source| HttpError::Connect {
        server: server.to_string(),
        source,
    };
    match server {
        Server::Tcp { host, port } => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let addrs: Vec<_> = (host, *port).to_socket_addrs().map_err(connect)?.collect();
            let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, timeout) {
                    Ok(stream) => {
                        let io = |source| HttpError::Io {
                            server: server.to_string(),
                            source,
                        };
                        stream.set_read_timeout(Some(timeout)).map_err(io)?;
                        stream.set_write_timeout(Some(timeout)).map_err(io)?;
                        return exchange(stream, server, path, body);
                    }
                    Err(e) => last = e,
                }
            }
            Err(connect(last))
        }
        #[cfg(unix)]
        Server::Unix(socket) => {
            let stream = std::os::unix::net::UnixStream::connect(socket).map_err(connect)?;
            let io = |source| HttpError::Io {
                server: server.to_string(),
                source,
            };
            stream.set_read_timeout(Some(timeout)).map_err(io)?;
            stream.set_write_timeout(Some(timeout)).map_err(io)?;
            exchange(stream, server, path, body)
        }
        #[cfg(not(unix))]
        Server::Unix(_) => Err(connect(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "Unix domain sockets are not available on this OS",
        ))),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses a complete HTTP/1.x response (interim 1xx responses skipped) and returns the
/// body of a 200 response.
pub fn parse_response(mut bytes: &[u8]) -> Result<Vec<u8>, HttpError> {
    loop {
        let end = find(bytes, b"\r\n\r\n").ok_or(HttpError::Malformed("no end of headers"))?;
        let head =
            std::str::from_utf8(&bytes[..end]).map_err(|_| HttpError::Malformed("headers"))?;
        let body = &bytes[end + 4..];
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or_default();
        let mut parts = status.splitn(3, ' ');
        if !parts.next().unwrap_or_default().starts_with("HTTP/1.") {
            return Err(HttpError::Malformed("status line"));
        }
        let code: u16 = parts
            .next()
            .and_then(|c| c.parse().ok())
            .ok_or(HttpError::Malformed("status code"))?;
        let reason = parts.next().unwrap_or_default().to_string();
        if (100..200).contains(&code) {
            bytes = body;
            continue;
        }
        if code != 200 {
            return Err(HttpError::Status { code, reason });
        }
        let mut chunked = false;
        let mut length: Option<usize> = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse()
                        .map_err(|_| HttpError::Malformed("content-length"))?,
                );
            }
        }
        if chunked {
            return dechunk(body);
        }
        return match length {
            Some(n) => body
                .get(..n)
                .map(<[u8]>::to_vec)
                .ok_or(HttpError::Malformed("body shorter than content-length")),
            None => Ok(body.to_vec()),
        };
    }
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, HttpError> {
    let mut out = Vec::new();
    loop {
        let line_end = find(body, b"\r\n").ok_or(HttpError::Malformed("chunk size"))?;
        let size_text = std::str::from_utf8(&body[..line_end])
            .map_err(|_| HttpError::Malformed("chunk size"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size_text, 16).map_err(|_| HttpError::Malformed("chunk size"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body
            .get(..size)
            .ok_or(HttpError::Malformed("truncated chunk"))?;
        out.extend_from_slice(chunk);
        body = body
            .get(size..)
            .and_then(|b| b.strip_prefix(b"\r\n"))
            .ok_or(HttpError::Malformed("chunk end"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_parse() {
        let tcp = |h: &str, p| Server::Tcp {
            host: h.into(),
            port: p,
        };
        assert_eq!(Server::parse("localhost"), Some(tcp("localhost", 631)));
        assert_eq!(
            Server::parse("127.0.0.1:6631"),
            Some(tcp("127.0.0.1", 6631))
        );
        assert_eq!(
            Server::parse("print.example:631/version=1.1"),
            Some(tcp("print.example", 631))
        );
        assert_eq!(Server::parse("[::1]:631"), Some(tcp("[::1]", 631)));
        assert_eq!(
            Server::parse("/run/cups/cups.sock"),
            Some(Server::Unix("/run/cups/cups.sock".into()))
        );
        for bad in ["", ":631", "host:x", "host:0", "[::1", "a b:1"] {
            assert_eq!(Server::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn responses_with_length_chunks_and_interim_status_parse() {
        let r = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(parse_response(r).unwrap(), b"abc");
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(r).unwrap(), b"abcde");
        let r = b"HTTP/1.0 200 OK\r\n\r\nxyz";
        assert_eq!(parse_response(r).unwrap(), b"xyz");
    }

    #[test]
    fn bad_responses_are_errors() {
        assert!(matches!(
            parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n"),
            Err(HttpError::Status { code: 404, .. })
        ));
        for bad in [
            &b""[..],
            b"garbage\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",
        ] {
            assert!(
                parse_response(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
