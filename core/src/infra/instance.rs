//! One running workstation per data directory.
//!
//! Two instances on one workstation would both drive the same card reader and printer and
//! write the same store; the guard is an exclusive OS file lock on `instance.lock` in the
//! data directory. The OS releases it when the process dies, even by `kill -9`, so a crash
//! never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("another instance holds {path}")]
    AlreadyRunning { path: PathBuf },
    #[error("cannot open lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl InstanceError {
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            InstanceError::AlreadyRunning { .. } => crate::ErrorCode::InstanceAlreadyRunning,
            InstanceError::Io { .. } => crate::ErrorCode::InstanceIo,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> String {
        self.code().message().into()
    }
}

/// Held for the life of the process; dropping it releases the lock.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    pub fn acquire(data_dir: &Path) -> Result<Self, InstanceError> {
        let path = data_dir.join("instance.lock");
        let io = |source| InstanceError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(InstanceError::AlreadyRunning { path });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // The pid is informational only (for IT); the lock itself is what counts.
        file.set_len(0).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(Self { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_in_same_dir_is_refused_until_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path()).unwrap();
        let err = InstanceLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, InstanceError::AlreadyRunning { .. }));
        assert!(err.message().contains("已在本机运行"));
        drop(first);
        InstanceLock::acquire(dir.path()).expect("lock is free again after drop");
    }

    #[test]
    fn different_data_dirs_do_not_conflict() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let _la = InstanceLock::acquire(a.path()).unwrap();
        let _lb = InstanceLock::acquire(b.path()).unwrap();
    }
}
