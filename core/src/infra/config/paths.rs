//! Where the workstation's configuration and data live (issue 19 item 3).
//!
//! The configuration describes the machine (hall, window, device ports), so an installed
//! workstation reads it from the machine-wide file that IT or the installer writes:
//!
//! 1. `$YICHUANG_CONFIG`, when set (tests, `make run`, a second config for one machine);
//! 2. the machine file: `/etc/yichuang/workstation.toml` on Linux,
//!    `%ProgramData%\yichuang\workstation.toml` on Windows;
//! 3. the per-user file of earlier releases and developer machines
//!    (`~/.config/cn.yichuang.workstation/workstation.toml`), only when the machine file is
//!    absent;
//! 4. none: the machine path is reported (that is where IT should put it) and the app starts
//!    with defaults.
//!
//! Data (store, logs, keys): `$YICHUANG_DATA_DIR` when set; else, on an installed machine (the
//! package or installer created the machine data root `/var/lib/yichuang`, or
//! `%ProgramData%\yichuang\data`), a directory per OS account inside it; else the per-user data
//! folder as before (`~/.local/share/cn.yichuang.workstation`).
//!
//! Why one directory per OS account, not one shared group directory: the store's data key and
//! the workstation key live in the OS account's own keystore (Secret Service / Credential
//! Manager), so a store shared by several accounts could not be opened by the others anyway,
//! and a shared key file readable by a group would give every clerk account the key of every
//! other's data. On Linux the root is `root:yichuang 1770` (made by the package): only accounts
//! in the `yichuang` group may create their directory, the sticky bit keeps them from removing
//! or renaming each other's, and others cannot even list it. Each account's directory is
//! created `0700` and checked on every start (owned by the account, no group or other bits; a
//! directory someone else made under that name is refused rather than used). The process
//! umask is narrowed to `077` so files inside (store, logs, exports) are `0600`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Same identifier as `tauri.conf.json`: the per-user folders of earlier releases.
pub const IDENTIFIER: &str = "cn.yichuang.workstation";
/// The config file's name in every location.
pub const CONFIG_FILE: &str = "workstation.toml";

/// The machine-wide configuration file of this OS.
pub fn machine_config_path() -> PathBuf {
    machine_dir().join(CONFIG_FILE)
}

/// The machine data root of this OS (it exists when the workstation is installed).
pub fn machine_data_root() -> PathBuf {
    #[cfg(windows)]
    {
        machine_dir().join("data")
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/var/lib/yichuang")
    }
}

/// `/etc/yichuang` or `%ProgramData%\yichuang`.
fn machine_dir() -> PathBuf {
    #[cfg(windows)]
    {
        std::env::var_os("ProgramData")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"))
            .join("yichuang")
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/etc/yichuang")
    }
}

/// The per-user config file of earlier releases, if the OS has a config folder.
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join(IDENTIFIER).join(CONFIG_FILE))
}

/// The config file this process uses (see the module's order).
pub fn config_path() -> PathBuf {
    choose_config(
        std::env::var_os("YICHUANG_CONFIG"),
        &machine_config_path(),
        user_config_path().as_deref(),
    )
}

/// The look-up order on explicit inputs: the override, the machine file if it exists, the
/// per-user file if it exists, else the machine path.
pub fn choose_config(env: Option<OsString>, machine: &Path, user: Option<&Path>) -> PathBuf {
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if machine.is_file() {
        return machine.to_owned();
    }
    match user {
        Some(u) if u.is_file() => u.to_owned(),
        _ => machine.to_owned(),
    }
}

/// Where the data directory is, and whether it lies in the machine's data root (then it is
/// made and checked by [`prepare_data_dir`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataDir {
    /// `$YICHUANG_DATA_DIR`: used as it is.
    Override(PathBuf),
    /// `<machine root>/<account>`: made `0700` and checked.
    Machine { root: PathBuf, dir: PathBuf },
    /// The per-user data folder (not installed, e.g. a developer machine).
    User(PathBuf),
}

impl DataDir {
    pub fn path(&self) -> &Path {
        match self {
            DataDir::Override(p) | DataDir::User(p) => p,
            DataDir::Machine { dir, .. } => dir,
        }
    }
}

/// The data directory this process uses.
pub fn data_dir() -> DataDir {
    choose_data_dir(
        std::env::var_os("YICHUANG_DATA_DIR"),
        &machine_data_root(),
        account_name().as_deref(),
        dirs::data_dir().map(|d| d.join(IDENTIFIER)),
    )
}

/// The choice on explicit inputs: the override; the account's directory in the machine root
/// when the root exists and the account has a usable name; else the per-user folder.
pub fn choose_data_dir(
    env: Option<OsString>,
    machine_root: &Path,
    account: Option<&str>,
    user: Option<PathBuf>,
) -> DataDir {
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return DataDir::Override(PathBuf::from(p));
    }
    if machine_root.is_dir() {
        if let Some(name) = account.filter(|n| is_safe_component(n)) {
            return DataDir::Machine {
                root: machine_root.to_owned(),
                dir: machine_root.join(name),
            };
        }
    }
    DataDir::User(user.unwrap_or_else(|| PathBuf::from("yichuang-data")))
}

/// An account name usable as one path component (no separators, no `.`/`..`).
fn is_safe_component(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', ':', '\0'])
        && name.len() <= 128
}

/// The OS account this process runs as: the password database's name for the effective uid
/// (not `$USER`, which the caller controls), or the Windows `USERNAME`.
pub fn account_name() -> Option<String> {
    #[cfg(unix)]
    {
        unix::account_name()
    }
    #[cfg(windows)]
    {
        std::env::var("USERNAME").ok()
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}

/// What went wrong making or checking the account's data directory.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// The account may not create its directory in the machine root (not in the group).
    #[error("no permission to create {path} (is the account in the `yichuang` group?): {source}")]
    Denied {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The directory exists but is not the account's own private directory.
    #[error("{path} is not a private directory of this account: {detail}")]
    Unsafe { path: PathBuf, detail: String },
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DataDirError {
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            DataDirError::Denied { .. } => crate::ErrorCode::DataDirDenied,
            DataDirError::Unsafe { .. } => crate::ErrorCode::DataDirUnsafe,
            DataDirError::Io { .. } => crate::ErrorCode::DataDirIo,
        }
    }

    /// For the clerk and IT, from the message table.
    pub fn message(&self) -> String {
        self.code().message().into()
    }
}

/// Makes the account's directory in the machine root private (`0700`, owned by the account)
/// or checks that it is; other kinds are left as they are (made by their first user).
pub fn prepare_data_dir(dir: &DataDir) -> Result<(), DataDirError> {
    match dir {
        DataDir::Machine { dir, .. } => prepare_private_dir(dir),
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn prepare_private_dir(path: &Path) -> Result<(), DataDirError> {
    unix::prepare_private_dir(path)
}

/// Windows: the installer gives `%ProgramData%\yichuang\data` an ACL under which a
/// subdirectory belongs to its creator only; the app creates it.
#[cfg(not(unix))]
fn prepare_private_dir(path: &Path) -> Result<(), DataDirError> {
    std::fs::create_dir_all(path).map_err(|source| DataDirError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Narrows the process umask so every file the app makes is owner-only (unix; no-op
/// elsewhere). Process-wide: called once by the app at start, before anything is written.
pub fn restrict_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process file-mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

#[cfg(unix)]
mod unix {
    use super::DataDirError;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    use std::path::Path;

    pub fn account_name() -> Option<String> {
        let uid = unsafe { libc::geteuid() };
        let mut buf = vec![0u8; 4096];
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: getpwuid_r writes into `pwd` and `buf`, both alive and sized as passed.
        let rc = unsafe {
            libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut out)
        };
        if rc != 0 || out.is_null() || pwd.pw_name.is_null() {
            return Some(format!("uid-{uid}"));
        }
        // SAFETY: pw_name points into `buf`, NUL-terminated by getpwuid_r.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        Some(name.to_string_lossy().into_owned())
    }

    pub fn prepare_private_dir(path: &Path) -> Result<(), DataDirError> {
        match std::fs::DirBuilder::new().mode(0o700).create(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(DataDirError::Denied {
                    path: path.to_owned(),
                    source: e,
                })
            }
            Err(e) => {
                return Err(DataDirError::Io {
                    path: path.to_owned(),
                    source: e,
                })
            }
        }
        let unsafe_dir = |detail: String| DataDirError::Unsafe {
            path: path.to_owned(),
            detail,
        };
        // Not followed: a symlink planted under the account's name is refused.
        let meta = std::fs::symlink_metadata(path).map_err(|source| DataDirError::Io {
            path: path.to_owned(),
            source,
        })?;
        if !meta.file_type().is_dir() {
            return Err(unsafe_dir("not a directory".into()));
        }
        let uid = unsafe { libc::geteuid() };
        if meta.uid() != uid {
            return Err(unsafe_dir(format!(
                "owned by uid {}, not {uid}",
                meta.uid()
            )));
        }
        if meta.mode() & 0o7777 != 0o700 {
            // Ours but too open (copied in by hand, an old umask): made private again.
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(
                |source| DataDirError::Io {
                    path: path.to_owned(),
                    source,
                },
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn i19_config_env_comes_first_then_machine_then_user() {
        let d = tempfile::tempdir().unwrap();
        let machine = d.path().join("etc/yichuang/workstation.toml");
        let user = d
            .path()
            .join("home/.config/cn.yichuang.workstation/workstation.toml");
        // Nothing exists: the machine path is reported (where IT puts it).
        assert_eq!(choose_config(None, &machine, Some(&user)), machine);
        // Only the per-user file of earlier releases: still read.
        touch(&user);
        assert_eq!(choose_config(None, &machine, Some(&user)), user);
        // The machine file wins over the per-user one.
        touch(&machine);
        assert_eq!(choose_config(None, &machine, Some(&user)), machine);
        // $YICHUANG_CONFIG wins over both, even when its file does not exist; empty is unset.
        let env = d.path().join("other.toml");
        assert_eq!(
            choose_config(Some(env.clone().into()), &machine, Some(&user)),
            env
        );
        assert_eq!(
            choose_config(Some(OsString::new()), &machine, Some(&user)),
            machine
        );
    }

    #[test]
    fn i19_the_packaged_conffile_means_the_defaults() {
        // scripts/package-deb.sh ships the example with every setting line commented out as
        // /etc/yichuang/workstation.toml (sed 's/^\([^#]\)/#\1/'): it must load, as the
        // defaults (no devices, no backend), until IT fills it in.
        let example = include_str!("../../../../installer/workstation.example.toml");
        let commented: String = example
            .lines()
            .map(|l| match l.chars().next() {
                Some(c) if c != '#' => format!("#{l}\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        let c = crate::infra::config::WorkstationConfig::parse(&commented, Path::new("x"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c, crate::infra::config::WorkstationConfig::default());
    }

    #[test]
    fn i19_machine_config_path_is_the_os_machine_folder() {
        let p = machine_config_path();
        #[cfg(not(windows))]
        assert_eq!(p, Path::new("/etc/yichuang/workstation.toml"));
        #[cfg(windows)]
        assert!(p.ends_with(r"yichuang\workstation.toml"), "{p:?}");
    }

    #[test]
    fn i19_data_dir_is_the_accounts_folder_in_the_machine_root_when_installed() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("var/lib/yichuang");
        let user = Some(d.path().join("home/.local/share/cn.yichuang.workstation"));
        // Not installed (no machine root): the per-user folder.
        assert_eq!(
            choose_data_dir(None, &root, Some("clerk1"), user.clone()),
            DataDir::User(user.clone().unwrap())
        );
        std::fs::create_dir_all(&root).unwrap();
        assert_eq!(
            choose_data_dir(None, &root, Some("clerk1"), user.clone()),
            DataDir::Machine {
                root: root.clone(),
                dir: root.join("clerk1")
            }
        );
        // A name that is not one path component never escapes the root.
        for bad in ["..", "a/b", "", "."] {
            assert_eq!(
                choose_data_dir(None, &root, Some(bad), user.clone()),
                DataDir::User(user.clone().unwrap()),
                "{bad:?}"
            );
        }
        // $YICHUANG_DATA_DIR still overrides.
        let env = d.path().join("data");
        assert_eq!(
            choose_data_dir(Some(env.clone().into()), &root, Some("clerk1"), user),
            DataDir::Override(env)
        );
    }

    #[cfg(unix)]
    #[test]
    fn i19_the_accounts_data_dir_is_made_owner_only_and_rechecked() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("yichuang");
        std::fs::create_dir(&root).unwrap();
        // As the package makes it: sticky, group-writable, nothing for others.
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1770)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;

        let dir = choose_data_dir(None, &root, account_name().as_deref(), None);
        let DataDir::Machine { dir: path, .. } = &dir else {
            panic!("expected the machine root: {dir:?}");
        };
        // Made 0700 even under a permissive umask.
        let old = unsafe { libc::umask(0o002) };
        let made = prepare_data_dir(&dir);
        unsafe { libc::umask(old) };
        made.unwrap();
        assert_eq!(mode(path), 0o700);

        // Ours but opened up by hand: made private again on the next start.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o775)).unwrap();
        prepare_data_dir(&dir).unwrap();
        assert_eq!(mode(path), 0o700);

        // A symlink or a file planted under the account's name is refused, not followed.
        std::fs::remove_dir(path).unwrap();
        let elsewhere = d.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        symlink(&elsewhere, path).unwrap();
        let err = prepare_data_dir(&dir).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::DataDirUnsafe, "{err}");
        std::fs::remove_file(path).unwrap();
        std::fs::write(path, "").unwrap();
        assert_eq!(
            prepare_data_dir(&dir).unwrap_err().code(),
            crate::ErrorCode::DataDirUnsafe
        );

        // A directory another account made under this account's name is refused (needs root
        // to hand it to another owner; CI runs as root, and the package check covers the
        // account outside the group).
        std::fs::remove_file(path).unwrap();
        std::fs::create_dir(path).unwrap();
        if std::os::unix::fs::chown(path, Some(65534), Some(65534)).is_ok() {
            let err = prepare_data_dir(&dir).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::DataDirUnsafe, "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn i19_the_account_name_comes_from_the_password_database() {
        // Whatever $USER says, the name is the effective uid's.
        let name = account_name().unwrap();
        assert!(is_safe_component(&name), "{name}");
        let uid = unsafe { libc::geteuid() };
        if uid == 0 {
            assert_eq!(name, "root");
        }
    }
}
