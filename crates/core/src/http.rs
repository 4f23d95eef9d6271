//! The HTTP client every request to Entra or Graph (or a look-alike of
//! them) is made with, and the bounded read of an answer: what the token
//! request, the admin's sign-in and Graph share.

use crate::timeouts::Timeouts;
use crate::trust::Trust;

/// A client bounded by `timeouts`, trusting `trust`, following no redirect
/// (each request carries a credential or a token, which a redirect would
/// send on to wherever it points). A loopback `url` is reached directly: a
/// proxy from HTTP_PROXY would get what it carries and could answer for
/// this machine. The error says why the client could not be made.
pub fn client(url: &url::Url, timeouts: Timeouts, trust: &Trust) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.overall)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("smtp-oauth-wizard/", env!("CARGO_PKG_VERSION")));
    if crate::shape::is_loopback(url) {
        builder = builder.no_proxy();
    }
    trust.configure_http(builder)?.build().map_err(|e| root_cause(&e))
}

pub enum Bounded {
    Failed(reqwest::Error),
    /// More than the bound: not read further.
    TooLarge,
}

/// The body as text, up to `max` bytes.
pub async fn read_bounded(mut response: reqwest::Response, max: usize) -> Result<String, Bounded> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(Bounded::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Bounded::Failed)? {
        if body.len() + chunk.len() > max {
            return Err(Bounded::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The innermost error's message: the part that says what actually happened.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
