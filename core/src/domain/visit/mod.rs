//! Visits and ratings (B5, G2): one citizen's time at the window — the ticket that called
//! them, the cases decided for them — closed by the rating they give on the citizen screen
//! (GB/T 39734-2020 一次一评: 非常满意 … 非常不满意). The rating, the visit's closing, their
//! audit entry and the two synced records (`visit`, `rating`) are one transaction.
//!
//! A visit opens when a ticket is called, or — a walk-in without a queue — when the clerk asks
//! for the rating: its cases are then the ones this clerk decided since their last visit
//! closed (or since login), so intake needs no hook to feed it.

pub mod labels;
mod store;

use serde::{Deserialize, Serialize};

pub use store::{
    close_with_rating, current, expire_due, login_time, open, pick, request_rating, VisitRow,
};

/// GB/T 39734 / 国办发〔2019〕51号: the five levels, best first (the keypad's 1 … 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    /// 基本满意.
    Neutral,
    Dissatisfied,
    VeryDissatisfied,
}

impl RatingLevel {
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Neutral,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    /// 差评: the citizen is asked why.
    /// 满意 or 非常满意 (the share the hall reports as satisfied).
    pub fn is_satisfied(self) -> bool {
        matches!(self, RatingLevel::VerySatisfied | RatingLevel::Satisfied)
    }

    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied
        )
    }

    pub fn key(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Neutral => "neutral",
            RatingLevel::Dissatisfied => "dissatisfied",
            RatingLevel::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn from_key(key: &str) -> Option<RatingLevel> {
        RatingLevel::ALL.into_iter().find(|l| l.key() == key)
    }
}

/// Why a 差评: the offline (窗口) indicators of the 好差评 content standard — 服务效率,
/// 服务水平, 服务态度 — with the guide and environment complaints halls add, and 其他.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RatingReason {
    /// 服务效率: waiting, slow handling.
    Efficiency,
    /// 服务水平: the clerk could not explain or made mistakes.
    Competence,
    /// 服务态度.
    Attitude,
    /// 办事指南、材料要求不清楚.
    Guidance,
    /// 服务环境.
    Environment,
    Other,
}

impl RatingReason {
    pub const ALL: [RatingReason; 6] = [
        RatingReason::Efficiency,
        RatingReason::Competence,
        RatingReason::Attitude,
        RatingReason::Guidance,
        RatingReason::Environment,
        RatingReason::Other,
    ];
}

/// The ticket a visit was called with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TicketRef {
    /// The hall queue's id; `None` for a field office's local ticket.
    pub id: Option<String>,
    /// The number called, e.g. `A023`.
    pub number: String,
}

/// How the citizen came to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    /// Called from the hall's queue.
    Hall,
    /// Called from the workstation's own queue (a field office).
    Local,
    /// No ticket.
    WalkIn,
}

impl VisitMode {
    fn key(self) -> &'static str {
        match self {
            VisitMode::Hall => "hall",
            VisitMode::Local => "local",
            VisitMode::WalkIn => "walk_in",
        }
    }
}

/// One case decided during a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct VisitCase {
    pub case_no: String,
    pub item_code: String,
    pub item_name: String,
}

/// What the citizen answered (or the countdown decided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RatingGiven {
    pub level: RatingLevel,
    pub reasons: Vec<RatingReason>,
    /// No answer before the countdown ended: counted as 满意 (or the dissatisfied level
    /// picked, with 其他 as its reason).
    pub timed_out: bool,
}

/// Why a visit action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("no visit is waiting for a rating")]
    NoneWaiting,
    #[error("a {0:?} rating needs at least one reason")]
    ReasonRequired(RatingLevel),
    #[error("store: {0}")]
    Store(String),
}

impl From<rusqlite::Error> for VisitError {
    fn from(e: rusqlite::Error) -> Self {
        VisitError::Store(e.to_string())
    }
}

impl From<crate::infra::store::StoreError> for VisitError {
    fn from(e: crate::infra::store::StoreError) -> Self {
        VisitError::Store(e.to_string())
    }
}

impl From<VisitError> for crate::UserError {
    fn from(e: VisitError) -> Self {
        use crate::ErrorCode as C;
        let code = match &e {
            VisitError::NoneWaiting => C::VisitNoneWaiting,
            VisitError::ReasonRequired(_) => C::VisitReasonRequired,
            VisitError::Store(_) => C::VisitStore,
        };
        crate::UserError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests;
