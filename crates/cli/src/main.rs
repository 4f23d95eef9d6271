//! `smtp-oauth`: the wizard's checks from a terminal, for the server that will
//! send the mail. Glue only: parse arguments, call `smtp-oauth-core`, print.

mod args;
mod output;

use args::{Cli, Command, NetworkArgs, ProfileArgs, ProfileCommand, ResolveError, SecretCommand};
use clap::Parser;
use smtp_oauth_core::checks::Status;
use smtp_oauth_core::files::{self, Access};
use smtp_oauth_core::keychain::{self, KeychainError};
use smtp_oauth_core::profile::{self, Expect, Profile, ProfileStore};
use smtp_oauth_core::report::{self, Plan, Report};
use smtp_oauth_core::secret::SECRET_ID_WARNING;
use smtp_oauth_core::{ClientSecret, Timeouts, powershell};
use std::io::{BufRead, IsTerminal, Write};
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

impl From<files::FileError> for Failure {
    fn from(e: files::FileError) -> Failure {
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
            if json {
                return write_or_print(out, (to_json(&script) + "\n").as_bytes(), "");
            }
            if only_add_recipient_permission {
                return write_or_print(out, (script.add_recipient_permission.join("\n") + "\n").as_bytes(), "");
            }
            match out {
                // The file the administrator runs: UTF-8 with a BOM, CRLF.
                Some(_) => write_or_print(out, &script.file_bytes(), " (UTF-8 with BOM, for Windows PowerShell)"),
                None => write_or_print(None, script.text().as_bytes(), ""),
            }
        }
        Command::Token { profile, network, show_token } => {
            let profile = profile.resolve(&store, args::FOR_TOKEN)?;
            let secret = client_secret(&profile, &network, json)?;
            let plan = plan(&profile, &secret, None, &network);
            let (report, token) = runtime().block_on(report::run_revealing(plan, &output::progress(json)));
            // the one place a token is ever printed, on explicit request
            if show_token && let Some(token) = token {
                if json {
                    println!(
                        "{}",
                        to_json(&serde_json::json!({ "report": report, "access_token": token.value.expose() }))
                    );
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

/// Writes `bytes` to `out` (atomically, readable by others: the user hands
/// these files on), or prints them.
fn write_or_print(out: Option<std::path::PathBuf>, bytes: &[u8], note: &str) -> Result<(), Failure> {
    match out {
        Some(path) => {
            files::write_atomically(&path, bytes, Access::Shared)?;
            eprintln!("wrote {}{note}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Failure::Input(format!("could not write the output: {e}")))?;
        }
    }
    Ok(())
}

/// A value as pretty JSON. Every type printed is plain data; a failure here
/// would be a bug in this program, not in the user's input.
fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"could not write JSON: {e}\"}}"))
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
        println!("{}", to_json(report));
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
        if !profile.endpoints_confirmed() {
            return Err(Failure::Input(format!(
                "profile {} was imported with endpoints that are not its cloud's own ({}); the stored secret is not used with them until you confirm them: `smtp-oauth profile confirm-endpoints {}`",
                profile.name,
                output::custom_endpoints(profile),
                profile.name
            )));
        }
        match keychain::load(profile) {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                return Err(Failure::Input(format!(
                    "no client secret stored for the app {} in the {}: store it with `smtp-oauth secret set`, or pass it with --secret-stdin or the {SECRET_ENV} environment variable",
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

/// One line from standard input: a prompt without echo on a terminal. Reads
/// up to the first line end only, so a pipe left open does not hang it.
fn read_stdin(prompt: &str) -> Result<String, Failure> {
    let io = |e: std::io::Error| Failure::Input(format!("could not read the secret from standard input: {e}"));
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map_err(io);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(io)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A yes/no question on the terminal, `default` for a plain Enter; `false`
/// without a terminal to ask on.
fn ask(question: &str, default: bool) -> bool {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return false;
    }
    eprint!("{question} [{}] ", if default { "Y/n" } else { "y/N" });
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return default;
    }
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => true,
        "n" | "no" => false,
        _ => default,
    }
}

fn profile_command(store: &ProfileStore, command: ProfileCommand, json: bool) -> Result<(), Failure> {
    match command {
        ProfileCommand::List => {
            let names = store.list()?;
            if json {
                println!("{}", to_json(&serde_json::json!({ "directory": store.dir(), "profiles": names })));
            } else if names.is_empty() {
                eprintln!(
                    "no profiles yet in {}; save one with `smtp-oauth profile save NAME --tenant ...`",
                    store.dir().display()
                );
            } else {
                write_or_print(None, (names.join("\n") + "\n").as_bytes(), "")?;
            }
            Ok(())
        }
        ProfileCommand::Show { name } => {
            let profile = store.load(&name)?;
            if json {
                write_or_print(None, profile::export_json(&profile)?.as_bytes(), "")
            } else {
                let status = keychain::status(&profile, time::OffsetDateTime::now_utc());
                write_or_print(None, output::profile(&profile, status).as_bytes(), "")
            }
        }
        ProfileCommand::Save { name, fields } => {
            let (mut profile, loaded) = match store.load(&name) {
                Ok(p) => (p.clone(), Some(p)),
                Err(profile::ProfileError::NotFound { .. }) => {
                    (Profile { name: name.clone(), ..Profile::default() }, None)
                }
                Err(e) => return Err(e.into()),
            };
            fields.apply(&mut profile);
            profile.name = name;
            let expect = loaded.as_ref().map_or(Expect::Absent, Expect::Unchanged);
            let saved = store.save(&profile, expect)?;
            if let Some(aside) = saved.moved_aside {
                eprintln!("note: the unreadable file that was there is kept as {}", aside.display());
            }
            eprintln!("saved {}", saved.path.display());
            Ok(())
        }
        ProfileCommand::Delete { name, delete_secret, keep_secret } => {
            let profile = store.delete(&name)?;
            eprintln!("deleted profile {name}");
            let stored = matches!(keychain::status(&profile, time::OffsetDateTime::now_utc()), Ok(s) if s.stored);
            if !stored {
                return Ok(());
            }
            let sharing = store.sharing_client_id(&profile.client_id, &name);
            let remove = if keep_secret {
                false
            } else if delete_secret {
                true
            } else {
                let others = if sharing.is_empty() {
                    String::new()
                } else {
                    format!(" (profiles {} use it too)", sharing.join(", "))
                };
                ask(
                    &format!("Also delete its client secret from the {}{others}?", keychain::store_name()),
                    sharing.is_empty(),
                )
            };
            if remove {
                keychain::delete(&profile).map_err(|e| Failure::Input(no_keychain(&e)))?;
                eprintln!("deleted its client secret from the {}", keychain::store_name());
            } else {
                eprintln!(
                    "its client secret stays in the {}; remove it with `smtp-oauth secret delete --client-id {}`",
                    keychain::store_name(),
                    profile.client_id
                );
            }
            Ok(())
        }
        ProfileCommand::Export { name, out } => {
            write_or_print(out, profile::export_json(&store.load(&name)?)?.as_bytes(), " (no secret in it)")
        }
        ProfileCommand::Import { file, name, replace } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Input(format!("could not read {}: {e}", file.display())))?;
            let saved = store.import(&text, name.as_deref(), replace)?;
            let verb = if saved.replaced { "replaced" } else { "imported" };
            eprintln!("{verb} profile {} from {} ({})", saved.profile.name, file.display(), saved.path.display());
            if saved.profile.endpoints_unconfirmed {
                eprintln!(
                    "warning: this profile sends the secret and the token to endpoints that are not its cloud's own: {}",
                    output::custom_endpoints(&saved.profile)
                );
                eprintln!(
                    "the stored secret will not be used with it until you confirm them: `smtp-oauth profile confirm-endpoints {}`",
                    saved.profile.name
                );
            }
            Ok(())
        }
        ProfileCommand::ConfirmEndpoints { name } => {
            let profile = store.confirm_endpoints(&name)?;
            match output::custom_endpoints(&profile) {
                endpoints if endpoints.is_empty() => eprintln!("profile {name} uses its cloud's own endpoints"),
                endpoints => eprintln!("profile {name} will use {endpoints}"),
            }
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
            let status = keychain::status(&profile, time::OffsetDateTime::now_utc());
            let env = std::env::var_os(SECRET_ENV).is_some_and(|v| !v.is_empty());
            if json {
                let body = match &status {
                    Ok(status) => {
                        serde_json::json!({ "status": status, "environment_variable": env, "expires": profile.secret_expires })
                    }
                    Err(e) => {
                        serde_json::json!({ "keychain_error": e.to_string(), "environment_variable": env, "expires": profile.secret_expires })
                    }
                };
                println!("{}", to_json(&body));
            } else {
                print!("{}", output::secret_status(&profile, &status, env));
            }
            Ok(())
        }
        SecretCommand::Delete { profile } => {
            let profile = resolve(&profile)?;
            match keychain::delete(&profile).map_err(|e| Failure::Input(no_keychain(&e)))? {
                true => eprintln!(
                    "deleted the client secret for the app {} from the {}",
                    keychain::account(&profile),
                    keychain::store_name()
                ),
                false => eprintln!("no client secret was stored for the app {}", keychain::account(&profile)),
            }
            Ok(())
        }
    }
}
