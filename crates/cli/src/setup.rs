//! `smtp-oauth setup create`: the plan, the admin's sign-in (device code),
//! who signed in, the confirmation, then the Entra side through Graph; the
//! Exchange PowerShell is printed as the one thing left.

use crate::args::{SetupCommand, SetupCreate};
use crate::output::{self, Out};
use crate::{Failure, ask};
use smtp_oauth_core::admin_sign_in::SignIn;
use smtp_oauth_core::api::ApiError;
use smtp_oauth_core::graph::Graph;
use smtp_oauth_core::profile::{Field, Profile};
use smtp_oauth_core::setup::{self, Options, SetupError};
use smtp_oauth_core::store::{Expect, ProfileError, ProfileStore};
use smtp_oauth_core::trust::Trust;
use smtp_oauth_core::{CredentialKind, Timeouts, powershell};
use time::OffsetDateTime;

impl From<SetupError> for Failure {
    fn from(e: SetupError) -> Failure {
        match e {
            SetupError::Api(e) => e.into(),
            SetupError::Graph(_, fix) => Failure::Input(fix),
            SetupError::Stop(words) => Failure::Input(words),
        }
    }
}

pub fn run(store: &ProfileStore, command: SetupCommand, now: OffsetDateTime, out: &mut Out) -> Result<(), Failure> {
    match command {
        SetupCommand::Remove { profile, yes, graph, admin_client_id } => {
            remove(store, &profile, yes, graph, &admin_client_id, out)
        }
        SetupCommand::Create(create) => run_create(store, create, now, out),
    }
}

/// The plan, printed as numbered lines.
fn print_plan(plan: &[String], out: &mut Out) -> Result<(), Failure> {
    let mut words = String::from("The plan:\n");
    for (i, step) in plan.iter().enumerate() {
        words.push_str(&format!("  {}. {step}\n", i + 1));
    }
    Ok(out.human(&words)?)
}

/// The admin's sign-in (device code) for `profile`'s tenant, who signed in,
/// the confirmation, and Graph as that admin.
fn signed_in(
    profile: &Profile,
    graph: Option<String>,
    admin_client_id: &str,
    yes: bool,
    runtime: &tokio::runtime::Runtime,
) -> Result<Graph, Failure> {
    setup::may_sign_in(profile)?;
    if graph.is_some() && profile.authority.is_none() {
        // the admin's token, good for every application of the tenant, goes
        // to Microsoft's Graph; another Graph is for a test look-alike, with
        // its own authority
        return Err(Failure::Input(
            "--graph is for a test look-alike and needs the profile's own authority (--authority): with Microsoft's sign-in, the admin's token goes to Microsoft Graph only".into(),
        ));
    }
    let trust = Trust::load(profile.ca_file.as_deref()).map_err(|e| Failure::Input(e.to_string()))?;
    let graph_root = profile.cloud.graph();
    let scopes: Vec<String> = setup::SCOPES.iter().map(|s| format!("{graph_root}/{s}")).collect();
    let authority = profile.authority.clone().unwrap_or_else(|| profile.cloud.authority().to_string());
    let sign_in = SignIn {
        authority: &authority,
        tenant: &profile.tenant,
        client_id: admin_client_id,
        scopes: &scopes,
        timeouts: Timeouts::default(),
        trust: &trust,
    };
    let session = runtime
        .block_on(async {
            let code = sign_in.start().await?;
            if code.message.trim().is_empty() {
                say!("To sign in, open {} in a browser and enter the code {}.", code.verification_uri, code.user_code);
            } else {
                say!("{}", code.message);
            }
            sign_in.finish(&code).await
        })
        .map_err(|e| {
            let hint = if e.blocked_by_conditional_access() {
                "; a Conditional Access policy may block the device code flow in this tenant: sign in from the wizard (browser sign-in) instead"
            } else {
                ""
            };
            Failure::Input(format!("{e}{hint}"))
        })?;
    say!("Signed in as {} in tenant {}.", session.user, session.tenant_id);
    if !yes && !ask("Make these changes in that tenant?", false) {
        return Err(Failure::Input(
            "nothing was changed: confirm on a terminal, or pass --yes to make the changes without asking".into(),
        ));
    }
    let base = graph.unwrap_or_else(|| format!("{graph_root}/v1.0"));
    Graph::new(&base, session, Timeouts::default(), &trust).map_err(|e| Failure::Input(e.to_string()))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("could not start the network runtime: {e}")))
}

fn remove(
    store: &ProfileStore,
    name: &str,
    yes: bool,
    graph: Option<String>,
    admin_client_id: &str,
    out: &mut Out,
) -> Result<(), Failure> {
    let profile = store.load(name)?;
    print_plan(&setup::remove_plan(store, &profile)?, out)?;
    let runtime = runtime()?;
    let graph = signed_in(&profile, graph, admin_client_id, yes, &runtime)?;
    let removed = runtime.block_on(setup::remove(store, name, &graph, &|step| say!("- {step}")))?;
    out.human("\nDeleted in Entra, and from this computer's keychain. The Exchange side stays until this runs in PowerShell as an Exchange administrator:\n\n")?;
    let script: String = powershell::removal(&removed).iter().map(|c| format!("# {}\n{}\n\n", c.why, c.code)).collect();
    Ok(out.text(&script)?)
}

fn run_create(store: &ProfileStore, command: SetupCreate, now: OffsetDateTime, out: &mut Out) -> Result<(), Failure> {
    let SetupCreate {
        profile: name,
        tenant,
        mailbox,
        app_name,
        credential,
        secret_expires,
        dry_run,
        yes,
        authority,
        graph,
        ca_file,
        admin_client_id,
    } = command;
    let mut profile = match store.load(&name) {
        Ok(p) => p,
        Err(ProfileError::NotFound { .. }) => Profile { name: name.clone(), ..Profile::default() },
        Err(e) => return Err(e.into()),
    };
    if let Some(t) = tenant {
        profile.tenant = t;
    }
    if let Some(m) = mailbox {
        profile.mailbox = m;
    }
    if authority.is_some() {
        profile.authority = authority;
    }
    if ca_file.is_some() {
        profile.ca_file = ca_file;
    }
    let profile = profile.normalized();
    let mut problems: Vec<String> = profile
        .problems_so_far()
        .into_iter()
        .map(|p| {
            // here the name comes from --profile
            let flag = if p.field == Field::Name { "--profile" } else { crate::args::flag(p.field) };
            format!("{} ({flag})", p.message)
        })
        .collect();
    if profile.tenant.is_empty() {
        problems.push("the customer's tenant is needed (--tenant)".into());
    }
    if profile.mailbox.is_empty() {
        problems.push("the mailbox the application sends as is needed (--mailbox)".into());
    }
    if !smtp_oauth_core::shape::is_guid(&admin_client_id) {
        problems.push("--admin-client-id must be an application (client) ID, a GUID".into());
    }
    if !problems.is_empty() {
        return Err(Failure::Input(problems.join("\n")));
    }
    let kind = if credential == "secret" { CredentialKind::Secret } else { CredentialKind::Certificate };
    let expires = match &secret_expires {
        Some(date) => time::Date::parse(date, &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| Failure::Input(format!("--secret-expires {date} is not a date (YYYY-MM-DD)")))?,
        None => now.date() + time::Duration::days(180),
    };
    if kind == CredentialKind::Secret && (expires <= now.date() || expires > now.date() + time::Duration::days(730)) {
        return Err(Failure::Input(
            "--secret-expires must be after today and at most 24 months away (Entra's limit for client secrets)".into(),
        ));
    }
    let options = Options {
        app_name: app_name.unwrap_or_else(|| format!("SMTP OAuth {}", profile.title())),
        credential: kind,
        expires,
    };

    print_plan(&setup::plan(&profile, &options), out)?;
    if dry_run {
        out.human("Nothing was changed (--dry-run).\n")?;
        return Ok(());
    }
    let profile = store.save(&profile, Expect::Anything)?.profile;
    let runtime = runtime()?;
    let graph = signed_in(&profile, graph, &admin_client_id, yes, &runtime)?;
    let done = runtime.block_on(setup::create(store, &name, &graph, &options, now, &|step| say!("- {step}")))?;

    let mut summary = format!(
        "\nDone in Entra:\n  tenant       {}\n  client ID    {}\n  object ID    {} (the service principal's)\n  credential   {}, in this computer's keychain, expires {}\n",
        done.tenant,
        done.client_id,
        done.sp_object_id.as_deref().unwrap_or("?"),
        if done.credential == CredentialKind::Certificate { "a certificate" } else { "a client secret" },
        done.secret_expires.as_deref().unwrap_or("?"),
    );
    summary.push_str("\nOne thing left: the Exchange step (Microsoft offers no REST call for it). Run this in PowerShell as an Exchange administrator, or hand it to the customer's (`smtp-oauth powershell --profile NAME --out FILE.ps1`):\n\n");
    out.human(&summary)?;
    let script = smtp_oauth_core::api::powershell_script(&done, powershell::Options { full_access: false })
        .map_err(|e: ApiError| Failure::from(e))?;
    out.text(&script.text())?;
    out.human(&format!(
        "\nThen check it: smtp-oauth check --profile {} --to <address> (Exchange can take a while to apply SendAs)\n",
        output::printable_text(&name)
    ))?;
    Ok(())
}
