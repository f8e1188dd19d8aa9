//! Real-time status (`DLE EOT n`): the request bytes, a parser of the one-byte answers, and
//! the printer's condition those answers add up to.
//!
//! Epson semantics, which Chinese-market printers follow: every answer has bit 1 and bit 4
//! set and bits 0 and 7 clear (`byte & 0x93 == 0x12`); anything else is not a status answer.
//! - n=1 printer: bit 2 drawer pin 3, bit 3 offline, bit 5 waiting for online recovery,
//!   bit 6 feed button pressed.
//! - n=2 offline cause: bit 2 cover open, bit 3 feeding by the feed button, bit 5 printing
//!   stopped at paper end, bit 6 error.
//! - n=3 error cause: bit 2 recoverable error, bit 3 autocutter error, bit 5 unrecoverable
//!   error, bit 6 auto-recoverable error.
//! - n=4 roll paper sensor: bits 2–3 near end (`0x1E`), bits 5–6 paper end (`0x72`).
//!
//! Parsing is pure and total: every byte yields a reply or a [`StatusParseError`].

use super::encoder::{DLE, EOT};
use crate::error::ErrorKind;

/// Which `DLE EOT n` status to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusQuery {
    /// n=1: printer status (offline).
    Printer,
    /// n=2: why the printer is offline (cover, paper end, error).
    OfflineCause,
    /// n=3: which error (cutter, unrecoverable, auto-recoverable).
    ErrorCause,
    /// n=4: roll paper sensor (near end, paper end).
    PaperSensor,
}

impl StatusQuery {
    pub const ALL: [StatusQuery; 4] = [
        StatusQuery::Printer,
        StatusQuery::OfflineCause,
        StatusQuery::ErrorCause,
        StatusQuery::PaperSensor,
    ];

    pub fn n(self) -> u8 {
        match self {
            StatusQuery::Printer => 1,
            StatusQuery::OfflineCause => 2,
            StatusQuery::ErrorCause => 3,
            StatusQuery::PaperSensor => 4,
        }
    }

    pub fn from_n(n: u8) -> Option<StatusQuery> {
        StatusQuery::ALL.into_iter().find(|q| q.n() == n)
    }

    /// `10 04 n`.
    pub fn request(self) -> [u8; 3] {
        [DLE, EOT, self.n()]
    }
}

/// One decoded answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusReply {
    Printer {
        drawer_pin3_high: bool,
        offline: bool,
        waiting_for_recovery: bool,
        feed_button_pressed: bool,
    },
    OfflineCause {
        cover_open: bool,
        feed_button_feeding: bool,
        paper_end_stop: bool,
        error: bool,
    },
    ErrorCause {
        recoverable: bool,
        cutter: bool,
        unrecoverable: bool,
        auto_recoverable: bool,
    },
    PaperSensor {
        near_end: bool,
        paper_out: bool,
    },
}

/// The answer byte does not have the fixed bits of a status answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("DLE EOT {n}: answer 0x{byte:02X} is not a status byte", n = query.n())]
pub struct StatusParseError {
    pub query: StatusQuery,
    pub byte: u8,
}

impl StatusParseError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

const FIXED_MASK: u8 = 0x93;
const FIXED_BITS: u8 = 0x12;

fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

/// Decodes the one-byte answer to `query`. Total: never panics.
pub fn parse_reply(query: StatusQuery, byte: u8) -> Result<StatusReply, StatusParseError> {
    if byte & FIXED_MASK != FIXED_BITS {
        return Err(StatusParseError { query, byte });
    }
    Ok(match query {
        StatusQuery::Printer => StatusReply::Printer {
            drawer_pin3_high: bit(byte, 2),
            offline: bit(byte, 3),
            waiting_for_recovery: bit(byte, 5),
            feed_button_pressed: bit(byte, 6),
        },
        StatusQuery::OfflineCause => StatusReply::OfflineCause {
            cover_open: bit(byte, 2),
            feed_button_feeding: bit(byte, 3),
            paper_end_stop: bit(byte, 5),
            error: bit(byte, 6),
        },
        StatusQuery::ErrorCause => StatusReply::ErrorCause {
            recoverable: bit(byte, 2),
            cutter: bit(byte, 3),
            unrecoverable: bit(byte, 5),
            auto_recoverable: bit(byte, 6),
        },
        // Either bit of a pair is taken as the condition: printers differ in whether they
        // set one or both.
        StatusQuery::PaperSensor => StatusReply::PaperSensor {
            near_end: byte & 0x0C != 0,
            paper_out: byte & 0x60 != 0,
        },
    })
}

/// Paper roll state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaperState {
    #[default]
    Ok,
    NearEnd,
    Out,
}

/// What stops the printer from printing, most actionable first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrinterProblem {
    CoverOpen,
    PaperOut,
    CutterError,
    UnrecoverableError,
    RecoverableError,
    Offline,
}

/// The printer's condition as the answers so far describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PrinterStatus {
    pub offline: bool,
    pub cover_open: bool,
    pub paper: PaperState,
    pub cutter_error: bool,
    pub unrecoverable_error: bool,
    /// Auto-recoverable or recoverable error, or "error occurred" without a cause.
    pub recoverable_error: bool,
    pub feed_button_pressed: bool,
}

impl PrinterStatus {
    /// Folds one answer in.
    pub fn apply(&mut self, reply: StatusReply) {
        match reply {
            StatusReply::Printer {
                offline,
                feed_button_pressed,
                ..
            } => {
                self.offline = offline;
                self.feed_button_pressed = feed_button_pressed;
            }
            StatusReply::OfflineCause {
                cover_open,
                paper_end_stop,
                error,
                ..
            } => {
                self.cover_open = cover_open;
                if paper_end_stop {
                    self.paper = PaperState::Out;
                }
                self.recoverable_error |= error;
            }
            StatusReply::ErrorCause {
                recoverable,
                cutter,
                unrecoverable,
                auto_recoverable,
            } => {
                self.cutter_error = cutter;
                self.unrecoverable_error = unrecoverable;
                self.recoverable_error |= recoverable || auto_recoverable;
            }
            StatusReply::PaperSensor {
                near_end,
                paper_out,
            } => {
                self.paper = if paper_out {
                    PaperState::Out
                } else if near_end {
                    PaperState::NearEnd
                } else {
                    PaperState::Ok
                };
            }
        }
    }

    /// The reason not to print, if any. Paper near end is a warning, not a problem.
    pub fn problem(&self) -> Option<PrinterProblem> {
        if self.cover_open {
            Some(PrinterProblem::CoverOpen)
        } else if self.paper == PaperState::Out {
            Some(PrinterProblem::PaperOut)
        } else if self.cutter_error {
            Some(PrinterProblem::CutterError)
        } else if self.unrecoverable_error {
            Some(PrinterProblem::UnrecoverableError)
        } else if self.recoverable_error {
            Some(PrinterProblem::RecoverableError)
        } else if self.offline {
            Some(PrinterProblem::Offline)
        } else {
            None
        }
    }

    pub fn paper_near_end(&self) -> bool {
        self.paper == PaperState::NearEnd
    }

    /// The answer a printer in this condition gives to `query` (the simulator's side).
    pub fn reply_byte(&self, query: StatusQuery) -> u8 {
        let b = |on: bool, n: u8| if on { 1u8 << n } else { 0 };
        let paper_out = self.paper == PaperState::Out;
        FIXED_BITS
            | match query {
                // A printer goes offline while the cover is open or the paper is out.
                StatusQuery::Printer => {
                    b(
                        self.offline || self.cover_open || paper_out || self.has_error(),
                        3,
                    ) | b(self.feed_button_pressed, 6)
                }
                StatusQuery::OfflineCause => {
                    b(self.cover_open, 2) | b(paper_out, 5) | b(self.has_error(), 6)
                }
                StatusQuery::ErrorCause => {
                    b(self.cutter_error, 3)
                        | b(self.unrecoverable_error, 5)
                        | b(self.recoverable_error, 6)
                }
                StatusQuery::PaperSensor => match self.paper {
                    PaperState::Ok => 0,
                    PaperState::NearEnd => 0x0C,
                    PaperState::Out => 0x60,
                },
            }
    }

    fn has_error(&self) -> bool {
        self.cutter_error || self.unrecoverable_error || self.recoverable_error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bytes_are_dle_eot_n() {
        assert_eq!(StatusQuery::Printer.request(), [0x10, 0x04, 1]);
        assert_eq!(StatusQuery::OfflineCause.request(), [0x10, 0x04, 2]);
        assert_eq!(StatusQuery::ErrorCause.request(), [0x10, 0x04, 3]);
        assert_eq!(StatusQuery::PaperSensor.request(), [0x10, 0x04, 4]);
        for n in 0..=u8::MAX {
            assert_eq!(
                StatusQuery::from_n(n).map(StatusQuery::n),
                (1..=4).contains(&n).then_some(n)
            );
        }
    }

    #[test]
    fn every_byte_of_every_query_parses_or_is_refused_and_maps_by_its_bits() {
        for query in StatusQuery::ALL {
            for byte in 0..=u8::MAX {
                let got = parse_reply(query, byte);
                let well_formed =
                    byte & 0x01 == 0 && byte & 0x02 != 0 && byte & 0x10 != 0 && byte & 0x80 == 0;
                let Ok(reply) = got else {
                    assert!(!well_formed, "{query:?} 0x{byte:02X} refused");
                    assert_eq!(got, Err(StatusParseError { query, byte }));
                    continue;
                };
                assert!(well_formed, "{query:?} 0x{byte:02X} accepted");
                let mut status = PrinterStatus::default();
                status.apply(reply);
                match query {
                    StatusQuery::Printer => {
                        assert_eq!(status.offline, byte & 0x08 != 0);
                        assert_eq!(status.problem().is_some(), byte & 0x08 != 0);
                    }
                    StatusQuery::OfflineCause => {
                        assert_eq!(status.cover_open, byte & 0x04 != 0);
                        assert_eq!(status.paper == PaperState::Out, byte & 0x20 != 0);
                        let want = if byte & 0x04 != 0 {
                            Some(PrinterProblem::CoverOpen)
                        } else if byte & 0x20 != 0 {
                            Some(PrinterProblem::PaperOut)
                        } else if byte & 0x40 != 0 {
                            Some(PrinterProblem::RecoverableError)
                        } else {
                            None
                        };
                        assert_eq!(status.problem(), want, "0x{byte:02X}");
                    }
                    StatusQuery::ErrorCause => {
                        assert_eq!(status.cutter_error, byte & 0x08 != 0);
                        assert_eq!(status.unrecoverable_error, byte & 0x20 != 0);
                        assert_eq!(status.recoverable_error, byte & 0x44 != 0);
                    }
                    StatusQuery::PaperSensor => {
                        let want = if byte & 0x60 != 0 {
                            PaperState::Out
                        } else if byte & 0x0C != 0 {
                            PaperState::NearEnd
                        } else {
                            PaperState::Ok
                        };
                        assert_eq!(status.paper, want, "0x{byte:02X}");
                    }
                }
            }
        }
    }

    #[test]
    fn documented_paper_sensor_answers() {
        let paper = |b| match parse_reply(StatusQuery::PaperSensor, b) {
            Ok(StatusReply::PaperSensor {
                near_end,
                paper_out,
            }) => (near_end, paper_out),
            other => panic!("{other:?}"),
        };
        assert_eq!(paper(0x12), (false, false));
        assert_eq!(paper(0x1E), (true, false));
        assert_eq!(paper(0x72), (false, true));
        assert!(parse_reply(StatusQuery::PaperSensor, 0x00).is_err());
        assert!(parse_reply(StatusQuery::PaperSensor, 0xFF).is_err());
    }

    #[test]
    fn reply_bytes_round_trip_through_the_parser() {
        let states = [
            PrinterStatus::default(),
            PrinterStatus {
                paper: PaperState::Out,
                ..Default::default()
            },
            PrinterStatus {
                paper: PaperState::NearEnd,
                ..Default::default()
            },
            PrinterStatus {
                cover_open: true,
                ..Default::default()
            },
            PrinterStatus {
                offline: true,
                ..Default::default()
            },
            PrinterStatus {
                cutter_error: true,
                ..Default::default()
            },
        ];
        for state in states {
            let mut seen = PrinterStatus::default();
            for q in StatusQuery::ALL {
                seen.apply(parse_reply(q, state.reply_byte(q)).unwrap());
            }
            assert_eq!(seen.problem(), state.problem(), "{state:?}");
            assert_eq!(seen.paper, state.paper, "{state:?}");
        }
        assert_eq!(
            PrinterStatus::default().reply_byte(StatusQuery::PaperSensor),
            0x12
        );
        let out = PrinterStatus {
            paper: PaperState::Out,
            ..Default::default()
        };
        assert_eq!(out.reply_byte(StatusQuery::PaperSensor), 0x72);
        let near = PrinterStatus {
            paper: PaperState::NearEnd,
            ..Default::default()
        };
        assert_eq!(near.reply_byte(StatusQuery::PaperSensor), 0x1E);
        assert_eq!(near.problem(), None);
        assert!(near.paper_near_end());
    }
}
