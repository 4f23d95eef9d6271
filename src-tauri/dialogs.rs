//! Where the user chooses files: the system's save and open dialogs, opened
//! from here, so that the webview never names a path a command reads or
//! writes. The IPC tests answer the dialogs from a script instead.

use std::path::PathBuf;
use tauri::{AppHandle, Runtime};

/// What a dialog asks for.
pub struct Ask<'a> {
    pub title: &'a str,
    /// The name offered in a save dialog.
    pub file_name: Option<String>,
    pub filter: (&'a str, &'a [&'a str]),
}

pub struct Dialogs(Inner);

enum Inner {
    System,
    #[cfg(test)]
    Scripted(std::sync::Mutex<Script>),
}

#[cfg(test)]
#[derive(Default)]
struct Script {
    answers: std::collections::VecDeque<Option<PathBuf>>,
    shown: Vec<PathBuf>,
}

impl Dialogs {
    pub fn system() -> Dialogs {
        Dialogs(Inner::System)
    }

    /// Answers the next dialogs with `answers`, in order (`None`: cancelled).
    #[cfg(test)]
    pub fn scripted(answers: impl IntoIterator<Item = Option<PathBuf>>) -> Dialogs {
        Dialogs(Inner::Scripted(std::sync::Mutex::new(Script {
            answers: answers.into_iter().collect(),
            shown: Vec::new(),
        })))
    }

    /// The files shown so far (scripted dialogs only).
    #[cfg(test)]
    pub fn shown(&self) -> Vec<PathBuf> {
        match &self.0 {
            Inner::Scripted(script) => script.lock().unwrap_or_else(|e| e.into_inner()).shown.clone(),
            Inner::System => Vec::new(),
        }
    }

    /// Opens a file the app wrote in the system's default program (the
    /// browser, for an HTML report, where the user prints it).
    pub fn show<R: Runtime>(&self, app: &AppHandle<R>, path: &std::path::Path) -> Result<(), String> {
        match &self.0 {
            Inner::System => {
                use tauri_plugin_opener::OpenerExt;
                app.opener().open_path(path.display().to_string(), None::<&str>).map_err(|e| e.to_string())
            }
            #[cfg(test)]
            Inner::Scripted(script) => {
                let _ = app;
                script.lock().unwrap_or_else(|e| e.into_inner()).shown.push(path.to_path_buf());
                Ok(())
            }
        }
    }

    /// The path chosen in a save dialog, or `None` when cancelled.
    pub async fn save<R: Runtime>(&self, app: &AppHandle<R>, ask: Ask<'_>) -> Option<PathBuf> {
        self.choose(app, ask, true).await
    }

    /// The file chosen in an open dialog, or `None` when cancelled.
    pub async fn open<R: Runtime>(&self, app: &AppHandle<R>, ask: Ask<'_>) -> Option<PathBuf> {
        self.choose(app, ask, false).await
    }

    async fn choose<R: Runtime>(&self, app: &AppHandle<R>, ask: Ask<'_>, save: bool) -> Option<PathBuf> {
        match &self.0 {
            Inner::System => {
                use tauri_plugin_dialog::DialogExt;
                let (tx, rx) = tokio::sync::oneshot::channel();
                let mut dialog = app.dialog().file().set_title(ask.title).add_filter(ask.filter.0, ask.filter.1);
                if let Some(name) = ask.file_name {
                    dialog = dialog.set_file_name(name);
                }
                let reply = move |path: Option<tauri_plugin_dialog::FilePath>| {
                    let _ = tx.send(path.and_then(|p| p.into_path().ok()));
                };
                if save {
                    dialog.save_file(reply);
                } else {
                    dialog.pick_file(reply);
                }
                rx.await.ok().flatten()
            }
            #[cfg(test)]
            Inner::Scripted(script) => {
                let _ = (app, ask, save);
                script.lock().unwrap_or_else(|e| e.into_inner()).answers.pop_front().flatten()
            }
        }
    }
}
