//! The counter devices as the app uses them: each a service over a driver of `yichuang-drivers`
//! (worker thread, reopen after unplug, events), plus the simulators' control surface.

pub mod a4_printer;
pub mod camera;
pub mod id_card;
pub mod printer;
pub mod scanner;
pub mod simctl;
pub mod ukey;
