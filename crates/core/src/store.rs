//! Profiles as JSON files `<dir>/<name>.json`, with a schema version. The
//! file is the truth: a save says what it expects to find there, and is
//! refused when someone else (the CLI, another window) changed it since. A
//! file that cannot be read is moved aside and reported, never overwritten.

use crate::evidence::{Evidence, Recorded};
use crate::files::{self, Access, FileError, Read};
use crate::keychain::SecretStatus;
use crate::profile::rules::{is_profile_name, is_reserved_on_windows};
use crate::profile::{Field, FieldError, Profile};
use crate::report::Report;
use crate::results::Results;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped when a saved profile's meaning changes; older files are upgraded on
/// load, newer ones are refused rather than overwritten.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON document written to disk and exported: a profile plus its schema.
#[derive(Debug, Serialize, Deserialize)]
struct Document {
    schema_version: u32,
    profile: Profile,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{}", join_messages(.0))]
    Invalid(Vec<FieldError>),
    #[error("no profile named {name:?} (profiles are in {dir})", dir = .dir.display())]
    NotFound { name: String, dir: PathBuf },
    #[error("a profile named {name:?} already exists: choose another name, or replace it")]
    Exists { name: String },
    #[error(
        "profile {name:?} was changed outside this window since it was opened (by smtp-oauth or another window); reopen it to see the saved values"
    )]
    ChangedElsewhere { name: String },
    #[error("profile {name:?} could not be read ({reason}); the file was moved to {} so that nothing is lost", moved_to.display())]
    Unreadable { name: String, reason: String, moved_to: PathBuf },
    #[error(
        "profile {name:?} was written by a newer version of SMTP OAuth Wizard (schema {found}, this version reads {SCHEMA_VERSION}); upgrade, or save under another name"
    )]
    NewerSchema { name: String, found: u32 },
    #[error("this is not a profile export: {0}")]
    NotAnExport(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("could not find this user's configuration directory; set SMTP_OAUTH_CONFIG_DIR to a folder for profiles")]
    NoConfigDir,
}

fn join_messages(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

/// What a save expects to find in the file it replaces.
#[derive(Debug, Clone, Copy)]
pub enum Expect<'a> {
    /// No profile of that name: creating one.
    Absent,
    /// This profile, as it was loaded or last saved: editing it.
    Unchanged(&'a Profile),
    /// Whatever is there (an explicit replace).
    Anything,
}

/// Where a written profile's `endpoints_unconfirmed` comes from.
#[derive(Debug, Clone, Copy)]
enum Flag {
    /// The file it replaces (every save but an import's).
    FromFile,
    /// The profile being written (an import, which computed it).
    Given,
}

/// What `save` did besides writing the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    /// The profile as written (normalised, with the endpoint flag the file had).
    pub profile: Profile,
    /// An unreadable file that stood in the way, now kept under this name.
    pub moved_aside: Option<PathBuf>,
    /// Whether a profile of that name existed before.
    pub replaced: bool,
}

/// Profiles as files `<dir>/<name>.json`.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

/// The application's folder in the OS configuration directory, or
/// `SMTP_OAUTH_CONFIG_DIR` when set (tests and portable installs).
pub fn config_dir() -> Result<PathBuf, ProfileError> {
    if let Some(dir) = std::env::var_os("SMTP_OAUTH_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|d| d.config_dir().join("smtp-oauth-wizard")).ok_or(ProfileError::NoConfigDir)
}

/// What is at a profile's path.
enum Found {
    Missing,
    Profile(Box<Profile>),
    /// Unreadable, now moved aside.
    MovedAside {
        reason: String,
        moved_to: PathBuf,
    },
}

impl ProfileStore {
    pub fn open_default() -> Result<ProfileStore, ProfileError> {
        Ok(ProfileStore::at(config_dir()?.join("profiles")))
    }

    pub fn at(dir: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> Result<PathBuf, ProfileError> {
        if !is_profile_name(name) || is_reserved_on_windows(name) {
            // Also keeps names like "../x" from reaching the file system, and
            // device names Windows reserves (con.json is the console there).
            return Err(ProfileError::NotFound { name: name.to_string(), dir: self.dir.clone() });
        }
        Ok(self.dir.join(format!("{name}.json")))
    }

    fn not_found(&self, name: &str) -> ProfileError {
        ProfileError::NotFound { name: name.to_string(), dir: self.dir.clone() }
    }

    /// Names of the saved profiles, sorted.
    pub fn list(&self) -> Result<Vec<String>, ProfileError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(FileError { action: "list", path: self.dir.clone(), source }.into()),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
            .filter(|n| is_profile_name(n))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Reads the file at `path`; an unreadable one is moved aside.
    fn find(&self, name: &str, path: &Path) -> Result<Found, ProfileError> {
        let text = match files::read_text(path) {
            Read::Missing => return Ok(Found::Missing),
            Read::Text(text) => text,
            Read::Unreadable(reason) => {
                return Ok(Found::MovedAside { reason, moved_to: files::move_aside(path)? });
            }
        };
        match parse_document(&text) {
            Ok(profile) => Ok(Found::Profile(Box::new(profile))),
            Err(Parse::Newer(found)) => Err(ProfileError::NewerSchema { name: name.to_string(), found }),
            Err(Parse::Broken(reason)) => Ok(Found::MovedAside { reason, moved_to: files::move_aside(path)? }),
        }
    }

    /// Reads a profile. A file that cannot be read is moved aside, never left
    /// to be overwritten by the next save.
    pub fn load(&self, name: &str) -> Result<Profile, ProfileError> {
        let path = self.path(name)?;
        match files::across_processes(&path, || self.find(name, &path))? {
            Found::Profile(profile) => Ok(*profile),
            Found::Missing => Err(self.not_found(name)),
            Found::MovedAside { reason, moved_to } => {
                Err(ProfileError::Unreadable { name: name.to_string(), reason, moved_to })
            }
        }
    }

    /// Checks the values entered so far and writes the profile, provided the
    /// file holds what `expect` says. Whether the endpoints still need the
    /// user's confirmation is the file's to say (only import sets it, only
    /// [`ProfileStore::confirm_endpoints`] clears it), not the caller's.
    pub fn save(&self, profile: &Profile, expect: Expect<'_>) -> Result<Saved, ProfileError> {
        self.write(profile, expect, Flag::FromFile)
    }

    fn write(&self, profile: &Profile, expect: Expect<'_>, flag: Flag) -> Result<Saved, ProfileError> {
        let mut profile = profile.clone().normalized();
        let problems = profile.problems_so_far();
        if !problems.is_empty() {
            return Err(ProfileError::Invalid(problems));
        }
        let path = self.path(&profile.name)?;
        files::across_processes(&path, || {
            let (existing, moved_aside) = match self.find(&profile.name, &path)? {
                Found::Profile(p) => (Some(*p), None),
                Found::Missing => (None, None),
                Found::MovedAside { moved_to, .. } => (None, Some(moved_to)),
            };
            let name = || profile.name.clone();
            match (&expect, &existing) {
                (Expect::Absent, Some(_)) => return Err(ProfileError::Exists { name: name() }),
                (Expect::Unchanged(_), None) => return Err(ProfileError::ChangedElsewhere { name: name() }),
                (Expect::Unchanged(base), Some(current)) if (*base).clone().normalized() != *current => {
                    return Err(ProfileError::ChangedElsewhere { name: name() });
                }
                _ => {}
            }
            if let (Flag::FromFile, Some(current)) = (flag, &existing) {
                profile.endpoints_unconfirmed = current.endpoints_unconfirmed;
                profile.cloud_before_import = current.cloud_before_import;
            }
            files::write_unlocked(&path, export_json(&profile)?.as_bytes(), Access::Private)?;
            Ok(Saved { path: path.clone(), profile: profile.clone(), moved_aside, replaced: existing.is_some() })
        })
    }

    /// The user has seen an imported profile's own endpoints and uses them.
    pub fn confirm_endpoints(&self, name: &str) -> Result<Profile, ProfileError> {
        let path = self.path(name)?;
        files::across_processes(&path, || {
            let mut profile = match self.find(name, &path)? {
                Found::Profile(p) => *p,
                Found::Missing => return Err(self.not_found(name)),
                Found::MovedAside { reason, moved_to } => {
                    return Err(ProfileError::Unreadable { name: name.to_string(), reason, moved_to });
                }
            };
            profile.endpoints_unconfirmed = false;
            profile.cloud_before_import = None;
            files::write_unlocked(&path, export_json(&profile)?.as_bytes(), Access::Private)?;
            Ok(profile)
        })
    }

    /// Removes a profile; returns it, so the caller can deal with its secret.
    pub fn delete(&self, name: &str) -> Result<Profile, ProfileError> {
        let path = self.path(name)?;
        files::across_processes(&path, || {
            let profile = match self.find(name, &path)? {
                Found::Profile(p) => *p,
                Found::Missing => return Err(self.not_found(name)),
                Found::MovedAside { reason, moved_to } => {
                    return Err(ProfileError::Unreadable { name: name.to_string(), reason, moved_to });
                }
            };
            std::fs::remove_file(&path).map_err(|source| FileError { action: "delete", path: path.clone(), source })?;
            // Its results must not greet a new profile of the same name.
            self.forget_results(name)?;
            Ok(profile)
        })
    }

    /// Saves an exported profile: under `name` when given, else its own. An
    /// existing profile of that name is replaced only when `replace` says so,
    /// in the wizard and the CLI alike.
    pub fn import(&self, text: &str, name: Option<&str>, replace: bool) -> Result<Saved, ProfileError> {
        let mut profile = import_json(text)?;
        if let Some(name) = name {
            profile.name = name.trim().to_string();
        }
        let expect = if replace { Expect::Anything } else { Expect::Absent };
        // A cloud other than the one this app's secret was used in before
        // (the profile replaced, or another of the same client ID) would
        // send the secret to that cloud's endpoints: one more to confirm.
        // A profile whose own move is not confirmed yet counts with the
        // cloud it was used in before, so a second import cannot launder it.
        let replaced = if replace { self.load(&profile.name).ok() } else { None };
        let others =
            self.sharing_client_id(&profile.client_id, &profile.name).into_iter().filter_map(|n| self.load(&n).ok());
        let used_in = |p: Profile| p.cloud_before_import.unwrap_or(p.cloud);
        if let Some(before) = replaced.into_iter().chain(others).map(used_in).find(|&c| c != profile.cloud) {
            profile.cloud_before_import = Some(before);
            profile.endpoints_unconfirmed = true;
        }
        // An import decides the endpoint flag afresh, whatever the file had.
        let saved = self.write(&profile, expect, Flag::Given)?;
        if saved.replaced {
            self.forget_results(&saved.profile.name)?;
        }
        Ok(saved)
    }

    fn results_path(&self, name: &str) -> Result<PathBuf, ProfileError> {
        self.path(name)?;
        Ok(self.dir.join("results").join(format!("{name}.json")))
    }

    /// The last results saved for `name` (`<dir>/results/<name>.json`): the
    /// reports of the last token and test message either face obtained
    /// and the user's ticks, which hold no secret and no token. This file is
    /// the one store of results: the wizard reads and writes it too. None yet gives empty results; a
    /// file that cannot be read is moved aside and named in the second value.
    pub fn load_results(&self, name: &str) -> Result<(Results, Option<PathBuf>), ProfileError> {
        let path = self.results_path(name)?;
        files::across_processes(&path, || read_results(&path))
    }

    /// Records a report as the profile's last token (`Evidence::Token`) or
    /// test message, with the status of the secret it used, keeping the
    /// other results.
    pub fn save_report(&self, name: &str, report: &Report, secret: &SecretStatus) -> Result<(), ProfileError> {
        self.update_results(name, |results| {
            match report.obtained.evidence {
                Evidence::TestMessage => results.send = Some(report.clone()),
                _ => results.token = Some(report.clone()),
            }
            results.secret = Some(secret.clone());
        })
        .map(|_| ())
    }

    /// Records the user's tick `evidence` (`Some`, with what it was given
    /// for) or takes it back (`None`), keeping the other results; the ticks
    /// as they are now.
    pub fn set_tick(
        &self,
        name: &str,
        evidence: Evidence,
        recorded: Option<Recorded>,
    ) -> Result<Vec<Recorded>, ProfileError> {
        let results = self.update_results(name, |results| {
            results.ticks.retain(|t| t.evidence != evidence);
            results.ticks.extend(recorded);
        })?;
        Ok(results.ticks)
    }

    /// The one way results are written: read, changed, written back under
    /// the file's lock (across processes), so that a check run by the CLI
    /// and a tick given in the wizard at the same moment both stay. A
    /// profile deleted meanwhile gets none: deleting removes the profile's
    /// file first, then its results under this same lock.
    fn update_results(&self, name: &str, change: impl FnOnce(&mut Results)) -> Result<Results, ProfileError> {
        let profile = self.path(name)?;
        let path = self.results_path(name)?;
        files::across_processes(&path, || {
            if !profile.exists() {
                return Err(self.not_found(name));
            }
            let (mut results, _) = read_results(&path)?;
            change(&mut results);
            let text = serde_json::to_string_pretty(&results).expect("results serialise");
            files::write_unlocked(&path, text.as_bytes(), Access::Private)?;
            Ok(results)
        })
    }

    fn forget_results(&self, name: &str) -> Result<(), ProfileError> {
        let path = self.results_path(name)?;
        files::across_processes(&path, || match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(FileError { action: "delete", path: path.clone(), source: e }.into())
            }
            _ => Ok(()),
        })
    }

    /// Every saved profile that uses `client_id` (and so the same keychain
    /// entry), except `but`.
    pub fn sharing_client_id(&self, client_id: &str, but: &str) -> Vec<String> {
        self.list()
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n != but)
            .filter(|n| self.load(n).is_ok_and(|p| p.client_id.eq_ignore_ascii_case(client_id)))
            .collect()
    }
}

fn read_results(path: &Path) -> Result<(Results, Option<PathBuf>), ProfileError> {
    let text = match files::read_text(path) {
        Read::Missing => return Ok((Results::default(), None)),
        Read::Text(text) => text,
        Read::Unreadable(_) => return Ok((Results::default(), Some(files::move_aside(path)?))),
    };
    match serde_json::from_str(&text) {
        Ok(results) => Ok((results, None)),
        Err(_) => Ok((Results::default(), Some(files::move_aside(path)?))),
    }
}

/// The profile as a JSON document with its schema version, for files and
/// exports. It cannot hold a secret: `Profile` has no field for one.
pub fn export_json(profile: &Profile) -> Result<String, ProfileError> {
    let doc = Document { schema_version: SCHEMA_VERSION, profile: profile.clone() };
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => Ok(text + "\n"),
        // Only a path that is not Unicode fails; its rule says why.
        Err(e) => Err(ProfileError::Invalid(vec![FieldError {
            field: Field::CaFile,
            message: profile
                .field_problem(Field::CaFile)
                .unwrap_or_else(|| format!("the profile cannot be written: {e}")),
        }])),
    }
}

/// Reads an exported profile and checks the values it has. One whose
/// endpoints are not its cloud's own is marked so that a stored secret is not
/// used with it before the user has seen them.
pub fn import_json(text: &str) -> Result<Profile, ProfileError> {
    let profile = match parse_document(text) {
        Ok(p) => p,
        Err(Parse::Newer(found)) => return Err(ProfileError::NewerSchema { name: "(import)".into(), found }),
        Err(Parse::Broken(reason)) => return Err(ProfileError::NotAnExport(reason)),
    };
    let mut profile = profile.normalized();
    let problems = profile.problems_so_far();
    if !problems.is_empty() {
        return Err(ProfileError::Invalid(problems));
    }
    profile.cloud_before_import = None; // what the file says does not count
    // nor what it says was created: `setup remove` deletes only what this
    // computer's tool made, never an app a file names
    profile.created = None;
    profile.endpoints_unconfirmed = !profile.custom_endpoints().is_empty();
    Ok(profile)
}

enum Parse {
    Newer(u32),
    Broken(String),
}

fn parse_document(text: &str) -> Result<Profile, Parse> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    let version: Version =
        serde_json::from_str(text).map_err(|e| Parse::Broken(format!("not a profile document: {e}")))?;
    if version.schema_version > SCHEMA_VERSION {
        return Err(Parse::Newer(version.schema_version));
    }
    let doc: Document = serde_json::from_str(text).map_err(|e| Parse::Broken(e.to_string()))?;
    Ok(doc.profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;
    use crate::profile::tests::sample;
    use std::fs;

    /// The files in `dir` but the lock files `.NAME.lock` (which stay).
    fn files_but_locks(dir: &std::path::Path) -> usize {
        fs::read_dir(dir)
            .unwrap()
            .filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".lock"))
            .count()
    }

    fn store() -> (tempfile::TempDir, ProfileStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path().join("profiles"));
        (dir, store)
    }

    #[test]
    fn store_round_trip() {
        let (_dir, store) = store();
        assert_eq!(store.list().unwrap(), Vec::<String>::new());
        let saved = store.save(&sample(), Expect::Absent).unwrap();
        assert_eq!((saved.moved_aside.as_ref(), saved.replaced), (None, false));
        assert_eq!(store.list().unwrap(), vec!["contoso"]);
        assert_eq!(store.load("contoso").unwrap(), sample());
        let text = fs::read_to_string(&saved.path).unwrap();
        assert!(text.contains("\"schema_version\": 1"), "{text}");
        assert_eq!(files_but_locks(store.dir()), 1, "no temporary files left behind");
        assert_eq!(store.delete("contoso").unwrap(), sample());
        assert!(matches!(store.load("contoso"), Err(ProfileError::NotFound { .. })));
        assert!(matches!(store.delete("contoso"), Err(ProfileError::NotFound { .. })));
    }

    fn report(profile: &Profile, evidence: Evidence, at: i64) -> Report {
        Report {
            profile: profile.name.clone(),
            token: None,
            checks: vec![],
            smtp: None,
            diagnosis: vec![],
            outcome: crate::checks::Status::Ok,
            obtained: crate::evidence::Recorded::new(
                evidence,
                profile,
                None,
                time::OffsetDateTime::from_unix_timestamp(at).unwrap(),
            ),
        }
    }

    #[test]
    fn the_last_reports_are_kept_per_profile_and_go_with_it() {
        let (_dir, store) = store();
        let p = store.save(&sample(), Expect::Absent).unwrap().profile;
        assert_eq!(store.load_results("contoso").unwrap(), (Results::default(), None));
        store
            .save_report(
                "contoso",
                &report(&p, Evidence::Token, 1),
                &SecretStatus::of(&p, None, time::OffsetDateTime::UNIX_EPOCH),
            )
            .unwrap();
        store
            .save_report(
                "contoso",
                &report(&p, Evidence::TestMessage, 2),
                &SecretStatus::of(&p, None, time::OffsetDateTime::UNIX_EPOCH),
            )
            .unwrap();
        // the user's ticks go in the same file, and a report keeps them
        let tick = |e| Some(Recorded::new(e, &p, None, time::OffsetDateTime::UNIX_EPOCH));
        store.set_tick("contoso", Evidence::ScriptRan, tick(Evidence::ScriptRan)).unwrap();
        let ticks = store.set_tick("contoso", Evidence::ConsentGranted, tick(Evidence::ConsentGranted)).unwrap();
        assert_eq!(ticks.len(), 2);
        store
            .save_report(
                "contoso",
                &report(&p, Evidence::Token, 3),
                &SecretStatus::of(&p, None, time::OffsetDateTime::UNIX_EPOCH),
            )
            .unwrap();
        let (results, _) = store.load_results("contoso").unwrap();
        assert_eq!(results.token.unwrap().obtained.at, 3, "the last token replaces the one before");
        assert_eq!(results.send.unwrap().obtained.at, 2, "and keeps the test message");
        let said: Vec<Evidence> = results.ticks.iter().map(|t| t.evidence).collect();
        assert_eq!(said, [Evidence::ScriptRan, Evidence::ConsentGranted], "and the ticks");
        let ticks = store.set_tick("contoso", Evidence::ScriptRan, None).unwrap();
        assert_eq!(ticks.iter().map(|t| t.evidence).collect::<Vec<_>>(), [Evidence::ConsentGranted], "taken back");
        assert_eq!(store.list().unwrap(), vec!["contoso"], "results are not profiles");
        assert!(store.load_results("../x").is_err(), "names are checked");

        // a damaged file is moved aside, not overwritten
        let path = store.dir().join("results/contoso.json");
        fs::write(&path, "{ damaged").unwrap();
        let (results, aside) = store.load_results("contoso").unwrap();
        assert_eq!(results, Results::default());
        assert_eq!(fs::read_to_string(aside.unwrap()).unwrap(), "{ damaged");

        // deleting or replacing the profile takes its results with it
        store
            .save_report(
                "contoso",
                &report(&p, Evidence::Token, 4),
                &SecretStatus::of(&p, None, time::OffsetDateTime::UNIX_EPOCH),
            )
            .unwrap();
        store.delete("contoso").unwrap();
        store.save(&sample(), Expect::Absent).unwrap();
        assert_eq!(store.load_results("contoso").unwrap().0, Results::default(), "a new profile starts afresh");
        store
            .save_report(
                "contoso",
                &report(&p, Evidence::Token, 5),
                &SecretStatus::of(&p, None, time::OffsetDateTime::UNIX_EPOCH),
            )
            .unwrap();
        store.import(&export_json(&sample()).unwrap(), None, true).unwrap();
        assert_eq!(store.load_results("contoso").unwrap().0, Results::default());
    }

    #[test]
    fn an_edit_made_elsewhere_is_never_undone() {
        let (_dir, store) = store();
        let opened = store.save(&sample(), Expect::Absent).unwrap().profile;
        // The CLI changes the object ID while the wizard has the profile open.
        let mut elsewhere = opened.clone();
        elsewhere.sp_object_id = Some("11111111-2222-4333-8444-555555555555".into());
        store.save(&elsewhere, Expect::Unchanged(&opened)).unwrap();
        // The wizard's next save, based on what it opened, is refused...
        let mut wizard = opened.clone();
        wizard.mailbox = "alerts@contoso.com".into();
        let err = store.save(&wizard, Expect::Unchanged(&opened)).unwrap_err();
        assert!(matches!(err, ProfileError::ChangedElsewhere { .. }), "{err}");
        // ...and the file keeps the other edit.
        assert_eq!(store.load("contoso").unwrap(), elsewhere);
    }

    #[test]
    fn a_deleted_profile_never_comes_back() {
        let (_dir, store) = store();
        let opened = store.save(&sample(), Expect::Absent).unwrap().profile;
        store.delete("contoso").unwrap();
        let late_save = store.save(&opened, Expect::Unchanged(&opened)).unwrap_err();
        assert!(matches!(late_save, ProfileError::ChangedElsewhere { .. }), "{late_save}");
        assert_eq!(store.list().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn creating_over_an_existing_name_is_refused() {
        let (_dir, store) = store();
        store.save(&sample(), Expect::Absent).unwrap();
        assert!(matches!(store.save(&sample(), Expect::Absent), Err(ProfileError::Exists { .. })));
    }

    #[test]
    fn many_concurrent_saves_end_with_a_valid_profile() {
        let (_dir, store) = store();
        store.save(&sample(), Expect::Absent).unwrap();
        let writers: Vec<_> = (0..12)
            .map(|w| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..20 {
                        let p = Profile { test_recipient: Some(format!("w{w}-{i}@contoso.com")), ..sample() };
                        store.save(&p, Expect::Anything).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let last = store.load("contoso").unwrap();
        assert!(last.test_recipient.unwrap().ends_with("-19@contoso.com"));
        assert_eq!(files_but_locks(store.dir()), 1);
    }

    #[test]
    fn invalid_profile_is_not_saved() {
        let (_dir, store) = store();
        let err = store.save(&Profile { tenant: "contoso".into(), ..sample() }, Expect::Absent).unwrap_err();
        let ProfileError::Invalid(errors) = err else { panic!("{err}") };
        assert_eq!(errors[0].field, Field::Tenant);
        assert_eq!(store.list().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_partial_profile_can_be_saved_but_not_a_wrong_value() {
        let (_dir, store) = store();
        let partial = Profile { name: "fabrikam".into(), ..Profile::default() };
        assert!(partial.validate().is_err());
        store.save(&partial, Expect::Absent).unwrap();
        assert_eq!(store.load("fabrikam").unwrap(), partial);
        let err = store.save(&Profile { name: "".into(), ..Profile::default() }, Expect::Absent).unwrap_err();
        assert!(matches!(err, ProfileError::Invalid(e) if e[0].field == Field::Name));
    }

    #[test]
    fn unreadable_files_are_moved_aside_and_reported() {
        let (_dir, store) = store();
        fs::create_dir_all(store.dir()).unwrap();
        let path = store.dir().join("contoso.json");
        for (what, bytes) in [("bad JSON", &b"{ this is not json"[..]), ("bad UTF-8", b"{\"x\": \"M\xfcller\"}")] {
            fs::write(&path, bytes).unwrap();
            let err = store.load("contoso").unwrap_err();
            let ProfileError::Unreadable { moved_to, .. } = &err else { panic!("{what}: {err}") };
            assert_eq!(fs::read(moved_to).unwrap(), bytes, "{what}");
            assert!(err.to_string().contains("moved to"), "{err}");
            assert!(!path.exists(), "{what}");
        }
        // Something that is not a readable file at all (root may read any
        // file, so a folder stands for "permission denied" here).
        fs::create_dir(&path).unwrap();
        assert!(matches!(store.load("contoso"), Err(ProfileError::Unreadable { .. })));
        assert!(!path.exists());

        // Saving over a broken file keeps the broken file too.
        fs::write(&path, b"\xff\xfe not text").unwrap();
        let saved = store.save(&sample(), Expect::Absent).unwrap();
        assert_eq!(fs::read(saved.moved_aside.expect("moved aside")).unwrap(), b"\xff\xfe not text");
        assert_eq!(store.load("contoso").unwrap(), sample());
        // bad JSON, bad UTF-8, the folder, and this one: four copies kept
        let aside = fs::read_dir(store.dir())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".unreadable-"))
            .count();
        assert_eq!(aside, 4);
    }

    #[test]
    fn newer_schema_is_neither_read_nor_overwritten() {
        let (_dir, store) = store();
        fs::create_dir_all(store.dir()).unwrap();
        let newer = r#"{"schema_version": 99, "profile": {"name": "contoso"}}"#;
        fs::write(store.dir().join("contoso.json"), newer).unwrap();
        assert!(matches!(store.load("contoso"), Err(ProfileError::NewerSchema { found: 99, .. })));
        assert!(matches!(store.save(&sample(), Expect::Anything), Err(ProfileError::NewerSchema { .. })));
        assert_eq!(fs::read_to_string(store.dir().join("contoso.json")).unwrap(), newer);
    }

    #[test]
    fn names_cannot_escape_the_folder() {
        let (_dir, store) = store();
        assert!(matches!(store.load("../secrets"), Err(ProfileError::NotFound { .. })));
        // nor a device name Windows reserves (con.json is the console there):
        // the file system is not asked, not even for the lock beside it
        assert!(matches!(store.load("con"), Err(ProfileError::NotFound { .. })));
        assert!(!store.dir().join(".con.json.lock").exists());
    }

    #[test]
    fn export_import_round_trip() {
        let json = export_json(&sample()).unwrap();
        // the credential's kind, never the credential
        assert!(
            !json.contains("\"client_secret\"") && !json.contains("\"secret\":") && !json.contains("PRIVATE KEY"),
            "{json}"
        );
        assert!(json.contains("\"credential\": \"secret\""), "{json}");
        assert_eq!(import_json(&json).unwrap(), sample());
        assert!(matches!(import_json("{}"), Err(ProfileError::NotAnExport(_))));
        let invalid = json.replace("noreply@contoso.com", "nobody");
        assert!(matches!(import_json(&invalid), Err(ProfileError::Invalid(_))));
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_unicode_is_refused_not_a_panic() {
        use std::os::unix::ffi::OsStrExt;
        let (_dir, store) = store();
        let p = Profile { ca_file: Some(std::ffi::OsStr::from_bytes(b"/tmp/\xff.pem").into()), ..sample() };
        let err = store.save(&p, Expect::Absent).unwrap_err();
        assert!(matches!(&err, ProfileError::Invalid(e) if e[0].field == Field::CaFile), "{err}");
        assert!(export_json(&p).is_err());
    }

    #[test]
    fn import_has_one_policy_for_existing_names_and_flags_foreign_endpoints() {
        let (_dir, store) = store();
        let mut exported = sample();
        exported.authority = Some("https://login.attacker.example".into());
        exported.endpoints_unconfirmed = false; // what the file says does not count
        let text = export_json(&exported).unwrap();
        let first = store.import(&text, None, false).unwrap();
        assert!(first.profile.endpoints_unconfirmed);
        assert!(store.load("contoso").unwrap().endpoints_unconfirmed);
        assert!(matches!(store.import(&text, None, false), Err(ProfileError::Exists { .. })));
        let renamed = store.import(&text, Some("contoso-2"), false).unwrap();
        assert_eq!(renamed.profile.name, "contoso-2");
        // an edit keeps the flag; confirming clears it
        let mut edited = store.load("contoso").unwrap();
        edited.endpoints_unconfirmed = false;
        let current = store.load("contoso").unwrap();
        assert!(store.save(&edited, Expect::Unchanged(&current)).unwrap().profile.endpoints_unconfirmed);
        assert!(!store.confirm_endpoints("contoso").unwrap().endpoints_unconfirmed);
        // replacing with a clean export clears it too
        store.import(&export_json(&sample()).unwrap(), Some("contoso-2"), true).unwrap();
        assert!(!store.load("contoso-2").unwrap().endpoints_unconfirmed);
        assert_eq!(store.sharing_client_id(&sample().client_id, "contoso"), vec!["contoso-2"]);
    }

    /// The keychain keeps one secret per client ID: an import that puts
    /// that app in another cloud would send it to that cloud's authority.
    #[test]
    fn an_import_that_changes_the_apps_cloud_is_an_endpoint_to_confirm() {
        let mut china = Profile { cloud: Cloud::China, ..sample() };
        china.cloud_before_import = Some(Cloud::China); // what the file says does not count
        let text = export_json(&china).unwrap();
        // replacing the profile, or beside another profile of the same app
        let (mut _dir, mut store) = store();
        for (name, replace) in [(None, true), (Some("contoso-cn"), false)] {
            (_dir, store) = self::store();
            store.save(&sample(), Expect::Absent).unwrap();
            let saved = store.import(&text, name, replace).unwrap().profile;
            assert!(saved.endpoints_unconfirmed && !saved.endpoints_confirmed(), "{saved:?}");
            let fields: Vec<Field> = saved.custom_endpoints().iter().map(|c| c.field).collect();
            assert_eq!(fields, [Field::Cloud]);
            assert!(saved.custom_endpoints()[0].default.starts_with("Global (https://login.microsoftonline.com)"));
            assert_eq!(store.load(&saved.name).unwrap(), saved, "as stored");
            // an edit from the window that drops the mark keeps it
            let dropped = Profile { cloud_before_import: None, endpoints_unconfirmed: false, ..saved.clone() };
            let kept = store.save(&dropped, Expect::Unchanged(&saved)).unwrap().profile;
            assert!(!kept.endpoints_confirmed(), "{kept:?}");
        }
        // a second import of the same file (over it, or beside it) is held
        // against the cloud used before the first, not laundered by it
        let again = store.import(&text, None, true).unwrap().profile;
        assert_eq!(again.cloud_before_import, Some(Cloud::Global), "{again:?}");
        let beside = store.import(&text, Some("contoso-cn2"), false).unwrap().profile;
        assert!(!beside.endpoints_confirmed(), "{beside:?}");
        // confirming clears it; so does going back to the cloud used before
        assert!(store.confirm_endpoints("contoso-cn").unwrap().endpoints_confirmed());
        let back = Profile { cloud: Cloud::Global, ..store.load("contoso").unwrap() };
        assert!(back.endpoints_confirmed());
        // another app's profile in another cloud is no reason
        let other =
            Profile { name: "fabrikam".into(), client_id: "22222222-3333-4444-8555-666666666666".into(), ..china };
        assert!(store.import(&export_json(&other).unwrap(), None, false).unwrap().profile.endpoints_confirmed());
    }
}
