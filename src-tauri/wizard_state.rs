//! The wizard's progress per profile (step, visited steps), saved after
//! every change so that reopening resumes where the user was. Never a
//! profile's values (the profile file is the truth) nor its results (the
//! store keeps them beside the profile, for both faces). The frontend owns the shape; this
//! keeps the file safe: atomic private writes, and a file that cannot be read
//! is moved aside and reported, never overwritten.

use crate::error::{CommandError, ErrorKind};
use smtp_oauth_core::files::{self, Access, Read};
use smtp_oauth_core::store;
use std::path::PathBuf;

/// Far above any real state; a guard against a runaway frontend.
const MAX_BYTES: usize = 4 * 1024 * 1024;

fn path() -> Result<PathBuf, CommandError> {
    Ok(store::config_dir()?.join("wizard.json"))
}

/// The saved progress, if any. A file that cannot be read is moved aside
/// (nothing is lost) and reported, and the wizard starts afresh.
pub fn load() -> Result<Option<serde_json::Value>, CommandError> {
    let path = path()?;
    files::across_processes(&path, || {
        let reason = match files::read_text(&path) {
            Read::Missing => return Ok(None),
            Read::Text(text) => match serde_json::from_str(&text) {
                Ok(value) => return Ok(Some(value)),
                Err(e) => e.to_string(),
            },
            Read::Unreadable(reason) => reason,
        };
        let aside = files::move_aside(&path)?;
        Err(CommandError::new(
            ErrorKind::Unreadable,
            format!(
                "the saved wizard progress could not be read ({reason}); it was moved to {} and the wizard starts afresh (profiles are not affected)",
                aside.display()
            ),
        ))
    })
}

pub fn save(state: &serde_json::Value) -> Result<(), CommandError> {
    let path = path()?;
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| CommandError::new(ErrorKind::InvalidInput, format!("the wizard state is not JSON: {e}")))?;
    if text.len() > MAX_BYTES {
        return Err(CommandError::new(ErrorKind::InvalidInput, "the wizard state is unreasonably large"));
    }
    Ok(files::write_atomically(&path, text.as_bytes(), Access::Private)?)
}
