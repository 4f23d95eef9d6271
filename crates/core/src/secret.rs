//! Wrappers for the two secrets the tool handles, the client secret and the
//! access token: `Debug` prints `<redacted>`, and neither implements
//! `Serialize` or `Display`, so neither can reach a log, a report or the UI by
//! accident. Reading the value takes an explicit `expose()`.

use crate::shape::is_guid;

pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Sensitive(self.0.clone())
    }
}

/// The client secret *Value* from Certificates & secrets.
#[derive(Debug, Clone)]
pub struct ClientSecret(Sensitive<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the client secret is empty")]
    Empty,
    #[error("the client secret has a line break or control character in it; paste only the Value")]
    ControlCharacters,
}

impl ClientSecret {
    /// Takes a pasted value, trimming the surrounding whitespace that copying
    /// from a browser or a terminal tends to add.
    pub fn new(value: &str) -> Result<ClientSecret, SecretError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(SecretError::Empty);
        }
        if value.chars().any(char::is_control) {
            return Err(SecretError::ControlCharacters);
        }
        Ok(ClientSecret(Sensitive::new(value.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// A GUID is what the portal shows as the *Secret ID*; the Value looks
    /// like `Xy18Q~...` instead. The most common paste mistake of all.
    pub fn looks_like_secret_id(&self) -> bool {
        is_guid(self.expose())
    }

    pub fn len(&self) -> usize {
        self.expose().len()
    }

    /// Tells secrets apart without revealing them: 64 bits of a SHA-256 of
    /// the value, separated from any other use of the hash. Results record it
    /// so that replacing the secret makes them out of date. Entra generates
    /// every secret Value (about 40 random characters), so 64 bits of a hash
    /// give nothing to guess from; the Secret ID is a random GUID too.
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            &[b"smtp-oauth-wizard client secret fingerprint v1\0".as_slice(), self.expose().as_bytes()].concat(),
        );
        digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

/// The warning shown when a secret looks like the Secret ID.
pub const SECRET_ID_WARNING: &str = "this looks like the Secret ID (a GUID), not the secret Value: copy the Value column on Certificates & secrets (it is shown only once; create a new secret if it is hidden)";

/// An access token from the token endpoint.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub value: Sensitive<String>,
    /// Seconds of validity the endpoint announced.
    pub expires_in: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = ClientSecret::new(" abc8Q~verysecretvalue ").unwrap();
        assert_eq!(secret.expose(), "abc8Q~verysecretvalue");
        assert!(!format!("{secret:?}").contains("verysecret"));
        let token = AccessToken { value: Sensitive::new("eyJ.payload.sig".into()), expires_in: Some(3599) };
        assert!(!format!("{token:?}").contains("payload"));
    }

    #[test]
    fn fingerprints_tell_secrets_apart_and_hide_them() {
        let a = ClientSecret::new("abc8Q~first-secret-value").unwrap();
        let b = ClientSecret::new("abc8Q~other-secret-value").unwrap();
        assert_eq!(a.fingerprint(), ClientSecret::new(" abc8Q~first-secret-value ").unwrap().fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        assert!(!a.fingerprint().contains("abc8"));
    }

    #[test]
    fn secret_id_shape_is_recognised() {
        for (value, looks_like_id) in
            [("3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", true), ("abc8Q~Xy18Q~d.EXAMPLEvalueEXAMPLEvalue12", false)]
        {
            assert_eq!(ClientSecret::new(value).unwrap().looks_like_secret_id(), looks_like_id, "{value}");
        }
        assert_eq!(ClientSecret::new("  ").unwrap_err(), SecretError::Empty);
        assert_eq!(ClientSecret::new("a\nb").unwrap_err(), SecretError::ControlCharacters);
    }
}
