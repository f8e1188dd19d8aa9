//! TLS for the harness (issue 15 item 3): a hall CA and a server certificate for
//! `127.0.0.1`, made at run time in a directory (`ca.pem`, `server.pem`, `server.key`) and
//! reused when already there, so a restarted server keeps the CA its workstations trust.
//! The switch is separate from everything else the harness does: the server side takes
//! [`HarnessTls::apply`], the client side [`HarnessTls::client`].

use std::path::{Path, PathBuf};

use yichuang_core::infra::http::BackendTls;
use yichuang_server::{ServerConfig, TlsConfig};
use yichuang_testkit::pki::TestCa;

#[derive(Debug, Clone)]
pub struct HarnessTls {
    /// The hall CA the clients trust (PEM).
    pub ca_file: PathBuf,
    /// The server's certificate and key.
    pub server: TlsConfig,
}

impl HarnessTls {
    /// The PKI in `dir`, made on first use.
    pub fn in_dir(dir: &Path) -> Result<Self, String> {
        let tls = HarnessTls {
            ca_file: dir.join("ca.pem"),
            server: TlsConfig {
                cert_file: dir.join("server.pem"),
                key_file: dir.join("server.key"),
            },
        };
        let made = [&tls.ca_file, &tls.server.cert_file, &tls.server.key_file];
        if !made.iter().all(|p| p.is_file()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let ca = TestCa::new("yichuang harness hall CA");
            ca.server_cert(&[])
                .write_pem(&tls.server.cert_file, &tls.server.key_file);
            yichuang_testkit::pki::write_atomic(&tls.ca_file, ca.cert_pem.as_bytes());
        }
        Ok(tls)
    }

    /// Makes `config` serve HTTPS with the harness certificate.
    pub fn apply(&self, config: &mut ServerConfig) {
        config.tls = Some(self.server.clone());
    }

    /// What a workstation of the harness trusts: the hall CA only.
    pub fn client(&self) -> BackendTls {
        BackendTls {
            ca_file: Some(self.ca_file.clone()),
            pin_sha256: None,
        }
    }
}
