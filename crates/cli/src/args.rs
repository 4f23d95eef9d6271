//! Command-line arguments, and turning them into a profile: a saved one
//! (`--profile NAME`) with any field flags laid over it, or one made from the
//! flags alone.

use clap::{Args, Parser, Subcommand};
use smtp_oauth_core::handover::Format;
use smtp_oauth_core::profile::{Field, Profile};
use smtp_oauth_core::store::{ProfileError, ProfileStore};
use smtp_oauth_core::{AuthPath, Cloud};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "smtp-oauth",
    version,
    about = "Checks and sets up sending mail through Microsoft 365 with OAuth 2.0 (client credentials, SMTP XOAUTH2)",
    after_help = "The client secret is read from --secret-stdin, else the SMTP_OAUTH_CLIENT_SECRET environment variable, else the OS keychain; never from an argument.\n\nExit status: 0 when everything passed, 1 when a check failed, 2 for bad input.\n\nExample, on the server that will send the mail (the secret at the hidden prompt):\n  smtp-oauth check --secret-stdin --tenant contoso.onmicrosoft.com \\\n    --client-id <GUID> --mailbox noreply@contoso.com --to you@contoso.com"
)]
pub struct Cli {
    /// Print one JSON document instead of text
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List, show, save, delete, export or import profiles
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Store, check or delete the client secret in the OS keychain
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Make, import, export or remove a certificate credential (its key in the OS keychain)
    #[command(subcommand)]
    Cert(CertCommand),
    /// Let the tool do the Entra side through Microsoft Graph, signed in once as the customer's admin
    #[command(subcommand)]
    Setup(SetupCommand),
    /// Print the Exchange Online PowerShell for the profile
    Powershell {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Write the script to this .ps1 file instead of printing it
        #[arg(long, value_name = "FILE.ps1")]
        out: Option<PathBuf>,
        /// Also grant FullAccess on the mailbox (Microsoft's guide does; sending does not need it)
        #[arg(long)]
        full_access: bool,
        /// Print only the Add-RecipientPermission command(s)
        #[arg(long)]
        only_add_recipient_permission: bool,
    },
    /// Fetch a token, decode it and check its claims
    Token {
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        network: NetworkArgs,
        /// Also print the raw access token (it grants sending as the mailbox: keep it private)
        #[arg(long)]
        show_token: bool,
    },
    /// Fetch a token and send a test message, showing the SMTP dialogue
    SendTest {
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        network: NetworkArgs,
        /// Recipient of the test message (default: the profile's test recipient)
        #[arg(long, value_name = "ADDR")]
        to: Option<String>,
    },
    /// The hand-over report of a profile, from its last saved results (never with the secret or a token)
    Report {
        #[command(flatten)]
        profile: ProfileArgs,
        /// html (one self-contained file) or md (Markdown, for tickets and wikis)
        #[arg(long, default_value = "html")]
        format: Format,
        /// Write the report to this file instead of printing it
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Name the person who ran the setup in the report
        #[arg(long, value_name = "NAME")]
        prepared_by: Option<String>,
        /// The PowerShell in the report also grants FullAccess
        #[arg(long)]
        full_access: bool,
    },
    /// A calendar file (.ics) reminding 30 and 7 days before the client secret expires
    Reminder {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Write it to this file instead of printing it
        #[arg(long, value_name = "FILE.ics")]
        out: Option<PathBuf>,
    },
    /// Explain a pasted error: an SMTP reply, an AADSTS code, a bounce, or a
    /// token or XOAUTH2 string (its claims are checked); nothing is sent or kept
    Explain {
        /// The text, as the device, the log or the bounce shows it (default:
        /// standard input, which keeps a pasted token out of the shell's history)
        text: Option<String>,
        /// Read the error against this saved profile (its tenant, app, mailbox)
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
    },
    /// Token, claims checks and a test message: the whole check, for the sending server
    Check {
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        network: NetworkArgs,
        /// Recipient of the test message (default: the profile's test recipient)
        #[arg(long, value_name = "ADDR", conflicts_with = "auth_only")]
        to: Option<String>,
        /// Sign in over SMTP (up to 235 2.7.0), then quit: no message is sent,
        /// so SendAs is not exercised; for a daily check that fills no mailbox
        #[arg(long)]
        auth_only: bool,
        /// Check every saved profile whose secret (or key) is in the keychain,
        /// side by side: one line per profile as it finishes, then a summary
        #[arg(long, conflicts_with = "to")]
        all: bool,
        /// With --all: at most this many profiles at a time (never more than 3
        /// connections per mailbox, Exchange Online's limit)
        #[arg(long, value_name = "N", default_value_t = smtp_oauth_core::fleet::DEFAULT_CONCURRENCY, requires = "all", value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
}

#[derive(Args)]
pub struct SetupCreate {
    /// The profile to set up (created when it does not exist)
    #[arg(long, value_name = "NAME")]
    pub profile: String,
    /// The customer's tenant: its GUID or a domain such as contoso.onmicrosoft.com
    #[arg(long)]
    pub tenant: Option<String>,
    /// The mailbox the application sends as
    #[arg(long, value_name = "ADDR")]
    pub mailbox: Option<String>,
    /// The application's name in Entra (default: "SMTP OAuth" and the customer's name)
    #[arg(long, value_name = "NAME")]
    pub app_name: Option<String>,
    /// certificate (Microsoft's recommendation: made here, its key in the keychain) or secret
    #[arg(long, default_value = "certificate", value_parser = ["certificate", "secret"])]
    pub credential: String,
    /// With --credential secret: when it expires, YYYY-MM-DD (default: in 180 days; Entra allows at most 24 months)
    #[arg(long, value_name = "DATE")]
    pub secret_expires: Option<String>,
    /// Print the plan and stop: no sign-in, nothing changed
    #[arg(long)]
    pub dry_run: bool,
    /// Do it without asking after showing the plan and who signed in
    #[arg(long)]
    pub yes: bool,
    /// Token service base URL, when not the cloud's (a look-alike's)
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,
    /// Microsoft Graph's v1.0 root, when not the cloud's (a look-alike's)
    #[arg(long, value_name = "URL")]
    pub graph: Option<String>,
    /// Extra trusted CA certificate (PEM) for the sign-in and Graph
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The public client the admin signs in with (default: Microsoft Graph Command Line Tools;
    /// Microsoft recommends one registered in the tenant itself)
    #[arg(long, value_name = "GUID", default_value = smtp_oauth_core::setup::DEFAULT_ADMIN_CLIENT)]
    pub admin_client_id: String,
}

#[derive(Subcommand)]
pub enum SetupCommand {
    /// Sign in as an admin of the customer's tenant (device code), show the plan, then create the
    /// app registration with SMTP.SendAsApp, its service principal, admin consent and a credential;
    /// a re-run continues where it stopped. The Exchange step stays the PowerShell it prints.
    Create(SetupCreate),
    /// Delete what `setup create` made for the profile (never an app it did not make) and its
    /// credential in the keychain; prints the PowerShell that undoes the Exchange step
    Remove {
        #[arg(long, value_name = "NAME")]
        profile: String,
        /// Do it without asking after showing the plan and who signed in
        #[arg(long)]
        yes: bool,
        /// Microsoft Graph's v1.0 root, when not the cloud's (a look-alike's)
        #[arg(long, value_name = "URL")]
        graph: Option<String>,
        /// The public client the admin signs in with
        #[arg(long, value_name = "GUID", default_value = smtp_oauth_core::setup::DEFAULT_ADMIN_CLIENT)]
        admin_client_id: String,
    },
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once; boxing would not fit clap's flatten")]
pub enum ProfileCommand {
    /// List saved profiles, each with its state and its secret's expiry
    List {
        /// Exit with status 1 when a secret expires within this many days (or has expired): for a scheduled task
        #[arg(long, value_name = "DAYS")]
        expiring_within: Option<u32>,
    },
    /// Show a saved profile
    Show { name: String },
    /// Save a profile from the field flags (over the saved one, if any)
    Save {
        name: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Delete a saved profile; on a terminal, asks whether to delete its secret too
    Delete {
        name: String,
        /// Also delete the app's client secret from the keychain, without asking
        #[arg(long, conflicts_with = "keep_secret")]
        delete_secret: bool,
        /// Keep the app's client secret in the keychain, without asking
        #[arg(long)]
        keep_secret: bool,
    },
    /// Print a profile as a JSON document to import elsewhere (never with the secret)
    Export {
        name: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Save a profile from an exported JSON document (an existing name is refused unless --replace)
    Import {
        file: PathBuf,
        /// Save it under this name instead of the one in the file
        #[arg(long)]
        name: Option<String>,
        /// Replace a saved profile of that name
        #[arg(long)]
        replace: bool,
    },
    /// Use an imported profile's own authority, SMTP host or CA with the stored secret
    ConfirmEndpoints { name: String },
    /// Save a copy of a profile for another mailbox of the same app (the addresses left empty)
    Duplicate {
        name: String,
        new_name: String,
        /// The new profile's mailbox
        #[arg(long, value_name = "ADDR")]
        mailbox: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Store the client secret Value, read from standard input (a prompt on a terminal)
    Set {
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Say whether a secret is stored (never prints it)
    Status {
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Remove the stored secret
    Delete {
        #[command(flatten)]
        profile: ProfileArgs,
    },
}

#[derive(Args, Clone, Default)]
pub struct ProfileArgs {
    /// Use this saved profile (field flags override its values)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub fields: FieldArgs,
}

#[derive(Args, Clone, Default)]
pub struct FieldArgs {
    /// Directory (tenant) ID, or a domain such as contoso.onmicrosoft.com
    #[arg(long)]
    pub tenant: Option<String>,
    /// Application (client) ID
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// Object ID of the service principal (Enterprise applications > Overview)
    #[arg(long, value_name = "GUID")]
    pub sp_object_id: Option<String>,
    /// Mailbox the app signs in as (XOAUTH2 user)
    #[arg(long, value_name = "ADDR")]
    pub mailbox: Option<String>,
    /// MAIL FROM / From: address, when not the mailbox
    #[arg(long, value_name = "ADDR")]
    pub sender: Option<String>,
    /// Default recipient of test messages
    #[arg(long, value_name = "ADDR")]
    pub test_recipient: Option<String>,
    /// global, gcc, gcc-high, dod or china
    #[arg(long)]
    pub cloud: Option<Cloud>,
    /// Authorisation path: entra-permission (default), app-rbac, or hve (High Volume Email)
    #[arg(long)]
    pub path: Option<AuthPath>,
    /// Token service base URL, when not the cloud's
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,
    /// SMTP host (default from the cloud: smtp.office365.com)
    #[arg(long, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default 587)
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// Extra trusted CA certificate (PEM), e.g. a TLS-inspecting proxy's
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Client secret expiry date, YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub secret_expires: Option<String>,
    /// What people call the profile, such as "Contoso Ltd, production"
    #[arg(long, value_name = "TEXT")]
    pub display_name: Option<String>,
    /// Free text kept with the profile: ticket number, contact
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// For an app registered in another organisation (a vendor's
    /// multi-tenant app): one of its redirect URIs, for the admin consent link
    #[arg(long, value_name = "URL")]
    pub consent_redirect_uri: Option<String>,
    /// The account that runs the Exchange script (its UPN), for
    /// Connect-ExchangeOnline -UserPrincipalName
    #[arg(long, value_name = "UPN")]
    pub exchange_admin: Option<String>,
    /// The script is run by a partner with delegated admin rights (GDAP):
    /// it connects with -DelegatedOrganization <tenant> (true or false)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub partner_access: Option<bool>,
}

#[derive(Args, Clone)]
pub struct NetworkArgs {
    /// Seconds allowed for each network stage (token request, SMTP dialogue)
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Read the client secret (or, with --certificate, its password) from standard input
    #[arg(long)]
    pub secret_stdin: bool,
    /// Sign in with this certificate instead of a secret: a .pfx/.p12 (password from
    /// --secret-stdin or SMTP_OAUTH_CERT_PASSWORD) or a PEM holding the certificate and its key
    #[arg(long, value_name = "FILE")]
    pub certificate: Option<PathBuf>,
    /// Use an imported profile's own endpoints (authority, SMTP host, CA file) for this run only,
    /// although they were not confirmed with `profile confirm-endpoints`
    #[arg(long)]
    pub trust_endpoints: bool,
}

#[derive(Subcommand)]
pub enum CertCommand {
    /// Make an RSA key pair and a self-signed certificate for the profile's app; the key goes to the keychain
    Create {
        #[arg(long, value_name = "NAME")]
        profile: String,
        /// How long it is valid, in months (1 to 24)
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u8).range(1..=24))]
        months: u8,
        /// Also write the certificate to upload (.cer, DER; .pem for PEM)
        #[arg(long, value_name = "FILE.cer")]
        out: Option<PathBuf>,
    },
    /// Use an existing certificate: a .pfx/.p12 (password from standard input or SMTP_OAUTH_CERT_PASSWORD) or a PEM
    Import {
        #[arg(long, value_name = "NAME")]
        profile: String,
        file: PathBuf,
        /// The private key, when a PEM certificate's key is in a file of its own
        #[arg(long, value_name = "KEY.pem")]
        key: Option<PathBuf>,
    },
    /// Write the certificate to upload to the app registration: .cer (DER) or .pem by the name;
    /// --pfx writes it with its key for a server without a keychain (password from standard input)
    Export {
        #[arg(long, value_name = "NAME")]
        profile: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long)]
        pfx: bool,
    },
    /// The certificate's thumbprints and dates, and whether its key is in the keychain
    Status {
        #[arg(long, value_name = "NAME")]
        profile: String,
    },
    /// Remove the certificate's private key from the keychain
    Delete {
        #[arg(long, value_name = "NAME")]
        profile: String,
    },
}

impl FieldArgs {
    /// Lays the given flags over `profile`.
    /// Whether any field flag was given. (Destructured, so that a new field
    /// cannot be forgotten here.)
    pub fn any(&self) -> bool {
        let FieldArgs {
            tenant,
            client_id,
            sp_object_id,
            mailbox,
            sender,
            test_recipient,
            cloud,
            path,
            authority,
            smtp_host,
            smtp_port,
            ca_file,
            secret_expires,
            display_name,
            notes,
            consent_redirect_uri,
            exchange_admin,
            partner_access,
        } = self;
        [tenant, client_id, sp_object_id, mailbox, sender, test_recipient, authority, smtp_host, secret_expires]
            .iter()
            .chain([display_name, notes, consent_redirect_uri, exchange_admin].iter())
            .any(|v| v.is_some())
            || partner_access.is_some()
            || cloud.is_some()
            || path.is_some()
            || smtp_port.is_some()
            || ca_file.is_some()
    }

    pub fn apply(&self, profile: &mut Profile) {
        let set = |target: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                *target = v.clone();
            }
        };
        set(&mut profile.tenant, &self.tenant);
        set(&mut profile.client_id, &self.client_id);
        set(&mut profile.mailbox, &self.mailbox);
        let set_opt = |target: &mut Option<String>, value: &Option<String>| {
            if value.is_some() {
                *target = value.clone();
            }
        };
        set_opt(&mut profile.sp_object_id, &self.sp_object_id);
        set_opt(&mut profile.sender, &self.sender);
        set_opt(&mut profile.test_recipient, &self.test_recipient);
        set_opt(&mut profile.authority, &self.authority);
        set_opt(&mut profile.smtp_host, &self.smtp_host);
        set_opt(&mut profile.secret_expires, &self.secret_expires);
        set_opt(&mut profile.display_name, &self.display_name);
        set_opt(&mut profile.notes, &self.notes);
        set_opt(&mut profile.consent_redirect_uri, &self.consent_redirect_uri);
        set_opt(&mut profile.exchange_admin, &self.exchange_admin);
        if let Some(partner) = self.partner_access {
            profile.partner_access = partner;
        }
        if let Some(cloud) = self.cloud {
            profile.cloud = cloud;
        }
        if let Some(path) = self.path {
            profile.auth_path = path;
        }
        if self.smtp_port.is_some() {
            profile.smtp_port = self.smtp_port;
        }
        if let Some(ca_file) = &self.ca_file {
            // kept absolute: a later command may run in another folder
            profile.ca_file = Some(std::path::absolute(ca_file).unwrap_or_else(|_| ca_file.clone()));
        }
    }
}

/// Where a field's value comes from on the command line, for error messages.
pub fn flag(field: Field) -> &'static str {
    match field {
        Field::Name => "the profile NAME",
        Field::Cloud => "--cloud",
        Field::Tenant => "--tenant",
        Field::ClientId => "--client-id",
        Field::SpObjectId => "--sp-object-id",
        Field::Mailbox => "--mailbox",
        Field::Sender => "--sender",
        Field::TestRecipient => "--to ADDR, or save one with --test-recipient",
        Field::SmtpHost => "--smtp-host",
        Field::SmtpPort => "--smtp-port",
        Field::Authority => "--authority",
        Field::CaFile => "--ca-file",
        Field::AuthPath => "--path",
        Field::SecretExpires => "--secret-expires",
        Field::DisplayName => "--display-name",
        Field::Notes => "--notes",
        Field::ConsentRedirectUri => "--consent-redirect-uri",
        Field::ExchangeAdmin => "--exchange-admin",
        Field::PartnerAccess => "--partner-access",
        Field::Secret => "--secret-stdin, SMTP_OAUTH_CLIENT_SECRET or `smtp-oauth secret set`",
    }
}

/// Name of a profile made from flags alone.
pub const COMMAND_LINE_PROFILE: &str = "command-line";

impl ProfileArgs {
    /// The profile to use: the saved one with the flags laid over it, or one
    /// made from the flags. Which fields an operation needs is the core's to check.
    pub fn resolve(&self, store: &ProfileStore) -> Result<Profile, ProfileError> {
        let mut profile = match &self.profile {
            Some(name) => store.load(name)?,
            None => Profile { name: COMMAND_LINE_PROFILE.into(), ..Profile::default() },
        };
        self.fields.apply(&mut profile);
        Ok(profile)
    }
}
