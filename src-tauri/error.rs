//! Errors as they cross to the frontend: `{ kind, message, fields }`. The UI
//! branches on `kind`, never on the text.

use serde::Serialize;
use smtp_oauth_core::api::ApiError;
use smtp_oauth_core::keychain::KeychainError;
use smtp_oauth_core::profile::FieldError;
use smtp_oauth_core::store::ProfileError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// One or more fields are wrong; `fields` says which.
    InvalidInput,
    NotFound,
    /// A profile of that name exists already.
    Exists,
    /// The profile file changed (or went) since the wizard opened it: reload.
    ChangedElsewhere,
    /// A profile file could not be read and was moved aside.
    Unreadable,
    NewerSchema,
    Io,
    KeychainUnavailable,
    KeychainFailed,
    /// No client secret (or certificate key) is stored for the profile.
    NoSecret,
    /// A certificate could not be made, read or used; the message says why.
    Certificate,
    /// An imported profile's own endpoints wait for the user's confirmation
    /// before the stored secret is used with them.
    EndpointsUnconfirmed,
    Cancelled,
    /// Another network operation with the same ID is running.
    Busy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CommandError {
        CommandError { kind, message: message.into(), fields: Vec::new() }
    }

    pub fn invalid(fields: Vec<FieldError>) -> CommandError {
        let message = fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ");
        CommandError { kind: ErrorKind::InvalidInput, message, fields }
    }
}

impl From<ProfileError> for CommandError {
    fn from(e: ProfileError) -> CommandError {
        let kind = match &e {
            ProfileError::Invalid(fields) => return CommandError::invalid(fields.clone()),
            ProfileError::NotFound { .. } => ErrorKind::NotFound,
            ProfileError::Exists { .. } => ErrorKind::Exists,
            ProfileError::ChangedElsewhere { .. } => ErrorKind::ChangedElsewhere,
            ProfileError::Unreadable { .. } | ProfileError::NotAnExport(_) => ErrorKind::Unreadable,
            ProfileError::NewerSchema { .. } => ErrorKind::NewerSchema,
            ProfileError::File(_) | ProfileError::NoConfigDir => ErrorKind::Io,
        };
        CommandError::new(kind, e.to_string())
    }
}

impl From<KeychainError> for CommandError {
    fn from(e: KeychainError) -> CommandError {
        let kind = match e {
            KeychainError::Unavailable { .. } => ErrorKind::KeychainUnavailable,
            KeychainError::Failed { .. } => ErrorKind::KeychainFailed,
            KeychainError::NoIdentity | KeychainError::TooLarge { .. } => ErrorKind::InvalidInput,
        };
        CommandError::new(kind, e.to_string())
    }
}

impl From<smtp_oauth_core::files::FileError> for CommandError {
    fn from(e: smtp_oauth_core::files::FileError) -> CommandError {
        CommandError::new(ErrorKind::Io, e.to_string())
    }
}

/// The core's reasons, as the wizard shows them: by kind, pointing at the step.
impl From<ApiError> for CommandError {
    fn from(e: ApiError) -> CommandError {
        let kind = match e {
            ApiError::Invalid(fields) => return CommandError::invalid(fields),
            ApiError::Profile(e) => return e.into(),
            ApiError::Keychain(e) => return e.into(),
            ApiError::NoSecret { .. } => {
                return CommandError::new(ErrorKind::NoSecret, format!("{e}: store it in step 4, Credential"));
            }
            ApiError::Certificate(_) => ErrorKind::Certificate,
            ApiError::EndpointsUnconfirmed { .. } => {
                return CommandError::new(
                    ErrorKind::EndpointsUnconfirmed,
                    format!("{e}: confirm them in step 1, Profile"),
                );
            }
            ApiError::Missing(_) => ErrorKind::NotFound,
            ApiError::Unreadable { .. } => ErrorKind::Unreadable,
            ApiError::NotATick(_) | ApiError::Explain(_) => ErrorKind::InvalidInput,
            ApiError::File(_) | ApiError::Task(_) => ErrorKind::Io,
        };
        CommandError::new(kind, e.to_string())
    }
}
