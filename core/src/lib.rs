//! Domain core of 一窗受理工作站.
//!
//! Everything here is independent of the webview: the Tauri shell (`src-tauri`) calls into
//! these modules in a few lines per command, and the same code is tested without compiling
//! Tauri. Modules:
//! - [`config`]: the per-workstation TOML configuration and its validation;
//! - [`store`]: the local SQLite store (WAL, foreign keys, versioned migrations);
//! - [`audit`]: the hash-chained audit trail, written with its outbox row;
//! - [`login`]: UKey certificate login, online and with offline grants; lock and unlock;
//! - [`instance`]: the one-instance-per-workstation guard;
//! - [`backend`]: reachability of the central backend;
//! - [`sync`]: exactly-once outbox sync, blob upload and document pull (issue 6);
//! - [`blobs`]: material files, content-addressed and encrypted at rest;
//! - [`keystore`]: the data key in the OS keystore (SQLCipher store, blobs);
//! - [`simctl`]: the loopback control surface of the simulated devices;
//! - [`id_card`], [`printer`], [`a4_printer`], [`scanner`], [`ukey`], [`camera`]: the counter devices as the app uses them;
//! - [`catalog`]: the service catalog (items, situations, materials, forms, templates, calendar);
//! - [`document`]: A4 documents (notices, receipts, test page) laid out and rendered to PDF;
//! - [`clock`]: calendar time in China Standard Time, read only by the shell;
//! - [`status`]: the state shown in the clerk's status bar;
//! - [`error`]: typed errors with a Chinese message for the clerk and a detail for IT.

pub mod a4_printer;
pub mod audit;
pub mod backend;
pub mod blobs;
pub mod camera;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod document;
pub mod error;
pub mod id_card;
pub mod instance;
pub mod intake;
pub mod keystore;
pub mod login;
pub mod printer;
pub mod scanner;
pub mod simctl;
pub mod status;
pub mod store;
pub mod sync;
pub mod ukey;

pub use error::{CoreError, UserError};
