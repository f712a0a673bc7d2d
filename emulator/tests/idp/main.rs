//! The emulator's cognito-idp, driven by the official `aws-sdk-cognitoidentityprovider` client:
//! every operation succeeds as on AWS, and each failure answers with AWS's error name and
//! message.

mod challenges;
mod sign_in;
mod tokens;
mod usernames;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, SoftwareTokenMfaSettingsType,
    VerifySoftwareTokenResponseType,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognito_sigv4::ManualClock;
use cognito_sigv4::secret::{ClientSecret, Password};
use cognito_sigv4::user_pool::secret_hash::secret_hash;
use cognito_sigv4::user_pool::srp::{
    PasswordVerifierChallenge, SrpClientEphemeral, cognito_timestamp, password_claim_signature,
};
use cognito_sigv4_emulator::{
    AppClientSeed, Emulator, GroupSeed, LambdaConfigSeed, RunningEmulator, Seed, UserPoolSeed,
    UserSeed, VersionedLambdaSeed, totp_code,
};
use serde_json::Value;

/// 2026-01-05 09:04:03 UTC, a Monday.
const START: u64 = 1_767_603_843;
const ALICE: &str = "alice";
const ALICE_EMAIL: &str = "alice@example.com";
const ALICE_PW: &str = "Alice-Passw0rd!";
const CAROL_PW: &str = "Carol-Temp0rary!";
const DAVE_PW: &str = "Dave-Passw0rd!";
const DAVE_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// dave's e-mail address, marked unverified: no alias to sign in with.
const DAVE_EMAIL: &str = "dave@example.com";
const GINA_PW: &str = "Gina-Passw0rd!";
const SAM_PW: &str = "Sam-Passw0rd!";
const ROLE_ADMIN: &str = "arn:aws:iam::123456789012:role/Admin";
const ROLE_READER: &str = "arn:aws:iam::123456789012:role/Reader";
const INCORRECT: &str = "Incorrect username or password.";

fn user(name: &str, password: &str) -> UserSeed {
    UserSeed {
        username: name.into(),
        password: password.into(),
        ..Default::default()
    }
}

/// The app client whose access tokens a trigger gives `api/read`.
const PUBLIC_CLIENT_ID: &str = "mainpublicclient0000000001";

fn client(name: &str) -> AppClientSeed {
    AppClientSeed {
        name: name.into(),
        ..Default::default()
    }
}

fn seed() -> Seed {
    let mut alice = user(ALICE, ALICE_PW);
    alice.attributes.insert("email".into(), ALICE_EMAIL.into());
    alice
        .attributes
        .insert("email_verified".into(), "true".into());
    alice.groups = vec!["readers".into(), "admins".into()];
    let mut carol = user("carol", CAROL_PW);
    carol.status = Some("FORCE_CHANGE_PASSWORD".into());
    carol
        .attributes
        .insert("email".into(), "carol@example.com".into());
    let mut dave = user("dave", DAVE_PW);
    dave.totp_secret = Some(DAVE_TOTP.into());
    dave.attributes.insert("email".into(), DAVE_EMAIL.into());
    dave.attributes
        .insert("email_verified".into(), "false".into());
    let mut erin = user("erin", "Erin-Passw0rd!");
    erin.status = Some("UNCONFIRMED".into());
    let mut frank = user("frank", "Frank-Passw0rd!");
    frank.disabled = true;
    let mut heidi = user("heidi", "Heidi-Passw0rd!");
    heidi.status = Some("RESET_REQUIRED".into());
    let mut sam = user("sam", SAM_PW);
    sam.sms_mfa = true;
    sam.attributes
        .insert("phone_number".into(), "+15555550100".into());

    let main = UserPoolSeed {
        id: Some("us-east-1_Main0Pool".into()),
        name: "main".into(),
        // Named users who may also sign in by e-mail: AWS's AliasAttributes.
        alias_attributes: vec!["email".into()],
        clients: vec![
            AppClientSeed {
                id: Some(PUBLIC_CLIENT_ID.into()),
                ..client("public")
            },
            AppClientSeed {
                generate_secret: true,
                ..client("secret")
            },
            AppClientSeed {
                generate_secret: true,
                refresh_token_rotation: true,
                ..client("rotating")
            },
            AppClientSeed {
                generate_secret: true,
                refresh_token_rotation: true,
                refresh_token_retry_grace_period_secs: 30,
                ..client("rotating-grace")
            },
            AppClientSeed {
                explicit_auth_flows: vec![
                    "ALLOW_USER_SRP_AUTH".into(),
                    "ALLOW_REFRESH_TOKEN_AUTH".into(),
                ],
                ..client("srp-only")
            },
            AppClientSeed {
                prevent_user_existence_errors: true,
                ..client("guarded")
            },
            AppClientSeed {
                explicit_auth_flows: vec![],
                ..client("no-flows")
            },
            AppClientSeed {
                explicit_auth_flows: vec!["USER_PASSWORD_AUTH".into()],
                ..client("legacy-flows")
            },
        ],
        groups: vec![
            GroupSeed {
                name: "admins".into(),
                role_arn: Some(ROLE_ADMIN.into()),
                precedence: Some(1),
            },
            GroupSeed {
                name: "readers".into(),
                role_arn: Some(ROLE_READER.into()),
                precedence: Some(10),
            },
        ],
        users: vec![alice, carol, dave, erin, frank, heidi, sam],
        // The `public` client's access tokens get `api/read` from a pre-token-generation
        // trigger (registered in `Env::start`).
        lambda_config: Some(LambdaConfigSeed {
            pre_token_generation_config: Some(VersionedLambdaSeed {
                lambda_version: "V2_0".into(),
                lambda_arn: "arn:aws:lambda:us-east-1:123456789012:function:scopes".into(),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let strict = UserPoolSeed {
        name: "strict".into(),
        mfa_configuration: Some("ON".into()),
        prevent_user_existence_errors: true,
        clients: vec![client("app")],
        users: vec![user("gina", GINA_PW)],
        ..Default::default()
    };
    Seed {
        user_pools: vec![main, strict, usernames::pool()],
        ..Default::default()
    }
}

/// The pool an app client of [`seed`] belongs to: `app` is `strict`'s, `email-*` are
/// `email`'s (generated usernames), the others `main`'s.
fn pool_of(client: &str) -> &'static str {
    if client == "app" {
        "strict"
    } else if client.starts_with("email-") {
        "email"
    } else {
        "main"
    }
}

struct Env {
    emu: RunningEmulator,
    clock: ManualClock,
    idp: idp::Client,
}

impl Env {
    async fn start() -> Env {
        let clock = ManualClock::at_epoch_secs(START);
        let emu = Emulator::builder()
            .seed(seed())
            .clock(clock.clone())
            .lambda_function("scopes", |mut event| async move {
                if event["callerContext"]["clientId"] == PUBLIC_CLIENT_ID {
                    event["response"]["claimsAndScopeOverrideDetails"] = serde_json::json!({
                        "accessTokenGeneration": { "scopesToAdd": ["api/read"] }
                    });
                }
                Ok(event)
            })
            .start()
            .await
            .unwrap();
        let config = idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new("us-east-1"))
            .endpoint_url(emu.endpoint().as_str())
            .build();
        Env {
            idp: idp::Client::from_conf(config),
            emu,
            clock,
        }
    }

    fn now(&self) -> SystemTime {
        cognito_sigv4::Clock::now(&self.clock)
    }

    fn client_id(&self, name: &str) -> String {
        self.emu.client_id(pool_of(name), name).unwrap()
    }

    fn hash(&self, client: &str, username: &str) -> String {
        let secret: ClientSecret = self.emu.client_secret(pool_of(client), client).unwrap();
        secret_hash(&secret, username, &self.client_id(client))
    }

    fn secret(&self, client: &str) -> String {
        self.emu
            .client_secret(pool_of(client), client)
            .unwrap()
            .expose_secret()
            .to_owned()
    }

    /// USER_PASSWORD_AUTH through the SDK, with SECRET_HASH over the typed name when the client
    /// has a secret.
    async fn password_auth(
        &self,
        client: &str,
        username: &str,
        password: &str,
    ) -> Result<idp::operation::initiate_auth::InitiateAuthOutput, (String, String)> {
        let mut req = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(self.client_id(client))
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password);
        if self.emu.client_secret(pool_of(client), client).is_some() {
            req = req.auth_parameters("SECRET_HASH", self.hash(client, username));
        }
        req.send().await.map_err(aws_error)
    }

    async fn sign_in(
        &self,
        client: &str,
        username: &str,
        password: &str,
    ) -> AuthenticationResultType {
        let out = self
            .password_auth(client, username, password)
            .await
            .unwrap();
        out.authentication_result()
            .cloned()
            .unwrap_or_else(|| panic!("no tokens: {out:?}"))
    }

    /// USER_SRP_AUTH through the SDK: InitiateAuth, then the crate's SRP client answers the
    /// PASSWORD_VERIFIER challenge. `tweak` may change the answer before it is sent.
    async fn srp_sign_in(
        &self,
        client: &str,
        typed: &str,
        password: &str,
        tweak: impl FnOnce(&mut HashMap<String, String>),
    ) -> Result<
        idp::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
        (String, String),
    > {
        let eph = SrpClientEphemeral::generate();
        let mut req = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserSrpAuth)
            .client_id(self.client_id(client))
            .auth_parameters("USERNAME", typed)
            .auth_parameters("SRP_A", eph.public_a_hex());
        let has_secret = self.emu.client_secret(pool_of(client), client).is_some();
        if has_secret {
            req = req.auth_parameters("SECRET_HASH", self.hash(client, typed));
        }
        let out = req.send().await.map_err(aws_error)?;
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::PasswordVerifier)
        );
        assert_eq!(out.session(), None, "PASSWORD_VERIFIER carries no Session");
        let p = out.challenge_parameters().unwrap();
        let user_id = p["USER_ID_FOR_SRP"].clone();
        assert_eq!(p["USERNAME"], user_id);
        let timestamp = cognito_timestamp(self.now());
        let pool_id = self.emu.user_pool_id(pool_of(client)).unwrap();
        let challenge = PasswordVerifierChallenge {
            user_pool_id: &pool_id,
            user_id_for_srp: &user_id,
            salt_hex: &p["SALT"],
            srp_b_hex: &p["SRP_B"],
            secret_block_b64: &p["SECRET_BLOCK"],
        };
        let signature =
            password_claim_signature(&eph, &challenge, &Password::new(password), &timestamp)
                .unwrap();
        let mut answers = HashMap::from([
            ("USERNAME".to_owned(), user_id.clone()),
            (
                "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                p["SECRET_BLOCK"].clone(),
            ),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), signature),
            ("TIMESTAMP".to_owned(), timestamp),
        ]);
        if has_secret {
            answers.insert("SECRET_HASH".into(), self.hash(client, &user_id));
        }
        tweak(&mut answers);
        self.idp
            .respond_to_auth_challenge()
            .client_id(self.client_id(client))
            .challenge_name(ChallengeNameType::PasswordVerifier)
            .set_challenge_responses(Some(answers))
            .send()
            .await
            .map_err(aws_error)
    }

    async fn refresh(
        &self,
        client: &str,
        refresh_token: &str,
        hash_user: &str,
    ) -> Result<AuthenticationResultType, (String, String)> {
        let mut req = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(self.client_id(client))
            .auth_parameters("REFRESH_TOKEN", refresh_token);
        if self.emu.client_secret(pool_of(client), client).is_some() {
            req = req.auth_parameters("SECRET_HASH", self.hash(client, hash_user));
        }
        let out = req.send().await.map_err(aws_error)?;
        Ok(out.authentication_result().cloned().unwrap())
    }

    async fn get_user(
        &self,
        access_token: &str,
    ) -> Result<idp::operation::get_user::GetUserOutput, (String, String)> {
        self.idp
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(aws_error)
    }
}

/// AWS's error name and message.
fn aws_error<E: ProvideErrorMetadata>(err: E) -> (String, String) {
    (
        err.code().unwrap_or("<no code>").to_owned(),
        err.message().unwrap_or("<no message>").to_owned(),
    )
}

fn err(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(payload).unwrap()).unwrap()
}

fn access(tokens: &AuthenticationResultType) -> &str {
    tokens.access_token().unwrap()
}
