//! What the tool trusts: the OS trust store plus the extra CA a profile may
//! name (TLS-inspecting proxies, the test rig), the same for the token request
//! and the SMTP connection: one rustls configuration serves both. Certificate
//! verification can never be turned off.
//!
//! The OS decides through its own verifier on macOS and Windows; elsewhere
//! the OS store is a set of files, read once per run. A chain to the named CA
//! is accepted without asking the OS: the CA is checked first, by webpki, and
//! only a chain it does not issue goes on to the OS verifier. (Handing the CA
//! to the Windows verifier instead would need an exclusive root store, a
//! Windows 8 structure that Wine refuses; see tests/cli/windows.rs.)

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not read the trusted CA file {}: {reason}", path.display())]
pub struct CaFileError {
    pub path: PathBuf,
    pub reason: String,
}

/// The PEM text of the file, checked to hold at least one certificate.
pub fn read_ca_file(path: &Path) -> Result<Vec<u8>, CaFileError> {
    let fail = |reason: String| CaFileError { path: path.to_path_buf(), reason };
    let pem = crate::files::read_bounded(path).map_err(|e| fail(e.to_string()))?;
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        cert.map_err(|e| fail(format!("not a PEM certificate file ({e:?})")))?;
        count += 1;
    }
    if count == 0 {
        return Err(fail("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
    }
    Ok(pem)
}

/// The trust for one run: loaded once, used for the token and the SMTP probe.
#[derive(Clone)]
pub struct Trust {
    extra: Vec<CertificateDer<'static>>,
    /// Built on first use, then shared by both connections.
    config: Arc<OnceLock<Result<Arc<ClientConfig>, String>>>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").field("extra", &self.extra.len()).finish_non_exhaustive()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The OS's own verifier.
#[cfg(any(target_os = "macos", target_os = "windows"))]
fn os_verifier(provider: Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>, String> {
    Ok(Arc::new(rustls_platform_verifier::Verifier::new(provider).map_err(|e| e.to_string())?))
}

/// webpki over the OS store's files, keeping only what rustls can use as a
/// root, so one odd file in the store cannot break TLS set-up.
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
fn os_verifier(provider: Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    Ok(WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).build().map_err(|e| e.to_string())?)
}

impl Trust {
    /// The OS trust store plus the PEM file at `ca_file`, if any.
    pub fn load(ca_file: Option<&Path>) -> Result<Trust, CaFileError> {
        let extra = match ca_file {
            Some(path) => CertificateDer::pem_slice_iter(&read_ca_file(path)?).filter_map(Result::ok).collect(),
            None => Vec::new(),
        };
        Ok(Trust { extra, config: Arc::default() })
    }

    /// The TLS client configuration of both connections: TLS 1.2 or newer,
    /// ring, and the verifier described above.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        self.config.get_or_init(|| self.build()).clone()
    }

    fn build(&self) -> Result<Arc<ClientConfig>, String> {
        let provider = provider();
        let os = os_verifier(provider.clone())?;
        let verifier: Arc<dyn ServerCertVerifier> = if self.extra.is_empty() {
            os
        } else {
            let mut roots = rustls::RootCertStore::empty();
            let (added, _ignored) = roots.add_parsable_certificates(self.extra.iter().cloned());
            if added == 0 {
                return Err("the trusted CA file holds no certificate usable as a root".into());
            }
            let named = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| e.to_string())?;
            Arc::new(NamedCaThenOs { named, os })
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// Sets up an HTTP client's TLS.
    pub fn configure_http(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        let config: Arc<ClientConfig> = self.client_config()?;
        Ok(builder.tls_backend_preconfigured(ClientConfig::clone(&config)))
    }
}

/// A chain to the named CA passes; a chain the CA did not issue goes to the
/// OS. Any other verdict of the CA's (a wrong host name, an expired
/// certificate) stands: the chain did lead to it.
#[derive(Debug)]
struct NamedCaThenOs {
    named: Arc<WebPkiServerVerifier>,
    os: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for NamedCaThenOs {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.named.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
                self.os.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            verdict => verdict,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.os.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.os.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.os.supported_verify_schemes()
    }
}

/// What a TLS handshake failure means for the user, read from the error chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum TlsProblem {
    /// The chain does not lead to a trusted root: a TLS-inspecting proxy, or
    /// a server the OS does not trust.
    UntrustedIssuer,
    /// The certificate is valid but for another host name.
    NameMismatch,
    Expired,
    Other(String),
}

/// How a TLS handshake failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// The server's certificate was not accepted.
    Certificate(TlsProblem),
    /// Anything else, in words: no TLS version or cipher in common, data
    /// that is not TLS, an alert from the server.
    Other(String),
}

/// Walks an error's sources (looking inside `io::Error`, where tokio-rustls
/// puts the rustls error) for the rustls error, and says what it means.
pub fn handshake_failure(err: &(dyn std::error::Error + 'static)) -> Option<HandshakeFailure> {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            let certificate = |problem| Some(HandshakeFailure::Certificate(problem));
            let other = |words: &str| Some(HandshakeFailure::Other(words.to_string()));
            return match tls {
                E::InvalidCertificate(C::UnknownIssuer) => certificate(TlsProblem::UntrustedIssuer),
                E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
                    certificate(TlsProblem::NameMismatch)
                }
                E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => certificate(TlsProblem::Expired),
                E::InvalidCertificate(c) => certificate(TlsProblem::Other(format!("{c:?}"))),
                E::PeerIncompatible(_)
                | E::AlertReceived(A::ProtocolVersion | A::HandshakeFailure | A::InsufficientSecurity) => other(
                    "the server and this tool have no TLS version or cipher in common (this tool speaks TLS 1.2 and 1.3)",
                ),
                E::InvalidMessage(_) | E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
                    other("the server answered with something that is not TLS (is another service on that port?)")
                }
                E::AlertReceived(alert) => {
                    Some(HandshakeFailure::Other(format!("the server ended the handshake with the alert {alert:?}")))
                }
                E::PeerMisbehaved(why) => {
                    Some(HandshakeFailure::Other(format!("the server broke the TLS protocol ({why:?})")))
                }
                other_error => Some(HandshakeFailure::Other(other_error.to_string())),
            };
        }
        current = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// The certificate problem in an error's chain, if that is what it is.
pub fn tls_problem(err: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    match handshake_failure(err)? {
        HandshakeFailure::Certificate(problem) => Some(problem),
        HandshakeFailure::Other(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_missing_and_non_pem_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = read_ca_file(&dir.path().join("nope.pem")).unwrap_err();
        assert!(missing.to_string().starts_with("could not read the trusted CA file"), "{missing}");
        let text = dir.path().join("text.pem");
        std::fs::write(&text, "hello").unwrap();
        assert!(read_ca_file(&text).unwrap_err().reason.contains("no PEM certificate"));
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/tls/ca.pem");
        assert!(read_ca_file(Path::new(ca)).is_ok());
    }

    #[test]
    fn finds_rustls_errors_inside_io_errors() {
        let rustls_err = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_err);
        assert_eq!(tls_problem(&io), Some(TlsProblem::UntrustedIssuer));
        let plain = std::io::Error::other("nope");
        assert_eq!(tls_problem(&plain), None);
    }
}
