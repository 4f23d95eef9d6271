//! End-to-end tests of `smtp-oauth-core` against the local Exchange
//! look-alike (tests/lookalike): a real SMTP server and a token endpoint
//! issuing RS256 JWTs, both over TLS from the test CA. Each test starts its
//! own look-alike with the directory it needs.

mod check;
mod keychain;
mod no_tauri;
mod smtp_probe;
mod token;

use lookalike::{CLIENT_ID, DOMAIN, Lookalike, MAILBOX, SECRET, SP_OBJECT_ID};
use smtp_oauth_core::report::{self, Plan, Report};
use smtp_oauth_core::{ClientSecret, Profile, Timeouts};
use std::time::Duration;
use time::OffsetDateTime;

/// A profile pointing at `rig`, filled in correctly.
pub fn profile(rig: &Lookalike) -> Profile {
    Profile {
        name: "contoso".into(),
        tenant: DOMAIN.into(),
        client_id: CLIENT_ID.into(),
        sp_object_id: Some(SP_OBJECT_ID.into()),
        mailbox: MAILBOX.into(),
        smtp_host: Some(rig.smtp_host().into()),
        smtp_port: Some(rig.smtp_port),
        authority: Some(rig.authority()),
        ca_file: Some(lookalike::ca_file()),
        ..Profile::default()
    }
}

pub fn secret() -> ClientSecret {
    ClientSecret::new(SECRET).unwrap()
}

/// What `profile` trusts (the OS store plus its CA file).
pub fn trust(profile: &Profile) -> smtp_oauth_core::trust::Trust {
    smtp_oauth_core::trust::Trust::load(profile.ca_file.as_deref()).unwrap()
}

pub fn timeouts(seconds: u64) -> Timeouts {
    Timeouts::with_overall(Duration::from_secs(seconds))
}

/// Token, claims and (with `to`) the SMTP probe, as `smtp-oauth check` runs them.
pub async fn run(profile: &Profile, secret: &ClientSecret, to: Option<&str>) -> Report {
    let plan = Plan { profile, secret, send_to: to, timeouts: timeouts(20), now: OffsetDateTime::now_utc() };
    report::run(plan, &|_| {}).await
}
