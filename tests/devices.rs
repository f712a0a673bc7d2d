//! Remembered devices against the emulator: a sign-in announces a new device, the client
//! confirms it, a later sign-in proves it with device SRP and (remembered) skips MFA, refresh
//! is bound to the device, and the device operations (list, get, status, forget).

mod support;

use cognito_sigv4::ErrorKind;
use cognito_sigv4::secret::{DevicePassword, Password};
use cognito_sigv4::user_pool::{
    AuthFlow, ChallengeKind, ChallengeResponse, DeviceStatus, RememberedDevice, SignInStep, Tokens,
    UserPoolClient,
};
use cognito_sigv4_emulator::{
    AppClientSeed, DeviceConfigurationSeed, Seed, UserPoolSeed, UserSeed,
};
use support::{TestEmulator, challenge, done};

/// Devices are remembered when confirmed ("Always").
const ALWAYS: &str = "always";
/// Devices are remembered only when the user says so ("User opt-in").
const OPT_IN: &str = "opt-in";
const PASSWORD: &str = "MARKER-erin-Passw0rd!";

fn pool(name: &str, only_on_prompt: bool) -> UserPoolSeed {
    let mut erin = UserSeed {
        username: "erin".into(),
        password: PASSWORD.into(),
        email_mfa: true,
        ..Default::default()
    };
    erin.attributes
        .insert("email".into(), "erin@example.com".into());
    let plain = UserSeed {
        username: "pat".into(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    UserPoolSeed {
        name: name.into(),
        device_configuration: Some(DeviceConfigurationSeed {
            challenge_required_on_new_device: true,
            device_only_remembered_on_user_prompt: only_on_prompt,
        }),
        clients: vec![
            AppClientSeed {
                name: "public".into(),
                explicit_auth_flows: vec![
                    "ALLOW_USER_SRP_AUTH".into(),
                    "ALLOW_USER_PASSWORD_AUTH".into(),
                    "ALLOW_REFRESH_TOKEN_AUTH".into(),
                ],
                ..Default::default()
            },
            AppClientSeed {
                name: "secret".into(),
                generate_secret: true,
                ..Default::default()
            },
            AppClientSeed {
                name: "rotating".into(),
                refresh_token_rotation: true,
                ..Default::default()
            },
        ],
        users: vec![erin, plain],
        ..Default::default()
    }
}

async fn emulator() -> TestEmulator {
    TestEmulator::with_seed(Seed {
        user_pools: vec![pool(ALWAYS, false), pool(OPT_IN, true)],
        ..Default::default()
    })
    .await
}

/// Erin's first sign-in: the password, then the e-mail code from the outbox.
async fn first_sign_in(emu: &TestEmulator, client: &UserPoolClient) -> Tokens {
    let step = client
        .sign_in("erin", &Password::new(PASSWORD))
        .await
        .expect("sign-in");
    let ch = challenge(step);
    assert!(
        matches!(ch.kind(), ChallengeKind::EmailOtp { .. }),
        "{ch:?}"
    );
    let code = emu.last_code("erin").expect("a code was sent").code;
    done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(code))
            .await
            .expect("the code"),
    )
}

/// A first sign-in and its device confirmed.
async fn confirmed(
    emu: &TestEmulator,
    client: &UserPoolClient,
) -> (Tokens, RememberedDevice, bool) {
    let tokens = first_sign_in(emu, client).await;
    let new = tokens
        .new_device
        .clone()
        .expect("a pool that tracks devices names one");
    let confirmed = client
        .confirm_device(&tokens.access, &new, "laptop")
        .await
        .expect("ConfirmDevice");
    assert_eq!(confirmed.device.key(), new.key());
    (
        tokens,
        confirmed.device,
        confirmed.user_confirmation_necessary,
    )
}

#[tokio::test]
async fn a_remembered_device_skips_mfa_at_the_next_sign_in() {
    let emu = emulator().await;
    let client = emu.user_pool_client(ALWAYS, "public");
    let (_, device, ask) = confirmed(&emu, &client).await;
    assert!(!ask, "an \"Always\" pool remembers confirmed devices");
    let codes = emu.sent_codes("erin").len();

    let on_device = client.with_device(Some(device.clone()));
    let tokens = done(
        on_device
            .sign_in("erin", &Password::new(PASSWORD))
            .await
            .expect("device sign-in"),
    );
    assert!(
        tokens.new_device.is_none(),
        "the device was proven, not new"
    );
    assert_eq!(emu.sent_codes("erin").len(), codes, "no MFA code was sent");

    // The password flow proves the device the same way.
    let tokens = done(
        on_device
            .sign_in_with_flow("erin", &Password::new(PASSWORD), AuthFlow::Password)
            .await
            .expect("password sign-in on the device"),
    );
    assert!(tokens.new_device.is_none());
    // And a client without the device is a new device, asked for MFA again.
    let step = client.sign_in("erin", &Password::new(PASSWORD)).await;
    assert!(matches!(step, Ok(SignInStep::Challenge(_))));
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_is_bound_to_the_confirmed_device_until_it_is_forgotten() {
    let emu = emulator().await;
    let client = emu.user_pool_client(ALWAYS, "public");

    // An unconfirmed device's refresh token does not refresh.
    let unconfirmed = first_sign_in(&emu, &client).await;
    let err = client.refresh(&unconfirmed).await.expect_err("unconfirmed");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");

    let (tokens, device, _) = confirmed(&emu, &client).await;
    let err = client.refresh(&tokens).await.expect_err("no DEVICE_KEY");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    let on_device = client.with_device(Some(device.clone()));
    let refreshed = on_device
        .refresh(&tokens)
        .await
        .expect("refresh on the device");
    assert!(refreshed.new_device.is_none());
    // The access tokens name the device they were issued on, as Cognito's do.
    let device_key = |t: &cognito_sigv4::secret::Jwt| {
        let claims = cognito_sigv4::jwt::UnverifiedClaims::from_jwt(t).expect("claims");
        claims
            .get("device_key")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    for access in [&tokens.access, &refreshed.access] {
        assert_eq!(device_key(access).as_deref(), Some(device.key()));
    }

    on_device
        .forget_device(&refreshed.access, device.key())
        .await
        .expect("ForgetDevice");
    let err = on_device.refresh(&tokens).await.expect_err("forgotten");
    assert!(err.ends_session(), "{err}");
    // A forgotten device's key names nothing: the next sign-in is a new device, with MFA.
    let step = on_device
        .sign_in("erin", &Password::new(PASSWORD))
        .await
        .expect("sign-in");
    assert!(matches!(step, SignInStep::Challenge(_)));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_rotating_client_keeps_its_refresh_tokens_on_the_device() {
    let emu = emulator().await;
    let client = emu.user_pool_client(ALWAYS, "rotating");
    let (tokens, device, _) = confirmed(&emu, &client).await;
    let on_device = client.with_device(Some(device));
    let rotated = on_device
        .refresh_with_rotation(&tokens)
        .await
        .expect("first rotation");
    on_device
        .refresh_with_rotation(&rotated)
        .await
        .expect("the rotated token is bound to the device too");
    let err = client
        .refresh_with_rotation(&rotated)
        .await
        .expect_err("no DeviceKey");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn an_opt_in_pool_asks_mfa_of_a_device_until_it_is_remembered() {
    let emu = emulator().await;
    let client = emu.user_pool_client(OPT_IN, "secret");
    let (tokens, device, ask) = confirmed(&emu, &client).await;
    assert!(ask, "an opt-in pool asks the user");
    let on_device = client.with_device(Some(device.clone()));

    // Proven but not remembered: MFA still, and no new device at the end.
    let ch = challenge(
        on_device
            .sign_in("erin", &Password::new(PASSWORD))
            .await
            .expect("sign-in"),
    );
    let code = emu.last_code("erin").expect("code").code;
    let again = done(
        on_device
            .respond(&ch, ChallengeResponse::MfaCode(code))
            .await
            .expect("code"),
    );
    assert!(again.new_device.is_none());

    let listed = client
        .list_devices(&tokens.access)
        .await
        .expect("ListDevices");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].key, device.key());
    assert_eq!(listed[0].name.as_deref(), Some("laptop"));
    assert_eq!(listed[0].status, Some(DeviceStatus::NotRemembered));

    client
        .update_device_status(&tokens.access, device.key(), DeviceStatus::Remembered)
        .await
        .expect("UpdateDeviceStatus");
    let got = client
        .get_device(&tokens.access, device.key())
        .await
        .expect("GetDevice");
    assert_eq!(got.status, Some(DeviceStatus::Remembered));
    assert!(got.last_authenticated.is_some());
    done(
        on_device
            .sign_in("erin", &Password::new(PASSWORD))
            .await
            .expect("remembered: no MFA"),
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_wrong_device_password_is_refused_and_stays_secret() {
    let emu = emulator().await;
    let client = emu.user_pool_client(ALWAYS, "public");
    let (_, device, _) = confirmed(&emu, &client).await;
    let forged = RememberedDevice::new(
        device.key(),
        device.group_key(),
        DevicePassword::new("MARKER-not-the-device-password"),
    );
    assert!(!format!("{forged:?}").contains("MARKER"));
    assert!(!format!("{:?}", client.with_device(Some(forged.clone()))).contains("MARKER"));
    let err = client
        .with_device(Some(forged))
        .sign_in("erin", &Password::new(PASSWORD))
        .await
        .expect_err("a wrong device password");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(!err.to_string().contains("MARKER"));
    emu.shutdown().await;
}

#[tokio::test]
async fn device_operations_need_the_devices_owner() {
    let emu = emulator().await;
    let client = emu.user_pool_client(ALWAYS, "public");
    let (_, device, _) = confirmed(&emu, &client).await;
    // Pat has no MFA: the first sign-in gives tokens and a device at once.
    let pat = done(
        client
            .sign_in("pat", &Password::new(PASSWORD))
            .await
            .expect("pat"),
    );
    assert!(pat.new_device.is_some());
    let err = client
        .forget_device(&pat.access, device.key())
        .await
        .expect_err("not Pat's device");
    assert_eq!(err.kind(), ErrorKind::ResourceNotFound, "{err}");
    assert!(
        client
            .list_devices(&pat.access)
            .await
            .expect("list")
            .is_empty()
    );
    emu.shutdown().await;
}

/// A session that remembers its new device: the device is confirmed at sign-in, kept in the
/// store, used by a resumed session's refresh, and skips MFA at the next sign-in.
#[tokio::test]
async fn a_session_remembers_its_device_across_resume_and_sign_out() {
    use cognito_sigv4::credentials::{Session, SignInOutcome};
    use cognito_sigv4::store::{MemoryStore, SessionStore};
    use std::sync::Arc;

    let emu = emulator().await;
    let config = emu.config_of(OPT_IN, "secret");
    let builder = || Session::builder(config.clone()).clock(emu.clock.clone());
    let store = Arc::new(MemoryStore::new());
    let outcome = builder()
        .store(store.clone())
        .remember_new_device("laptop")
        .sign_in("erin", &Password::new(PASSWORD))
        .await
        .expect("sign-in");
    let SignInOutcome::Challenge(pending) = outcome else {
        panic!("a new device gets MFA")
    };
    let code = emu.last_code("erin").expect("code").code;
    let SignInOutcome::Done(session) = pending
        .respond(ChallengeResponse::MfaCode(code))
        .await
        .expect("code")
    else {
        panic!("signed in")
    };
    let device = session.remembered_device().expect("confirmed at sign-in");
    let stored = store.load().expect("load").expect("stored");
    assert_eq!(stored.device().as_ref(), Some(&device));
    assert!(!format!("{stored:?}").contains(device.password().expose_secret()));

    // A resumed session refreshes on the stored device (the pool binds refresh to it).
    let resumed = builder()
        .store(store.clone())
        .resume()
        .await
        .expect("resume");
    assert_eq!(resumed.remembered_device().as_ref(), Some(&device));
    resumed.tokens().await.expect("refresh on the device");

    // Signed out, the app keeps the device: the next sign-in on it skips MFA (the opt-in pool
    // remembered it because the builder asked).
    session.sign_out().await.expect("sign out");
    let codes = emu.sent_codes("erin").len();
    let outcome = builder()
        .device(device)
        .sign_in("erin", &Password::new(PASSWORD))
        .await
        .expect("sign-in on the device");
    assert!(matches!(outcome, SignInOutcome::Done(_)), "no MFA");
    assert_eq!(emu.sent_codes("erin").len(), codes);
    emu.shutdown().await;
}

/// Malformed device calls get AWS's typed errors, and change nothing.
#[tokio::test]
async fn malformed_device_calls_are_refused_with_typed_errors() {
    use aws_sdk_cognitoidentityprovider::types::{
        DeviceRememberedStatusType, DeviceSecretVerifierConfigType,
    };
    let emu = emulator().await;
    let client = emu.user_pool_client(ALWAYS, "public");
    let tokens = done(
        client
            .sign_in("pat", &Password::new(PASSWORD))
            .await
            .expect("pat"),
    );
    let new = tokens.new_device.clone().expect("new device");
    let sdk = emu.idp_sdk();
    let err = sdk
        .confirm_device()
        .access_token(tokens.access.expose_secret())
        .device_key(new.key())
        .device_secret_verifier_config(
            DeviceSecretVerifierConfigType::builder()
                .password_verifier("not base64!")
                .salt("AAAA")
                .build(),
        )
        .send()
        .await
        .expect_err("a verifier that is not base64");
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("InvalidParameterException")
    );
    let err = sdk
        .update_device_status()
        .access_token(tokens.access.expose_secret())
        .device_key("us-east-1_no-such-device")
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .expect_err("no such device");
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("ResourceNotFoundException")
    );
    // The device stays unconfirmed: its refresh token still does not refresh.
    let err = client
        .with_device(Some(RememberedDevice::new(
            new.key(),
            new.group_key(),
            DevicePassword::new("x"),
        )))
        .refresh(&tokens)
        .await
        .expect_err("unconfirmed");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    emu.shutdown().await;
}

/// Without `remember_new_device`, a session still confirms its new device (a pool that tracks
/// devices refreshes only confirmed devices' tokens), but an opt-in pool does not remember it.
#[tokio::test]
async fn a_session_confirms_its_new_device_so_that_it_can_refresh() {
    use cognito_sigv4::credentials::{DEFAULT_DEVICE_NAME, Session, SignInOutcome};
    use cognito_sigv4::store::MemoryStore;
    use std::sync::Arc;

    let emu = emulator().await;
    let config = emu.config_of(OPT_IN, "public");
    let store = Arc::new(MemoryStore::new());
    let outcome = Session::builder(config.clone())
        .clock(emu.clock.clone())
        .store(store.clone())
        .sign_in("pat", &Password::new(PASSWORD))
        .await
        .expect("sign-in");
    let SignInOutcome::Done(session) = outcome else {
        panic!("pat has no MFA")
    };
    let device = session.remembered_device().expect("confirmed");
    let resumed = Session::builder(config)
        .clock(emu.clock.clone())
        .store(store)
        .resume()
        .await
        .expect("resume");
    let tokens = resumed
        .tokens()
        .await
        .expect("refresh on the confirmed device");
    let info = emu
        .user_pool_client(OPT_IN, "public")
        .get_device(&tokens.access, device.key())
        .await
        .expect("GetDevice");
    assert_eq!(info.name.as_deref(), Some(DEFAULT_DEVICE_NAME));
    assert_eq!(info.status, Some(DeviceStatus::NotRemembered));
    emu.shutdown().await;
}
