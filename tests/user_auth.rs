//! Choice-based and passwordless sign-in (`USER_AUTH`) against the emulator: SELECT_CHALLENGE,
//! the password factors, e-mail and SMS codes (wrong, expired, right), a passkey registered and
//! used through a software authenticator, refusals, and secrets kept out of `Debug`.

mod support;

use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognito_sigv4::credentials::{Session, SignInOutcome};
use cognito_sigv4::secret::{OneTimeCode, Password};
use cognito_sigv4::user_pool::{
    AuthFlow, ChallengeKind, ChallengeResponse, FirstFactor, PasskeyAssertion, SignInStep,
    UserPoolClient,
};
use cognito_sigv4::{Clock, ErrorKind};
use cognito_sigv4_emulator::{
    AppClientSeed, DeviceConfigurationSeed, Seed, UserPoolSeed, UserSeed,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{CLIENT, PASSWORD, POOL, TestEmulator, challenge, done};

/// The reference pool with every first factor allowed, USER_AUTH on the `web` client, a
/// client with a secret, one without USER_AUTH, and users with and without MFA.
fn seed() -> Seed {
    let mut seed = Seed::reference();
    let pool = &mut seed.user_pools[0];
    pool.allowed_first_auth_factors = ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
        .map(String::from)
        .to_vec();
    pool.clients[0]
        .explicit_auth_flows
        .push("ALLOW_USER_AUTH".into());
    let mut secret = AppClientSeed {
        name: "secret".into(),
        generate_secret: true,
        ..Default::default()
    };
    secret.explicit_auth_flows.push("ALLOW_USER_AUTH".into());
    pool.clients.push(secret);
    pool.clients.push(AppClientSeed {
        name: "legacy".into(),
        ..Default::default()
    });
    // jdoe has an e-mail address (the reference's) and a phone: both codes.
    pool.users[0]
        .attributes
        .insert("phone_number".into(), "+15555550100".into());
    let mut tess = UserSeed {
        username: "tess".into(),
        password: PASSWORD.into(),
        totp_secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()),
        ..Default::default()
    };
    tess.attributes
        .insert("email".into(), "tess@example.com".into());
    pool.users.push(tess);
    seed
}

async fn start() -> TestEmulator {
    TestEmulator::with_seed(seed()).await
}

/// The code the emulator last "sent" to `user`.
fn code(env: &TestEmulator, user: &str) -> OneTimeCode {
    env.last_code(user).expect("a code was sent").code
}

#[track_caller]
fn assert_error(result: Result<SignInStep, cognito_sigv4::Error>, kind: ErrorKind, text: &str) {
    let e = result.expect_err("refused");
    assert_eq!(e.kind(), kind, "{e}");
    assert!(e.to_string().contains(text), "{e}");
}

#[tokio::test]
async fn select_challenge_lists_each_users_first_factors() {
    let env = start().await;
    let client = env.user_pool_client(POOL, CLIENT);
    let ch = challenge(client.sign_in_user_auth("jdoe", None).await.unwrap());
    let ChallengeKind::SelectChallenge { available } = ch.kind() else {
        panic!("{ch:?}");
    };
    use FirstFactor::*;
    assert_eq!(available, &[Password, PasswordSrp, EmailOtp, SmsOtp]);
    assert!(ch.session().is_some());
    // MFA and passwordless factors do not go together: only the password for tess. So is an
    // alias: alice signs in by e-mail address.
    let ch = challenge(client.sign_in_user_auth("tess", None).await.unwrap());
    assert_eq!(
        ch.kind(),
        &ChallengeKind::SelectChallenge {
            available: vec![Password, PasswordSrp]
        }
    );
    let ch = challenge(
        client
            .sign_in_user_auth("alice@example.com", None)
            .await
            .unwrap(),
    );
    assert_eq!(
        ch.kind(),
        &ChallengeKind::SelectChallenge {
            available: vec![Password, PasswordSrp, EmailOtp]
        }
    );
    env.shutdown().await;
}

#[tokio::test]
async fn password_factors_sign_in_chosen_or_preferred_with_and_without_a_secret() {
    let env = start().await;
    for name in [CLIENT, "secret"] {
        let client = env.user_pool_client(POOL, name);
        let pw = || Password::new(PASSWORD);
        for answer in [
            ChallengeResponse::SelectPassword(pw()),
            ChallengeResponse::SelectPasswordSrp(pw()),
        ] {
            let ch = challenge(client.sign_in_user_auth("jdoe", None).await.unwrap());
            let tokens = done(client.respond(&ch, answer).await.unwrap());
            assert_eq!(tokens.username, "jdoe", "{name}");
        }
        for flow in [AuthFlow::Password, AuthFlow::Srp] {
            let step = client
                .sign_in_user_auth_with_password("alice@example.com", &pw(), flow)
                .await
                .unwrap_or_else(|e| panic!("{name} {flow:?}: {e}"));
            assert_eq!(done(step).username, "alice");
        }
        // The password is checked: a wrong one is Incorrect, by either way.
        let e = client
            .sign_in_user_auth_with_password(
                "jdoe",
                &Password::new("Wrong-Passw0rd!"),
                AuthFlow::Srp,
            )
            .await;
        assert_error(
            e,
            ErrorKind::NotAuthorized,
            "Incorrect username or password",
        );
    }
    // After a password, MFA still follows.
    let client = env.user_pool_client(POOL, CLIENT);
    let step = client
        .sign_in_user_auth_with_password("tess", &Password::new(PASSWORD), AuthFlow::Password)
        .await
        .unwrap();
    assert_eq!(challenge(step).kind(), &ChallengeKind::SoftwareTokenMfa);
    env.shutdown().await;
}

#[tokio::test]
async fn email_and_sms_codes_start_sessions_with_aws_credentials() {
    let env = start().await;
    // Preferred EMAIL_OTP: the code is sent at once.
    let outcome = Session::builder(env.config())
        .clock(env.clock.clone())
        .sign_in_user_auth("jdoe", Some(FirstFactor::EmailOtp))
        .await
        .unwrap();
    let SignInOutcome::Challenge(pending) = outcome else {
        panic!("expected EMAIL_OTP");
    };
    assert_eq!(
        pending.challenge().kind(),
        &ChallengeKind::EmailOtp {
            destination: Some("j***@e***".into())
        }
    );
    let SignInOutcome::Done(session) = pending
        .respond(ChallengeResponse::MfaCode(code(&env, "jdoe")))
        .await
        .unwrap()
    else {
        panic!("signed in");
    };
    let credentials = session.credentials().await.expect("AWS credentials");
    assert!(credentials.expiry().expect("an expiry") > env.clock.now());
    assert_eq!(session.username().as_deref(), Some("jdoe"));

    // SMS_OTP chosen at SELECT_CHALLENGE.
    let client = env.user_pool_client(POOL, CLIENT);
    let select = challenge(client.sign_in_user_auth("jdoe", None).await.unwrap());
    let ch = challenge(
        client
            .respond(
                &select,
                ChallengeResponse::SelectChallenge(FirstFactor::SmsOtp),
            )
            .await
            .unwrap(),
    );
    assert_eq!(
        ch.kind(),
        &ChallengeKind::SmsOtp {
            destination: Some("+*******0100".into())
        }
    );
    let sent = env.last_code("jdoe").unwrap();
    assert_eq!(sent.destination, "+15555550100");
    let tokens = done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(sent.code))
            .await
            .unwrap(),
    );
    let session = Session::builder(env.config())
        .clock(env.clock.clone())
        .from_tokens(tokens)
        .await
        .unwrap();
    session.credentials().await.expect("AWS credentials");
    env.shutdown().await;
}

#[tokio::test]
async fn a_wrong_code_then_the_right_one_and_an_expired_one() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let ch = challenge(
        client
            .sign_in_user_auth("jdoe", Some(FirstFactor::EmailOtp))
            .await
            .unwrap(),
    );
    let wrong = client
        .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new("000000x")))
        .await;
    assert_error(wrong, ErrorKind::CodeMismatch, "Invalid code");
    let tokens = done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(code(&env, "jdoe")))
            .await
            .unwrap(),
    );
    assert_eq!(tokens.username, "jdoe");
    // Used up with the sign-in.
    let again = client
        .respond(&ch, ChallengeResponse::MfaCode(code(&env, "jdoe")))
        .await;
    assert_error(again, ErrorKind::NotAuthorized, "Invalid session");

    // A code outlives neither its session nor the emulator's 3 minutes.
    let ch = challenge(
        client
            .sign_in_user_auth("jdoe", Some(FirstFactor::SmsOtp))
            .await
            .unwrap(),
    );
    env.clock.advance(Duration::from_secs(181));
    let late = client
        .respond(&ch, ChallengeResponse::MfaCode(code(&env, "jdoe")))
        .await;
    assert_error(late, ErrorKind::NotAuthorized, "expired");
    env.shutdown().await;
}

#[tokio::test]
async fn answers_that_do_not_fit_and_clients_without_user_auth_are_refused() {
    let env = start().await;
    let client = env.user_pool_client(POOL, CLIENT);
    let select = challenge(client.sign_in_user_auth("jdoe", None).await.unwrap());
    // Checked here: a password factor comes with the password; a code answers no choice.
    let e = client
        .respond(
            &select,
            ChallengeResponse::SelectChallenge(FirstFactor::Password),
        )
        .await;
    assert_error(e, ErrorKind::InvalidParameter, "SelectPassword");
    let e = client
        .respond(
            &select,
            ChallengeResponse::MfaCode(OneTimeCode::new("123456")),
        )
        .await;
    assert_error(
        e,
        ErrorKind::InvalidParameter,
        "SELECT_CHALLENGE cannot be answered",
    );
    let e = client
        .sign_in_user_auth("jdoe", Some(FirstFactor::PasswordSrp))
        .await;
    assert_error(
        e,
        ErrorKind::InvalidParameter,
        "sign_in_user_auth_with_password",
    );
    // Checked by the service: jdoe has no passkey, so WEB_AUTHN is not hers to choose...
    let e = client
        .respond(
            &select,
            ChallengeResponse::SelectChallenge(FirstFactor::WebAuthn),
        )
        .await;
    assert_error(e, ErrorKind::InvalidParameter, "Invalid ANSWER WEB_AUTHN");
    // ...and preferring it gets the choice instead.
    let ch = challenge(
        client
            .sign_in_user_auth("jdoe", Some(FirstFactor::WebAuthn))
            .await
            .unwrap(),
    );
    assert!(matches!(ch.kind(), ChallengeKind::SelectChallenge { .. }));
    // The choice still stands after the refused answers.
    let step = client
        .respond(
            &select,
            ChallengeResponse::SelectPassword(Password::new(PASSWORD)),
        )
        .await;
    done(step.unwrap());

    let legacy = env.user_pool_client(POOL, "legacy");
    let e = legacy.sign_in_user_auth("jdoe", None).await;
    assert_error(e, ErrorKind::InvalidParameter, "USER_AUTH flow not enabled");
    env.shutdown().await;
}

/// A software passkey: an ES256 key pair, a credential id and a signature counter, doing what
/// a browser and an authenticator do together for `origin`.
struct SoftwarePasskey {
    rng: SystemRandom,
    key: EcdsaKeyPair,
    id: Vec<u8>,
    counter: u32,
    origin: String,
    user_handle: Option<String>,
}

impl SoftwarePasskey {
    fn new(origin: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        Self {
            rng,
            key,
            id: rand_bytes(),
            counter: 0,
            origin: origin.into(),
            user_handle: None,
        }
    }

    fn client_data(&self, ceremony: &str, options: &Value) -> Vec<u8> {
        json!({
            "type": ceremony,
            "challenge": options["challenge"],
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// `navigator.credentials.create()`: a RegistrationResponseJSON with a "none" attestation.
    fn register(&mut self, options: &Value) -> Value {
        let rp_id = options["rp"]["id"].as_str().unwrap();
        self.user_handle = options["user"]["id"].as_str().map(str::to_owned);
        let public = self.key.public_key().as_ref();
        let cose = ciborium::Value::Map(vec![
            (1.into(), 2.into()),
            (3.into(), (-7).into()),
            ((-1).into(), 1.into()),
            ((-2).into(), ciborium::Value::Bytes(public[1..33].to_vec())),
            ((-3).into(), ciborium::Value::Bytes(public[33..65].to_vec())),
        ]);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(0x45); // user present, user verified, attested credential data
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]); // AAGUID
        auth_data.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.id);
        ciborium::into_writer(&cose, &mut auth_data).unwrap();
        let attestation = ciborium::Value::Map(vec![
            ("fmt".into(), "none".into()),
            ("attStmt".into(), ciborium::Value::Map(vec![])),
            ("authData".into(), ciborium::Value::Bytes(auth_data)),
        ]);
        let mut attestation_object = Vec::new();
        ciborium::into_writer(&attestation, &mut attestation_object).unwrap();
        json!({
            "id": B64URL.encode(&self.id),
            "rawId": B64URL.encode(&self.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": B64URL.encode(self.client_data("webauthn.create", options)),
                "attestationObject": B64URL.encode(attestation_object),
                "transports": ["internal"],
            },
        })
    }

    /// `navigator.credentials.get()`: an AuthenticationResponseJSON.
    fn assert(&mut self, options: &Value) -> Value {
        let allowed = options["allowCredentials"].as_array().unwrap();
        assert!(allowed.iter().any(|c| c["id"] == B64URL.encode(&self.id)));
        self.counter += 1;
        let client_data = self.client_data("webauthn.get", options);
        let mut auth_data = Sha256::digest(options["rpId"].as_str().unwrap().as_bytes()).to_vec();
        auth_data.push(0x05); // user present, user verified
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature = self.key.sign(&self.rng, &signed).unwrap();
        json!({
            "id": B64URL.encode(&self.id),
            "rawId": B64URL.encode(&self.id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": B64URL.encode(&client_data),
                "authenticatorData": B64URL.encode(&auth_data),
                "signature": B64URL.encode(signature.as_ref()),
                "userHandle": self.user_handle,
            },
        })
    }
}

fn rand_bytes() -> Vec<u8> {
    let mut id = vec![0u8; 16];
    aws_lc_rs::rand::fill(&mut id).unwrap();
    id
}

/// A WEB_AUTHN challenge for jdoe and its request options.
async fn passkey_challenge(
    client: &UserPoolClient,
) -> (cognito_sigv4::user_pool::Challenge, Value) {
    let ch = challenge(
        client
            .sign_in_user_auth("jdoe", Some(FirstFactor::WebAuthn))
            .await
            .unwrap(),
    );
    let ChallengeKind::WebAuthn { request_options } = ch.kind() else {
        panic!("expected WEB_AUTHN, got {ch:?}");
    };
    let options = request_options.clone();
    (ch, options)
}

#[tokio::test]
async fn a_passkey_registers_signs_in_and_a_tampered_assertion_is_refused() {
    let env = start().await;
    let client = env.user_pool_client(POOL, CLIENT);
    let tokens = done(
        client
            .sign_in_user_auth_with_password("jdoe", &Password::new(PASSWORD), AuthFlow::Srp)
            .await
            .unwrap(),
    );
    let options = client
        .start_web_authn_registration(&tokens.access)
        .await
        .unwrap();
    assert_eq!(options["rp"]["id"], "localhost");
    let mut passkey = SoftwarePasskey::new("http://localhost:8765");
    // From another site, the registration is refused.
    let mut phish = SoftwarePasskey::new("https://evil.example");
    let e = client
        .complete_web_authn_registration(&tokens.access, &phish.register(&options))
        .await
        .unwrap_err();
    assert_eq!(e.service_code(), Some("WebAuthnOriginNotAllowedException"));
    assert_eq!(e.kind(), ErrorKind::InvalidParameter, "{e}");
    client
        .complete_web_authn_registration(&tokens.access, &passkey.register(&options))
        .await
        .unwrap();
    let listed = client
        .list_web_authn_credentials(&tokens.access)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credential_id, B64URL.encode(&passkey.id));
    assert_eq!(listed[0].relying_party_id, "localhost");

    // A passkey is now among jdoe's factors.
    let select = challenge(client.sign_in_user_auth("jdoe", None).await.unwrap());
    let ChallengeKind::SelectChallenge { available } = select.kind() else {
        panic!("{select:?}");
    };
    assert!(available.contains(&FirstFactor::WebAuthn));

    // A tampered assertion (one bit of the signed data) is refused, and spends the challenge.
    let (ch, options) = passkey_challenge(&client).await;
    let mut assertion = passkey.assert(&options);
    let data = assertion["response"]["authenticatorData"].as_str().unwrap();
    let mut data = B64URL.decode(data).unwrap();
    data[32] ^= 0x10;
    assertion["response"]["authenticatorData"] = json!(B64URL.encode(&data));
    let e = client
        .respond(
            &ch,
            ChallengeResponse::WebAuthnCredential(PasskeyAssertion::from_json(&assertion)),
        )
        .await;
    assert_error(e, ErrorKind::NotAuthorized, "signature");
    // An assertion for another challenge (a replay) is refused too.
    let (ch, _) = passkey_challenge(&client).await;
    let replay = passkey.assert(&options);
    let e = client
        .respond(
            &ch,
            ChallengeResponse::WebAuthnCredential(PasskeyAssertion::from_json(&replay)),
        )
        .await;
    assert_error(e, ErrorKind::NotAuthorized, "challenge");

    // The real thing signs in, with no MFA after it.
    let (ch, options) = passkey_challenge(&client).await;
    let answer = PasskeyAssertion::from_json(&passkey.assert(&options));
    let tokens = done(
        client
            .respond(&ch, ChallengeResponse::WebAuthnCredential(answer))
            .await
            .unwrap(),
    );
    assert_eq!(tokens.username, "jdoe");

    client
        .delete_web_authn_credential(&tokens.access, &listed[0].credential_id)
        .await
        .unwrap();
    assert!(
        client
            .list_web_authn_credentials(&tokens.access)
            .await
            .unwrap()
            .is_empty()
    );
    let e = client
        .delete_web_authn_credential(&tokens.access, &listed[0].credential_id)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
    env.shutdown().await;
}

#[tokio::test]
async fn on_a_pool_that_tracks_devices_user_auth_ends_on_a_device_and_proves_a_remembered_one() {
    let mut erin = UserSeed {
        username: "erin".into(),
        password: PASSWORD.into(),
        email_mfa: true,
        ..Default::default()
    };
    erin.attributes
        .insert("email".into(), "erin@example.com".into());
    let mut pat = UserSeed {
        username: "pat".into(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    pat.attributes
        .insert("email".into(), "pat@example.com".into());
    let mut client = AppClientSeed {
        name: "app".into(),
        ..Default::default()
    };
    client.explicit_auth_flows.push("ALLOW_USER_AUTH".into());
    let env = TestEmulator::with_seed(Seed {
        user_pools: vec![UserPoolSeed {
            name: "devices".into(),
            allowed_first_auth_factors: vec!["PASSWORD".into(), "EMAIL_OTP".into()],
            device_configuration: Some(DeviceConfigurationSeed::default()),
            clients: vec![client],
            users: vec![erin, pat],
            ..Default::default()
        }],
        ..Default::default()
    })
    .await;
    let client = env.user_pool_client("devices", "app");
    // A passwordless sign-in ends on a new device too.
    let ch = challenge(
        client
            .sign_in_user_auth("pat", Some(FirstFactor::EmailOtp))
            .await
            .unwrap(),
    );
    let answer = ChallengeResponse::MfaCode(code(&env, "pat"));
    let tokens = done(client.respond(&ch, answer).await.unwrap());
    assert!(tokens.new_device.is_some(), "{tokens:?}");

    // Erin's password by SRP, then her MFA code: a new device, confirmed (and so remembered).
    let pw = Password::new(PASSWORD);
    let step = client
        .sign_in_user_auth_with_password("erin", &pw, AuthFlow::Srp)
        .await
        .unwrap();
    let ch = challenge(step);
    assert!(
        matches!(ch.kind(), ChallengeKind::EmailOtp { .. }),
        "{ch:?}"
    );
    let answer = ChallengeResponse::MfaCode(code(&env, "erin"));
    let tokens = done(client.respond(&ch, answer).await.unwrap());
    let new = tokens.new_device.clone().expect("a new device");
    let device = client
        .confirm_device(&tokens.access, &new, "laptop")
        .await
        .unwrap()
        .device;
    // On it, the password by SRP (chosen or preferred) is followed by the device's proof, no MFA.
    let on_device = client.with_device(Some(device));
    let tokens = done(
        on_device
            .sign_in_user_auth_with_password("erin", &pw, AuthFlow::Srp)
            .await
            .unwrap(),
    );
    assert!(tokens.new_device.is_none(), "the same device: {tokens:?}");
    let select = challenge(on_device.sign_in_user_auth("erin", None).await.unwrap());
    let answer = ChallengeResponse::SelectPasswordSrp(pw.clone());
    done(on_device.respond(&select, answer).await.unwrap());
    env.shutdown().await;
}

#[tokio::test]
async fn no_code_session_password_or_assertion_reaches_the_logs() {
    // TRACE for every target (the AWS SDK's, hyper's, the emulator's) for this test binary.
    let logs = support::capture_all_logs();
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let ch = challenge(
        client
            .sign_in_user_auth("jdoe", Some(FirstFactor::EmailOtp))
            .await
            .unwrap(),
    );
    let session = ch.session().expect("a session").expose_secret().to_owned();
    let sent = code(&env, "jdoe");
    let tokens = done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(sent.clone()))
            .await
            .unwrap(),
    );
    let select = challenge(client.sign_in_user_auth("jdoe", None).await.unwrap());
    let answer = ChallengeResponse::SelectPasswordSrp(Password::new(PASSWORD));
    done(client.respond(&select, answer).await.unwrap());
    let options = client
        .start_web_authn_registration(&tokens.access)
        .await
        .unwrap();
    let mut passkey = SoftwarePasskey::new("https://localhost");
    client
        .complete_web_authn_registration(&tokens.access, &passkey.register(&options))
        .await
        .unwrap();
    let (ch, options) = passkey_challenge(&client).await;
    let assertion = passkey.assert(&options);
    let signature = assertion["response"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = ChallengeResponse::WebAuthnCredential(PasskeyAssertion::from_json(&assertion));
    done(client.respond(&ch, answer).await.unwrap());

    let text = logs.text();
    assert!(text.contains("USER_AUTH"), "the flow was logged");
    let code = sent.expose_secret();
    for (what, secret) in [
        ("challenge session", session.as_str()),
        ("passkey signature", signature.as_str()),
        ("password", PASSWORD),
        ("code, quoted", &format!("\"{code}\"")),
        ("code, as a field", &format!("={code}")),
    ] {
        assert!(!text.contains(secret), "the {what} is in the logs");
    }
    env.shutdown().await;
}

#[test]
fn codes_and_assertions_never_show_in_debug() {
    let code = ChallengeResponse::MfaCode(OneTimeCode::new("MARKER-123456"));
    let assertion = ChallengeResponse::WebAuthnCredential(PasskeyAssertion::from_json(
        &json!({"response": {"signature": "MARKER-signature"}}),
    ));
    let password = ChallengeResponse::SelectPasswordSrp(Password::new("MARKER-Passw0rd!"));
    for answer in [code, assertion, password] {
        let text = format!("{answer:?}");
        assert!(!text.contains("MARKER"), "{text}");
    }
}
