//! The citizen screen's words for ratings: the five GB/T 39734 levels and the 差评 reasons,
//! in one table the UI loads (`citizen_labels`), so the pages hold no copy of them.

use serde::{Deserialize, Serialize};

use super::{RatingLevel, RatingReason};

impl RatingLevel {
    pub fn label(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "非常满意",
            RatingLevel::Satisfied => "满意",
            RatingLevel::Neutral => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
            RatingLevel::VeryDissatisfied => "非常不满意",
        }
    }
}

impl RatingReason {
    pub fn label(self) -> &'static str {
        match self {
            RatingReason::Efficiency => "办事效率低、等候时间长",
            RatingReason::Competence => "业务不熟练、解答不清楚",
            RatingReason::Attitude => "服务态度不好",
            RatingReason::Guidance => "办事指南或材料要求不清楚",
            RatingReason::Environment => "服务环境和设施不便",
            RatingReason::Other => "其他",
        }
    }
}

/// One choice with its words, in the order the screen shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Choice<T> {
    pub value: T,
    pub label: String,
}

/// What the citizen screen shows besides the data of the moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CitizenLabels {
    pub levels: Vec<Choice<RatingLevel>>,
    pub reasons: Vec<Choice<RatingReason>>,
    /// 「请您对本次服务进行评价」.
    pub rating_prompt: String,
    /// 「请选择不满意的原因（可多选）」.
    pub reason_prompt: String,
    /// 「提交评价」.
    pub submit: String,
    /// 「感谢您的评价」.
    pub thanks: String,
    /// 「{n}秒后自动视为满意」, with `{n}` replaced by the screen.
    pub countdown: String,
    /// 「请{number}号到{window}号窗口办理」 with `{number}` and `{window}` replaced.
    pub called: String,
    /// 「暂停服务」.
    pub paused: String,
}

impl CitizenLabels {
    pub fn new() -> CitizenLabels {
        CitizenLabels {
            levels: RatingLevel::ALL
                .into_iter()
                .map(|value| Choice {
                    value,
                    label: value.label().into(),
                })
                .collect(),
            reasons: RatingReason::ALL
                .into_iter()
                .map(|value| Choice {
                    value,
                    label: value.label().into(),
                })
                .collect(),
            rating_prompt: "请您对本次服务进行评价".into(),
            reason_prompt: "请选择不满意的原因（可多选）".into(),
            submit: "提交评价".into(),
            thanks: "感谢您的评价".into(),
            countdown: "{n}秒后未评价视为满意".into(),
            called: "请{number}号到{window}号窗口办理".into(),
            paused: "暂停服务".into(),
        }
    }
}

impl Default for CitizenLabels {
    fn default() -> Self {
        CitizenLabels::new()
    }
}
