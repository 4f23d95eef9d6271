//! The command contract (`contract.rs`) made into Tauri commands: one
//! `#[tauri::command]` per entry, with exactly the contract's arguments and
//! result, calling the function of the same name in `commands`. A command
//! whose function disagrees with the contract does not compile.

use crate::commands;
use crate::error::CommandError;
use serde_json::Value;
use smtp_oauth_core::Cloud;
use smtp_oauth_core::api::{DeletePreview, Deleted, Imported, Installed, Summary};
use smtp_oauth_core::certificate::CertificateInfo;
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::explain::Explanation;
use smtp_oauth_core::fleet::Line;
use smtp_oauth_core::handover::{Format, Handover};
use smtp_oauth_core::keychain::SecretStatus;
use smtp_oauth_core::powershell::Script;
use smtp_oauth_core::profile::Profile;
use smtp_oauth_core::report::{Progress, Report};
use smtp_oauth_core::results::{Evidence, Judged, Recorded, Results};
use tauri::ipc::Channel;

/// One command of the contract: its name, argument names and types, and
/// result type, as TypeScript (for `bindings.rs`).
#[cfg(test)]
pub struct Signature {
    pub name: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub result: String,
}

macro_rules! contract {
    ($( $name:ident ( $(& $app:ident $(,)?)? $($arg:ident : $ty:ty),* ) -> $ret:ty; )*) => {
        $( contract!(@command $name ($($app)?) ($($arg : $ty),*) $ret); )*

        /// Every command's name: each needs its permission in the capability.
        #[cfg(test)]
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// Tauri's handler for every command of the contract.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        #[cfg(test)]
        pub fn signatures(cfg: &ts_rs::Config) -> Vec<Signature> {
            use crate::bindings::IpcType;
            vec![$(Signature {
                name: stringify!($name),
                args: vec![$((stringify!($arg), <$ty as IpcType>::ts(cfg))),*],
                result: <$ret as IpcType>::ts(cfg),
            }),*]
        }
    };
    (@command $name:ident ($app:ident) ($($arg:ident : $ty:ty),*) $ret:ty) => {
        #[tauri::command]
        pub async fn $name<R: tauri::Runtime>($app: tauri::AppHandle<R>, $($arg: $ty),*) -> Result<$ret, CommandError> {
            commands::$name(&$app, $($arg),*).await
        }
    };
    (@command $name:ident () ($($arg:ident : $ty:ty),*) $ret:ty) => {
        #[tauri::command]
        pub async fn $name($($arg: $ty),*) -> Result<$ret, CommandError> {
            commands::$name($($arg),*).await
        }
    };
}

include!("contract.rs");
