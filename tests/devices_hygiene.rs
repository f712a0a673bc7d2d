//! A device's password never reaches a log line, at TRACE for every target (this crate, the
//! emulator, the AWS SDK, hyper), through confirmation, device SRP, a refresh and a refusal.
//! Its own test binary: the log capture is global and must be installed before anything logs.

mod support;

use cognito_sigv4::secret::{DevicePassword, Password};
use cognito_sigv4::user_pool::{RememberedDevice, SignInStep};
use cognito_sigv4_emulator::Seed;
use support::{TestEmulator, capture_all_logs, done};

const SEED: &str = r#"
[[user_pools]]
name = "devices"
device_configuration = {}
[[user_pools.clients]]
name = "web"
generate_secret = true
[[user_pools.users]]
username = "pat"
password = "MARKER-pat-Passw0rd!"
"#;

#[tokio::test]
async fn no_device_password_reaches_the_logs() {
    let logs = capture_all_logs();
    let emu = TestEmulator::with_seed(Seed::from_toml_str(SEED).expect("seed")).await;
    let client = emu.user_pool_client("devices", "web");
    let password = Password::new("MARKER-pat-Passw0rd!");
    let tokens = done(client.sign_in("pat", &password).await.expect("sign-in"));
    let new = tokens.new_device.clone().expect("new device");
    let device = client
        .confirm_device(&tokens.access, &new, "laptop")
        .await
        .expect("confirm")
        .device;
    let on_device = client.with_device(Some(device.clone()));
    let again = done(
        on_device
            .sign_in("pat", &password)
            .await
            .expect("device SRP"),
    );
    on_device.refresh(&again).await.expect("refresh");
    let forged = RememberedDevice::new(
        device.key(),
        device.group_key(),
        DevicePassword::new("MARKER-forged-device-password"),
    );
    let refused = client
        .with_device(Some(forged))
        .sign_in("pat", &password)
        .await;
    assert!(
        !matches!(refused, Ok(SignInStep::Done(_))),
        "a forged device password is refused"
    );
    emu.shutdown().await;

    let text = logs.text();
    assert!(text.contains("DEVICE_SRP_AUTH") || text.contains("RespondToAuthChallenge"));
    assert!(!text.contains(device.password().expose_secret()));
    assert!(!text.contains("MARKER"), "a marked secret reached the logs");
}
