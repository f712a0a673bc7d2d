//! The emulator as a standalone server, for apps and tests in other languages.
//!
//! ```text
//! cargo run -p cognito-sigv4-emulator -- [--reference] [--port 4566] [--bind 127.0.0.1]
//! cargo run -p cognito-sigv4-emulator -- --seed my-seed.toml [--log]
//! cargo run -p cognito-sigv4-emulator -- --state-dir .emulator-state
//! cargo run -p cognito-sigv4-emulator -- --lambda-endpoint http://127.0.0.1:3001
//! cargo run -p cognito-sigv4-emulator -- --openapi orders=orders.yaml
//! ```
//!
//! Prints one JSON line with the endpoint and the seeded ids, then serves until Ctrl-C.

use clap::Parser;
use cognito_sigv4_emulator::serve::{ServeArgs, stopped};
use cognito_sigv4_emulator::{EXECUTE_API_PATH_PREFIX, Seed};
use serde_json::{Map, Value, json};
use std::process::ExitCode;

/// A local emulator of Amazon Cognito user pools and identity pools, STS and API Gateway.
#[derive(Parser)]
#[command(name = "cognito-sigv4-emulator", version)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Cli::parse().serve;
    args.init_logging();
    // A seed or flag that is wrong is a usage error (2); a server that cannot start, 1.
    let prepared = args.seed().and_then(|seed| {
        let names = Names::of(&seed);
        Ok((args.builder(seed)?, names))
    });
    let (builder, names) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let ids = |names: &[String], id: &dyn Fn(&str) -> Option<String>| {
        let ids = names
            .iter()
            .filter_map(|n| Some((n.clone(), Value::from(id(n)?))));
        ids.collect::<Map<String, Value>>()
    };
    println!(
        "{}",
        json!({
            "endpoint": emulator.endpoint().as_str(),
            "region": emulator.region(),
            "user_pools": ids(&names.user_pools, &|n| emulator.user_pool_id(n)),
            "identity_pools": ids(&names.identity_pools, &|n| emulator.identity_pool_id(n)),
            "apis": ids(&names.apis, &|n| emulator.api_id(n)),
            "execute_api_path_prefix": EXECUTE_API_PATH_PREFIX,
        })
    );
    stopped().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// The names the seed gives its pools and APIs.
struct Names {
    user_pools: Vec<String>,
    identity_pools: Vec<String>,
    apis: Vec<String>,
}

impl Names {
    fn of(seed: &Seed) -> Self {
        Self {
            user_pools: seed.user_pools.iter().map(|p| p.name.clone()).collect(),
            identity_pools: seed.identity_pools.iter().map(|p| p.name.clone()).collect(),
            apis: seed.apis.iter().map(|a| a.name.clone()).collect(),
        }
    }
}
