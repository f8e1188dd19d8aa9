//! The SKF library's C functions, resolved once at load time ([`Api`]), and the
//! size-query-then-fill call pattern ([`two_call`]) every list and blob read uses.

use std::ffi::{c_char, c_void};
use std::path::Path;

use libloading::Library;

use super::sar::{sar_error, SAR_OK};
use crate::ukey::UkeyError;

pub(super) type Handle = *mut c_void;
type EnumFn = unsafe extern "system" fn(i32, *mut c_char, *mut u32) -> u32;
type ConnectFn = unsafe extern "system" fn(*const c_char, *mut Handle) -> u32;
type CloseFn = unsafe extern "system" fn(Handle) -> u32;
type GetDevInfoFn = unsafe extern "system" fn(Handle, *mut u8) -> u32;
type EnumInFn = unsafe extern "system" fn(Handle, *mut c_char, *mut u32) -> u32;
type OpenInFn = unsafe extern "system" fn(Handle, *const c_char, *mut Handle) -> u32;
type GetPinInfoFn = unsafe extern "system" fn(Handle, u32, *mut u32, *mut u32, *mut i32) -> u32;
type VerifyPinFn = unsafe extern "system" fn(Handle, u32, *const c_char, *mut u32) -> u32;
type ChangePinFn =
    unsafe extern "system" fn(Handle, u32, *const c_char, *const c_char, *mut u32) -> u32;
type GetContainerTypeFn = unsafe extern "system" fn(Handle, *mut u32) -> u32;
type ExportFn = unsafe extern "system" fn(Handle, i32, *mut u8, *mut u32) -> u32;
type DigestInitFn =
    unsafe extern "system" fn(Handle, u32, *const u8, *const u8, u32, *mut Handle) -> u32;
type DigestFn = unsafe extern "system" fn(Handle, *const u8, u32, *mut u8, *mut u32) -> u32;
type EccSignFn = unsafe extern "system" fn(Handle, *const u8, u32, *mut u8) -> u32;

/// The resolved functions; `lib` keeps them loaded.
pub(super) struct Api {
    pub(super) enum_dev: EnumFn,
    pub(super) connect_dev: ConnectFn,
    pub(super) disconnect_dev: CloseFn,
    pub(super) get_dev_info: GetDevInfoFn,
    pub(super) enum_application: EnumInFn,
    pub(super) open_application: OpenInFn,
    pub(super) close_application: CloseFn,
    pub(super) get_pin_info: GetPinInfoFn,
    pub(super) verify_pin: VerifyPinFn,
    /// Optional so a library without it still logs in; changing the PIN then says so.
    pub(super) change_pin: Option<ChangePinFn>,
    pub(super) clear_secure_state: Option<CloseFn>,
    pub(super) enum_container: EnumInFn,
    pub(super) open_container: OpenInFn,
    pub(super) close_container: CloseFn,
    pub(super) get_container_type: GetContainerTypeFn,
    pub(super) export_certificate: ExportFn,
    pub(super) export_public_key: ExportFn,
    pub(super) digest_init: Option<DigestInitFn>,
    pub(super) digest: Option<DigestFn>,
    pub(super) close_handle: Option<CloseFn>,
    pub(super) ecc_sign_data: EccSignFn,
    pub(super) _lib: Library,
}

impl Api {
    pub(super) fn load(path: &Path) -> Result<Api, UkeyError> {
        let err = |detail: String| UkeyError::ModuleLoad {
            path: path.display().to_string(),
            detail,
        };
        if !path.exists() {
            return Err(err("file does not exist".into()));
        }
        // SAFETY: loading a library runs its initializers; the configured SKF library is
        // trusted code by the deployment's choice, as with any driver.
        let lib = unsafe { Library::new(path) }.map_err(|e| err(e.to_string()))?;
        macro_rules! req {
            ($name:literal) => {
                // SAFETY: the symbol is declared by GM/T 0016 with this signature.
                *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                    .map_err(|e| err(format!("missing {}: {e}", $name)))?
            };
        }
        macro_rules! opt {
            ($name:literal) => {
                // SAFETY: as above; optional functions some vendors leave out.
                unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                    .ok()
                    .map(|s| *s)
            };
        }
        Ok(Api {
            enum_dev: req!("SKF_EnumDev"),
            connect_dev: req!("SKF_ConnectDev"),
            disconnect_dev: req!("SKF_DisConnectDev"),
            get_dev_info: req!("SKF_GetDevInfo"),
            enum_application: req!("SKF_EnumApplication"),
            open_application: req!("SKF_OpenApplication"),
            close_application: req!("SKF_CloseApplication"),
            get_pin_info: req!("SKF_GetPINInfo"),
            verify_pin: req!("SKF_VerifyPIN"),
            change_pin: opt!("SKF_ChangePIN"),
            clear_secure_state: opt!("SKF_ClearSecureState"),
            enum_container: req!("SKF_EnumContainer"),
            open_container: req!("SKF_OpenContainer"),
            close_container: req!("SKF_CloseContainer"),
            get_container_type: req!("SKF_GetContainerType"),
            export_certificate: req!("SKF_ExportCertificate"),
            export_public_key: req!("SKF_ExportPublicKey"),
            digest_init: opt!("SKF_DigestInit"),
            digest: opt!("SKF_Digest"),
            close_handle: opt!("SKF_CloseHandle"),
            ecc_sign_data: req!("SKF_ECCSignData"),
            _lib: lib,
        })
    }
}

/// Largest name list / certificate we accept from a library.
pub(super) const MAX_LIST: u32 = 64 * 1024;
pub(super) const MAX_CERT: u32 = 64 * 1024;
/// `DEVINFO` is 294 bytes packed; room for vendors that pad or extend it.
pub(super) const DEVINFO_BUF: usize = 1024;

/// The size-query-then-fill pattern of SKF: `call(null, &len)` then `call(buf, &len)`.
/// Returns the bytes the library reports, never more than the buffer.
pub(super) fn two_call(
    function: &str,
    max: u32,
    mut call: impl FnMut(*mut u8, *mut u32) -> u32,
) -> Result<Vec<u8>, UkeyError> {
    let mut len: u32 = 0;
    let rc = call(std::ptr::null_mut(), &mut len);
    if rc != SAR_OK {
        return Err(sar_error(function, rc));
    }
    if len == 0 {
        return Ok(Vec::new());
    }
    if len > max {
        return Err(UkeyError::BadData {
            detail: format!("{function} reports {len} bytes (limit {max})"),
        });
    }
    // One spare NUL so a list missing its terminator still ends.
    let mut buf = vec![0u8; len as usize + 2];
    let mut got = len;
    let rc = call(buf.as_mut_ptr(), &mut got);
    if rc != SAR_OK {
        return Err(sar_error(function, rc));
    }
    buf.truncate((got as usize).min(len as usize));
    Ok(buf)
}
