//! Machine to machine: a service gets access tokens with the OAuth 2.0 client-credentials grant
//! (an app client with a secret, custom scopes of a resource server) and calls a route behind a
//! Cognito authorizer that requires a scope: 200 with `api/read`, 401 with only `api/write`.
//! The token is renewed before it expires, by a new grant (there is no refresh token).
//!
//! ```text
//! cargo run --example m2m --features oauth
//! ```
//!
//! By default this starts the emulator in process with the reference scenario (its `server`
//! app client may use `api/read` and `api/write`). Against AWS, set `COGNITO_DOMAIN`
//! (`https://<prefix>.auth.<region>.amazoncognito.com`), `COGNITO_CLIENT_ID`,
//! `COGNITO_CLIENT_SECRET`, `COGNITO_API_URL` (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`)
//! and `COGNITO_SCOPED_PATH` (a route that requires `api/read`).

use std::error::Error;

use cognito_sigv4::client::{ApiClient, AuthMode, TokenKind};
use cognito_sigv4::oauth::ManagedLogin;
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use http::Method;

/// Where the service gets tokens and what it calls.
pub struct Target {
    login: ManagedLogin,
    api: ApiClientTarget,
    path: String,
    /// Kept alive for the run when emulating.
    _emulator: Option<RunningEmulator>,
}

/// How to reach the API.
struct ApiClientTarget {
    base_url: String,
    connect_to: Option<std::net::SocketAddr>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

impl Target {
    /// AWS when `COGNITO_DOMAIN` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        if std::env::var_os("COGNITO_DOMAIN").is_none() {
            return Target::emulated().await;
        }
        Ok(Target {
            login: ManagedLogin::builder(env("COGNITO_DOMAIN")?, env("COGNITO_CLIENT_ID")?)
                .client_secret(env("COGNITO_CLIENT_SECRET")?)
                .build()?,
            api: ApiClientTarget {
                base_url: env("COGNITO_API_URL")?,
                connect_to: None,
            },
            path: env("COGNITO_SCOPED_PATH")?,
            _emulator: None,
        })
    }

    /// The emulator with the reference scenario: its `server` client and `/cup/scoped`.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let emulator = Emulator::builder().seed(Seed::reference()).start().await?;
        let config = emulator.config("quickstart", "server")?;
        let pool = config.user_pool_id().unwrap_or_default();
        // The emulator serves each pool's domain at `<endpoint>/<pool id>`.
        let domain = format!("{}{pool}", emulator.endpoint());
        let mut login = ManagedLogin::builder(domain, config.client_id().unwrap_or_default());
        if let Some(secret) = config.client_secret() {
            login = login.client_secret(secret.clone());
        }
        let host = emulator.api_host("reference").unwrap_or_default();
        Ok(Target {
            login: login.build()?,
            api: ApiClientTarget {
                base_url: format!("http://{host}/prod"),
                connect_to: Some(emulator.addr()),
            },
            path: "/cup/scoped".into(),
            _emulator: Some(emulator),
        })
    }
}

/// The status of the scoped route with each set of scopes.
pub async fn run(target: &Target) -> Result<Vec<(&'static str, u16)>, Box<dyn Error>> {
    let mut statuses = Vec::new();
    for scope in ["api/read", "api/write"] {
        let tokens = target.login.client_credentials([scope]);
        let mut api = ApiClient::builder(&target.api.base_url)
            .token_source(TokenKind::Access, tokens)
            .default_auth(AuthMode::access_token());
        if let Some(addr) = target.api.connect_to {
            api = api.connect_to(addr);
        }
        let answer = api
            .build()?
            .request(Method::GET, &target.path)
            .send()
            .await?;
        statuses.push((scope, answer.status().as_u16()));
    }
    Ok(statuses)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = Target::from_env_or_emulator().await?;
    for (scope, status) in run(&target).await? {
        println!(
            "client credentials with {scope:<10} → GET {}: {status}",
            target.path
        );
    }
    Ok(())
}
