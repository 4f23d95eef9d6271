//! What the tool trusts: the OS trust store plus the extra CA a profile may
//! name (TLS-inspecting proxies, the test rig), the same for the token request
//! and the SMTP connection. Certificate verification can never be turned off.
//!
//! On macOS and Windows both connections use the OS's own verifier. Elsewhere
//! the OS store is a set of files; [`Trust::load`] reads it once per run and
//! hands the same roots to both connections, instead of each reading the
//! whole store again (about 15 ms a time).

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not read the trusted CA file {}: {reason}", path.display())]
pub struct CaFileError {
    pub path: PathBuf,
    pub reason: String,
}

/// The PEM text of the file, checked to hold at least one certificate.
pub fn read_ca_file(path: &Path) -> Result<Vec<u8>, CaFileError> {
    let fail = |reason: String| CaFileError { path: path.to_path_buf(), reason };
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
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

/// The roots for one run: load once, use for the token and the SMTP probe.
#[derive(Clone)]
pub struct Trust {
    extra: Vec<CertificateDer<'static>>,
    /// The OS store's roots, where it is read from files; `None` where the
    /// OS verifier is used instead.
    os_roots: Option<Vec<CertificateDer<'static>>>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").field("extra", &self.extra.len()).finish_non_exhaustive()
    }
}

#[cfg(any(target_os = "macos", target_os = "windows"))]
fn os_roots() -> Option<Vec<CertificateDer<'static>>> {
    None
}

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
fn os_roots() -> Option<Vec<CertificateDer<'static>>> {
    let mut roots = rustls_native_certs::load_native_certs().certs;
    // Keep only what rustls can use as a root, so one odd file in the store
    // cannot break TLS set-up.
    roots.retain(|c| rustls::RootCertStore::empty().add(c.clone()).is_ok());
    Some(roots)
}

impl Trust {
    /// The OS trust store plus the PEM file at `ca_file`, if any.
    pub fn load(ca_file: Option<&Path>) -> Result<Trust, CaFileError> {
        // reqwest and lettre take rustls' process-wide provider; make it ring.
        // Err only means one was installed already, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let extra = match ca_file {
            Some(path) => CertificateDer::pem_slice_iter(&read_ca_file(path)?).filter_map(Result::ok).collect(),
            None => Vec::new(),
        };
        Ok(Trust { extra, os_roots: os_roots() })
    }

    /// Sets up an HTTP client's TLS roots.
    pub fn configure_http(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        let der = |c: &CertificateDer<'static>| reqwest::Certificate::from_der(c).map_err(|e| e.to_string());
        let extra = self.extra.iter().map(der).collect::<Result<Vec<_>, _>>()?;
        Ok(match &self.os_roots {
            None => builder.tls_certs_merge(extra),
            Some(roots) => builder
                .tls_certs_only(roots.iter().map(der).chain(extra.into_iter().map(Ok)).collect::<Result<Vec<_>, _>>()?),
        })
    }

    /// TLS parameters for an SMTP connection to `host` (TLS 1.2 or newer).
    pub fn smtp_parameters(&self, host: &str) -> Result<lettre::transport::smtp::client::TlsParameters, String> {
        use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters, TlsVersion};
        let store = if self.os_roots.is_some() { CertificateStore::None } else { CertificateStore::Default };
        let mut builder =
            TlsParameters::builder(host.to_string()).set_min_tls_version(TlsVersion::Tlsv12).certificate_store(store);
        for cert in self.os_roots.iter().flatten().chain(&self.extra) {
            builder = builder.add_root_certificate(Certificate::from_der(cert.to_vec()).map_err(|e| e.to_string())?);
        }
        builder.build_rustls().map_err(|e| e.to_string())
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

/// Walks an error's sources (looking inside `io::Error`, where tokio-rustls
/// puts the rustls error) for a certificate problem.
pub fn tls_problem(err: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    use rustls::CertificateError as C;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(C::UnknownIssuer) => TlsProblem::UntrustedIssuer,
                rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
                    TlsProblem::NameMismatch
                }
                rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => TlsProblem::Expired,
                other => TlsProblem::Other(other.to_string()),
            });
        }
        current = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
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
