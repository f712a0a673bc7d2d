//! Calls are served in parallel: the services compute SRP arithmetic and RSA signatures outside
//! the state's lock. Sixteen clients sign in with SRP at once (each a 3072-bit exchange and two
//! RS256 tokens); none of that arithmetic runs while the lock is held (counted by the emulator
//! itself, not timed: a timing on a shared 2-core machine would measure the scheduler).

use std::time::Duration;

use cognito_sigv4::{Password, SignInStep, UserPoolClient};
use cognito_sigv4_emulator::{Emulator, Seed};

const CLIENTS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_srp_sign_ins_run_their_arithmetic_outside_the_state_lock() {
    let emu = Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap();
    let config = emu.config("quickstart", "web").unwrap();
    let before = emu.lock_stats();
    let sign_ins: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let config = config.clone();
            tokio::spawn(async move {
                let client = UserPoolClient::new(&config).unwrap();
                let step = client
                    .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!".to_owned()))
                    .await
                    .unwrap();
                assert!(matches!(step, SignInStep::Done(_)));
            })
        })
        .collect();
    for s in sign_ins {
        tokio::time::timeout(Duration::from_secs(300), s)
            .await
            .expect("the sign-ins end")
            .expect("each signs in");
    }
    let after = emu.lock_stats();
    assert!(
        after.acquisitions - before.acquisitions >= 2 * CLIENTS as u64,
        "{after:?}"
    );
    // Under the lock the handlers only read and write the state: none of the 16 exchanges'
    // exponentiations nor the 32 tokens' RSA signatures ran while it was held.
    assert_eq!(
        after.costly_under_lock, before.costly_under_lock,
        "costly work under the lock: {after:?}"
    );
    assert_eq!(emu.calls("RespondToAuthChallenge"), CLIENTS as u64);
}

/// The managed login's token endpoint signs its tokens (an access token, and an ID token whose
/// `at_hash` is that access token's) after the lock is released too.
#[tokio::test]
async fn the_token_endpoint_signs_outside_the_state_lock() {
    let emu = Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap();
    let config = emu.config("quickstart", "web").unwrap();
    let step = UserPoolClient::new(&config)
        .unwrap()
        .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!".to_owned()))
        .await
        .unwrap();
    let SignInStep::Done(tokens) = step else {
        panic!("a challenge")
    };
    let refresh = tokens.refresh.as_ref().unwrap().expose_secret().to_owned();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "refresh_token"),
            ("client_id", config.client_id().unwrap()),
            ("refresh_token", refresh.as_str()),
        ])
        .finish();
    let before = emu.lock_stats();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}{}/oauth2/token",
            emu.endpoint(),
            config.user_pool_id().unwrap()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["id_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    let after = emu.lock_stats();
    assert_eq!(
        after.costly_under_lock, before.costly_under_lock,
        "RSA signing under the lock: {after:?}"
    );
}
