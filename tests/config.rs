//! `CognitoConfig`: builder validation, environment loading, Amplify outputs, redaction.

use std::collections::HashMap;
use std::path::PathBuf;

use cognito_sigv4::config::Service;
use cognito_sigv4::{CognitoConfig, Error, ErrorKind};
use url::Url;

const REGION: &str = "us-east-1";
const POOL: &str = "us-east-1_AbC123xyz";
const CLIENT: &str = "5k3lbv1q2ghr4jh8i6t0ebd3m7";
const IDENTITY_POOL: &str = "us-east-1:0f0b0c3e-1d2e-4f50-8a9b-0123456789ab";
const SECRET_MARKER: &str = "MARKER-client-secret-1q2w3e";

fn full() -> cognito_sigv4::config::CognitoConfigBuilder {
    CognitoConfig::builder()
        .region(REGION)
        .user_pool_id(POOL)
        .client_id(CLIENT)
        .identity_pool_id(IDENTITY_POOL)
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

/// Asserts a Config error whose message names `field` in backquotes.
fn assert_config_error(result: cognito_sigv4::Result<CognitoConfig>, field: &str) -> Error {
    let err = result.expect_err("configuration must be rejected");
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(
        err.message().contains(&format!("`{field}`")),
        "{field} not named in: {err}"
    );
    err
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn a_full_configuration_builds_and_derives_endpoints_and_names() {
    let config = full().client_secret(SECRET_MARKER).build().unwrap();
    assert_eq!(config.region(), REGION);
    assert_eq!(config.user_pool_id(), Some(POOL));
    assert_eq!(config.user_pool_name(), Some("AbC123xyz"));
    assert_eq!(config.client_id(), Some(CLIENT));
    assert_eq!(
        config.client_secret().map(|s| s.expose_secret()),
        Some(SECRET_MARKER)
    );
    assert_eq!(config.identity_pool_id(), Some(IDENTITY_POOL));
    assert_eq!(config.require_user_pool().unwrap(), (POOL, CLIENT));
    assert_eq!(config.require_identity_pool().unwrap(), IDENTITY_POOL);
    assert_eq!(
        config.endpoint(Service::CognitoIdp).as_str(),
        "https://cognito-idp.us-east-1.amazonaws.com/"
    );
    assert_eq!(
        config.endpoint(Service::CognitoIdentity).as_str(),
        "https://cognito-identity.us-east-1.amazonaws.com/"
    );
    assert_eq!(
        config.endpoint(Service::Sts).as_str(),
        "https://sts.us-east-1.amazonaws.com/"
    );
    assert_eq!(config.endpoint_override(Service::Sts), None);
    assert_eq!(
        config.user_pool_provider_name().as_deref(),
        Some("cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz")
    );
    assert_eq!(
        config.user_pool_issuer().as_deref(),
        Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz")
    );
}

#[test]
fn only_the_region_is_required_and_require_helpers_say_what_is_missing() {
    let config = CognitoConfig::builder()
        .region("il-central-1")
        .build()
        .unwrap();
    assert_eq!(config.user_pool_id(), None);
    assert_eq!(config.user_pool_provider_name(), None);
    assert_eq!(config.user_pool_issuer(), None);
    let err = config.require_user_pool().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("user pool id") && err.message().contains("app client id"));
    let err = config.require_identity_pool().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("identity pool id"), "{err}");

    let pool_only = CognitoConfig::builder()
        .region(REGION)
        .user_pool_id(POOL)
        .build()
        .unwrap();
    let err = pool_only.require_user_pool().unwrap_err();
    assert!(err.message().contains("app client id") && !err.message().contains("user pool id"));

    let err = CognitoConfig::builder()
        .user_pool_id(POOL)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("`region` is missing"), "{err}");
}

#[test]
fn each_invalid_field_is_a_config_error_naming_the_field() {
    for region in [
        "",
        "us-east",
        "US-EAST-1",
        "us_east_1",
        "us-east-1/",
        "moon-base-one",
    ] {
        assert_config_error(CognitoConfig::builder().region(region).build(), "region");
    }
    for pool in [
        "",
        "us-east-1",
        "us-east-1_",
        "us-east-1_AbC-123",
        "useast1_AbC123",
        "us-east-1_AbC123_x",
        "_AbC123",
    ] {
        assert_config_error(full().user_pool_id(pool).build(), "user_pool_id");
    }
    let too_long = "a".repeat(129);
    for client in ["", "abc def", "abc-def", "abc/def", too_long.as_str()] {
        assert_config_error(full().client_id(client).build(), "client_id");
    }
    assert!(full().client_id("a".repeat(128)).build().is_ok());
    assert!(full().client_id("a_b+C9").build().is_ok());
    for identity_pool in [
        "",
        "us-east-1",
        "us-east-1:",
        "us-east-1:not-a-uuid",
        "us-east-1_0f0b0c3e-1d2e-4f50-8a9b-0123456789ab",
        "us-east-1:0f0b0c3e-1d2e-4f50-8a9b-0123456789abc",
    ] {
        assert_config_error(
            full().identity_pool_id(identity_pool).build(),
            "identity_pool_id",
        );
    }
    assert_config_error(full().client_secret("").build(), "client_secret");
    // A blank secret (say, an empty line read from a file) would make every SECRET_HASH wrong.
    assert_config_error(full().client_secret(" \t\n").build(), "client_secret");
    // The builder does not trim: a stray space or a non-ASCII look-alike is a typo to report.
    assert_config_error(full().region("us-east-1 ").build(), "region");
    assert_config_error(full().region("us-east-100").build(), "region");
    assert_config_error(
        full().user_pool_id("us-east-1_AbC12\u{e9}").build(),
        "user_pool_id",
    );
    assert_config_error(full().client_id("abc\u{e9}").build(), "client_id");
    for endpoint in [
        "ftp://127.0.0.1/",
        "file:///tmp/x",
        "http://user:pw@127.0.0.1:9229/",
        "http://127.0.0.1:9229/?a=b",
        "http://127.0.0.1:9229/#frag",
    ] {
        let err = assert_config_error(
            full()
                .endpoint(Service::CognitoIdentity, url(endpoint))
                .build(),
            "endpoint(CognitoIdentity)",
        );
        assert!(!err.message().contains("pw@"), "{err}");
    }
}

#[test]
fn ids_in_another_region_than_the_configured_one_are_rejected() {
    let err = assert_config_error(
        CognitoConfig::builder()
            .region("eu-west-2")
            .user_pool_id(POOL)
            .build(),
        "user_pool_id",
    );
    assert!(
        err.message().contains("us-east-1") && err.message().contains("eu-west-2"),
        "{err}"
    );
    let err = assert_config_error(
        CognitoConfig::builder()
            .region("eu-west-2")
            .identity_pool_id(IDENTITY_POOL)
            .build(),
        "identity_pool_id",
    );
    assert!(err.message().contains("`region`"), "{err}");
}

#[test]
fn endpoint_overrides_replace_the_default_per_service() {
    let local = url("http://127.0.0.1:9229/");
    let config = full()
        .endpoint(Service::CognitoIdp, local.clone())
        .build()
        .unwrap();
    assert_eq!(config.endpoint(Service::CognitoIdp), local);
    assert_eq!(config.endpoint_override(Service::CognitoIdp), Some(&local));
    assert_eq!(
        config.endpoint(Service::CognitoIdentity).as_str(),
        "https://cognito-identity.us-east-1.amazonaws.com/"
    );
    let cleared = config
        .to_builder()
        .clear_endpoint(Service::CognitoIdp)
        .build()
        .unwrap();
    assert_eq!(cleared.endpoint_override(Service::CognitoIdp), None);
    assert_eq!(cleared.to_builder().build().unwrap(), cleared);
}

#[test]
fn service_default_endpoints_follow_the_partition() {
    assert_eq!(
        Service::CognitoIdp
            .default_endpoint("us-gov-west-1")
            .unwrap()
            .as_str(),
        "https://cognito-idp.us-gov-west-1.amazonaws.com/"
    );
    assert_eq!(
        Service::CognitoIdentity
            .default_endpoint("cn-northwest-1")
            .unwrap()
            .as_str(),
        "https://cognito-identity.cn-northwest-1.amazonaws.com.cn/"
    );
    let err = Service::Sts.default_endpoint("nowhere").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

fn env(vars: &[(&str, &str)]) -> cognito_sigv4::Result<CognitoConfig> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    CognitoConfig::from_env_with(|name| vars.get(name).cloned())
}

#[test]
fn env_loading_reads_every_variable() {
    let config = env(&[
        ("COGNITO_REGION", REGION),
        ("COGNITO_USER_POOL_ID", POOL),
        ("COGNITO_CLIENT_ID", CLIENT),
        ("COGNITO_CLIENT_SECRET", SECRET_MARKER),
        ("COGNITO_IDENTITY_POOL_ID", IDENTITY_POOL),
        ("COGNITO_IDP_ENDPOINT", "http://127.0.0.1:9001/"),
        ("COGNITO_IDENTITY_ENDPOINT", "http://127.0.0.1:9002/"),
        ("COGNITO_STS_ENDPOINT", " http://127.0.0.1:9003/\n"),
    ])
    .unwrap();
    let expected = full()
        .client_secret(SECRET_MARKER)
        .endpoint(Service::CognitoIdp, url("http://127.0.0.1:9001/"))
        .endpoint(Service::CognitoIdentity, url("http://127.0.0.1:9002/"))
        .endpoint(Service::Sts, url("http://127.0.0.1:9003/"))
        .build()
        .unwrap();
    assert_eq!(config, expected);
}

#[test]
fn env_region_falls_back_to_aws_region_then_aws_default_region() {
    let config = env(&[
        ("AWS_REGION", "eu-west-2"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
    ]);
    assert_eq!(config.unwrap().region(), "eu-west-2");
    let config = env(&[("AWS_DEFAULT_REGION", "us-west-2"), ("COGNITO_REGION", "")]);
    assert_eq!(config.unwrap().region(), "us-west-2");
    let config = env(&[
        ("COGNITO_REGION", "ap-southeast-3"),
        ("AWS_REGION", "eu-west-2"),
    ]);
    assert_eq!(config.unwrap().region(), "ap-southeast-3");

    let err = env(&[("COGNITO_USER_POOL_ID", POOL)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("COGNITO_REGION"), "{err}");
}

#[test]
fn env_errors_name_the_variable() {
    let err = env(&[("AWS_REGION", "Virginia")]).unwrap_err();
    assert!(err.message().contains("`AWS_REGION`"), "{err}");
    let err = env(&[("COGNITO_REGION", REGION), ("COGNITO_USER_POOL_ID", "pool")]).unwrap_err();
    assert!(err.message().contains("`COGNITO_USER_POOL_ID`"), "{err}");
    let err = env(&[
        ("COGNITO_REGION", REGION),
        ("COGNITO_IDENTITY_POOL_ID", "x"),
    ])
    .unwrap_err();
    assert!(
        err.message().contains("`COGNITO_IDENTITY_POOL_ID`"),
        "{err}"
    );
    let err = env(&[
        ("COGNITO_REGION", REGION),
        ("COGNITO_STS_ENDPOINT", "not a url"),
    ])
    .unwrap_err();
    assert!(err.message().contains("`COGNITO_STS_ENDPOINT`"), "{err}");
    let err = env(&[
        ("COGNITO_REGION", "eu-west-2"),
        ("COGNITO_USER_POOL_ID", POOL),
    ])
    .unwrap_err();
    assert!(err.message().contains("`COGNITO_REGION`"), "{err}");
}

#[test]
fn amplify_outputs_file_gives_the_auth_section() {
    let config = CognitoConfig::from_amplify_outputs(data("amplify_outputs.json")).unwrap();
    assert_eq!(config.region(), "eu-west-2");
    assert_eq!(config.user_pool_id(), Some("eu-west-2_AbC123xyz"));
    assert_eq!(config.client_id(), Some(CLIENT));
    assert_eq!(
        config.identity_pool_id(),
        Some("eu-west-2:0f0b0c3e-1d2e-4f50-8a9b-0123456789ab")
    );
    assert!(config.client_secret().is_none());
    assert_eq!(config.endpoint_override(Service::CognitoIdp), None);
}

#[test]
fn amplify_outputs_problems_are_config_errors_saying_what_is_wrong() {
    let err =
        CognitoConfig::from_amplify_outputs(data("amplify_outputs_no_auth.json")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("`auth`"), "{err}");

    let err = CognitoConfig::from_amplify_outputs(data("amplify_outputs_region_mismatch.json"))
        .unwrap_err();
    assert!(err.message().contains("`auth.user_pool_id`"), "{err}");

    let err = CognitoConfig::from_amplify_outputs(data("does_not_exist.json")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("does_not_exist.json"), "{err}");

    let err = CognitoConfig::from_amplify_outputs_str("{\"auth\": ").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("not valid JSON"), "{err}");

    for (json, field) in [
        (
            r#"{"auth": {"user_pool_id": "us-east-1_A", "user_pool_client_id": "c"}}"#,
            "auth.aws_region",
        ),
        (
            r#"{"auth": {"aws_region": "us-east-1", "user_pool_client_id": "c"}}"#,
            "auth.user_pool_id",
        ),
        (
            r#"{"auth": {"aws_region": "us-east-1", "user_pool_id": "us-east-1_A"}}"#,
            "auth.user_pool_client_id",
        ),
        (
            r#"{"auth": {"aws_region": "us-east-1", "user_pool_id": "us-east-1_A", "user_pool_client_id": 5}}"#,
            "auth.user_pool_client_id",
        ),
        (
            r#"{"auth": {"aws_region": "us-east-1", "user_pool_id": "us-east-1_A", "user_pool_client_id": "c", "identity_pool_id": "bad"}}"#,
            "auth.identity_pool_id",
        ),
        (r#"{"auth": []}"#, "auth"),
        ("[]", "amplify_outputs"),
    ] {
        assert_config_error(CognitoConfig::from_amplify_outputs_str(json), field);
    }
}

#[test]
fn the_client_secret_never_shows_in_debug_or_errors() {
    let builder = full().client_secret(SECRET_MARKER);
    let config = builder.clone().build().unwrap();
    for text in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{builder:?}"),
        format!("{:?}", config.client_secret()),
    ] {
        assert!(!text.contains(SECRET_MARKER), "{text}");
    }
    assert!(format!("{config:?}").contains("client_secret: Some(***)"));

    // An otherwise invalid configuration with a secret: the error must not carry the secret.
    let err = full()
        .client_secret(SECRET_MARKER)
        .region("bad")
        .build()
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET_MARKER));
    let err = env(&[
        ("COGNITO_REGION", REGION),
        ("COGNITO_CLIENT_SECRET", SECRET_MARKER),
        ("COGNITO_CLIENT_ID", "bad id"),
    ])
    .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET_MARKER));
}
