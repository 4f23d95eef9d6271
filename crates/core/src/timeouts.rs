//! How long a network stage may take: a leaf every network module uses.

use std::time::Duration;

/// Bounds for one network stage (the token request, or the whole SMTP dialogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to open the TCP connection.
    pub connect: Duration,
    /// Time allowed for the whole stage, connection included.
    pub overall: Duration,
}

impl Timeouts {
    /// `overall` seconds for the stage, and at most 10 s of it to connect.
    pub fn with_overall(overall: Duration) -> Timeouts {
        Timeouts { connect: overall.min(Duration::from_secs(10)), overall }
    }
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts::with_overall(Duration::from_secs(30))
    }
}
