//! Sign in on the user pool's managed login pages in a browser, as a command-line tool does:
//! the authorize URL (PKCE S256, a random `state`) is printed and opened, the browser comes back
//! to a listener on a loopback port, and the tokens become a session that refreshes at the token
//! endpoint and signs a call to an IAM route.
//!
//! ```text
//! cargo run --example browser_login --features oauth
//! ```
//!
//! By default this starts the emulator in process with the reference scenario: open the printed
//! URL, sign in as `jdoe` with `Quickstart-Passw0rd!`. Against AWS, set `COGNITO_DOMAIN`
//! (`https://<prefix>.auth.<region>.amazoncognito.com`) and the `COGNITO_*` variables of
//! `CognitoConfig::from_env` (the app client must list `http://localhost:8765/callback` as a
//! callback URL), and `COGNITO_API_URL` for the IAM route to call (`/cip` under it).

use std::error::Error;
use std::time::Duration;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::oauth::{LoopbackRedirect, ManagedLogin, open_in_browser};
use cognito_sigv4::{CognitoConfig, Session};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use http::Method;
use url::Url;

/// The callback URL the reference seed's `web` client lists.
pub const CALLBACK_PORT: u16 = 8765;

/// Where to sign in and what to call.
pub struct Target {
    config: CognitoConfig,
    domain: String,
    api_url: String,
    connect_to: Option<std::net::SocketAddr>,
    _emulator: Option<RunningEmulator>,
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
            config: CognitoConfig::from_env()?,
            domain: env("COGNITO_DOMAIN")?,
            api_url: env("COGNITO_API_URL")?,
            connect_to: None,
            _emulator: None,
        })
    }

    /// The emulator with the reference scenario; its pool's domain is `<endpoint>/<pool id>`.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let emulator = Emulator::builder().seed(Seed::reference()).start().await?;
        let config = emulator.config("quickstart", "web")?;
        let domain = format!(
            "{}{}",
            emulator.endpoint(),
            config.user_pool_id().unwrap_or_default()
        );
        let host = emulator.api_host("reference").unwrap_or_default();
        Ok(Target {
            config,
            domain,
            api_url: format!("http://{host}/prod"),
            connect_to: Some(emulator.addr()),
            _emulator: Some(emulator),
        })
    }

    /// The managed login's domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }
}

/// Signs in through `browse` (which takes the person to the URL it is given) and calls `/cip`;
/// its status.
pub async fn run<F, Fut>(target: &Target, browse: F) -> Result<u16, Box<dyn Error>>
where
    F: FnOnce(Url) -> Fut,
    Fut: Future<Output = Result<(), Box<dyn Error>>>,
{
    let login = ManagedLogin::builder(
        &target.domain,
        target.config.client_id().unwrap_or_default(),
    )
    .redirect_uri(format!("http://localhost:{CALLBACK_PORT}/callback"))
    .scopes(["openid", "email"])
    .build()?;
    let listener = LoopbackRedirect::bind(CALLBACK_PORT).await?;
    let request = login.authorization_request();
    let redirect = tokio::spawn(listener.wait(&request, Duration::from_secs(300)));
    browse(request.url().clone()).await?;
    let redirected = redirect.await??;
    let tokens = login.exchange(&request, &redirected).await?;
    println!("signed in as {}", tokens.username);
    let session = Session::builder(target.config.clone())
        .managed_login(login)
        .from_tokens(tokens)
        .await?;
    let mut api = ApiClient::builder(&target.api_url).session(&session);
    if let Some(addr) = target.connect_to {
        api = api.connect_to(addr);
    }
    let answer = api.build()?.request(Method::GET, "/cip").send().await?;
    Ok(answer.status().as_u16())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = Target::from_env_or_emulator().await?;
    let status = run(&target, |url| async move {
        println!(
            "Open this URL to sign in (jdoe / Quickstart-Passw0rd! on the emulator):\n  {url}"
        );
        // Best effort: without a desktop, the printed URL is the way.
        let _ = open_in_browser(&url);
        Ok(())
    })
    .await?;
    println!("GET /cip: {status}");
    Ok(())
}
