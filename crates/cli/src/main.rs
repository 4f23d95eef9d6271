//! `smtp-oauth`: the wizard's checks from a terminal, for the server that will
//! send the mail. An adapter only: parse arguments, call `smtp-oauth-core`'s
//! use cases (`api`, `ProfileStore`), print what comes back.

mod args;
mod output;

/// A line for the user on standard error: whatever value it carries (a
/// profile's endpoint, a file name, an error's words) is shown as text,
/// never obeyed by the terminal.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", output::printable_text(&format!($($arg)*)))
    };
}

mod setup;

use args::{CertCommand, Cli, Command, NetworkArgs, ProfileArgs, ProfileCommand, SecretCommand};
use clap::Parser;
use output::{Out, print_json};
use smtp_oauth_core::api::{self, ApiError, Run, SecretAfterDelete, SecretSource};
use smtp_oauth_core::checks::Status;
use smtp_oauth_core::files::{self, Access};
use smtp_oauth_core::keychain::{self, KeychainError};
use smtp_oauth_core::profile::Profile;
use smtp_oauth_core::report::Report;
use smtp_oauth_core::secret::SECRET_ID_WARNING;
use smtp_oauth_core::store::{self, Expect, ProfileStore};
use smtp_oauth_core::{Timeouts, fleet, handover, powershell};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::Duration;
use time::OffsetDateTime;

/// The environment variable the secret may come from.
const SECRET_ENV: &str = "SMTP_OAUTH_CLIENT_SECRET";

/// Why a command stopped: a failed check (exit 1), bad input (exit 2), or the
/// reader of its output went away (exit 0, quietly, as `head` expects).
pub(crate) enum Failure {
    Check,
    Input(String),
    Closed,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        let hint = match &e {
            ApiError::Invalid(errors) => {
                let lines: Vec<String> =
                    errors.iter().map(|e| format!("{} ({})", e.message, args::flag(e.field))).collect();
                return Failure::Input(lines.join("\n"));
            }
            ApiError::NoSecret { .. } => format!(
                ": store it with `smtp-oauth secret set`, or pass it with --secret-stdin or the {SECRET_ENV} environment variable"
            ),
            ApiError::EndpointsUnconfirmed { name, .. } => {
                format!(
                    ": confirm them with `smtp-oauth profile confirm-endpoints {name}`, or pass --trust-endpoints for this run only"
                )
            }
            ApiError::Keychain(KeychainError::Unavailable { .. }) => {
                format!("; pass the client secret with --secret-stdin or the {SECRET_ENV} environment variable instead")
            }
            _ => String::new(),
        };
        Failure::Input(format!("{e}{hint}"))
    }
}

impl From<store::ProfileError> for Failure {
    fn from(e: store::ProfileError) -> Failure {
        ApiError::from(e).into()
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        match e.kind() {
            std::io::ErrorKind::BrokenPipe => Failure::Closed,
            _ => Failure::Input(format!("could not write the output: {e}")),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Check) => ExitCode::from(1),
        Err(Failure::Input(message)) => {
            for line in output::printable_text(&message).lines() {
                say!("error: {line}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    // Local time, read while this is the only thread (the only time it can be
    // read soundly on Unix); UTC when it cannot.
    let now = OffsetDateTime::now_local().unwrap_or_else(|_| OffsetDateTime::now_utc());
    let store = ProfileStore::open_default()?;
    let json = cli.json;
    let mut out = Out::stdout();
    match cli.command {
        Command::Profile(command) => profile_command(&store, command, json, now, &mut out),
        Command::Secret(command) => secret_command(&store, command, json, &mut out),
        Command::Cert(command) => cert_command(&store, command, json, now, &mut out),
        Command::Setup(command) => setup::run(&store, command, now, &mut out),
        Command::Powershell { profile, out: file, full_access, only_add_recipient_permission } => {
            let script = api::powershell_script(&profile.resolve(&store)?, powershell::Options { full_access })?;
            match (json, only_add_recipient_permission, file) {
                (true, _, file) => write_or_print(file, (output::json(&script) + "\n").as_bytes(), "", &mut out),
                (false, true, file) => {
                    write_or_print(file, (script.add_recipient_permission.join("\n") + "\n").as_bytes(), "", &mut out)
                }
                // The file the administrator runs: UTF-8 with a BOM, CRLF.
                (false, false, Some(file)) => write_or_print(
                    Some(file),
                    &script.file_bytes(),
                    " (UTF-8 with BOM, for Windows PowerShell)",
                    &mut out,
                ),
                (false, false, None) => Ok(out.text(&script.text())?),
            }
        }
        Command::Token { profile: args, network, show_token } => {
            let profile = args.resolve(&store)?;
            let keep = args.profile.is_some().then_some(&store);
            let (report, token) = network_run(&profile, Run::Token, &network, json, now, keep)?;
            // the one place a token is ever printed, on explicit request
            if show_token && let Some(token) = token {
                if json {
                    print_json(
                        &mut out,
                        &serde_json::json!({ "report": report, "access_token": token.value.expose() }),
                    )?;
                    return outcome(&report);
                }
                out.text(&format!("{}\n\n", token.value.expose()))?;
            }
            finish(&report, json, &mut out)
        }
        Command::SendTest { profile: args, network, to } => {
            let profile = args.resolve(&store)?;
            let keep = args.profile.is_some().then_some(&store);
            let (report, _) = network_run(&profile, Run::Send { to: to.as_deref() }, &network, json, now, keep)?;
            finish(&report, json, &mut out)
        }
        Command::Check { profile: args, network, auth_only, all: true, concurrency, .. } => {
            check_all(&store, &args, &network, auth_only, usize::from(concurrency), json, now, &mut out)
        }
        Command::Check { profile: args, network, to, auth_only, .. } => {
            let profile = args.resolve(&store)?;
            let keep = args.profile.is_some().then_some(&store);
            let what = if auth_only { Run::AuthOnly } else { Run::Send { to: to.as_deref() } };
            let (report, _) = network_run(&profile, what, &network, json, now, keep)?;
            finish(&report, json, &mut out)
        }
        Command::Report { profile: args, format, out: file, prepared_by, full_access } => {
            let profile = args.resolve(&store)?;
            let results = match &args.profile {
                // the secret in use now: the environment's, else the keychain's
                Some(_) => api::saved_results(&store, &profile, env_secret()?.unwrap_or(SecretSource::Keychain), now)?,
                None => Default::default(),
            };
            let options = handover::Options { prepared_by: prepared_by.as_deref(), full_access };
            let text = api::handover_document(&profile, &results, now, &options, format);
            if results.send.is_none() && results.token.is_none() {
                say!(
                    "note: no check has been saved for this profile yet: run `smtp-oauth check --profile NAME` (or the wizard's test message) first"
                );
            }
            write_or_print(file, text.as_bytes(), "", &mut out)
        }
        Command::Reminder { profile, out: file } => {
            let ics = api::reminder(&profile.resolve(&store)?, now)?;
            write_or_print(file, ics.as_bytes(), " (import it into your calendar)", &mut out)
        }
        Command::Explain { text, profile } => {
            let text = match text {
                Some(text) => text,
                None => read_paste()?,
            };
            let profile = profile.map(|name| store.load(&name)).transpose()?;
            let explained = api::explain(&text, profile.as_ref(), now)?;
            if json {
                return Ok(print_json(&mut out, &explained)?);
            }
            Ok(out.human(&output::explanation(&explained))?)
        }
    }
}

/// What is pasted on standard input for `explain`, up to its bound (a
/// prompt on a terminal says how to end it).
fn read_paste() -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        say!("paste the error, then press Ctrl-D (Ctrl-Z, Enter on Windows):");
    }
    let mut bytes = Vec::new();
    let limit = smtp_oauth_core::explain::MAX_PASTE as u64 + 1;
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Input(format!("could not read standard input: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `check --all`: each profile with its own keychain entry, so nothing
/// given for one run applies.
#[allow(clippy::too_many_arguments, reason = "one command's options")]
fn check_all(
    store: &ProfileStore,
    args: &ProfileArgs,
    network: &NetworkArgs,
    auth_only: bool,
    concurrency: usize,
    json: bool,
    now: OffsetDateTime,
    out: &mut Out,
) -> Result<(), Failure> {
    if args.profile.is_some() || args.fields.any() {
        return Err(Failure::Input("--all checks every saved profile as saved: no --profile or field flags".into()));
    }
    if network.secret_stdin || network.certificate.is_some() {
        return Err(Failure::Input(
            "--all takes each profile's secret or key from the keychain: no --secret-stdin or --certificate".into(),
        ));
    }
    if env_secret()?.is_some() {
        return Err(Failure::Input(format!(
            "--all takes each profile's secret from the keychain: unset {SECRET_ENV}, which would be one secret for all"
        )));
    }
    let names = store.list()?;
    if names.is_empty() {
        return Err(Failure::Input("no saved profiles to check (smtp-oauth profile save NAME ...)".into()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("could not start the network runtime: {e}")))?;
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let total = names.len();
    let lines = output::FleetLines::new(json, width, total);
    let fleet = fleet::Fleet {
        store,
        profiles: names,
        auth_only,
        concurrency,
        timeouts: Timeouts::with_overall(Duration::from_secs(network.timeout)),
        now,
    };
    let entries = runtime.block_on(fleet::check_all(fleet, &|entry, done| lines.done(entry, done)))?;
    lines.finish();
    let summary = output::FleetSummary::of(&entries);
    if json {
        print_json(out, &serde_json::json!({ "profiles": entries, "summary": summary }))?;
    } else {
        out.human(&summary.line(auth_only))?;
    }
    if summary.fail > 0 { Err(Failure::Check) } else { Ok(()) }
}

/// The environment variable a certificate's password may come from.
const CERT_PASSWORD_ENV: &str = "SMTP_OAUTH_CERT_PASSWORD";

/// A .pfx password: from standard input when asked (a prompt on a terminal),
/// else the environment, else none (a PEM needs none).
fn certificate_password(from_stdin: bool) -> Result<Option<String>, Failure> {
    if from_stdin {
        return Ok(Some(read_stdin("certificate password (input hidden): ")?));
    }
    Ok(std::env::var(CERT_PASSWORD_ENV).ok())
}

/// The secret from the environment variable, when set.
fn env_secret() -> Result<Option<SecretSource>, Failure> {
    match std::env::var(SECRET_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(value) => Ok(Some(SecretSource::Given(api::parse_secret(&value)?))),
        None => Ok(None),
    }
}

/// Runs a network use case with the secret from `--secret-stdin`, else the
/// environment, else the keychain; a saved profile (`keep`) keeps the report.
fn network_run(
    profile: &Profile,
    what: Run<'_>,
    network: &NetworkArgs,
    json: bool,
    now: OffsetDateTime,
    keep: Option<&ProfileStore>,
) -> Result<(Report, Option<smtp_oauth_core::AccessToken>), Failure> {
    let source = if let Some(file) = &network.certificate {
        let password = certificate_password(network.secret_stdin)?;
        SecretSource::GivenCertificate(api::certificate_read(file, password.as_deref(), None, now)?)
    } else if network.secret_stdin {
        SecretSource::Given(api::parse_secret(&read_stdin("client secret Value: ")?)?)
    } else {
        env_secret()?.unwrap_or(SecretSource::Keychain)
    };
    if let SecretSource::Given(secret) = &source
        && secret.looks_like_secret_id()
        && !json
    {
        say!("warning: the client secret {SECRET_ID_WARNING}");
    }
    let timeouts = Timeouts::with_overall(Duration::from_secs(network.timeout));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("could not start the network runtime: {e}")))?;
    let progress = output::progress(json);
    let trust_endpoints = network.trust_endpoints;
    let network = api::Network { source, timeouts, now, keep_in: keep, trust_endpoints };
    Ok(runtime.block_on(api::run_revealing(profile, what, network, &progress))?)
}

/// Writes `bytes` to `file` (atomically, readable by others: the user hands
/// these files on), or prints them.
fn write_or_print(file: Option<std::path::PathBuf>, bytes: &[u8], note: &str, out: &mut Out) -> Result<(), Failure> {
    match file {
        Some(path) => {
            files::write_atomically(&path, bytes, Access::Shared).map_err(ApiError::from)?;
            say!("wrote {}{note}", path.display());
            Ok(())
        }
        None => Ok(out.bytes(bytes)?),
    }
}

fn finish(report: &Report, json: bool, out: &mut Out) -> Result<(), Failure> {
    if json {
        print_json(out, report)?;
    } else {
        out.human(&output::report(report))?;
    }
    outcome(report)
}

fn outcome(report: &Report) -> Result<(), Failure> {
    if report.outcome == Status::Fail { Err(Failure::Check) } else { Ok(()) }
}

/// One line from standard input: a prompt without echo on a terminal. Reads
/// up to the first line end only, so a pipe left open does not hang it.
fn read_stdin(prompt: &str) -> Result<String, Failure> {
    let io = |e: std::io::Error| Failure::Input(format!("could not read the secret from standard input: {e}"));
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map_err(io);
    }
    // One line, bounded: a secret Value is about 40 characters, a .pfx
    // password rarely more than a hundred.
    let mut line = String::new();
    std::io::stdin().lock().take(MAX_STDIN_LINE + 1).read_line(&mut line).map_err(io)?;
    if line.len() as u64 > MAX_STDIN_LINE {
        return Err(Failure::Input(format!(
            "the line on standard input is longer than {MAX_STDIN_LINE} bytes: give the secret Value (or the password) alone, on one line"
        )));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The longest line `--secret-stdin` reads.
const MAX_STDIN_LINE: u64 = 4096;

/// A yes/no question on the terminal, `default` for a plain Enter; `false`
/// without a terminal to ask on.
pub(crate) fn ask(question: &str, default: bool) -> bool {
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

fn profile_command(
    store: &ProfileStore,
    command: ProfileCommand,
    json: bool,
    now: OffsetDateTime,
    out: &mut Out,
) -> Result<(), Failure> {
    match command {
        ProfileCommand::List { expiring_within } => {
            let summaries = api::summaries(store, now)?;
            if json {
                print_json(out, &serde_json::json!({ "directory": store.dir(), "profiles": summaries }))?;
            } else if summaries.is_empty() {
                say!(
                    "no profiles yet in {}; save one with `smtp-oauth profile save NAME --tenant ...`",
                    store.dir().display()
                );
            } else {
                out.human(&output::summaries(&summaries))?;
            }
            let Some(within) = expiring_within else { return Ok(()) };
            let due: Vec<_> =
                summaries.iter().filter(|s| s.days_left.is_some_and(|d| d <= i64::from(within))).collect();
            for s in &due {
                say!("due: the client secret of {} {}", s.name, output::expiry_words(s));
            }
            let unknown: Vec<&str> =
                summaries.iter().filter(|s| s.secret_expires.is_none()).map(|s| s.name.as_str()).collect();
            if !unknown.is_empty() {
                say!(
                    "note: no expiry date entered for {}: add one with `smtp-oauth profile save NAME --secret-expires YYYY-MM-DD`",
                    unknown.join(", ")
                );
            }
            if due.is_empty() { Ok(()) } else { Err(Failure::Check) }
        }
        ProfileCommand::Duplicate { name, new_name, mailbox } => {
            let mut copy = api::duplicate(store, &name, &new_name)?;
            if let Some(mailbox) = mailbox {
                let base = copy.clone();
                copy.mailbox = mailbox;
                copy = store.save(&copy, Expect::Unchanged(&base))?.profile;
            }
            say!(
                "saved {} as a copy of {name} for the same app{}",
                copy.name,
                if copy.mailbox.is_empty() {
                    "; set its mailbox with `smtp-oauth profile save NAME --mailbox ADDR`"
                } else {
                    ""
                }
            );
            Ok(())
        }
        ProfileCommand::Show { name } => {
            let profile = store.load(&name)?;
            if json {
                return Ok(out.text(&store::export_json(&profile)?)?);
            }
            let status = keychain::status(&profile, time::OffsetDateTime::now_utc());
            let consent = api::admin_consent_url(store, &profile);
            Ok(out.human(&output::profile(&profile, status, consent))?)
        }
        ProfileCommand::Save { name, fields } => {
            let loaded = match store.load(&name) {
                Ok(p) => Some(p),
                Err(store::ProfileError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            let mut profile = loaded.clone().unwrap_or_else(|| Profile { name: name.clone(), ..Profile::default() });
            fields.apply(&mut profile);
            profile.name = name;
            let saved = store.save(&profile, loaded.as_ref().map_or(Expect::Absent, Expect::Unchanged))?;
            if let Some(aside) = saved.moved_aside {
                say!("note: the unreadable file that was there is kept as {}", aside.display());
            }
            say!("saved {}", saved.path.display());
            Ok(())
        }
        ProfileCommand::Delete { name, delete_secret, keep_secret } => {
            let preview = api::delete_preview(store, &name)?;
            let remove = preview.secret_stored
                && !keep_secret
                && (delete_secret || {
                    let others = match preview.shared_with.as_slice() {
                        [] => String::new(),
                        shared => format!(" (profiles {} use it too)", shared.join(", ")),
                    };
                    ask(
                        &format!("Also delete its client secret from the {}{others}?", keychain::store_name()),
                        preview.shared_with.is_empty(),
                    )
                });
            let deleted = api::delete_profile(store, &name, remove)?;
            say!("deleted profile {name}");
            match deleted.secret {
                SecretAfterDelete::Deleted => {
                    say!("deleted its client secret from the {}", keychain::store_name())
                }
                SecretAfterDelete::Kept => say!(
                    "its client secret stays in the {}; remove it with `smtp-oauth secret delete --client-id {}`",
                    keychain::store_name(),
                    deleted.client_id
                ),
                SecretAfterDelete::None => {}
            }
            Ok(())
        }
        ProfileCommand::Export { name, out: file } => {
            write_or_print(file, api::export(&store.load(&name)?)?.as_bytes(), " (no secret in it)", out)
        }
        ProfileCommand::Import { file, name, replace } => {
            let imported = api::import_file(store, &file, name.as_deref(), replace)?;
            let verb = if imported.replaced { "replaced" } else { "imported" };
            say!("{verb} profile {} from {} ({})", imported.profile.name, file.display(), imported.path.display());
            if !imported.custom_endpoints.is_empty() {
                say!(
                    "warning: this profile sends the secret and the token to endpoints that are not its cloud's own or not the app's cloud before: {}",
                    output::custom_endpoints(&imported.profile)
                );
                say!(
                    "the stored secret will not be used with it until you confirm them: `smtp-oauth profile confirm-endpoints {}`",
                    imported.profile.name
                );
            }
            Ok(())
        }
        ProfileCommand::ConfirmEndpoints { name } => {
            let profile = store.confirm_endpoints(&name)?;
            match output::custom_endpoints(&profile) {
                endpoints if endpoints.is_empty() => say!("profile {name} uses its cloud's own endpoints"),
                endpoints => say!("profile {name} will use {endpoints}"),
            }
            Ok(())
        }
    }
}

fn secret_command(store: &ProfileStore, command: SecretCommand, json: bool, out: &mut Out) -> Result<(), Failure> {
    let resolve = |p: &ProfileArgs| p.resolve(store);
    let now = time::OffsetDateTime::now_utc();
    match command {
        SecretCommand::Set { profile } => {
            let status =
                api::secret_set(&resolve(&profile)?, &read_stdin("client secret Value (input hidden): ")?, now)?;
            if let Some(warning) = &status.warning {
                say!("warning: {warning}");
            }
            say!("stored the client secret in the {} ({} / {})", status.store, keychain::SERVICE, status.account);
            Ok(())
        }
        SecretCommand::Status { profile } => {
            let profile = resolve(&profile)?;
            let status = api::secret_status(&profile, now);
            let env = std::env::var_os(SECRET_ENV).is_some_and(|v| !v.is_empty());
            if json {
                let body = match &status {
                    Ok(status) => {
                        serde_json::json!({ "status": status, "environment_variable": env, "expires": profile.secret_expires })
                    }
                    Err(e) => {
                        serde_json::json!({ "error": e.to_string(), "environment_variable": env, "expires": profile.secret_expires })
                    }
                };
                Ok(print_json(out, &body)?)
            } else {
                Ok(out.human(&output::secret_status(&profile, &status, env))?)
            }
        }
        SecretCommand::Delete { profile } => {
            let profile = resolve(&profile)?;
            let before = api::secret_status(&profile, now)?;
            api::secret_delete(&profile, now)?;
            match before.stored {
                true => say!("deleted the client secret for the app {} from the {}", before.account, before.store),
                false => say!("no client secret was stored for the app {}", before.account),
            }
            Ok(())
        }
    }
}

fn cert_command(
    store: &ProfileStore,
    command: CertCommand,
    json: bool,
    now: OffsetDateTime,
    out: &mut Out,
) -> Result<(), Failure> {
    match command {
        CertCommand::Create { profile: name, months, out: file } => {
            let profile = store.load(&name)?;
            let made = api::certificate_create(&profile, months, now)?;
            install(store, &profile, &made, json, now, out)?;
            if let Some(file) = file {
                let pem = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("pem"));
                write_or_print(Some(file), &api::certificate_export(&store.load(&name)?, pem)?, " (upload it)", out)?;
            }
            Ok(())
        }
        CertCommand::Import { profile: name, file, key } => {
            let profile = store.load(&name)?;
            let password = if api::CertificateFile::at(&file) == api::CertificateFile::Pkcs12 {
                match std::env::var(CERT_PASSWORD_ENV) {
                    Ok(p) => Some(p),
                    Err(_) => Some(read_stdin("certificate password (input hidden): ")?),
                }
            } else {
                None
            };
            let imported = api::certificate_read(&file, password.as_deref(), key.as_deref(), now)?;
            install(store, &profile, &imported, json, now, out)
        }
        CertCommand::Export { profile: name, out: file, pfx } => {
            let profile = store.load(&name)?;
            if pfx {
                let password = read_stdin("password for the .pfx (input hidden): ")?;
                let bytes = api::certificate_pfx(&profile, &password, now)?;
                files::write_atomically(&file, &bytes, Access::Private).map_err(ApiError::from)?;
                say!("wrote {} (the certificate and its private key: keep it as safe as a password)", file.display());
                return Ok(());
            }
            let pem = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("pem"));
            write_or_print(
                Some(file),
                &api::certificate_export(&profile, pem)?,
                " (upload it to the app registration)",
                out,
            )
        }
        CertCommand::Status { profile: name } => {
            let profile = store.load(&name)?;
            let info = profile.certificate().map(|c| c.info().clone());
            let status = api::secret_status(
                &smtp_oauth_core::Profile { credential: smtp_oauth_core::CredentialKind::Certificate, ..profile },
                now,
            );
            if json {
                let body = serde_json::json!({ "certificate": info, "key_stored": status.as_ref().map(|s| s.stored).ok(), "error": status.as_ref().err().map(ToString::to_string) });
                return Ok(print_json(out, &body)?);
            }
            let Some(info) = info else {
                return Err(Failure::Input(format!(
                    "profile {name} has no certificate: make one with `smtp-oauth cert create --profile {name}`"
                )));
            };
            out.human(&output::certificate(&info, &status))?;
            Ok(())
        }
        CertCommand::Delete { profile: name } => {
            let profile = store.load(&name)?;
            let deleted = keychain::delete_key(&profile).map_err(ApiError::from)?;
            say!(
                "{}",
                if deleted {
                    "deleted the certificate's private key from the keychain"
                } else {
                    "no key of this certificate was stored"
                }
            );
            Ok(())
        }
    }
}

/// Stores the key, makes the certificate the profile's credential, and says
/// what to upload.
fn install(
    store: &ProfileStore,
    profile: &Profile,
    certificate: &smtp_oauth_core::certificate::CertificateCredential,
    json: bool,
    now: OffsetDateTime,
    out: &mut Out,
) -> Result<(), Failure> {
    let installed = api::certificate_install(profile, certificate, now)?;
    store.save(&installed.profile, Expect::Unchanged(profile))?;
    if json {
        return Ok(print_json(out, &serde_json::json!({ "certificate": installed.info, "status": installed.status }))?);
    }
    out.human(&output::certificate(&installed.info, &Ok(installed.status)))?;
    say!(
        "profile {} now signs in with this certificate; upload it under App registrations > the app > Certificates & secrets > Certificates (`smtp-oauth cert export --profile {} --out app.cer`)",
        profile.name,
        profile.name
    );
    Ok(())
}
