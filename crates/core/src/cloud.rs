//! Microsoft 365 clouds and the endpoints each one uses. DOMAIN.md marks the
//! DoD row as less certain; [`Cloud::endpoints_certain`] says so to the user.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Worldwide Microsoft 365, GCC included.
    #[default]
    Global,
    GccHigh,
    Dod,
    /// Microsoft 365 operated by 21Vianet.
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [Cloud::Global, Cloud::GccHigh, Cloud::Dod, Cloud::China];

    pub fn id(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::GccHigh => "gcc-high",
            Cloud::Dod => "dod",
            Cloud::China => "china",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Cloud::Global => "Global (and GCC)",
            Cloud::GccHigh => "GCC High",
            Cloud::Dod => "DoD",
            Cloud::China => "China (21Vianet)",
        }
    }

    /// Base URL of the Entra token service.
    pub fn authority(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.partner.microsoftonline.cn",
        }
    }

    /// Exchange Online's resource: the token's `aud` and the scope's prefix.
    pub fn resource(self) -> &'static str {
        match self {
            Cloud::Global => "https://outlook.office365.com",
            Cloud::GccHigh => "https://outlook.office365.us",
            Cloud::Dod => "https://outlook-dod.office365.us",
            Cloud::China => "https://partner.outlook.cn",
        }
    }

    /// Other `aud` values Exchange accepts for this cloud: the legacy host
    /// name, and Office 365 Exchange Online's application ID.
    pub fn accepted_audiences(self) -> Vec<&'static str> {
        let mut audiences = vec![self.resource(), EXCHANGE_APP_ID];
        if self == Cloud::Global {
            audiences.push("https://outlook.office.com");
        }
        audiences
    }

    pub fn scope(self) -> String {
        format!("{}/.default", self.resource())
    }

    pub fn smtp_host(self) -> &'static str {
        match self {
            Cloud::Global => "smtp.office365.com",
            Cloud::GccHigh | Cloud::Dod => "smtp.office365.us",
            Cloud::China => "smtp.partner.outlook.cn",
        }
    }

    /// `Connect-ExchangeOnline -ExchangeEnvironmentName` value, if not global.
    pub fn exchange_environment(self) -> Option<&'static str> {
        match self {
            Cloud::Global => None,
            Cloud::GccHigh => Some("O365USGovGCCHigh"),
            Cloud::Dod => Some("O365USGovDoD"),
            Cloud::China => Some("O365China"),
        }
    }

    /// The admin portal that lists app registrations.
    pub fn portal(self) -> &'static str {
        match self {
            Cloud::Global => "https://entra.microsoft.com",
            Cloud::GccHigh | Cloud::Dod => "https://portal.azure.us",
            Cloud::China => "https://portal.azure.cn",
        }
    }

    /// False where the default endpoints are not confirmed by Microsoft's
    /// documentation, so the user should check them against their tenant.
    pub fn endpoints_certain(self) -> bool {
        self != Cloud::Dod
    }
}

/// Office 365 Exchange Online's well-known application ID, which also appears
/// as `aud` in some tokens.
pub const EXCHANGE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";

impl FromStr for Cloud {
    type Err = String;

    fn from_str(s: &str) -> Result<Cloud, String> {
        Cloud::ALL
            .into_iter()
            .find(|c| c.id().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("cloud must be one of global, gcc-high, dod, china (got {s:?})"))
    }
}

impl std::fmt::Display for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_serde_and_from_str() {
        for cloud in Cloud::ALL {
            let json = serde_json::to_string(&cloud).unwrap();
            assert_eq!(json, format!("\"{}\"", cloud.id()));
            assert_eq!(cloud.id().parse::<Cloud>().unwrap(), cloud);
        }
        assert!("usgov".parse::<Cloud>().unwrap_err().contains("gcc-high"));
    }

    #[test]
    fn global_scope_is_exchange_default() {
        assert_eq!(Cloud::Global.scope(), "https://outlook.office365.com/.default");
        assert!(Cloud::Global.accepted_audiences().contains(&"https://outlook.office.com"));
        assert!(!Cloud::GccHigh.accepted_audiences().contains(&"https://outlook.office.com"));
    }
}
