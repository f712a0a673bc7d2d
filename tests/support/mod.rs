//! Fixtures shared by the SDK's tests: the emulator on a manual clock (by default with the
//! reference scenario, `Seed::reference()`), sign-in helpers, and in [`peers`] the third-party
//! servers and scripts of the interop tests.
//!
//! Each test file says `mod support;` and uses a part of it.
#![allow(dead_code)] // each test file uses a part

pub mod faulty_store;
pub mod peers;
pub mod proxy;

use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use cognito_sigv4::credentials::{Session, SessionBuilder, SignInOutcome};
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{Challenge, SignInStep, Tokens, UserPoolClient};
use cognito_sigv4::{Clock, CognitoConfig, ManualClock, SystemClock};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

/// The reference scenario's user pool, and its app client (whose access tokens carry the
/// scope `api/read`); the pool's users are trusted by the identity pool `quickstart`.
pub const POOL: &str = "quickstart";
/// The reference scenario's app client of [`POOL`].
pub const CLIENT: &str = "web";
/// The password of the reference scenario's users (`jdoe`, `alice`).
pub const PASSWORD: &str = "Quickstart-Passw0rd!";

/// A running emulator and the manual clock it runs on. Derefs to the [`RunningEmulator`].
#[derive(Debug)]
pub struct TestEmulator {
    /// The emulator.
    pub emulator: RunningEmulator,
    /// The emulator's clock: near the real time when started, and moved only by the test. Give
    /// a clone to the clients under test so that they agree with the emulator.
    pub clock: ManualClock,
}

impl TestEmulator {
    /// The emulator with the reference scenario.
    pub async fn start() -> TestEmulator {
        TestEmulator::with_seed(Seed::reference()).await
    }

    /// The emulator with `seed`, on a manual clock started at the real time (to the second,
    /// as tokens state their expiry), so that the AWS SDKs' own clocks (request signing,
    /// response checks) agree with the emulator's.
    pub async fn with_seed(seed: Seed) -> TestEmulator {
        let now = SystemClock.now().duration_since(UNIX_EPOCH);
        let clock = ManualClock::at_epoch_secs(now.expect("after 1970").as_secs());
        let emulator = Emulator::builder()
            .seed(seed)
            .clock(clock.clone())
            .start()
            .await
            .expect("the emulator starts");
        TestEmulator { emulator, clock }
    }

    /// The reference user pool's config ([`POOL`], [`CLIENT`]), with its identity pool and
    /// every endpoint at the emulator.
    pub fn config(&self) -> CognitoConfig {
        self.config_of(POOL, CLIENT)
    }

    /// The config of user pool `pool` and app client `client` (names or ids), with the
    /// client's secret, if it has one, and the identity pool that trusts the user pool, if any.
    pub fn config_of(&self, pool: &str, client: &str) -> CognitoConfig {
        self.emulator
            .config(pool, client)
            .unwrap_or_else(|e| panic!("config of {pool}/{client}: {e}"))
    }

    /// A client of user pool `pool` and app client `client` (names or ids), on the emulator's
    /// clock.
    pub fn user_pool_client(&self, pool: &str, client: &str) -> UserPoolClient {
        UserPoolClient::builder(&self.config_of(pool, client))
            .clock(self.clock.clone())
            .build()
            .expect("user pool client")
    }

    /// An aws-sdk cognito-idp client of the emulator, for calls the crate makes differently or
    /// not at all (a request shaped by hand, another implementation's values).
    pub fn idp_sdk(&self) -> aws_sdk_cognitoidentityprovider::Client {
        use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
        aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .endpoint_url(self.emulator.endpoint().as_str())
                .build(),
        )
    }

    /// Stops the emulator and waits for it.
    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }
}

impl Deref for TestEmulator {
    type Target = RunningEmulator;

    fn deref(&self) -> &RunningEmulator {
        &self.emulator
    }
}

/// A device clock: the service's (manual) clock plus an offset the test changes — a wrong
/// clock, or one that jumps mid-run (an NTP step, a resumed laptop).
#[derive(Debug, Clone)]
pub struct DeviceClock {
    service: ManualClock,
    offset_secs: Arc<std::sync::atomic::AtomicI64>,
}

impl DeviceClock {
    /// `service`'s time shifted by `offset_secs` (negative: behind).
    pub fn new(service: &ManualClock, offset_secs: i64) -> Self {
        Self {
            service: service.clone(),
            offset_secs: Arc::new(std::sync::atomic::AtomicI64::new(offset_secs)),
        }
    }

    /// Moves the device clock to `offset_secs` from the service's.
    pub fn set_offset(&self, offset_secs: i64) {
        self.offset_secs
            .store(offset_secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for DeviceClock {
    fn now(&self) -> std::time::SystemTime {
        let t = self.service.now();
        let off = self.offset_secs.load(std::sync::atomic::Ordering::SeqCst);
        let by = std::time::Duration::from_secs(off.unsigned_abs());
        if off >= 0 { t + by } else { t - by }
    }

    /// Time passes on the device as on the service; an offset changed is a step, not time.
    fn monotonic(&self) -> std::time::Duration {
        self.service.monotonic()
    }
}

/// The reference scenario with 5-minute tokens and 15-minute credentials: lifetimes short
/// enough for a test to move its clock through several generations.
pub fn short_lived_seed() -> Seed {
    let mut seed = Seed::reference();
    seed.credential_lifetime_secs = Some(900);
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.id_token_validity_secs = 300;
            client.access_token_validity_secs = 300;
        }
    }
    seed
}

/// Signs `username` in with [`PASSWORD`] through `builder`, expecting no challenge.
pub async fn signed_in(builder: SessionBuilder, username: &str) -> Session {
    match builder
        .sign_in(username, &Password::new(PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("{username} signs in: {e}"))
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(pending) => {
            panic!(
                "{username}: unexpected challenge {}",
                pending.challenge().name()
            )
        }
    }
}

/// The tokens of a finished sign-in; panics on a challenge.
pub fn done(step: SignInStep) -> Tokens {
    match step {
        SignInStep::Done(tokens) => tokens,
        SignInStep::Challenge(ch) => panic!("expected tokens, got challenge {ch:?}"),
    }
}

/// The challenge of an unfinished sign-in; panics on tokens.
pub fn challenge(step: SignInStep) -> Challenge {
    match step {
        SignInStep::Challenge(ch) => ch,
        SignInStep::Done(tokens) => panic!("expected a challenge, got tokens {tokens:?}"),
    }
}

/// Everything written by the global subscriber [`capture_all_logs`] installed.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// The logs so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs, for the whole test binary, a `tracing` subscriber at TRACE for every target (this
/// crate's, the emulator's, the AWS SDK's, hyper's, reqwest's...) and for `log` records,
/// writing everything (span fields included) into the returned buffer.
///
/// Global, not thread-local: tracing caches each callsite's interest when it is first hit, so a
/// thread-local subscriber misses callsites other tests hit first. Call it once per test binary
/// (a second call panics), before anything logs.
pub fn capture_all_logs() -> CapturedLogs {
    use tracing_subscriber::util::SubscriberInitExt as _;
    let captured = CapturedLogs::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish()
        .try_init()
        .expect("only one subscriber per test binary");
    captured
}

/// The statuses of the reference API's `GET /google` and `GET /cip`, signed with `credentials`
/// at the emulator's time.
pub async fn google_and_cip_statuses(
    emu: &RunningEmulator,
    credentials: impl aws_credential_types::provider::ProvideCredentials + 'static,
) -> (u16, u16) {
    let api = cognito_sigv4::client::ApiClient::builder(format!(
        "http://{}/prod",
        emu.api_host("reference").expect("api")
    ))
    .connect_to(emu.addr())
    .clock(emu.clock())
    .credentials_provider(credentials)
    .build()
    .expect("api client");
    let mut out = [0u16; 2];
    for (i, path) in ["/google", "/cip"].into_iter().enumerate() {
        out[i] = api
            .request(http::Method::GET, path)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
    }
    (out[0], out[1])
}
