//! A local emulator of the AWS services this crate talks to (feature `mock`): Cognito user
//! pools (`cognito-idp`), Cognito identity pools (`cognito-identity`), STS and API Gateway.
//!
//! It is a real HTTP server on 127.0.0.1 speaking AWS's wire protocols, so this crate, the
//! official AWS SDK clients and other languages' clients all work against it by endpoint
//! override. It verifies SRP, signs tokens with RS256, checks SigV4 and expiry for real.
//!
//! ```no_run
//! # async fn demo() -> cognito_sigv4::Result<()> {
//! use cognito_sigv4::mock::{Emulator, Seed};
//! let seed = Seed::from_toml_str(&std::fs::read_to_string("examples/emulator-seed.toml").unwrap())?;
//! let emulator = Emulator::builder().seed(seed).start().await?;
//! println!("cognito-idp, cognito-identity and sts at {}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! API Gateway requests are addressed either with `Host: <api>.execute-api.<region>.amazonaws.com`
//! (connect to the emulator's address) or by the path prefix
//! `/_aws/execute-api/<api>/<stage>/<resource path>` ([`RunningEmulator::api_url`]).

mod apigw;
mod identity;
mod idp;
mod keys;
mod seed;
pub mod sigv4;
mod srp_server;
mod state;
mod sts;
mod wire;

pub use idp::{DeliveryMedium, SentCode, totp_code};
pub use seed::{
    ApiSeed, AppClientSeed, GroupSeed, IdentityPoolSeed, MethodSeed, OidcProviderSeed,
    ResourceSeed, RoleSeed, Seed, UserPoolProviderSeed, UserPoolSeed, UserSeed,
};

use crate::time::{SharedClock, epoch_secs, system_clock};
use crate::{Error, ErrorKind, Result};
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use state::{PendingFault, Shared, State};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The path prefix that addresses API Gateway without a `Host` header.
pub const EXECUTE_API_PATH_PREFIX: &str = "/_aws/execute-api/";

impl Seed {
    /// Reads a seed from TOML.
    pub fn from_toml_str(text: &str) -> Result<Seed> {
        toml::from_str(text).map_err(|e| {
            // Not `{e}`: toml's Display quotes the offending source line, which may hold a
            // password or a client secret. The line and column are enough to find it.
            let at = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| {
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!(" at line {line}, column {column}")
                })
                .unwrap_or_default();
            Error::new(
                ErrorKind::Config,
                format!("emulator seed (TOML){at}: {}", e.message()),
            )
        })
    }

    /// Reads a seed from JSON.
    pub fn from_json_str(text: &str) -> Result<Seed> {
        serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorKind::Config, format!("emulator seed (JSON): {e}")))
    }

    /// Reads a seed file: JSON when the name ends in `.json`, TOML otherwise.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Seed> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("emulator seed {}: {e}", path.display()),
            )
        })?;
        if path.extension().is_some_and(|x| x == "json") {
            Seed::from_json_str(&text)
        } else {
            Seed::from_toml_str(&text)
        }
    }
}

/// A fault to inject into an operation, for testing clients' resilience.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with the service's throttling error (`TooManyRequestsException`, STS
    /// `Throttling`, API Gateway 429).
    Throttle,
    /// Answer with the service's internal error (HTTP 500).
    ServerError,
    /// Wait this long, then answer normally.
    Latency(Duration),
}

/// Entry point: `Emulator::builder()`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with an empty seed, the system clock and an ephemeral port on 127.0.0.1.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            seed: Seed::default(),
            clock: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Configures and starts an emulator.
#[derive(Debug)]
pub struct EmulatorBuilder {
    seed: Seed,
    clock: Option<SharedClock>,
    bind: SocketAddr,
}

impl EmulatorBuilder {
    /// What the emulator starts with.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// The services' clock (default: the system clock). Give a
    /// [`ManualClock`](crate::time::ManualClock) to move time in tests, or an
    /// [`OffsetClock`](crate::time::OffsetClock) to model a skewed server.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Builds the state and starts serving.
    pub async fn start(self) -> Result<RunningEmulator> {
        let clock = self.clock.unwrap_or_else(system_clock);
        let state = State::from_seed(&self.seed)?;
        let shared = Shared::new(state, clock);
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("emulator cannot listen on {}: {e}", self.bind),
                )
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
        // API Gateway accepts payloads up to 10 MB (REST API quotas, "Payload size"); axum's
        // default limit of 2 MB would refuse bodies that AWS serves.
        let app = axum::Router::new()
            .fallback(dispatch)
            .layer(axum::extract::DefaultBodyLimit::max(10 * 1024 * 1024))
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        tracing::info!(%addr, "emulator listening");
        Ok(RunningEmulator {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server; [`shutdown`](Self::shutdown) also waits
/// for it to finish.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The socket address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL for cognito-idp, cognito-identity and sts (`http://127.0.0.1:<port>/`).
    pub fn endpoint(&self) -> url::Url {
        // A socket address always forms a valid URL.
        url::Url::parse(&format!("http://{}/", self.addr)).expect("valid URL")
    }

    /// The emulated region.
    pub fn region(&self) -> String {
        self.shared.lock().region.clone()
    }

    /// The emulated account id.
    pub fn account_id(&self) -> String {
        self.shared.lock().account_id.clone()
    }

    /// The services' clock.
    pub fn clock(&self) -> SharedClock {
        self.shared.clock().clone()
    }

    /// The id of the user pool with this name (or id).
    pub fn user_pool_id(&self, name: &str) -> Option<String> {
        self.shared
            .lock()
            .find_user_pool(name)
            .map(|p| p.id.clone())
    }

    /// The id of an app client, by pool and client name (or id).
    pub fn client_id(&self, pool: &str, client: &str) -> Option<String> {
        let st = self.shared.lock();
        let p = st.find_user_pool(pool)?;
        p.clients
            .values()
            .find(|c| c.name == client || c.id == client)
            .map(|c| c.id.clone())
    }

    /// The secret of an app client, if it has one.
    pub fn client_secret(&self, pool: &str, client: &str) -> Option<crate::secret::ClientSecret> {
        let st = self.shared.lock();
        let p = st.find_user_pool(pool)?;
        let c = p
            .clients
            .values()
            .find(|c| c.name == client || c.id == client)?;
        c.secret.clone().map(crate::secret::ClientSecret::new)
    }

    /// The id of the identity pool with this name (or id).
    pub fn identity_pool_id(&self, name: &str) -> Option<String> {
        self.shared
            .lock()
            .find_identity_pool(name)
            .map(|p| p.id.clone())
    }

    /// The id of the API with this name (or id).
    pub fn api_id(&self, name: &str) -> Option<String> {
        let st = self.shared.lock();
        st.apis
            .values()
            .find(|a| a.name == name || a.id == name)
            .map(|a| a.id.clone())
    }

    /// The API's base URL through the path prefix:
    /// `http://127.0.0.1:<port>/_aws/execute-api/<api>/<stage>`.
    pub fn api_url(&self, api: &str, stage: &str) -> Option<url::Url> {
        let id = self.api_id(api)?;
        url::Url::parse(&format!(
            "http://{}{EXECUTE_API_PATH_PREFIX}{id}/{stage}",
            self.addr
        ))
        .ok()
    }

    /// The API's AWS host name, `<api>.execute-api.<region>.amazonaws.com`; send it as `Host`
    /// to the emulator's address.
    pub fn api_host(&self, api: &str) -> Option<String> {
        let id = self.api_id(api)?;
        Some(format!("{id}.execute-api.{}.amazonaws.com", self.region()))
    }

    /// Mints an ID token from a Google-like OIDC issuer of the seed, valid for `lifetime`
    /// from the emulator's now. `extra` claims (an object) are merged in.
    pub fn mint_oidc_token(
        &self,
        issuer: &str,
        subject: &str,
        audience: &str,
        lifetime: Duration,
        extra: serde_json::Value,
    ) -> Result<crate::secret::Jwt> {
        let now = epoch_secs(self.shared.now());
        let st = self.shared.lock();
        let iss = st.oidc_issuers.get(issuer).ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!("the emulator has no OIDC issuer `{issuer}`"),
            )
        })?;
        let mut claims = serde_json::json!({
            "iss": iss.issuer, "sub": subject, "aud": audience, "azp": audience,
            "iat": now, "exp": now + lifetime.as_secs(),
        });
        if let (Some(obj), Some(more)) = (claims.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        Ok(crate::secret::Jwt::new(iss.key.mint(&claims)))
    }

    /// Mints the ID token user pool `pool` (name or id) would issue to `username` through app
    /// client `client` (name or id) at the emulator's now, with Cognito's claims (groups,
    /// `cognito:roles`, `cognito:preferred_role`, attributes), without a sign-in. For tests
    /// of the identity pool.
    #[doc(hidden)]
    pub fn mint_user_pool_id_token(
        &self,
        pool: &str,
        client: &str,
        username: &str,
    ) -> Result<crate::secret::Jwt> {
        let now = self.shared.now();
        let st = self.shared.lock();
        let claims = identity::user_pool_id_token_claims(&st, pool, client, username, now)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    format!(
                        "the emulator has no user `{username}` / client `{client}` in pool `{pool}`"
                    ),
                )
            })?;
        let key = &st
            .find_user_pool(pool)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    format!("the emulator has no user pool `{pool}`"),
                )
            })?
            .key;
        Ok(crate::secret::Jwt::new(key.mint(&claims)))
    }

    /// Issues temporary credentials for `role_arn`, valid for `lifetime` from the emulator's
    /// now, as the identity pool would (subject: a fresh identity id), without an identity
    /// pool. For tests of API Gateway.
    #[doc(hidden)]
    pub fn issue_test_credentials(
        &self,
        role_arn: &str,
        lifetime: Duration,
    ) -> aws_credential_types::Credentials {
        let now = self.shared.now();
        let mut st = self.shared.lock();
        let subject = format!("{}:{}", st.region, state::random_uuid());
        let (key_id, issued) =
            identity::issue_credentials(&mut st, role_arn, &subject, now, lifetime);
        aws_credential_types::Credentials::new(
            key_id,
            issued.secret_access_key,
            Some(issued.session_token),
            Some(issued.expires_at),
            "cognito-sigv4-emulator",
        )
    }

    /// Signs exactly `claims` with user pool `pool`'s (name or id) key: any token, well-formed
    /// or not. For tests of API Gateway's user-pool authorizer.
    #[doc(hidden)]
    pub fn mint_user_pool_token(
        &self,
        pool: &str,
        claims: serde_json::Value,
    ) -> Result<crate::secret::Jwt> {
        let st = self.shared.lock();
        let pool = st.find_user_pool(pool).ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!("the emulator has no user pool `{pool}`"),
            )
        })?;
        Ok(crate::secret::Jwt::new(pool.key.mint(&claims)))
    }

    /// Makes the next `times` calls of `operation` (an AWS operation name such as
    /// `InitiateAuth`, `GetCredentialsForIdentity`, `AssumeRoleWithWebIdentity`, or
    /// `execute-api` for every API Gateway request) meet `fault`.
    pub fn inject_fault(&self, operation: &str, fault: Fault, times: u32) {
        self.shared
            .lock()
            .faults
            .entry(operation.to_owned())
            .or_default()
            .push(PendingFault {
                fault,
                remaining: times,
            });
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// How many calls of `operation` the emulator has received (faulted ones included).
    pub fn calls(&self, operation: &str) -> u64 {
        self.shared
            .lock()
            .calls
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// The SMS and e-mail codes the emulator has "sent" to `username` (Cognito's username, in
    /// any pool; oldest first within a pool). Codes go to this outbox instead of a phone or a
    /// mailbox, so that tests can answer SMS_MFA and EMAIL_OTP. Each is a fresh 6-digit code,
    /// valid once, until its challenge session expires (3 minutes of the emulator's clock).
    pub fn sent_codes(&self, username: &str) -> Vec<SentCode> {
        self.shared
            .lock()
            .user_pools
            .values()
            .flat_map(|p| p.outbox.iter())
            .filter(|e| e.username == username)
            .map(|e| e.sent.clone())
            .collect()
    }

    /// The last SMS or e-mail code sent to `username`, if any (see
    /// [`sent_codes`](Self::sent_codes)).
    pub fn last_code(&self, username: &str) -> Option<SentCode> {
        self.sent_codes(username).pop()
    }

    /// Sets every call count back to zero.
    pub fn reset_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Which service a request is for.
enum Route {
    Idp(String),
    Identity(String),
    Sts(String),
    ExecuteApi,
    Jwks(String),
    NotFound,
}

fn route(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Route {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if host.contains(".execute-api.") || uri.path().starts_with(EXECUTE_API_PATH_PREFIX) {
        return Route::ExecuteApi;
    }
    if let Some(target) = headers.get("x-amz-target").and_then(|h| h.to_str().ok()) {
        if let Some(op) = target.strip_prefix("AWSCognitoIdentityProviderService.") {
            return Route::Idp(op.to_owned());
        }
        if let Some(op) = target.strip_prefix("AWSCognitoIdentityService.") {
            return Route::Identity(op.to_owned());
        }
        if let Some(op) = target.strip_prefix("AWSSecurityTokenServiceV20110615.") {
            return Route::Sts(op.to_owned());
        }
        return Route::NotFound;
    }
    if method == Method::GET && uri.path().ends_with("/.well-known/jwks.json") {
        return Route::Jwks(
            uri.path()
                .trim_end_matches("/.well-known/jwks.json")
                .trim_start_matches('/')
                .to_owned(),
        );
    }
    if method == Method::POST {
        let action = url::form_urlencoded::parse(body)
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.into_owned());
        if let Some(action) = action {
            return Route::Sts(action);
        }
    }
    Route::NotFound
}

/// Counts the call and serves a pending fault, if any: `Some(response)` to answer with it.
async fn apply_faults(
    shared: &Shared,
    op: &str,
    throttled: fn() -> Response,
    failed: fn() -> Response,
) -> Option<Response> {
    let fault = {
        let mut st = shared.lock();
        *st.calls.entry(op.to_owned()).or_default() += 1;
        let queue = st.faults.get_mut(op)?;
        let first = queue.first_mut()?;
        first.remaining = first.remaining.saturating_sub(1);
        let fault = first.fault.clone();
        if first.remaining == 0 {
            queue.remove(0);
        }
        fault
    };
    match fault {
        Fault::Throttle => Some(throttled()),
        Fault::ServerError => Some(failed()),
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            None
        }
    }
}

async fn dispatch(
    AxumState(shared): AxumState<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match route(&method, &uri, &headers, &body) {
        Route::Idp(op) => {
            if let Some(r) = apply_faults(
                &shared,
                &op,
                || wire::client_error("TooManyRequestsException", "Rate exceeded"),
                || {
                    wire::json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalErrorException",
                        "Internal error",
                    )
                },
            )
            .await
            {
                return r;
            }
            idp::handle(&shared, &op, &headers, &body)
        }
        Route::Identity(op) => {
            if let Some(r) = apply_faults(
                &shared,
                &op,
                || wire::client_error("TooManyRequestsException", "Rate exceeded"),
                || {
                    wire::json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalErrorException",
                        "Internal error",
                    )
                },
            )
            .await
            {
                return r;
            }
            identity::handle(&shared, &op, &body)
        }
        Route::Sts(op) => {
            if let Some(r) = apply_faults(
                &shared,
                &op,
                || wire::query_error(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded"),
                || {
                    wire::query_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalFailure",
                        "Internal failure",
                    )
                },
            )
            .await
            {
                return r;
            }
            sts::handle(&shared, &op, &method, &uri, &headers, &body)
        }
        Route::ExecuteApi => {
            if let Some(r) = apply_faults(
                &shared,
                "execute-api",
                || wire::apigw_error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
                || wire::apigw_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
            )
            .await
            {
                return r;
            }
            apigw::handle(&shared, &method, &uri, &headers, &body)
        }
        Route::Jwks(issuer_path) => jwks(&shared, &issuer_path),
        Route::NotFound => wire::json_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "Unknown operation",
        ),
    }
}

/// `GET /<poolId>/.well-known/jwks.json` (user pools) and
/// `GET /<issuer host and path>/.well-known/jwks.json` (OIDC issuers).
fn jwks(shared: &Shared, issuer_path: &str) -> Response {
    let st = shared.lock();
    if let Some(pool) = st.user_pools.get(issuer_path) {
        return (StatusCode::OK, axum::Json(pool.key.jwks())).into_response();
    }
    if let Some(iss) = st
        .oidc_issuers
        .values()
        .find(|i| i.issuer.trim_start_matches("https://") == issuer_path)
    {
        return (StatusCode::OK, axum::Json(iss.key.jwks())).into_response();
    }
    wire::apigw_error(StatusCode::NOT_FOUND, "Not found")
}
