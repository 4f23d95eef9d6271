//! `smtp-oauth`: the wizard's checks from a terminal, for the server that will
//! send the mail. Glue only: parse arguments, call `smtp-oauth-core`, print.

mod args;
mod output;

use args::{Cli, Command, NetworkArgs, ProfileArgs, ProfileCommand, ResolveError, SecretCommand};
use clap::Parser;
use smtp_oauth_core::checks::Status;
use smtp_oauth_core::keychain::{self, KeychainError};
use smtp_oauth_core::profile::{self, Profile, ProfileStore};
use smtp_oauth_core::report::{self, Plan, Report};
use smtp_oauth_core::secret::SECRET_ID_WARNING;
use smtp_oauth_core::{ClientSecret, Timeouts, powershell};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Duration;

/// The environment variable the secret may come from.
const SECRET_ENV: &str = "SMTP_OAUTH_CLIENT_SECRET";

/// Why a command stopped: a failed check (exit 1) or bad input (exit 2).
enum Failure {
    Check,
    Input(String),
}

impl From<ResolveError> for Failure {
    fn from(e: ResolveError) -> Failure {
        match e {
            ResolveError::Store(e) => Failure::Input(e.to_string()),
            ResolveError::Invalid(errors) => {
                Failure::Input(errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("\n"))
            }
        }
    }
}

impl From<profile::ProfileError> for Failure {
    fn from(e: profile::ProfileError) -> Failure {
        Failure::Input(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Check) => ExitCode::from(1),
        Err(Failure::Input(message)) => {
            for line in message.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let store = ProfileStore::open_default()?;
    let json = cli.json;
    match cli.command {
        Command::Profile(command) => profile_command(&store, command, json),
        Command::Secret(command) => secret_command(&store, command, json),
        Command::Powershell { profile, out, full_access, only_add_recipient_permission } => {
            let profile = profile.resolve(&store, args::FOR_POWERSHELL)?;
            let script = powershell::script(&profile, powershell::Options { full_access })
                .map_err(|e| Failure::Input(e.to_string()))?;
            let text = if json {
                serde_json::to_string_pretty(&script).expect("serialisable") + "\n"
            } else if only_add_recipient_permission {
                script.add_recipient_permission.join("\n") + "\n"
            } else {
                script.text()
            };
            write_or_print(out, &text, "")
        }
        Command::Token { profile, network, show_token } => {
            let profile = profile.resolve(&store, args::FOR_TOKEN)?;
            let secret = client_secret(&profile, &network, json)?;
            let plan = plan(&profile, &secret, None, &network);
            let (report, token) = runtime().block_on(report::run_revealing(plan, &output::progress(json)));
            // the one place a token is ever printed, on explicit request
            if show_token && let Some(token) = token {
                if json {
                    println!("{}", serde_json::json!({ "report": report, "access_token": token.value.expose() }));
                    return outcome(&report);
                }
                println!("{}\n", token.value.expose());
            }
            finish(&report, json)
        }
        Command::SendTest { profile, network, to } | Command::Check { profile, network, to } => {
            let profile = profile.resolve(&store, args::FOR_SEND)?;
            let to = recipient(&profile, to)?;
            let secret = client_secret(&profile, &network, json)?;
            let plan = plan(&profile, &secret, Some(&to), &network);
            let report = runtime().block_on(report::run(plan, &output::progress(json)));
            finish(&report, json)
        }
    }
}

/// Writes `text` to `out` (atomically), or prints it.
fn write_or_print(out: Option<std::path::PathBuf>, text: &str, note: &str) -> Result<(), Failure> {
    match out {
        Some(path) => {
            profile::write_atomically(&path, text.as_bytes())?;
            eprintln!("wrote {}{note}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn plan<'a>(profile: &'a Profile, secret: &'a ClientSecret, to: Option<&'a str>, network: &NetworkArgs) -> Plan<'a> {
    Plan {
        profile,
        secret,
        send_to: to,
        timeouts: Timeouts::with_overall(Duration::from_secs(network.timeout)),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime")
}

fn finish(report: &Report, json: bool) -> Result<(), Failure> {
    if json {
        println!("{}", serde_json::to_string_pretty(report).expect("serialisable"));
    } else {
        print!("{}", output::report(report));
    }
    outcome(report)
}

fn outcome(report: &Report) -> Result<(), Failure> {
    if report.outcome == Status::Fail { Err(Failure::Check) } else { Ok(()) }
}

fn recipient(profile: &Profile, to: Option<String>) -> Result<String, Failure> {
    let to = to.or_else(|| profile.test_recipient.clone()).map(|t| t.trim().to_string());
    match to {
        Some(to) if smtp_oauth_core::validation::is_email(&to) => Ok(to),
        Some(to) => Err(Failure::Input(format!("recipient {to:?} is not an email address such as you@contoso.com"))),
        None => Err(Failure::Input(
            "a test message needs a recipient: pass --to ADDR, or save one with --test-recipient".into(),
        )),
    }
}

/// The client secret from `--secret-stdin`, else the environment, else the keychain.
fn client_secret(profile: &Profile, network: &NetworkArgs, json: bool) -> Result<ClientSecret, Failure> {
    let bad = |e: smtp_oauth_core::secret::SecretError| Failure::Input(e.to_string());
    let secret = if network.secret_stdin {
        ClientSecret::new(&read_stdin("client secret Value: ")?).map_err(bad)?
    } else if let Some(value) = std::env::var(SECRET_ENV).ok().filter(|v| !v.trim().is_empty()) {
        ClientSecret::new(&value).map_err(bad)?
    } else {
        match keychain::load(profile) {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                return Err(Failure::Input(format!(
                    "no client secret stored for {} in the {}: store it with `smtp-oauth secret set`, or pass it with --secret-stdin or the {SECRET_ENV} environment variable",
                    keychain::account(profile),
                    keychain::store_name()
                )));
            }
            Err(e) => return Err(Failure::Input(no_keychain(&e))),
        }
    };
    if secret.looks_like_secret_id() && !json {
        eprintln!("warning: the client secret {SECRET_ID_WARNING}");
    }
    Ok(secret)
}

fn no_keychain(e: &KeychainError) -> String {
    format!("{e}; pass the client secret with --secret-stdin or the {SECRET_ENV} environment variable instead")
}

/// One line from standard input: a prompt without echo on a terminal.
fn read_stdin(prompt: &str) -> Result<String, Failure> {
    let io = |e: std::io::Error| Failure::Input(format!("could not read the secret from standard input: {e}"));
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map_err(io);
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(io)?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

fn profile_command(store: &ProfileStore, command: ProfileCommand, json: bool) -> Result<(), Failure> {
    match command {
        ProfileCommand::List => {
            let names = store.list()?;
            if json {
                println!("{}", serde_json::json!({ "directory": store.dir(), "profiles": names }));
            } else if names.is_empty() {
                eprintln!(
                    "no profiles yet in {}; save one with `smtp-oauth profile save NAME --tenant ...`",
                    store.dir().display()
                );
            } else {
                println!("{}", names.join("\n"));
            }
            Ok(())
        }
        ProfileCommand::Show { name } => {
            let profile = store.load(&name)?;
            if json {
                print!("{}", profile::export_json(&profile));
            } else {
                print!("{}", output::profile(&profile, keychain::is_stored(&profile)));
            }
            Ok(())
        }
        ProfileCommand::Save { name, fields } => {
            let mut profile = match store.load(&name) {
                Ok(p) => p,
                Err(profile::ProfileError::NotFound { .. }) => Profile { name: name.clone(), ..Profile::default() },
                Err(e) => return Err(e.into()),
            };
            fields.apply(&mut profile);
            profile.name = name;
            let saved = store.save(&profile.normalized())?;
            if let Some(aside) = saved.moved_aside {
                eprintln!("note: the unreadable file that was there is kept as {}", aside.display());
            }
            eprintln!("saved {}", saved.path.display());
            Ok(())
        }
        ProfileCommand::Delete { name } => {
            let profile = store.load(&name)?;
            store.delete(&name)?;
            eprintln!("deleted profile {name}");
            if keychain::is_stored(&profile).unwrap_or(false) {
                eprintln!(
                    "the client secret stays in the {}; remove it with `smtp-oauth secret delete --tenant {} --client-id {}`",
                    keychain::store_name(),
                    profile.tenant,
                    profile.client_id
                );
            }
            Ok(())
        }
        ProfileCommand::Export { name, out } => {
            write_or_print(out, &profile::export_json(&store.load(&name)?), " (no secret in it)")
        }
        ProfileCommand::Import { file, name } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Input(format!("could not read {}: {e}", file.display())))?;
            let mut profile = profile::import_json(&text)?;
            if let Some(name) = name {
                profile.name = name;
            }
            let saved = store.save(&profile)?;
            eprintln!("imported {} as profile {} ({})", file.display(), profile.name, saved.path.display());
            Ok(())
        }
    }
}

fn secret_command(store: &ProfileStore, command: SecretCommand, json: bool) -> Result<(), Failure> {
    let resolve = |p: &ProfileArgs| p.resolve(store, args::FOR_SECRET);
    match command {
        SecretCommand::Set { profile } => {
            let profile = resolve(&profile)?;
            let secret = ClientSecret::new(&read_stdin("client secret Value (input hidden): ")?)
                .map_err(|e| Failure::Input(e.to_string()))?;
            if secret.looks_like_secret_id() {
                eprintln!("warning: {SECRET_ID_WARNING}");
            }
            keychain::save(&profile, &secret).map_err(|e| Failure::Input(no_keychain(&e)))?;
            eprintln!(
                "stored the client secret in the {} ({} / {})",
                keychain::store_name(),
                keychain::SERVICE,
                keychain::account(&profile)
            );
            Ok(())
        }
        SecretCommand::Status { profile } => {
            let profile = resolve(&profile)?;
            let stored = keychain::is_stored(&profile);
            let env = std::env::var_os(SECRET_ENV).is_some_and(|v| !v.is_empty());
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "store": keychain::store_name(),
                        "account": keychain::account(&profile),
                        "stored": stored.as_ref().ok(),
                        "keychain_error": stored.as_ref().err().map(|e| e.to_string()),
                        "environment_variable": env,
                        "expires": profile.secret_expires,
                    })
                );
            } else {
                print!("{}", output::secret_status(&profile, &stored, env));
            }
            Ok(())
        }
        SecretCommand::Delete { profile } => {
            let profile = resolve(&profile)?;
            match keychain::delete(&profile).map_err(|e| Failure::Input(no_keychain(&e)))? {
                true => eprintln!(
                    "deleted the client secret for {} from the {}",
                    keychain::account(&profile),
                    keychain::store_name()
                ),
                false => eprintln!("no client secret was stored for {}", keychain::account(&profile)),
            }
            Ok(())
        }
    }
}
