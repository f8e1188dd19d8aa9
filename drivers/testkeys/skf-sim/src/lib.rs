//! A test SKF (GM/T 0016-2012) library: the exports a vendor's `libskf.so` has, over
//! simulated keys, each kept in its own state file ([`state`]; `SKF_EnumDev` lists every
//! plugged-in one, `SKF_ConnectDev` opens one by device name). Real SM2 (RustCrypto `sm2`, `sm3`): the key
//! computes `Z` in `SKF_DigestInit` from the public key and user ID, and signs the digest in
//! `SKF_ECCSignData`. The user PIN has a retry counter that locks at zero; the device can be
//! removed and inserted by editing the state file.
//!
//! Conventions follow the vendor headers: `ULONG` = u32, `BOOL` = i32, handles are opaque
//! pointers, `extern "system"`, size-query-then-fill for names and certificates, `DEVINFO`
//! packed, `USER_TYPE` = 1, `SGD_SM3` = 1, `SGD_SM2_1` = 0x00020100.

// The contract of every exported function is GM/T 0016's (valid pointers of the sizes the
// standard gives); the caller is C code or the driver's FFI.
#![allow(clippy::missing_safety_doc)]

pub mod state;

use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CStr};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use sm2::dsa::signature::hazmat::RandomizedPrehashSigner;
use sm2::dsa::SigningKey;
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm3::{Digest, Sm3};

use state::{state_paths, SimState};

pub const SAR_OK: u32 = 0;
pub const SAR_FAIL: u32 = 0x0A00_0001;
pub const SAR_NOTSUPPORTYETERR: u32 = 0x0A00_0003;
pub const SAR_FILEERR: u32 = 0x0A00_0004;
pub const SAR_INVALIDHANDLEERR: u32 = 0x0A00_0005;
pub const SAR_INVALIDPARAMERR: u32 = 0x0A00_0006;
pub const SAR_INDATALENERR: u32 = 0x0A00_0010;
pub const SAR_CERTNOTFOUNTERR: u32 = 0x0A00_001C;
pub const SAR_BUFFER_TOO_SMALL: u32 = 0x0A00_0020;
pub const SAR_DEVICE_REMOVED: u32 = 0x0A00_0023;
pub const SAR_PIN_INCORRECT: u32 = 0x0A00_0024;
pub const SAR_PIN_LOCKED: u32 = 0x0A00_0025;
pub const SAR_PIN_LEN_RANGE: u32 = 0x0A00_0027;
pub const SAR_USER_TYPE_INVALID: u32 = 0x0A00_002A;
pub const SAR_USER_NOT_LOGGED_IN: u32 = 0x0A00_002D;
pub const SAR_APPLICATION_NOT_EXISTS: u32 = 0x0A00_002E;

pub const USER_TYPE: u32 = 1;
pub const SGD_SM3: u32 = 0x0000_0001;
pub const SGD_SM2_1: u32 = 0x0002_0100;
pub const SGD_SM2_3: u32 = 0x0002_0400;
pub const SGD_SM4_ECB: u32 = 0x0000_0401;
/// The default SM2 user ID of GM/T 0009.
pub const DEFAULT_ID: &[u8] = b"1234567812345678";
/// `DEVINFO` size, packed.
pub const DEVINFO_LEN: usize = 294;

type Handle = *mut c_void;

enum Obj {
    /// A connected device: its state file and the insertion it was connected in.
    Dev {
        path: PathBuf,
        generation: u64,
    },
    App {
        dev: usize,
        logged_in: bool,
    },
    Container {
        app: usize,
    },
    Hash {
        dev: usize,
        z: Option<[u8; 32]>,
    },
}

struct Handles {
    next: usize,
    objs: BTreeMap<usize, Obj>,
}

static HANDLES: Mutex<Handles> = Mutex::new(Handles {
    next: 0x1000,
    objs: BTreeMap::new(),
});

fn handles() -> MutexGuard<'static, Handles> {
    HANDLES.lock().unwrap_or_else(|p| p.into_inner())
}

impl Handles {
    fn add(&mut self, obj: Obj) -> Handle {
        self.next += 0x10;
        self.objs.insert(self.next, obj);
        self.next as Handle
    }
}

/// The device `handle` (a device, application, container or hash handle) belongs to: its
/// state file and the generation it was connected in.
fn device(h: &Handles, handle: Handle) -> Result<(PathBuf, u64), u32> {
    let mut cur = handle as usize;
    loop {
        match h.objs.get(&cur) {
            None => return Err(SAR_INVALIDHANDLEERR),
            Some(Obj::Dev { path, generation }) => return Ok((path.clone(), *generation)),
            Some(Obj::App { dev, .. }) | Some(Obj::Hash { dev, .. }) => cur = *dev,
            Some(Obj::Container { app }) => cur = *app,
        }
    }
}

/// Whether `st` is still the device connected in `generation` (plugged in, not re-inserted).
fn live(st: &SimState, generation: u64) -> Result<(), u32> {
    if st.present && st.generation == generation {
        Ok(())
    } else {
        Err(SAR_DEVICE_REMOVED)
    }
}

/// The state of the device behind `handle`, checked to be still the one plugged in.
fn state_of(h: &Handles, handle: Handle) -> Result<SimState, u32> {
    let (path, generation) = device(h, handle)?;
    let st = SimState::load(&path).map_err(|_| SAR_FILEERR)?;
    live(&st, generation)?;
    Ok(st)
}

/// The application a container or application handle belongs to.
fn app_of(h: &Handles, handle: Handle) -> Option<usize> {
    match h.objs.get(&(handle as usize))? {
        Obj::App { .. } => Some(handle as usize),
        Obj::Container { app } => Some(*app),
        _ => None,
    }
}

fn status(r: Result<(), u32>) -> u32 {
    match r {
        Ok(()) => SAR_OK,
        Err(code) => code,
    }
}

/// Size query or copy, as the SKF export and enumeration functions do.
unsafe fn fill(data: &[u8], buf: *mut u8, len: *mut u32) -> Result<(), u32> {
    if len.is_null() {
        return Err(SAR_INVALIDPARAMERR);
    }
    let need = u32::try_from(data.len()).map_err(|_| SAR_FAIL)?;
    if buf.is_null() {
        *len = need;
        return Ok(());
    }
    if *len < need {
        *len = need;
        return Err(SAR_BUFFER_TOO_SMALL);
    }
    std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
    *len = need;
    Ok(())
}

fn multi_string(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names {
        out.extend_from_slice(n.as_bytes());
        out.push(0);
    }
    out.push(0);
    out
}

unsafe fn c_str<'a>(p: *const c_char) -> Result<&'a str, u32> {
    if p.is_null() {
        return Err(SAR_INVALIDPARAMERR);
    }
    CStr::from_ptr(p).to_str().map_err(|_| SAR_INVALIDPARAMERR)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn signing_key(st: &SimState) -> Result<SigningKey, u32> {
    let bytes = unhex(&st.sign_key).ok_or(SAR_FAIL)?;
    let id = std::str::from_utf8(DEFAULT_ID).map_err(|_| SAR_FAIL)?;
    SigningKey::from_slice(id, &bytes).map_err(|_| SAR_FAIL)
}

/// `(x, y)` of the signing key's public point.
pub fn public_xy(key: &SigningKey) -> Option<([u8; 32], [u8; 32])> {
    let point = key.verifying_key().as_affine().to_encoded_point(false);
    Some((
        point.x()?.as_slice().try_into().ok()?,
        point.y()?.as_slice().try_into().ok()?,
    ))
}

/// `Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA)`, computed "on the device".
fn sm2_z(id: &[u8], x: &[u8], y: &[u8]) -> Option<[u8; 32]> {
    const A: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
    const B: &str = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
    const GX: &str = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
    const GY: &str = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";
    let entl = u16::try_from(id.len().checked_mul(8)?).ok()?;
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(id);
    for c in [A, B, GX, GY] {
        h.update(unhex(c)?);
    }
    h.update(x);
    h.update(y);
    Some(h.finalize().into())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_EnumDev(_present: i32, list: *mut c_char, size: *mut u32) -> u32 {
    // Every plugged-in device whose state file reads; an unreadable one is absent.
    let states: Vec<SimState> = state_paths()
        .iter()
        .filter_map(|p| SimState::load(p).ok())
        .filter(|st| st.present)
        .collect();
    let names: Vec<&str> = states.iter().map(|st| st.device_name.as_str()).collect();
    let list_bytes = if names.is_empty() {
        Vec::new()
    } else {
        multi_string(&names)
    };
    status(fill(&list_bytes, list.cast(), size))
}

#[no_mangle]
pub unsafe extern "system" fn SKF_ConnectDev(name: *const c_char, dev: *mut Handle) -> u32 {
    status((|| {
        let name = c_str(name)?;
        if dev.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        let paths = state_paths();
        if paths.is_empty() {
            return Err(SAR_FILEERR);
        }
        let (path, st) = paths
            .into_iter()
            .filter_map(|p| SimState::load(&p).ok().map(|st| (p, st)))
            .find(|(_, st)| st.present && st.device_name == name)
            .ok_or(SAR_DEVICE_REMOVED)?;
        *dev = handles().add(Obj::Dev {
            path,
            generation: st.generation,
        });
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_DisConnectDev(dev: Handle) -> u32 {
    match handles().objs.remove(&(dev as usize)) {
        Some(_) => SAR_OK,
        None => SAR_INVALIDHANDLEERR,
    }
}

#[no_mangle]
pub unsafe extern "system" fn SKF_GetDevInfo(dev: Handle, info: *mut u8) -> u32 {
    status((|| {
        let st = state_of(&handles(), dev)?;
        if info.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        let mut d = [0u8; DEVINFO_LEN];
        d[0] = 1;
        let mut put = |off: usize, size: usize, text: &str| {
            let b = text.as_bytes();
            let n = b.len().min(size - 1);
            d[off..off + n].copy_from_slice(&b[..n]);
        };
        put(2, 64, &st.manufacturer);
        put(66, 64, &st.issuer);
        put(130, 32, &st.label);
        put(162, 32, &st.serial);
        d[194] = 1;
        d[196] = 1;
        let caps = [
            SGD_SM4_ECB,
            SGD_SM2_1 | SGD_SM2_3,
            SGD_SM3,
            SGD_SM4_ECB,
            64 * 1024,
            32 * 1024,
            256,
            1024,
        ];
        for (i, v) in caps.iter().enumerate() {
            d[198 + 4 * i..202 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        std::ptr::copy_nonoverlapping(d.as_ptr(), info, DEVINFO_LEN);
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_EnumApplication(
    dev: Handle,
    list: *mut c_char,
    size: *mut u32,
) -> u32 {
    status((|| {
        let st = state_of(&handles(), dev)?;
        fill(&multi_string(&[st.application.as_str()]), list.cast(), size)
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_OpenApplication(
    dev: Handle,
    name: *const c_char,
    app: *mut Handle,
) -> u32 {
    status((|| {
        let name = c_str(name)?;
        let mut h = handles();
        let st = state_of(&h, dev)?;
        if name != st.application {
            return Err(SAR_APPLICATION_NOT_EXISTS);
        }
        if app.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        *app = h.add(Obj::App {
            dev: dev as usize,
            logged_in: false,
        });
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_CloseApplication(app: Handle) -> u32 {
    match handles().objs.remove(&(app as usize)) {
        Some(_) => SAR_OK,
        None => SAR_INVALIDHANDLEERR,
    }
}

#[no_mangle]
pub unsafe extern "system" fn SKF_GetPINInfo(
    app: Handle,
    pin_type: u32,
    max: *mut u32,
    remain: *mut u32,
    default_pin: *mut i32,
) -> u32 {
    status((|| {
        let st = state_of(&handles(), app)?;
        if max.is_null() || remain.is_null() || default_pin.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        if pin_type != USER_TYPE {
            return Err(SAR_USER_TYPE_INVALID);
        }
        *max = st.max_retries;
        *remain = st.retries_left;
        *default_pin = i32::from(st.default_pin);
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_VerifyPIN(
    app: Handle,
    pin_type: u32,
    pin: *const c_char,
    retry: *mut u32,
) -> u32 {
    status((|| {
        let pin = c_str(pin)?;
        if retry.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        if pin_type != USER_TYPE {
            return Err(SAR_USER_TYPE_INVALID);
        }
        if !(6..=16).contains(&pin.len()) {
            return Err(SAR_PIN_LEN_RANGE);
        }
        let (path, generation) = device(&handles(), app)?;
        enum Outcome {
            Verified(u32),
            Refused(u32, u32),
            Bad(u32),
        }
        let outcome = SimState::update(&path, |st| {
            if let Err(code) = live(st, generation) {
                return (Outcome::Bad(code), false);
            }
            if st.retries_left == 0 {
                return (Outcome::Refused(SAR_PIN_LOCKED, 0), false);
            }
            if pin == st.user_pin {
                st.retries_left = st.max_retries;
                (Outcome::Verified(st.max_retries), true)
            } else {
                st.retries_left -= 1;
                (Outcome::Refused(SAR_PIN_INCORRECT, st.retries_left), true)
            }
        })
        .map_err(|_| SAR_FILEERR)?;
        match outcome {
            Outcome::Verified(left) => {
                *retry = left;
                if let Some(Obj::App { logged_in, .. }) = handles().objs.get_mut(&(app as usize)) {
                    *logged_in = true;
                }
                Ok(())
            }
            Outcome::Refused(code, left) => {
                *retry = left;
                Err(code)
            }
            Outcome::Bad(code) => Err(code),
        }
    })())
}

/// GM/T 0016 `SKF_ChangePIN`: the old PIN counts as a try like `SKF_VerifyPIN`; the new
/// one (6–16 characters) replaces it, persisted in the state file, and the PIN is no longer
/// the default one.
#[no_mangle]
pub unsafe extern "system" fn SKF_ChangePIN(
    app: Handle,
    pin_type: u32,
    old: *const c_char,
    new: *const c_char,
    retry: *mut u32,
) -> u32 {
    status((|| {
        let (old, new) = (c_str(old)?, c_str(new)?);
        if retry.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        if pin_type != USER_TYPE {
            return Err(SAR_USER_TYPE_INVALID);
        }
        if !(6..=16).contains(&old.len()) || !(6..=16).contains(&new.len()) {
            return Err(SAR_PIN_LEN_RANGE);
        }
        let (path, generation) = device(&handles(), app)?;
        let outcome = SimState::update(&path, |st| {
            if let Err(code) = live(st, generation) {
                return (Err((code, 0)), false);
            }
            if st.retries_left == 0 {
                return (Err((SAR_PIN_LOCKED, 0)), false);
            }
            if old == st.user_pin {
                st.user_pin = new.to_owned();
                st.default_pin = false;
                st.retries_left = st.max_retries;
                (Ok(st.max_retries), true)
            } else {
                st.retries_left -= 1;
                (Err((SAR_PIN_INCORRECT, st.retries_left)), true)
            }
        })
        .map_err(|_| SAR_FILEERR)?;
        match outcome {
            Ok(left) => {
                *retry = left;
                Ok(())
            }
            Err((code, left)) => {
                *retry = left;
                Err(code)
            }
        }
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_ClearSecureState(app: Handle) -> u32 {
    match handles().objs.get_mut(&(app as usize)) {
        Some(Obj::App { logged_in, .. }) => {
            *logged_in = false;
            SAR_OK
        }
        _ => SAR_INVALIDHANDLEERR,
    }
}

#[no_mangle]
pub unsafe extern "system" fn SKF_EnumContainer(
    app: Handle,
    list: *mut c_char,
    size: *mut u32,
) -> u32 {
    status((|| {
        let st = state_of(&handles(), app)?;
        fill(&multi_string(&[st.container.as_str()]), list.cast(), size)
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_OpenContainer(
    app: Handle,
    name: *const c_char,
    con: *mut Handle,
) -> u32 {
    status((|| {
        let name = c_str(name)?;
        let mut h = handles();
        let st = state_of(&h, app)?;
        if name != st.container || con.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        *con = h.add(Obj::Container { app: app as usize });
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_CloseContainer(con: Handle) -> u32 {
    match handles().objs.remove(&(con as usize)) {
        Some(_) => SAR_OK,
        None => SAR_INVALIDHANDLEERR,
    }
}

#[no_mangle]
pub unsafe extern "system" fn SKF_GetContainerType(con: Handle, ctype: *mut u32) -> u32 {
    status((|| {
        state_of(&handles(), con)?;
        if ctype.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        *ctype = 2;
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_ExportCertificate(
    con: Handle,
    sign: i32,
    cert: *mut u8,
    len: *mut u32,
) -> u32 {
    status((|| {
        let st = state_of(&handles(), con)?;
        let hex_der = if sign != 0 {
            Some(&st.sign_cert)
        } else {
            st.exchange_cert.as_ref()
        };
        let der = hex_der.and_then(|h| unhex(h)).ok_or(SAR_CERTNOTFOUNTERR)?;
        fill(&der, cert, len)
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_ExportPublicKey(
    con: Handle,
    sign: i32,
    blob: *mut u8,
    len: *mut u32,
) -> u32 {
    status((|| {
        let st = state_of(&handles(), con)?;
        if sign == 0 {
            // No exchange key pair in this container.
            return Err(0x0A00_001B);
        }
        let (x, y) = public_xy(&signing_key(&st)?).ok_or(SAR_FAIL)?;
        let mut b = [0u8; 132];
        b[..4].copy_from_slice(&256u32.to_le_bytes());
        b[36..68].copy_from_slice(&x);
        b[100..132].copy_from_slice(&y);
        fill(&b, blob, len)
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_DigestInit(
    dev: Handle,
    alg: u32,
    pubkey: *const u8,
    id: *const u8,
    id_len: u32,
    hash: *mut Handle,
) -> u32 {
    status((|| {
        let mut h = handles();
        state_of(&h, dev)?;
        if !matches!(h.objs.get(&(dev as usize)), Some(Obj::Dev { .. })) {
            return Err(SAR_INVALIDHANDLEERR);
        }
        if alg != SGD_SM3 {
            return Err(SAR_NOTSUPPORTYETERR);
        }
        if hash.is_null() {
            return Err(SAR_INVALIDPARAMERR);
        }
        let z = if pubkey.is_null() || id.is_null() || id_len == 0 {
            None
        } else {
            let blob = std::slice::from_raw_parts(pubkey, 132);
            let idb = std::slice::from_raw_parts(id, id_len as usize);
            if u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) != 256 {
                return Err(SAR_INVALIDPARAMERR);
            }
            Some(sm2_z(idb, &blob[36..68], &blob[100..132]).ok_or(SAR_INVALIDPARAMERR)?)
        };
        *hash = h.add(Obj::Hash {
            dev: dev as usize,
            z,
        });
        Ok(())
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_Digest(
    hash: Handle,
    data: *const u8,
    len: u32,
    out: *mut u8,
    out_len: *mut u32,
) -> u32 {
    status((|| {
        let h = handles();
        state_of(&h, hash)?;
        let Some(Obj::Hash { z, .. }) = h.objs.get(&(hash as usize)) else {
            return Err(SAR_INVALIDHANDLEERR);
        };
        if data.is_null() && len != 0 {
            return Err(SAR_INVALIDPARAMERR);
        }
        let msg = if len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(data, len as usize)
        };
        let mut sm3 = Sm3::new();
        if let Some(z) = z {
            sm3.update(z);
        }
        sm3.update(msg);
        let digest: [u8; 32] = sm3.finalize().into();
        fill(&digest, out, out_len)
    })())
}

#[no_mangle]
pub unsafe extern "system" fn SKF_CloseHandle(handle: Handle) -> u32 {
    match handles().objs.remove(&(handle as usize)) {
        Some(_) => SAR_OK,
        None => SAR_INVALIDHANDLEERR,
    }
}

#[no_mangle]
pub unsafe extern "system" fn SKF_ECCSignData(
    con: Handle,
    data: *const u8,
    len: u32,
    sig: *mut u8,
) -> u32 {
    status((|| {
        let st;
        {
            let h = handles();
            st = state_of(&h, con)?;
            let app = app_of(&h, con).ok_or(SAR_INVALIDHANDLEERR)?;
            if !matches!(
                h.objs.get(&app),
                Some(Obj::App {
                    logged_in: true,
                    ..
                })
            ) {
                return Err(SAR_USER_NOT_LOGGED_IN);
            }
        }
        if len != 32 || data.is_null() || sig.is_null() {
            return Err(SAR_INDATALENERR);
        }
        let digest = std::slice::from_raw_parts(data, 32);
        let key = signing_key(&st)?;
        let signature = key
            .sign_prehash_with_rng(&mut rand_core::OsRng, digest)
            .map_err(|_| SAR_FAIL)?;
        let mut blob = [0u8; 128];
        blob[32..64].copy_from_slice(&signature.r_bytes());
        blob[96..128].copy_from_slice(&signature.s_bytes());
        std::ptr::copy_nonoverlapping(blob.as_ptr(), sig, 128);
        Ok(())
    })())
}
