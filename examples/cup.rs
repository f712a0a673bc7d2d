//! Sign in to a user pool (SRP), then call API Gateway routes protected by a Cognito user pool
//! authorizer (`COGNITO_USER_POOLS`): `/cup` with the ID token (200), `/cup/scoped`, which
//! requires the OAuth scope `api/read`, with the access token (200), and `/cup/scoped` without
//! a token (401) and with the ID token (401: ID tokens carry no scopes).
//!
//! ```text
//! cargo run --example cup
//! ```
//!
//! By default this starts the emulator in process from `examples/emulator-seed.toml` and signs
//! in as `alice`. To run against AWS instead, set `COGNITO_REGION`, `COGNITO_USER_POOL_ID`,
//! `COGNITO_CLIENT_ID` (and `COGNITO_CLIENT_SECRET` if the app client has one; see
//! `CognitoConfig::from_env`), `COGNITO_USERNAME`, `COGNITO_PASSWORD` and `COGNITO_API_URL`
//! (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`); the paths default to `/cup`
//! and `/cup/scoped` and can be changed with `COGNITO_CUP_PATH` and `COGNITO_CUP_SCOPED_PATH`.

use std::error::Error;

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::client::{ApiClient, AuthMode, TokenFuture, TokenKind, TokenSource};
use cognito_sigv4::config::Service;
use cognito_sigv4::mock::{Emulator, RunningEmulator, Seed};
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{SignInStep, Tokens, UserPoolClient};

/// Where to sign in and what to call.
struct Target {
    config: CognitoConfig,
    username: String,
    password: Password,
    api_url: String,
    path: String,
    scoped_path: String,
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
            path: env("COGNITO_CUP_PATH").unwrap_or_else(|_| "/cup".to_owned()),
            scoped_path: env("COGNITO_CUP_SCOPED_PATH")
                .unwrap_or_else(|_| "/cup/scoped".to_owned()),
            _emulator: None,
        });
    }
    let seed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/emulator-seed.toml");
    let seed = Seed::from_file(seed_path)?;
    let password = seed
        .user_pools
        .iter()
        .flat_map(|p| &p.users)
        .find(|u| u.username == "alice")
        .map(|u| Password::new(u.password.clone()))
        .ok_or("the seed has no user alice")?;
    let emulator = Emulator::builder().seed(seed).start().await?;
    // The `web` client issues access tokens with the scope `api/read`.
    let config = CognitoConfig::builder()
        .region(emulator.region())
        .user_pool_id(emulator.user_pool_id("quickstart").ok_or("no pool")?)
        .client_id(emulator.client_id("quickstart", "web").ok_or("no client")?)
        .endpoint(Service::CognitoIdp, emulator.endpoint())
        .build()?;
    let api_url = emulator
        .api_url("reference", "prod")
        .ok_or("no API `reference`")?
        .to_string();
    println!("emulator at {}", emulator.endpoint());
    Ok(Target {
        config,
        // An e-mail alias: Cognito's username is `alice`.
        username: "alice@example.com".to_owned(),
        password,
        api_url,
        path: "/cup".to_owned(),
        scoped_path: "/cup/scoped".to_owned(),
        _emulator: Some(emulator),
    })
}

/// Hands the API client the tokens of this one sign-in (a `Session` would refresh them).
#[derive(Debug)]
struct FixedTokens(Tokens);

impl TokenSource for FixedTokens {
    fn token(&self, kind: TokenKind) -> TokenFuture<'_> {
        Box::pin(async move {
            Ok(match kind {
                TokenKind::Id => self.0.id.clone(),
                TokenKind::Access => self.0.access.clone(),
            })
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
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
    println!("signed in as {}", tokens.username);
    let expires: chrono::DateTime<chrono::Utc> = tokens.expires_at.into();
    println!("tokens expire at {}", expires.to_rfc3339());

    let source = std::sync::Arc::new(FixedTokens(tokens.clone()));
    let with_tokens = ApiClient::builder(target.api_url.as_str())
        .region(region.clone())
        .token_source(source.clone())
        // Most specific first: the scoped route wants the access token.
        .route(None, target.scoped_path.as_str(), AuthMode::access_token())
        .route(None, target.path.as_str(), AuthMode::id_token())
        .default_auth(AuthMode::None)
        .build()?;
    let id_everywhere = ApiClient::builder(target.api_url.as_str())
        .region(region.clone())
        .token_source(source)
        .default_auth(AuthMode::id_token())
        .build()?;
    let anonymous = ApiClient::builder(target.api_url.as_str())
        .region(region)
        .default_auth(AuthMode::None)
        .build()?;

    let calls = [
        ("ID token", &with_tokens, &target.path),
        ("access token", &with_tokens, &target.scoped_path),
        ("no token", &anonymous, &target.scoped_path),
        ("ID token", &id_everywhere, &target.scoped_path),
    ];
    for (what, api, path) in calls {
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
        println!(
            "GET {path:<12} with {what:<12} -> {} {detail}",
            response.status().as_u16()
        );
    }

    // Signing out here revokes the refresh token; the ID and access tokens above stay valid at
    // API Gateway until they expire.
    user_pool.revoke(tokens).await?;
    println!("refresh token revoked");
    Ok(())
}
