//! Microsoft 365 clouds and the endpoints each one uses, as Microsoft's
//! endpoint lists give them (docs/microsoft-rules.md, "Endpoints per cloud").
//! Where a row is not confirmed by Microsoft's documentation,
//! [`Cloud::endpoints_certain`] says so to the user.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// High Volume Email's SMTP hosts, port 587 with TLS: `smtp.hve.mx.microsoft`
/// (recommended) and `smtp-hve.office365.com` ("will be deprecated in the
/// future"); Microsoft names them for the worldwide service only
/// (docs/microsoft-rules.md, "High Volume Email").
pub const HVE_SMTP_HOSTS: [&str; 2] = ["smtp.hve.mx.microsoft", "smtp-hve.office365.com"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Worldwide Microsoft 365.
    #[default]
    Global,
    /// GCC (Government Community Cloud): the worldwide endpoints, but not
    /// every worldwide release (App RBAC for SMTP is not offered there).
    Gcc,
    GccHigh,
    Dod,
    /// Microsoft 365 operated by 21Vianet.
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 5] = [Cloud::Global, Cloud::Gcc, Cloud::GccHigh, Cloud::Dod, Cloud::China];

    pub fn id(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Gcc => "gcc",
            Cloud::GccHigh => "gcc-high",
            Cloud::Dod => "dod",
            Cloud::China => "china",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Cloud::Global => "Global",
            Cloud::Gcc => "GCC",
            Cloud::GccHigh => "GCC High",
            Cloud::Dod => "DoD",
            Cloud::China => "China (21Vianet)",
        }
    }

    /// Base URL of the Entra token service.
    pub fn authority(self) -> &'static str {
        match self {
            Cloud::Global | Cloud::Gcc => "https://login.microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.partner.microsoftonline.cn",
        }
    }

    /// Exchange Online's resource: the token's `aud` and the scope's prefix.
    pub fn resource(self) -> &'static str {
        match self {
            Cloud::Global | Cloud::Gcc => "https://outlook.office365.com",
            Cloud::GccHigh => "https://outlook.office365.us",
            Cloud::Dod => "https://outlook-dod.office365.us",
            Cloud::China => "https://partner.outlook.cn",
        }
    }

    /// Other `aud` values Exchange accepts for this cloud: the legacy host
    /// name, and Office 365 Exchange Online's application ID. DoD tokens are
    /// requested for `outlook-dod.office365.us`, and by some tools for
    /// `outlook.office365.us` ("Endpoints per cloud").
    pub fn accepted_audiences(self) -> Vec<&'static str> {
        let mut audiences = vec![self.resource(), EXCHANGE_APP_ID];
        match self {
            Cloud::Global | Cloud::Gcc => audiences.push("https://outlook.office.com"),
            Cloud::Dod => audiences.push("https://outlook.office365.us"),
            Cloud::GccHigh | Cloud::China => {}
        }
        audiences
    }

    pub fn scope(self) -> String {
        format!("{}/.default", self.resource())
    }

    /// Microsoft Graph's root for this cloud ("National cloud deployments",
    /// learn.microsoft.com/graph/deployments): the resource of the admin's
    /// delegated scopes, and with `/v1.0/` the base of its calls.
    pub fn graph(self) -> &'static str {
        match self {
            Cloud::Global | Cloud::Gcc => "https://graph.microsoft.com",
            Cloud::GccHigh => "https://graph.microsoft.us",
            Cloud::Dod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The SMTP client submission host the wizard fills in.
    pub fn smtp_host(self) -> &'static str {
        self.smtp_hosts()[0]
    }

    /// Every host Microsoft names for this cloud's client submission, the
    /// default first. GCC High's endpoint list names `outlook.office365.us`
    /// for ports 25 and 587, so it is the default; `smtp.office365.us`, which
    /// most guides use, is accepted too (observed). DoD's names
    /// `outlook-dod.office365.us` ("Endpoints per cloud").
    pub fn smtp_hosts(self) -> &'static [&'static str] {
        match self {
            Cloud::Global | Cloud::Gcc => &["smtp.office365.com"],
            Cloud::GccHigh => &["outlook.office365.us", "smtp.office365.us"],
            Cloud::Dod => &["outlook-dod.office365.us"],
            Cloud::China => &["smtp.partner.outlook.cn"],
        }
    }

    /// Whether Microsoft released Exchange App RBAC for SMTP here: worldwide
    /// only (roadmap 498356, MC1158911; "Setting up the app"), so not in GCC,
    /// whose tenants use the worldwide endpoints.
    pub fn offers_app_rbac(self) -> bool {
        self == Cloud::Global
    }

    /// `Connect-ExchangeOnline -ExchangeEnvironmentName` value, if not global.
    pub fn exchange_environment(self) -> Option<&'static str> {
        match self {
            Cloud::Global | Cloud::Gcc => None,
            Cloud::GccHigh => Some("O365USGovGCCHigh"),
            Cloud::Dod => Some("O365USGovDoD"),
            Cloud::China => Some("O365China"),
        }
    }

    /// The admin portal that lists app registrations.
    pub fn portal(self) -> &'static str {
        match self {
            Cloud::Global | Cloud::Gcc => "https://entra.microsoft.com",
            Cloud::GccHigh | Cloud::Dod => "https://portal.azure.us",
            Cloud::China => "https://portal.azure.cn",
        }
    }

    /// False where the default endpoints are not confirmed by Microsoft's
    /// documentation, so the user should check them against their tenant.
    /// DoD's SMTP host and resource are on Microsoft's DoD endpoint list; the
    /// 21Vianet row comes from DOMAIN.md and public guides only.
    pub fn endpoints_certain(self) -> bool {
        self != Cloud::China
    }
}

/// A cloud's endpoints, for the wizard's choices and explanations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloudInfo {
    pub id: Cloud,
    pub title: String,
    pub authority: String,
    pub scope: String,
    pub smtp_host: String,
    pub portal: String,
    /// False where the defaults are not confirmed (see `endpoints_certain`).
    pub certain: bool,
    /// Exchange App RBAC is offered here (see `offers_app_rbac`).
    pub app_rbac: bool,
}

impl Cloud {
    pub fn info(self) -> CloudInfo {
        CloudInfo {
            id: self,
            title: self.title().into(),
            authority: self.authority().into(),
            scope: self.scope(),
            smtp_host: self.smtp_host().into(),
            portal: self.portal().into(),
            certain: self.endpoints_certain(),
            app_rbac: self.offers_app_rbac(),
        }
    }
}

/// Admin portal pages the wizard opens in the browser. The pages that are
/// about one app need its client ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PortalLinks {
    pub app_registrations: String,
    pub new_registration: String,
    pub enterprise_applications: String,
    pub app_overview: Option<String>,
    pub api_permissions: Option<String>,
    pub certificates_and_secrets: Option<String>,
}

impl Cloud {
    pub fn portal_links(self, client_id: Option<&str>) -> PortalLinks {
        let portal = self.portal();
        let blade = "#view/Microsoft_AAD_RegisteredApps";
        let app = |page: &str| {
            client_id
                .filter(|id| crate::shape::is_guid(id))
                .map(|id| format!("{portal}/{blade}/ApplicationMenuBlade/~/{page}/appId/{id}"))
        };
        PortalLinks {
            app_registrations: format!("{portal}/{blade}/ApplicationsListBlade"),
            new_registration: format!("{portal}/{blade}/CreateApplicationBlade"),
            enterprise_applications: format!(
                "{portal}/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview"
            ),
            app_overview: app("Overview"),
            api_permissions: app("CallAnAPI"),
            certificates_and_secrets: app("Credentials"),
        }
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
            .ok_or_else(|| format!("cloud must be one of global, gcc, gcc-high, dod, china (got {s:?})"))
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
    fn portal_links_need_a_valid_client_id() {
        let links = Cloud::Global.portal_links(Some("0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a"));
        assert_eq!(
            links.api_permissions.as_deref(),
            Some(
                "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a"
            )
        );
        assert!(Cloud::GccHigh.portal_links(None).app_registrations.starts_with("https://portal.azure.us/"));
        assert_eq!(Cloud::Global.portal_links(Some("not-a-guid")).api_permissions, None);
    }

    #[test]
    fn global_scope_is_exchange_default() {
        assert_eq!(Cloud::Global.scope(), "https://outlook.office365.com/.default");
        assert!(Cloud::Global.accepted_audiences().contains(&"https://outlook.office.com"));
        assert!(!Cloud::GccHigh.accepted_audiences().contains(&"https://outlook.office.com"));
    }

    /// Microsoft's U.S. Government endpoint lists (docs/microsoft-rules.md).
    #[test]
    fn government_clouds_follow_microsofts_endpoint_lists() {
        assert_eq!(Cloud::Dod.smtp_host(), "outlook-dod.office365.us");
        assert_eq!(Cloud::Dod.scope(), "https://outlook-dod.office365.us/.default");
        let dod = Cloud::Dod.accepted_audiences();
        assert!(dod.contains(&"https://outlook-dod.office365.us") && dod.contains(&"https://outlook.office365.us"));
        assert_eq!(Cloud::GccHigh.smtp_hosts(), ["outlook.office365.us", "smtp.office365.us"]);
        assert_eq!(Cloud::GccHigh.smtp_host(), "outlook.office365.us", "the documented one");
        assert!(!Cloud::Gcc.offers_app_rbac(), "worldwide only, and GCC is not worldwide's release");
        assert_eq!(Cloud::Gcc.resource(), Cloud::Global.resource());
        assert!(Cloud::Global.offers_app_rbac());
        assert!(Cloud::ALL.iter().filter(|c| c.offers_app_rbac()).count() == 1);
    }
}
