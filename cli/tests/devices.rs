//! `login --remember-device` on a pool that tracks devices: the first login asks for the TOTP
//! code and remembers the device; after `logout` the next login proves the device and asks for
//! no code; `logout --forget-device` forgets it, and the code is asked again.

mod support;

use cognito_sigv4_emulator::DeviceConfigurationSeed;
use support::*;

fn login_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec![
        "login",
        "--profile",
        "emu",
        "--username",
        TOTP_USER,
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_device_logs_in_again_without_the_code_until_forgotten() {
    let mut seed = seed();
    seed.user_pools[0].device_configuration = Some(DeviceConfigurationSeed {
        challenge_required_on_new_device: true,
        device_only_remembered_on_user_prompt: true,
    });
    let env = Env::with_seed(seed).await;
    env.configure();
    let device_file = env.home.path().join("devices").join("emu.json");

    // First login: the code is asked for, and the device remembered.
    let code = totp_code_now();
    let out = env.run(
        &login_args(&["--remember-device"]),
        &format!("{PASSWORD}\n{code}\n"),
    );
    assert_success(&out);
    assert!(stderr(&out).contains("Code from your authenticator app"));
    assert!(
        stderr(&out).contains("Device remembered"),
        "{}",
        stderr(&out)
    );
    #[cfg(unix)]
    assert_eq!(mode(&device_file), 0o600);
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&device_file).unwrap()).unwrap();
    let device_password = saved["password"].as_str().unwrap().to_owned();

    // The session refreshes on the device (the pool binds refresh tokens to it).
    assert_success(&env.run(&["call", "--profile", "emu", &env.api("/cip")], ""));
    assert_success(&env.run(&["logout", "--profile", "emu"], ""));
    assert!(device_file.exists(), "logout keeps the device");

    // Second login: the password only; the device stands in for the code.
    let out = env.run(&login_args(&[]), &format!("{PASSWORD}\n"));
    assert_success(&out);
    assert!(
        !stderr(&out).contains("Code from your authenticator app"),
        "{}",
        stderr(&out)
    );

    // Forgotten: the code is asked for again.
    let out = env.run(&["logout", "--profile", "emu", "--forget-device"], "");
    assert_success(&out);
    assert!(stderr(&out).contains("Forgot device"), "{}", stderr(&out));
    assert!(!device_file.exists());
    let out = env.login();
    assert_success(&out);
    assert!(stderr(&out).contains("Code from your authenticator app"));

    assert_no_secret(&env, &[device_password]);
}
