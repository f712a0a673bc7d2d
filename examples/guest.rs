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
//! By default this starts the emulator in process with the reference scenario
//! (`Seed::reference()`). To run against AWS, set `COGNITO_REGION`, `COGNITO_IDENTITY_POOL_ID`
//! (a pool that allows guests), `COGNITO_API_URL` and `GOOGLE_ID_TOKEN` (a Google ID token the
//! pool trusts).

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::{FederatedCredentials, TokenSource, token_fn};
use cognito_sigv4::identity_pool::LoginProvider;
use cognito_sigv4::secret::Jwt;
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const GOOGLE_CLIENT_ID: &str = "quickstart.apps.googleusercontent.com";

/// Which identity pool, which Google sign-in, and what to call.
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
    /// AWS when `COGNITO_IDENTITY_POOL_ID` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        if std::env::var_os("COGNITO_IDENTITY_POOL_ID").is_some() {
            Target::from_env()
        } else {
            Target::emulated().await
        }
    }

    /// AWS, from the `COGNITO_*` variables and `GOOGLE_ID_TOKEN`.
    pub fn from_env() -> Result<Target, Box<dyn Error>> {
        Ok(Target {
            config: CognitoConfig::from_env()?,
            google: Arc::new(Jwt::new(env("GOOGLE_ID_TOKEN")?)),
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
        let minter = emulator.clone();
        let google = token_fn(move || {
            std::future::ready(
                minter
                    .mint_oidc_token(
                        GOOGLE_ISSUER,
                        "google-user-0002",
                        GOOGLE_CLIENT_ID,
                        Duration::from_secs(3600),
                        serde_json::json!({ "email": "guido@example.com" }),
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
    /// As a guest.
    pub guest: Visit,
    /// After signing in with Google.
    pub signed_in: Visit,
    /// After signing out: the next person on the device.
    pub next_person: Visit,
}

/// Who the device is at one moment, and what `/google` answers them.
#[derive(Debug)]
pub struct Visit {
    /// The identity pool's identity id.
    pub identity_id: String,
    /// The HTTP status of `GET /google`.
    pub status: u16,
}

impl Visit {
    fn line(&self, label: &str) -> String {
        format!(
            "{label:<28} identity {}  GET /google -> {}",
            self.identity_id, self.status
        )
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint} (no AWS account)\n")?;
        }
        writeln!(f, "{}", self.guest.line("guest"))?;
        writeln!(f, "{}", self.signed_in.line("signed in with Google"))?;
        let same = self.signed_in.identity_id == self.guest.identity_id;
        writeln!(f, "same identity id as the guest: {same}")?;
        writeln!(f, "{}", self.next_person.line("next person (guest)"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run(Target::from_env_or_emulator().await?).await?);
    Ok(())
}

/// The identity id and `/google`'s answer as the credentials are now.
async fn visit(
    credentials: &FederatedCredentials,
    api: &ApiClient,
) -> Result<Visit, Box<dyn Error>> {
    let identity_id = credentials.identity_id().await?;
    let status = api
        .request(http::Method::GET, "/google")
        .send()
        .await?
        .status();
    Ok(Visit {
        identity_id,
        status: status.as_u16(),
    })
}

/// A guest, then signed in with Google, then signed out.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    // No logins: a guest of the identity pool.
    let credentials = FederatedCredentials::guest(target.config.clone())?;
    let api = ApiClient::builder(target.api_url.as_str())
        .region(target.config.region())
        .credentials_provider(credentials.clone())
        .build()?;
    let guest = visit(&credentials, &api).await?;

    // The guest signs in: the guest identity is handed over with the Google login.
    credentials.sign_in((LoginProvider::Google, target.google.clone()));
    let signed_in = visit(&credentials, &api).await?;

    // Signing out forgets the identity: the next person is a new guest.
    credentials.sign_out();
    let next_person = visit(&credentials, &api).await?;
    Ok(Outcome {
        emulator: target.emulator.as_deref().map(RunningEmulator::endpoint),
        guest,
        signed_in,
        next_person,
    })
}
