//! `smtp-oauth explain` and the wizard's "Explain an error" box: a line
//! pasted from a device's panel, a log or a bounce gets the same cause, fix
//! and step as a live run. It recognises Entra codes (`AADSTS7000215`), SMTP
//! replies (`535 5.7.3 ...`, also inside other text), an access token and an
//! XOAUTH2 string (whose token's claims are then checked as a live token's).
//! Nothing pasted is stored or sent anywhere; the text is outside data:
//! bounded, and shown only escaped.

use crate::checks::Check;
use crate::claims::{self, Claims};
use crate::diagnosis::{self, Context, Diagnosis, Finding};
use crate::profile::Profile;
use crate::smtp_probe::Reply;
use crate::token::{EntraError, EntraIds, TokenError};
use base64::Engine;
use serde::Serialize;
use time::OffsetDateTime;

/// The most of a paste that is read.
pub const MAX_PASTE: usize = 64 * 1024;

/// What the paste held, and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Explanation {
    /// What was recognised, in words (`the Entra code AADSTS7000215`, ...).
    pub recognised: Vec<String>,
    /// A token's claims, when the paste held one (decoded, not verified).
    pub claims: Option<Claims>,
    /// The claims checks of that token.
    pub checks: Vec<Check>,
    pub diagnosis: Vec<Diagnosis>,
    /// Without a profile, the token's tenant, app and object ID were
    /// compared with nothing: said so beside the checks.
    pub compared_with_profile: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("the text is longer than {} KiB: paste the error line alone", MAX_PASTE / 1024)]
    TooLong,
    #[error(
        "found no Entra code (AADSTS...), SMTP reply (such as 535 5.7.3 ...) or access token in the text: paste the whole error line as the device or the log shows it"
    )]
    NothingFound,
}

/// Explains `text` against `profile` (the profile the error came with, if
/// known) as of `now`.
pub fn explain(text: &str, profile: Option<&Profile>, now: OffsetDateTime) -> Result<Explanation, ExplainError> {
    if text.len() > MAX_PASTE {
        return Err(ExplainError::TooLong);
    }
    let mut recognised = Vec::new();
    let token = find_token(text);
    let claims = token.as_ref().and_then(|(jwt, from)| {
        let decoded = claims::decode(jwt).ok();
        if decoded.is_some() {
            recognised.push(from.clone());
        }
        decoded
    });
    // Without a profile, the token is held against itself where only a
    // profile could say what is right (tenant, app, object ID).
    let from_token = claims.as_ref().map(|c| Profile {
        tenant: c.tid.clone().unwrap_or_default(),
        client_id: c.client_id().unwrap_or_default().to_string(),
        sp_object_id: c.oid.clone(),
        ..Profile::default()
    });
    let compared_with_profile = profile.is_some();
    let profile = profile.cloned().or(from_token).unwrap_or_default();
    let checks = claims.as_ref().map(|c| claims::check(c, &profile, now)).unwrap_or_default();
    let ctx = Context { profile: &profile, checks: &checks };

    let mut diagnosis = Vec::new();
    for code in entra_codes(text) {
        recognised.push(format!("the Entra code AADSTS{code}"));
        let error = TokenError::Entra(Box::new(EntraError {
            status: 400,
            error: String::new(),
            description: line_of(text, &format!("AADSTS{code}")),
            codes: vec![code],
            ids: EntraIds::default(),
        }));
        diagnosis.push(diagnosis::for_token_error(&error, &ctx));
    }
    for reply in smtp_replies(text) {
        recognised.push(format!("the SMTP reply {}", reply.key()));
        diagnosis.push(diagnosis::for_reply(&reply, &ctx));
    }
    for (finding, said) in policy_errors(text) {
        recognised.push(format!("the policy error {said}"));
        diagnosis.push(finding.diagnosis());
    }
    if recognised.is_empty() {
        return Err(ExplainError::NothingFound);
    }
    Ok(Explanation { recognised, claims, checks, diagnosis, compared_with_profile })
}

/// A tenant's app management policy refusing a new credential, as Graph
/// and the Entra admin center word it (observed: Microsoft documents the
/// policies, not their error), by code or by text, once each.
fn policy_errors(text: &str) -> Vec<(Finding, &'static str)> {
    const KNOWN: [(&str, &str, Finding); 2] = [
        (
            "CredentialTypeNotAllowedAsPerAppPolicy",
            "credential type not allowed as per assigned policy",
            Finding::SecretsBlockedByPolicy,
        ),
        (
            "CredentialInvalidLifetimeAsPerAppPolicy",
            "credential lifetime exceeds the max value allowed as per assigned policy",
            Finding::SecretLifetimeByPolicy,
        ),
    ];
    let lower = text.to_lowercase();
    KNOWN
        .iter()
        .filter(|(code, words, _)| lower.contains(&code.to_lowercase()) || lower.contains(words))
        .map(|&(code, _, finding)| (finding, code))
        .collect()
}

/// The line of `text` that holds `needle`, escaped (Entra's description).
fn line_of(text: &str, needle: &str) -> String {
    let line = text.lines().find(|l| l.contains(needle)).unwrap_or(needle);
    crate::text::shown(line.trim(), 500)
}

/// Every `AADSTS<digits>` in the text, once each, in order.
fn entra_codes(text: &str) -> Vec<u32> {
    let mut codes = Vec::new();
    for (at, _) in text.match_indices("AADSTS") {
        let digits: String = text[at + 6..].chars().take_while(char::is_ascii_digit).collect();
        if let Ok(code) = digits.parse::<u32>()
            && (4..=8).contains(&digits.len())
            && !codes.contains(&code)
        {
            codes.push(code);
        }
    }
    codes
}

/// Every SMTP reply with an enhanced status in the text, wherever on its
/// line it starts (`Error: 535 5.7.3 Authentication unsuccessful`), once
/// each: three digits (2 to 5 first), a space or hyphen, `x.y.z` of the same
/// class, then the text to the end of the line.
fn smtp_replies(text: &str) -> Vec<Reply> {
    let mut replies: Vec<Reply> = Vec::new();
    for line in text.lines() {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i + 9 <= bytes.len() {
            let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
            if starts_word
                && (b'2'..=b'5').contains(&bytes[i])
                && bytes[i + 1].is_ascii_digit()
                && bytes[i + 2].is_ascii_digit()
                && matches!(bytes[i + 3], b' ' | b'-')
                && bytes[i + 4] == bytes[i]
                && bytes[i + 5] == b'.'
            {
                let candidate = format!("{} {}", &line[i..i + 3], line[i + 4..].trim_end());
                if let Some(reply) = Reply::parse(&[crate::text::printable(&candidate).as_ref()])
                    && reply.enhanced.is_some()
                {
                    if !replies.iter().any(|r| r.key() == reply.key()) {
                        replies.push(reply);
                    }
                    break;
                }
            }
            i += 1;
        }
    }
    replies
}

/// An access token (three base64url parts, the first two JSON objects), or
/// one inside an XOAUTH2 string (`user=...^Aauth=Bearer <token>^A^A`, base64):
/// the token and how it was found.
fn find_token(text: &str) -> Option<(String, String)> {
    let words = text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '<' | '>'));
    for word in words {
        let word = word.trim_start_matches("Bearer").trim();
        if is_jwt(word) {
            return Some((word.to_string(), "an access token".into()));
        }
        if word.len() >= 40
            && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(word)
            && let Ok(inner) = String::from_utf8(bytes)
            && let Some(rest) = inner.split('\u{1}').find_map(|part| part.strip_prefix("auth=Bearer "))
            && is_jwt(rest.trim())
        {
            return Some((rest.trim().to_string(), "an XOAUTH2 string, and the access token in it".into()));
        }
    }
    None
}

fn is_jwt(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckId, Status};
    use crate::profile::tests::sample;
    use crate::step::WizardStep;
    use serde_json::json;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
    }

    fn jwt(claims: serde_json::Value) -> String {
        let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", b64(&json!({"alg": "RS256", "typ": "JWT"})), b64(&claims))
    }

    #[test]
    fn a_device_panels_line_gets_the_live_diagnosis() {
        let e = explain(
            "SMTP error: Server response: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled",
            Some(&sample()),
            now(),
        )
        .unwrap();
        assert_eq!(e.recognised, ["the SMTP reply 535 5.7.139"]);
        assert_eq!(e.diagnosis[0].finding, Finding::SmtpAuthDisabledForTenant);
        assert!(e.diagnosis[0].command.as_deref().unwrap().contains("Set-CASMailbox -Identity 'noreply@contoso.com'"));
    }

    #[test]
    fn an_ndr_and_an_entra_message_are_read() {
        let ndr = "Remote Server returned '550 5.7.233 Your message can't be sent because your tenant exceeded its daily limit for sending email to external recipients (tenant external recipient rate limit)'";
        assert_eq!(explain(ndr, None, now()).unwrap().diagnosis[0].finding, Finding::TenantExternalLimit);
        let entra = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\nTrace ID: x";
        let e = explain(entra, None, now()).unwrap();
        assert_eq!((e.diagnosis.len(), e.diagnosis[0].finding), (1, Finding::InvalidSecret));
        assert_eq!(e.recognised, ["the Entra code AADSTS7000215"]);
    }

    /// A tenant that blocks client secrets answers the portal's "New client
    /// secret" and Graph's addPassword with its policy; the fix is the
    /// certificate (observed wording, docs/microsoft-rules.md).
    #[test]
    fn a_secret_refused_by_the_tenants_policy_points_to_the_certificate() {
        let graph = r#"{"error":{"code":"CredentialTypeNotAllowedAsPerAppPolicy","message":"Credential type not allowed as per assigned policy."}}"#;
        let e = explain(graph, None, now()).unwrap();
        assert_eq!(e.diagnosis.len(), 1, "one finding for the code and its text: {e:?}");
        assert_eq!(
            (e.diagnosis[0].finding, e.diagnosis[0].step),
            (Finding::SecretsBlockedByPolicy, WizardStep::Secret)
        );
        assert!(e.diagnosis[0].fix.contains("choose Certificate"), "{}", e.diagnosis[0].fix);
        let portal = "Failed to add client secret. Credential lifetime exceeds the max value allowed as per assigned policy 0b1f….";
        assert_eq!(explain(portal, None, now()).unwrap().diagnosis[0].finding, Finding::SecretLifetimeByPolicy);
    }

    /// A token from another tool, or inside a logged XOAUTH2 line, is checked
    /// as a live one; a delegated one fails with the reason, and a 535 beside
    /// it is read with those checks.
    #[test]
    fn a_pasted_token_or_xoauth2_string_is_checked() {
        let token = jwt(json!({
            "aud": "https://outlook.office365.com", "tid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "appid": "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a", "scp": "SMTP.Send", "exp": 1_795_000_000 + 600, "ver": "1.0"
        }));
        let xoauth2 = base64::engine::general_purpose::STANDARD
            .encode(format!("user=noreply@contoso.com\u{1}auth=Bearer {token}\u{1}\u{1}"));
        for (paste, how) in [
            (format!("Bearer {token}"), "an access token"),
            (format!("C: AUTH XOAUTH2 {xoauth2}\nS: 535 5.7.3 Authentication unsuccessful"), "an XOAUTH2 string"),
        ] {
            let e = explain(&paste, Some(&sample()), now()).unwrap();
            assert!(e.recognised[0].starts_with(how), "{:?}", e.recognised);
            let token_type = e.checks.iter().find(|c| c.id == CheckId::TokenType).unwrap();
            assert_eq!(token_type.status, Status::Fail, "{}", token_type.message);
            assert!(e.compared_with_profile);
        }
    }

    #[test]
    fn nothing_recognised_and_too_much_are_sentences() {
        assert_eq!(explain("it does not work", None, now()), Err(ExplainError::NothingFound));
        assert_eq!(explain(&"x".repeat(MAX_PASTE + 1), None, now()), Err(ExplainError::TooLong));
        // a date or a version number is not a reply
        assert_eq!(explain("version 2.5.3, build 2026 5.1.2", None, now()), Err(ExplainError::NothingFound));
    }
}
