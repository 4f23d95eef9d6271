//! End-to-end tests of `smtp-oauth-core` against the local Exchange
//! look-alike (tests/lookalike): a real SMTP server and a token endpoint
//! issuing RS256 JWTs, both over TLS from the test CA. Each test starts its
//! own look-alike with the directory it needs.

mod certificate;
mod check;
mod keychain;
mod no_tauri;
mod scripted;
mod smtp_probe;
mod token;

use lookalike::{CLIENT_ID, DOMAIN, Lookalike, MAILBOX, SECRET, SP_OBJECT_ID};
use smtp_oauth_core::ready::Ready;
use smtp_oauth_core::report::{self, Plan, Report};
use smtp_oauth_core::secret::AccessToken;
use smtp_oauth_core::token::TokenError;
use smtp_oauth_core::{ClientSecret, Credential, Profile, Timeouts};
use std::time::Duration;
use time::OffsetDateTime;

/// A profile pointing at `rig`, filled in correctly.
pub fn profile(rig: &Lookalike) -> Profile {
    Profile {
        smtp_host: Some(rig.smtp_host().into()),
        smtp_port: Some(rig.smtp_port),
        authority: Some(rig.authority()),
        ca_file: Some(lookalike::ca_file()),
        ..profile_values()
    }
}

/// The look-alike's app and mailbox, with no endpoints yet.
pub fn profile_values() -> Profile {
    Profile {
        name: "contoso".into(),
        tenant: DOMAIN.into(),
        client_id: CLIENT_ID.into(),
        sp_object_id: Some(SP_OBJECT_ID.into()),
        mailbox: MAILBOX.into(),
        ..Profile::default()
    }
}

pub fn secret() -> ClientSecret {
    ClientSecret::new(SECRET).unwrap()
}

/// What a token request with `profile` needs; its fields must be right.
pub fn ready_for_token(profile: &Profile) -> Ready {
    Ready::for_token(profile).unwrap_or_else(|e| panic!("the profile is not ready for a token: {e:?}"))
}

/// What a test message to `to` with `profile` needs; its fields must be right.
pub fn ready_for_sending(profile: &Profile, to: &str) -> Ready {
    Ready::for_sending(profile, Some(to)).unwrap_or_else(|e| panic!("the profile is not ready to send: {e:?}"))
}

/// A token for `profile`, as the check fetches it.
pub async fn fetch_token(
    profile: &Profile,
    secret: &ClientSecret,
    timeouts: Timeouts,
) -> Result<AccessToken, TokenError> {
    let ready = ready_for_token(profile);
    smtp_oauth_core::token::fetch(&ready.token, &secret.clone().into(), timeouts, &ready.trust).await
}

pub fn timeouts(seconds: u64) -> Timeouts {
    Timeouts::with_overall(Duration::from_secs(seconds))
}

/// Token, claims and (with `to`) the SMTP probe, as `smtp-oauth check` runs them.
pub async fn run(profile: &Profile, secret: &ClientSecret, to: Option<&str>) -> Report {
    run_with(profile, &secret.clone().into(), to).await
}

/// [`run`] with any credential.
pub async fn run_with(profile: &Profile, credential: &Credential, to: Option<&str>) -> Report {
    let ready = match to {
        Some(to) => ready_for_sending(profile, to),
        None => ready_for_token(profile),
    };
    let plan = Plan { ready: &ready, credential, timeouts: timeouts(20), now: OffsetDateTime::now_utc() };
    report::run(plan, &|_| {}).await
}
