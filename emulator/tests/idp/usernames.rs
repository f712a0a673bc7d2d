//! Who a user is: pools whose usernames are generated (AWS's UsernameAttributes: people sign
//! in with an e-mail address or phone number, Cognito's username is a UUID, the user's `sub`)
//! and pools with aliases (AliasAttributes: named users who may also sign in by a verified
//! e-mail address); what the seed refuses.

use super::*;
use cognito_sigv4_emulator::ErrorKind;

const UMA_EMAIL: &str = "uma@example.com";
const UMA_PW: &str = "Uma-Passw0rd!";
const PHIL_PHONE: &str = "+15555550123";
const PHIL_PW: &str = "Phil-Passw0rd!";
const MIA_EMAIL: &str = "mia@example.com";
const MIA_PHONE: &str = "+15555550199";
const MIA_PW: &str = "Mia-Passw0rd!";

/// The pool `email`: usernames generated, sign-in by e-mail address or phone number.
pub(super) fn pool() -> UserPoolSeed {
    let mut mia = user(MIA_EMAIL, MIA_PW);
    mia.sms_mfa = true;
    mia.attributes
        .insert("phone_number".into(), MIA_PHONE.into());
    UserPoolSeed {
        id: Some("us-east-1_Email0Pool".into()),
        name: "email".into(),
        username_attributes: vec!["email".into(), "phone_number".into()],
        clients: vec![
            client("email-public"),
            AppClientSeed {
                generate_secret: true,
                ..client("email-secret")
            },
        ],
        users: vec![user(UMA_EMAIL, UMA_PW), user(PHIL_PHONE, PHIL_PW), mia],
        ..Default::default()
    }
}

/// A UUID as Cognito generates usernames: 36 characters, hex digits and four dashes.
fn assert_uuid(value: &str) {
    assert_eq!(value.len(), 36, "{value}");
    assert_eq!(value.matches('-').count(), 4, "{value}");
    assert!(
        value.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{value}"
    );
}

/// The ID token's `sub`, after checking that every username the tokens carry is that `sub`.
fn generated_username(tokens: &AuthenticationResultType) -> String {
    let id = claims(tokens.id_token().unwrap());
    let ac = claims(access(tokens));
    let sub = id["sub"].as_str().unwrap().to_owned();
    assert_uuid(&sub);
    assert_eq!(id["cognito:username"], sub.as_str(), "cognito:username");
    assert_eq!(ac["username"], sub.as_str(), "the access token's username");
    assert_eq!(ac["sub"], sub.as_str());
    sub
}

#[tokio::test]
async fn a_generated_username_is_the_sub_in_tokens_and_user_id_for_srp() {
    let env = Env::start().await;
    // By password: with the e-mail address, the phone number, and the generated name itself.
    let tokens = env.sign_in("email-public", UMA_EMAIL, UMA_PW).await;
    let uma = generated_username(&tokens);
    assert_eq!(claims(tokens.id_token().unwrap())["email"], UMA_EMAIL);
    let again = env.sign_in("email-public", &uma, UMA_PW).await;
    assert_eq!(generated_username(&again), uma);
    let phil = generated_username(&env.sign_in("email-secret", PHIL_PHONE, PHIL_PW).await);
    assert_ne!(phil, uma);
    assert_eq!(
        claims(
            env.sign_in("email-public", PHIL_PHONE, PHIL_PW)
                .await
                .id_token()
                .unwrap()
        )["phone_number"],
        PHIL_PHONE
    );

    // The PASSWORD_VERIFIER challenge names the generated username, not the address typed.
    let out = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id(env.client_id("email-public"))
        .auth_parameters("USERNAME", UMA_EMAIL)
        .auth_parameters("SRP_A", SrpClientEphemeral::generate().public_a_hex())
        .send()
        .await
        .unwrap();
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params["USER_ID_FOR_SRP"], uma);
    assert_eq!(params["USERNAME"], uma);

    // SRP over that name succeeds, with and without a client secret (SECRET_HASH over the
    // address at InitiateAuth, over the generated name after it).
    for client in ["email-public", "email-secret"] {
        let out = env
            .srp_sign_in(client, UMA_EMAIL, UMA_PW, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{client}: {e:?}"));
        assert_eq!(
            generated_username(out.authentication_result().unwrap()),
            uma
        );
    }

    // The seed's username is no name of its own: what precedes the `@` is unknown.
    assert_eq!(
        env.password_auth("email-public", "uma", UMA_PW)
            .await
            .unwrap_err(),
        err("UserNotFoundException", "User does not exist.")
    );
    assert_eq!(
        env.password_auth("email-public", UMA_EMAIL, "Wrong-Passw0rd!")
            .await
            .unwrap_err(),
        err("NotAuthorizedException", INCORRECT)
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn get_user_and_refresh_know_the_generated_username() {
    let env = Env::start().await;
    let tokens = env.sign_in("email-secret", UMA_EMAIL, UMA_PW).await;
    let uma = generated_username(&tokens);
    let me = env.get_user(access(&tokens)).await.unwrap();
    assert_eq!(me.username(), uma);
    let attrs: HashMap<&str, &str> = me
        .user_attributes()
        .iter()
        .map(|a| (a.name(), a.value().unwrap_or("")))
        .collect();
    assert_eq!(attrs.get("email"), Some(&UMA_EMAIL));

    // Refresh checks SECRET_HASH over Cognito's username: the address is refused, as on AWS.
    let refresh = tokens.refresh_token().unwrap();
    let id = env.client_id("email-secret");
    assert_eq!(
        env.refresh("email-secret", refresh, UMA_EMAIL)
            .await
            .unwrap_err(),
        err(
            "NotAuthorizedException",
            &format!("Unable to verify secret hash for client {id}")
        )
    );
    let fresh = env.refresh("email-secret", refresh, &uma).await.unwrap();
    assert_eq!(
        claims(fresh.id_token().unwrap())["cognito:username"],
        uma.as_str()
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn codes_sent_to_a_generated_username_are_found_by_every_sign_in_name() {
    let env = Env::start().await;
    let out = env
        .password_auth("email-public", MIA_EMAIL, MIA_PW)
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let by_email = env.emu.sent_codes(MIA_EMAIL);
    assert_eq!(by_email.len(), 1);
    assert_eq!(by_email[0].destination, MIA_PHONE);
    let code = by_email[0].code.expose_secret().to_owned();
    let by_phone = env.emu.last_code(MIA_PHONE).expect("found by phone number");
    assert_eq!(by_phone.code.expose_secret(), code);
    assert!(env.emu.sent_codes("mia").is_empty());

    let done = env
        .idp
        .respond_to_auth_challenge()
        .client_id(env.client_id("email-public"))
        .challenge_name(ChallengeNameType::SmsMfa)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", MIA_EMAIL)
        .challenge_responses("SMS_MFA_CODE", &code)
        .send()
        .await
        .unwrap();
    let mia = generated_username(done.authentication_result().unwrap());
    assert_eq!(
        env.emu.last_code(&mia).unwrap().code.expose_secret(),
        code,
        "and by the generated username"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn an_alias_signs_in_unless_it_is_unverified() {
    let env = Env::start().await;
    // `main` has AliasAttributes email: alice's verified address signs her in as `alice`.
    let tokens = env.sign_in("public", ALICE_EMAIL, ALICE_PW).await;
    assert_eq!(
        claims(tokens.id_token().unwrap())["cognito:username"],
        ALICE
    );
    // dave's address is marked unverified: AWS signs in by alias only once it is verified.
    assert_eq!(
        env.password_auth("public", DAVE_EMAIL, DAVE_PW)
            .await
            .unwrap_err(),
        err("UserNotFoundException", "User does not exist.")
    );
    env.emu.shutdown().await;
}

/// The message of the seed error `pool` gives at start.
async fn seed_error(pool: UserPoolSeed) -> String {
    let seed = Seed {
        user_pools: vec![pool],
        ..Default::default()
    };
    let err = Emulator::builder().seed(seed).start().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Seed, "{err}");
    err.message().to_owned()
}

#[tokio::test]
async fn the_seed_refuses_usernames_aws_would_not_create() {
    let pool = |attrs: &[&str], users: Vec<UserSeed>| UserPoolSeed {
        name: "p".into(),
        username_attributes: attrs.iter().map(|a| (*a).to_owned()).collect(),
        users,
        ..Default::default()
    };
    // A plain name where the username is an e-mail address (AdminCreateUser's words).
    let message = seed_error(pool(&["email"], vec![user("jdoe", "Passw0rd!")])).await;
    assert!(message.contains("Username should be an email"), "{message}");
    assert!(message.contains("alias_attributes"), "{message}");
    let message = seed_error(pool(&["phone_number"], vec![user(UMA_EMAIL, "Passw0rd!")])).await;
    assert!(
        message.contains("Username should be a phone number"),
        "{message}"
    );
    // An e-mail attribute that contradicts the username.
    let mut other = user(UMA_EMAIL, "Passw0rd!");
    other
        .attributes
        .insert("email".into(), "someone@example.com".into());
    let message = seed_error(pool(&["email"], vec![other])).await;
    assert!(message.contains("differs from the username"), "{message}");
    // Two users signing in with one name.
    let mut twin = user("twin", "Passw0rd!");
    twin.attributes.insert("email".into(), UMA_EMAIL.into());
    let message = seed_error(UserPoolSeed {
        alias_attributes: vec!["email".into()],
        ..pool(&[], vec![user(UMA_EMAIL, "Passw0rd!"), twin])
    })
    .await;
    assert!(
        message.contains("both sign in as `uma@example.com`"),
        "{message}"
    );
    // Both lists, or an attribute AWS does not allow in one.
    let message = seed_error(UserPoolSeed {
        alias_attributes: vec!["email".into()],
        ..pool(&["email"], vec![])
    })
    .await;
    assert!(message.contains("cannot both be set"), "{message}");
    let message = seed_error(pool(&["preferred_username"], vec![])).await;
    assert!(
        message.contains("username_attributes may hold email, phone_number only"),
        "{message}"
    );
}
