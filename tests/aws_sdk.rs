//! aws-sdk-rust clients as the Cognito identity (`cognito_sigv4::aws_sdk`), against the
//! emulator's STS: the caller is the identity's role, and expired credentials are replaced by
//! the session, on the session's (manual) clock.

mod support;

use std::time::Duration;

use cognito_sigv4::aws_sdk::sdk_config;
use cognito_sigv4::{Clock, FederatedCredentials, Session};
use cognito_sigv4_emulator::Seed;
use support::{TestEmulator, signed_in};

const ACCOUNT: &str = "123456789012";

async fn caller_arn(client: &aws_sdk_sts::Client) -> String {
    let me = client
        .get_caller_identity()
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "GetCallerIdentity: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            )
        });
    assert_eq!(me.account(), Some(ACCOUNT));
    me.arn().expect("an ARN").to_owned()
}

#[tokio::test]
async fn an_sts_client_runs_as_the_users_role_and_the_session_renews_expired_credentials() {
    let mut seed = Seed::reference();
    seed.credential_lifetime_secs = Some(900);
    let env = TestEmulator::with_seed(seed).await;
    let config = env.config();
    let session = signed_in(
        Session::builder(config.clone()).clock(env.clock.clone()),
        "jdoe",
    )
    .await;

    let sts = aws_sdk_sts::Client::new(&sdk_config(&config, &session));
    let arn = caller_arn(&sts).await;
    let role = format!("arn:aws:sts::{ACCOUNT}:assumed-role/CipRole/");
    assert!(arn.starts_with(&role), "{arn}");
    assert_eq!(env.calls("GetCredentialsForIdentity"), 1);
    let first = session.credentials().await.expect("credentials");

    // Past the credentials' expiry on the emulator's clock: the SDK asks the session, which
    // exchanges again, and signs with the session's clock (the emulator's), not the system's.
    env.clock.advance(Duration::from_secs(901));
    assert!(first.expiry().is_some_and(|e| e <= env.clock.now()));
    let arn = caller_arn(&sts).await;
    assert!(arn.starts_with(&role), "{arn}");
    assert_eq!(env.calls("GetCredentialsForIdentity"), 2);
    let second = session.credentials().await.expect("credentials");
    assert_ne!(second.access_key_id(), first.access_key_id());
    assert_eq!(env.calls("GetCallerIdentity"), 2);

    // The SDK keeps no credentials of its own: once the session ends, its clients stop.
    session.sign_out().await.expect("sign out");
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
    assert!(text.contains("sign in again"), "{text}");
    assert_eq!(env.calls("GetCallerIdentity"), 2);
}

#[tokio::test]
async fn a_guest_runs_as_the_unauthenticated_role() {
    let env = TestEmulator::start().await;
    let config = env.config();
    let guest = FederatedCredentials::builder(config.clone())
        .clock(env.clock.clone())
        .build()
        .expect("guest");
    let sts = aws_sdk_sts::Client::new(&sdk_config(&config, &guest));
    let arn = caller_arn(&sts).await;
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/GuestRole/")),
        "{arn}"
    );
}
