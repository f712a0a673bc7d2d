//! Sign in with Google straight at the identity pool (no user pool), then call the
//! IAM-authorized API: `/google` answers 200 (the pool's authenticated role may invoke it),
//! `/cip` 403 (it may not).
//!
//! ```text
//! cargo run --example google
//! ```
//!
//! By default this starts the emulator in process from `examples/emulator-seed.toml`, whose
//! Google-like issuer mints the ID tokens. To run against AWS, set `GOOGLE_ID_TOKEN` to a
//! Google ID token for a client id your identity pool trusts, `COGNITO_REGION` and
//! `COGNITO_IDENTITY_POOL_ID` (see `CognitoConfig::from_env`), and `COGNITO_API_URL`
//! (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`).

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

/// Where to exchange the token and what to call.
struct Target {
    config: CognitoConfig,
    google: Arc<dyn LoginTokenSource>,
    api_url: String,
    /// Kept alive for the run when emulating.
    _emulator: Option<Arc<RunningEmulator>>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

async fn target() -> Result<Target, Box<dyn Error>> {
    if let Ok(token) = std::env::var("GOOGLE_ID_TOKEN") {
        // A real app would ask its Google sign-in library for a fresh token here each time.
        return Ok(Target {
            config: CognitoConfig::from_env()?,
            google: Arc::new(Jwt::new(token)),
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
    println!("emulator at {} (no AWS account)", emulator.endpoint());
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
    // The emulator's Google-like issuer stands in for Google Sign-In: a fresh ID token each
    // time the credentials are renewed.
    let minter = emulator.clone();
    let google = token_fn(move || {
        std::future::ready(minter.mint_oidc_token(
            GOOGLE_ISSUER,
            "google-user-0001",
            GOOGLE_CLIENT_ID,
            Duration::from_secs(3600),
            serde_json::json!({ "email": "gina@example.com" }),
        ))
    });
    Ok(Target {
        config,
        google: Arc::new(google),
        api_url,
        _emulator: Some(emulator),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
    let credentials = FederatedCredentials::builder(IdentityPoolClient::new(&target.config)?)
        .login(LoginProvider::Google, target.google.clone())
        .build();
    let creds = credentials.credentials().await?;
    println!("identity id: {}", credentials.identity_id().await?);
    if let Some(expiry) = creds.expiry() {
        let expiry: chrono::DateTime<chrono::Utc> = expiry.into();
        println!("credentials expire at {}", expiry.to_rfc3339());
    }

    let api = ApiClient::builder(target.api_url.as_str())
        .region(target.config.region())
        .credentials_provider(credentials.clone())
        .build()?;
    for path in ["/google", "/cip"] {
        let response = api.request(http::Method::GET, path).send().await?;
        println!(
            "GET {path:<8} -> {} {}",
            response.status().as_u16(),
            response.text()
        );
    }
    credentials.sign_out();
    Ok(())
}
