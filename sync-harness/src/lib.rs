//! Test and benchmark tools for sync (issue 6): the loopback [`proxy::FaultProxy`], the
//! synthetic intakes of [`workload`] (what the kill -9 suite's worker commits), and the
//! benchmarks of [`bench`]. The binary `yichuang-sync-harness` runs them as processes.

pub mod bench;
pub mod enroll;
pub mod proxy;
pub mod tls;
pub mod workload;
