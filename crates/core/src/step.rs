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
    Review,
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
        WizardStep::Review,
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
            WizardStep::Secret => "Client secret",
            WizardStep::ServicePrincipal => "Service principal",
            WizardStep::Powershell => "Exchange PowerShell",
            WizardStep::Token => "Token",
            WizardStep::TestMessage => "Test message",
            WizardStep::Review => "Review",
        }
    }

    /// The profile fields entered on this step (Next checks them). Every
    /// field but the cloud, chosen on the start page, is on exactly one step.
    pub fn fields(self) -> &'static [Field] {
        match self {
            WizardStep::Profile => {
                &[Field::Name, Field::AuthPath, Field::Authority, Field::SmtpHost, Field::SmtpPort, Field::CaFile]
            }
            WizardStep::AppRegistration => &[Field::Tenant, Field::ClientId],
            WizardStep::Secret => &[Field::Secret, Field::SecretExpires],
            WizardStep::ServicePrincipal => &[Field::SpObjectId],
            WizardStep::Powershell => &[Field::Mailbox, Field::Sender],
            WizardStep::TestMessage => &[Field::TestRecipient],
            WizardStep::Permissions | WizardStep::Token | WizardStep::Review => &[],
        }
    }

    /// Of [`fields`](Self::fields), the ones Next wants filled in.
    pub fn required(self) -> &'static [Field] {
        match self {
            WizardStep::Profile => &[Field::Name],
            WizardStep::AppRegistration => &[Field::Tenant, Field::ClientId],
            WizardStep::Powershell => &[Field::Mailbox],
            _ => &[],
        }
    }

    pub fn info(self) -> StepInfo {
        StepInfo {
            id: self,
            title: self.title().into(),
            fields: self.fields().to_vec(),
            required: self.required().to_vec(),
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
