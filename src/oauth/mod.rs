//! Managed login (Cognito's hosted UI) and machine-to-machine access (feature `oauth`): the
//! OAuth 2.0 endpoints of a user pool's domain, through the maintained `oauth2` crate.
//!
//! - **Authorization code with PKCE** (S256), for native apps and command-line tools:
//!   [`ManagedLogin::authorization_request`] gives the URL to open in a browser and what the
//!   answer is checked against (`state`, the PKCE verifier); [`open_in_browser`] shows it;
//!   [`LoopbackRedirect`] receives the browser's redirect on a fixed local port; [`ManagedLogin::exchange`] turns the code into
//!   [`Tokens`]; [`SessionBuilder::managed_login`](crate::credentials::SessionBuilder::managed_login)
//!   makes them a refreshing [`Session`](crate::Session) refreshed through the token endpoint.
//! - **Client credentials**, for services: [`ClientCredentials`] is a
//!   [`TokenSource`](crate::TokenSource) of access tokens with the requested custom scopes,
//!   renewed before they expire (a new grant: there is no refresh token).
//! - [`ManagedLogin::revoke`] (`/oauth2/revoke`), [`ManagedLogin::user_info`]
//!   (`/oauth2/userInfo`) and [`ManagedLogin::logout_url`] (`/logout`).
//!
//! OAuth errors become the crate's kinds: `invalid_grant` is [`ErrorKind::NotAuthorized`] (on
//! a refresh it ends the session, as a revoked refresh token does), `invalid_client`,
//! `unauthorized_client` and `unsupported_grant_type` are [`ErrorKind::Config`], and
//! `invalid_request` and `invalid_scope` are [`ErrorKind::InvalidParameter`]; the OAuth error
//! name is the error's [`service_code`](crate::Error::service_code).
//!
//! ```no_run
//! # async fn f() -> cognito_sigv4::Result<()> {
//! use cognito_sigv4::oauth::{LoopbackRedirect, ManagedLogin};
//!
//! let login = ManagedLogin::builder("https://myapp.auth.eu-west-1.amazoncognito.com", "5k3lbv1q2ghr4jh8i6t0ebd3m7")
//!     .redirect_uri("http://localhost:8765/callback")
//!     .scopes(["openid", "email", "profile"])
//!     .build()?;
//! let listener = LoopbackRedirect::bind(8765).await?;
//! let request = login.authorization_request();
//! println!("Open {}", request.url());
//! let redirected_to = listener.wait(&request, std::time::Duration::from_secs(300)).await?;
//! let tokens = login.exchange(&request, &redirected_to).await?;
//! # Ok(()) }
//! ```

mod amplify;
mod client_credentials;
mod http;
mod loopback;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

pub use client_credentials::{ClientCredentials, MachineToken};
pub use loopback::{LoopbackRedirect, open_in_browser};

use http::ClientAuth;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::{ClientSecret, Jwt, RefreshToken};
use crate::time::{Clock, SharedClock, share, system_clock};
use crate::user_pool::Tokens;

/// How long one call to the domain may take (default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The token endpoint's extra field: Cognito's ID token (with the `openid` scope).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct CognitoFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for CognitoFields {}

/// The token endpoint's answer.
type TokenAnswer = StandardTokenResponse<CognitoFields, BasicTokenType>;

/// An `oauth2` client for a user pool domain: authorize and token endpoints set.
type DomainClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A user pool domain's OAuth 2.0 endpoints for one app client. Cheap to clone; `Debug` never
/// shows the client secret.
#[derive(Clone)]
pub struct ManagedLogin {
    inner: Arc<Inner>,
}

struct Inner {
    domain: Url,
    client_id: String,
    client_secret: Option<ClientSecret>,
    secret_in_body: bool,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
    identity_provider: Option<String>,
    oauth: DomainClient,
    http: http::OAuthHttp,
    clock: SharedClock,
}

impl fmt::Debug for ManagedLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("ManagedLogin")
            .field("domain", &i.domain.as_str())
            .field("client_id", &i.client_id)
            .field("client_secret", &i.client_secret.as_ref().map(|_| "***"))
            .field("redirect_uri", &i.redirect_uri)
            .field("scopes", &i.scopes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ManagedLogin`]; made by [`ManagedLogin::builder`].
#[must_use]
pub struct ManagedLoginBuilder {
    domain: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    secret_in_body: bool,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
    identity_provider: Option<String>,
    timeout: Duration,
    clock: Option<SharedClock>,
}

impl fmt::Debug for ManagedLoginBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedLoginBuilder")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl ManagedLogin {
    /// A builder for the domain `domain` (`https://<prefix>.auth.<region>.amazoncognito.com`, a
    /// custom domain, or the emulator's `<endpoint>/<pool id>` domain) and app client
    /// `client_id`.
    pub fn builder(domain: impl Into<String>, client_id: impl Into<String>) -> ManagedLoginBuilder {
        ManagedLoginBuilder {
            domain: domain.into(),
            client_id: client_id.into(),
            client_secret: None,
            secret_in_body: false,
            redirect_uri: None,
            scopes: Vec::new(),
            identity_provider: None,
            timeout: DEFAULT_TIMEOUT,
            clock: None,
        }
    }

    /// The domain's base URL.
    pub fn domain(&self) -> &Url {
        &self.inner.domain
    }

    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// A new sign-in: the `/oauth2/authorize` URL to open in a browser (code flow, PKCE S256,
    /// a random `state`, the configured scopes and identity provider), and what its answer
    /// will be checked against.
    pub fn authorization_request(&self) -> AuthorizationRequest {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .inner
            .oauth
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_scopes(self.inner.scopes.iter().cloned().map(Scope::new));
        if let Some(idp) = &self.inner.identity_provider {
            request = request.add_extra_param("identity_provider", idp);
        }
        let (url, state) = request.url();
        AuthorizationRequest {
            url,
            state,
            verifier: Arc::new(verifier),
        }
    }

    /// Exchanges the code of `redirected_to` (the URL the browser was sent back to) for tokens,
    /// after checking that it answers `request` (its `state`) and carries no OAuth error.
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] for a `state` that does not match (a forged or
    /// stale redirect) or an error the domain redirected with (`access_denied`, ...), and the
    /// token endpoint's errors (module docs).
    pub async fn exchange(
        &self,
        request: &AuthorizationRequest,
        redirected_to: &Url,
    ) -> Result<Tokens> {
        let code = request.code_from(redirected_to)?;
        let verifier = PkceCodeVerifier::new(request.verifier.secret().clone());
        let answer = self
            .inner
            .oauth
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier)
            .request_async(&self.inner.http.caller())
            .await
            .map_err(|e| http::token_error(e, "the authorization code exchange"))?;
        tokens_from(answer, None)
    }

    /// New ID and access tokens from `refresh` (the `refresh_token` grant; Cognito keeps the
    /// refresh token, so the result holds the same one).
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] (`invalid_grant`) for a revoked or expired refresh
    /// token; see the module docs for the others.
    pub async fn refresh(&self, refresh: &RefreshToken) -> Result<Tokens> {
        let token = oauth2::RefreshToken::new(refresh.expose_secret().to_owned());
        let answer = self
            .inner
            .oauth
            .exchange_refresh_token(&token)
            .request_async(&self.inner.http.caller())
            .await
            .map_err(|e| http::token_error(e, "the token refresh"))?;
        tokens_from(answer, Some(refresh.clone()))
    }

    /// Revokes `refresh` and the tokens issued from it (`/oauth2/revoke`, RFC 7009).
    ///
    /// Sent by this crate rather than `oauth2`, which refuses a revocation endpoint that is
    /// not HTTPS (the emulator's domain is plain HTTP on 127.0.0.1).
    pub async fn revoke(&self, refresh: &RefreshToken) -> Result<()> {
        let url = self.endpoint("oauth2/revoke")?;
        let i = &self.inner;
        let auth = ClientAuth {
            client_id: &i.client_id,
            secret: i.client_secret.as_ref(),
            in_body: i.secret_in_body,
        };
        i.http.revoke(url, auth, refresh).await
    }

    /// The signed-in user's attributes (`/oauth2/userInfo`), for an access token with the
    /// `openid` scope (tokens from InitiateAuth are refused by Cognito).
    pub async fn user_info(
        &self,
        access: &Jwt,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let url = self.endpoint("oauth2/userInfo")?;
        self.inner.http.user_info(url, access).await
    }

    /// The `/logout` URL that signs the browser out of the managed login and sends it to
    /// `logout_uri` (one of the app client's sign-out URLs).
    pub fn logout_url(&self, logout_uri: &str) -> Result<Url> {
        let mut url = self.endpoint("logout")?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.inner.client_id)
            .append_pair("logout_uri", logout_uri);
        Ok(url)
    }

    /// Access tokens for this app client (which needs a secret) with `scopes`, renewed before
    /// they expire: see [`ClientCredentials`].
    pub fn client_credentials<I, S>(&self, scopes: I) -> ClientCredentials
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClientCredentials::new(self.clone(), scopes.into_iter().map(Into::into).collect())
    }

    fn endpoint(&self, path: &str) -> Result<Url> {
        endpoint(&self.inner.domain, path)
    }

    pub(crate) fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// One `client_credentials` grant.
    pub(crate) async fn grant_client_credentials(&self, scopes: &[String]) -> Result<MachineToken> {
        let answer = self
            .inner
            .oauth
            .exchange_client_credentials()
            .add_scopes(scopes.iter().cloned().map(Scope::new))
            .request_async(&self.inner.http.caller())
            .await
            .map_err(|e| http::token_error(e, "the client credentials grant"))?;
        MachineToken::from_answer(
            answer.access_token().secret(),
            answer.expires_in(),
            answer
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect()),
            self.inner.clock.now(),
        )
    }
}

/// Whether `url`'s host is this machine (127.0.0.0/8, `::1`, `localhost`): the only hosts
/// plain HTTP may reach, since the client secret, the code and the PKCE verifier travel in
/// the requests (an emulator on this machine is the one use).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `<domain>/<path>`, keeping a path the domain has (the emulator's `/<pool id>`).
fn endpoint(domain: &Url, path: &str) -> Result<Url> {
    let base = format!("{}/", domain.as_str().trim_end_matches('/'));
    Url::parse(&base)
        .and_then(|b| b.join(path))
        .map_err(|_| Error::config("domain", "an absolute https URL"))
}

/// Tokens from a token endpoint answer; `refresh` is kept when the answer has none.
fn tokens_from(answer: TokenAnswer, refresh: Option<RefreshToken>) -> Result<Tokens> {
    let id = answer.extra_fields().id_token.clone().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "the token endpoint sent no ID token: request the `openid` scope",
        )
    })?;
    let refresh = answer
        .refresh_token()
        .map(|r| RefreshToken::new(r.secret().clone()))
        .or(refresh);
    Tokens::from_jwts(
        Jwt::new(id),
        Jwt::new(answer.access_token().secret().clone()),
        refresh,
    )
}

impl ManagedLoginBuilder {
    /// The app client's secret, sent with HTTP Basic authentication (or in the body, see
    /// [`secret_in_body`](Self::secret_in_body)). Required for client credentials.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Sends the client secret as `client_secret` in the form body instead of HTTP Basic.
    pub fn secret_in_body(mut self, on: bool) -> Self {
        self.secret_in_body = on;
        self
    }

    /// The redirect URI: one of the app client's callback URLs, exactly (Cognito compares
    /// them as strings), e.g. `http://localhost:8765/callback`.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The scopes to ask for at sign-in (`openid` is needed for an ID token).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Go straight to this identity provider (`Google`, a SAML provider's name, `COGNITO`)
    /// instead of the managed login's page.
    pub fn identity_provider(mut self, name: impl Into<String>) -> Self {
        self.identity_provider = Some(name.into());
        self
    }

    /// How long one call may take (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock that token expiries are read on (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// Checks the settings and builds the client. Makes no network call.
    ///
    /// Errors: [`ErrorKind::Config`] for a domain that is not an absolute `https` URL (`http`
    /// only for a loopback host: the client secret and the PKCE verifier would travel in
    /// clear), an empty client id, or a redirect URI that is not a URL.
    pub fn build(self) -> Result<ManagedLogin> {
        let domain = Url::parse(&self.domain)
            .ok()
            .filter(|u| u.host_str().is_some())
            .filter(|u| u.scheme() == "https" || (u.scheme() == "http" && is_loopback(u)))
            .ok_or_else(|| {
                Error::config(
                    "domain",
                    "an absolute https URL (http only on a loopback host: 127.0.0.1, [::1], localhost)",
                )
            })?;
        if self.client_id.is_empty() {
            return Err(Error::config("client_id", "a non-empty app client id"));
        }
        let url = |path| endpoint(&domain, path).map(|u| u.to_string());
        let bad = |field| move |_| Error::config(field, "a URL");
        let mut oauth = oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(AuthUrl::new(url("oauth2/authorize")?).map_err(bad("domain"))?)
            .set_token_uri(TokenUrl::new(url("oauth2/token")?).map_err(bad("domain"))?)
            .set_auth_type(if self.secret_in_body {
                AuthType::RequestBody
            } else {
                AuthType::BasicAuth
            });
        if let Some(secret) = &self.client_secret {
            oauth = oauth
                .set_client_secret(oauth2::ClientSecret::new(secret.expose_secret().to_owned()));
        }
        if let Some(uri) = &self.redirect_uri {
            oauth =
                oauth.set_redirect_uri(RedirectUrl::new(uri.clone()).map_err(bad("redirect_uri"))?);
        }
        Ok(ManagedLogin {
            inner: Arc::new(Inner {
                domain,
                client_id: self.client_id,
                client_secret: self.client_secret,
                secret_in_body: self.secret_in_body,
                redirect_uri: self.redirect_uri,
                scopes: self.scopes,
                identity_provider: self.identity_provider,
                oauth,
                http: http::OAuthHttp::new(self.timeout)?,
                clock: self.clock.unwrap_or_else(system_clock),
            }),
        })
    }
}

/// One sign-in in progress: the URL to open, and what its answer must match. `Debug` and
/// the accessors never show the PKCE verifier.
#[derive(Clone)]
pub struct AuthorizationRequest {
    url: Url,
    state: CsrfToken,
    verifier: Arc<PkceCodeVerifier>,
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl AuthorizationRequest {
    /// The `/oauth2/authorize` URL to open in the browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` the redirect must carry back.
    pub fn state(&self) -> &str {
        self.state.secret()
    }

    /// The code of a redirect that answers this request.
    fn code_from(&self, redirected_to: &Url) -> Result<String> {
        let param = |name: &str| {
            redirected_to
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        // Constant time: the state guards against forged redirects.
        let state_ok =
            param("state").is_some_and(|s| ct_eq(s.as_bytes(), self.state.secret().as_bytes()));
        if !state_ok {
            return Err(Error::new(
                ErrorKind::NotAuthorized,
                "the redirect's `state` does not match this sign-in: ignored (a stale or forged redirect)",
            ));
        }
        if let Some(error) = param("error") {
            let description = param("error_description").unwrap_or_default();
            return Err(Error::from_service(
                error.clone(),
                format!("the sign-in was refused: {error} {description}")
                    .trim_end()
                    .to_owned(),
            ));
        }
        param("code").ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the redirect carries neither a code nor an error",
            )
        })
    }
}

use crate::secret::ct_eq;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_but_for_loopback_hosts() {
        let build = |domain: &str| ManagedLogin::builder(domain, "client").build();
        for domain in [
            "http://myapp.auth.us-east-1.amazoncognito.com",
            "http://auth.example.com:8080/pool",
            "http://10.0.0.1",
            "http://localhost.evil.example",
            "ftp://127.0.0.1",
        ] {
            let err = build(domain).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{domain}");
            assert!(err.to_string().contains("https"), "{domain}: {err}");
        }
        for domain in [
            "https://myapp.auth.us-east-1.amazoncognito.com",
            "http://127.0.0.1:9229/us-east-1_Pool",
            "http://127.8.9.10",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://[::1]:9229",
        ] {
            assert!(build(domain).is_ok(), "{domain}");
        }
    }
}
