//! The Debian package, built the way a release is (the Tauri CLI from npm,
//! `tauri build --bundles deb`), then checked and unpacked so that the
//! end-to-end tests drive the packaged binary.

use crate::{Result, project_root, say};
use std::path::PathBuf;
use std::process::Command;

pub fn build_and_unpack() -> Result<PathBuf> {
    say("building the .deb (tauri build --bundles deb; a release build)");
    let mut build = Command::new(project_root().join("ui/node_modules/.bin/tauri"));
    build.args(["build", "--bundles", "deb", "--ci"]).current_dir(project_root());
    crate::run(build)?;

    let dir = project_root().join("target/release/bundle/deb");
    let version = env!("CARGO_PKG_VERSION");
    let deb = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb") && p.to_string_lossy().contains(version))
        .ok_or_else(|| format!("no .deb for version {version} in {}", dir.display()))?;

    let contents = output(Command::new("dpkg-deb").arg("--contents").arg(&deb))?;
    // dpkg-deb lists `./usr/...` or `usr/...` depending on how the archive was made.
    let paths: Vec<&str> = contents
        .lines()
        .filter_map(|l| l.split_once(" usr/").or_else(|| l.split_once(" ./usr/")).map(|(_, p)| p))
        .collect();
    for needed in [
        "bin/smtp-oauth-wizard",
        "share/applications/SMTP OAuth Wizard.desktop",
        "share/icons/hicolor/128x128/apps/smtp-oauth-wizard.png",
    ] {
        if !paths.contains(&needed) {
            return Err(format!("{} lacks /usr/{needed}:\n{contents}", deb.display()).into());
        }
    }
    let info = output(Command::new("dpkg-deb").arg("--field").arg(&deb).arg("Package").arg("Version").arg("Depends"))?;
    if !info.contains("libwebkit2gtk-4.1") {
        return Err(format!("{} does not depend on WebKitGTK:\n{info}", deb.display()).into());
    }

    let root = project_root().join("target/xtask/deb-root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root)?;
    crate::run({
        let mut x = Command::new("dpkg-deb");
        x.arg("-x").arg(&deb).arg(&root);
        x
    })?;
    let binary = root.join("usr/bin/smtp-oauth-wizard");
    if !binary.is_file() {
        return Err(format!("{} did not unpack to {}", deb.display(), binary.display()).into());
    }
    say(&format!(
        "built {} ({} KiB); the end-to-end tests drive its binary",
        deb.display(),
        std::fs::metadata(&deb)?.len() / 1024
    ));
    Ok(binary)
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
