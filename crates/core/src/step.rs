//! The wizard's steps, named once so that checks and diagnoses can point at
//! the step that fixes them (the CLI prints the same names).

use crate::profile::Field;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum WizardStep {
    Profile,
    AppRegistration,
    Permissions,
    Secret,
    ServicePrincipal,
    Powershell,
    Token,
    TestMessage,
    /// Called "review" before it became the finish line.
    #[serde(alias = "review")]
    Finish,
}

impl WizardStep {
    pub const ALL: [WizardStep; 9] = [
        WizardStep::Profile,
        WizardStep::AppRegistration,
        WizardStep::Permissions,
        WizardStep::Secret,
        WizardStep::ServicePrincipal,
        WizardStep::Powershell,
        WizardStep::Token,
        WizardStep::TestMessage,
        WizardStep::Finish,
    ];

    /// 1-based position in the wizard's left rail.
    pub fn number(self) -> usize {
        WizardStep::ALL.iter().position(|s| *s == self).map_or(0, |i| i + 1)
    }

    pub fn title(self) -> &'static str {
        match self {
            WizardStep::Profile => "Profile",
            WizardStep::AppRegistration => "App registration",
            WizardStep::Permissions => "API permission and consent",
            WizardStep::Secret => "Credential",
            WizardStep::ServicePrincipal => "Service principal",
            WizardStep::Powershell => "Exchange PowerShell",
            WizardStep::Token => "Token",
            WizardStep::TestMessage => "Test message",
            WizardStep::Finish => "Finish",
        }
    }

    /// The profile fields entered on this step (Next checks them). Every
    /// field but the cloud, chosen on the start page, is on exactly one step.
    pub fn fields(self) -> &'static [Field] {
        match self {
            WizardStep::Profile => &[
                Field::Name,
                Field::DisplayName,
                Field::Notes,
                Field::AuthPath,
                Field::Authority,
                Field::SmtpHost,
                Field::SmtpPort,
                Field::CaFile,
            ],
            // the sending mailbox is the first thing an admin knows: asked with the app
            WizardStep::AppRegistration => &[Field::Tenant, Field::ClientId, Field::Mailbox],
            WizardStep::Secret => &[Field::Secret, Field::SecretExpires],
            WizardStep::ServicePrincipal => &[Field::SpObjectId],
            WizardStep::Powershell => &[Field::Sender, Field::ExchangeAdmin, Field::PartnerAccess],
            WizardStep::TestMessage => &[Field::TestRecipient],
            WizardStep::Permissions => &[Field::ConsentRedirectUri],
            WizardStep::Token | WizardStep::Finish => &[],
        }
    }

    /// Of [`fields`](Self::fields), the ones Next wants filled in.
    pub fn required(self) -> &'static [Field] {
        match self {
            WizardStep::Profile => &[Field::Name],
            WizardStep::AppRegistration => &[Field::Tenant, Field::ClientId, Field::Mailbox],
            _ => &[],
        }
    }

    /// Who can do what the step asks, in Entra or Exchange: the
    /// least-privileged built-in roles Microsoft names
    /// (docs/microsoft-rules.md, "Who can do each step").
    pub fn role(self) -> Option<&'static str> {
        match self {
            WizardStep::AppRegistration => Some("Application Developer (or any role that may register apps)"),
            WizardStep::Permissions => Some(
                "to grant admin consent: Cloud Application Administrator or Application Administrator (SMTP.SendAsApp is an Exchange Online permission, not a Microsoft Graph one), or Privileged Role Administrator; the App RBAC path needs nothing in Entra",
            ),
            WizardStep::Secret => Some("an owner of the app registration, or Cloud Application Administrator"),
            WizardStep::Powershell => {
                Some("Exchange Administrator in Entra (in Exchange: a member of Organization Management)")
            }
            _ => None,
        }
    }

    /// Microsoft's page on what the step does, as (title, address).
    pub fn docs(self) -> Option<(&'static str, &'static str)> {
        const OAUTH: &str = "https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth";
        match self {
            WizardStep::AppRegistration => Some((
                "Register an application in Microsoft Entra ID",
                "https://learn.microsoft.com/entra/identity-platform/quickstart-register-app",
            )),
            WizardStep::Permissions => Some((
                "Grant tenant-wide admin consent to an application",
                "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent",
            )),
            WizardStep::Secret => Some((
                "Add credentials to your application",
                "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials",
            )),
            WizardStep::ServicePrincipal | WizardStep::Powershell | WizardStep::Token => {
                Some(("Authenticate an IMAP, POP or SMTP connection using OAuth", OAUTH))
            }
            WizardStep::TestMessage => Some((
                "Set up a device or application to send email using Microsoft 365",
                "https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365",
            )),
            WizardStep::Profile | WizardStep::Finish => None,
        }
    }

    pub fn info(self) -> StepInfo {
        StepInfo {
            id: self,
            title: self.title().into(),
            fields: self.fields().to_vec(),
            required: self.required().to_vec(),
            role: self.role().map(str::to_string),
            docs: self.docs().map(|(title, url)| Link { title: title.into(), url: url.into() }),
        }
    }

    /// The step where `field` is entered.
    pub fn of(field: Field) -> WizardStep {
        WizardStep::ALL.into_iter().find(|s| s.fields().contains(&field)).unwrap_or(WizardStep::Profile)
    }
}

/// A step as the wizard's rail and its Next button see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepInfo {
    pub id: WizardStep,
    pub title: String,
    /// Fields entered on this step, checked by Next.
    pub fields: Vec<Field>,
    /// Of those, the ones that must be filled in.
    pub required: Vec<Field>,
    /// Who can do it ([`WizardStep::role`]).
    pub role: Option<String>,
    pub docs: Option<Link>,
}

/// A link to Microsoft's documentation or admin portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Link {
    pub title: String,
    pub url: String,
}

impl std::fmt::Display for WizardStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}, {}", self.number(), self.title())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_entered_on_one_step() {
        for field in Field::ALL {
            let on: Vec<_> = WizardStep::ALL.into_iter().filter(|s| s.fields().contains(&field)).collect();
            match field {
                Field::Cloud => assert!(on.is_empty(), "the cloud is chosen on the start page"),
                _ => assert_eq!(on.len(), 1, "{field:?} is on {on:?}"),
            }
        }
        for step in WizardStep::ALL {
            assert!(step.required().iter().all(|f| step.fields().contains(f)), "{step:?}");
        }
    }
}
