//! What the domain stands on: configuration, the encrypted store and its migrations, the outbox
//! sync, material blobs, the OS keystore, the clock and the status bar's state.

pub mod assist_api;
pub mod backend;
pub mod blobs;
pub mod clock;
pub mod config;
pub mod credential;
pub mod hall_api;
pub mod http;
pub mod instance;
pub mod keystore;
pub mod licence_api;
pub mod provision;
pub mod status;
pub mod store;
pub mod sync;
