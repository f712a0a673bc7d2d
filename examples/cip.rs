//! Sign in as the `/cip` user, then call the IAM-authorized API with the session's credentials:
//! `/cip` answers 200 (the user's group role may invoke it), `/google` 403 (it may not).
//!
//! ```text
//! cargo run --example cip
//! ```
//!
//! By default this starts the emulator in process from `examples/emulator-seed.toml` and signs
//! in as `jdoe`. To run against AWS instead, set `COGNITO_REGION`, `COGNITO_USER_POOL_ID`,
//! `COGNITO_CLIENT_ID`, `COGNITO_IDENTITY_POOL_ID` (see `CognitoConfig::from_env`), and
//! `COGNITO_USERNAME`, `COGNITO_PASSWORD` and `COGNITO_API_URL`
//! (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`).

use std::error::Error;
use std::sync::Arc;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::config::Service;
use cognito_sigv4::mock::{Emulator, RunningEmulator, Seed};
use cognito_sigv4::secret::Password;
use cognito_sigv4::session::SignInOutcome;
use cognito_sigv4::store::MemoryStore;
use cognito_sigv4::{CognitoConfig, Session};

/// Where to sign in and what to call.
struct Target {
    config: CognitoConfig,
    username: String,
    password: Password,
    api_url: String,
    /// Kept alive for the run when emulating.
    _emulator: Option<RunningEmulator>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

async fn target() -> Result<Target, Box<dyn Error>> {
    if std::env::var_os("COGNITO_USER_POOL_ID").is_some() {
        return Ok(Target {
            config: CognitoConfig::from_env()?,
            username: env("COGNITO_USERNAME")?,
            password: Password::new(env("COGNITO_PASSWORD")?),
            api_url: env("COGNITO_API_URL")?,
            _emulator: None,
        });
    }
    let seed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/emulator-seed.toml");
    let seed = Seed::from_file(seed_path)?;
    let password = seed
        .user_pools
        .iter()
        .flat_map(|p| &p.users)
        .find(|u| u.username == "jdoe")
        .map(|u| Password::new(u.password.clone()))
        .ok_or("the seed has no user jdoe")?;
    let emulator = Emulator::builder().seed(seed).start().await?;
    let endpoint = emulator.endpoint();
    let config = CognitoConfig::builder()
        .region(emulator.region())
        .user_pool_id(emulator.user_pool_id("quickstart").ok_or("no pool")?)
        .client_id(emulator.client_id("quickstart", "web").ok_or("no client")?)
        .identity_pool_id(
            emulator
                .identity_pool_id("quickstart")
                .ok_or("no identity pool")?,
        )
        .endpoint(Service::CognitoIdp, endpoint.clone())
        .endpoint(Service::CognitoIdentity, endpoint.clone())
        .endpoint(Service::Sts, endpoint)
        .build()?;
    let api_url = emulator
        .api_url("reference", "prod")
        .ok_or("no API `reference`")?
        .to_string();
    println!("emulator at {}", emulator.endpoint());
    Ok(Target {
        config,
        username: "jdoe".to_owned(),
        password,
        api_url,
        _emulator: Some(emulator),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
    let region = target.config.region().to_owned();
    let session = match Session::builder(target.config.clone())
        .store(Arc::new(MemoryStore::new()))
        .sign_in(&target.username, &target.password)
        .await?
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(pending) => {
            return Err(format!(
                "the user must answer {} first (see examples/cup.rs)",
                pending.challenge().name()
            )
            .into());
        }
    };
    println!("signed in as {}", session.username().unwrap_or_default());

    let credentials = session.credentials().await?;
    println!("identity id: {}", session.identity_id().await?);
    if let Some(expiry) = credentials.expiry() {
        let expiry: chrono::DateTime<chrono::Utc> = expiry.into();
        println!("credentials expire at {}", expiry.to_rfc3339());
    }

    let api = ApiClient::builder(target.api_url.as_str())
        .region(region)
        .credentials_provider(session.clone())
        .build()?;
    for path in ["/cip", "/google"] {
        let response = api.request(http::Method::GET, path).send().await?;
        println!(
            "GET {path:<8} -> {} {}",
            response.status().as_u16(),
            response.text()
        );
    }
    session.sign_out().await?;
    Ok(())
}
