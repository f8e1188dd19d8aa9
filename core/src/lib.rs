//! Domain core of 一窗受理工作站.
//!
//! Everything here is independent of the webview: the Tauri shell (`src-tauri`) calls into
//! these modules in a few lines per command, and the same code is tested without compiling
//! Tauri. The folders tell the architecture:
//! - [`devices`]: the counter devices as the app uses them (services over the drivers);
//! - [`domain`]: the clerk's work (catalog, intake, documents, login, audit trail);
//! - [`infra`]: what the domain stands on (config, store, sync, keystore, blobs, clock);
//! - [`workstation`]: one counter put together (store, clock, desk, devices, session,
//!   notices, sync); the Tauri shell is a thin host over it.
//!
//! Modules:
//! - `config`: the per-workstation TOML configuration and its validation;
//! - `store`: the local SQLite store (WAL, foreign keys, versioned migrations);
//! - `audit`: the hash-chained audit trail, written with its outbox row;
//! - `login`: UKey certificate login, online and with offline grants; lock and unlock;
//! - `instance`: the one-instance-per-workstation guard;
//! - `backend`: reachability of the central backend;
//! - `sync`: exactly-once outbox sync, blob upload and document pull (issue 6);
//! - `blobs`: material files, content-addressed and encrypted at rest;
//! - `keystore`: the data key in the OS keystore (SQLCipher store, blobs);
//! - `simctl`: the loopback control surface of the simulated devices;
//! - `id_card`, `printer`, `a4_printer`, `scanner`, `ukey`, `camera`: the counter devices as the app uses them;
//! - `catalog`: the service catalog (items, situations, materials, forms, templates, calendar);
//! - `document`: A4 documents (notices, receipts, test page) laid out and rendered to PDF;
//! - `clock`: calendar time in China Standard Time, read only by the shell;
//! - `status`: the state shown in the clerk's status bar;
//! - [`error`]: typed errors with a Chinese message for the clerk and a detail for IT.

pub mod devices;
pub mod domain;
pub mod error;
pub mod infra;
pub mod labels;
pub mod messages;
pub mod shell_text;
pub mod workstation;

pub use error::{CoreError, ErrorCode, UserError};
