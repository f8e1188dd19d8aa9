//! Reading request bodies under a size cap and the body read timeout.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use futures_util::StreamExt;

use crate::error::{Error, Result};

/// The error of a body stream: the body read timeout ([`crate::http`]), or the client going
/// away or sending something that is not HTTP.
pub fn body_error(e: axum::Error) -> Error {
    let inner = e.into_inner();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return Error::RequestTimeout {
                detail: "the request body stopped arriving".into(),
            };
        }
        source = err.source();
    }
    Error::BadRequest {
        detail: format!("request body unreadable: {inner}"),
    }
}

/// The declared `Content-Length`, if any.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// The whole body, refused with `payload_too_large` as soon as it is known to exceed `limit`
/// (from `Content-Length`, or while reading).
pub async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes> {
    let too_large = || Error::PayloadTooLarge {
        detail: format!("request body over {limit} bytes"),
    };
    let declared = content_length(headers);
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut stream = body.into_data_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(body_error)?;
        if buf.len() + piece.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&piece);
    }
    Ok(Bytes::from(buf))
}
