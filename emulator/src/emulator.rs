//! Starting an emulator ([`Emulator::builder`]) and the handle of a running one: its addresses
//! and ids, ready-made `CognitoConfig`s, and the knobs tests turn (faults, call counts, the
//! outbox of sent codes, minted tokens and credentials).

use crate::apigw::EXECUTE_API_PATH_PREFIX;
use crate::calls::{
    CallFilter, CallLog, CallLogStats, CallRecord, DEFAULT_CALL_LOG_CAPACITY, RefusalCounts,
};
use crate::credentials::issue_credentials;
use crate::crypto::random_uuid;
use crate::error::{Error, ErrorKind};
use crate::fault::Fault;
use crate::lambda::{self, Functions, Handler};
use crate::persist::{StateDir, serialize};
use crate::router::dispatch;
use crate::seed::Seed;
use crate::state::{IssuedState, SentCode, Shared};
use crate::time::epoch_secs;
use crate::tokens::user_pool_id_token_claims;
use cognito_sigv4::config::Service;
use cognito_sigv4::secret::{ClientSecret, Jwt};
use cognito_sigv4::{Clock, CognitoConfig, SharedClock, SystemClock};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
            fault_seed: None,
            call_log_capacity: DEFAULT_CALL_LOG_CAPACITY,
            state_dir: None,
            lambda_endpoint: None,
            functions: HashMap::new(),
            lambda_timeout: lambda::DEFAULT_TIMEOUT,
        }
    }
}

/// Configures and starts an emulator.
pub struct EmulatorBuilder {
    seed: Seed,
    clock: Option<SharedClock>,
    bind: SocketAddr,
    fault_seed: Option<u64>,
    call_log_capacity: usize,
    state_dir: Option<PathBuf>,
    lambda_endpoint: Option<url::Url>,
    functions: HashMap<String, Handler>,
    lambda_timeout: Duration,
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut functions: Vec<&String> = self.functions.keys().collect();
        functions.sort();
        f.debug_struct("EmulatorBuilder")
            .field("seed", &self.seed)
            .field("bind", &self.bind)
            .field("fault_seed", &self.fault_seed)
            .field("call_log_capacity", &self.call_log_capacity)
            .field("state_dir", &self.state_dir)
            .field(
                "lambda_endpoint",
                &self.lambda_endpoint.as_ref().map(url::Url::as_str),
            )
            .field("functions", &functions)
            .field("lambda_timeout", &self.lambda_timeout)
            .finish_non_exhaustive()
    }
}

/// How soon after a change the state directory is written.
const SAVE_DELAY: Duration = Duration::from_millis(200);

impl EmulatorBuilder {
    /// What the emulator starts with, such as [`Seed::reference`].
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// The services' clock (default: the system clock). Give a clone of a
    /// [`ManualClock`](cognito_sigv4::ManualClock) to move time in tests, or an
    /// [`OffsetClock`](cognito_sigv4::time::OffsetClock) to model a skewed server.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// The seed of the random draws behind
    /// [`inject_fault_rate`](RunningEmulator::inject_fault_rate) (default: a random one), so
    /// that a soak run that found a problem meets the same faults on the same calls again
    /// (given the same sequence of calls).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// How many records the call log keeps ([`RunningEmulator::call_log`]; default
    /// [`DEFAULT_CALL_LOG_CAPACITY`], 100 000): past that the oldest are dropped, while the
    /// counters ([`RunningEmulator::calls`], [`RunningEmulator::refusals`]) keep counting. 0
    /// keeps no records, only counters.
    pub fn call_log_capacity(mut self, records: usize) -> Self {
        self.call_log_capacity = records;
        self
    }

    /// Keeps the state in `dir` across restarts (default: the seed's `state_dir`, else none):
    /// the first start builds it from the seed and writes `dir/state.json`; later starts carry
    /// on from that file, the seed's own pools, users and keys notwithstanding. Changes are
    /// written atomically within 200 ms, and at [`shutdown`](RunningEmulator::shutdown).
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// The Lambda Invoke API that users' functions (user-pool triggers, API Gateway
    /// authorizers and Lambda integrations) are called at, for the functions not registered
    /// with [`lambda_function`](Self::lambda_function): `sam local start-lambda`
    /// (`http://127.0.0.1:3001`), `cargo lambda watch` (`http://127.0.0.1:9000`), or any server
    /// speaking `POST /2015-03-31/functions/{name}/invocations`. The standalone binary takes it
    /// from `--lambda-endpoint` or `AWS_ENDPOINT_URL_LAMBDA`.
    pub fn lambda_endpoint(mut self, endpoint: url::Url) -> Self {
        self.lambda_endpoint = Some(endpoint);
        self
    }

    /// Registers a function in process under `name` (what a function ARN ends with:
    /// `arn:aws:lambda:<region>:<account>:function:<name>`): called with the event as AWS
    /// sends it, it answers as the function would (for a user-pool trigger, the event with its
    /// `response` filled) or fails with a [`FunctionError`](crate::FunctionError). It runs on
    /// its own task, within the Lambda timeout (5 seconds unless
    /// [`lambda_timeout`](Self::lambda_timeout) says otherwise); a panic fails it as an
    /// unhandled error.
    ///
    /// ```
    /// use cognito_sigv4_emulator::{Emulator, FunctionError};
    /// use serde_json::json;
    ///
    /// let builder = Emulator::builder().lambda_function("pre-sign-up", |mut event| async move {
    ///     let email = event["request"]["userAttributes"]["email"].as_str().unwrap_or_default();
    ///     if !email.ends_with("@example.com") {
    ///         return Err(FunctionError::new("only example.com addresses may sign up"));
    ///     }
    ///     event["response"]["autoConfirmUser"] = json!(true);
    ///     Ok(event)
    /// });
    /// ```
    pub fn lambda_function<F, Fut>(mut self, name: impl Into<String>, function: F) -> Self
    where
        F: Fn(serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::FunctionResult> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |event| Box::pin(function(event)));
        self.functions.insert(name.into(), handler);
        self
    }

    /// How long a function may take (default 5 seconds, Cognito's limit for a trigger): past
    /// it the caller gets AWS's answer for a function that timed out.
    pub fn lambda_timeout(mut self, timeout: Duration) -> Self {
        self.lambda_timeout = timeout;
        self
    }

    /// Builds the state and starts serving.
    ///
    /// # Errors
    /// [`ErrorKind::Seed`] when the seed contradicts itself, [`ErrorKind::Start`] when the
    /// address cannot be bound or the state directory cannot be read (naming the file).
    pub async fn start(self) -> Result<RunningEmulator, Error> {
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut closures = self.functions;
        for f in &self.seed.functions {
            // A seed's fixed-answer functions stand in for code the scenario does not run;
            // a closure registered under the same name wins.
            closures.entry(f.name.clone()).or_insert_with(|| {
                lambda::fixed_answer(serde_json::Value::Object(f.response.clone()))
            });
        }
        let functions = Functions::new(self.lambda_endpoint, closures, self.lambda_timeout);
        let mut state = Shared::state_from(&self.seed, self.fault_seed)?;
        let dir = self
            .state_dir
            .clone()
            .or_else(|| self.seed.state_dir.clone().map(PathBuf::from));
        let store = match dir {
            Some(dir) => {
                let store = StateDir::open(&dir)?;
                match store.load()? {
                    Some(mut kept) => {
                        // What the file does not keep comes from the seed and the builder.
                        kept.test_logins = std::mem::take(&mut state.test_logins);
                        kept.faults = std::mem::take(&mut state.faults);
                        state = kept;
                    }
                    None => store.save(&serialize(&state)?)?,
                }
                Some(Arc::new(store))
            }
            None => None,
        };
        let shared = Shared::new(
            state,
            clock,
            CallLog::new(self.call_log_capacity),
            self.seed,
            self.fault_seed,
        )
        .with_functions(functions);
        let cannot_listen = |e: std::io::Error| {
            Error::new(
                ErrorKind::Start,
                format!("emulator cannot listen on {}: {e}", self.bind),
            )
        };
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(cannot_listen)?;
        let addr = listener.local_addr().map_err(cannot_listen)?;
        // Bodies are read (up to API Gateway's 10 MB) by the router itself.
        let app = axum::Router::new()
            .fallback(dispatch)
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        let saver = store.clone().map(|store| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut saved = shared.generation();
                loop {
                    tokio::time::sleep(SAVE_DELAY).await;
                    let now = shared.generation();
                    if now != saved {
                        save(&shared, &store).await;
                        saved = now;
                    }
                }
            })
        });
        tracing::info!(%addr, "emulator listening");
        Ok(RunningEmulator {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
            store,
            saver,
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
    /// The state directory, and the task that writes it after changes.
    store: Option<Arc<StateDir>>,
    saver: Option<JoinHandle<()>>,
}

/// Writes the state to its directory: serialized under the lock, written off the async
/// workers. A failed write is logged and tried again at the next change.
async fn save(shared: &Shared, store: &Arc<StateDir>) {
    let serialized = serialize(&shared.lock());
    let store = store.clone();
    let written = match serialized {
        Ok(text) => tokio::task::spawn_blocking(move || store.save(&text))
            .await
            .unwrap_or_else(|e| Err(Error::new(ErrorKind::Start, e.to_string()))),
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, "emulator state not written");
    }
}

fn not_found(what: String) -> Error {
    Error::new(ErrorKind::NotFound, format!("the emulator has no {what}"))
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

    /// The services' clock: the one given to the builder, shifted by what `/_emulator/clock`
    /// set or advanced (nothing, unless a test used it).
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
    pub fn client_secret(&self, pool: &str, client: &str) -> Option<ClientSecret> {
        let st = self.shared.lock();
        let p = st.find_user_pool(pool)?;
        let c = p
            .clients
            .values()
            .find(|c| c.name == client || c.id == client)?;
        c.secret.clone().map(ClientSecret::new)
    }

    /// The id of the identity pool with this name (or id).
    pub fn identity_pool_id(&self, name: &str) -> Option<String> {
        self.shared
            .lock()
            .find_identity_pool(name)
            .map(|p| p.id.clone())
    }

    /// A `CognitoConfig` for signing in to `user_pool` (name or id) through app `client` (name
    /// or id) on this emulator: its region, the pool and client ids, the client's secret if it
    /// has one, the first seeded identity pool that trusts this user pool (if any), and every
    /// service's endpoint set to [`endpoint`](Self::endpoint).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for an unknown pool or client; [`ErrorKind::InvalidInput`] when
    /// a seeded id does not have AWS's form, so that no `CognitoConfig` can hold it.
    pub fn config(&self, user_pool: &str, client: &str) -> Result<CognitoConfig, Error> {
        let builder = {
            let st = self.shared.lock();
            let pool = st
                .find_user_pool(user_pool)
                .ok_or_else(|| not_found(format!("user pool `{user_pool}`")))?;
            let app = pool
                .clients
                .values()
                .find(|c| c.name == client || c.id == client)
                .ok_or_else(|| {
                    not_found(format!("app client `{client}` in user pool `{user_pool}`"))
                })?;
            let trusting = st.identity_pool_order.iter().find(|id| {
                st.identity_pools.get(*id).is_some_and(|ip| {
                    ip.user_pool_providers
                        .values()
                        .any(|up| up.user_pool_id == pool.id)
                })
            });
            let mut builder = self
                .endpoints(CognitoConfig::builder().region(st.region.clone()))
                .user_pool_id(pool.id.clone())
                .client_id(app.id.clone());
            if let Some(secret) = &app.secret {
                builder = builder.client_secret(ClientSecret::new(secret.clone()));
            }
            if let Some(id) = trusting {
                builder = builder.identity_pool_id(id.clone());
            }
            builder
        };
        builder.build().map_err(invalid_config)
    }

    /// A `CognitoConfig` for `identity_pool` (name or id) alone, as guests and federated
    /// identities use it: its region, the identity pool id, and every service's endpoint set
    /// to [`endpoint`](Self::endpoint).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for an unknown identity pool; [`ErrorKind::InvalidInput`] when
    /// its seeded id does not have AWS's form.
    pub fn identity_pool_config(&self, identity_pool: &str) -> Result<CognitoConfig, Error> {
        let builder = {
            let st = self.shared.lock();
            let pool = st
                .find_identity_pool(identity_pool)
                .ok_or_else(|| not_found(format!("identity pool `{identity_pool}`")))?;
            self.endpoints(CognitoConfig::builder().region(st.region.clone()))
                .identity_pool_id(pool.id.clone())
        };
        builder.build().map_err(invalid_config)
    }

    /// Points every service of `builder` at this emulator.
    fn endpoints(
        &self,
        builder: cognito_sigv4::config::CognitoConfigBuilder,
    ) -> cognito_sigv4::config::CognitoConfigBuilder {
        Service::ALL
            .into_iter()
            .fold(builder, |b, service| b.endpoint(service, self.endpoint()))
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
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] when the seed has no such issuer.
    pub fn mint_oidc_token(
        &self,
        issuer: &str,
        subject: &str,
        audience: &str,
        lifetime: Duration,
        extra: serde_json::Value,
    ) -> Result<Jwt, Error> {
        let now = epoch_secs(self.shared.now());
        let st = self.shared.lock();
        let iss = st
            .oidc_issuers
            .get(issuer)
            .ok_or_else(|| not_found(format!("OIDC issuer `{issuer}`")))?;
        let mut claims = serde_json::json!({
            "iss": iss.issuer, "sub": subject, "aud": audience, "azp": audience,
            "iat": now, "exp": now + lifetime.as_secs(),
        });
        if let (Some(obj), Some(more)) = (claims.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        Ok(Jwt::new(iss.key.mint(&claims)))
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
    ) -> Result<Jwt, Error> {
        let now = self.shared.now();
        let st = self.shared.lock();
        let claims =
            user_pool_id_token_claims(&st, pool, client, username, now).ok_or_else(|| {
                not_found(format!(
                    "user `{username}` / client `{client}` in pool `{pool}`"
                ))
            })?;
        let key = &st
            .find_user_pool(pool)
            .ok_or_else(|| not_found(format!("user pool `{pool}`")))?
            .key;
        Ok(Jwt::new(key.mint(&claims)))
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
        let subject = format!("{}:{}", st.region, random_uuid());
        let context = crate::policy::Context::from([(
            "cognito-identity.amazonaws.com:sub".to_owned(),
            vec![subject.clone()],
        )]);
        let (key_id, issued) =
            issue_credentials(&mut st, role_arn, &subject, (now, lifetime), context);
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
    ) -> Result<Jwt, Error> {
        let st = self.shared.lock();
        let pool = st
            .find_user_pool(pool)
            .ok_or_else(|| not_found(format!("user pool `{pool}`")))?;
        Ok(Jwt::new(pool.key.mint(&claims)))
    }

    /// Rotates user pool `pool`'s (name or id) signing keys (the ID-token key and the
    /// access-token key): tokens are signed from now on with fresh keys under new `kid`s,
    /// published first in the pool's JWKS; the replaced keys stay published (and their tokens
    /// keep working) until the next rotation, as Cognito keeps retired keys in its JWKS for a
    /// while. Returns the new ID-token key's `kid`.
    ///
    /// Fetches of the JWKS document are counted by [`calls`](Self::calls) as `jwks.json`.
    pub fn rotate_signing_key(&self, pool: &str) -> Result<String, Error> {
        let mut st = self.shared.lock();
        let id = st
            .find_user_pool(pool)
            .map(|p| p.id.clone())
            .ok_or_else(|| not_found(format!("user pool `{pool}`")))?;
        let key = &mut st
            .user_pools
            .get_mut(&id)
            .ok_or_else(|| not_found(format!("user pool `{pool}`")))?
            .key;
        Ok(key.rotate().to_owned())
    }

    /// Makes the next `times` calls of `operation` (an AWS operation name such as
    /// `InitiateAuth`, `GetCredentialsForIdentity`, `AssumeRoleWithWebIdentity`, or
    /// `execute-api` for every API Gateway request) meet `fault`.
    pub fn inject_fault(&self, operation: &str, fault: Fault, times: u32) {
        self.shared.lock().faults.inject(operation, fault, times);
    }

    /// Makes each call of `operation` (named as for [`inject_fault`](Self::inject_fault)) meet
    /// `fault` with probability `ratio` (0 to 1), until [`clear_faults`](Self::clear_faults):
    /// for soak tests. Faults injected by count are served first. Injecting the same fault for
    /// the operation again replaces its ratio (0 turns it off); different faults of one
    /// operation are drawn independently, in the order they were injected. The draws follow
    /// [`EmulatorBuilder::fault_seed`].
    pub fn inject_fault_rate(&self, operation: &str, fault: Fault, ratio: f64) {
        self.shared
            .lock()
            .faults
            .inject_rate(operation, fault, ratio);
    }

    /// Removes every pending fault, counted or by rate.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// How many calls of `operation` the emulator has received (faulted ones included), named
    /// as faults are injected: AWS's operation name (`InitiateAuth`, `GetId`...), `execute-api`
    /// for every API Gateway request, `$connect`, an OAuth endpoint (`oauth2/token`) or
    /// `jwks.json`. Counted on arrival, before any fault; never truncated (see
    /// [`call_log`](Self::call_log) for each call).
    pub fn calls(&self, operation: &str) -> u64 {
        self.shared.log().calls(operation)
    }

    /// Every call count, by the names [`calls`](Self::calls) takes.
    pub fn call_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared.log().call_counts()
    }

    /// Every call the log still holds, oldest first: one [`CallRecord`] per request served
    /// (its operation, detail, status, refusal and user agents; never a secret). The log keeps
    /// the last [`EmulatorBuilder::call_log_capacity`] records; a request whose caller hung up
    /// during a [`Fault::Latency`] was not served and is counted but not logged. The control
    /// surface (`/_emulator/`) is not logged.
    pub fn call_log(&self) -> Vec<CallRecord> {
        self.shared.log().query(&CallFilter::new())
    }

    /// The calls the log still holds that pass `filter`, oldest first.
    pub fn call_log_matching(&self, filter: &CallFilter) -> Vec<CallRecord> {
        self.shared.log().query(filter)
    }

    /// How much the log holds, how much it dropped, and the newest sequence number.
    pub fn call_log_stats(&self) -> CallLogStats {
        self.shared.log().stats()
    }

    /// The refusal counters since the last [`reset_calls`](Self::reset_calls): per
    /// [`RefusalReason`](crate::RefusalReason) and per operation. They never truncate, however
    /// many records the log has dropped.
    pub fn refusals(&self) -> RefusalCounts {
        self.shared.log().refusals()
    }

    /// Sets every call count and refusal counter back to zero and empties the call log
    /// (sequence numbers count on from where they were).
    pub fn reset_calls(&self) {
        self.shared.log().reset();
    }

    /// The SMS and e-mail codes the emulator has "sent" to `username` (in any pool; oldest
    /// first within a pool): Cognito's username or any name the user signs in with (an e-mail
    /// or phone alias, or the seed's `username` in a pool whose usernames are generated).
    /// Codes go to this outbox instead of a phone or a mailbox, so that tests can answer
    /// SMS_MFA and EMAIL_OTP. Each is a fresh 6-digit code, valid once, until its challenge
    /// session expires (3 minutes of the emulator's clock); the outbox forgets it an hour
    /// after that.
    pub fn sent_codes(&self, username: &str) -> Vec<SentCode> {
        self.shared
            .lock()
            .user_pools
            .values()
            .flat_map(|p| {
                let user = p.find_user(username).map(|u| u.username.as_str());
                p.outbox
                    .iter()
                    .filter(move |e| Some(e.username.as_str()) == user)
            })
            .map(|e| e.sent.clone())
            .collect()
    }

    /// The last SMS or e-mail code sent to `username`, if any (see
    /// [`sent_codes`](Self::sent_codes)).
    pub fn last_code(&self, username: &str) -> Option<SentCode> {
        self.sent_codes(username).pop()
    }

    /// How much of what it issued the emulator holds now: credentials, refresh tokens,
    /// challenge sessions, SRP exchanges, revoked sign-ins and sent codes. Expired records are
    /// forgotten an hour (of the emulator's clock) after they expire, checked at most once a
    /// minute on a request, so that a long run stays bounded.
    pub fn issued_state(&self) -> IssuedState {
        self.shared.lock().issued_state()
    }

    /// How the state's lock has been held since the start: the services compute SRP and RSA
    /// signatures outside it, so that one call's arithmetic does not hold up the others.
    pub fn lock_stats(&self) -> crate::LockStats {
        self.shared.lock_stats()
    }

    /// Stops the server, waits for it, and writes the state directory a last time.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
        if let Some(store) = &self.store {
            save(&self.shared, store).await;
        }
    }
}

/// The SDK refused the ids as a configuration: only a seed with ids of the wrong form does that.
fn invalid_config(e: cognito_sigv4::Error) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "the emulator's ids make no valid CognitoConfig: {}",
            e.message()
        ),
    )
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(saver) = self.saver.take() {
            saver.abort();
            // Dropped without `shutdown`: the last changes are written here, synchronously.
            if let Some(store) = &self.store
                && let Ok(text) = serialize(&self.shared.lock())
                && let Err(e) = store.save(&text)
            {
                tracing::warn!(error = %e, "emulator state not written");
            }
        }
    }
}
