//! [`ApiClient`]: calls an API Gateway stage over `reqwest`, authenticating each route with
//! SigV4 (IAM), a user-pool token, or nothing.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = cognito_sigv4_emulator::Emulator::builder()
//! #     .seed(cognito_sigv4_emulator::Seed::reference())
//! #     .start()
//! #     .await?;
//! # let session = match cognito_sigv4::Session::builder(emulator.config("quickstart", "web")?)
//! #     .sign_in("jdoe", &cognito_sigv4::Password::new("Quickstart-Passw0rd!"))
//! #     .await?
//! # {
//! #     cognito_sigv4::SignInOutcome::Done(session) => session,
//! #     _ => unreachable!(),
//! # };
//! use cognito_sigv4::client::{ApiClient, AuthMode};
//! let stage = "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod";
//! # let stage = "http://abc123defg.execute-api.us-east-1.amazonaws.com/prod"; // no TLS locally
//! let api = ApiClient::builder(stage)
//!     .connect_to(emulator.addr()) // the local emulator; not against AWS
//!     .session(&session) // SigV4 with its credentials, and its tokens for user-pool routes
//!     .route(None, "/cup", AuthMode::id_token())
//!     .build()?;
//! let answer = api.request(http::Method::GET, "/cip").query("limit", "10").send().await?;
//! assert_eq!(answer.status(), 200);
//! let answer = api.request(http::Method::GET, "/cup").send().await?;
//! assert_eq!(answer.status(), 200);
//! # emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! - **Routes**: rules matched in order by method (or any) and path prefix (relative to the base
//!   URL); the first match decides the [`AuthMode`], otherwise the default ([`AuthMode::Iam`]).
//!   A request is never sent with both a SigV4 signature and a token in `Authorization`.
//! - **Responses**: any HTTP status is an [`ApiResponse`]; only failures to get one (network,
//!   credentials, signing) are errors.
//! - **Clock skew**: a 403 saying `Signature expired` / `Signature not yet current` (or an
//!   `InvalidSignatureException` with a server `Date` at least a minute off) makes the client
//!   learn the offset from the response's `Date` header, re-sign and retry once; the offset is
//!   kept for later requests.
//! - **Expired credentials**: a 403 saying the security token is expired (or
//!   `ExpiredTokenException`) makes the client ask the credentials provider again, re-sign and
//!   retry once.
//! - Request bodies are buffered ([`Bytes`]): SigV4 for API Gateway signs the payload's
//!   SHA-256. Response bodies are read whole by [`send`](RequestBuilder::send) (up to
//!   [`max_response_bytes`](ApiClientBuilder::max_response_bytes)), or streamed by
//!   [`send_streaming`](RequestBuilder::send_streaming).
//! - **Logs** (`tracing`): a span per request with method, path, auth mode, status and retry
//!   reason; never a key, token or signature. Note that the signer, at `TRACE`
//!   (`cognito_sigv4::signing`), logs the canonical request with your signed header values (it
//!   redacts only the security token, as aws-sigv4 does; `call -v` shows it): keep that target
//!   below `TRACE` in production if you sign headers such as API keys.

mod amplify;
#[cfg(feature = "reqwest-middleware")]
mod middleware;
mod request;
mod response;
mod retry;
mod streaming;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, Method};

pub use crate::credentials::TokenKind;

/// How long one request may take in all, unless [`ApiClientBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest response body read, unless [`ApiClientBuilder::max_response_bytes`] says
/// otherwise: API Gateway's payload limit.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;
use crate::credentials::{RefreshableCredentials, Session, TokenSource};
use crate::error::{Error, ErrorKind, Result};
use crate::signing::Signer;
use crate::skew::ClockSkew;
use crate::time::{Clock, SharedClock, share, shift, system_clock};
pub use amplify::{AmplifyApi, AmplifyApis};
#[cfg(feature = "reqwest-middleware")]
pub use middleware::CognitoMiddleware;
pub use request::RequestBuilder;
pub use response::ApiResponse;
pub use streaming::{BodyStream, StreamingResponse};

/// How a route is authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMode {
    /// SigV4 with the credentials provider's AWS credentials (`AWS_IAM` authorizer).
    Iam,
    /// A user-pool token in a header (`COGNITO_USER_POOLS` authorizer); no SigV4.
    UserPoolToken {
        /// The header carrying the token, `Authorization` by default.
        header: HeaderName,
        /// Which token to send.
        token: TokenKind,
    },
    /// Neither signature nor token.
    None,
}

impl AuthMode {
    /// The ID token in `Authorization`.
    pub fn id_token() -> Self {
        AuthMode::UserPoolToken {
            header: http::header::AUTHORIZATION,
            token: TokenKind::Id,
        }
    }

    /// The access token in `Authorization`.
    pub fn access_token() -> Self {
        AuthMode::UserPoolToken {
            header: http::header::AUTHORIZATION,
            token: TokenKind::Access,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            AuthMode::Iam => "iam",
            AuthMode::UserPoolToken {
                token: TokenKind::Id,
                ..
            } => "user_pool_id_token",
            AuthMode::UserPoolToken {
                token: TokenKind::Access,
                ..
            } => "user_pool_access_token",
            AuthMode::None => "none",
        }
    }
}

/// The token sources of user-pool routes, by kind.
#[derive(Debug, Clone, Default)]
struct TokenSources {
    id: Option<Arc<dyn TokenSource>>,
    access: Option<Arc<dyn TokenSource>>,
}

impl TokenSources {
    fn get(&self, kind: TokenKind) -> Option<&Arc<dyn TokenSource>> {
        match kind {
            TokenKind::Id => self.id.as_ref(),
            TokenKind::Access => self.access.as_ref(),
        }
    }
}

#[derive(Debug, Clone)]
struct RouteRule {
    method: Option<Method>,
    prefix: String,
    auth: AuthMode,
}

impl RouteRule {
    fn matches(&self, method: &Method, path: &str) -> bool {
        if self.method.as_ref().is_some_and(|m| m != method) {
            return false;
        }
        // "/pets" matches "/pets", "/pets/1" and "/pets?x", not "/petshop".
        match path.strip_prefix(self.prefix.as_str()) {
            Some(rest) => {
                self.prefix.ends_with('/')
                    || rest.is_empty()
                    || rest.starts_with('/')
                    || rest.starts_with('?')
            }
            None => false,
        }
    }
}

/// Builds an [`ApiClient`].
#[must_use]
pub struct ApiClientBuilder {
    base_url: String,
    region: Option<String>,
    service: String,
    credentials: Option<SharedCredentialsProvider>,
    refreshable: Option<Arc<dyn RefreshableCredentials>>,
    tokens: TokenSources,
    clock: Option<SharedClock>,
    skew: Option<Arc<ClockSkew>>,
    http: Option<reqwest::Client>,
    connect_to: Option<SocketAddr>,
    routes: Vec<RouteRule>,
    default_auth: AuthMode,
    timeout: Duration,
    max_response_bytes: usize,
}

impl fmt::Debug for ApiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClientBuilder")
            .field("base_url", &self.base_url)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("has_credentials", &self.credentials.is_some())
            .field("tokens", &self.tokens)
            .field("connect_to", &self.connect_to)
            .field("routes", &self.routes)
            .field("default_auth", &self.default_auth)
            .finish_non_exhaustive()
    }
}

impl ApiClientBuilder {
    /// The region to sign for; needed when the base URL is not an
    /// `<api>.execute-api.<region>.amazonaws.com` host (custom domains, emulators).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The service name to sign for (default `execute-api`).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// Wires a signed-in session in one call: its AWS credentials for IAM routes, its ID and
    /// access tokens for user-pool routes.
    pub fn session(mut self, session: &Session) -> Self {
        // One clock and one learned skew for the session and its requests.
        self.clock = Some(session.device_clock());
        self.skew = Some(session.clock_skew());
        self.refreshable_credentials(session.clone())
            .token_source(TokenKind::Id, session.token_source(TokenKind::Id))
            .token_source(TokenKind::Access, session.token_source(TokenKind::Access))
    }

    /// Where IAM routes get AWS credentials: any provider. For a `Session` or
    /// `FederatedCredentials` prefer [`session`](Self::session) or
    /// [`refreshable_credentials`](Self::refreshable_credentials).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self.refreshable = None;
        self
    }

    /// Like [`credentials_provider`](Self::credentials_provider), for a provider that can be
    /// told its credentials were refused as expired (a `Session`, `FederatedCredentials`): the
    /// one retry then really gets new credentials.
    pub fn refreshable_credentials(
        mut self,
        provider: impl RefreshableCredentials + Clone + 'static,
    ) -> Self {
        self.refreshable = Some(Arc::new(provider.clone()));
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// The learned clock skew to sign with and learn into (default: the client's own; a
    /// session's with [`session`](Self::session)). Share one between clients of one device.
    pub fn clock_skew(mut self, skew: Arc<ClockSkew>) -> Self {
        self.skew = Some(skew);
        self
    }

    /// Where user-pool routes that want a `kind` token get it.
    pub fn token_source(mut self, kind: TokenKind, source: impl TokenSource + 'static) -> Self {
        let source: Arc<dyn TokenSource> = Arc::new(source);
        match kind {
            TokenKind::Id => self.tokens.id = Some(source),
            TokenKind::Access => self.tokens.access = Some(source),
        }
        self
    }

    /// The clock signatures are dated by (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// How long one request may take in all, from connecting to the last byte of the answer
    /// (default 30 s; connecting alone at most 5 s). A silent server then fails the request
    /// with a retryable [`ErrorKind::Network`] error. Not applied to a custom
    /// [`http_client`](Self::http_client), which keeps its own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body read (default 10 MiB, API Gateway's payload limit); a larger
    /// one fails with [`ErrorKind::InvalidResponse`] instead of filling memory.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The `reqwest` client to send with (default: a new one that follows no redirects and
    /// times out; see [`timeout`](Self::timeout)). A custom client keeps its own redirect
    /// policy: do not let it follow redirects to other hosts, since signed headers and tokens
    /// would go along. Not combinable with [`connect_to`](Self::connect_to).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Connects to `addr` instead of resolving the base URL's host, keeping the URL's host in
    /// `Host` and in the signature: for tests that point an execute-api URL at a local server.
    /// The port comes from the URL, not from `addr`.
    pub fn connect_to(mut self, addr: SocketAddr) -> Self {
        self.connect_to = Some(addr);
        self
    }

    /// Adds a rule: requests whose method is `method` (any when `None`) and whose path (relative
    /// to the base URL) starts with `path_prefix` use `auth`. Rules are tried in order.
    pub fn route(
        mut self,
        method: Option<Method>,
        path_prefix: impl Into<String>,
        auth: AuthMode,
    ) -> Self {
        let mut prefix: String = path_prefix.into();
        if !prefix.starts_with('/') {
            prefix.insert(0, '/');
        }
        self.routes.push(RouteRule {
            method,
            prefix,
            auth,
        });
        self
    }

    /// The mode for requests no rule matches (default [`AuthMode::Iam`]).
    pub fn default_auth(mut self, auth: AuthMode) -> Self {
        self.default_auth = auth;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<ApiClient> {
        let base = url::Url::parse(&self.base_url)
            .map_err(|_| Error::config("base_url", "an absolute http(s) URL"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(Error::config("base_url", "an absolute http(s) URL"));
        }
        if base.query().is_some() || base.fragment().is_some() || !base.username().is_empty() {
            return Err(Error::config(
                "base_url",
                "a URL without query, fragment or user info",
            ));
        }
        let host = base.host_str().unwrap_or_default().to_owned();
        let region = match self.region {
            Some(r) if !r.is_empty() => r,
            Some(_) => return Err(Error::config("region", "a non-empty AWS region")),
            None => region_from_execute_api_host(&host).ok_or_else(|| {
                Error::config(
                    "region",
                    "a region, since the base URL is not <api>.execute-api.<region>.amazonaws.com",
                )
            })?,
        };
        let uses_iam = self.default_auth == AuthMode::Iam
            || self.routes.iter().any(|r| r.auth == AuthMode::Iam);
        if uses_iam && self.credentials.is_none() {
            return Err(Error::config(
                "credentials_provider",
                "a credentials provider for IAM routes",
            ));
        }
        let modes = std::iter::once(&self.default_auth).chain(self.routes.iter().map(|r| &r.auth));
        for mode in modes {
            if let AuthMode::UserPoolToken { token, .. } = mode
                && self.tokens.get(*token).is_none()
            {
                return Err(Error::config(
                    "token_source",
                    &format!("a {token:?} token source for user-pool routes"),
                ));
            }
        }
        let http = match (self.http, self.connect_to) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "connect_to",
                    "not combined with a custom http_client",
                ));
            }
            (Some(client), None) => client,
            (None, connect_to) => {
                // Never follow a redirect: it would carry `X-Amz-Security-Token`, or a
                // user-pool token in a custom header, to another host. A 3xx is returned as
                // the response instead.
                let mut builder = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(CONNECT_TIMEOUT.min(self.timeout))
                    .timeout(self.timeout);
                if let Some(addr) = connect_to {
                    builder = builder.resolve(&host, addr);
                }
                builder.build().map_err(|e| {
                    Error::new(ErrorKind::Config, "cannot build the HTTP client")
                        .with_source(e.without_url())
                })?
            }
        };
        let mut base_path = base.path().trim_end_matches('/').to_owned();
        if base_path == "/" {
            base_path.clear();
        }
        Ok(ApiClient {
            inner: Arc::new(Inner {
                base,
                base_path,
                signer: Signer::new(region, self.service),
                max_response_bytes: self.max_response_bytes,
                credentials: self.credentials,
                tokens: self.tokens,
                clock: self.clock.unwrap_or_else(system_clock),
                http,
                routes: self.routes,
                default_auth: self.default_auth,
                skew: self.skew.unwrap_or_default(),
                refreshable: self.refreshable,
            }),
        })
    }
}

/// The region of an `<api>.execute-api.<region>.amazonaws.com[.cn]` host.
fn region_from_execute_api_host(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [api, "execute-api", region, "amazonaws", "com", rest @ ..]
            if !api.is_empty() && !region.is_empty() && (rest.is_empty() || rest == ["cn"]) =>
        {
            Some((*region).to_owned())
        }
        _ => None,
    }
}

/// A client for one API Gateway stage (or any SigV4-secured HTTP API). Cheap to clone.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    base: url::Url,
    /// The base URL's path without a trailing slash (`/prod`), or empty.
    base_path: String,
    signer: Signer,
    credentials: Option<SharedCredentialsProvider>,
    refreshable: Option<Arc<dyn RefreshableCredentials>>,
    tokens: TokenSources,
    clock: SharedClock,
    http: reqwest::Client,
    routes: Vec<RouteRule>,
    default_auth: AuthMode,
    max_response_bytes: usize,
    /// Server time minus device time: learned from a time refusal whose retry the server
    /// accepted, or shared with a session.
    skew: Arc<ClockSkew>,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("ApiClient")
            .field("base", &i.base.as_str())
            .field("signer", &i.signer)
            .field("has_credentials", &i.credentials.is_some())
            .field("tokens", &i.tokens)
            .field("routes", &i.routes)
            .field("default_auth", &i.default_auth)
            .field("clock_offset_secs", &i.skew.offset_secs())
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// Starts building a client for `base_url` (such as
    /// `https://abc123.execute-api.us-east-1.amazonaws.com/prod`).
    pub fn builder(base_url: impl Into<String>) -> ApiClientBuilder {
        ApiClientBuilder {
            base_url: base_url.into(),
            region: None,
            service: "execute-api".to_owned(),
            credentials: None,
            refreshable: None,
            tokens: TokenSources::default(),
            clock: None,
            skew: None,
            http: None,
            connect_to: None,
            routes: Vec::new(),
            default_auth: AuthMode::Iam,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// A request for `path` relative to the base URL (`/pets/1`; already percent-encoded parts
    /// stay as they are, spaces and non-ASCII are encoded).
    pub fn request(&self, method: Method, path: impl AsRef<str>) -> RequestBuilder {
        RequestBuilder {
            client: self.clone(),
            method,
            path: path.as_ref().to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            error: None,
        }
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        self.inner.signer.region()
    }

    /// The clock offset (server minus local, in seconds) learned from the server so far.
    pub fn clock_offset_secs(&self) -> i64 {
        self.inner.skew.offset_secs()
    }

    /// The `$connect` URL of a WebSocket API whose `$connect` route is `AWS_IAM`, for a client
    /// built on the stage's URL (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`):
    /// the base URL as `wss://` (`ws://` for `http://`), presigned with SigV4 in the query
    /// (`X-Amz-Security-Token` included) with the client's credentials, refreshed first if
    /// due, valid for `expires_in` (1 second to 7 days). Ask for a new one for every
    /// connection: it holds the credentials of the moment. Treat it as a secret: its query
    /// carries the session token, so it must not be logged or shown.
    ///
    /// Errors: [`ErrorKind::Config`] without a credentials provider or with an expiry out of
    /// range; the provider's errors.
    pub async fn websocket_url(&self, expires_in: Duration) -> Result<url::Url> {
        let credentials = self.credentials().await?;
        let mut base = self.inner.base.clone();
        base.set_path(&self.inner.base_path);
        let mut url = self.inner.signer.presign(
            &Method::GET,
            &base,
            &HeaderMap::new(),
            b"",
            &credentials,
            self.signing_time(),
            expires_in,
        )?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|()| Error::config("base_url", "an http(s) URL"))?;
        Ok(url)
    }

    fn auth_for(&self, method: &Method, path: &str) -> AuthMode {
        self.inner
            .routes
            .iter()
            .find(|r| r.matches(method, path))
            .map(|r| r.auth.clone())
            .unwrap_or_else(|| self.inner.default_auth.clone())
    }

    async fn credentials(&self) -> Result<Credentials> {
        let provider = self.inner.credentials.as_ref().ok_or_else(|| {
            Error::config(
                "credentials_provider",
                "a credentials provider for IAM routes",
            )
        })?;
        provider.provide_credentials().await.map_err(|e| {
            // A provider of this crate (a session) failed with one of our errors: hand it on as
            // it is, so that the caller sees `SessionEnded`, `Throttled`, ... and what to do.
            if let Some(ours) =
                std::error::Error::source(&e).and_then(|s| s.downcast_ref::<Error>())
            {
                return ours.clone();
            }
            // Another provider's error: its text is its own, never the secret it failed to get.
            Error::new(
                ErrorKind::Credentials,
                format!(
                    "cannot get AWS credentials: {}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                ),
            )
            .with_source(e)
        })
    }

    /// The time to sign with: the device's, corrected by the learned offset.
    fn signing_time(&self) -> std::time::SystemTime {
        shift(self.inner.clock.now(), self.inner.skew.offset_secs())
    }

    /// New credentials after `refused` turned out stale: the provider is told (when it can
    /// be), so that it fetches new ones rather than hand out the same again.
    async fn fresh_credentials(&self, refused: &Credentials) -> Result<Credentials> {
        if let Some(provider) = &self.inner.refreshable {
            provider.refused(refused);
        }
        self.credentials().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_execute_api_hosts_only() {
        assert_eq!(
            region_from_execute_api_host("abc.execute-api.eu-west-2.amazonaws.com").as_deref(),
            Some("eu-west-2")
        );
        assert_eq!(
            region_from_execute_api_host("abc.execute-api.cn-north-1.amazonaws.com.cn").as_deref(),
            Some("cn-north-1")
        );
        assert_eq!(region_from_execute_api_host("api.example.com"), None);
        assert_eq!(
            region_from_execute_api_host("execute-api.us-east-1.amazonaws.com"),
            None
        );
        let err = ApiClient::builder("https://api.example.com/prod")
            .default_auth(AuthMode::None)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let ok = ApiClient::builder("https://api.example.com/prod")
            .region("ap-south-1")
            .default_auth(AuthMode::None)
            .build()
            .unwrap();
        assert_eq!(ok.region(), "ap-south-1");
    }

    #[test]
    fn iam_routes_need_a_credentials_provider() {
        let err = ApiClient::builder("https://abc.execute-api.us-east-1.amazonaws.com/prod")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("credentials_provider"), "{err}");
    }

    #[test]
    fn routes_match_by_method_and_whole_segment_prefix() {
        let rule = RouteRule {
            method: Some(Method::GET),
            prefix: "/pets".into(),
            auth: AuthMode::None,
        };
        assert!(rule.matches(&Method::GET, "/pets"));
        assert!(rule.matches(&Method::GET, "/pets/1"));
        assert!(rule.matches(&Method::GET, "/pets?x=1"));
        assert!(!rule.matches(&Method::GET, "/petshop"));
        assert!(!rule.matches(&Method::POST, "/pets"));
    }
}
