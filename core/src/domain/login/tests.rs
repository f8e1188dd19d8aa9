//! The login rules against a key that signs with a real P-256 key and a server stand-in that
//! checks the signature with `yichuang-pki` and signs real Ed25519 grants: online, offline
//! with a grant, grant expiry, lock on removal, unlock with the same key and PIN.

use super::*;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use p256::ecdsa::signature::Signer;
use x509_cert::der::{Decode, Encode};

// 2026-11-23 10:00 China time.
const NOW: i64 = 1_795_399_200_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const PIN: &str = "12345678";
const KEY: &str = "YCSIM-UKEY-01";
const CERT: &str = "clerk#sign";

/// A certificate for `cn` over a P-256 key, self-signed, valid a year around NOW.
fn certificate(cn: &str, key: &p256::ecdsa::SigningKey) -> CertInfo {
    use p256::pkcs8::EncodePublicKey;
    use std::str::FromStr;
    use x509_cert::der::asn1::BitString;
    use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
    let not_before = NOW / 1000 - 180 * 86_400;
    let not_after = NOW / 1000 + 180 * 86_400;
    let time = |secs: i64| {
        x509_cert::time::Time::try_from(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64),
        )
        .unwrap()
    };
    let alg = AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
        parameters: None,
    };
    let name = x509_cert::name::Name::from_str(&format!("CN={cn},O=yichuang-test")).unwrap();
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let tbs = x509_cert::TbsCertificate {
        version: x509_cert::Version::V3,
        serial_number: x509_cert::serial_number::SerialNumber::new(&[0x42]).unwrap(),
        signature: alg.clone(),
        issuer: name.clone(),
        validity: x509_cert::time::Validity {
            not_before: time(not_before),
            not_after: time(not_after),
        },
        subject: name,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(spki.as_bytes()).unwrap(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    let sig: p256::ecdsa::DerSignature = key.sign(&tbs.to_der().unwrap());
    let der = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(sig.as_bytes()).unwrap(),
    }
    .to_der()
    .unwrap();
    CertInfo {
        id: CERT.into(),
        der,
        subject: format!("CN={cn},O=yichuang-test"),
        subject_cn: cn.into(),
        issuer: format!("CN={cn},O=yichuang-test"),
        serial: "42".into(),
        not_before,
        not_after,
        usage: yichuang_drivers::ukey::cert::CertUsage {
            authentication: true,
            signing: true,
            encryption: false,
        },
        algorithm: yichuang_drivers::ukey::KeyAlgorithm::EcdsaP256,
        can_sign: true,
    }
}

/// The device side: one UKey holding one certificate and its private key, with a PIN and a
/// presence flag (the simulator's `remove` / `insert`).
struct TestKey {
    cert: RefCell<CertInfo>,
    key: RefCell<p256::ecdsa::SigningKey>,
    present: Cell<bool>,
    /// Presence polls made (the service's mark).
    polls: Cell<u64>,
}

impl TestKey {
    fn new(seed: u8, cn: &str) -> Self {
        let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        Self {
            cert: RefCell::new(certificate(cn, &key)),
            key: RefCell::new(key),
            present: Cell::new(true),
            polls: Cell::new(0),
        }
    }

    /// Another clerk's key plugged in under the same ids.
    fn swap_for(&self, other: TestKey) {
        *self.cert.borrow_mut() = other.cert.into_inner();
        *self.key.borrow_mut() = other.key.into_inner();
    }
}

impl Ukey for TestKey {
    fn certificate(&self, key: &str, cert: &str) -> Result<CertInfo, UserError> {
        if !self.present.get() || key != KEY || cert != CERT {
            return Err(UserError::new(
                ErrorCode::UkeyNoKey,
                format!("{key}/{cert}"),
            ));
        }
        Ok(self.cert.borrow().clone())
    }

    fn verify_and_sign(
        &self,
        key: &str,
        cert: &str,
        pin: &str,
        message: &[u8],
    ) -> Result<Vec<u8>, UserError> {
        self.certificate(key, cert)?;
        if pin != PIN {
            return Err(UserError::new(ErrorCode::UkeyPinIncorrect, "wrong PIN"));
        }
        let sig: p256::ecdsa::DerSignature = self.key.borrow().sign(message);
        Ok(sig.as_bytes().to_vec())
    }

    fn present(&self, key: &str) -> bool {
        self.polls.set(self.polls.get() + 1);
        key == KEY && self.present.get()
    }

    fn presence_mark(&self) -> u64 {
        self.polls.get()
    }
}

impl TestKey {
    /// The watcher's poll: its number.
    fn poll(&self) -> u64 {
        self.polls.set(self.polls.get() + 1);
        self.polls.get()
    }
}

/// The server's side of login, as `yichuang-server` answers: checks the signature over the
/// challenge against the certificate and signs an offline grant valid for `grant_ms`.
struct TestServer {
    reachable: Cell<bool>,
    grant_key: yichuang_pki::SigningKey,
    grant_ms: i64,
    issued_at: i64,
    challenges: RefCell<HashMap<String, String>>,
}

impl TestServer {
    fn new(issued_at: i64, grant_ms: i64) -> Self {
        Self {
            reachable: Cell::new(true),
            grant_key: yichuang_pki::SigningKey::from_bytes(&[9; 32]),
            grant_ms,
            issued_at,
            challenges: RefCell::new(HashMap::new()),
        }
    }

    fn down(&self) -> Result<(), AuthFailure> {
        if self.reachable.get() {
            Ok(())
        } else {
            Err(AuthFailure::Unreachable("connection refused".into()))
        }
    }
}

impl AuthApi for TestServer {
    fn challenge(&self, _workstation: &str) -> Result<Challenge, AuthFailure> {
        self.down()?;
        let n = self.challenges.borrow().len();
        let ch = Challenge {
            challenge_id: format!("ch-{n}"),
            nonce: format!("nonce-{n}"),
        };
        self.challenges
            .borrow_mut()
            .insert(ch.challenge_id.clone(), ch.nonce.clone());
        Ok(ch)
    }

    fn login(&self, call: &LoginCall<'_>) -> Result<LoginOk, AuthFailure> {
        self.down()?;
        let nonce = self
            .challenges
            .borrow_mut()
            .remove(call.challenge_id)
            .unwrap();
        let message = format!("yichuang-login|{}|{}", call.challenge_id, nonce);
        let cert = yichuang_pki::Cert::from_der(call.certificate_der).unwrap();
        if yichuang_pki::verify_message(&cert, message.as_bytes(), call.signature).is_err() {
            return Err(AuthFailure::Refused(UserError::new(
                ErrorCode::LoginSignatureInvalid,
                String::new(),
            )));
        }
        let grant = yichuang_pki::OfflineGrant {
            clerk_id: "c001".into(),
            clerk_name: "钱七".into(),
            department: "综合受理科".into(),
            post: "综合窗口".into(),
            permissions: vec!["accept".into()],
            cert_fingerprint: fingerprint(call.certificate_der),
            cert_der_b64: B64.encode(call.certificate_der),
            issued_at: self.issued_at,
            expires_at: self.issued_at + self.grant_ms,
            server_id: "test".into(),
        };
        Ok(LoginOk {
            session_token: "token-1".into(),
            expires_at: self.issued_at + 8 * HOUR,
            clerk: ClerkInfo {
                id: "c001".into(),
                name: "钱七".into(),
                department: "综合受理科".into(),
                post: "受理员".into(),
                permissions: vec!["intake".into()],
            },
            offline_grant: Some({
                let g = yichuang_pki::sign_grant(&self.grant_key, &grant).unwrap();
                SignedGrant {
                    payload_b64: g.payload_b64,
                    signature_b64: g.signature_b64,
                    key_id: g.key_id,
                }
            }),
        })
    }

    fn grant_key(&self) -> Result<GrantKey, AuthFailure> {
        self.down()?;
        let vk = self.grant_key.verifying_key();
        Ok(GrantKey {
            key_id: yichuang_pki::grant_key_id(&vk),
            public_key: B64.encode(vk.as_bytes()),
        })
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("w.db")).unwrap();
    (dir, s)
}

fn request(pin: &str, now: i64) -> LoginRequest<'_> {
    LoginRequest {
        key_id: KEY,
        cert_id: CERT,
        pin,
        workstation: "441500-3",
        now,
        nonce: [7; 32],
        grant_key: None,
    }
}

fn actions(store: &mut Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a1_online_login_opens_a_session_and_keeps_the_grant() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, 3 * DAY);
    let session = login(&key, Some(&server), &mut s, &request(PIN, NOW)).unwrap();
    assert_eq!(session.mode, SessionMode::Online);
    assert_eq!(session.clerk.id, "c001");
    assert_eq!(session.token.as_deref(), Some("token-1"));
    assert_eq!(
        session.cert_fingerprint,
        fingerprint(&key.cert.borrow().der)
    );
    let grants: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM offline_grant", [], |r| r.get(0))
        .unwrap();
    assert_eq!(grants, 1, "the grant is kept for offline days");
    assert_eq!(actions(&mut s), ["login.ok"]);
    // The clerk's name, for the trails (I3) that list this clerk's audit entries.
    let name: String = s
        .conn()
        .query_row("SELECT name FROM clerk WHERE id = 'c001'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, session.clerk.name);
}

#[test]
fn a1_wrong_pin_is_refused_and_audited() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, 3 * DAY);
    let err = login(&key, Some(&server), &mut s, &request("0000", NOW)).unwrap_err();
    assert_eq!(err.code, ErrorCode::UkeyPinIncorrect);
    assert_eq!(actions(&mut s), ["login.failed"]);
}

#[test]
fn a3_offline_login_with_a_valid_grant() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, 3 * DAY);
    login(&key, Some(&server), &mut s, &request(PIN, NOW)).unwrap();
    server.reachable.set(false);
    let later = NOW + DAY;
    let session = login(&key, Some(&server), &mut s, &request(PIN, later)).unwrap();
    assert_eq!(session.mode, SessionMode::Offline);
    assert_eq!(session.clerk.name, "钱七");
    // The post and permissions come with the grant: A4 holds offline too.
    assert_eq!(session.clerk.post, "综合窗口");
    assert_eq!(session.clerk.permissions, ["accept"]);
    assert_eq!(session.expires_at, NOW + 3 * DAY);
    assert_eq!(session.token, None);
    // Possession is still proved: the wrong PIN does not open an offline session.
    let err = login(&key, Some(&server), &mut s, &request("0000", later)).unwrap_err();
    assert_eq!(err.code, ErrorCode::UkeyPinIncorrect);
    assert_eq!(
        actions(&mut s),
        ["login.ok", "login.offline", "login.failed"]
    );
}

#[test]
fn a3_offline_login_without_a_grant_is_refused() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let err = login(&key, None, &mut s, &request(PIN, NOW)).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOfflineNoGrant);
}

#[test]
fn a3_expired_grant_is_refused() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, DAY);
    login(&key, Some(&server), &mut s, &request(PIN, NOW)).unwrap();
    server.reachable.set(false);
    let err = login(&key, Some(&server), &mut s, &request(PIN, NOW + 2 * DAY)).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOfflineGrantInvalid);
    assert_eq!(actions(&mut s), ["login.ok", "login.failed"]);
}

#[test]
fn a3_grant_of_another_certificate_does_not_open_a_session() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, 3 * DAY);
    login(&key, Some(&server), &mut s, &request(PIN, NOW)).unwrap();
    server.reachable.set(false);
    key.swap_for(TestKey::new(2, "zhangsan"));
    let err = login(&key, Some(&server), &mut s, &request(PIN, NOW + HOUR)).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOfflineNoGrant);
}

fn logged_in(s: &mut Store, key: &TestKey) -> SessionState {
    let server = TestServer::new(NOW, 3 * DAY);
    let mut state = SessionState::default();
    state.start(login(key, Some(&server), s, &request(PIN, NOW)).unwrap());
    state
}

#[test]
fn a5_pulling_the_sessions_key_locks_once() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let mut state = logged_in(&mut s, &key);
    assert_eq!(
        state.key_removed("OTHER-KEY", key.poll()),
        None,
        "another key leaving does not lock"
    );
    assert!(!state.locked());
    let session = state
        .key_removed(KEY, key.poll())
        .expect("the session's key locks");
    assert!(state.locked());
    record_lock(&mut s, &session, NOW + HOUR).unwrap();
    assert_eq!(
        state.key_removed(KEY, key.poll()),
        None,
        "already locked: one lock entry"
    );
    assert_eq!(actions(&mut s), ["login.ok", "session.lock"]);
    // A new login replaces the locked session.
    state.start(session);
    assert!(!state.locked());
}

#[test]
fn a5_unlock_with_the_same_key_and_pin() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let mut state = logged_in(&mut s, &key);
    let session = state.key_removed(KEY, key.poll()).unwrap();
    key.present.set(false);
    let err = unlock(&key, &mut s, &session, PIN, NOW + HOUR, [3; 32]).unwrap_err();
    assert_eq!(err.code, "ukey.no_key", "the key must be back first");
    key.present.set(true);
    let err = unlock(&key, &mut s, &session, "0000", NOW + HOUR, [3; 32]).unwrap_err();
    assert_eq!(err.code, ErrorCode::UkeyPinIncorrect);
    let mark = unlock(&key, &mut s, &session, PIN, NOW + HOUR, [4; 32]).unwrap();
    assert!(state.unlocked(mark));
    assert!(!state.locked());
    assert_eq!(
        actions(&mut s),
        ["login.ok", "session.unlock_failed", "session.unlock"]
    );
}

#[test]
fn a5_unlock_with_another_clerks_key_is_refused() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let mut state = logged_in(&mut s, &key);
    let session = state.key_removed(KEY, key.poll()).unwrap();
    key.swap_for(TestKey::new(2, "zhangsan"));
    let err = unlock(&key, &mut s, &session, PIN, NOW + HOUR, [3; 32]).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOtherKey);
    assert!(state.locked());
    assert_eq!(actions(&mut s), ["login.ok", "session.unlock_failed"]);
}

#[test]
fn a5_a_removal_seen_before_the_unlock_does_not_lock_again() {
    // The race behind 「the first PIN after putting the key back did nothing」: the watcher's
    // poll saw the key gone (pulled, or dropping out once while it settles back in), the PIN
    // unlocked with the key back, and only then did the watcher's word arrive: it locked the
    // session again, and the lock screen stayed.
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let mut state = logged_in(&mut s, &key);
    let session = state.key_removed(KEY, key.poll()).unwrap();
    let blip = key.poll(); // gone at this poll; its event is still on the way
    let mark = unlock(&key, &mut s, &session, PIN, NOW + HOUR, [5; 32]).unwrap();
    assert!(state.unlocked(mark));
    assert_eq!(state.key_removed(KEY, blip), None, "older than the unlock");
    assert!(!state.locked(), "the first PIN unlocks");
    // Pulled after the unlock: locks at once.
    assert!(state.key_removed(KEY, key.poll()).is_some());
    assert!(state.locked());
}

#[test]
fn a5_a_removal_seen_during_the_unlock_keeps_the_lock() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let mut state = logged_in(&mut s, &key);
    let session = state.key_removed(KEY, key.poll()).unwrap();
    let mark = key.presence_mark();
    // The key leaves again while the PIN is checked; the watcher reports it before the answer.
    assert_eq!(state.key_removed(KEY, key.poll()), None, "already locked");
    assert!(!state.unlocked(mark), "the key left after the proof began");
    assert!(state.locked());
    // Put back, the next PIN unlocks.
    let mark = unlock(&key, &mut s, &session, PIN, NOW + HOUR, [6; 32]).unwrap();
    assert!(state.unlocked(mark));
    assert!(!state.locked());
}

/// The clerk list as the sync engine keeps it after pulling `/sync/clerks`.
fn pulled_clerks(s: &mut Store, clerks: serde_json::Value) {
    s.conn()
        .execute(
            "INSERT INTO pull_cache (resource, etag, version, json, fetched_at) VALUES ('clerks', 'e', '1', ?1, 0)
             ON CONFLICT(resource) DO UPDATE SET json = excluded.json",
            [serde_json::json!({ "clerks": clerks }).to_string()],
        )
        .unwrap();
}

#[test]
fn i15_offline_login_checks_the_pulled_clerk_list_and_bindings() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, 3 * DAY);
    let online = login(&key, Some(&server), &mut s, &request(PIN, NOW)).unwrap();
    server.reachable.set(false);
    let fp = online.cert_fingerprint.clone();
    // Still listed with this certificate: the grant opens an offline session.
    pulled_clerks(
        &mut s,
        serde_json::json!([{ "id": "c001", "cert_fingerprints": [fp.to_uppercase()] }]),
    );
    let ok = login(&key, Some(&server), &mut s, &request(PIN, NOW + HOUR)).unwrap();
    assert_eq!(ok.mode, SessionMode::Offline);
    // The certificate unbound since: refused although the grant is valid.
    pulled_clerks(
        &mut s,
        serde_json::json!([{ "id": "c001", "cert_fingerprints": [] }]),
    );
    let err = login(&key, Some(&server), &mut s, &request(PIN, NOW + HOUR)).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOfflineRevoked);
    assert!(err.message.contains("不能离线登录"), "{}", err.message);
    // The clerk dropped from the list (disabled): refused.
    pulled_clerks(
        &mut s,
        serde_json::json!([{ "id": "c002", "cert_fingerprints": [fp] }]),
    );
    let err = login(&key, Some(&server), &mut s, &request(PIN, NOW + HOUR)).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOfflineRevoked);
    assert_eq!(
        actions(&mut s),
        ["login.ok", "login.offline", "login.failed", "login.failed"]
    );
}

#[test]
fn i15_offline_grants_verify_with_the_key_pinned_at_enrollment_only() {
    let (_d, mut s) = store();
    let key = TestKey::new(1, "qianqi");
    let server = TestServer::new(NOW, 3 * DAY);
    login(&key, Some(&server), &mut s, &request(PIN, NOW)).unwrap();
    server.reachable.set(false);
    // The pinned key is the server's: the grant verifies.
    let vk = server.grant_key.verifying_key();
    let good = GrantKey {
        key_id: yichuang_pki::grant_key_id(&vk),
        public_key: B64.encode(vk.as_bytes()),
    };
    let mut req = request(PIN, NOW + HOUR);
    req.grant_key = Some(&good);
    assert_eq!(
        login(&key, Some(&server), &mut s, &req).unwrap().mode,
        SessionMode::Offline
    );
    // Pinned to another key: the stored grant (and the key an earlier login kept) count for
    // nothing.
    let other = yichuang_pki::SigningKey::from_bytes(&[8; 32]).verifying_key();
    let pinned = GrantKey {
        key_id: yichuang_pki::grant_key_id(&other),
        public_key: B64.encode(other.as_bytes()),
    };
    req.grant_key = Some(&pinned);
    let err = login(&key, Some(&server), &mut s, &req).unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginOfflineGrantInvalid);
}
