//! The clerk's work: the service catalog, intake from draft to decision, the documents it prints,
//! the UKey login, and the audit trail every action writes.

pub mod access;
pub mod audit;
pub mod catalog;
pub mod document;
pub mod flow;
pub mod intake;
pub mod issuing;
pub mod login;
pub mod queue;
pub mod visit;
