//! The Debian package, built the way a release is: `tauri build --bundles
//! deb` (the Tauri CLI from npm) for the wizard, its icons and its desktop
//! entry, then made into the package people install. Tauri names the
//! package after the product name in kebab case (`smtp-o-auth-wizard`) and
//! the desktop file after the product name (with spaces), leaves the CLI
//! out, and lists only WebKitGTK and GTK as dependencies. So the package is
//! rebuilt: named `smtp-oauth-wizard`, with `/usr/bin/smtp-oauth` beside the
//! wizard, the desktop file named after the app's identifier, and Depends
//! computed by `dpkg-shlibdeps` from what both binaries link.
//!
//! The tests install it (`dpkg -i`) where they may, run both installed
//! binaries (the WebDriver tests drive the installed wizard), and remove it.

use crate::{Result, project_root, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The package's name, as Debian policy wants it: lower case, no spaces.
pub const PACKAGE: &str = "smtp-oauth-wizard";
/// The app's identifier (tauri.conf.json), which names the desktop entry.
const IDENTIFIER: &str = "app.smtp-oauth-wizard.desktop";

/// Builds the package; its path.
pub fn build() -> Result<PathBuf> {
    say("building the .deb (tauri build --bundles deb, and the CLI; release builds)");
    let mut build = Command::new(project_root().join("ui/node_modules/.bin/tauri"));
    build.args(["build", "--bundles", "deb", "--ci"]).current_dir(project_root());
    crate::run(build)?;
    let mut cli = crate::cargo();
    cli.args(["build", "--release", "--locked", "-p", "smtp-oauth-cli"]);
    crate::run(cli)?;

    let version = env!("CARGO_PKG_VERSION");
    let bundle = project_root().join("target/release/bundle/deb");
    let tauri_deb = std::fs::read_dir(&bundle)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.extension().is_some_and(|x| x == "deb")
                && p.to_string_lossy().contains(version)
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&format!("{PACKAGE}_")))
        })
        .ok_or_else(|| format!("tauri made no .deb for version {version} in {}", bundle.display()))?;

    let tree = project_root().join("target/xtask/deb-tree");
    let _ = std::fs::remove_dir_all(&tree);
    // dpkg-deb makes the folder, not its parents (a fresh clone has no target/xtask)
    std::fs::create_dir_all(project_root().join("target/xtask"))?;
    run(Command::new("dpkg-deb").arg("--raw-extract").arg(&tauri_deb).arg(&tree))?;

    // the CLI on the PATH, beside the wizard
    let cli_binary = tree.join("usr/bin/smtp-oauth");
    std::fs::copy(project_root().join("target/release/smtp-oauth"), &cli_binary)?;
    // the desktop entry named after the app's identifier
    let applications = tree.join("usr/share/applications");
    let desktop = std::fs::read_dir(&applications)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "desktop"))
        .ok_or("tauri's .deb has no desktop entry")?;
    std::fs::rename(&desktop, applications.join(IDENTIFIER))?;
    // a documentation folder named after the package, as Debian policy has it
    let doc = tree.join("usr/share/doc");
    if let Some(old) = std::fs::read_dir(&doc).ok().and_then(|mut d| d.next()).and_then(|e| e.ok()) {
        std::fs::rename(old.path(), doc.join(PACKAGE))?;
    }

    let depends = shlibdeps(&tree, &["usr/bin/smtp-oauth-wizard", "usr/bin/smtp-oauth"])?;
    let control_path = tree.join("DEBIAN/control");
    let control = std::fs::read_to_string(&control_path)?;
    let control = rewrite_control(&control, &depends, installed_size_kib(&tree)?);
    std::fs::write(&control_path, control)?;
    write_md5sums(&tree)?;

    let deb = bundle.join(format!("{PACKAGE}_{version}_amd64.deb"));
    run(Command::new("dpkg-deb").args(["--build", "--root-owner-group"]).arg(&tree).arg(&deb))?;
    check(&deb)?;
    say(&format!("built {} ({} KiB)", deb.display(), std::fs::metadata(&deb)?.len() / 1024));
    Ok(deb)
}

/// The control file with the package's name, the computed dependencies and size.
fn rewrite_control(control: &str, depends: &str, installed_kib: u64) -> String {
    let mut out = String::new();
    for line in control.lines() {
        let line = match line.split_once(':').map(|(k, _)| k) {
            Some("Package") => format!("Package: {PACKAGE}"),
            Some("Depends") => format!("Depends: {depends}"),
            Some("Installed-Size") => format!("Installed-Size: {installed_kib}"),
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if !control.lines().any(|l| l.starts_with("Depends:")) {
        out.push_str(&format!("Depends: {depends}\n"));
    }
    out
}

/// `dpkg-shlibdeps` on `binaries`: the packages of the libraries they link.
fn shlibdeps(tree: &Path, binaries: &[&str]) -> Result<String> {
    // dpkg-shlibdeps reads debian/control of a source package: give it a minimal one.
    let source = project_root().join("target/xtask/deb-source");
    std::fs::create_dir_all(source.join("debian"))?;
    std::fs::write(
        source.join("debian/control"),
        format!("Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n"),
    )?;
    let mut cmd = Command::new("dpkg-shlibdeps");
    cmd.arg("-O").current_dir(&source);
    for binary in binaries {
        cmd.arg(tree.join(binary));
    }
    let out = output(&mut cmd)?;
    let depends = out
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .ok_or_else(|| format!("dpkg-shlibdeps said no dependencies: {out}"))?;
    Ok(depends.trim().to_string())
}

fn installed_size_kib(tree: &Path) -> Result<u64> {
    let mut total = 0;
    let mut stack = vec![tree.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name() == "DEBIAN" {
                continue;
            }
            let meta = entry.metadata()?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    Ok(total.div_ceil(1024))
}

fn write_md5sums(tree: &Path) -> Result<()> {
    let out = output(
        Command::new("sh").arg("-c").arg("find usr -type f -print0 | sort -z | xargs -0 md5sum").current_dir(tree),
    )?;
    std::fs::write(tree.join("DEBIAN/md5sums"), out)?;
    Ok(())
}

/// What a user gets: the name, both binaries, the desktop entry and icon,
/// and the libraries both binaries need.
fn check(deb: &Path) -> Result<()> {
    let contents = output(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    // dpkg-deb lists `./usr/...` or `usr/...` depending on how the archive was made.
    let paths: Vec<&str> = contents
        .lines()
        .filter_map(|l| l.split_once(" usr/").or_else(|| l.split_once(" ./usr/")).map(|(_, p)| p))
        .collect();
    for needed in [
        "bin/smtp-oauth-wizard",
        "bin/smtp-oauth",
        &format!("share/applications/{IDENTIFIER}"),
        "share/icons/hicolor/128x128/apps/smtp-oauth-wizard.png",
    ] {
        if !paths.contains(&needed) {
            return Err(format!("{} lacks /usr/{needed}:\n{contents}", deb.display()).into());
        }
    }
    let field = |name: &str| output(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name));
    let package = field("Package")?;
    if package.trim() != PACKAGE {
        return Err(format!("{} is named {package:?}, not {PACKAGE}", deb.display()).into());
    }
    let depends = field("Depends")?;
    for library in ["libwebkit2gtk-4.1", "libgtk-3", "libdbus-1", "libc6"] {
        if !depends.contains(library) {
            return Err(format!("{} does not depend on {library}: {depends}", deb.display()).into());
        }
    }
    Ok(())
}

/// Where the tests find the wizard's binary.
pub struct Installed {
    pub wizard: PathBuf,
    /// The package was installed by the tests: removed by `remove`.
    installed: bool,
}

/// Installs the package with `dpkg -i` when running as root and it is not
/// installed already (a user's own installation is left alone), and runs
/// both installed binaries; otherwise unpacks it and says so.
pub fn install(deb: &Path) -> Result<Installed> {
    let already = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", PACKAGE])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"));
    if crate::setup::is_root() && !already {
        say(&format!("installing {} (dpkg -i); the tests drive the installed wizard", deb.display()));
        run(Command::new("dpkg").arg("-i").arg(deb))?;
        let version = output(Command::new("/usr/bin/smtp-oauth").arg("--version"))?;
        if !version.contains(env!("CARGO_PKG_VERSION")) {
            return Err(format!("the installed smtp-oauth says {version:?}").into());
        }
        let wizard = PathBuf::from("/usr/bin/smtp-oauth-wizard");
        if !wizard.is_file() || !Path::new("/usr/share/applications").join(IDENTIFIER).is_file() {
            return Err("dpkg -i left no /usr/bin/smtp-oauth-wizard or desktop entry".into());
        }
        return Ok(Installed { wizard, installed: true });
    }
    let why = if already { "it is installed on this machine already" } else { "installing needs root" };
    say(&format!("unpacking {} instead of installing it ({why})", deb.display()));
    let root = project_root().join("target/xtask/deb-root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root)?;
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root))?;
    output(Command::new(root.join("usr/bin/smtp-oauth")).arg("--version"))?;
    Ok(Installed { wizard: root.join("usr/bin/smtp-oauth-wizard"), installed: false })
}

/// Removes what `install` installed, and checks nothing is left.
pub fn remove(installed: &Installed) -> Result<()> {
    if !installed.installed {
        return Ok(());
    }
    say(&format!("removing {PACKAGE} (dpkg -r)"));
    run(Command::new("dpkg").args(["-r", PACKAGE]))?;
    for left in ["/usr/bin/smtp-oauth", "/usr/bin/smtp-oauth-wizard"] {
        if Path::new(left).exists() {
            return Err(format!("dpkg -r left {left} behind").into());
        }
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<()> {
    output(cmd).map(|_| ())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
