//! The control plane and admin APIs (cognito-idp, cognito-identity, IAM), SigV4-verified with
//! the admin key pairs: a moto setup script that runs unchanged, then SRP sign-in, the identity
//! pool's credentials and a `/cip` call allowed and denied by the IAM policy it put; the AWS
//! CLI creating a pool, a client and a user; and the official Rust SDK's admin calls.

mod support;

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider as idp;
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use serde_json::Value;

/// No user pools: the scripts make them. An API whose `/cip` and `/secret` are AWS_IAM, and
/// moto's key pair (`testing`) beside the default one.
const SEED: &str = r#"
[[admin_keys]]
access_key_id = "testing"
secret_access_key = "testing"
[[admin_keys]]
access_key_id = "test"
secret_access_key = "test"

[[apis]]
id = "abc123defg"
name = "main"
stages = ["prod"]
[[apis.resources]]
path = "/cip"
methods = [{ http_method = "GET", authorization = "AWS_IAM" }]
[[apis.resources]]
path = "/secret"
methods = [{ http_method = "GET", authorization = "AWS_IAM" }]
"#;

async fn start() -> RunningEmulator {
    Emulator::builder()
        .seed(Seed::from_toml_str(SEED).unwrap())
        .start()
        .await
        .unwrap()
}

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test]
async fn a_moto_setup_script_runs_unchanged_then_srp_credentials_and_cip_follow_the_policy() {
    let test = "a_moto_setup_script_runs_unchanged_then_srp_credentials_and_cip_follow_the_policy";
    if !support::python_ready(test, &["boto3", "pycognito"]) {
        return;
    }
    let emu = start().await;
    let endpoint = emu.endpoint().to_string();
    let fixture = support::run(
        support::interop_script("moto_bootstrap.py"),
        vec![endpoint.clone()],
        None,
        SCRIPT_TIMEOUT,
    )
    .await;
    let ids: Value = serde_json::from_str(fixture.trim()).unwrap();
    let pool_id = ids["plain_pool_id"].as_str().unwrap();
    assert!(pool_id.starts_with("us-east-1_"), "{ids}");
    assert!(
        emu.user_pool_id(pool_id).is_some(),
        "the data plane sees the pool"
    );
    let api = emu.api_url("main", "prod").unwrap().to_string();
    let out = support::run(
        support::python_script("moto_setup_then_cip.py"),
        vec![endpoint, api],
        Some(fixture),
        SCRIPT_TIMEOUT,
    )
    .await;
    assert_eq!(out.trim(), "ok");
    assert!(emu.calls("CreateRole") >= 1 && emu.calls("GetCredentialsForIdentity") == 1);
    let refused = emu.refusals();
    assert_eq!(
        refused.of(cognito_sigv4_emulator::RefusalReason::AccessDenied),
        2,
        "/secret, then /cip after the Deny: {refused:?}"
    );
}

#[tokio::test]
async fn the_aws_cli_creates_a_pool_a_client_and_a_user() {
    let test = "the_aws_cli_creates_a_pool_a_client_and_a_user";
    let aws = std::env::var("AWS_CLI").unwrap_or_else(|_| "aws".to_owned());
    let runs = std::process::Command::new(&aws)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs && !support::missing(test, "no AWS CLI (pip install awscli)") {
        return;
    }
    let emu = start().await;
    let endpoint = emu.endpoint().to_string();
    let cli = |args: Vec<String>| {
        let aws = aws.clone();
        let endpoint = endpoint.clone();
        async move {
            let mut cmd = tokio::process::Command::new(aws);
            cmd.arg("--endpoint-url")
                .arg(endpoint)
                .arg("--output")
                .arg("json")
                .args(&args)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .env_remove("AWS_PROFILE")
                .kill_on_drop(true);
            let out = tokio::time::timeout(SCRIPT_TIMEOUT, cmd.output())
                .await
                .expect("the CLI answers in time")
                .expect("the CLI runs");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "aws {args:?}: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_str::<Value>(if stdout.trim().is_empty() {
                "{}"
            } else {
                &stdout
            })
            .unwrap()
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let pool = cli(args(&[
        "cognito-idp",
        "create-user-pool",
        "--pool-name",
        "cli",
    ]))
    .await;
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = cli(args(&[
        "cognito-idp",
        "create-user-pool-client",
        "--user-pool-id",
        &pool_id,
        "--client-name",
        "cli-app",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]))
    .await;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    cli(args(&[
        "cognito-idp",
        "admin-create-user",
        "--user-pool-id",
        &pool_id,
        "--username",
        "carol",
        "--user-attributes",
        "Name=email,Value=carol@example.com",
        "--message-action",
        "SUPPRESS",
    ]))
    .await;
    cli(args(&[
        "cognito-idp",
        "admin-set-user-password",
        "--user-pool-id",
        &pool_id,
        "--username",
        "carol",
        "--password",
        "Cli-Passw0rd!",
        "--permanent",
    ]))
    .await;
    let user = cli(args(&[
        "cognito-idp",
        "admin-get-user",
        "--user-pool-id",
        &pool_id,
        "--username",
        "carol",
    ]))
    .await;
    assert_eq!(user["UserStatus"], "CONFIRMED");
    // The data plane signs the user in at once.
    let signed_in = cli(args(&[
        "cognito-idp",
        "initiate-auth",
        "--client-id",
        &client_id,
        "--auth-flow",
        "USER_PASSWORD_AUTH",
        "--auth-parameters",
        "USERNAME=carol,PASSWORD=Cli-Passw0rd!",
    ]))
    .await;
    assert!(signed_in["AuthenticationResult"]["IdToken"].is_string());
    assert_eq!(emu.user_pool_id("cli").as_deref(), Some(pool_id.as_str()));
}

/// The official Rust SDK signed with `test`/`test`.
fn admin_client(emu: &RunningEmulator, key: &str, secret: &str) -> idp::Client {
    let config = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .region(idp::config::Region::new("us-east-1"))
        .endpoint_url(emu.endpoint().as_str())
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .build();
    idp::Client::from_conf(config)
}

fn code<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn admin_calls_need_a_known_key_and_answer_as_aws() {
    let emu = start().await;
    let admin = admin_client(&emu, "test", "test");
    let pool = admin
        .create_user_pool()
        .pool_name("sdk")
        .alias_attributes(idp::types::AliasAttributeType::Email)
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("admin-app")
        .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    let client = client.user_pool_client().unwrap();
    assert_eq!(client.client_secret().map(str::len), Some(51));
    for (name, email) in [("dana", "dana@example.com"), ("dave", "dave@example.org")] {
        admin
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .temporary_password("Temp-Passw0rd!")
            .user_attributes(
                idp::types::AttributeType::builder()
                    .name("email")
                    .value(email)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    // The invitation went to the outbox with the temporary password.
    let invited = emu.sent_codes("dana");
    assert_eq!(invited.len(), 1);
    assert_eq!(invited[0].code.expose_secret(), "Temp-Passw0rd!");

    let listed = admin
        .list_users()
        .user_pool_id(&pool_id)
        .filter("email ^= \"dave@\"")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed.users().iter().filter_map(|u| u.username()).collect();
    assert_eq!(names, ["dave"]);
    let bad = admin
        .list_users()
        .user_pool_id(&pool_id)
        .filter("email ~ dave")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&bad.into_service_error()), "InvalidParameterException");
    let paged = admin
        .list_users()
        .user_pool_id(&pool_id)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.users().len(), 1);
    assert!(paged.pagination_token().is_some());

    // A temporary password: NEW_PASSWORD_REQUIRED through the admin flow.
    let secret = client.client_secret().unwrap();
    let hash = cognito_sigv4::user_pool::secret_hash::secret_hash(
        &cognito_sigv4::secret::ClientSecret::new(secret.to_owned()),
        "dana",
        client.client_id().unwrap(),
    );
    let started = admin
        .admin_initiate_auth()
        .user_pool_id(&pool_id)
        .client_id(client.client_id().unwrap())
        .auth_flow(idp::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "dana")
        .auth_parameters("PASSWORD", "Temp-Passw0rd!")
        .auth_parameters("SECRET_HASH", &hash)
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&idp::types::ChallengeNameType::NewPasswordRequired)
    );
    let user = admin
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("dana")
        .send()
        .await
        .unwrap();
    assert_eq!(
        user.user_status(),
        Some(&idp::types::UserStatusType::ForceChangePassword)
    );
    assert!(
        user.user_attributes()
            .iter()
            .any(|a| a.name() == "sub" && a.value().is_some_and(|v| v.len() == 36))
    );

    // Unknown keys and wrong secrets are refused with AWS's codes, nothing is created.
    let stranger = admin_client(&emu, "AKIASTRANGER", "test");
    let refused = stranger
        .create_user_pool()
        .pool_name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&refused.into_service_error()),
        "UnrecognizedClientException"
    );
    let wrong = admin_client(&emu, "test", "not-test");
    let refused = wrong
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&refused.into_service_error()),
        "InvalidSignatureException"
    );
    let unsigned = reqwest::Client::new()
        .post(emu.endpoint())
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.ListUsers",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(format!("{{\"UserPoolId\":\"{pool_id}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
    let body: Value = unsigned.json().await.unwrap();
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    let pools = admin
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(pools.user_pools().len(), 1);

    admin
        .delete_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let gone = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&gone.into_service_error()),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn a_pools_password_policy_applies_with_awss_words_per_operation() {
    let emu = start().await;
    let admin = admin_client(&emu, "test", "test");
    let policy = idp::types::PasswordPolicyType::builder()
        .minimum_length(6)
        .require_uppercase(false)
        .require_lowercase(true)
        .require_numbers(false)
        .require_symbols(false)
        .build();
    let pool = admin
        .create_user_pool()
        .pool_name("lax")
        .policies(
            idp::types::UserPoolPolicyType::builder()
                .password_policy(policy)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .unwrap();
    let client_id = client
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    admin
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("lee")
        .temporary_password("simple")
        .message_action(idp::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("a password the pool's policy allows");
    let refused = admin
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("lee")
        .password("tiny")
        .permanent(true)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&refused), "InvalidPasswordException");
    assert_eq!(
        aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(&refused),
        Some("Password does not conform to policy: Password not long enough")
    );
    let signed_up = admin
        .sign_up()
        .client_id(&client_id)
        .username("kim")
        .password("SHOUTING")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(&signed_up),
        Some("Password did not conform with policy: Password must have lowercase characters")
    );
}

#[tokio::test]
async fn admins_see_update_and_forget_a_users_devices() {
    // A pool that tracks devices, and a device confirmed through the SDK's own calls.
    let mut seed = Seed::from_toml_str(SEED).unwrap();
    seed.user_pools.push(cognito_sigv4_emulator::UserPoolSeed {
        name: "tracked".into(),
        device_configuration: Some(cognito_sigv4_emulator::DeviceConfigurationSeed {
            challenge_required_on_new_device: false,
            device_only_remembered_on_user_prompt: true,
        }),
        clients: vec![cognito_sigv4_emulator::AppClientSeed {
            name: "app".into(),
            ..Default::default()
        }],
        users: vec![cognito_sigv4_emulator::UserSeed {
            username: "pat".into(),
            password: "Device-Passw0rd!".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    let emu = Emulator::builder().seed(seed).start().await.unwrap();
    let pool_id = emu.user_pool_id("tracked").unwrap();
    let client =
        cognito_sigv4::UserPoolClient::new(&emu.config("tracked", "app").unwrap()).unwrap();
    let cognito_sigv4::SignInStep::Done(tokens) = client
        .sign_in(
            "pat",
            &cognito_sigv4::Password::new("Device-Passw0rd!".to_owned()),
        )
        .await
        .unwrap()
    else {
        panic!("a challenge");
    };
    let new = tokens.new_device.clone().expect("a device to confirm");
    client
        .confirm_device(&tokens.access, &new, "laptop")
        .await
        .unwrap();
    let key = new.key().to_owned();

    let admin = admin_client(&emu, "test", "test");
    let listed = admin
        .admin_list_devices()
        .user_pool_id(&pool_id)
        .username("pat")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed
        .devices()
        .iter()
        .filter_map(|d| d.device_key())
        .collect();
    assert_eq!(keys, [key.as_str()]);
    admin
        .admin_update_device_status()
        .user_pool_id(&pool_id)
        .username("pat")
        .device_key(&key)
        .device_remembered_status(idp::types::DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();
    let got = admin
        .admin_get_device()
        .user_pool_id(&pool_id)
        .username("pat")
        .device_key(&key)
        .send()
        .await
        .unwrap();
    let remembered = got
        .device()
        .unwrap()
        .device_attributes()
        .iter()
        .any(|a| a.name() == "dev:device_remembered_status" && a.value() == Some("remembered"));
    assert!(remembered, "{got:?}");
    admin
        .admin_forget_device()
        .user_pool_id(&pool_id)
        .username("pat")
        .device_key(&key)
        .send()
        .await
        .unwrap();
    let gone = admin
        .admin_get_device()
        .user_pool_id(&pool_id)
        .username("pat")
        .device_key(&key)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&gone), "ResourceNotFoundException");
}
