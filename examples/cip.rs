//! Sign in as the `/cip` user, then call the IAM-authorized API with the session's credentials:
//! `/cip` answers 200 (the user's group role may invoke it), `/google` 403 (it may not).
//!
//! ```text
//! cargo run --example cip
//! ```
//!
//! By default this starts the emulator in process with the reference scenario
//! (`Seed::reference()`) and signs in as `jdoe`. To run against AWS instead, set
//! `COGNITO_REGION`, `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID`, `COGNITO_IDENTITY_POOL_ID`
//! (see `CognitoConfig::from_env`), and `COGNITO_USERNAME`, `COGNITO_PASSWORD` and
//! `COGNITO_API_URL` (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`).

use std::error::Error;
use std::fmt;
use std::time::SystemTime;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::secret::Password;
use cognito_sigv4::store::MemoryStore;
use cognito_sigv4::{CognitoConfig, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

/// Where to sign in and what to call.
pub struct Target {
    config: CognitoConfig,
    username: String,
    password: Password,
    api_url: String,
    /// Kept alive for the run when emulating.
    emulator: Option<RunningEmulator>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

impl Target {
    /// AWS when `COGNITO_USER_POOL_ID` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        if std::env::var_os("COGNITO_USER_POOL_ID").is_some() {
            Target::from_env()
        } else {
            Target::emulated().await
        }
    }

    /// AWS, from the `COGNITO_*` variables.
    pub fn from_env() -> Result<Target, Box<dyn Error>> {
        Ok(Target {
            config: CognitoConfig::from_env()?,
            username: env("COGNITO_USERNAME")?,
            password: Password::new(env("COGNITO_PASSWORD")?),
            api_url: env("COGNITO_API_URL")?,
            emulator: None,
        })
    }

    /// An emulator of its own, with the reference scenario, as `jdoe`.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let seed = Seed::reference();
        let password = seed
            .user_pools
            .iter()
            .flat_map(|p| &p.users)
            .find(|u| u.username == "jdoe")
            .map(|u| Password::new(u.password.clone()))
            .ok_or("the seed has no user jdoe")?;
        let emulator = Emulator::builder().seed(seed).start().await?;
        let config = emulator.config("quickstart", "web")?;
        let api_url = emulator
            .api_url("reference", "prod")
            .ok_or("no API `reference`")?
            .to_string();
        Ok(Target {
            config,
            username: "jdoe".to_owned(),
            password,
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
    /// Cognito's username of the signed-in user.
    pub username: String,
    /// The identity pool's identity id of the user.
    pub identity_id: String,
    /// When the AWS credentials expire.
    pub credentials_expire_at: Option<SystemTime>,
    /// `(path, HTTP status, body)` of each call, in order.
    pub responses: Vec<(String, u16, String)>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint}")?;
        }
        writeln!(f, "signed in as {}", self.username)?;
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

/// Signs in, calls `/cip` and `/google` with the session's credentials, and signs out.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    let region = target.config.region().to_owned();
    let session = match Session::builder(target.config.clone())
        .store(MemoryStore::new())
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

    let credentials = session.credentials().await?;
    let identity_id = session.identity_id().await?;

    let api = ApiClient::builder(target.api_url.as_str())
        .region(region)
        .session(&session)
        .build()?;
    let mut responses = Vec::new();
    for path in ["/cip", "/google"] {
        let response = api.request(http::Method::GET, path).send().await?;
        responses.push((path.to_owned(), response.status().as_u16(), response.text()));
    }
    let outcome = Outcome {
        emulator: target.emulator.as_ref().map(RunningEmulator::endpoint),
        username: session.username().unwrap_or_default(),
        identity_id,
        credentials_expire_at: credentials.expiry(),
        responses,
    };
    session.sign_out().await?;
    Ok(outcome)
}
