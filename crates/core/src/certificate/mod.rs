//! Certificate credentials: the app proves itself with a JWT signed by its
//! private key instead of a shared secret (docs/microsoft-rules.md,
//! "Certificate credentials"). A key pair and a self-signed certificate are
//! made here (RSA, through the `rsa` crate and `rcgen`), or an existing one
//! is read from PKCS#12 or PEM and checked: a key that matches the
//! certificate, RSA of 2048 to 4096 bits, valid today. The private key is
//! `Sensitive`, kept as PKCS#8 DER (it fits one Windows Credential Manager
//! entry), and never printed, logged or serialised; so is every assertion.

use crate::secret::Sensitive;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SecureRandom;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Bits of a key made here: what Entra expects at least.
pub const KEY_BITS: usize = 2048;
/// The largest key accepted: its PKCS#8 DER must fit one keychain entry.
pub const MAX_KEY_BITS: usize = 4096;
/// How long an assertion is good for: Microsoft asks for "5-10 minutes after nbf at most".
const ASSERTION_SECONDS: i64 = 600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("the file could not be read as a certificate: {0}")]
    Unreadable(String),
    #[error("the .pfx could not be opened: the password is wrong, or the file is damaged")]
    WrongPassword,
    #[error(
        "the .pfx uses an encryption this tool cannot read ({0}); export it again with AES-256 (or TripleDES) and try again"
    )]
    UnsupportedEncryption(String),
    #[error("there is no private key in the file: the app signs with the key, so choose a .pfx or PEM that holds it")]
    NoPrivateKey,
    #[error("there is no certificate in the file")]
    NoCertificate,
    #[error("the private key does not belong to the certificate: they come from different key pairs")]
    Mismatch,
    #[error("the private key is encrypted: choose a .pfx with its password, or a PEM key that is not encrypted")]
    EncryptedKey,
    #[error("the certificate expired on {0}: make or import a new one")]
    Expired(String),
    #[error("the certificate is not valid before {0}: check this computer's date, or wait")]
    NotYetValid(String),
    #[error("the certificate's key is {0}; Entra ID signs client assertions with RSA keys only")]
    Algorithm(String),
    #[error("the certificate's RSA key has {0} bits; use 2048 to 4096")]
    KeySize(usize),
    #[error("the certificate could not be made: {0}")]
    Create(String),
}

/// What the wizard and the report show of a certificate: never its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CertificateInfo {
    pub subject: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// `YYYY-MM-DD` of `not_after`, as the profile's expiry date.
    pub expires: String,
    /// SHA-1 of the DER, upper-case hex: what the Entra admin center shows as the Thumbprint.
    pub thumbprint_sha1: String,
    /// SHA-256 of the DER, upper-case hex.
    pub thumbprint_sha256: String,
    pub key_bits: u32,
}

/// A public certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    info: CertificateInfo,
    /// The RSA public key (PKCS#1), to match a private key against.
    rsa_public: Vec<u8>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate").field("info", &self.info).finish_non_exhaustive()
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn sha1(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes).as_ref().to_vec()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().to_vec()
}

impl Certificate {
    /// Reads an X.509 certificate (DER).
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        use x509_parser::public_key::PublicKey;
        let (_, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|e| CertError::Unreadable(format!("not X.509: {e}")))?;
        let spki = cert.public_key();
        let (rsa_public, key_bits) = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => (spki.subject_public_key.data.to_vec(), rsa.key_size()),
            Ok(PublicKey::EC(_)) => return Err(CertError::Algorithm("an elliptic-curve (EC) key".into())),
            Ok(PublicKey::DSA(_)) => return Err(CertError::Algorithm("a DSA key".into())),
            Ok(_) => return Err(CertError::Algorithm("not RSA".into())),
            Err(e) => return Err(CertError::Unreadable(format!("its public key: {e}"))),
        };
        let not_before = cert.validity().not_before.timestamp();
        let not_after = cert.validity().not_after.timestamp();
        let expires =
            OffsetDateTime::from_unix_timestamp(not_after).map(|t| crate::when::iso_day(t.date())).unwrap_or_default();
        Ok(Certificate {
            info: CertificateInfo {
                subject: crate::text::shown(&cert.subject().to_string(), 300),
                not_before,
                not_after,
                expires,
                thumbprint_sha1: hex_upper(&sha1(der)),
                thumbprint_sha256: hex_upper(&sha256(der)),
                key_bits: key_bits as u32,
            },
            der: der.to_vec(),
            rsa_public,
        })
    }

    /// Reads the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(text: &str) -> Result<Certificate, CertError> {
        let der = pem_blocks(text)
            .into_iter()
            .find(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der)
            .ok_or(CertError::NoCertificate)?;
        Certificate::from_der(&der)
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn pem(&self) -> String {
        let body = STANDARD.encode(&self.der);
        let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
        format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
    }

    pub fn info(&self) -> &CertificateInfo {
        &self.info
    }

    /// What results record as the credential in use, like a secret's fingerprint.
    pub fn fingerprint(&self) -> String {
        format!("cert:{}", &self.info.thumbprint_sha256[..16].to_ascii_lowercase())
    }

    fn check_validity(&self, now: OffsetDateTime) -> Result<(), CertError> {
        let day = |t: i64| {
            OffsetDateTime::from_unix_timestamp(t).map(|t| crate::when::day(t.date())).unwrap_or_else(|_| t.to_string())
        };
        let now = now.unix_timestamp();
        if now < self.info.not_before {
            return Err(CertError::NotYetValid(day(self.info.not_before)));
        }
        if now > self.info.not_after {
            return Err(CertError::Expired(day(self.info.not_after)));
        }
        Ok(())
    }
}

/// `(label, DER)` of every PEM block in `text`.
fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            current = Some((label.to_string(), String::new()));
        } else if line.starts_with("-----END ") {
            if let Some((label, body)) = current.take()
                && let Ok(der) = STANDARD.decode(body)
            {
                blocks.push((label, der));
            }
        } else if let Some((_, body)) = &mut current
            && !line.contains(':')
        {
            body.push_str(line);
        }
    }
    blocks
}

/// A certificate with its private key: what signs the client assertion.
#[derive(Clone)]
pub struct CertificateCredential {
    pub certificate: Certificate,
    /// PKCS#8 DER.
    key: Sensitive<Vec<u8>>,
}

impl std::fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("certificate", &self.certificate)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CertificateCredential {
    /// A new RSA key pair and a self-signed certificate for it, valid from
    /// a few minutes ago (clocks differ) for `months` months.
    pub fn create(subject: &str, months: u8, now: OffsetDateTime) -> Result<CertificateCredential, CertError> {
        use rsa::pkcs8::EncodePrivateKey;
        let create = |e: &dyn std::fmt::Display| CertError::Create(e.to_string());
        let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, KEY_BITS).map_err(|e| create(&e))?;
        let pkcs8 = key.to_pkcs8_der().map_err(|e| create(&e))?.as_bytes().to_vec();
        let key_pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_slice().into(), &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| create(&e))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, subject);
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = add_months(now, months.clamp(1, 24));
        let mut serial = [0u8; 16];
        ring::rand::SystemRandom::new().fill(&mut serial).map_err(|_| create(&"no random numbers"))?;
        serial[0] &= 0x7f;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key_pair).map_err(|e| create(&e))?;
        CertificateCredential::from_parts(Certificate::from_der(cert.der())?, pkcs8, now)
    }

    /// A certificate and its PKCS#8 key, checked: RSA of a size Entra takes
    /// and the keychain holds, the key the certificate's, valid at `now`.
    pub fn from_parts(
        certificate: Certificate,
        pkcs8: Vec<u8>,
        now: OffsetDateTime,
    ) -> Result<CertificateCredential, CertError> {
        let bits = certificate.info.key_bits as usize;
        if !(KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(CertError::KeySize(bits));
        }
        let pair = ring::signature::RsaKeyPair::from_pkcs8(&pkcs8).map_err(|_| {
            if looks_like_ec(&pkcs8) {
                CertError::Algorithm("an elliptic-curve (EC) key".into())
            } else {
                CertError::Unreadable("the private key is not an RSA key in PKCS#8".into())
            }
        })?;
        use ring::signature::KeyPair;
        if pair.public_key().as_ref() != certificate.rsa_public.as_slice() {
            return Err(CertError::Mismatch);
        }
        certificate.check_validity(now)?;
        Ok(CertificateCredential { certificate, key: Sensitive::new(pkcs8) })
    }

    /// From a PKCS#12 file (`.pfx`, `.p12`) and its password.
    pub fn from_pkcs12(bytes: &[u8], password: &str, now: OffsetDateTime) -> Result<CertificateCredential, CertError> {
        use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
        let store = KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) | p12_keystore::error::Error::UnpadError => {
                CertError::WrongPassword
            }
            p12_keystore::error::Error::UnsupportedEncryptionScheme => {
                CertError::UnsupportedEncryption("for example RC2, which older tools use".into())
            }
            other => CertError::Unreadable(other.to_string()),
        })?;
        if let Some((_, chain)) = store.private_key_chain() {
            let leaf = chain.certs().first().ok_or(CertError::NoCertificate)?;
            let certificate = Certificate::from_der(leaf.as_der())?;
            return CertificateCredential::from_parts(certificate, chain.key().as_der().to_vec(), now);
        }
        // A certificate without its key is kept as a trusted entry only when asked for everything.
        let raw = KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Raw).unwrap_or_default();
        let has_certificate = raw.entries().any(|(_, e)| matches!(e, KeyStoreEntry::Certificate(_)));
        Err(if has_certificate { CertError::NoPrivateKey } else { CertError::NoCertificate })
    }

    /// From PEM: the certificate, and the key in the same text or in `key`
    /// (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    pub fn from_pem(text: &str, key: Option<&str>, now: OffsetDateTime) -> Result<CertificateCredential, CertError> {
        let certificate = Certificate::from_pem(text)?;
        let blocks = pem_blocks(key.unwrap_or(text));
        let find = |label: &str| blocks.iter().find(|(l, _)| l == label).map(|(_, der)| der.clone());
        let pkcs8 = if let Some(der) = find("PRIVATE KEY") {
            der
        } else if let Some(der) = find("RSA PRIVATE KEY") {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::from_pkcs1_der(&der).map_err(|e| CertError::Unreadable(e.to_string()))?;
            key.to_pkcs8_der().map_err(|e| CertError::Unreadable(e.to_string()))?.as_bytes().to_vec()
        } else if find("ENCRYPTED PRIVATE KEY").is_some() {
            return Err(CertError::EncryptedKey);
        } else if find("EC PRIVATE KEY").is_some() {
            return Err(CertError::Algorithm("an elliptic-curve (EC) key".into()));
        } else {
            return Err(CertError::NoPrivateKey);
        };
        CertificateCredential::from_parts(certificate, pkcs8, now)
    }

    /// The key as stored in the keychain (PKCS#8 DER).
    pub(crate) fn key_pkcs8(&self) -> &[u8] {
        self.key.expose()
    }

    /// The certificate and key as a PKCS#12 file, for a server without a
    /// keychain (AES-256, HMAC-SHA256).
    pub fn to_pkcs12(&self, password: &str) -> Result<Vec<u8>, CertError> {
        use p12_keystore::{Certificate as P12Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
        let bad = |e: p12_keystore::error::Error| CertError::Create(e.to_string());
        let cert = P12Certificate::from_der(self.certificate.der()).map_err(bad)?;
        let key = PrivateKey::from_der(self.key_pkcs8()).map_err(bad)?;
        let local_key_id = sha1(self.certificate.der());
        let chain = PrivateKeyChain::new(local_key_id, key, [cert]);
        let mut store = KeyStore::new();
        store.add_entry("smtp-oauth", KeyStoreEntry::PrivateKeyChain(chain));
        store.writer(password).write().map_err(bad)
    }

    /// The signed client assertion for `audience` (the token endpoint's
    /// URL) as `client_id`, issued at `now` (docs/microsoft-rules.md,
    /// "Certificate credentials"): PS256 with `x5t#S256` and `x5t`.
    pub fn assertion(
        &self,
        audience: &str,
        client_id: &str,
        now: OffsetDateTime,
    ) -> Result<Sensitive<String>, CertError> {
        let rng = ring::rand::SystemRandom::new();
        let mut id = [0u8; 16];
        rng.fill(&mut id).map_err(|_| CertError::Create("no random numbers".into()))?;
        // a version 4 UUID
        id[6] = (id[6] & 0x0f) | 0x40;
        id[8] = (id[8] & 0x3f) | 0x80;
        let h = hex_upper(&id).to_ascii_lowercase();
        let jti = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
        let der = self.certificate.der();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256);
        header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(sha256(der)));
        header.x5t = Some(URL_SAFE_NO_PAD.encode(sha1(der)));
        let t = now.unix_timestamp();
        let claims = serde_json::json!({
            "aud": audience, "iss": client_id, "sub": client_id, "jti": jti,
            "nbf": t, "iat": t, "exp": t + ASSERTION_SECONDS,
        });
        // jsonwebtoken takes the RSA key as PKCS#1 DER; the copy lives only here.
        let unreadable = || CertError::Unreadable("the stored private key".into());
        let key = rsa::RsaPrivateKey::from_pkcs8_der(self.key_pkcs8()).map_err(|_| unreadable())?;
        let pkcs1 = Sensitive::new(key.to_pkcs1_der().map_err(|_| unreadable())?.as_bytes().to_vec());
        let signing = jsonwebtoken::EncodingKey::from_rsa_der(pkcs1.expose());
        jsonwebtoken::encode(&header, &claims, &signing)
            .map(Sensitive::new)
            .map_err(|_| CertError::Create("the assertion could not be signed".into()))
    }
}

/// An EC key in PKCS#8 names id-ecPublicKey (1.2.840.10045.2.1).
fn looks_like_ec(pkcs8: &[u8]) -> bool {
    const EC_OID: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pkcs8.windows(EC_OID.len()).any(|w| w == EC_OID)
}

/// `now` plus `months` calendar months (the last day of a month that is shorter).
fn add_months(now: OffsetDateTime, months: u8) -> OffsetDateTime {
    let total = now.month() as i32 - 1 + i32::from(months);
    let year = now.year() + total / 12;
    let month = time::Month::try_from((total % 12 + 1) as u8).unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, year);
    let day = now.day().min(last);
    time::Date::from_calendar_date(year, month, day).map(|d| now.replace_date(d)).unwrap_or(now)
}

#[cfg(test)]
mod tests;
