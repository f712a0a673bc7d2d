//! Sign in to a user pool (SRP), then call API Gateway routes protected by a Cognito user pool
//! authorizer (`COGNITO_USER_POOLS`): `/cup` with the ID token (200), `/cup/scoped`, which
//! requires the OAuth scope `api/read`, with the access token (200), and `/cup/scoped` without
//! a token (401) and with the ID token (401: ID tokens carry no scopes).
//!
//! ```text
//! cargo run --example cup
//! ```
//!
//! By default this starts the emulator in process with the reference scenario
//! (`Seed::reference()`) and signs in as `alice`. To run against AWS instead, set
//! `COGNITO_REGION`, `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` (and `COGNITO_CLIENT_SECRET`
//! if the app client has one; see `CognitoConfig::from_env`), `COGNITO_USERNAME`,
//! `COGNITO_PASSWORD` and `COGNITO_API_URL`
//! (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`); the paths default to `/cup`
//! and `/cup/scoped` and can be changed with `COGNITO_CUP_PATH` and `COGNITO_CUP_SCOPED_PATH`.

use std::error::Error;
use std::fmt;
use std::time::SystemTime;

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::client::{ApiClient, AuthMode, TokenKind};
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{SignInStep, UserPoolClient};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

/// Where to sign in and what to call.
pub struct Target {
    config: CognitoConfig,
    username: String,
    password: Password,
    api_url: String,
    path: String,
    scoped_path: String,
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
            path: env("COGNITO_CUP_PATH").unwrap_or_else(|_| "/cup".to_owned()),
            scoped_path: env("COGNITO_CUP_SCOPED_PATH")
                .unwrap_or_else(|_| "/cup/scoped".to_owned()),
            emulator: None,
        })
    }

    /// An emulator of its own, with the reference scenario, as `alice`.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let seed = Seed::reference();
        let password = seed
            .user_pools
            .iter()
            .flat_map(|p| &p.users)
            .find(|u| u.username == "alice")
            .map(|u| Password::new(u.password.clone()))
            .ok_or("the seed has no user alice")?;
        let emulator = Emulator::builder().seed(seed).start().await?;
        // The `web` client issues access tokens with the scope `api/read`.
        let config = emulator.config("quickstart", "web")?;
        let api_url = emulator
            .api_url("reference", "prod")
            .ok_or("no API `reference`")?
            .to_string();
        Ok(Target {
            config,
            // An e-mail alias: Cognito's username is `alice`.
            username: "alice@example.com".to_owned(),
            password,
            api_url,
            path: "/cup".to_owned(),
            scoped_path: "/cup/scoped".to_owned(),
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
    /// When the ID and access tokens expire.
    pub tokens_expire_at: SystemTime,
    /// The calls made, in order.
    pub calls: Vec<Call>,
}

/// One call of a Cognito-authorized route.
#[derive(Debug)]
pub struct Call {
    /// Which token went with it.
    pub with: &'static str,
    /// The route.
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// What the authorizer accepted (emulator), or the response body (AWS).
    pub detail: String,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint}")?;
        }
        writeln!(f, "signed in as {}", self.username)?;
        let expires: chrono::DateTime<chrono::Utc> = self.tokens_expire_at.into();
        writeln!(f, "tokens expire at {}", expires.to_rfc3339())?;
        for c in &self.calls {
            writeln!(
                f,
                "GET {:<12} with {:<12} -> {} {}",
                c.path, c.with, c.status, c.detail
            )?;
        }
        writeln!(f, "refresh token revoked")
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run(Target::from_env_or_emulator().await?).await?);
    Ok(())
}

/// Signs in, calls the routes with and without tokens, and revokes the refresh token.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    let region = target.config.region().to_owned();
    let user_pool = UserPoolClient::new(&target.config)?;
    let tokens = match user_pool
        .sign_in(&target.username, &target.password)
        .await?
    {
        SignInStep::Done(tokens) => tokens,
        SignInStep::Challenge(challenge) => {
            return Err(format!("the user must answer {} first", challenge.name()).into());
        }
    };

    // The tokens of this one sign-in, as they are (a `Session` would refresh them).
    let with_tokens = ApiClient::builder(target.api_url.as_str())
        .region(region.clone())
        .token_source(TokenKind::Id, tokens.id.clone())
        .token_source(TokenKind::Access, tokens.access.clone())
        // Most specific first: the scoped route wants the access token.
        .route(None, target.scoped_path.as_str(), AuthMode::access_token())
        .route(None, target.path.as_str(), AuthMode::id_token())
        .default_auth(AuthMode::None)
        .build()?;
    let id_everywhere = ApiClient::builder(target.api_url.as_str())
        .region(region.clone())
        .token_source(TokenKind::Id, tokens.id.clone())
        .default_auth(AuthMode::id_token())
        .build()?;
    let anonymous = ApiClient::builder(target.api_url.as_str())
        .region(region)
        .default_auth(AuthMode::None)
        .build()?;

    let plan = [
        ("ID token", &with_tokens, &target.path),
        ("access token", &with_tokens, &target.scoped_path),
        ("no token", &anonymous, &target.scoped_path),
        ("ID token", &id_everywhere, &target.scoped_path),
    ];
    let mut calls = Vec::new();
    for (with, api, path) in plan {
        let response = api.request(http::Method::GET, path).send().await?;
        // The emulator echoes the authorizer's view; AWS answers with whatever the backend says.
        let detail = response
            .json::<serde_json::Value>()
            .ok()
            .and_then(|v| {
                let token_use = v.pointer("/caller/token_use")?.as_str()?.to_owned();
                Some(format!("(the authorizer accepted an {token_use} token)"))
            })
            .unwrap_or_else(|| response.text());
        calls.push(Call {
            with,
            path: path.clone(),
            status: response.status().as_u16(),
            detail,
        });
    }

    let outcome = Outcome {
        emulator: target.emulator.as_ref().map(RunningEmulator::endpoint),
        username: tokens.username.clone(),
        tokens_expire_at: tokens.expires_at,
        calls,
    };
    // Signing out here revokes the refresh token; the ID and access tokens above stay valid at
    // API Gateway until they expire.
    user_pool.revoke(tokens).await?;
    Ok(outcome)
}
