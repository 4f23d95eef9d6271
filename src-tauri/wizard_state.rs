//! The wizard's progress (step, visited steps, checklists, last results),
//! saved after every change so that reopening resumes where the user was.
//! The frontend owns its shape; this file keeps it safe: atomic writes, and
//! a file that cannot be read is moved aside, not overwritten.

use crate::error::{CommandError, ErrorKind};
use smtp_oauth_core::profile::{self, ProfileError};
use std::path::PathBuf;

/// Far above any real state; a guard against a runaway frontend.
const MAX_BYTES: usize = 4 * 1024 * 1024;

fn path() -> Result<PathBuf, ProfileError> {
    Ok(profile::config_dir()?.join("wizard.json"))
}

/// The saved progress, if any. A file that cannot be read is moved aside
/// (nothing is lost) and reported, and the wizard starts afresh.
pub fn load() -> Result<Option<serde_json::Value>, CommandError> {
    let path = path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ProfileError::Io { action: "read", path, source }.into()),
    };
    match serde_json::from_str(&text) {
        Ok(value) => Ok(Some(value)),
        Err(e) => {
            let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
            let aside = path.with_extension(format!("json.unreadable-{stamp}"));
            std::fs::rename(&path, &aside).map_err(|source| ProfileError::Io { action: "move aside", path, source })?;
            Err(CommandError::new(
                ErrorKind::Unreadable,
                format!(
                    "the saved wizard progress could not be read ({e}); it was moved to {} and the wizard starts afresh (profiles are not affected)",
                    aside.display()
                ),
            ))
        }
    }
}

pub fn save(state: &serde_json::Value) -> Result<(), ProfileError> {
    let path = path()?;
    let text = serde_json::to_string_pretty(state).expect("a JSON value serialises");
    if text.len() > MAX_BYTES {
        return Err(ProfileError::Io {
            action: "save",
            path,
            source: std::io::Error::other("the wizard state is unreasonably large"),
        });
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ProfileError::Io {
            action: "create",
            path: dir.into(),
            source,
        })?;
    }
    profile::write_atomically(&path, text.as_bytes())
}
