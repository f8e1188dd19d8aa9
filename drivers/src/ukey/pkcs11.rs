//! PKCS#11 backend (`cryptoki`): tokens of a vendor module or SoftHSM2. Certificates and
//! private keys are paired by `CKA_ID`. Signing hashes in software and uses the mechanisms
//! every token has: `CKM_ECDSA` over SHA-256(M) (raw `r‖s` → DER) and `CKM_RSA_PKCS` over the
//! SHA-256 `DigestInfo`. PKCS#11 reports no retry count, only the token flags
//! `CKF_USER_PIN_COUNT_LOW` / `_FINAL_TRY` / `_LOCKED`; [`PinInfo`] maps them as they are.
//!
//! A module is initialized once per process (`C_Initialize` may not run twice), so instances
//! for the same path share one context; it is never finalized.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, CertificateType, KeyType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};

use super::cert::{parse_certificate, CertUsage};
use super::codec::{der_from_raw_rs, hex, pkcs1_sha256_digest_info, unhex};
use super::{Backend, CertInfo, KeyInfo, PinInfo, Signature, SignatureAlgorithm, Ukey, UkeyError};

/// `CKR_PIN_INCORRECT` style name of a return value.
fn ckr_name(rv: RvError) -> String {
    let camel = format!("{rv:?}");
    let mut out = String::from("CKR");
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn map_err(function: &str, err: CkError) -> UkeyError {
    match err {
        CkError::Pkcs11(rv, f) => {
            let code = format!("{} ({f:?})", ckr_name(rv));
            match rv {
                RvError::PinIncorrect => UkeyError::PinIncorrect {
                    retries_left: None,
                    code,
                },
                RvError::PinLocked => UkeyError::PinLocked { code },
                RvError::PinInvalid | RvError::PinLenRange => UkeyError::PinInvalid { code },
                RvError::UserNotLoggedIn => UkeyError::NotLoggedIn,
                RvError::TokenNotPresent
                | RvError::DeviceRemoved
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::SlotIdInvalid
                | RvError::TokenNotRecognized => UkeyError::KeyRemoved { detail: code },
                _ => UkeyError::Library {
                    function: function.to_string(),
                    code,
                },
            }
        }
        other => UkeyError::Library {
            function: function.to_string(),
            code: other.to_string(),
        },
    }
}

/// One context per module path for the whole process.
fn shared_context(path: &Path) -> Result<Pkcs11, UkeyError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut map = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(ctx) = map.get(path) {
        return Ok(ctx.clone());
    }
    let load_err = |detail: String| UkeyError::ModuleLoad {
        path: path.display().to_string(),
        detail,
    };
    if !path.exists() {
        return Err(load_err("file does not exist".into()));
    }
    let ctx = Pkcs11::new(path).map_err(|e| load_err(e.to_string()))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(load_err(format!("C_Initialize: {e}"))),
    }
    map.insert(path.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// A key id for a token: its serial, or the slot when the token has none.
fn key_id(slot: Slot, serial: &str) -> String {
    if serial.trim().is_empty() {
        format!("slot-{}", slot.id())
    } else {
        serial.trim().to_string()
    }
}

pub struct Pkcs11Ukey {
    path: PathBuf,
    ctx: Pkcs11,
    /// Logged-in sessions by key id.
    sessions: HashMap<String, Session>,
    /// The signing algorithms of each present token by key id: asked once per insertion, as
    /// `C_GetMechanismList` is slow on real tokens and cryptoki logs an error line for every
    /// vendor mechanism it does not know (thousands a minute with presence polling).
    algorithms: HashMap<String, Vec<String>>,
}

impl Pkcs11Ukey {
    /// Loads (once per process) and initializes the module at `path`.
    pub fn open(path: &Path) -> Result<Self, UkeyError> {
        Ok(Self {
            path: path.to_path_buf(),
            ctx: shared_context(path)?,
            algorithms: HashMap::new(),
            sessions: HashMap::new(),
        })
    }

    pub fn module_path(&self) -> &Path {
        &self.path
    }

    /// A wrong PIN with what the token's flags tell after the failed try (locked, final try).
    fn with_pin_state(&mut self, key: &str, err: UkeyError) -> UkeyError {
        let UkeyError::PinIncorrect { code, .. } = err else {
            return err;
        };
        let pin = self.pin_info(key).unwrap_or_default();
        if pin.locked {
            return UkeyError::PinLocked { code };
        }
        UkeyError::PinIncorrect {
            retries_left: pin.retries_left,
            code,
        }
    }

    fn slot_of(&self, key: &str) -> Result<Slot, UkeyError> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(|e| map_err("C_GetSlotList", e))?;
        for slot in slots {
            let Ok(info) = self.ctx.get_token_info(slot) else {
                continue;
            };
            if key_id(slot, info.serial_number()) == key {
                return Ok(slot);
            }
        }
        Err(UkeyError::KeyRemoved {
            detail: format!("no token with serial {key}"),
        })
    }

    /// The logged-in session, or a fresh read-only one.
    fn with_session<T>(
        &mut self,
        key: &str,
        f: impl FnOnce(&Session) -> Result<T, UkeyError>,
    ) -> Result<T, UkeyError> {
        if let Some(session) = self.sessions.get(key) {
            let result = f(session);
            if matches!(result, Err(UkeyError::KeyRemoved { .. })) {
                self.sessions.remove(key);
            }
            return result;
        }
        let slot = self.slot_of(key)?;
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(|e| map_err("C_OpenSession", e))?;
        f(&session)
    }
}

fn find(
    session: &Session,
    template: &[Attribute],
) -> Result<Vec<cryptoki::object::ObjectHandle>, UkeyError> {
    session
        .find_objects(template)
        .map_err(|e| map_err("C_FindObjects", e))
}

fn attr_bytes(attrs: &[Attribute], which: AttributeType) -> Option<Vec<u8>> {
    attrs.iter().find_map(|a| match (a, which) {
        (Attribute::Id(v), AttributeType::Id) => Some(v.clone()),
        (Attribute::Value(v), AttributeType::Value) => Some(v.clone()),
        _ => None,
    })
}

impl Ukey for Pkcs11Ukey {
    fn backend(&self) -> Backend {
        Backend::Pkcs11
    }

    fn keys(&mut self) -> Result<Vec<KeyInfo>, UkeyError> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(|e| map_err("C_GetSlotList", e))?;
        let mut keys = Vec::new();
        for slot in slots {
            // A token pulled out between the two calls is simply not listed.
            let Ok(info) = self.ctx.get_token_info(slot) else {
                continue;
            };
            if !info.token_initialized() {
                continue;
            }
            let id = key_id(slot, info.serial_number());
            let algorithms = match self.algorithms.get(&id) {
                Some(known) => known.clone(),
                None => {
                    let mut found = Vec::new();
                    if let Ok(mechs) = self.ctx.get_mechanism_list(slot) {
                        if mechs.contains(&MechanismType::ECDSA) {
                            found.push("ECDSA".to_string());
                        }
                        if mechs.contains(&MechanismType::RSA_PKCS) {
                            found.push("RSA".to_string());
                        }
                        self.algorithms.insert(id.clone(), found.clone());
                    }
                    found
                }
            };
            keys.push(KeyInfo {
                id,
                backend: Backend::Pkcs11,
                serial: info.serial_number().trim().to_string(),
                label: info.label().trim().to_string(),
                manufacturer: info.manufacturer_id().trim().to_string(),
                model: info.model().trim().to_string(),
                algorithms,
            });
        }
        // Forget sessions of tokens that went away.
        self.sessions
            .retain(|id, _| keys.iter().any(|k| &k.id == id));
        self.algorithms
            .retain(|id, _| keys.iter().any(|k| &k.id == id));
        Ok(keys)
    }

    fn certificates(&mut self, key: &str) -> Result<Vec<CertInfo>, UkeyError> {
        self.with_session(key, |session| {
            let handles = find(
                session,
                &[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::CertificateType(CertificateType::X_509),
                ],
            )?;
            let mut certs = Vec::new();
            for h in handles {
                let attrs = session
                    .get_attributes(h, &[AttributeType::Id, AttributeType::Value])
                    .map_err(|e| map_err("C_GetAttributeValue", e))?;
                let Some(der) = attr_bytes(&attrs, AttributeType::Value) else {
                    continue;
                };
                let id = attr_bytes(&attrs, AttributeType::Id).unwrap_or_default();
                let parsed = parse_certificate(&der)?;
                // Private keys are usually private objects (invisible before login); the
                // public key with the same id says the pair is on the token.
                let can_sign = !id.is_empty()
                    && [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY]
                        .into_iter()
                        .any(|class| {
                            find(
                                session,
                                &[Attribute::Class(class), Attribute::Id(id.clone())],
                            )
                            .map(|v| !v.is_empty())
                            .unwrap_or(false)
                        });
                certs.push(CertInfo {
                    id: hex(&id),
                    der,
                    subject: parsed.subject,
                    subject_cn: parsed.subject_cn,
                    issuer: parsed.issuer,
                    serial: parsed.serial,
                    not_before: parsed.not_before,
                    not_after: parsed.not_after,
                    usage: parsed
                        .key_usage
                        .unwrap_or(CertUsage::UNRESTRICTED_SIGNATURE),
                    algorithm: parsed.algorithm,
                    can_sign,
                });
            }
            Ok(certs)
        })
    }

    fn pin_info(&mut self, key: &str) -> Result<PinInfo, UkeyError> {
        let slot = self.slot_of(key)?;
        let info = self
            .ctx
            .get_token_info(slot)
            .map_err(|e| map_err("C_GetTokenInfo", e))?;
        let locked = info.user_pin_locked();
        Ok(PinInfo {
            max_retries: None,
            retries_left: if locked {
                Some(0)
            } else if info.user_pin_final_try() {
                Some(1)
            } else {
                None
            },
            locked,
            count_low: info.user_pin_count_low(),
            default_pin: Some(info.user_pin_to_be_changed()),
        })
    }

    fn login(&mut self, key: &str, pin: &str) -> Result<(), UkeyError> {
        // A PKCS#11 login is shared by all sessions of the process and C_Login on a logged-in
        // token does not check the PIN: log out first so every login verifies the PIN.
        let _ = self.logout(key);
        let slot = self.slot_of(key)?;
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(|e| map_err("C_OpenSession", e))?;
        if session
            .get_session_info()
            .is_ok_and(|i| matches!(i.session_state(), cryptoki::session::SessionState::RoUser))
        {
            let _ = session.logout();
        }
        match session.login(UserType::User, Some(&AuthPin::from(pin.to_string()))) {
            Ok(()) => {
                self.sessions.insert(key.to_string(), session);
                Ok(())
            }
            Err(e) => Err(self.with_pin_state(key, map_err("C_Login", e))),
        }
    }

    fn change_pin(&mut self, key: &str, old: &str, new: &str) -> Result<(), UkeyError> {
        let slot = self.slot_of(key)?;
        // C_SetPIN needs a read/write session; with no user logged in it changes CKU_USER's
        // PIN, and it checks the old PIN either way.
        let session = self
            .ctx
            .open_rw_session(slot)
            .map_err(|e| map_err("C_OpenSession", e))?;
        session
            .set_pin(
                &AuthPin::from(old.to_string()),
                &AuthPin::from(new.to_string()),
            )
            .map_err(|e| self.with_pin_state(key, map_err("C_SetPIN", e)))
    }

    fn logout(&mut self, key: &str) -> Result<(), UkeyError> {
        if let Some(session) = self.sessions.remove(key) {
            match session.logout() {
                Ok(()) | Err(CkError::Pkcs11(RvError::UserNotLoggedIn, _)) => {}
                Err(e) => return Err(map_err("C_Logout", e)),
            }
        }
        Ok(())
    }

    fn sign(&mut self, key: &str, cert: &str, message: &[u8]) -> Result<Signature, UkeyError> {
        let id = unhex(cert).ok_or_else(|| UkeyError::CertificateNotFound { id: cert.into() })?;
        let session = self.sessions.get(key).ok_or(UkeyError::NotLoggedIn)?;
        let keys = find(
            session,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id.clone()),
            ],
        );
        let keys = match keys {
            Err(e @ UkeyError::KeyRemoved { .. }) => {
                self.sessions.remove(key);
                return Err(e);
            }
            other => other?,
        };
        let Some(&handle) = keys.first() else {
            return Err(UkeyError::CertificateNotFound { id: cert.into() });
        };
        let attrs = session
            .get_attributes(handle, &[AttributeType::KeyType])
            .map_err(|e| map_err("C_GetAttributeValue", e))?;
        let key_type = attrs.iter().find_map(|a| match a {
            Attribute::KeyType(t) => Some(*t),
            _ => None,
        });
        let digest: [u8; 32] = Sha256::digest(message).into();
        let sign_err = |e: CkError| match map_err("C_Sign", e) {
            UkeyError::Library { function, code } => UkeyError::SignFailed { function, code },
            other => other,
        };
        match key_type {
            Some(KeyType::EC) => {
                let raw = session
                    .sign(&Mechanism::Ecdsa, handle, &digest)
                    .map_err(sign_err)?;
                if raw.len() != 64 {
                    // Another curve than P-256 (or a broken answer).
                    return Err(UkeyError::UnsupportedAlgorithm {
                        detail: format!("CKM_ECDSA returned {} bytes, expected 64", raw.len()),
                    });
                }
                let der = der_from_raw_rs(&raw).ok_or_else(|| UkeyError::BadData {
                    detail: format!("CKM_ECDSA returned {} bytes", raw.len()),
                })?;
                Ok(Signature {
                    algorithm: SignatureAlgorithm::EcdsaP256Sha256,
                    bytes: der,
                })
            }
            Some(KeyType::RSA) => {
                let bytes = session
                    .sign(
                        &Mechanism::RsaPkcs,
                        handle,
                        &pkcs1_sha256_digest_info(&digest),
                    )
                    .map_err(sign_err)?;
                Ok(Signature {
                    algorithm: SignatureAlgorithm::RsaPkcs1Sha256,
                    bytes,
                })
            }
            other => Err(UkeyError::UnsupportedAlgorithm {
                detail: format!("PKCS#11 key type {other:?}"),
            }),
        }
    }
}
