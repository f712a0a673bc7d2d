//! The emulator as a standalone server, for apps and tests in other languages.
//!
//! ```text
//! cargo run -p cognito-sigv4-emulator -- --reference [--port 4566] [--bind 127.0.0.1]
//! cargo run -p cognito-sigv4-emulator -- --seed my-seed.toml [--port 4566] [--bind 127.0.0.1]
//! cargo run -p cognito-sigv4-emulator -- --reference --state-dir .emulator-state
//! cargo run -p cognito-sigv4-emulator -- --reference --lambda-endpoint http://127.0.0.1:3001
//! cargo run -p cognito-sigv4-emulator -- --reference --openapi orders=orders.yaml
//! ```
//!
//! Prints one JSON line with the endpoint and the seeded ids, then serves until Ctrl-C.

use cognito_sigv4_emulator::{EXECUTE_API_PATH_PREFIX, Emulator, Seed};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

const USAGE: &str = "usage: cognito-sigv4-emulator (--seed <file.toml|file.json> | --reference) \
                     [--port <port>] [--bind <ip>] [--state-dir <dir>] [--lambda-endpoint <url>] \
                     [--openapi [<name>=]<file>]...\n  \
                     --reference  the built-in reference scenario (routes /google, /cip, /cup)\n  \
                     --state-dir  keep the state across restarts in this directory\n  \
                     --lambda-endpoint  the Lambda Invoke API users' functions run behind \
                     (`sam local start-lambda`, `cargo lambda watch`); default: \
                     $AWS_ENDPOINT_URL_LAMBDA\n  \
                     --openapi  a REST API from an OpenAPI 3 or Swagger 2 document with API \
                     Gateway's extensions, served at stage `prod` (name: the file's stem)";

/// Where the seed comes from.
enum SeedSource {
    File(String),
    Reference,
}

struct Args {
    seed: SeedSource,
    addr: SocketAddr,
    state_dir: Option<String>,
    lambda_endpoint: Option<url::Url>,
    /// `--openapi`: (API name, document path).
    openapi: Vec<(String, String)>,
}

fn parse_args() -> Result<Args, String> {
    let mut seed = None;
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut port = 0u16;
    let mut state_dir = None;
    let mut lambda_endpoint = None;
    let mut openapi = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--seed" | "--reference" if seed.is_some() => {
                return Err(format!("give one seed: --seed or --reference\n{USAGE}"));
            }
            "--seed" => seed = Some(SeedSource::File(value("--seed")?)),
            "--reference" => seed = Some(SeedSource::Reference),
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|_| format!("--port: not a port\n{USAGE}"))?
            }
            "--bind" => {
                ip = value("--bind")?
                    .parse()
                    .map_err(|_| format!("--bind: not an IP address\n{USAGE}"))?
            }
            "--state-dir" => state_dir = Some(value("--state-dir")?),
            "--lambda-endpoint" => lambda_endpoint = Some(value("--lambda-endpoint")?),
            "--openapi" => {
                let v = value("--openapi")?;
                let (name, path) = match v.split_once('=') {
                    Some((name, path)) if !name.is_empty() => (name.to_owned(), path.to_owned()),
                    _ => {
                        let stem = std::path::Path::new(&v)
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        (stem, v)
                    }
                };
                openapi.push((name, path));
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let seed = seed.ok_or_else(|| format!("--seed or --reference is required\n{USAGE}"))?;
    // The AWS SDKs' variable for a service's endpoint (SDKs and Tools reference guide,
    // "Service-specific endpoints"), so one setting serves the user's tools and the emulator.
    let lambda_endpoint = match lambda_endpoint
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_LAMBDA").ok())
        .filter(|u| !u.is_empty())
    {
        Some(u) => Some(
            url::Url::parse(&u)
                .map_err(|_| format!("--lambda-endpoint: not a URL: {u}\n{USAGE}"))?,
        ),
        None => None,
    };
    Ok(Args {
        seed,
        addr: SocketAddr::new(ip, port),
        state_dir,
        lambda_endpoint,
        openapi,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let mut seed = match &args.seed {
        SeedSource::Reference => Seed::reference(),
        SeedSource::File(path) => match Seed::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
    };
    // Each `--openapi` is one more API of the seed, checked and loaded with it.
    for (name, path) in &args.openapi {
        seed.apis.push(cognito_sigv4_emulator::ApiSeed {
            name: name.clone(),
            openapi: Some(path.clone()),
            ..Default::default()
        });
    }
    let names = seed_names(&seed);
    let mut builder = Emulator::builder().seed(seed).bind(args.addr);
    if let Some(dir) = &args.state_dir {
        builder = builder.state_dir(dir);
    }
    if let Some(endpoint) = args.lambda_endpoint.clone() {
        builder = builder.lambda_endpoint(endpoint);
    }
    let emulator = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let user_pools: serde_json::Map<String, serde_json::Value> = names
        .user_pools
        .iter()
        .filter_map(|n| Some((n.clone(), emulator.user_pool_id(n)?.into())))
        .collect();
    let identity_pools: serde_json::Map<String, serde_json::Value> = names
        .identity_pools
        .iter()
        .filter_map(|n| Some((n.clone(), emulator.identity_pool_id(n)?.into())))
        .collect();
    let apis: serde_json::Map<String, serde_json::Value> = names
        .apis
        .iter()
        .filter_map(|n| Some((n.clone(), emulator.api_id(n)?.into())))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "endpoint": emulator.endpoint().as_str(),
            "region": emulator.region(),
            "user_pools": user_pools,
            "identity_pools": identity_pools,
            "apis": apis,
            "execute_api_path_prefix": EXECUTE_API_PATH_PREFIX,
        })
    );
    stopped().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

struct Names {
    user_pools: Vec<String>,
    identity_pools: Vec<String>,
    apis: Vec<String>,
}

fn seed_names(seed: &Seed) -> Names {
    Names {
        user_pools: seed.user_pools.iter().map(|p| p.name.clone()).collect(),
        identity_pools: seed.identity_pools.iter().map(|p| p.name.clone()).collect(),
        apis: seed.apis.iter().map(|a| a.name.clone()).collect(),
    }
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `docker stop` and service managers
/// send): either stops the server gracefully, so that a state directory is written.
async fn stopped() {
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
