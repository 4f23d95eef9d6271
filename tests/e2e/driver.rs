//! Starting the wizard under tauri-driver and driving it with fantoccini.

use fantoccini::actions::InputSource;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use smtp_oauth_core::Profile;
use smtp_oauth_core::results::{Evidence, Recorded};
use smtp_oauth_core::store::{Expect, ProfileStore};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(30);

/// The binary under test: the .deb's when `cargo xtask test` says so.
fn app_binary() -> PathBuf {
    std::env::var_os("SMTP_OAUTH_WIZARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_smtp-oauth-wizard").into())
}

/// tauri-driver where `cargo xtask test` installed it, else from PATH.
fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER_BIN").map(PathBuf::from).unwrap_or_else(|| "tauri-driver".into())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The app in a WebDriver session, with its own configuration folder.
pub struct Session {
    driver: Child,
    pub client: Client,
}

impl Session {
    pub async fn start(config: &Path) -> Session {
        Session::start_with(config, &[]).await
    }

    /// Starts with extra environment for the app, such as `GTK_THEME`.
    pub async fn start_with(config: &Path, env: &[(&str, &str)]) -> Session {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the end-to-end tests with `cargo xtask test`, which starts Xvfb"
        );
        let (port, native_port) = (free_port(), free_port());
        let driver = Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("SMTP_OAUTH_CONFIG_DIR", config)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver (cargo xtask test installs it)");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": app_binary() }));
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::native().capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{port}")).await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < PATIENCE => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session: {e}"),
            }
        };
        Session { driver, client }
    }

    /// Waits until the header says every change is saved, as a user would,
    /// closes the window, then stops tauri-driver (see `Drop`).
    pub async fn stop(self) {
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if self.client.find(Locator::Css("[data-save-state=saved]")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Session {
    /// SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver and the
    /// app; killed outright it would orphan them. Also runs when a test fails.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.driver.id().to_string()]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// What a user does and sees, with waiting built in.
pub struct Wizard<'a> {
    c: &'a Client,
}

impl<'a> Wizard<'a> {
    pub fn new(session: &'a Session) -> Wizard<'a> {
        Wizard { c: &session.client }
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {css}: {e}; the window shows:\n{}", self.visible_text().await),
        }
    }

    /// Polls `check` until it holds or the patience runs out.
    async fn until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            if started.elapsed() > PATIENCE {
                panic!("waited in vain for {what}; the window shows:\n{}", self.visible_text().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.scroll_to(&element).await;
        element.click().await.unwrap_or_else(|e| panic!("click {css}: {e:?}"));
    }

    /// WebKitWebDriver does not scroll inside the wizard's scrolling panel.
    async fn scroll_to(&self, element: &fantoccini::elements::Element) {
        let arg = serde_json::to_value(element).expect("element reference");
        let _ = self.c.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await;
    }

    pub async fn click_button(&self, label: &str) {
        let xpath = format!("//button[starts-with(normalize-space(.), {})]", xpath_literal(label));
        let button = self.c.wait().at_most(PATIENCE).for_element(Locator::XPath(&xpath)).await;
        let button = button.unwrap_or_else(|e| panic!("no button {label:?}: {e}"));
        self.scroll_to(&button).await;
        button.click().await.unwrap_or_else(|e| panic!("click {label:?}: {e:?}"));
    }

    pub async fn next(&self) {
        self.click("#next").await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        // a field below the fold is not focusable for WebKitWebDriver
        self.scroll_to(&field).await;
        field.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn clear_and_type(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        self.scroll_to(&field).await;
        // clear() does not fire input events; select all and type over it.
        field.send_keys("\u{E009}a").await.unwrap(); // Ctrl+A
        field.send_keys("\u{E003}").await.unwrap(); // Backspace
        if !text.is_empty() {
            field.send_keys(text).await.unwrap();
        }
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// The computed value of a CSS property of the first element matching `css`.
    pub async fn css_value(&self, css: &str, property: &str) -> String {
        let element = serde_json::to_value(self.find(css).await).expect("element reference");
        let script = "return getComputedStyle(arguments[0]).getPropertyValue(arguments[1])";
        let value = self.c.execute(script, vec![element, json!(property)]).await.expect("computed style");
        value.as_str().unwrap_or_default().to_string()
    }

    pub async fn enabled(&self, css: &str) -> bool {
        self.find(css).await.is_enabled().await.unwrap_or_else(|e| panic!("is {css} enabled: {e}"))
    }

    /// The element's text, once it has some.
    pub async fn text_of(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                let text = e.text().await.unwrap_or_default();
                if !text.trim().is_empty() {
                    return text.trim().to_string();
                }
            }
            if started.elapsed() > PATIENCE {
                self.until(&format!("text in {css}"), || async { false }).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn sees(&self, css: &str) {
        self.find(css).await;
    }

    /// The text the window shows.
    pub async fn visible_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until nothing matches `css`.
    pub async fn gone(&self, css: &str) {
        self.until(&format!("{css} to go away"), || async { self.c.find(Locator::Css(css)).await.is_err() }).await;
    }

    pub async fn sees_text(&self, text: &str) {
        self.until(&format!("{text:?} on screen"), || async { self.visible_text().await.contains(text) }).await;
    }

    /// Neither shown nor anywhere in the page's markup.
    pub async fn not_in_page(&self, text: &str) {
        let source = self.c.source().await.unwrap_or_default();
        assert!(
            !source.contains(text) && !self.visible_text().await.contains(text),
            "{text:?} must not be in the page"
        );
    }

    pub async fn heading_is(&self, title: &str) {
        self.until(&format!("step {title:?}"), || async {
            match self.c.find(Locator::Css("#step-heading")).await {
                Ok(h) => h.text().await.unwrap_or_default().ends_with(title),
                Err(_) => false,
            }
        })
        .await;
    }

    pub async fn rail_status(&self, step: &str, status: &str) {
        let css = format!("[data-step='{step}']");
        self.until(&format!("{step} {status} in the rail"), || async {
            match self.c.find(Locator::Css(&css)).await {
                Ok(e) => e.attr("data-status").await.ok().flatten().as_deref() == Some(status),
                Err(_) => false,
            }
        })
        .await;
    }

    /// Shows a file the app wrote (the hand-over report) in the window, as
    /// a browser would; `back_to_app` returns.
    pub async fn show_file(&self, path: &Path) {
        let url = url::Url::from_file_path(path).expect("an absolute path");
        self.c.goto(url.as_str()).await.expect("show the file");
        self.until("the file to load", || async { self.c.current_url().await.is_ok_and(|u| u.scheme() == "file") })
            .await;
    }

    pub async fn back_to_app(&self) {
        self.c.back().await.expect("back to the wizard");
    }

    /// A keyboard and screen-reader user's walk over what the window shows:
    /// every control has an accessible name, and Tab reaches every one (a
    /// radio group counts once, as Tab enters a group at one of its radios).
    pub async fn keyboard_walk(&self, screen: &str) {
        const MARK: &str = r#"
            // what a closed <details> holds is not shown, its summary is
            const folded = (e) => {
                for (let d = e.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) {
                    const summary = d.querySelector(':scope > summary');
                    if (!d.open && !(summary && summary.contains(e))) return true;
                }
                return false;
            };
            const shown = (e) => {
                const r = e.getBoundingClientRect();
                return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && !folded(e);
            };
            const text = (e) => (e ? e.textContent.replace(/\s+/g, ' ').trim() : '');
            const named = (e) => {
                if ((e.getAttribute('aria-label') || '').trim()) return true;
                const by = e.getAttribute('aria-labelledby');
                if (by && by.split(/\s+/).some((id) => text(document.getElementById(id)))) return true;
                if (e.labels && [...e.labels].some((l) => text(l))) return true;
                if ((e.getAttribute('title') || '').trim()) return true;
                if (e.matches('button, summary, a')) return text(e) !== '';
                return false;
            };
            document.querySelectorAll('[data-kbd]').forEach((e) => e.removeAttribute('data-kbd'));
            const controls = [...document.querySelectorAll(
                'button, input, select, textarea, a[href], summary, [tabindex]:not([tabindex="-1"])'
            )].filter((e) => !e.disabled && shown(e));
            const groups = new Map();
            controls.forEach((e, i) => {
                const key = e.type === 'radio' && e.name ? 'radio:' + e.name : String(i);
                if (!groups.has(key)) groups.set(key, groups.size);
                e.setAttribute('data-kbd', String(groups.get(key)));
            });
            document.activeElement && document.activeElement.blur();
            return {
                groups: groups.size,
                unnamed: controls.filter((e) => !named(e)).map((e) => e.outerHTML.slice(0, 160)),
            };
        "#;
        let marked = self.c.execute(MARK, vec![]).await.expect("mark the controls");
        let unnamed: Vec<String> = serde_json::from_value(marked["unnamed"].clone()).unwrap_or_default();
        assert!(unnamed.is_empty(), "{screen}: controls without an accessible name: {unnamed:#?}");
        let groups = marked["groups"].as_u64().unwrap_or(0) as usize;
        let mut reached = std::collections::BTreeSet::new();
        let tab = fantoccini::actions::KeyActions::new("keyboard".into())
            .then(fantoccini::actions::KeyAction::Down { value: '\u{E004}' })
            .then(fantoccini::actions::KeyAction::Up { value: '\u{E004}' });
        for _ in 0..groups + 8 {
            self.c.perform_actions(tab.clone()).await.expect("press Tab");
            let focused = self.c.execute("return document.activeElement?.getAttribute('data-kbd')", vec![]).await;
            if let Some(n) = focused.ok().and_then(|v| v.as_str().and_then(|s| s.parse::<usize>().ok())) {
                reached.insert(n);
            }
            if reached.len() == groups {
                break;
            }
        }
        if reached.len() < groups {
            let missed: Vec<usize> = (0..groups).filter(|n| !reached.contains(n)).collect();
            let script =
                "return arguments[0].map((n) => document.querySelector(`[data-kbd='${n}']`)?.outerHTML.slice(0, 160))";
            let shown = self.c.execute(script, vec![json!(missed)]).await.unwrap_or_default();
            panic!("{screen}: Tab does not reach {} of {groups} controls: {shown:#}", missed.len());
        }
    }

    /// Saves what the window shows as docs/screenshots/NAME.png.
    pub async fn screenshot(&self, name: &str) {
        // let the last change paint
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.c.screenshot().await.expect("screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// Answers the system's save dialog (a GTK window beside the webview, out of
/// WebDriver's reach) as a user does: in the dialog titled `title`, types
/// the whole path into the name field and presses Enter; then waits for the
/// file. Uses xdotool's real (XTEST) key events on the focused window.
pub async fn save_in_dialog(title: &str, path: &Path) {
    answer_dialog(title, &["ctrl+a"], path).await;
    let started = Instant::now();
    while !path.exists() {
        assert!(started.elapsed() < PATIENCE, "the dialog did not save {}", path.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Answers the system's open dialog titled `title` with `path`, typed into
/// its location field (Ctrl+L opens it) as a user does.
pub async fn open_in_dialog(title: &str, path: &Path) {
    answer_dialog(title, &["ctrl+l", "ctrl+a"], path).await;
}

async fn answer_dialog(title: &str, to_the_name_field: &[&str], path: &Path) {
    let xdotool = |args: &[&str]| {
        let out = Command::new("xdotool").args(args).output().expect("xdotool (cargo xtask test installs it)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let started = Instant::now();
    let window = loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]);
        if let Some(id) = found.lines().next().filter(|id| !id.is_empty()) {
            break id.to_string();
        }
        assert!(started.elapsed() < PATIENCE, "no dialog titled {title:?} appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // the dialog takes the keyboard once it is mapped and focused
    tokio::time::sleep(Duration::from_millis(500)).await;
    xdotool(&["windowfocus", "--sync", &window]);
    for keys in to_the_name_field {
        xdotool(&["key", "--clearmodifiers", keys]);
        // a field that pops up takes a moment to take the keys
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    xdotool(&["type", "--delay", "15", &path.display().to_string()]);
    // The open dialog's location field may take the first Enter to settle
    // its completion; press again while the dialog is still there.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        xdotool(&["key", "Return"]);
        tokio::time::sleep(Duration::from_millis(700)).await;
        let still = xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]);
        if !still.lines().any(|id| id == window) {
            return;
        }
    }
}

fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') { format!("'{s}'") } else { format!("\"{s}\"") }
}

/// The wizard's steps up to, not including, Finish.
pub const STEPS_BEFORE_FINISH: [&str; 8] = [
    "profile",
    "app-registration",
    "permissions",
    "secret",
    "service-principal",
    "powershell",
    "token",
    "test-message",
];

/// Saves `profiles` in `config` with no profile open: the wizard starts on
/// the customers home.
pub fn seed_customers(config: &Path, profiles: &[Profile]) {
    let store = ProfileStore::at(config.join("profiles"));
    for profile in profiles {
        store.save(profile, Expect::Anything).expect("seed profile");
    }
    let state = json!({ "version": 3, "current": null, "progress": {} });
    std::fs::write(config.join("wizard.json"), state.to_string()).expect("seed wizard.json");
}

/// Puts `profile`, its ticks and the wizard's progress in `config`, as a
/// user who has reached `step` would have them.
pub fn seed(config: &Path, profile: &Profile, step: &str) {
    let store = ProfileStore::at(config.join("profiles"));
    store.save(profile, Expect::Anything).expect("seed profile");
    let now = time::OffsetDateTime::now_utc();
    for evidence in [Evidence::PermissionAdded, Evidence::ConsentGranted, Evidence::ScriptRan] {
        store.set_tick(&profile.name, evidence, Some(Recorded::new(evidence, profile, None, now))).expect("seed tick");
    }
    let state = json!({
        "version": 3,
        "current": profile.name,
        "progress": { profile.name.clone(): { "step": step, "visited": STEPS_BEFORE_FINISH, "fullAccess": false } },
    });
    std::fs::write(config.join("wizard.json"), state.to_string()).expect("seed wizard.json");
}
