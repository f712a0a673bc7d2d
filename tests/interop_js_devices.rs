//! Remembered devices against implementations this crate did not write, through the emulator:
//! amazon-cognito-identity-js (AWS's JavaScript client, installed by `npm ci` in `scripts/`),
//! both ways, and the `aws-cognito-srp` crate:
//!
//! - the JS client confirms a device with *its* verifier (`generateHashDevice`), and this crate
//!   signs in on that device with the JS client's device password (device SRP), and refreshes;
//! - this crate confirms a device with *its* verifier, and the JS client, given the device in
//!   its storage, signs in on it (`getDeviceResponse`) without the MFA prompt a new device gets;
//! - a device confirmed with the verifier of the `aws-cognito-srp` crate (another Rust
//!   implementation) signs in with this crate.
//!
//! Each side's device SRP is thus checked against the other's verifier maths, with the
//! emulator's server-side device SRP in between. The JS driver is
//! `scripts/interop/js_device_sign_in.js`.

mod support;

use cognito_sigv4::Clock;
use cognito_sigv4::secret::{DevicePassword, OneTimeCode, Password};
use cognito_sigv4::user_pool::{ChallengeKind, ChallengeResponse, RememberedDevice};
use cognito_sigv4_emulator::{Seed, totp_code};
use serde_json::{Value, json};
use support::{TestEmulator, challenge, done, peers};

const POOL: &str = "us-east-1_JsDevices1";
const CLIENT: &str = "jsdevicesclient0000000001";
const TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const SEED: &str = r#"
[[user_pools]]
id = "us-east-1_JsDevices1"
name = "devices"
device_configuration = { challenge_required_on_new_device = true }
[[user_pools.clients]]
id = "jsdevicesclient0000000001"
name = "web"
[[user_pools.users]]
username = "pat"
password = "Pat-Passw0rd!"
[[user_pools.users]]
username = "tina"
password = "Tina-Passw0rd!"
totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"#;

fn node_ready(test: &str) -> bool {
    peers::node_ready(test, "amazon-cognito-identity-js")
}

/// One JS sign-in of `username`, with `device` in the JS client's storage if given.
async fn js_sign_in(
    emu: &TestEmulator,
    username: &str,
    password: &str,
    device: Option<&RememberedDevice>,
) -> Value {
    let case = json!([{
        "endpoint": emu.endpoint().as_str(),
        "userPoolId": POOL,
        "clientId": CLIENT,
        "username": username,
        "password": password,
        "device": device.map(|d| json!({
            "key": d.key(),
            "groupKey": d.group_key(),
            "password": d.password().expose_secret(),
        })),
    }]);
    let input = serde_json::to_vec(&case).expect("JSON");
    let script = peers::interop_dir().join("js_device_sign_in.js");
    let out = tokio::task::spawn_blocking(move || peers::node_json(&script, &input))
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{e}"));
    out[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crate_signs_in_on_a_device_the_js_client_confirmed() {
    if !node_ready("the_crate_signs_in_on_a_device_the_js_client_confirmed") {
        return;
    }
    let emu = TestEmulator::with_seed(Seed::from_toml_str(SEED).expect("seed")).await;
    let first = js_sign_in(&emu, "pat", "Pat-Passw0rd!", None).await;
    assert_eq!(first["ok"], true, "{first}");
    let d = &first["device"];
    let text = |k: &str| {
        d[k].as_str()
            .unwrap_or_else(|| panic!("device {k}: {first}"))
    };
    let device = RememberedDevice::new(
        text("key"),
        text("groupKey"),
        DevicePassword::new(text("password")),
    );

    let client = emu
        .user_pool_client(POOL, CLIENT)
        .with_device(Some(device.clone()));
    let before = emu.calls("RespondToAuthChallenge");
    let tokens = done(
        client
            .sign_in("pat", &Password::new("Pat-Passw0rd!"))
            .await
            .expect("device SRP with the JS client's device password"),
    );
    assert!(
        tokens.new_device.is_none(),
        "the JS client's device was proven"
    );
    let answers = emu.calls("RespondToAuthChallenge") - before;
    assert_eq!(
        answers, 3,
        "PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER"
    );
    client
        .refresh(&tokens)
        .await
        .expect("refresh on the device");

    // And the JS client signs in again on its own device: no new device.
    let again = js_sign_in(&emu, "pat", "Pat-Passw0rd!", Some(&device)).await;
    assert_eq!(again["ok"], true, "{again}");
    assert_eq!(again["device"]["key"], device.key());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_client_signs_in_without_mfa_on_a_device_the_crate_confirmed() {
    if !node_ready("the_js_client_signs_in_without_mfa_on_a_device_the_crate_confirmed") {
        return;
    }
    let emu = TestEmulator::with_seed(Seed::from_toml_str(SEED).expect("seed")).await;
    // Without a device the JS client gets Tina's TOTP prompt.
    let prompted = js_sign_in(&emu, "tina", "Tina-Passw0rd!", None).await;
    assert_eq!(prompted["challenge"], "SOFTWARE_TOKEN_MFA", "{prompted}");

    let client = emu.user_pool_client(POOL, CLIENT);
    let ch = challenge(
        client
            .sign_in("tina", &Password::new("Tina-Passw0rd!"))
            .await
            .expect("sign-in"),
    );
    assert!(matches!(ch.kind(), ChallengeKind::SoftwareTokenMfa));
    let code = totp_code(TOTP, emu.clock.now()).expect("code");
    let tokens = done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new(code)))
            .await
            .expect("TOTP"),
    );
    let new = tokens.new_device.clone().expect("a new device");
    let confirmed = client
        .confirm_device(&tokens.access, &new, "crate")
        .await
        .expect("ConfirmDevice with the crate's verifier");

    let on_device = js_sign_in(&emu, "tina", "Tina-Passw0rd!", Some(&confirmed.device)).await;
    assert_eq!(
        on_device["ok"], true,
        "no MFA on the remembered device: {on_device}"
    );
    assert_eq!(on_device["device"]["key"], confirmed.device.key());
    emu.shutdown().await;
}

/// The `aws-cognito-srp` crate (a third party's Rust SRP) makes the device verifier and salt
/// ConfirmDevice stores; this crate then signs in on the device with that crate's device
/// password, which only passes if both compute the same verifier maths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crate_signs_in_on_a_device_confirmed_with_aws_cognito_srp() {
    use aws_cognito_srp::{SrpClient, UntrackedDevice};
    use aws_sdk_cognitoidentityprovider::types::DeviceSecretVerifierConfigType;

    let emu = TestEmulator::with_seed(Seed::from_toml_str(SEED).expect("seed")).await;
    let client = emu.user_pool_client(POOL, CLIENT);
    let tokens = done(
        client
            .sign_in("pat", &Password::new("Pat-Passw0rd!"))
            .await
            .expect("pat"),
    );
    let new = tokens.new_device.clone().expect("a new device");

    let other = SrpClient::new(
        UntrackedDevice::new(POOL, new.group_key(), new.key()),
        CLIENT,
        None,
    );
    let params = other.get_password_verifier();
    let sdk = emu.idp_sdk();
    sdk.confirm_device()
        .access_token(tokens.access.expose_secret())
        .device_key(new.key())
        .device_secret_verifier_config(
            DeviceSecretVerifierConfigType::builder()
                .password_verifier(params.verifier)
                .salt(params.salt)
                .build(),
        )
        .send()
        .await
        .expect("ConfirmDevice with aws-cognito-srp's verifier");

    let device = RememberedDevice::new(
        new.key(),
        new.group_key(),
        DevicePassword::new(params.password),
    );
    let again = done(
        client
            .with_device(Some(device))
            .sign_in("pat", &Password::new("Pat-Passw0rd!"))
            .await
            .expect("device SRP against aws-cognito-srp's verifier"),
    );
    assert!(again.new_device.is_none(), "the device was proven");
    emu.shutdown().await;
}
