//! The one way this tool writes and reads its files. A write goes to a
//! uniquely named temporary file beside the target (created exclusively, so
//! no name can be guessed or raced), is flushed to disk, then renamed over the
//! target: a reader sees the old file or the new one, never half of either.
//! Writers of one path take turns within this process, and for the tool's
//! own files (profiles, results, progress) across processes too, so that the
//! CLI and the wizard never undo each other's write. A file that exists but
//! cannot be read is moved aside under a name no other move can take, never
//! overwritten.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}: {source}", path.display())]
pub struct FileError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl FileError {
    fn new(action: &'static str, path: &Path, source: std::io::Error) -> FileError {
        FileError { action, path: path.to_path_buf(), source }
    }
}

/// Who may read what is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The user only (0600 on Unix): profiles, progress, saved results.
    Private,
    /// Readable by others (0644 on Unix): files the user hands on, such as a
    /// `.ps1` for the Exchange administrator.
    Shared,
}

/// One lock per path, so that two saves of the same file in this process
/// (the wizard's commands run concurrently) never interleave.
fn lock_for(path: &Path) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let key = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut locks = LOCKS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    locks.entry(key).or_default().clone()
}

/// Runs `work` while holding `path`'s lock: for a read, a check and a write
/// that must not interleave with another writer of the same file.
pub fn exclusively<T>(path: &Path, work: impl FnOnce() -> T) -> T {
    let lock = lock_for(path);
    let _turn = lock.lock().unwrap_or_else(|e| e.into_inner());
    work()
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// [`exclusively`], and also against other processes (the CLI beside the
/// wizard, a second window): an OS lock on `.NAME.lock` beside `path`, held
/// while `work` runs. For the tool's own files, never a path the user
/// chose (the lock file would be left beside it).
pub fn across_processes<T, E: From<FileError>>(path: &Path, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    exclusively(path, || {
        let dir = folder_of(path);
        create_folder(dir, Access::Private)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let lock_path = dir.join(format!(".{name}.lock"));
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&lock_path).map_err(|e| FileError::new("open", &lock_path, e))?;
        file.lock().map_err(|e| FileError::new("lock", &lock_path, e))?;
        let out = work();
        // closing the file releases the lock too; unlocking first says so
        let _ = file.unlock();
        out
    })
}

/// Writes `bytes` to `path` atomically; creates the folder if needed.
pub fn write_atomically(path: &Path, bytes: &[u8], access: Access) -> Result<(), FileError> {
    exclusively(path, || write_unlocked(path, bytes, access))
}

/// [`write_atomically`] for a caller that already holds the path's lock.
pub(crate) fn write_unlocked(path: &Path, bytes: &[u8], access: Access) -> Result<(), FileError> {
    let dir = folder_of(path);
    create_folder(dir, access)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // Created with this mode, less the umask: a shared file is never
        // more open than the user's umask allows (0600 under `umask 077`).
        use std::os::unix::fs::PermissionsExt;
        let mode = match access {
            Access::Private => 0o600,
            Access::Shared => 0o666,
        };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| FileError::new("create a temporary file in", dir, e))?;
    tmp.write_all(bytes).map_err(|e| FileError::new("write", tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| FileError::new("flush", tmp.path(), e))?;
    tmp.persist(path).map_err(|e| FileError::new("replace", path, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Creates `dir` and its missing parents: the folders of private files
/// (profiles, results, progress) for the user alone (0700: a listing of
/// them names the customers), others as the umask says. On Windows a new
/// file or folder inherits its parent's ACL: the user's profile folders are
/// private, a folder the user chose is theirs to share.
pub fn create_folder(dir: &Path, access: Access) -> Result<(), FileError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    #[cfg(not(unix))]
    let _ = access;
    builder.create(dir).map_err(|e| FileError::new("create the folder", dir, e))?;
    // a folder made by an earlier version, before folders were private
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| FileError::new("set the permissions of", dir, e))?;
    }
    Ok(())
}

/// Makes the rename itself durable where the OS allows it (best effort).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// What is at a path.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    Missing,
    Text(String),
    /// It exists but is not readable text: permission denied, not a file,
    /// not UTF-8. The reason says which.
    Unreadable(String),
}

/// The most any file the tool reads may hold (a profile, an import, a CA
/// file, a certificate): each is a few KiB.
pub const MAX_FILE: u64 = 1024 * 1024;

/// The bytes of `path`, a regular file of at most [`MAX_FILE`] bytes: a
/// device, a pipe or a huge file is refused with a sentence, not read into
/// memory without end.
pub fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let refuse = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    // Asked before opening: opening a FIFO waits for a writer, a device may
    // act on being opened. Asked again of what was opened, which may have
    // been swapped in between.
    if !std::fs::metadata(path)?.is_file() {
        return Err(refuse("it is not a regular file".into()));
    }
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(refuse("it is not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(refuse(format!("it is larger than {} KiB, which no file of this tool is", MAX_FILE / 1024)));
    }
    Ok(bytes)
}

pub fn read_text(path: &Path) -> Read {
    match read_bounded(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Read::Text(text),
            Err(e) => {
                Read::Unreadable(format!("it is not UTF-8 text (invalid byte at {})", e.utf8_error().valid_up_to()))
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Read::Missing,
        Err(e) => Read::Unreadable(e.to_string()),
    }
}

/// Moves `path` to `<name>.unreadable-<unix time>` (then `-2`, `-3`, … when
/// that is taken), so that nothing is lost and no earlier copy is replaced.
pub fn move_aside(path: &Path) -> Result<PathBuf, FileError> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for n in 1u32.. {
        let suffix = if n == 1 { String::new() } else { format!("-{n}") };
        let candidate = path.with_file_name(format!("{name}.unreadable-{stamp}{suffix}"));
        // A hard link fails when the name is taken, with no window in which
        // a rename could replace another copy; then the original goes.
        match std::fs::hard_link(path, &candidate) {
            Ok(()) => {
                std::fs::remove_file(path).map_err(|e| FileError::new("move aside", path, e))?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FileError::new("move aside", path, e));
            }
            // No hard links here (a folder, FAT, some network shares): look, then rename.
            Err(_) if candidate.symlink_metadata().is_ok() => continue,
            Err(_) => {
                std::fs::rename(path, &candidate).map_err(|e| FileError::new("move aside", path, e))?;
                return Ok(candidate);
            }
        }
    }
    unreachable!("u32 names run out before this loop does")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lock is the OS's, on a file beside the target: another process
    /// (here: another handle, which an OS lock treats alike) cannot take it
    /// while a write holds it, and can once it is done.
    #[test]
    fn the_tool_s_own_files_are_locked_across_processes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("contoso.json");
        let lock = dir.path().join(".contoso.json.lock");
        let held = across_processes(&target, || {
            let other = std::fs::OpenOptions::new().write(true).open(&lock).unwrap();
            Ok::<_, FileError>(other.try_lock().is_err())
        })
        .unwrap();
        assert!(held, "another handle could take the lock during the write");
        let other = std::fs::OpenOptions::new().write(true).open(&lock).unwrap();
        assert!(other.try_lock().is_ok(), "released afterwards");
    }
    use std::fs;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn writes_replace_and_leave_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/profile.json");
        write_atomically(&path, b"one", Access::Private).unwrap();
        write_atomically(&path, b"two", Access::Private).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(entries(&dir.path().join("sub")), vec!["profile.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // the umask the files are made under (Linux reports it here)
        let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
            .unwrap_or(0o022);
        for (access, mode) in [(Access::Private, 0o600), (Access::Shared, 0o666 & !umask)] {
            let path = dir.path().join(format!("{access:?}")).join("file");
            write_atomically(&path, b"x", access).unwrap();
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, mode, "{access:?}");
        }
        let private = fs::metadata(dir.path().join("Private")).unwrap().permissions().mode() & 0o777;
        assert_eq!(private, 0o700, "a private file's folder");
    }

    #[test]
    fn many_writers_end_with_one_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contended.json");
        let writers: Vec<_> = (0..16)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let body = format!("{{\"writer\": {w}, \"round\": {i}, \"pad\": \"{}\"}}", "x".repeat(4096));
                        write_atomically(&path, body.as_bytes(), Access::Private).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let text = fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).expect("a whole JSON document");
        assert_eq!(value["round"], 24);
        assert_eq!(entries(dir.path()), vec!["contended.json"], "no temporary file left behind");
    }

    #[test]
    fn unreadable_things_are_told_apart_from_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_text(&dir.path().join("nope")), Read::Missing);
        let latin1 = dir.path().join("latin1.json");
        fs::write(&latin1, b"{\"name\": \"M\xfcller\"}").unwrap();
        assert!(matches!(read_text(&latin1), Read::Unreadable(r) if r.contains("not UTF-8")));
        let folder = dir.path().join("folder.json");
        fs::create_dir(&folder).unwrap();
        assert!(matches!(read_text(&folder), Read::Unreadable(_)));
    }

    /// An imported file, a CA file or a certificate is a few KiB: one just
    /// over the bound, or a device that never ends, is refused in a sentence.
    #[test]
    fn files_are_read_up_to_a_bound_and_only_regular_ones() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.json");
        fs::write(&big, vec![b' '; MAX_FILE as usize + 1]).unwrap();
        assert!(matches!(read_text(&big), Read::Unreadable(r) if r.contains("larger than 1024 KiB")));
        fs::write(&big, vec![b' '; MAX_FILE as usize]).unwrap();
        assert!(matches!(read_text(&big), Read::Text(_)));
        #[cfg(unix)]
        assert!(matches!(read_text(Path::new("/dev/zero")), Read::Unreadable(r) if r.contains("not a regular file")));
    }

    /// A FIFO would hold the read until something writes to it.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("import.json");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(matches!(read_text(&fifo), Read::Unreadable(r) if r.contains("not a regular file")));
    }

    /// A folder an earlier version made 0755 (customer names listable) is
    /// the user's alone once a private file is written into it.
    #[cfg(unix)]
    #[test]
    fn an_older_open_folder_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("profiles");
        fs::create_dir(&folder).unwrap();
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
        write_atomically(&folder.join("contoso.json"), b"{}", Access::Private).unwrap();
        assert_eq!(fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn two_moves_in_the_same_second_keep_both_copies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wizard.json");
        fs::write(&path, "first").unwrap();
        let a = move_aside(&path).unwrap();
        fs::write(&path, "second").unwrap();
        let b = move_aside(&path).unwrap();
        assert_ne!(a, b);
        assert_eq!(fs::read_to_string(a).unwrap(), "first");
        assert_eq!(fs::read_to_string(b).unwrap(), "second");
        assert!(!path.exists());
        // a folder in the way moves aside too
        fs::create_dir(&path).unwrap();
        let c = move_aside(&path).unwrap();
        assert!(c.is_dir() && !path.exists());
    }
}
