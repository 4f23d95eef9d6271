//! The access token's claims, decoded and checked against the profile.
//!
//! Decoded, not verified: Microsoft does not intend clients to validate the
//! signature of tokens for its own resources (a `nonce` header can make it
//! fail). The proof that a token is good is `235 2.7.0` at SMTP AUTH; these
//! checks explain why a token would be refused.

use crate::checks::{Check, CheckId};
use crate::profile::{AuthPath, Profile};
use crate::shape::is_guid;
use crate::step::WizardStep;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

pub const SEND_AS_APP: &str = "SMTP.SendAsApp";
/// The role High Volume Email's OAuth setup asks for: Mail.Send, an
/// application permission of Office 365 Exchange Online (docs/microsoft-rules.md,
/// "High Volume Email").
pub const HVE_ROLE: &str = "Mail.Send";

/// Roles that give far more than sending mail.
const BROAD_ROLES: &[&str] = &[
    "full_access_as_app",
    "Mail.Send",
    "Mail.ReadWrite",
    "Mail.Read",
    "Mailbox.Migration",
    "Exchange.ManageAsApp",
    "EWS.AccessAsUser.All",
    "IMAP.AccessAsApp",
    "POP.AccessAsApp",
];

/// The claims the checks and the UI use (decoded, not verified).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Claims {
    #[serde(deserialize_with = "string_or_first")]
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub tid: Option<String>,
    pub oid: Option<String>,
    /// Client ID, in version 1.0 tokens.
    pub appid: Option<String>,
    /// Client ID, in version 2.0 tokens.
    pub azp: Option<String>,
    pub app_displayname: Option<String>,
    pub roles: Option<Vec<String>>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub ver: Option<String>,
    pub idtyp: Option<String>,
    /// Delegated scopes: only in tokens issued for a user.
    pub scp: Option<String>,
}

fn string_or_first<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Aud>::deserialize(d)? {
        Some(Aud::One(s)) => Some(s),
        Some(Aud::Many(v)) => v.into_iter().next(),
        None => None,
    })
}

impl Claims {
    pub fn client_id(&self) -> Option<&str> {
        self.appid.as_deref().or(self.azp.as_deref())
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().flatten().any(|r| r == role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the access token is not a JWT ({0}); Exchange would refuse it")]
pub struct DecodeError(pub String);

/// Reads the payload of a JWT without verifying its signature.
pub fn decode(token: &str) -> Result<Claims, DecodeError> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DecodeError("it does not have three dot-separated parts".into()));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| DecodeError(format!("the payload is not base64url: {e}")))?;
    let claims: Claims =
        serde_json::from_slice(&bytes).map_err(|e| DecodeError(format!("the payload is not JSON claims: {e}")))?;
    Ok(claims.printable())
}

impl Claims {
    /// Every text claim escaped and bounded: a token pasted in, or issued by
    /// an endpoint that is not Entra, is outside text like any other, and
    /// its claims are shown in the terminal and the window.
    fn printable(self) -> Claims {
        let clean = |v: String| crate::text::shown(&v, 256);
        let one = |v: Option<String>| v.map(clean);
        Claims {
            aud: one(self.aud),
            iss: one(self.iss),
            tid: one(self.tid),
            oid: one(self.oid),
            appid: one(self.appid),
            azp: one(self.azp),
            app_displayname: one(self.app_displayname),
            roles: self.roles.map(|roles| roles.into_iter().take(100).map(clean).collect()),
            ver: one(self.ver),
            idtyp: one(self.idtyp),
            scp: one(self.scp),
            ..self
        }
    }
}

/// Every claims check, in the order the wizard shows them.
pub fn check(claims: &Claims, profile: &Profile, now: OffsetDateTime) -> Vec<Check> {
    vec![
        check_aud(claims, profile),
        check_token_type(claims),
        check_roles(claims, profile),
        check_broad_roles(claims, profile),
        check_appid(claims, profile),
        check_tid(claims, profile),
        check_oid(claims, profile),
        check_exp(claims, now),
        check_version(claims),
    ]
}

fn check_aud(claims: &Claims, profile: &Profile) -> Check {
    let expected = profile.cloud.resource();
    match claims.aud.as_deref() {
        Some(aud)
            if profile.cloud.accepted_audiences().iter().any(|a| a.eq_ignore_ascii_case(aud.trim_end_matches('/'))) =>
        {
            Check::ok(
                CheckId::Aud,
                format!("aud is {aud}, Exchange Online's resource for the {} cloud", profile.cloud.title()),
            )
        }
        Some(aud) => Check::fail(
            CheckId::Aud,
            WizardStep::Profile,
            format!(
                "aud is {aud}, but Exchange Online accepts {expected}: the token was requested for another resource or cloud (check the cloud in step 1; the scope must be {})",
                profile.cloud.scope()
            ),
        ),
        None => Check::fail(
            CheckId::Aud,
            WizardStep::Profile,
            format!("The token has no aud claim; Exchange Online expects {expected}"),
        ),
    }
}

/// An application token from the client credentials flow, not a delegated
/// one: `scp` is "only included for user tokens", and `idtyp` is `app` for
/// app-only tokens (`user` only where the resource asks for it), per the
/// access token claims reference ("Token claims").
fn check_token_type(claims: &Claims) -> Check {
    let idtyp = claims.idtyp.as_deref().unwrap_or("");
    let delegated = |why: String| {
        Check::fail(
            CheckId::TokenType,
            WizardStep::Token,
            format!(
                "{why}: a delegated token, issued for a user. Sending as the app needs an application token from the client credentials flow (which this tool requests with the app's secret or certificate); a token from a user's sign-in or another tool proves nothing about the app's setup"
            ),
        )
    };
    match (&claims.scp, idtyp) {
        (Some(scp), _) => delegated(format!("The token carries scp ({scp}), not roles")),
        (None, t) if t.eq_ignore_ascii_case("user") => delegated("The token's idtyp is user".into()),
        (None, t) if t.eq_ignore_ascii_case("app") => {
            Check::ok(CheckId::TokenType, "An application token (idtyp app), from the client credentials flow")
        }
        (None, _) => {
            Check::ok(CheckId::TokenType, "An application token (no scp claim), from the client credentials flow")
        }
    }
}

fn check_roles(claims: &Claims, profile: &Profile) -> Check {
    let wanted = if profile.auth_path == AuthPath::Hve { HVE_ROLE } else { SEND_AS_APP };
    let has = claims.has_role(wanted);
    match (profile.auth_path, has) {
        (AuthPath::Hve, true) => Check::ok(
            CheckId::Roles,
            format!(
                "roles contains {HVE_ROLE}: the application permission High Volume Email asks for is granted with admin consent"
            ),
        ),
        (AuthPath::Hve, false) => Check::fail(
            CheckId::Roles,
            WizardStep::Permissions,
            format!(
                "roles ({}) does not contain {HVE_ROLE}: for High Volume Email, add {HVE_ROLE} as an application permission of Office 365 Exchange Online and grant admin consent",
                claims.roles.as_deref().map(|r| r.join(", ")).unwrap_or_else(|| "none".into())
            ),
        ),
        (AuthPath::EntraPermission, true) => Check::ok(
            CheckId::Roles,
            format!("roles contains {SEND_AS_APP}: the application permission is granted with admin consent"),
        ),
        (AuthPath::EntraPermission, false) => Check::fail(
            CheckId::Roles,
            WizardStep::Permissions,
            match &claims.roles {
                None => format!(
                    "The token has no roles claim: add {SEND_AS_APP} as an application permission of Office 365 Exchange Online and grant admin consent (or, if you set up Exchange App RBAC instead, choose that path in step 1)"
                ),
                Some(roles) => format!(
                    "roles ({}) does not contain {SEND_AS_APP}: add it as an application permission (not delegated) and grant admin consent",
                    roles.join(", ")
                ),
            },
        ),
        (AuthPath::AppRbac, false) => Check::ok(
            CheckId::Roles,
            format!(
                "No {SEND_AS_APP} in roles, as expected on the App RBAC path: Exchange checks the management role assignment instead"
            ),
        ),
        (AuthPath::AppRbac, true) => Check::warn(
            CheckId::Roles,
            WizardStep::Permissions,
            format!(
                "The token carries {SEND_AS_APP} although you chose App RBAC: with the Entra permission present, Exchange checks mailbox permissions (SendAs) instead of the role assignment; remove the API permission or choose the Entra permission path"
            ),
        ),
    }
}

fn check_broad_roles(claims: &Claims, profile: &Profile) -> Check {
    // on the HVE path Mail.Send is the permission Microsoft asks for
    let needed = |r: &&str| profile.auth_path == AuthPath::Hve && r.eq_ignore_ascii_case(HVE_ROLE);
    let broad: Vec<&str> = claims
        .roles
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|r| BROAD_ROLES.iter().any(|b| b.eq_ignore_ascii_case(r)))
        .filter(|r| !needed(r))
        .collect();
    if broad.is_empty() {
        Check::ok(CheckId::BroadRoles, "No permission broader than sending mail")
    } else {
        Check::warn(
            CheckId::BroadRoles,
            WizardStep::Permissions,
            format!(
                "The app also holds {}, far more than sending needs: remove these permissions unless another feature of the app uses them",
                broad.join(", ")
            ),
        )
    }
}

fn check_appid(claims: &Claims, profile: &Profile) -> Check {
    match claims.client_id() {
        Some(id) if id.eq_ignore_ascii_case(&profile.client_id) => {
            Check::ok(CheckId::Appid, format!("appid is {id}, the client ID you entered"))
        }
        Some(id) => Check::fail(
            CheckId::Appid,
            WizardStep::AppRegistration,
            format!("The token was issued to app {id}, not to the client ID you entered ({})", profile.client_id),
        )
        .suggesting(id),
        None => Check::warn(
            CheckId::Appid,
            WizardStep::AppRegistration,
            "The token has neither appid nor azp, so the app cannot be confirmed",
        ),
    }
}

fn check_tid(claims: &Claims, profile: &Profile) -> Check {
    let Some(tid) = claims.tid.as_deref() else {
        return Check::warn(
            CheckId::Tid,
            WizardStep::AppRegistration,
            "The token has no tid claim, so the tenant cannot be confirmed",
        );
    };
    if is_guid(&profile.tenant) {
        if tid.eq_ignore_ascii_case(&profile.tenant) {
            Check::ok(CheckId::Tid, format!("tid is {tid}, the tenant you entered"))
        } else {
            Check::fail(
                CheckId::Tid,
                WizardStep::AppRegistration,
                format!("The token comes from directory {tid}, not from the tenant you entered ({})", profile.tenant),
            )
            .suggesting(tid)
        }
    } else {
        Check::ok(
            CheckId::Tid,
            format!("Tenant {} is directory {tid}; applications that want a tenant ID need this GUID", profile.tenant),
        )
        .suggesting(tid)
    }
}

fn check_oid(claims: &Claims, profile: &Profile) -> Check {
    let Some(oid) = claims.oid.as_deref() else {
        return Check::warn(
            CheckId::Oid,
            WizardStep::ServicePrincipal,
            "The token has no oid claim, so the service principal cannot be confirmed",
        );
    };
    match profile.sp_object_id.as_deref() {
        Some(entered) if entered.eq_ignore_ascii_case(oid) => {
            Check::ok(CheckId::Oid, format!("oid is {oid}, the service principal object ID you entered"))
        }
        Some(entered) => Check::fail(
            CheckId::Oid,
            WizardStep::ServicePrincipal,
            format!(
                "You entered {entered} as the service principal object ID, but the token's oid is {oid}. {entered} is probably the App registration's Object ID; use {oid} (Enterprise applications > your app > Overview > Object ID) in New-ServicePrincipal and Add-RecipientPermission"
            ),
        )
        .suggesting(oid),
        None => Check::warn(
            CheckId::Oid,
            WizardStep::ServicePrincipal,
            format!("No service principal object ID entered yet; the token says it is {oid}: use it for the Exchange commands"),
        )
        .suggesting(oid),
    }
}

fn check_exp(claims: &Claims, now: OffsetDateTime) -> Check {
    let Some(exp) = claims.exp else {
        return Check::warn(CheckId::Exp, WizardStep::Token, "The token has no exp claim");
    };
    let left = exp - now.unix_timestamp();
    let at = OffsetDateTime::from_unix_timestamp(exp)
        .ok()
        .and_then(|t| t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok())
        .unwrap_or_else(|| exp.to_string());
    if left > 0 {
        Check::ok(CheckId::Exp, format!("Expires at {at}, in {} minutes", left / 60))
    } else {
        Check::fail(
            CheckId::Exp,
            WizardStep::Token,
            format!(
                "The token expired at {at}, {} minutes ago: fetch a new one, and check this computer's clock",
                -left / 60
            ),
        )
    }
}

fn check_version(claims: &Claims) -> Check {
    match claims.ver.as_deref() {
        Some(ver) => Check::ok(
            CheckId::Version,
            format!(
                "Token version {ver}{}",
                claims.iss.as_deref().map(|i| format!(", issued by {i}")).unwrap_or_default()
            ),
        ),
        None => Check::warn(CheckId::Version, WizardStep::Token, "The token has no ver claim"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Status, find};
    use crate::cloud::Cloud;
    use serde_json::json;

    const CLIENT: &str = "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a";
    const TENANT: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    const SP: &str = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    const APP_OBJECT: &str = "11111111-2222-4333-8444-555555555555";
    const NOW: i64 = 1_795_000_000;

    fn jwt(claims: serde_json::Value) -> String {
        let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", b64(&json!({"alg": "RS256", "typ": "JWT"})), b64(&claims))
    }

    fn good() -> serde_json::Value {
        json!({
            "aud": "https://outlook.office365.com", "iss": format!("https://sts.windows.net/{TENANT}/"),
            "tid": TENANT, "oid": SP, "appid": CLIENT, "roles": ["SMTP.SendAsApp"],
            "exp": NOW + 3599, "iat": NOW - 1, "ver": "1.0"
        })
    }

    fn profile() -> Profile {
        Profile {
            name: "contoso".into(),
            tenant: TENANT.into(),
            client_id: CLIENT.into(),
            sp_object_id: Some(SP.into()),
            mailbox: "noreply@contoso.com".into(),
            ..Profile::default()
        }
    }

    /// Decodes `claims` (patched), checks them against `profile` and returns
    /// the check `id`.
    fn run(patch: serde_json::Value, profile: &Profile, id: CheckId) -> Check {
        let mut claims = good();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        let decoded = decode(&jwt(claims)).unwrap();
        let checks = check(&decoded, profile, OffsetDateTime::from_unix_timestamp(NOW).unwrap());
        find(&checks, id).unwrap().clone()
    }

    fn expect(patch: serde_json::Value, profile: &Profile, id: CheckId, status: Status, words: &str) -> Check {
        let c = run(patch, profile, id);
        assert_eq!(c.status, status, "{id:?}: {}", c.message);
        assert!(c.message.contains(words), "{id:?}: {:?} should contain {words:?}", c.message);
        c
    }

    /// A claim is outside text: shown escaped, bounded, and checked as the
    /// escaped text (so it can never pass for the expected value).
    #[test]
    fn claims_are_decoded_as_printable_bounded_text() {
        let mut claims = good();
        claims["app_displayname"] = json!("\u{1b}[2J\u{1b}[32mResult: everything passed\r");
        claims["roles"] = json!(["SMTP.SendAsApp\u{1b}[0m", "x".repeat(1000)]);
        let decoded = decode(&jwt(claims)).unwrap();
        assert_eq!(decoded.app_displayname.as_deref(), Some("\\x1B[2J\\x1B[32mResult: everything passed\\r"));
        let roles = decoded.roles.clone().unwrap();
        assert_eq!(roles[0], "SMTP.SendAsApp\\x1B[0m");
        assert!(roles[1].len() < 300, "{}", roles[1].len());
        let checks = check(&decoded, &profile(), OffsetDateTime::from_unix_timestamp(NOW).unwrap());
        assert_eq!(find(&checks, CheckId::Roles).unwrap().status, Status::Fail);
        assert!(checks.iter().all(|c| !c.message.chars().any(char::is_control)), "{checks:#?}");
    }

    /// A delegated token (another tool's, or a user's sign-in) passed every
    /// check on the App RBAC path, where no roles are expected.
    #[test]
    fn a_delegated_token_fails_with_the_reason() {
        let rbac = Profile { auth_path: AuthPath::AppRbac, ..profile() };
        for p in [profile(), rbac] {
            expect(
                json!({"scp": "SMTP.Send", "roles": null}),
                &p,
                CheckId::TokenType,
                Status::Fail,
                "carries scp (SMTP.Send), not roles: a delegated token",
            );
            expect(json!({"idtyp": "user"}), &p, CheckId::TokenType, Status::Fail, "idtyp is user");
            expect(json!({"idtyp": "app"}), &p, CheckId::TokenType, Status::Ok, "idtyp app");
            expect(json!({}), &p, CheckId::TokenType, Status::Ok, "no scp claim");
        }
    }

    #[test]
    fn a_good_token_passes_everything() {
        let claims = decode(&jwt(good())).unwrap();
        let checks = check(&claims, &profile(), OffsetDateTime::from_unix_timestamp(NOW).unwrap());
        assert_eq!(checks.len(), 9);
        assert!(checks.iter().all(|c| c.status == Status::Ok), "{checks:#?}");
    }

    #[test]
    fn audience() {
        let p = profile();
        expect(
            json!({"aud": "https://outlook.office.com"}),
            &p,
            CheckId::Aud,
            Status::Ok,
            "Exchange Online's resource",
        );
        expect(json!({"aud": crate::cloud::EXCHANGE_APP_ID}), &p, CheckId::Aud, Status::Ok, "resource");
        expect(
            json!({"aud": "https://graph.microsoft.com"}),
            &p,
            CheckId::Aud,
            Status::Fail,
            "https://outlook.office365.com/.default",
        );
        expect(json!({"aud": ["https://outlook.office365.com"]}), &p, CheckId::Aud, Status::Ok, "aud is");
        expect(json!({"aud": null}), &p, CheckId::Aud, Status::Fail, "no aud");
        let us = Profile { cloud: Cloud::GccHigh, ..profile() };
        expect(json!({}), &us, CheckId::Aud, Status::Fail, "https://outlook.office365.us");
    }

    #[test]
    fn roles_per_path() {
        let entra = profile();
        let rbac = Profile { auth_path: AuthPath::AppRbac, ..profile() };
        expect(json!({"roles": null}), &entra, CheckId::Roles, Status::Fail, "no roles claim");
        let c = expect(json!({"roles": ["Mail.Read"]}), &entra, CheckId::Roles, Status::Fail, "grant admin consent");
        assert_eq!(c.step, Some(WizardStep::Permissions));
        expect(json!({"roles": null}), &rbac, CheckId::Roles, Status::Ok, "App RBAC");
        expect(json!({}), &rbac, CheckId::Roles, Status::Warn, "although you chose App RBAC");
        expect(json!({}), &entra, CheckId::BroadRoles, Status::Ok, "No permission broader");
        expect(
            json!({"roles": ["SMTP.SendAsApp", "full_access_as_app"]}),
            &entra,
            CheckId::BroadRoles,
            Status::Warn,
            "full_access_as_app",
        );
    }

    /// High Volume Email asks for Mail.Send (application), which is then
    /// what the roles must hold and no "broader than sending" warning.
    #[test]
    fn the_hve_path_wants_mail_send() {
        let hve = Profile { auth_path: AuthPath::Hve, ..profile() };
        expect(json!({"roles": ["Mail.Send"]}), &hve, CheckId::Roles, Status::Ok, "roles contains Mail.Send");
        expect(json!({"roles": ["Mail.Send"]}), &hve, CheckId::BroadRoles, Status::Ok, "No permission broader");
        expect(json!({"roles": ["SMTP.SendAsApp"]}), &hve, CheckId::Roles, Status::Fail, "does not contain Mail.Send");
        expect(json!({"roles": ["Mail.Send"]}), &profile(), CheckId::BroadRoles, Status::Warn, "Mail.Send");
    }

    #[test]
    fn app_and_tenant() {
        let p = profile();
        expect(json!({"appid": null, "azp": CLIENT}), &p, CheckId::Appid, Status::Ok, "the client ID you entered");
        let c = expect(json!({"appid": APP_OBJECT}), &p, CheckId::Appid, Status::Fail, "not to the client ID");
        assert_eq!(c.suggestion.as_deref(), Some(APP_OBJECT));
        expect(json!({"tid": APP_OBJECT}), &p, CheckId::Tid, Status::Fail, "not from the tenant you entered");
        let by_domain = Profile { tenant: "contoso.onmicrosoft.com".into(), ..profile() };
        let c = expect(
            json!({}),
            &by_domain,
            CheckId::Tid,
            Status::Ok,
            &format!("contoso.onmicrosoft.com is directory {TENANT}"),
        );
        assert_eq!(c.suggestion.as_deref(), Some(TENANT));
    }

    #[test]
    fn object_id_mismatch_names_the_right_one() {
        let wrong = Profile { sp_object_id: Some(APP_OBJECT.into()), ..profile() };
        let c = expect(json!({}), &wrong, CheckId::Oid, Status::Fail, "probably the App registration's Object ID");
        assert!(c.message.contains(&format!("use {SP}")), "{}", c.message);
        assert_eq!(c.suggestion.as_deref(), Some(SP));
        assert_eq!(c.step, Some(WizardStep::ServicePrincipal));
        let none = Profile { sp_object_id: None, ..profile() };
        let c = expect(json!({}), &none, CheckId::Oid, Status::Warn, SP);
        assert_eq!(c.suggestion.as_deref(), Some(SP));
    }

    #[test]
    fn expiry_uses_the_clock_passed_in() {
        let p = profile();
        expect(json!({}), &p, CheckId::Exp, Status::Ok, "in 59 minutes");
        expect(json!({"exp": NOW - 600}), &p, CheckId::Exp, Status::Fail, "10 minutes ago");
        expect(json!({}), &p, CheckId::Version, Status::Ok, "Token version 1.0, issued by https://sts.windows.net/");
    }

    #[test]
    fn not_a_jwt() {
        assert!(decode("opaque-token").unwrap_err().to_string().contains("three dot-separated parts"));
        assert!(decode("a.!!!.c").unwrap_err().to_string().contains("base64url"));
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("[1,2]");
        assert!(decode(&format!("a.{b64}.c")).unwrap_err().to_string().contains("not JSON claims"));
    }
}
