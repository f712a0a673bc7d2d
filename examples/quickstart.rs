//! The whole flow on the local emulator, no AWS account needed:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! 1. Starts the emulator seeded with the reference scenario (`examples/emulator-seed.toml`):
//!    `/google` (IAM, Google-federated identities), `/cip` (IAM, user-pool users whose group
//!    maps to a role) and `/cup` (Cognito user-pool authorizer).
//! 2. Signs in three identities — a Google user, `jdoe` and `alice` — and calls each resource,
//!    printing identity × resource → HTTP status.
//! 3. Runs a session with short token and credential lifetimes on a manual clock, showing the
//!    tokens and credentials being refreshed while signed calls go on.

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::config::Service;
use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use cognito_sigv4::mock::{Emulator, RunningEmulator, Seed};
use cognito_sigv4::secret::Password;
use cognito_sigv4::session::{Session, SignInOutcome};
use cognito_sigv4::time::{Clock, ManualClock, SharedClock};
use cognito_sigv4::{CognitoConfig, Result};
use http::Method;
use std::sync::Arc;
use std::time::Duration;

const SEED: &str = include_str!("emulator-seed.toml");
const PASSWORD: &str = "Quickstart-Passw0rd!";
const GOOGLE_CLIENT_ID: &str = "quickstart.apps.googleusercontent.com";
const RESOURCES: [&str; 3] = ["/google", "/cip", "/cup"];

#[tokio::main]
async fn main() -> Result<()> {
    let seed = Seed::from_toml_str(SEED)?;
    let emulator = Emulator::builder().seed(seed.clone()).start().await?;
    println!(
        "cognito-sigv4 quickstart: emulator at {} (no AWS account)\n",
        emulator.endpoint()
    );

    let config = config_for(&emulator)?;
    println!(
        "{:<34}{:>9}{:>7}{:>7}",
        "identity", RESOURCES[0], RESOURCES[1], RESOURCES[2]
    );

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
    let api = api_client(&emulator)?
        .credentials_provider(google_credentials)
        .route(Some(Method::GET), "/cup", AuthMode::None)
        .build()?;
    print_row("google (accounts.google.com)", &api).await?;

    // User-pool users: sign in (SRP), exchange the ID token, sign IAM routes and send the ID
    // token to the Cognito-authorized route — all through one refreshing session.
    for (user, label) in [
        ("jdoe", "jdoe (group cip-users)"),
        ("alice", "alice (group cup-users)"),
    ] {
        let session = sign_in(&config, emulator.clock(), user).await?;
        let api = api_client(&emulator)?
            .credentials_provider(session.clone())
            .token_source(Arc::new(session.clone()))
            .route(Some(Method::GET), "/cup", AuthMode::id_token())
            .build()?;
        print_row(label, &api).await?;
    }
    emulator.shutdown().await;

    refreshing_session_demo(seed).await
}

/// The part of the flow that usually goes unseen: tokens valid for 5 minutes and credentials
/// for 15, on a clock the demo moves forward two minutes at a time.
async fn refreshing_session_demo(mut seed: Seed) -> Result<()> {
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.id_token_validity_secs = 300;
            client.access_token_validity_secs = 300;
        }
    }
    seed.credential_lifetime_secs = Some(900);
    let clock = ManualClock::at_epoch_secs(1_767_600_000);
    let shared: SharedClock = Arc::new(clock.clone());
    let emulator = Emulator::builder()
        .seed(seed)
        .clock(shared.clone())
        .start()
        .await?;
    let config = config_for(&emulator)?;
    let session = sign_in(&config, shared.clone(), "jdoe").await?;
    let api = api_client(&emulator)?
        .clock(shared.clone())
        .credentials_provider(session.clone())
        .token_source(Arc::new(session.clone()))
        .route(Some(Method::GET), "/cup", AuthMode::id_token())
        .build()?;

    println!(
        "\nA session with 5-minute tokens and 15-minute credentials, the clock moving 2 minutes a step:"
    );
    println!(
        "{:>6}{:>7}{:>7}{:>20}{:>25}",
        "t", "/cip", "/cup", "tokens expire in", "credentials expire in"
    );
    let start = clock.now();
    let mut failures = 0;
    for _ in 0..16 {
        let cip = api.request(Method::GET, "/cip").send().await?.status();
        let cup = api.request(Method::GET, "/cup").send().await?.status();
        failures += usize::from(!cip.is_success()) + usize::from(!cup.is_success());
        let now = clock.now();
        let left = |t: Option<std::time::SystemTime>| {
            t.and_then(|t| t.duration_since(now).ok())
                .map(|d| format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60))
                .unwrap_or_else(|| "-".into())
        };
        let elapsed = now.duration_since(start).unwrap_or_default().as_secs();
        println!(
            "{:>5}m{:>7}{:>7}{:>20}{:>25}",
            elapsed / 60,
            cip.as_u16(),
            cup.as_u16(),
            left(session.tokens_expire_at()),
            left(session.credentials_expire_at()),
        );
        clock.advance(Duration::from_secs(120));
    }
    println!(
        "\n{} token refreshes (InitiateAuth REFRESH_TOKEN_AUTH) and {} credential exchanges \
         (GetCredentialsForIdentity) over {} simulated minutes; {failures} failed calls.",
        emulator.calls("InitiateAuth").saturating_sub(1),
        emulator.calls("GetCredentialsForIdentity"),
        clock
            .now()
            .duration_since(start)
            .unwrap_or_default()
            .as_secs()
            / 60,
    );
    emulator.shutdown().await;
    Ok(())
}

/// The app's configuration, pointed at the emulator.
fn config_for(emulator: &RunningEmulator) -> Result<CognitoConfig> {
    let endpoint = emulator.endpoint();
    CognitoConfig::builder()
        .region(emulator.region())
        .user_pool_id(emulator.user_pool_id("quickstart").unwrap_or_default())
        .client_id(emulator.client_id("quickstart", "web").unwrap_or_default())
        .identity_pool_id(emulator.identity_pool_id("quickstart").unwrap_or_default())
        .endpoint(Service::CognitoIdp, endpoint.clone())
        .endpoint(Service::CognitoIdentity, endpoint.clone())
        .endpoint(Service::Sts, endpoint)
        .build()
}

/// The API as a real app would address it, `https://<api>.execute-api.<region>.amazonaws.com/prod`
/// (plain http here), connected to the emulator's address.
fn api_client(emulator: &RunningEmulator) -> Result<cognito_sigv4::client::ApiClientBuilder> {
    let host = emulator.api_host("reference").unwrap_or_default();
    Ok(ApiClient::builder(format!("http://{host}/prod")).connect_to(emulator.addr()))
}

async fn sign_in(config: &CognitoConfig, clock: SharedClock, user: &str) -> Result<Session> {
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

async fn print_row(label: &str, api: &ApiClient) -> Result<()> {
    let mut statuses = Vec::new();
    for resource in RESOURCES {
        statuses.push(
            api.request(Method::GET, resource)
                .send()
                .await?
                .status()
                .as_u16(),
        );
    }
    println!(
        "{label:<34}{:>9}{:>7}{:>7}",
        statuses[0], statuses[1], statuses[2]
    );
    Ok(())
}
