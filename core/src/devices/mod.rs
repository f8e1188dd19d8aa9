//! The counter devices as the app uses them: each a service over a driver of `yichuang-drivers`
//! (worker thread, reopen after unplug, events), plus the simulators' control surface. The
//! thread, its stop and waits, and the open → check → poll → reopen loop are one
//! [`runtime`] shared by all; a service keeps only what its device does differently.

pub mod a4_printer;
pub mod camera;
pub mod id_card;
pub mod printer;
pub mod runtime;
pub mod scanner;
pub mod seal;
pub mod simctl;
pub mod ukey;
