//! Sign in with Google straight at the identity pool (no user pool), then call the
//! IAM-authorized API: `/google` answers 200 (the pool's authenticated role may invoke it),
//! `/cip` 403 (it may not).
//!
//! ```text
//! cargo run --example google
//! ```
//!
//! By default this starts the emulator in process with the reference scenario
//! (`Seed::reference()`), whose Google-like issuer mints the ID tokens. To run against AWS, set
//! `GOOGLE_ID_TOKEN` to a Google ID token for a client id your identity pool trusts,
//! `COGNITO_REGION` and `COGNITO_IDENTITY_POOL_ID` (see `CognitoConfig::from_env`), and
//! `COGNITO_API_URL` (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`).

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::{FederatedCredentials, TokenSource, token_fn};
use cognito_sigv4::identity_pool::LoginProvider;
use cognito_sigv4::secret::Jwt;
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const GOOGLE_CLIENT_ID: &str = "quickstart.apps.googleusercontent.com";

/// Where to exchange the token and what to call.
pub struct Target {
    config: CognitoConfig,
    google: Arc<dyn TokenSource>,
    api_url: String,
    /// Kept alive for the run when emulating.
    emulator: Option<Arc<RunningEmulator>>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

impl Target {
    /// AWS when `GOOGLE_ID_TOKEN` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        match std::env::var("GOOGLE_ID_TOKEN") {
            Ok(token) => Target::from_env(token),
            Err(_) => Target::emulated().await,
        }
    }

    /// AWS, from the `COGNITO_*` variables, with this Google ID token.
    pub fn from_env(google_id_token: String) -> Result<Target, Box<dyn Error>> {
        // A real app would ask its Google sign-in library for a fresh token each time.
        Ok(Target {
            config: CognitoConfig::from_env()?,
            google: Arc::new(Jwt::new(google_id_token)),
            api_url: env("COGNITO_API_URL")?,
            emulator: None,
        })
    }

    /// An emulator of its own, with the reference scenario.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let emulator = Arc::new(Emulator::builder().seed(Seed::reference()).start().await?);
        let config = emulator.identity_pool_config("quickstart")?;
        let api_url = emulator
            .api_url("reference", "prod")
            .ok_or("no API `reference`")?
            .to_string();
        // The emulator's Google-like issuer stands in for Google Sign-In: a fresh ID token each
        // time the credentials are renewed.
        let minter = emulator.clone();
        let google = token_fn(move || {
            std::future::ready(
                minter
                    .mint_oidc_token(
                        GOOGLE_ISSUER,
                        "google-user-0001",
                        GOOGLE_CLIENT_ID,
                        Duration::from_secs(3600),
                        serde_json::json!({ "email": "gina@example.com" }),
                    )
                    .map_err(Into::into),
            )
        });
        Ok(Target {
            config,
            google: Arc::new(google),
            api_url,
            emulator: Some(emulator),
        })
    }
}

/// What the example shows.
#[derive(Debug)]
pub struct Outcome {
    /// The emulator's endpoint, when emulating.
    pub emulator: Option<url::Url>,
    /// The identity pool's identity id of the Google user.
    pub identity_id: String,
    /// When the AWS credentials expire.
    pub credentials_expire_at: Option<SystemTime>,
    /// `(path, HTTP status, body)` of each call, in order.
    pub responses: Vec<(String, u16, String)>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint} (no AWS account)")?;
        }
        writeln!(f, "identity id: {}", self.identity_id)?;
        if let Some(expiry) = self.credentials_expire_at {
            let expiry: chrono::DateTime<chrono::Utc> = expiry.into();
            writeln!(f, "credentials expire at {}", expiry.to_rfc3339())?;
        }
        for (path, status, text) in &self.responses {
            writeln!(f, "GET {path:<8} -> {status} {text}")?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run(Target::from_env_or_emulator().await?).await?);
    Ok(())
}

/// Exchanges the Google token for credentials, calls `/google` and `/cip`, and signs out.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    let credentials = FederatedCredentials::builder(target.config.clone())
        .login(LoginProvider::Google, target.google.clone())
        .build()?;
    let creds = credentials.credentials().await?;
    let identity_id = credentials.identity_id().await?;

    let api = ApiClient::builder(target.api_url.as_str())
        .region(target.config.region())
        .credentials_provider(credentials.clone())
        .build()?;
    let mut responses = Vec::new();
    for path in ["/google", "/cip"] {
        let response = api.request(http::Method::GET, path).send().await?;
        responses.push((path.to_owned(), response.status().as_u16(), response.text()));
    }
    credentials.sign_out();
    Ok(Outcome {
        emulator: target.emulator.as_deref().map(RunningEmulator::endpoint),
        identity_id,
        credentials_expire_at: creds.expiry(),
        responses,
    })
}
