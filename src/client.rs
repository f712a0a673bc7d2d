//! [`ApiClient`]: calls an API Gateway stage over `reqwest`, authenticating each route with
//! SigV4 (IAM), a user-pool token, or nothing.
//!
//! ```no_run
//! # async fn demo(session: cognito_sigv4::Session) -> cognito_sigv4::Result<()> {
//! use cognito_sigv4::client::{ApiClient, AuthMode};
//! let api = ApiClient::builder("https://abc123.execute-api.us-east-1.amazonaws.com/prod")
//!     .session(&session) // SigV4 with its credentials, and its tokens for user-pool routes
//!     .route(None, "/public", AuthMode::None)
//!     .route(None, "/me", AuthMode::id_token())
//!     .build()?;
//! let pets = api.request(http::Method::GET, "/pets").query("limit", "10").send().await?;
//! println!("{} {}", pets.status(), pets.text());
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
//! - Bodies are buffered ([`Bytes`]): SigV4 for API Gateway signs the payload's SHA-256.
//! - **Logs** (`tracing`): a span per request with method, path, auth mode, status and retry
//!   reason; never a key, token or signature. Note that `aws_sigv4` itself, at `TRACE`, logs
//!   the canonical request with your signed header values (it redacts only the security token
//!   and secret key): keep `aws_sigv4=trace` off in production if you sign headers such as API
//!   keys.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tracing::Instrument;

pub use crate::credentials::TokenKind;
use crate::credentials::{Session, TokenSource};
use crate::error::{Error, ErrorKind, Result};
use crate::signing::Signer;
use crate::time::{Clock, SharedClock, epoch_secs, share, shift, system_clock};

/// Query keys and values are encoded with everything but RFC 3986's unreserved characters.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A skew smaller than this is not worth a retry on a bare `InvalidSignatureException`.
const MIN_SKEW_SECS: i64 = 60;

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
    tokens: TokenSources,
    clock: Option<SharedClock>,
    http: Option<reqwest::Client>,
    connect_to: Option<SocketAddr>,
    routes: Vec<RouteRule>,
    default_auth: AuthMode,
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
    pub fn session(self, session: &Session) -> Self {
        self.credentials_provider(session.clone())
            .token_source(TokenKind::Id, session.token_source(TokenKind::Id))
            .token_source(TokenKind::Access, session.token_source(TokenKind::Access))
    }

    /// Where IAM routes get AWS credentials (a `Session`, `FederatedCredentials`, or any
    /// provider).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
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

    /// The `reqwest` client to send with (default: a new one). Not combinable with
    /// [`connect_to`](Self::connect_to).
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
                let mut builder = reqwest::Client::builder();
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
                credentials: self.credentials,
                tokens: self.tokens,
                clock: self.clock.unwrap_or_else(system_clock),
                http,
                routes: self.routes,
                default_auth: self.default_auth,
                skew_secs: AtomicI64::new(0),
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
    tokens: TokenSources,
    clock: SharedClock,
    http: reqwest::Client,
    routes: Vec<RouteRule>,
    default_auth: AuthMode,
    /// Server time minus local time, learned from a `Signature expired` answer.
    skew_secs: AtomicI64,
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
            .field("skew_secs", &i.skew_secs.load(Ordering::Relaxed))
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
            tokens: TokenSources::default(),
            clock: None,
            http: None,
            connect_to: None,
            routes: Vec::new(),
            default_auth: AuthMode::Iam,
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
        self.inner.skew_secs.load(Ordering::Relaxed)
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
            // The provider's error text is its own; it never carries the secret it failed to get.
            Error::new(
                ErrorKind::Credentials,
                format!("cannot get AWS credentials: {e}"),
            )
            .with_source(e)
        })
    }

    fn signing_time(&self) -> std::time::SystemTime {
        shift(
            self.inner.clock.now(),
            self.inner.skew_secs.load(Ordering::Relaxed),
        )
    }
}

/// One request being built; send it with [`send`](RequestBuilder::send).
#[must_use]
pub struct RequestBuilder {
    client: ApiClient,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    error: Option<Error>,
}

impl fmt::Debug for RequestBuilder {
    // Headers may hold a caller's token: show names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RequestBuilder {
    /// Appends a query parameter (encoded here: pass it decoded).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a header (replacing one of the same name). An invalid name or value makes
    /// [`send`](Self::send) fail with [`ErrorKind::Config`].
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name_ref = name.as_ref();
        match (
            HeaderName::from_bytes(name_ref.as_bytes()),
            HeaderValue::from_str(value.as_ref()),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => {
                // Only the name: the value may be a secret.
                self.error.get_or_insert_with(|| {
                    Error::config("header", &format!("a valid `{name_ref}` header"))
                });
            }
        }
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = Bytes::from(body);
                self.headers.insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => {
                self.error.get_or_insert_with(|| {
                    Error::new(ErrorKind::Config, "the JSON body cannot be serialized")
                        .with_source(e)
                });
            }
        }
        self
    }

    /// Sets the body. It is buffered: its SHA-256 is part of the signature.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    fn url(&self) -> Result<url::Url> {
        let inner = &self.client.inner;
        let (path, raw_query) = match self.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.path.as_str(), None),
        };
        let mut url = inner.base.clone();
        let sep = if path.starts_with('/') || path.is_empty() {
            ""
        } else {
            "/"
        };
        url.set_path(&format!("{}{sep}{path}", inner.base_path));
        let mut query = String::new();
        if let Some(q) = raw_query.filter(|q| !q.is_empty()) {
            query.push_str(q);
        }
        for (k, v) in &self.query {
            if !query.is_empty() {
                query.push('&');
            }
            query.extend(utf8_percent_encode(k, QUERY_ENCODE));
            query.push('=');
            query.extend(utf8_percent_encode(v, QUERY_ENCODE));
        }
        if !query.is_empty() {
            url.set_query(Some(&query));
        }
        Ok(url)
    }

    /// Sends the request (signing it, or adding the token, as its route says), retrying once
    /// after a clock-skew or expired-credentials answer. Any HTTP status is a response.
    pub async fn send(self) -> Result<ApiResponse> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let auth = self.client.auth_for(&self.method, &self.path);
        let span = tracing::debug_span!(
            "api_request",
            method = %self.method,
            path = %self.path,
            auth = auth.name(),
            status = tracing::field::Empty,
            retry = tracing::field::Empty,
        );
        let fut = self.send_inner(auth);
        fut.instrument(span).await
    }

    async fn send_inner(self, auth: AuthMode) -> Result<ApiResponse> {
        let client = &self.client;
        let url = self.url()?;
        let uri: http::Uri = url.as_str().parse().map_err(|_| {
            Error::new(ErrorKind::Config, "the request URL is not a valid HTTP URI")
        })?;

        let mut credentials = match auth {
            AuthMode::Iam => Some(client.credentials().await?),
            _ => None,
        };
        let (mut retried_skew, mut retried_creds) = (false, false);
        loop {
            let mut req = http::Request::builder()
                .method(self.method.clone())
                .uri(uri.clone())
                .body(self.body.clone())
                .map_err(|e| Error::new(ErrorKind::Config, "invalid request").with_source(e))?;
            *req.headers_mut() = self.headers.clone();
            match &auth {
                AuthMode::Iam => {
                    let creds = credentials.as_ref().ok_or_else(|| {
                        Error::new(ErrorKind::Credentials, "no credentials for an IAM route")
                    })?;
                    let time = client.signing_time();
                    // A request signed with expired credentials can only be refused
                    // (`ExpiredTokenException`): do not send it.
                    if creds.expiry().is_some_and(|expiry| expiry <= time) {
                        return Err(Error::new(
                            ErrorKind::Credentials,
                            "the credentials provider returned expired credentials",
                        ));
                    }
                    client.inner.signer.sign(&mut req, creds, time)?;
                }
                AuthMode::UserPoolToken { header, token } => {
                    let source = client.inner.tokens.get(*token).ok_or_else(|| {
                        Error::config("token_source", "a token source for user-pool routes")
                    })?;
                    let jwt = source.token().await?;
                    let mut value = HeaderValue::from_str(jwt.expose_secret()).map_err(|_| {
                        Error::new(
                            ErrorKind::InvalidToken,
                            "the token is not a valid header value",
                        )
                    })?;
                    value.set_sensitive(true);
                    let headers = req.headers_mut();
                    headers.insert(header.clone(), value);
                    // Never leave SigV4 traces next to a token.
                    headers.remove("x-amz-date");
                    headers.remove("x-amz-security-token");
                }
                AuthMode::None => {}
            }
            let response = client.execute(req).await?;
            tracing::Span::current().record("status", response.status.as_u16());
            if response.status != StatusCode::FORBIDDEN || auth != AuthMode::Iam {
                return Ok(response);
            }
            let text = response.text();
            let error_type = response
                .headers
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if !retried_creds
                && (text.contains("security token included in the request is expired")
                    || error_type.starts_with("ExpiredTokenException")
                    || text.contains("ExpiredTokenException"))
            {
                retried_creds = true;
                tracing::Span::current().record("retry", "expired_credentials");
                tracing::debug!("credentials expired at the server: asking the provider again");
                let fresh = client.credentials().await?;
                // The same credentials again (a provider that still deems them valid, e.g. by a
                // clock behind the server's) would only be refused again: keep this answer.
                if credentials.as_ref() == Some(&fresh) {
                    return Ok(response);
                }
                credentials = Some(fresh);
                continue;
            }
            if !retried_skew {
                let time_message = text.contains("Signature expired")
                    || text.contains("Signature not yet current");
                let invalid_signature = error_type.starts_with("InvalidSignatureException")
                    || text.contains("InvalidSignatureException");
                if (time_message || invalid_signature)
                    && let Some(server_now) = response.server_date()
                {
                    let local = epoch_secs(client.inner.clock.now()) as i64;
                    let offset = server_now - local;
                    let previous = client.inner.skew_secs.load(Ordering::Relaxed);
                    if time_message || (offset - previous).abs() >= MIN_SKEW_SECS {
                        retried_skew = true;
                        client.inner.skew_secs.store(offset, Ordering::Relaxed);
                        tracing::Span::current().record("retry", "clock_skew");
                        tracing::debug!(
                            offset_secs = offset,
                            "clock skew: re-signing with the server's time"
                        );
                        continue;
                    }
                }
            }
            return Ok(response);
        }
    }
}

impl ApiClient {
    async fn execute(&self, req: http::Request<Bytes>) -> Result<ApiResponse> {
        let req = reqwest::Request::try_from(req).map_err(|e| {
            Error::new(ErrorKind::Config, "invalid request").with_source(e.without_url())
        })?;
        let resp = self.inner.http.execute(req).await.map_err(network_error)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(network_error)?;
        Ok(ApiResponse {
            status,
            headers,
            body,
        })
    }
}

fn network_error(e: reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "cannot connect to the API"
    } else {
        "the request failed"
    };
    // Without the URL: its query is the caller's data.
    Error::new(ErrorKind::Network, what).with_source(e.without_url())
}

/// An HTTP answer, whatever its status.
#[derive(Clone)]
pub struct ApiResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl ApiResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON ([`ErrorKind::InvalidResponse`] if it is not `T`).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        // Only the category and position: serde's message can quote a value from the body,
        // which may be the caller's data or a token.
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the body is not the expected JSON ({:?} error at line {}, column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// The server's `Date` header in seconds since the epoch.
    fn server_date(&self) -> Option<i64> {
        let date = self.headers.get(http::header::DATE)?.to_str().ok()?;
        chrono::DateTime::parse_from_rfc2822(date)
            .ok()
            .map(|d| d.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_body_of_the_wrong_shape_is_a_typed_error_that_quotes_nothing() {
        let marker = "MARKER-token-in-body";
        let resp = ApiResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(format!(r#"{{"n":"{marker}"}}"#)),
        };
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // Only its shape matters.
        struct Expected {
            n: u32,
        }
        let err = resp.json::<Expected>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(!err.to_string().contains(marker), "{err}");
        assert!(!format!("{err:?}").contains(marker), "{err:?}");
        let truncated = ApiResponse {
            body: Bytes::from_static(b"{\"n\":"),
            ..resp
        };
        assert_eq!(
            truncated.json::<Expected>().unwrap_err().kind(),
            ErrorKind::InvalidResponse
        );
    }

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

    #[test]
    fn urls_join_base_path_and_encode_query_values() {
        let c = ApiClient::builder("https://abc.execute-api.us-east-1.amazonaws.com/prod/")
            .default_auth(AuthMode::None)
            .build()
            .unwrap();
        let url = c
            .request(Method::GET, "/a b/%2F?x=1")
            .query("q", "a b+c/d")
            .url()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/a%20b/%2F?x=1&q=a%20b%2Bc%2Fd"
        );
    }
}
