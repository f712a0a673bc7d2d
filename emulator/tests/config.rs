//! The `CognitoConfig`s a running emulator hands out: ids, the app client's secret, the
//! identity pool that trusts the user pool, and every endpoint pointing at the emulator.

use cognito_sigv4::config::Service;
use cognito_sigv4_emulator::{
    AppClientSeed, Emulator, ErrorKind, IdentityPoolSeed, Seed, UserPoolProviderSeed, UserPoolSeed,
};

fn assert_all_endpoints_at(config: &cognito_sigv4::CognitoConfig, endpoint: &url::Url) {
    for service in Service::ALL {
        assert_eq!(&config.endpoint(service), endpoint, "{service:?}");
    }
}

#[tokio::test]
async fn the_reference_config_names_pool_client_identity_pool_and_the_emulator() {
    let emu = Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap();
    let config = emu.config("quickstart", "web").unwrap();
    assert_eq!(config.region(), "us-east-1");
    assert_eq!(config.user_pool_id(), Some("us-east-1_QuickStrt"));
    assert_eq!(config.client_id(), Some("quickstartwebclient0000001"));
    assert!(config.client_secret().is_none());
    assert_eq!(
        config.identity_pool_id(),
        Some("us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41")
    );
    assert_all_endpoints_at(&config, &emu.endpoint());

    // By id as well as by name; a client with a secret hands it over.
    let server = emu
        .config("us-east-1_QuickStrt", "quickstartserverclient0001")
        .unwrap();
    let secret = emu.client_secret("quickstart", "server").unwrap();
    assert_eq!(
        server.client_secret().map(|s| s.expose_secret()),
        Some(secret.expose_secret())
    );

    let identity = emu.identity_pool_config("quickstart").unwrap();
    assert_eq!(identity.identity_pool_id(), config.identity_pool_id());
    assert_eq!(identity.user_pool_id(), None);
    assert_all_endpoints_at(&identity, &emu.endpoint());
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_names_are_not_found() {
    let emu = Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap();
    for err in [
        emu.config("nope", "web").unwrap_err(),
        emu.config("quickstart", "nope").unwrap_err(),
        emu.identity_pool_config("nope").unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn the_identity_pool_is_the_first_seeded_one_that_trusts_the_user_pool() {
    let pool = |name: &str| UserPoolSeed {
        name: name.into(),
        clients: vec![AppClientSeed {
            name: "web".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let identity_pool = |id: &str, user_pool: &str| IdentityPoolSeed {
        id: Some(id.into()),
        name: id.into(),
        user_pool_providers: vec![UserPoolProviderSeed {
            user_pool: user_pool.into(),
            client_id: "web".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    // Ids that sort against the seed's order: the seed's order decides.
    let seed = Seed {
        user_pools: vec![pool("a"), pool("b"), pool("alone")],
        identity_pools: vec![
            identity_pool("us-east-1:ffffffff-0000-4000-8000-000000000000", "a"),
            identity_pool("us-east-1:11111111-0000-4000-8000-000000000000", "b"),
            identity_pool("us-east-1:00000000-0000-4000-8000-000000000000", "b"),
        ],
        ..Default::default()
    };
    let emu = Emulator::builder().seed(seed).start().await.unwrap();
    let id = |user_pool: &str| {
        emu.config(user_pool, "web")
            .unwrap()
            .identity_pool_id()
            .map(str::to_owned)
    };
    assert_eq!(
        id("a").as_deref(),
        Some("us-east-1:ffffffff-0000-4000-8000-000000000000")
    );
    assert_eq!(
        id("b").as_deref(),
        Some("us-east-1:11111111-0000-4000-8000-000000000000")
    );
    assert_eq!(id("alone"), None);
    emu.shutdown().await;
}

/// Tests written against the SDK's `Result` use `?` on the emulator's calls.
#[tokio::test]
async fn emulator_errors_convert_into_the_sdks_config_errors() -> cognito_sigv4::Result<()> {
    let emu = Emulator::builder().seed(Seed::reference()).start().await?;
    let config = emu.config("quickstart", "web")?;
    assert_eq!(config.region(), "us-east-1");
    let err: cognito_sigv4::Error = emu.config("nope", "web").unwrap_err().into();
    assert_eq!(err.kind(), cognito_sigv4::ErrorKind::Config);
    assert!(err.message().contains("no user pool `nope`"), "{err}");
    emu.shutdown().await;
    Ok(())
}

/// A seed with one app client, changed by `f`.
fn seed_with_client(f: impl FnOnce(&mut AppClientSeed)) -> Seed {
    let mut client = AppClientSeed {
        name: "c".into(),
        ..Default::default()
    };
    f(&mut client);
    Seed {
        user_pools: vec![UserPoolSeed {
            name: "p".into(),
            clients: vec![client],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn token_lifetimes_outside_aws_ranges_are_refused_by_the_seed() {
    let refused = [
        (
            seed_with_client(|c| c.id_token_validity_secs = 299),
            "emulator seed: app client `c`: id_token_validity_secs must be from 300 to 86400 seconds (5 minutes to 1 day, AWS's range)",
        ),
        (
            seed_with_client(|c| c.access_token_validity_secs = 86_401),
            "emulator seed: app client `c`: access_token_validity_secs must be from 300 to 86400 seconds (5 minutes to 1 day, AWS's range)",
        ),
        (
            seed_with_client(|c| c.refresh_token_validity_secs = 3599),
            "emulator seed: app client `c`: refresh_token_validity_secs must be from 3600 to 315360000 seconds (60 minutes to 10 years, AWS's range)",
        ),
    ];
    for (seed, message) in refused {
        let err = Emulator::builder().seed(seed).start().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Seed, "{err}");
        assert_eq!(err.message(), message);
    }
    // The bounds themselves are accepted.
    let seed = seed_with_client(|c| {
        c.id_token_validity_secs = 300;
        c.access_token_validity_secs = 86_400;
        c.refresh_token_validity_secs = 3650 * 86_400;
    });
    Emulator::builder()
        .seed(seed)
        .start()
        .await
        .unwrap()
        .shutdown()
        .await;
}
