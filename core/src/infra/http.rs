//! The one place that builds the HTTP clients talking to the hall server (issue 15 item 3):
//! the sync client, the login exchange and the reachability monitor all take their TLS
//! settings from the workstation config's `[backend]` through [`BackendTls`].
//!
//! - `ca_file`: the hall's CA (PEM). When set, only it is trusted, not the public web roots.
//! - `pin_sha256`: SHA-256 of the server certificate's SubjectPublicKeyInfo. A certificate
//!   whose key does not match is refused even when its chain verifies
//!   ([`PinnedVerifier`] wraps rustls' WebPKI verifier).
//!
//! A TLS failure is told apart from a network failure ([`tls_problem`]) so the clerk sees
//! 「服务器证书不受信任」 or 「证书指纹不符」, not the raw transport text.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::ErrorCode;

/// TLS trust settings for the hall server: none (public web roots, reqwest's default), the
/// hall's CA, a pin, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendTls {
    /// The hall CA file (PEM, one or more certificates).
    pub ca_file: Option<PathBuf>,
    /// SHA-256 of the server certificate's SubjectPublicKeyInfo.
    pub pin_sha256: Option<[u8; 32]>,
}

/// Why a TLS connection to the hall server was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsProblem {
    /// The chain does not lead to a trusted CA (the hall CA when `ca_file` is set).
    #[error("server certificate not issued by a trusted CA: {0}")]
    Untrusted(String),
    /// The chain verifies but the server key is not the pinned one.
    #[error("server certificate key does not match backend.pin_sha256")]
    PinMismatch,
    /// Expired, wrong host name, malformed…
    #[error("server certificate invalid: {0}")]
    Invalid(String),
    /// The CA file cannot be used.
    #[error("backend.ca_file: {0}")]
    CaFile(String),
}

impl TlsProblem {
    pub fn code(&self) -> ErrorCode {
        match self {
            TlsProblem::Untrusted(_) => ErrorCode::TlsUntrusted,
            TlsProblem::PinMismatch => ErrorCode::TlsPinMismatch,
            TlsProblem::Invalid(_) => ErrorCode::TlsInvalid,
            TlsProblem::CaFile(_) => ErrorCode::TlsCaFile,
        }
    }

    /// The clerk's sentence, from the message table.
    pub fn message(&self) -> &'static str {
        self.code().message()
    }
}

/// Parses a pin: 32 bytes as base64 (standard, padded or not) or hex (colons allowed).
pub fn parse_pin(text: &str) -> Result<[u8; 32], String> {
    use base64::Engine as _;
    let t = text.trim();
    let hex_text: String = t.chars().filter(|c| *c != ':').collect();
    let bytes = if hex_text.len() == 64 && hex_text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(&hex_text).map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(t))
            .map_err(|_| "expected the SHA-256 as base64 or 64 hex digits".to_string())?
    };
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("expected 32 bytes, got {}", b.len()))
}

/// The PEM certificates of a CA file (at least one).
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no CERTIFICATE in the file", path.display()));
    }
    Ok(certs)
}

/// SHA-256 of the SubjectPublicKeyInfo of a DER certificate.
pub fn spki_sha256(cert_der: &[u8]) -> Result<[u8; 32], String> {
    let cert = yichuang_pki::Cert::from_der(cert_der).map_err(|e| e.to_string())?;
    let spki = cert.public_key_der().map_err(|e| e.to_string())?;
    Ok(Sha256::digest(spki).into())
}

/// The WebPKI verifier, then the pin.
#[derive(Debug)]
pub struct PinnedVerifier {
    inner: Arc<WebPkiServerVerifier>,
    pin: Option<[u8; 32]>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        if let Some(pin) = &self.pin {
            let got = spki_sha256(end_entity)
                .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
            if &got != pin {
                return Err(rustls::Error::InvalidCertificate(
                    CertificateError::ApplicationVerificationFailure,
                ));
            }
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The rustls configuration for `tls`, or `None` when nothing is configured (reqwest's
/// own defaults: the public web roots).
pub fn rustls_config(tls: &BackendTls) -> Result<Option<rustls::ClientConfig>, TlsProblem> {
    if tls.ca_file.is_none() && tls.pin_sha256.is_none() {
        return Ok(None);
    }
    let mut roots = RootCertStore::empty();
    match &tls.ca_file {
        Some(path) => {
            for cert in read_ca_file(path).map_err(TlsProblem::CaFile)? {
                roots
                    .add(cert)
                    .map_err(|e| TlsProblem::CaFile(format!("{}: {e}", path.display())))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsProblem::CaFile(e.to_string()))?;
    let verifier = PinnedVerifier {
        inner,
        pin: tls.pin_sha256,
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsProblem::CaFile(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Some(config))
}

/// An async client (the reachability monitor) with `tls`; never goes through a proxy.
pub fn async_client(
    tls: &BackendTls,
    builder: reqwest::ClientBuilder,
) -> Result<reqwest::Client, TlsProblem> {
    let builder = builder.no_proxy();
    let builder = match rustls_config(tls)? {
        Some(config) => builder.use_preconfigured_tls(config),
        None => builder,
    };
    builder
        .build()
        .map_err(|e| TlsProblem::CaFile(e.to_string()))
}

/// A blocking client (sync, login) with `tls`; never goes through a proxy.
pub fn blocking_client(
    tls: &BackendTls,
    builder: reqwest::blocking::ClientBuilder,
) -> Result<reqwest::blocking::Client, TlsProblem> {
    let builder = builder.no_proxy();
    let builder = match rustls_config(tls)? {
        Some(config) => builder.use_preconfigured_tls(config),
        None => builder,
    };
    builder
        .build()
        .map_err(|e| TlsProblem::CaFile(e.to_string()))
}

/// A request that failed on the server's certificate (hall CA, pin) as the clerk's typed,
/// Chinese refusal; `None` for every other failure. `what` names the request in the detail.
pub fn tls_refusal(e: &reqwest::Error, what: &str) -> Option<crate::UserError> {
    let problem = tls_problem(e)?;
    Some(crate::UserError::with_message(
        problem.code(),
        problem.message().to_owned(),
        format!("{what}: {problem}"),
    ))
}

/// The TLS problem behind a failed request, if it was one.
pub fn tls_problem(e: &reqwest::Error) -> Option<TlsProblem> {
    find_rustls(e).map(classify)
}

/// The rustls error in `err`'s chain. io::Error's `source()` skips the error it wraps (and
/// hyper wraps rustls' io::Error in another), so wrapped errors are opened explicitly.
fn find_rustls<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let wrapped = err
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    wrapped
        .and_then(find_rustls)
        .or_else(|| err.source().and_then(find_rustls))
}

fn classify(e: &rustls::Error) -> TlsProblem {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure) => {
            TlsProblem::PinMismatch
        }
        rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        ) => TlsProblem::Untrusted(e.to_string()),
        other => TlsProblem::Invalid(other.to_string()),
    }
}
