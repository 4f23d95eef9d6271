//! The Tauri-free core of SMTP OAuth Wizard: everything the desktop wizard and
//! the `smtp-oauth` CLI know how to do, as plain data types and functions.
//!
//! The flow it supports, in wizard order: a [`profile::Profile`] holds the
//! registration details, [`keychain`] keeps the client secret, [`powershell`]
//! writes the Exchange Online script, [`token`] fetches an access token,
//! [`claims`] decodes and checks it, [`smtp_probe`] sends a real message and
//! records the dialogue, and [`diagnosis`] turns any failure into a cause, a
//! fix and the [`step::WizardStep`] to revisit. [`report::run`] chains the
//! network stages for the `check` command and the wizard's last steps.

pub mod admin_sign_in;
pub mod api;
pub mod certificate;
pub mod checks;
pub mod claims;
pub mod cloud;
pub mod credential;
pub mod diagnosis;
pub mod evidence;
pub mod explain;
pub mod files;
pub mod fleet;
pub mod graph;
pub mod handover;
pub mod http;
pub mod keychain;
pub mod powershell;
pub mod profile;
pub mod ready;
pub mod reminder;
pub mod report;
pub mod results;
pub mod secret;
pub mod setup;
pub mod shape;
pub mod smtp_probe;
pub mod step;
pub mod store;
pub mod text;
pub mod timeouts;
pub mod token;
pub mod trust;
pub mod when;

pub use checks::{Check, CheckId, Status};
pub use cloud::Cloud;
pub use credential::{Credential, CredentialKind};
pub use diagnosis::Diagnosis;
pub use profile::{AuthPath, Profile};
pub use secret::{AccessToken, ClientSecret};
pub use step::WizardStep;
pub use timeouts::Timeouts;
