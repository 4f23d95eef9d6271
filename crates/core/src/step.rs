//! The wizard's steps, named once so that checks and diagnoses can point at
//! the step that fixes them (the CLI prints the same names).

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
}

impl std::fmt::Display for WizardStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}, {}", self.number(), self.title())
    }
}
