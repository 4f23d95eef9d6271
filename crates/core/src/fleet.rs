//! Every saved profile checked at once (`smtp-oauth check --all`): each with
//! the secret or key the keychain holds for it, side by side within a bound,
//! and never more connections for one mailbox than Exchange Online allows.
//! Each profile's report is kept as its last result, as a single check does.

use crate::api::{self, ApiError, Network, Run, SecretSource};
use crate::checks::Status;
use crate::report::Report;
use crate::store::ProfileStore;
use crate::timeouts::Timeouts;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

/// Exchange Online lets a mailbox send over "up to three concurrent
/// connections" and answers more with `432 4.3.2 Concurrent connections limit
/// exceeded` (Microsoft Learn, "Message storage and concurrent connection
/// throttling for SMTP Authenticated Submission",
/// learn.microsoft.com/exchange/troubleshoot/send-emails/smtp-submission-improvements).
pub const PER_MAILBOX: usize = 3;

/// Profiles checked at the same time unless told otherwise: each check is
/// one connection and a few MB, and 8 made 18 customers take three turns
/// (`cargo xtask bench --latency`); the per-mailbox limit still holds.
pub const DEFAULT_CONCURRENCY: u16 = 16;

pub struct Fleet<'a> {
    pub store: &'a ProfileStore,
    /// The saved profiles to check, in this order: `store.list()` for every
    /// one (the caller has listed them already, to size its output).
    pub profiles: Vec<String>,
    /// Sign in only (no message) for every profile.
    pub auth_only: bool,
    /// At most this many profiles at a time (at least 1).
    pub concurrency: usize,
    pub timeouts: Timeouts,
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Ok,
    Warn,
    Fail,
    /// Nothing to check with: no secret or key in the keychain.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub profile: String,
    pub outcome: Outcome,
    /// Why it was skipped, or what stopped it before anything was checked.
    pub reason: Option<String>,
    pub report: Option<Report>,
    /// Wall time of this profile's check, waiting for a turn not counted.
    pub seconds: f64,
}

/// One profile's check as a list shows it, as it finishes: the report
/// itself is kept as the profile's last result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Line {
    pub profile: String,
    pub outcome: Outcome,
    /// Why it was skipped or stopped, else the first diagnosis's title.
    pub cause: Option<String>,
    /// How many of `total` have finished, this one included.
    pub done: u32,
    pub total: u32,
}

impl Entry {
    pub fn line(&self, done: usize, total: usize) -> Line {
        let diagnosed = self.report.as_ref().and_then(|r| r.diagnosis.first()).map(|d| d.title.clone());
        Line {
            profile: self.profile.clone(),
            outcome: self.outcome,
            cause: self.reason.clone().or(diagnosed),
            done: u32::try_from(done).unwrap_or(u32::MAX),
            total: u32::try_from(total).unwrap_or(u32::MAX),
        }
    }

    fn new(profile: String, outcome: Outcome, reason: Option<String>, report: Option<Report>, seconds: f64) -> Entry {
        Entry { profile, outcome, reason, report, seconds }
    }
}

/// Runs each of `fleet.profiles`; `on_done` hears of each as it finishes,
/// with how many have. The entries come back in the profiles' order.
pub async fn check_all(fleet: Fleet<'_>, on_done: &(dyn Fn(&Entry, usize) + Send + Sync)) -> api::Result<Vec<Entry>> {
    let global = Arc::new(Semaphore::new(fleet.concurrency.max(1)));
    let mut per_mailbox: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut running = tokio::task::JoinSet::new();
    let mut entries: Vec<(usize, Entry)> = Vec::new();
    for (index, name) in fleet.profiles.into_iter().enumerate() {
        let profile = match fleet.store.load(&name) {
            Ok(profile) => profile,
            Err(e) => {
                let entry = Entry::new(name, Outcome::Fail, Some(e.to_string()), None, 0.0);
                on_done(&entry, entries.len() + 1);
                entries.push((index, entry));
                continue;
            }
        };
        let mailbox = per_mailbox
            .entry(profile.mailbox.trim().to_ascii_lowercase())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_MAILBOX)))
            .clone();
        let global = global.clone();
        let store = fleet.store.clone();
        let (auth_only, timeouts, now) = (fleet.auth_only, fleet.timeouts, fleet.now);
        running.spawn(async move {
            // The mailbox's turn first, so that a profile waiting on its
            // mailbox holds no place another mailbox could use.
            let _mailbox = mailbox.acquire_owned().await;
            let _place = global.acquire_owned().await;
            let started = tokio::time::Instant::now();
            let what = if auth_only { Run::AuthOnly } else { Run::Send { to: None } };
            let network = Network {
                source: SecretSource::Keychain,
                timeouts,
                now,
                keep_in: Some(&store),
                trust_endpoints: false,
            };
            let result = api::run(&profile, what, network, &|_| {}).await;
            (index, name, result, started.elapsed().as_secs_f64())
        });
    }
    while let Some(joined) = running.join_next().await {
        let (index, name, result, seconds) = joined.map_err(|e| ApiError::Task(e.to_string()))?;
        let entry = match result {
            Ok(report) => {
                let outcome = match report.outcome {
                    Status::Ok => Outcome::Ok,
                    Status::Warn => Outcome::Warn,
                    Status::Fail => Outcome::Fail,
                };
                Entry::new(name, outcome, None, Some(report), seconds)
            }
            Err(e @ ApiError::NoSecret { .. }) => {
                Entry::new(name, Outcome::Skipped, Some(e.to_string()), None, seconds)
            }
            Err(e) => Entry::new(name, Outcome::Fail, Some(e.to_string()), None, seconds),
        };
        on_done(&entry, entries.len() + 1);
        entries.push((index, entry));
    }
    entries.sort_by_key(|(index, _)| *index);
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}
