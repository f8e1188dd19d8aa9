//! SKF backend: a GM/T 0016-2012 vendor library (`libskf.so`, `*.dll`) loaded at run time.
//!
//! Call flow: `SKF_EnumDev` → `SKF_ConnectDev` → `SKF_GetDevInfo` → `SKF_EnumApplication` →
//! `SKF_OpenApplication` → `SKF_GetPINInfo` / `SKF_VerifyPIN` → `SKF_EnumContainer` →
//! `SKF_OpenContainer` → `SKF_ExportCertificate` / `SKF_ExportPublicKey` → `SKF_DigestInit`
//! (SM3 with the public key and the default ID, so the key computes `Z`) → `SKF_Digest` →
//! `SKF_ECCSignData` → `SKF_CloseContainer`. Devices stay connected and applications open
//! between calls (the PIN's secure state lives in the open application); a handle the library
//! no longer knows means the key was pulled out.
//!
//! Vendors disagree on algorithm IDs and the PIN type numbers: [`SkfAlgTable`] holds them, per
//! vendor, with config overrides. Functions use the `extern "system"` convention (stdcall on
//! 32-bit Windows, C elsewhere); `ULONG` is 32 bits, `BOOL` a 32-bit int, structures packed.
//! Everything the library returns is bounds-checked: lengths never exceed our buffers, names
//! are parsed without trusting terminators.

use std::collections::HashMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};

use super::cert::{parse_certificate, CertUsage, KeyAlgorithm};
use super::codec::{
    c_field_text, der_from_ecc_signature_blob, ecc_public_key_from_blob, parse_multi_string, sm2_e,
    ECC_PUBLIC_KEY_BLOB_LEN, ECC_SIGNATURE_BLOB_LEN, SM2_DEFAULT_ID,
};
use super::{Backend, CertInfo, KeyInfo, PinInfo, Signature, SignatureAlgorithm, Ukey, UkeyError};

mod api;
mod sar;

use api::{two_call, Api, Handle, DEVINFO_BUF, MAX_CERT, MAX_LIST};
use sar::sar_error;
pub use sar::*;

/// `SKF_GetContainerType`: 1 RSA, 2 ECC (SM2).
pub const CONTAINER_TYPE_ECC: u32 = 2;

/// The numbers vendors disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkfAlgTable {
    /// `SGD_SM3`, for `SKF_DigestInit`.
    pub sm3: u32,
    /// `SGD_SM2_1` (SM2 signature), checked against the device's `AlgAsymCap`.
    pub sm2_sign: u32,
    /// `SGD_RSA`, checked against `AlgAsymCap`.
    pub rsa: u32,
    /// The PIN type number of the user PIN (`USER_TYPE`).
    pub user_pin_type: u32,
}

/// Config overrides of single [`SkfAlgTable`] entries, and the application to open when a
/// key holds several.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkfOverrides {
    pub sm3: Option<u32>,
    pub sm2_sign: Option<u32>,
    pub user_pin_type: Option<u32>,
}

impl SkfAlgTable {
    /// Most vendor SKF headers (GM/T 0016 style): `SGD_SM2_1 = 0x00020100`.
    pub const VENDOR_HEADERS: SkfAlgTable = SkfAlgTable {
        sm3: 0x0000_0001,
        sm2_sign: 0x0002_0100,
        rsa: 0x0001_0000,
        user_pin_type: 1,
    };
    /// GM/T 0006-style numbering (as in skf-rs): `SGD_SM2 = 0x00020100`,
    /// `SGD_SM2_1 = 0x00020200`.
    pub const GMT0006: SkfAlgTable = SkfAlgTable {
        sm3: 0x0000_0001,
        sm2_sign: 0x0002_0200,
        rsa: 0x0001_0000,
        user_pin_type: 1,
    };

    /// The table for a vendor name from the config: `None`, `standard` or `gmt0016` for
    /// [`Self::VENDOR_HEADERS`]; `gmt0006` for [`Self::GMT0006`].
    pub fn for_vendor(vendor: Option<&str>) -> Result<SkfAlgTable, UkeyError> {
        match vendor.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("standard") | Some("gmt0016") => Ok(Self::VENDOR_HEADERS),
            Some("gmt0006") => Ok(Self::GMT0006),
            Some(other) => Err(UkeyError::Config {
                detail: format!(
                    "unknown SKF vendor table '{other}' (known: standard, gmt0016, gmt0006)"
                ),
            }),
        }
    }

    pub fn with_overrides(mut self, o: &SkfOverrides) -> SkfAlgTable {
        if let Some(v) = o.sm3 {
            self.sm3 = v;
        }
        if let Some(v) = o.sm2_sign {
            self.sm2_sign = v;
        }
        if let Some(v) = o.user_pin_type {
            self.user_pin_type = v;
        }
        self
    }
}

struct Device {
    hdev: Handle,
    app: Option<Handle>,
}

/// A GM/T 0016 library and the devices it has connected.
pub struct SkfUkey {
    path: PathBuf,
    table: SkfAlgTable,
    devices: HashMap<String, Device>,
    api: Api,
}

// SAFETY: the raw handles are only used through `&mut self` (one thread at a time); SKF
// libraries are called from whichever thread holds the instance, as vendor samples do.
unsafe impl Send for SkfUkey {}

impl SkfUkey {
    pub fn open(path: &Path, table: SkfAlgTable) -> Result<SkfUkey, UkeyError> {
        Ok(SkfUkey {
            path: path.to_path_buf(),
            table,
            devices: HashMap::new(),
            api: Api::load(path)?,
        })
    }

    pub fn library_path(&self) -> &Path {
        &self.path
    }

    pub fn table(&self) -> SkfAlgTable {
        self.table
    }

    fn device_names(&self) -> Result<Vec<String>, UkeyError> {
        let f = self.api.enum_dev;
        // SAFETY: `buf` is null or `len` bytes long, as SKF_EnumDev requires.
        let list = two_call("SKF_EnumDev", MAX_LIST, |buf, len| unsafe {
            f(1, buf.cast(), len)
        })?;
        Ok(parse_multi_string(&list))
    }

    fn forget(&mut self, name: &str) {
        if let Some(dev) = self.devices.remove(name) {
            self.close_device(dev);
        }
    }

    fn close_device(&self, dev: Device) {
        // SAFETY: handles came from this library; errors (removed device) are irrelevant.
        unsafe {
            if let Some(app) = dev.app {
                (self.api.close_application)(app);
            }
            (self.api.disconnect_dev)(dev.hdev);
        }
    }

    /// The connected device `name`, connecting when needed.
    fn hdev(&mut self, name: &str) -> Result<Handle, UkeyError> {
        if let Some(dev) = self.devices.get(name) {
            return Ok(dev.hdev);
        }
        if !self.device_names()?.iter().any(|n| n == name) {
            return Err(UkeyError::KeyRemoved {
                detail: format!("device '{name}' not present"),
            });
        }
        let cname = CString::new(name).map_err(|_| UkeyError::BadData {
            detail: "device name contains NUL".into(),
        })?;
        let mut hdev: Handle = std::ptr::null_mut();
        // SAFETY: valid C string and out pointer.
        let rc = unsafe { (self.api.connect_dev)(cname.as_ptr(), &mut hdev) };
        if rc != SAR_OK {
            return Err(sar_error("SKF_ConnectDev", rc));
        }
        self.devices
            .insert(name.to_string(), Device { hdev, app: None });
        Ok(hdev)
    }

    /// The open application of device `name` (the first one the key lists).
    fn happ(&mut self, name: &str) -> Result<Handle, UkeyError> {
        let hdev = self.hdev(name)?;
        if let Some(app) = self.devices.get(name).and_then(|d| d.app) {
            return Ok(app);
        }
        let f = self.api.enum_application;
        // SAFETY: as in two_call.
        let apps = two_call("SKF_EnumApplication", MAX_LIST, |buf, len| unsafe {
            f(hdev, buf.cast(), len)
        });
        let apps = self.removed_check(name, apps)?;
        let app_name = parse_multi_string(&apps)
            .into_iter()
            .next()
            .ok_or_else(|| UkeyError::Library {
                function: "SKF_EnumApplication".into(),
                code: "no application on the key".into(),
            })?;
        let cname = CString::new(app_name).map_err(|_| UkeyError::BadData {
            detail: "application name contains NUL".into(),
        })?;
        let mut happ: Handle = std::ptr::null_mut();
        // SAFETY: valid handle, C string and out pointer.
        let rc = unsafe { (self.api.open_application)(hdev, cname.as_ptr(), &mut happ) };
        let opened = if rc == SAR_OK {
            Ok(happ)
        } else {
            Err(sar_error("SKF_OpenApplication", rc))
        };
        let happ = self.removed_check(name, opened)?;
        if let Some(d) = self.devices.get_mut(name) {
            d.app = Some(happ);
        }
        Ok(happ)
    }

    /// Drops the cached connection when a call says the key went away.
    fn removed_check<T>(&mut self, name: &str, r: Result<T, UkeyError>) -> Result<T, UkeyError> {
        if matches!(r, Err(UkeyError::KeyRemoved { .. })) {
            self.forget(name);
        }
        r
    }

    fn dev_info(&self, hdev: Handle) -> Result<Vec<u8>, UkeyError> {
        let mut buf = vec![0u8; DEVINFO_BUF];
        // SAFETY: the buffer is larger than any DEVINFO layout.
        let rc = unsafe { (self.api.get_dev_info)(hdev, buf.as_mut_ptr()) };
        if rc != SAR_OK {
            return Err(sar_error("SKF_GetDevInfo", rc));
        }
        Ok(buf)
    }

    fn key_info(&self, name: &str, info: &[u8]) -> KeyInfo {
        // Packed DEVINFO: Version[2] Manufacturer[64] Issuer[64] Label[32] SerialNumber[32]
        // HWVersion[2] FirmwareVersion[2] AlgSymCap AlgAsymCap AlgHashCap …
        let u32_at = |o: usize| {
            info.get(o..o + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0)
        };
        let (asym, hash) = (u32_at(202), u32_at(206));
        let t = self.table;
        let mut algorithms = Vec::new();
        if asym & t.sm2_sign == t.sm2_sign {
            algorithms.push("SM2".to_string());
        }
        if hash & t.sm3 == t.sm3 {
            algorithms.push("SM3".to_string());
        }
        if asym & t.rsa == t.rsa {
            algorithms.push("RSA".to_string());
        }
        KeyInfo {
            id: name.to_string(),
            backend: Backend::Skf,
            manufacturer: c_field_text(&info[2..66]),
            model: c_field_text(&info[66..130]),
            label: c_field_text(&info[130..162]),
            serial: c_field_text(&info[162..194]),
            algorithms,
        }
    }

    fn with_container<T>(
        &mut self,
        key: &str,
        container: &str,
        f: impl FnOnce(&Api, Handle) -> Result<T, UkeyError>,
    ) -> Result<T, UkeyError> {
        let happ = self.happ(key)?;
        let cname = CString::new(container).map_err(|_| UkeyError::CertificateNotFound {
            id: container.into(),
        })?;
        let mut hcon: Handle = std::ptr::null_mut();
        // SAFETY: valid handle, C string and out pointer.
        let rc = unsafe { (self.api.open_container)(happ, cname.as_ptr(), &mut hcon) };
        if rc != SAR_OK {
            let err = sar_error("SKF_OpenContainer", rc);
            return self.removed_check(key, Err(err));
        }
        let result = f(&self.api, hcon);
        // SAFETY: the container handle was opened above.
        unsafe { (self.api.close_container)(hcon) };
        self.removed_check(key, result)
    }

    /// `e = SM3(Z‖M)` computed by the key (`SKF_DigestInit` with the public key and ID), or
    /// in software when the library has no such hashing.
    fn sm2_digest(
        &self,
        hdev: Handle,
        pubkey_blob: &[u8; ECC_PUBLIC_KEY_BLOB_LEN],
        x: &[u8; 32],
        y: &[u8; 32],
        message: &[u8],
    ) -> Result<[u8; 32], UkeyError> {
        let software = || {
            sm2_e(SM2_DEFAULT_ID, x, y, message).ok_or_else(|| UkeyError::BadData {
                detail: "SM2 user ID too long".into(),
            })
        };
        let (Some(init), Some(digest)) = (self.api.digest_init, self.api.digest) else {
            return software();
        };
        let Ok(msg_len) = u32::try_from(message.len()) else {
            return software();
        };
        let mut hhash: Handle = std::ptr::null_mut();
        // SAFETY: blob is a full ECCPUBLICKEYBLOB, the ID 16 bytes, out pointer valid.
        let rc = unsafe {
            init(
                hdev,
                self.table.sm3,
                pubkey_blob.as_ptr(),
                SM2_DEFAULT_ID.as_ptr(),
                SM2_DEFAULT_ID.len() as u32,
                &mut hhash,
            )
        };
        match rc {
            SAR_OK => {}
            SAR_DEVICE_REMOVED | SAR_INVALIDHANDLEERR => {
                return Err(sar_error("SKF_DigestInit", rc))
            }
            // The key cannot hash with Z (or not with this algorithm ID): same result in
            // software.
            _ => return software(),
        }
        let mut out = [0u8; 64];
        let mut out_len = out.len() as u32;
        // SAFETY: hash handle from DigestInit; output buffer of `out_len` bytes.
        let rc = unsafe {
            digest(
                hhash,
                message.as_ptr(),
                msg_len,
                out.as_mut_ptr(),
                &mut out_len,
            )
        };
        if let Some(close) = self.api.close_handle {
            // SAFETY: the hash handle from DigestInit.
            unsafe { close(hhash) };
        }
        if rc != SAR_OK {
            return Err(sar_error("SKF_Digest", rc));
        }
        if out_len != 32 {
            return Err(UkeyError::BadData {
                detail: format!("SKF_Digest returned {out_len} bytes for SM3"),
            });
        }
        let mut e = [0u8; 32];
        e.copy_from_slice(&out[..32]);
        Ok(e)
    }
}

impl Drop for SkfUkey {
    fn drop(&mut self) {
        let devices: Vec<Device> = self.devices.drain().map(|(_, d)| d).collect();
        for dev in devices {
            self.close_device(dev);
        }
    }
}

/// `container#sign` / `container#exchange`.
fn split_cert_id(id: &str) -> Option<(&str, bool)> {
    let (container, slot) = id.rsplit_once('#')?;
    match slot {
        "sign" => Some((container, true)),
        "exchange" => Some((container, false)),
        _ => None,
    }
}

impl Ukey for SkfUkey {
    fn backend(&self) -> Backend {
        Backend::Skf
    }

    fn keys(&mut self) -> Result<Vec<KeyInfo>, UkeyError> {
        let names = self.device_names()?;
        let gone: Vec<String> = self
            .devices
            .keys()
            .filter(|k| !names.contains(k))
            .cloned()
            .collect();
        for name in gone {
            self.forget(&name);
        }
        let mut keys = Vec::new();
        for name in names {
            let info = match self.hdev(&name).and_then(|h| self.dev_info(h)) {
                Ok(info) => info,
                Err(UkeyError::KeyRemoved { .. }) => {
                    // A stale connection (key re-plugged): connect afresh once.
                    self.forget(&name);
                    match self.hdev(&name).and_then(|h| self.dev_info(h)) {
                        Ok(info) => info,
                        Err(UkeyError::KeyRemoved { .. }) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            };
            keys.push(self.key_info(&name, &info));
        }
        Ok(keys)
    }

    fn certificates(&mut self, key: &str) -> Result<Vec<CertInfo>, UkeyError> {
        let happ = self.happ(key)?;
        let f = self.api.enum_container;
        // SAFETY: as in two_call.
        let list = two_call("SKF_EnumContainer", MAX_LIST, |buf, len| unsafe {
            f(happ, buf.cast(), len)
        });
        let list = self.removed_check(key, list)?;
        let mut certs = Vec::new();
        for container in parse_multi_string(&list) {
            let found = self.with_container(key, &container, |api, hcon| {
                let mut ctype = 0u32;
                // SAFETY: valid handle and out pointer.
                let rc = unsafe { (api.get_container_type)(hcon, &mut ctype) };
                if rc != SAR_OK {
                    return Err(sar_error("SKF_GetContainerType", rc));
                }
                let mut ders = Vec::new();
                for sign in [true, false] {
                    let export = api.export_certificate;
                    // SAFETY: as in two_call.
                    let der = two_call("SKF_ExportCertificate", MAX_CERT, |buf, len| unsafe {
                        export(hcon, i32::from(sign), buf, len)
                    });
                    match der {
                        Ok(der) if !der.is_empty() => ders.push((sign, der)),
                        Ok(_) => {}
                        Err(e @ UkeyError::KeyRemoved { .. }) => return Err(e),
                        // No certificate in this slot (vendors use various codes).
                        Err(_) => {}
                    }
                }
                Ok((ctype, ders))
            })?;
            let (ctype, ders) = found;
            for (sign, der) in ders {
                let parsed = parse_certificate(&der)?;
                let default_usage = if sign {
                    CertUsage::UNRESTRICTED_SIGNATURE
                } else {
                    CertUsage {
                        authentication: false,
                        signing: false,
                        encryption: true,
                    }
                };
                let mut usage = parsed.key_usage.unwrap_or(default_usage);
                if !sign {
                    // The exchange key pair never signs through SKF_ECCSignData.
                    usage.authentication = false;
                    usage.signing = false;
                }
                certs.push(CertInfo {
                    id: format!("{container}#{}", if sign { "sign" } else { "exchange" }),
                    der,
                    subject: parsed.subject,
                    subject_cn: parsed.subject_cn,
                    issuer: parsed.issuer,
                    serial: parsed.serial,
                    not_before: parsed.not_before,
                    not_after: parsed.not_after,
                    usage,
                    can_sign: sign
                        && ctype == CONTAINER_TYPE_ECC
                        && parsed.algorithm == KeyAlgorithm::Sm2,
                    algorithm: parsed.algorithm,
                });
            }
        }
        Ok(certs)
    }

    fn pin_info(&mut self, key: &str) -> Result<PinInfo, UkeyError> {
        let happ = self.happ(key)?;
        let (mut max, mut remain, mut default) = (0u32, 0u32, 0i32);
        // SAFETY: valid handle and out pointers.
        let rc = unsafe {
            (self.api.get_pin_info)(
                happ,
                self.table.user_pin_type,
                &mut max,
                &mut remain,
                &mut default,
            )
        };
        if rc != SAR_OK {
            return self.removed_check(key, Err(sar_error("SKF_GetPINInfo", rc)));
        }
        Ok(PinInfo {
            max_retries: Some(max),
            retries_left: Some(remain),
            locked: remain == 0,
            count_low: remain < max,
            default_pin: Some(default != 0),
        })
    }

    fn login(&mut self, key: &str, pin: &str) -> Result<(), UkeyError> {
        let cpin = CString::new(pin).map_err(|_| UkeyError::PinInvalid {
            code: "PIN contains NUL".into(),
        })?;
        let happ = self.happ(key)?;
        let mut retry = 0u32;
        // SAFETY: valid handle, C string and out pointer.
        let rc = unsafe {
            (self.api.verify_pin)(happ, self.table.user_pin_type, cpin.as_ptr(), &mut retry)
        };
        match rc {
            SAR_OK => Ok(()),
            SAR_PIN_INCORRECT if retry == 0 => Err(UkeyError::PinLocked { code: sar_name(rc) }),
            SAR_PIN_INCORRECT => Err(UkeyError::PinIncorrect {
                retries_left: Some(retry),
                code: sar_name(rc),
            }),
            _ => self.removed_check(key, Err(sar_error("SKF_VerifyPIN", rc))),
        }
    }

    fn change_pin(&mut self, key: &str, old: &str, new: &str) -> Result<(), UkeyError> {
        let nul = || UkeyError::PinInvalid {
            code: "PIN contains NUL".into(),
        };
        let (cold, cnew) = (
            CString::new(old).map_err(|_| nul())?,
            CString::new(new).map_err(|_| nul())?,
        );
        let Some(change) = self.api.change_pin else {
            return Err(UkeyError::Library {
                function: "SKF_ChangePIN".into(),
                code: "not exported by the library".into(),
            });
        };
        let happ = self.happ(key)?;
        let mut retry = 0u32;
        // SAFETY: valid handle, C strings and out pointer.
        let rc = unsafe {
            change(
                happ,
                self.table.user_pin_type,
                cold.as_ptr(),
                cnew.as_ptr(),
                &mut retry,
            )
        };
        match rc {
            SAR_OK => Ok(()),
            SAR_PIN_INCORRECT if retry == 0 => Err(UkeyError::PinLocked { code: sar_name(rc) }),
            SAR_PIN_INCORRECT => Err(UkeyError::PinIncorrect {
                retries_left: Some(retry),
                code: sar_name(rc),
            }),
            _ => self.removed_check(key, Err(sar_error("SKF_ChangePIN", rc))),
        }
    }

    fn logout(&mut self, key: &str) -> Result<(), UkeyError> {
        let Some(happ) = self.devices.get(key).and_then(|d| d.app) else {
            return Ok(());
        };
        if let Some(clear) = self.api.clear_secure_state {
            // SAFETY: the open application handle.
            let rc = unsafe { clear(happ) };
            if rc != SAR_OK && rc != SAR_DEVICE_REMOVED && rc != SAR_INVALIDHANDLEERR {
                return Err(sar_error("SKF_ClearSecureState", rc));
            }
        } else if let Some(dev) = self.devices.get_mut(key) {
            // Closing the application drops its secure state too.
            dev.app = None;
            // SAFETY: the open application handle.
            unsafe { (self.api.close_application)(happ) };
        }
        Ok(())
    }

    fn sign(&mut self, key: &str, cert: &str, message: &[u8]) -> Result<Signature, UkeyError> {
        let Some((container, true)) = split_cert_id(cert) else {
            return Err(UkeyError::CertificateNotFound { id: cert.into() });
        };
        let hdev = self.hdev(key)?;
        let (pubkey, ctype) = self.with_container(key, container, |api, hcon| {
            let mut ctype = 0u32;
            // SAFETY: valid handle and out pointer.
            let rc = unsafe { (api.get_container_type)(hcon, &mut ctype) };
            if rc != SAR_OK {
                return Err(sar_error("SKF_GetContainerType", rc));
            }
            let mut blob = [0u8; ECC_PUBLIC_KEY_BLOB_LEN];
            let mut len = blob.len() as u32;
            // SAFETY: buffer of `len` bytes.
            let rc = unsafe { (api.export_public_key)(hcon, 1, blob.as_mut_ptr(), &mut len) };
            if rc != SAR_OK {
                return Err(sar_error("SKF_ExportPublicKey", rc));
            }
            Ok((blob, ctype))
        })?;
        if ctype != CONTAINER_TYPE_ECC {
            return Err(UkeyError::UnsupportedAlgorithm {
                detail: format!("SKF container type {ctype} (only ECC/SM2 containers sign)"),
            });
        }
        let (x, y) = ecc_public_key_from_blob(&pubkey).ok_or_else(|| UkeyError::BadData {
            detail: "SKF_ExportPublicKey: not a 256-bit ECCPUBLICKEYBLOB".into(),
        })?;
        let e = self.sm2_digest(hdev, &pubkey, &x, &y, message);
        let e = self.removed_check(key, e)?;
        let der = self.with_container(key, container, |api, hcon| {
            let mut blob = [0u8; ECC_SIGNATURE_BLOB_LEN];
            // SAFETY: 32-byte digest in, full ECCSIGNATUREBLOB out.
            let rc = unsafe { (api.ecc_sign_data)(hcon, e.as_ptr(), 32, blob.as_mut_ptr()) };
            match rc {
                SAR_OK => Ok(der_from_ecc_signature_blob(&blob)),
                SAR_USER_NOT_LOGGED_IN | SAR_DEVICE_REMOVED | SAR_INVALIDHANDLEERR => {
                    Err(sar_error("SKF_ECCSignData", rc))
                }
                _ => Err(UkeyError::SignFailed {
                    function: "SKF_ECCSignData".into(),
                    code: sar_name(rc),
                }),
            }
        })?;
        Ok(Signature {
            algorithm: SignatureAlgorithm::Sm2Sm3,
            bytes: der,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_tables_and_overrides() {
        assert_eq!(SkfAlgTable::for_vendor(None).unwrap().sm2_sign, 0x0002_0100);
        assert_eq!(
            SkfAlgTable::for_vendor(Some("GMT0006")).unwrap().sm2_sign,
            0x0002_0200
        );
        assert!(matches!(
            SkfAlgTable::for_vendor(Some("acme")),
            Err(UkeyError::Config { .. })
        ));
        let t = SkfAlgTable::VENDOR_HEADERS.with_overrides(&SkfOverrides {
            user_pin_type: Some(0),
            ..Default::default()
        });
        assert_eq!(t.user_pin_type, 0);
        assert_eq!(t.sm3, 1);
    }

    #[test]
    fn sar_codes_are_named_and_classified() {
        assert!(sar_name(SAR_PIN_LOCKED).starts_with("SAR_PIN_LOCKED"));
        assert_eq!(sar_name(0x1234), "0x00001234");
        assert!(matches!(
            sar_error("SKF_X", SAR_DEVICE_REMOVED),
            UkeyError::KeyRemoved { .. }
        ));
        assert!(matches!(
            sar_error("SKF_X", SAR_PIN_LOCKED),
            UkeyError::PinLocked { .. }
        ));
    }

    #[test]
    fn cert_ids() {
        assert_eq!(split_cert_id("c1#sign"), Some(("c1", true)));
        assert_eq!(split_cert_id("a#b#exchange"), Some(("a#b", false)));
        assert_eq!(split_cert_id("c1"), None);
    }
}
