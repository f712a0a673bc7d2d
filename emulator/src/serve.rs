//! The command line of the standalone emulator, shared by its own binary and by
//! `cognito-sigv4 emulator`, so both take the same flags and start the same server.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::{ApiSeed, Emulator, EmulatorBuilder, Seed};

/// How to start the emulator from a command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// A seed file (TOML or JSON) [default: the reference scenario].
    #[arg(long, value_name = "FILE", conflicts_with = "reference")]
    pub seed: Option<PathBuf>,
    /// The built-in reference scenario (routes /google, /cip, /cup): the default.
    #[arg(long)]
    pub reference: bool,
    /// The port [default: any free one].
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Keep the state (pools, users, identities, keys...) across restarts in this directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The Lambda Invoke API users' functions run behind (`sam local start-lambda`,
    /// `cargo lambda watch`); the AWS SDKs' variable for it is the default.
    #[arg(long, value_name = "URL", env = "AWS_ENDPOINT_URL_LAMBDA")]
    pub lambda_endpoint: Option<String>,
    /// A REST API from an OpenAPI 3 or Swagger 2 document with API Gateway's extensions,
    /// served at stage `prod`, named by the file's stem or `<name>=` (repeatable).
    #[arg(long, value_name = "[NAME=]FILE")]
    pub openapi: Vec<String>,
    /// Log one line per request to standard error (service, operation, status, error code);
    /// `RUST_LOG` chooses other levels.
    #[arg(long)]
    pub log: bool,
}

impl ServeArgs {
    /// The seed these flags name, with each `--openapi` as one more API (checked when the
    /// emulator starts).
    pub fn seed(&self) -> Result<Seed, String> {
        let mut seed = match &self.seed {
            Some(path) => Seed::from_file(path).map_err(|e| e.to_string())?,
            None => Seed::reference(),
        };
        for value in &self.openapi {
            let (name, path) = match value.split_once('=') {
                Some((name, path)) if !name.is_empty() => (name.to_owned(), path.to_owned()),
                _ => {
                    let stem = std::path::Path::new(value).file_stem();
                    let stem = stem.map(|s| s.to_string_lossy().into_owned());
                    (stem.unwrap_or_default(), value.clone())
                }
            };
            seed.apis.push(ApiSeed {
                name,
                openapi: Some(path),
                ..Default::default()
            });
        }
        Ok(seed)
    }

    /// A builder for `seed` with these flags' address, state directory and Lambda endpoint.
    pub fn builder(&self, seed: Seed) -> Result<EmulatorBuilder, String> {
        let mut builder = Emulator::builder()
            .seed(seed)
            .bind(std::net::SocketAddr::new(self.bind, self.port));
        if let Some(dir) = &self.state_dir {
            builder = builder.state_dir(dir);
        }
        // An empty AWS_ENDPOINT_URL_LAMBDA is no endpoint, as for the AWS SDKs.
        if let Some(url) = self.lambda_endpoint.as_deref().filter(|u| !u.is_empty()) {
            let endpoint =
                url::Url::parse(url).map_err(|_| format!("--lambda-endpoint: not a URL: {url}"))?;
            builder = builder.lambda_endpoint(endpoint);
        }
        Ok(builder)
    }

    /// Sends `tracing` events to standard error: the request lines with `--log`, and whatever
    /// `RUST_LOG` asks for. Call once, before starting.
    pub fn init_logging(&self) {
        let filter = match std::env::var("RUST_LOG") {
            Ok(filter) if !filter.is_empty() => filter,
            _ if self.log => "cognito_sigv4_emulator=info".to_owned(),
            _ => return,
        };
        // Colours only for a person at a terminal, not in a file or a pipe.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(ansi)
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `docker stop` and service managers
/// send): either stops the server gracefully, so that a state directory is written.
pub async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
