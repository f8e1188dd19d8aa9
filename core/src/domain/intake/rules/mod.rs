//! The rules of intake: which situation the answers lead to ([`situation`]), what a form value
//! and a party need ([`form`], [`party`]), and what may be decided on a draft ([`decision`]).
//! Pure functions of the catalog and the draft, except the A6 check that a card-sourced party
//! was read at this window, which reads the audit trail inside the action's transaction.

pub mod decision;
pub mod form;
pub mod party;
pub mod situation;
