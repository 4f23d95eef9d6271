//! What is known of one profile: the last reports and the user's ticks,
//! each carrying the values it was obtained with ([`crate::evidence`]), so
//! that nothing is shown as passed once it no longer holds. `judge` reads
//! every stored result against the profile as it is now and gives each
//! wizard step its status.

mod judge;

pub use judge::{Basis, Judged, JudgedReport, JudgedTick, Overall, StepState, StepStatus, changed_words, judge};

pub use crate::evidence::{Evidence, Input, Recorded};
use serde::{Deserialize, Serialize};

/// What is known of one profile, kept in the store beside it
/// (`ProfileStore::load_results`) for both faces: every result, each with
/// its record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Results {
    pub secret: Option<crate::keychain::SecretStatus>,
    /// The user's ticks, one record per [`Evidence::TICKS`] ticked.
    pub ticks: Vec<Recorded>,
    pub token: Option<crate::report::Report>,
    pub send: Option<crate::report::Report>,
}
