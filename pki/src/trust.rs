//! The trusted CAs and their CRLs: decides whether a clerk certificate may log in
//! (issued by a trusted CA, valid now, not revoked).

use crate::cert::Cert;
use crate::crl::Crl;
use crate::error::PkiError;
use crate::verify::verify_issued_by;

/// Trusted CA certificates and the CRLs checked against them.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    cas: Vec<Cert>,
    crls: Vec<Crl>,
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trusted CA; refused when the certificate is not a CA (basic constraints).
    pub fn add_ca(&mut self, ca: Cert) -> Result<(), PkiError> {
        if !ca.is_ca() {
            return Err(PkiError::UntrustedIssuer {
                detail: format!("`{}` is not a CA certificate", ca.subject()),
            });
        }
        if !self.cas.iter().any(|c| c.der() == ca.der()) {
            self.cas.push(ca);
        }
        Ok(())
    }

    /// Adds a CRL after checking it was signed by one of the trusted CAs.
    pub fn add_crl(&mut self, crl: Crl) -> Result<(), PkiError> {
        let mut last = PkiError::UntrustedIssuer {
            detail: format!("no trusted CA `{}` for this CRL", crl.issuer()),
        };
        for ca in self.cas.iter().filter(|ca| crl.is_from(ca)) {
            match crl.verify_issued_by(ca) {
                Ok(()) => {
                    self.crls.push(crl);
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The trusted CAs.
    pub fn cas(&self) -> &[Cert] {
        &self.cas
    }

    /// The loaded CRLs.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// The trusted CA that signed `cert`, or [`PkiError::UntrustedIssuer`].
    pub fn issuer_of(&self, cert: &Cert) -> Result<&Cert, PkiError> {
        let mut last = PkiError::UntrustedIssuer {
            detail: format!("no trusted CA `{}`", cert.issuer()),
        };
        for ca in &self.cas {
            if ca.subject_name() != cert.issuer_name() {
                continue;
            }
            match verify_issued_by(cert, ca) {
                Ok(()) => return Ok(ca),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// [`PkiError::Revoked`] when a loaded CRL of the certificate's issuer lists it.
    pub fn check_revocation(&self, cert: &Cert) -> Result<(), PkiError> {
        match self.crls.iter().find_map(|crl| crl.revoked_at(cert)) {
            Some(revoked_at) => Err(PkiError::Revoked {
                serial: cert.serial_hex(),
                revoked_at,
            }),
            None => Ok(()),
        }
    }

    /// The whole certificate check, in order: issued by a trusted CA (itself valid at `now`),
    /// valid at `now` (Unix seconds), not revoked. Returns the issuing CA.
    pub fn verify_certificate(&self, cert: &Cert, now: i64) -> Result<&Cert, PkiError> {
        let ca = self.issuer_of(cert)?;
        ca.check_validity(now)
            .map_err(|e| PkiError::UntrustedIssuer {
                detail: format!("CA `{}` is not valid now: {e}", ca.subject()),
            })?;
        cert.check_validity(now)?;
        self.check_revocation(cert)?;
        Ok(ca)
    }
}
