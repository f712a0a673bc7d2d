//! `emulator`: the local emulator of Cognito, STS and API Gateway, standalone. Prints one JSON
//! line (endpoint, region, ids, API URLs) to standard output, and a ready `configure` command
//! to standard error, then serves until Ctrl-C.

use cognito_sigv4_emulator::Seed;
use serde_json::{Map, Value, json};

use crate::args::EmulatorArgs;
use crate::failure::{Failure, Outcome};

/// Runs `emulator`.
pub async fn run(args: EmulatorArgs) -> Outcome {
    let args = args.serve;
    args.init_logging();
    let seed = args.seed().map_err(Failure::config)?;
    let names = Names::of(&seed);
    let emulator = args
        .builder(seed)
        .map_err(Failure::config)?
        .start()
        .await
        .map_err(|e| Failure::other(format!("the emulator cannot start: {e}")))?;

    let mut user_pools = Map::new();
    let mut first_config = None;
    for (pool, clients) in &names.user_pools {
        let mut ids = Map::new();
        for client in clients {
            if let Ok(config) = emulator.config(pool, client) {
                ids.insert(client.clone(), json!(config.client_id()));
                first_config.get_or_insert(config);
            }
        }
        user_pools.insert(
            pool.clone(),
            json!({ "id": emulator.user_pool_id(pool), "clients": ids }),
        );
    }
    let identity_pools: Map<String, Value> = names
        .identity_pools
        .iter()
        .map(|n| (n.clone(), json!(emulator.identity_pool_id(n))))
        .collect();
    let apis: Map<String, Value> = names
        .apis
        .iter()
        .map(|(name, stage)| {
            let url = emulator.api_url(name, stage).map(|u| u.to_string());
            (
                name.clone(),
                json!({ "id": emulator.api_id(name), "url": url }),
            )
        })
        .collect();
    println!(
        "{}",
        json!({
            "endpoint": emulator.endpoint().as_str(),
            "region": emulator.region(),
            "user_pools": user_pools,
            "identity_pools": identity_pools,
            "apis": apis,
        })
    );
    if let Some(config) = first_config {
        eprintln!(
            "Emulator at {endpoint} (Ctrl-C stops it). A profile for it:\n  cognito-sigv4 configure \
             --profile emulator --region {region} --user-pool-id {pool} --client-id {client}{identity} \
             --endpoint-url {endpoint}",
            endpoint = emulator.endpoint(),
            region = config.region(),
            pool = config.user_pool_id().unwrap_or_default(),
            client = config.client_id().unwrap_or_default(),
            identity = config
                .identity_pool_id()
                .map(|id| format!(" --identity-pool-id {id}"))
                .unwrap_or_default(),
        );
    }
    cognito_sigv4_emulator::serve::stopped().await;
    emulator.shutdown().await;
    Ok(())
}

/// The names a seed gives its resources.
struct Names {
    /// Each user pool with its app clients.
    user_pools: Vec<(String, Vec<String>)>,
    identity_pools: Vec<String>,
    /// Each API with its first stage.
    apis: Vec<(String, String)>,
}

impl Names {
    fn of(seed: &Seed) -> Names {
        Names {
            user_pools: seed
                .user_pools
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.clients.iter().map(|c| c.name.clone()).collect(),
                    )
                })
                .collect(),
            identity_pools: seed.identity_pools.iter().map(|p| p.name.clone()).collect(),
            apis: seed
                .apis
                .iter()
                .map(|a| {
                    let stage = a.stages.first().cloned().unwrap_or_else(|| "prod".into());
                    (a.name.clone(), stage)
                })
                .collect(),
        }
    }
}
