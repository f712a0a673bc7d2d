//! The account lifecycle against the emulator: sign-up and confirmation, a forgotten password,
//! a password change, attribute verification and account deletion, each failure with Cognito's
//! error name and kind.

mod support;

use std::time::Duration;

use cognito_sigv4::ErrorKind;
use cognito_sigv4::secret::{OneTimeCode, Password};
use cognito_sigv4_emulator::Seed;
use support::{CLIENT, PASSWORD, POOL, TestEmulator, done};

const NEW_PASSWORD: &str = "Another-Passw0rd!";

/// The code the emulator last "sent" to `user`.
fn code(env: &TestEmulator, user: &str) -> OneTimeCode {
    env.emulator.last_code(user).expect("a code was sent").code
}

#[track_caller]
fn assert_error(e: &cognito_sigv4::Error, kind: ErrorKind, name: &str) {
    assert_eq!((e.kind(), e.service_code()), (kind, Some(name)), "{e:?}");
}

#[tokio::test]
async fn sign_up_confirm_and_sign_in_with_each_refusal() {
    let env = TestEmulator::start().await;
    let client = env.user_pool_client(POOL, CLIENT);
    let attrs = [("email", "sam@example.com")];

    let weak = client
        .sign_up("sam", &Password::new("weak"), attrs)
        .await
        .unwrap_err();
    assert_error(
        &weak,
        ErrorKind::InvalidParameter,
        "InvalidPasswordException",
    );
    assert!(
        weak.to_string().contains("Password not long enough"),
        "{weak}"
    );
    let taken = client
        .sign_up("jdoe", &Password::new(PASSWORD), attrs)
        .await
        .unwrap_err();
    assert_error(
        &taken,
        ErrorKind::InvalidParameter,
        "UsernameExistsException",
    );

    let result = client
        .sign_up("sam", &Password::new(PASSWORD), attrs)
        .await
        .expect("signed up");
    assert!(!result.user_confirmed);
    let delivery = result.code_delivery.expect("a code was sent");
    assert_eq!(delivery.medium, "EMAIL");
    assert_eq!(delivery.destination.as_deref(), Some("s***@e***"));
    // Not confirmed yet: no sign-in, whatever the password.
    let e = client
        .sign_in("sam", &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::UserNotConfirmed, "UserNotConfirmedException");

    // A wrong code, then a resent code (the first one no longer works), then the right one.
    let first = code(&env, "sam");
    let e = client
        .confirm_sign_up("sam", &OneTimeCode::new("000000"))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::CodeMismatch, "CodeMismatchException");
    client.resend_confirmation_code("sam").await.unwrap();
    let second = code(&env, "sam");
    if first.expose_secret() != second.expose_secret() {
        let e = client.confirm_sign_up("sam", &first).await.unwrap_err();
        assert_error(&e, ErrorKind::CodeMismatch, "CodeMismatchException");
    }
    client
        .confirm_sign_up("sam", &second)
        .await
        .expect("confirmed");
    let e = client.confirm_sign_up("sam", &second).await.unwrap_err();
    assert_error(&e, ErrorKind::NotAuthorized, "NotAuthorizedException");
    let tokens = done(
        client
            .sign_in("sam", &Password::new(PASSWORD))
            .await
            .unwrap(),
    );
    let user = client.get_user(&tokens.access).await.unwrap();
    assert_eq!(user.attribute("email_verified"), Some("true"));

    // Five wrong answers spend a code.
    client
        .sign_up(
            "max",
            &Password::new(PASSWORD),
            [("email", "max@example.com")],
        )
        .await
        .unwrap();
    let wrong = OneTimeCode::new("999999");
    for _ in 0..4 {
        let e = client.confirm_sign_up("max", &wrong).await.unwrap_err();
        assert_error(&e, ErrorKind::CodeMismatch, "CodeMismatchException");
    }
    let e = client.confirm_sign_up("max", &wrong).await.unwrap_err();
    assert_error(&e, ErrorKind::Throttled, "LimitExceededException");
    let e = client
        .confirm_sign_up("max", &code(&env, "max"))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::CodeMismatch, "CodeMismatchException");

    // An app client with a secret: SECRET_HASH is added.
    let server = env.user_pool_client(POOL, "server");
    server
        .sign_up(
            "kim",
            &Password::new(PASSWORD),
            [("email", "kim@example.com")],
        )
        .await
        .expect("with SECRET_HASH");
    server
        .confirm_sign_up("kim", &code(&env, "kim"))
        .await
        .unwrap();
    env.shutdown().await;
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_its_code_within_the_hour() {
    let env = TestEmulator::start().await;
    let client = env.user_pool_client(POOL, CLIENT);
    let e = client.forgot_password("nobody").await.unwrap_err();
    assert_error(&e, ErrorKind::UserNotFound, "UserNotFoundException");

    let delivery = client.forgot_password("jdoe").await.unwrap().unwrap();
    assert_eq!(delivery.attribute.as_deref(), Some("email"));
    let reset = code(&env, "jdoe");
    let e = client
        .confirm_forgot_password("jdoe", &reset, &Password::new("weak"))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::InvalidParameter, "InvalidPasswordException");
    // The weak password spent the code: a new one, then too late.
    client.forgot_password("jdoe").await.unwrap();
    let late = code(&env, "jdoe");
    env.clock.advance(Duration::from_secs(3600));
    let e = client
        .confirm_forgot_password("jdoe", &late, &Password::new(NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::ExpiredCode, "ExpiredCodeException");

    client.forgot_password("jdoe").await.unwrap();
    client
        .confirm_forgot_password("jdoe", &code(&env, "jdoe"), &Password::new(NEW_PASSWORD))
        .await
        .expect("reset");
    let e = client
        .sign_in("jdoe", &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::NotAuthorized, "NotAuthorizedException");
    done(
        client
            .sign_in("jdoe", &Password::new(NEW_PASSWORD))
            .await
            .unwrap(),
    );
    env.shutdown().await;
}

#[tokio::test]
async fn unknown_users_are_not_revealed_with_prevent_user_existence_errors() {
    let mut seed = Seed::reference();
    seed.user_pools[0].clients[0].prevent_user_existence_errors = true;
    let env = TestEmulator::with_seed(seed).await;
    let client = env.user_pool_client(POOL, CLIENT);
    let delivery = client.forgot_password("nobody").await.expect("no error");
    assert!(delivery.is_some());
    assert!(
        env.emulator.last_code("nobody").is_none(),
        "nothing was sent"
    );
    env.shutdown().await;
}

#[tokio::test]
async fn change_password_verify_an_attribute_and_delete_the_account() {
    let env = TestEmulator::start().await;
    let client = env.user_pool_client(POOL, CLIENT);
    let tokens = done(
        client
            .sign_in("alice", &Password::new(PASSWORD))
            .await
            .unwrap(),
    );

    let e = client
        .change_password(
            &tokens.access,
            &Password::new("Wrong-Passw0rd!"),
            &Password::new(NEW_PASSWORD),
        )
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::NotAuthorized, "NotAuthorizedException");
    client
        .change_password(
            &tokens.access,
            &Password::new(PASSWORD),
            &Password::new(NEW_PASSWORD),
        )
        .await
        .expect("changed");
    done(
        client
            .sign_in("alice", &Password::new(NEW_PASSWORD))
            .await
            .unwrap(),
    );

    // A new e-mail address is unverified until its code is answered.
    let deliveries = client
        .update_user_attributes(&tokens.access, [("email", "alice@new.example")])
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].destination.as_deref(), Some("a***@n***"));
    let user = client.get_user(&tokens.access).await.unwrap();
    assert_eq!(user.attribute("email"), Some("alice@new.example"));
    assert_eq!(user.attribute("email_verified"), Some("false"));
    let e = client
        .verify_user_attribute(&tokens.access, "email", &OneTimeCode::new("123"))
        .await
        .unwrap_err();
    assert_error(&e, ErrorKind::CodeMismatch, "CodeMismatchException");
    client
        .verify_user_attribute(&tokens.access, "email", &code(&env, "alice"))
        .await
        .expect("verified");
    let user = client.get_user(&tokens.access).await.unwrap();
    assert_eq!(user.attribute("email_verified"), Some("true"));

    // Deleted: no sign-in, no refresh, no access token.
    client.delete_user(&tokens.access).await.expect("deleted");
    let e = client
        .sign_in("alice", &Password::new(NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UserNotFound, "{e:?}");
    let e = client.refresh(&tokens).await.unwrap_err();
    assert!(e.ends_session(), "{e:?}");
    assert!(client.get_user(&tokens.access).await.is_err());
    env.shutdown().await;
}
