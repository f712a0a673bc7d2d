//! A guest (unauthenticated identity) who later signs in with Google and keeps the same
//! identity id, now authenticated:
//!
//! ```text
//! cargo run --example guest
//! ```
//!
//! 1. As a guest: the identity id, and the guest role's access (`/google` 403).
//! 2. Signed in with Google: the same identity id, now with the authenticated role
//!    (`/google` 200).
//! 3. Signed out: the next person on the device starts as a new guest identity.
//!
//! By default this starts the emulator in process from `examples/emulator-seed.toml`. To run
//! against AWS, set `COGNITO_REGION`, `COGNITO_IDENTITY_POOL_ID` (a pool that allows guests),
//! `COGNITO_API_URL` and `GOOGLE_ID_TOKEN` (a Google ID token the pool trusts).

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::config::Service;
use cognito_sigv4::federation::{FederatedCredentials, LoginTokenSource, token_fn};
use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider};
use cognito_sigv4::mock::{Emulator, RunningEmulator, Seed};
use cognito_sigv4::secret::Jwt;

const SEED: &str = include_str!("emulator-seed.toml");
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const GOOGLE_CLIENT_ID: &str = "quickstart.apps.googleusercontent.com";

struct Target {
    config: CognitoConfig,
    google: Arc<dyn LoginTokenSource>,
    api_url: String,
    _emulator: Option<Arc<RunningEmulator>>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

async fn target() -> Result<Target, Box<dyn Error>> {
    if std::env::var_os("COGNITO_IDENTITY_POOL_ID").is_some() {
        return Ok(Target {
            config: CognitoConfig::from_env()?,
            google: Arc::new(Jwt::new(env("GOOGLE_ID_TOKEN")?)),
            api_url: env("COGNITO_API_URL")?,
            _emulator: None,
        });
    }
    let emulator = Arc::new(
        Emulator::builder()
            .seed(Seed::from_toml_str(SEED)?)
            .start()
            .await?,
    );
    println!("emulator at {} (no AWS account)\n", emulator.endpoint());
    let endpoint = emulator.endpoint();
    let config = CognitoConfig::builder()
        .region(emulator.region())
        .identity_pool_id(
            emulator
                .identity_pool_id("quickstart")
                .ok_or("no identity pool")?,
        )
        .endpoint(Service::CognitoIdentity, endpoint.clone())
        .endpoint(Service::Sts, endpoint)
        .build()?;
    let api_url = emulator
        .api_url("reference", "prod")
        .ok_or("no API `reference`")?
        .to_string();
    let minter = emulator.clone();
    let google = token_fn(move || {
        std::future::ready(minter.mint_oidc_token(
            GOOGLE_ISSUER,
            "google-user-0002",
            GOOGLE_CLIENT_ID,
            Duration::from_secs(3600),
            serde_json::json!({ "email": "guido@example.com" }),
        ))
    });
    Ok(Target {
        config,
        google: Arc::new(google),
        api_url,
        _emulator: Some(emulator),
    })
}

async fn show(
    label: &str,
    credentials: &FederatedCredentials,
    api: &ApiClient,
) -> Result<(), Box<dyn Error>> {
    let identity_id = credentials.identity_id().await?;
    let status = api
        .request(http::Method::GET, "/google")
        .send()
        .await?
        .status();
    println!(
        "{label:<28} identity {identity_id}  GET /google -> {}",
        status.as_u16()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
    // No logins: a guest of the identity pool.
    let credentials = FederatedCredentials::guest(IdentityPoolClient::new(&target.config)?);
    let api = ApiClient::builder(target.api_url.as_str())
        .region(target.config.region())
        .credentials_provider(credentials.clone())
        .build()?;
    show("guest", &credentials, &api).await?;
    let guest_id = credentials.identity_id().await?;

    // The guest signs in: the guest identity is handed over with the Google login.
    credentials.sign_in([(LoginProvider::Google, target.google.clone())]);
    show("signed in with Google", &credentials, &api).await?;
    let same = credentials.identity_id().await? == guest_id;
    println!("same identity id as the guest: {same}");

    // Signing out forgets the identity: the next person is a new guest.
    credentials.sign_out();
    show("next person (guest)", &credentials, &api).await?;
    Ok(())
}
