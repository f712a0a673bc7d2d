//! Sign in without a password: a one-time code by e-mail (`USER_AUTH` with `EMAIL_OTP`), then
//! call an IAM-authorized API Gateway route with the session's AWS credentials.
//!
//! ```text
//! cargo run --example passwordless
//! ```
//!
//! By default this starts the emulator in process with the reference scenario, its pool
//! allowing e-mail codes and its `web` client `ALLOW_USER_AUTH`, signs in as `jdoe` and reads
//! the code from the emulator's outbox. To run against AWS instead, set `COGNITO_REGION`,
//! `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` (and `COGNITO_CLIENT_SECRET` if the app client
//! has one), `COGNITO_IDENTITY_POOL_ID`, `COGNITO_USERNAME` and `COGNITO_API_URL`
//! (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`, called at `COGNITO_IAM_PATH`,
//! default `/cip`); the code sent to the user's e-mail address is read from standard input.

use std::error::Error;
use std::fmt;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::secret::OneTimeCode;
use cognito_sigv4::user_pool::{ChallengeKind, ChallengeResponse, FirstFactor};
use cognito_sigv4::{CognitoConfig, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

/// Where to sign in and what to call.
pub struct Target {
    config: CognitoConfig,
    username: String,
    api_url: String,
    path: String,
    /// Kept alive for the run when emulating; its outbox holds the code.
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
            api_url: env("COGNITO_API_URL")?,
            path: env("COGNITO_IAM_PATH").unwrap_or_else(|_| "/cip".to_owned()),
            emulator: None,
        })
    }

    /// An emulator of its own: the reference scenario with e-mail codes as a first factor.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let mut seed = Seed::reference();
        let pool = seed.user_pools.first_mut().ok_or("no user pool")?;
        pool.allowed_first_auth_factors = vec!["PASSWORD".into(), "EMAIL_OTP".into()];
        let web = pool
            .clients
            .iter_mut()
            .find(|c| c.name == "web")
            .ok_or("no app client `web`")?;
        web.explicit_auth_flows.push("ALLOW_USER_AUTH".into());
        let emulator = Emulator::builder().seed(seed).start().await?;
        Ok(Target {
            config: emulator.config("quickstart", "web")?,
            username: "jdoe".to_owned(),
            api_url: emulator
                .api_url("reference", "prod")
                .ok_or("no API `reference`")?
                .to_string(),
            path: "/cip".to_owned(),
            emulator: Some(emulator),
        })
    }

    /// The code the user received: from the emulator's outbox, or typed in.
    fn code(&self) -> Result<OneTimeCode, Box<dyn Error>> {
        if let Some(emulator) = &self.emulator {
            let sent = emulator
                .last_code(&self.username)
                .ok_or("no code was sent")?;
            return Ok(sent.code);
        }
        eprint!("code from the e-mail: ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(OneTimeCode::new(line.trim()))
    }
}

/// What the example shows.
#[derive(Debug)]
pub struct Outcome {
    /// The emulator's endpoint, when emulating.
    pub emulator: Option<url::Url>,
    /// Where the code went, masked as Cognito shows it.
    pub destination: Option<String>,
    /// Cognito's username of the signed-in user.
    pub username: String,
    /// `(path, HTTP status)` of the signed call.
    pub response: (String, u16),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint}")?;
        }
        let to = self.destination.as_deref().unwrap_or("the user's e-mail");
        writeln!(f, "code sent to {to}")?;
        writeln!(f, "signed in as {} without a password", self.username)?;
        writeln!(f, "GET {} -> {}", self.response.0, self.response.1)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run(Target::from_env_or_emulator().await?).await?);
    Ok(())
}

/// Asks for an e-mail code, answers it, and makes one SigV4-signed call.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    let region = target.config.region().to_owned();
    let pending = match Session::builder(target.config.clone())
        .sign_in_user_auth(&target.username, Some(FirstFactor::EmailOtp))
        .await?
    {
        SignInOutcome::Challenge(pending) => pending,
        SignInOutcome::Done(_) => return Err("signed in without a code?".into()),
    };
    // Without EMAIL_OTP for this user, Cognito offers the factors to choose from instead.
    let ChallengeKind::EmailOtp { destination } = pending.challenge().kind().clone() else {
        return Err(format!("Cognito asked for {}", pending.challenge().name()).into());
    };
    let code = target.code()?;
    let session = match pending.respond(ChallengeResponse::MfaCode(code)).await? {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(next) => {
            return Err(format!("unexpected challenge {}", next.challenge().name()).into());
        }
    };
    let api = ApiClient::builder(target.api_url.as_str())
        .region(region)
        .session(&session)
        .build()?;
    let response = api.request(http::Method::GET, &target.path).send().await?;
    let outcome = Outcome {
        emulator: target.emulator.as_ref().map(RunningEmulator::endpoint),
        destination,
        username: session.username().unwrap_or_default(),
        response: (target.path.clone(), response.status().as_u16()),
    };
    session.sign_out().await?;
    Ok(outcome)
}
