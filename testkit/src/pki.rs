//! A test PKI made at run time (issue 15 item 3): a hall CA, server certificates for
//! `127.0.0.1`/`localhost`, clerk certificates and CRLs. Nothing generated is committed.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData, RevokedCertParams,
    SerialNumber, SigningKey,
};
pub use time::{Duration, OffsetDateTime};

/// A CA with its key: issues certificates and CRLs.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate, PEM.
    pub cert_pem: String,
    /// The CA certificate, DER.
    pub cert_der: Vec<u8>,
}

/// A certificate with its key pair.
pub struct Issued {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key: KeyPair,
}

impl Issued {
    /// The private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// DER of the SubjectPublicKeyInfo (what a pin hashes).
    pub fn spki_der(&self) -> Vec<u8> {
        self.key.subject_public_key_info()
    }

    /// Signs `message` with the certificate's key (ECDSA P-256 SHA-256, DER signature).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).expect("sign with the test key")
    }

    /// Writes the certificate and key as PEM files, each replaced atomically (write a
    /// temporary file, then rename) so a reloading reader never sees half a file.
    pub fn write_pem(&self, cert_file: &Path, key_file: &Path) {
        write_atomic(key_file, self.key_pem().as_bytes());
        write_atomic(cert_file, self.cert_pem.as_bytes());
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp-write");
    std::fs::write(&tmp, bytes).expect("write temporary file");
    std::fs::rename(&tmp, path).expect("rename into place");
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, "yichuang test");
    dn.push(DnType::CommonName, cn);
    dn
}

fn validity(params: &mut CertificateParams) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(30);
}

impl TestCa {
    /// A new self-signed CA named `cn` (ECDSA P-256).
    pub fn new(cn: &str) -> TestCa {
        let key = KeyPair::generate().expect("generate CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name = name(cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.key_identifier_method = KeyIdMethod::Sha256;
        validity(&mut params);
        let cert = params.self_signed(&key).expect("self-sign CA");
        TestCa {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A TLS server certificate for `127.0.0.1` and `localhost` (and `names`).
    pub fn server_cert(&self, names: &[&str]) -> Issued {
        let mut sans = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        sans.extend(names.iter().map(|n| n.to_string()));
        let mut params = CertificateParams::new(sans).expect("server params");
        params.distinguished_name = name("yichuang test server");
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        validity(&mut params);
        self.issue(params)
    }

    /// A clerk certificate (client authentication) with `serial`.
    pub fn clerk_cert(&self, cn: &str, serial: &[u8]) -> Issued {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("clerk params");
        params.distinguished_name = name(cn);
        params.serial_number = Some(SerialNumber::from_slice(serial));
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        validity(&mut params);
        self.issue(params)
    }

    fn issue(&self, params: CertificateParams) -> Issued {
        let key = KeyPair::generate().expect("generate key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign certificate");
        Issued {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key,
        }
    }

    /// A CRL (PEM) revoking `serials`, issued `this_update` with `next_update`.
    pub fn crl(
        &self,
        serials: &[&[u8]],
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> String {
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: this_update,
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params
            .signed_by(&self.issuer)
            .expect("sign CRL")
            .pem()
            .expect("CRL PEM")
    }
}
