//! What the managed login's OAuth 2.0 endpoints keep: each app client's OAuth settings, the
//! authorization codes handed out and not yet used, and the scopes each OAuth refresh token
//! was granted (a refresh keeps them).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// How long an authorization code may be exchanged (AWS: 5 minutes).
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// An app client's OAuth settings.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct OAuthClient {
    /// `code` and/or `client_credentials`.
    pub(crate) flows: Vec<String>,
    /// The scopes the client may be granted.
    pub(crate) scopes: Vec<String>,
    /// Redirect URIs, compared exactly.
    pub(crate) callback_urls: Vec<String>,
    /// Sign-out redirect URIs, compared exactly.
    pub(crate) logout_urls: Vec<String>,
}

impl OAuthClient {
    /// Whether the client may use `flow`.
    pub(crate) fn allows(&self, flow: &str) -> bool {
        self.flows.iter().any(|f| f == flow)
    }
}

/// An authorization code handed out by the sign-in page.
#[derive(Clone)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) redirect_uri: String,
    /// The PKCE S256 challenge, if the request had one.
    pub(crate) code_challenge: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) expires_at: SystemTime,
    pub(crate) auth_time: SystemTime,
}

/// A pool's OAuth records.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct OAuthState {
    #[serde(skip)]
    /// Unused codes, by code.
    pub(crate) codes: HashMap<String, AuthCode>,
    /// The scopes of refresh tokens issued by the token endpoint, by token.
    pub(crate) refresh_scopes: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Codes and refresh tokens are secrets: only their number is shown.
        f.debug_struct("OAuthState")
            .field("codes", &self.codes.len())
            .field("refresh_scopes", &self.refresh_scopes.len())
            .finish()
    }
}

impl OAuthState {
    /// Forgets expired codes, and the scopes of refresh tokens no longer remembered.
    pub(crate) fn forget(&mut self, now: SystemTime, remembered: impl Fn(&str) -> bool) {
        self.codes.retain(|_, c| now < c.expires_at);
        self.refresh_scopes.retain(|token, _| remembered(token));
    }
}
