//! Several UKey libraries at one desk (a hall whose clerks carry keys of two CA vendors):
//! PKCS#11 modules and SKF libraries side by side behind one [`Ukey`].
//!
//! Every library is loaded on its own; one that fails to load is kept with its error
//! ([`MultiUkey::libraries`]) and the others work. Keys of all loaded libraries are listed
//! together. With one library, key ids are the library's own (what a single-library desk
//! always had); with several, a key's id is `"{library index}:{library's id}"`, so the same
//! serial seen by two libraries stays two distinct keys and each call goes to the library
//! that listed the key.

use serde::Serialize;

use super::{open, Backend, CertInfo, KeyInfo, PinInfo, Signature, Ukey, UkeyConfig, UkeyError};

/// One configured library and the name the clerk sees for it (the CA vendor, or the
/// library's file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedLibrary {
    pub name: String,
    pub config: UkeyConfig,
}

impl NamedLibrary {
    /// `name`, or the library's file name when none is given.
    pub fn new(name: Option<String>, config: UkeyConfig) -> NamedLibrary {
        let name = name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
            config
                .module
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| config.module.display().to_string())
        });
        NamedLibrary { name, config }
    }
}

/// A configured library as the device panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LibraryStatus {
    pub name: String,
    pub backend: Backend,
    /// The library's path.
    pub module: String,
    /// Why it is not loaded, in Chinese for the clerk; `None` when loaded.
    pub error: Option<String>,
    /// The library's own detail for IT (path, loader message); `None` when loaded.
    pub detail: Option<String>,
}

struct Library {
    name: String,
    config: UkeyConfig,
    ukey: Result<Box<dyn Ukey>, UkeyError>,
}

/// The libraries of one desk behind one [`Ukey`].
pub struct MultiUkey {
    libs: Vec<Library>,
}

impl MultiUkey {
    /// Loads every library; none failing stops the others.
    pub fn open(libraries: &[NamedLibrary]) -> MultiUkey {
        MultiUkey {
            libs: libraries
                .iter()
                .map(|l| Library {
                    name: l.name.clone(),
                    config: l.config.clone(),
                    ukey: open(&l.config),
                })
                .collect(),
        }
    }

    /// Each library with its load result, in config order.
    pub fn libraries(&self) -> Vec<LibraryStatus> {
        self.libs
            .iter()
            .map(|l| LibraryStatus {
                name: l.name.clone(),
                backend: l.config.backend,
                module: l.config.module.display().to_string(),
                error: l.ukey.as_ref().err().map(UkeyError::message),
                detail: l.ukey.as_ref().err().map(UkeyError::detail),
            })
            .collect()
    }

    /// Whether at least one library loaded.
    pub fn any_loaded(&self) -> bool {
        self.libs.iter().any(|l| l.ukey.is_ok())
    }

    /// The load error of the first library that failed, when none loaded; what every call
    /// answers then.
    pub fn load_error(&self) -> Option<UkeyError> {
        if self.any_loaded() {
            return None;
        }
        Some(
            self.libs
                .iter()
                .find_map(|l| l.ukey.as_ref().err().cloned())
                .unwrap_or(UkeyError::Config {
                    detail: "no UKey library configured".into(),
                }),
        )
    }

    /// The name of the library that lists `key` (by its id here).
    pub fn library_of(&self, key: &str) -> Option<&str> {
        self.split(key)
            .ok()
            .map(|(i, _)| self.libs[i].name.as_str())
    }

    /// The library index and the library's own id of `key`.
    fn split<'k>(&self, key: &'k str) -> Result<(usize, &'k str), UkeyError> {
        let unknown = || UkeyError::KeyRemoved {
            detail: format!("key {key} not present"),
        };
        if self.libs.len() == 1 {
            return Ok((0, key));
        }
        let (index, inner) = key.split_once(':').ok_or_else(unknown)?;
        let index: usize = index.parse().map_err(|_| unknown())?;
        if index >= self.libs.len() {
            return Err(unknown());
        }
        Ok((index, inner))
    }

    fn outer_id(&self, index: usize, inner: &str) -> String {
        if self.libs.len() == 1 {
            inner.to_string()
        } else {
            format!("{index}:{inner}")
        }
    }

    /// The library of `key` and the id it knows the key by.
    fn route<'k>(&mut self, key: &'k str) -> Result<(&mut dyn Ukey, &'k str), UkeyError> {
        let (index, inner) = self.split(key)?;
        match &mut self.libs[index].ukey {
            Ok(u) => Ok((u.as_mut(), inner)),
            Err(e) => Err(e.clone()),
        }
    }

    fn collect(
        &mut self,
        mut list: impl FnMut(&mut dyn Ukey) -> Result<Vec<KeyInfo>, UkeyError>,
    ) -> Result<Vec<KeyInfo>, UkeyError> {
        if let Some(e) = self.load_error() {
            return Err(e);
        }
        let mut keys = Vec::new();
        let mut first_error = None;
        let mut answered = false;
        for index in 0..self.libs.len() {
            let Ok(u) = &mut self.libs[index].ukey else {
                continue;
            };
            match list(u.as_mut()) {
                Ok(found) => {
                    answered = true;
                    for mut k in found {
                        k.id = self.outer_id(index, &k.id);
                        keys.push(k);
                    }
                }
                // One library failing to enumerate hides its keys only.
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (answered, first_error) {
            (false, Some(e)) => Err(e),
            _ => Ok(keys),
        }
    }
}

impl Ukey for MultiUkey {
    /// The first library's kind (keys carry their own [`KeyInfo::backend`]).
    fn backend(&self) -> Backend {
        self.libs
            .first()
            .map(|l| l.config.backend)
            .unwrap_or(Backend::Pkcs11)
    }

    fn keys(&mut self) -> Result<Vec<KeyInfo>, UkeyError> {
        self.collect(|u| u.keys())
    }

    fn certificates(&mut self, key: &str) -> Result<Vec<CertInfo>, UkeyError> {
        let (u, inner) = self.route(key)?;
        u.certificates(inner)
    }

    fn pin_info(&mut self, key: &str) -> Result<PinInfo, UkeyError> {
        let (u, inner) = self.route(key)?;
        u.pin_info(inner)
    }

    fn login(&mut self, key: &str, pin: &str) -> Result<(), UkeyError> {
        let (u, inner) = self.route(key)?;
        u.login(inner, pin)
    }

    fn change_pin(&mut self, key: &str, old: &str, new: &str) -> Result<(), UkeyError> {
        let (u, inner) = self.route(key)?;
        u.change_pin(inner, old, new)
    }

    fn logout(&mut self, key: &str) -> Result<(), UkeyError> {
        let (u, inner) = self.route(key)?;
        u.logout(inner)
    }

    fn sign(&mut self, key: &str, cert: &str, message: &[u8]) -> Result<Signature, UkeyError> {
        let (u, inner) = self.route(key)?;
        u.sign(inner, cert, message)
    }

    fn poll_presence(&mut self) -> Result<Vec<KeyInfo>, UkeyError> {
        self.collect(|u| u.poll_presence())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn missing(path: &str) -> NamedLibrary {
        NamedLibrary::new(
            None,
            UkeyConfig {
                backend: Backend::Skf,
                module: PathBuf::from(path),
                vendor: None,
                skf_overrides: Default::default(),
            },
        )
    }

    #[test]
    fn a2_every_library_that_fails_to_load_is_reported_with_its_chinese_text() {
        let multi = MultiUkey::open(&[missing("/nonexistent/a.so"), missing("/nonexistent/b.so")]);
        let libs = multi.libraries();
        assert_eq!(libs.len(), 2);
        assert_eq!(libs[0].name, "a.so");
        assert!(libs
            .iter()
            .all(|l| l.error.as_deref().is_some_and(|e| e.contains("UKey驱动"))));
        assert!(libs[1]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("/nonexistent/b.so")));
        assert!(!multi.any_loaded());
        assert!(matches!(
            multi.load_error(),
            Some(UkeyError::ModuleLoad { .. })
        ));
    }

    #[test]
    fn a2_key_ids_name_their_library_when_there_are_several() {
        let one = MultiUkey::open(&[missing("/nonexistent/a.so")]);
        assert_eq!(one.split("SERIAL-1").unwrap(), (0, "SERIAL-1"));
        let two = MultiUkey::open(&[missing("/nonexistent/a.so"), missing("/x/b.so")]);
        assert_eq!(two.split("1:YC:01").unwrap(), (1, "YC:01"));
        assert_eq!(two.outer_id(1, "YC:01"), "1:YC:01");
        assert_eq!(two.library_of("1:YC:01"), Some("b.so"));
        for bad in ["SERIAL-1", "2:x", "x:y"] {
            assert!(
                matches!(two.split(bad), Err(UkeyError::KeyRemoved { .. })),
                "{bad}"
            );
        }
    }
}
