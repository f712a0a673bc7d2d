//! The whole flow on the local emulator, no AWS account needed:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! 1. Starts the emulator seeded with the reference scenario (`Seed::reference()`):
//!    `/google` (IAM, Google-federated identities), `/cip` (IAM, user-pool users whose group
//!    maps to a role) and `/cup` (Cognito user-pool authorizer).
//! 2. Signs in three identities — a Google user, `jdoe` and `alice` — and calls each resource,
//!    printing identity × resource → HTTP status.
//! 3. Runs a session with short token and credential lifetimes on a manual clock, showing the
//!    tokens and credentials being refreshed while signed calls go on.
//!
//! `tests/examples.rs` runs it and checks the table (and that README.md shows the same one).

use std::fmt;
use std::time::{Duration, SystemTime};

use cognito_sigv4::client::{ApiClient, ApiClientBuilder, AuthMode};
use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use cognito_sigv4::secret::Password;
use cognito_sigv4::{Clock, CognitoConfig, ManualClock, Result, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use http::Method;

const PASSWORD: &str = "Quickstart-Passw0rd!";
const GOOGLE_CLIENT_ID: &str = "quickstart.apps.googleusercontent.com";
const RESOURCES: [&str; 3] = ["/google", "/cip", "/cup"];

/// What the quickstart shows.
#[derive(Debug)]
pub struct Outcome {
    /// Where the emulator listened.
    pub endpoint: url::Url,
    /// One row per identity: the status of each of [`RESOURCES`].
    pub table: Vec<Row>,
    /// The refreshing session.
    pub demo: Demo,
}

/// An identity and the HTTP status of each resource it called.
#[derive(Debug)]
pub struct Row {
    /// Who called.
    pub identity: String,
    /// The statuses of `/google`, `/cip` and `/cup`.
    pub statuses: [u16; 3],
}

impl Row {
    /// The table's header line.
    pub fn header() -> String {
        format!(
            "{:<34}{:>9}{:>7}{:>7}",
            "identity", RESOURCES[0], RESOURCES[1], RESOURCES[2]
        )
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [google, cip, cup] = self.statuses;
        write!(f, "{:<34}{google:>9}{cip:>7}{cup:>7}", self.identity)
    }
}

/// The refreshing session: one step every two simulated minutes.
#[derive(Debug)]
pub struct Demo {
    /// The calls and the time left on the tokens and credentials, step by step.
    pub steps: Vec<Step>,
    /// Token refreshes (InitiateAuth REFRESH_TOKEN_AUTH).
    pub token_refreshes: u64,
    /// Credential exchanges (GetCredentialsForIdentity).
    pub credential_exchanges: u64,
    /// Simulated minutes in all.
    pub minutes: u64,
    /// Calls that did not succeed.
    pub failures: usize,
}

/// One step of the [`Demo`].
#[derive(Debug)]
pub struct Step {
    /// Simulated minutes since the start.
    pub minute: u64,
    /// The status of `/cip` (IAM).
    pub cip: u16,
    /// The status of `/cup` (Cognito authorizer).
    pub cup: u16,
    /// How long the session's tokens are still valid.
    pub tokens_left: Option<Duration>,
    /// How long the session's credentials are still valid.
    pub credentials_left: Option<Duration>,
}

fn left(d: Option<Duration>) -> String {
    d.map(|d| format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60))
        .unwrap_or_else(|| "-".into())
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "cognito-sigv4 quickstart: emulator at {} (no AWS account)\n",
            self.endpoint
        )?;
        writeln!(f, "{}", Row::header())?;
        for row in &self.table {
            writeln!(f, "{row}")?;
        }
        write!(f, "{}", self.demo)
    }
}

impl fmt::Display for Demo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\nA session with 5-minute tokens and 15-minute credentials, the clock moving 2 minutes a step:"
        )?;
        writeln!(
            f,
            "{:>6}{:>7}{:>7}{:>20}{:>25}",
            "t", "/cip", "/cup", "tokens expire in", "credentials expire in"
        )?;
        for s in &self.steps {
            writeln!(
                f,
                "{:>5}m{:>7}{:>7}{:>20}{:>25}",
                s.minute,
                s.cip,
                s.cup,
                left(s.tokens_left),
                left(s.credentials_left),
            )?;
        }
        writeln!(
            f,
            "\n{} token refreshes (InitiateAuth REFRESH_TOKEN_AUTH) and {} credential exchanges \
             (GetCredentialsForIdentity) over {} simulated minutes; {} failed calls.",
            self.token_refreshes, self.credential_exchanges, self.minutes, self.failures,
        )
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    print!("{}", run().await?);
    Ok(())
}

/// Runs the quickstart on an emulator of its own.
pub async fn run() -> Result<Outcome> {
    let emulator = Emulator::builder().seed(Seed::reference()).start().await?;
    // The app's configuration, pointed at the emulator: the reference user pool, its `web`
    // app client and the identity pool that trusts it.
    let config = emulator.config("quickstart", "web")?;
    let mut table = Vec::new();

    // A Google-federated identity: the Google ID token goes straight to the identity pool.
    let google_token = emulator.mint_oidc_token(
        "https://accounts.google.com",
        "google-user-0001",
        GOOGLE_CLIENT_ID,
        Duration::from_secs(3600),
        serde_json::json!({ "email": "gina@example.com" }),
    )?;
    let identity_pool = IdentityPoolClient::new(&config)?;
    let logins = Logins::new().with(&LoginProvider::Google, google_token);
    let (_, google_credentials) = identity_pool.credentials_for(None, &logins, None).await?;
    // No user-pool token for this identity: /cup is called without one.
    let api = api_client(&emulator)
        .credentials_provider(google_credentials)
        .route(Some(Method::GET), "/cup", AuthMode::None)
        .build()?;
    table.push(row("google (accounts.google.com)", &api).await?);

    // User-pool users: sign in (SRP), exchange the ID token, sign IAM routes and send the ID
    // token to the Cognito-authorized route — all through one refreshing session.
    for (user, label) in [
        ("jdoe", "jdoe (group cip-users)"),
        ("alice", "alice (group cup-users)"),
    ] {
        let session = sign_in(&config, emulator.clock(), user).await?;
        let api = api_client(&emulator)
            .session(&session)
            .route(Some(Method::GET), "/cup", AuthMode::id_token())
            .build()?;
        table.push(row(label, &api).await?);
    }
    let endpoint = emulator.endpoint();
    emulator.shutdown().await;

    Ok(Outcome {
        endpoint,
        table,
        demo: refreshing_session_demo().await?,
    })
}

/// The part of the flow that usually goes unseen: tokens valid for 5 minutes and credentials
/// for 15, on a clock the demo moves forward two minutes at a time.
async fn refreshing_session_demo() -> Result<Demo> {
    let mut seed = Seed::reference();
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.id_token_validity_secs = 300;
            client.access_token_validity_secs = 300;
        }
    }
    seed.credential_lifetime_secs = Some(900);
    let clock = ManualClock::at_epoch_secs(1_767_600_000);
    let emulator = Emulator::builder()
        .seed(seed)
        .clock(clock.clone())
        .start()
        .await?;
    let config = emulator.config("quickstart", "web")?;
    let session = sign_in(&config, clock.clone(), "jdoe").await?;
    let api = api_client(&emulator)
        .clock(clock.clone())
        .session(&session)
        .route(Some(Method::GET), "/cup", AuthMode::id_token())
        .build()?;

    let start = clock.now();
    let mut steps = Vec::new();
    let mut failures = 0;
    for _ in 0..16 {
        let cip = api.request(Method::GET, "/cip").send().await?.status();
        let cup = api.request(Method::GET, "/cup").send().await?.status();
        failures += usize::from(!cip.is_success()) + usize::from(!cup.is_success());
        let now = clock.now();
        let until = |t: Option<SystemTime>| t.and_then(|t| t.duration_since(now).ok());
        steps.push(Step {
            minute: now.duration_since(start).unwrap_or_default().as_secs() / 60,
            cip: cip.as_u16(),
            cup: cup.as_u16(),
            tokens_left: until(session.tokens_expire_at()),
            credentials_left: until(session.credentials_expire_at()),
        });
        clock.advance(Duration::from_secs(120));
    }
    let demo = Demo {
        steps,
        // The first InitiateAuth is the sign-in.
        token_refreshes: emulator.calls("InitiateAuth").saturating_sub(1),
        credential_exchanges: emulator.calls("GetCredentialsForIdentity"),
        minutes: clock
            .now()
            .duration_since(start)
            .unwrap_or_default()
            .as_secs()
            / 60,
        failures,
    };
    emulator.shutdown().await;
    Ok(demo)
}

/// The API as a real app would address it, `https://<api>.execute-api.<region>.amazonaws.com/prod`
/// (plain http here), connected to the emulator's address.
fn api_client(emulator: &RunningEmulator) -> ApiClientBuilder {
    let host = emulator.api_host("reference").unwrap_or_default();
    ApiClient::builder(format!("http://{host}/prod")).connect_to(emulator.addr())
}

async fn sign_in(
    config: &CognitoConfig,
    clock: impl Clock + 'static,
    user: &str,
) -> Result<Session> {
    match Session::builder(config.clone())
        .clock(clock)
        .refresh_margin(Duration::from_secs(60))
        .sign_in(user, &Password::new(PASSWORD))
        .await?
    {
        SignInOutcome::Done(session) => Ok(session),
        SignInOutcome::Challenge(pending) => Err(cognito_sigv4::Error::new(
            cognito_sigv4::ErrorKind::UnknownChallenge,
            format!("unexpected challenge {}", pending.challenge().name()),
        )),
    }
}

/// Calls each of [`RESOURCES`] as `identity`.
async fn row(identity: &str, api: &ApiClient) -> Result<Row> {
    let mut statuses = [0; 3];
    for (status, resource) in statuses.iter_mut().zip(RESOURCES) {
        *status = api
            .request(Method::GET, resource)
            .send()
            .await?
            .status()
            .as_u16();
    }
    Ok(Row {
        identity: identity.to_owned(),
        statuses,
    })
}
