//! A local emulator of the AWS services an app meets when it calls IAM-secured APIs as an
//! Amazon Cognito user: Cognito user pools (`cognito-idp`), Cognito identity pools
//! (`cognito-identity`), STS and API Gateway — so that apps built with
//! [`cognito-sigv4`](cognito_sigv4) (or any other client) can be tested without an AWS account.
//!
//! It is a real HTTP server on 127.0.0.1 speaking AWS's wire protocols, so `cognito-sigv4`,
//! the official AWS SDK clients and other languages' clients all work against it by endpoint
//! override. It verifies SRP, signs tokens with RS256, and checks SigV4, roles and expiry for
//! real, answering with AWS's status codes, error names and messages.
//!
//! In a test, start it with a [`Seed`] (here the reference scenario, [`Seed::reference`]) and
//! a clock you can move, and point the SDK at it with [`RunningEmulator::config`]:
//!
//! ```no_run
//! use cognito_sigv4::ManualClock;
//! use cognito_sigv4_emulator::{Emulator, Seed};
//!
//! # async fn demo() -> Result<(), cognito_sigv4_emulator::Error> {
//! let clock = ManualClock::at_epoch_secs(1_767_603_843);
//! let emulator = Emulator::builder()
//!     .seed(Seed::reference())
//!     .clock(clock.clone())
//!     .start()
//!     .await?;
//! // Region, pool and client ids, the identity pool, and every endpoint set to the emulator.
//! let config = emulator.config("quickstart", "web")?;
//! assert_eq!(config.user_pool_id(), Some("us-east-1_QuickStrt"));
//! println!("cognito-idp, cognito-identity and sts at {}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! API Gateway requests are addressed either with `Host: <api>.execute-api.<region>.amazonaws.com`
//! (connect to the emulator's address) or by the path prefix
//! `/_aws/execute-api/<api>/<stage>/<resource path>` ([`RunningEmulator::api_url`]).
//!
//! The binary `cognito-sigv4-emulator` serves the same emulator standalone, for apps and tests
//! in other languages: `cognito-sigv4-emulator --reference` or `--seed <file>`.
//!
//! # Knobs for tests
//!
//! A manual clock ([`EmulatorBuilder::clock`]); faults by count
//! ([`RunningEmulator::inject_fault`]) or by rate for soak tests
//! ([`RunningEmulator::inject_fault_rate`], replayable with [`EmulatorBuilder::fault_seed`]);
//! call counts ([`RunningEmulator::calls`]); the outbox of SMS and e-mail codes
//! ([`RunningEmulator::sent_codes`]); and how much issued state it holds
//! ([`RunningEmulator::issued_state`]). Every answer carries a `Date` header from the
//! emulator's clock, as clients learn their clock skew from it.
//!
//! # Where the emulator had to choose
//!
//! Where AWS publishes no exact behaviour, the emulator chose; each choice is also written next
//! to its code.
//!
//! | what | the emulator's choice | basis |
//! | --- | --- | --- |
//! | wrong MFA codes per challenge session (SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA) | 3: each wrong code answers `CodeMismatchException`; the third spends the session, and every later answer is `NotAuthorizedException: Invalid session for the user, session can only be used once.` | AWS publishes no number (a public report, robor-systems/tokapi-beta#27, saw no limit on TOTP guesses in 2022); 3 is what AWS's own custom-challenge sample allows (aws-samples/amazon-cognito-passwordless-email-auth); the message is the one Cognito answers for a session used up (quoted in aws-amplify/amplify-js#13123 and #14330) |
//! | reusing a refresh token retired by rotation, after `refresh_token_retry_grace_period_secs` (0–60, default 0) | `RefreshTokenReuseException: Refresh Token has been reused`; within the grace period (counted from its first rotation) the old token refreshes again, rotating again; reuse does not revoke the sign-in | the error and the grace period are AWS's (GetTokensFromRefreshToken, RefreshTokenRotationType); the message is not published and follows Cognito's `Refresh Token has been revoked` |
//! | how long expired records are remembered | challenge sessions, refresh tokens and issued credentials: an hour after they expire (until then using one answers "expired", after it "invalid", for credentials the unknown-key answer); SRP exchanges: until they expire; revoked sign-ins: until their access tokens expire; sent codes: with their session. Checked at most once a minute of the emulator's clock, on a request | AWS's tokens are self-contained and say "expired" forever; an emulator that remembered everything would grow without bound over a soak |
//! | access-token scopes from InitiateAuth | only `aws.cognito.signin.user.admin`, unless the seed's `access_token_scopes` stands in for a pre-token-generation trigger | AWS's documented behaviour; the hosted UI's token endpoint is not served |
//! | roles' trust policies (seed `trust`) | modelled: `Allow` statements for `sts:AssumeRoleWithWebIdentity` with a `Federated` principal (a provider name or an OIDC provider ARN), `StringEquals` on `<provider>:aud` and `ForAnyValue:StringLike` on `cognito-identity.amazonaws.com:amr`; no `Deny`, no `sub` or other conditions. In the enhanced flow Cognito is taken to present the pool id as `aud` and the `amr` GetOpenIdToken would issue | AWS's policy language and the console's default policy (Cognito developer guide, "Role trust and permissions"); what Cognito presents to STS in the enhanced flow is not published |
//! | a role without a trust policy in the seed | STS: a GetOpenIdToken token may assume its pool's authenticated role (`amr` holds `authenticated`) or else its unauthenticated role, only when the pool allows the classic flow; an OIDC issuer's token any role. Identity pools (enhanced flow) may use any role | the policy Cognito's console writes for a pool's roles; seeds written before trust policies keep working |
//! | GetCredentialsForIdentity with a role whose trust policy refuses the pool or the identity's `amr` | 400 `InvalidIdentityPoolConfigurationException: Invalid identity pool configuration. Check assigned IAM roles for this pool.` (as for a role that does not exist) | AWS's answer to role-trust mistakes, quoted in amazon-cognito-auth-js#167 and #196, aws-sdk-js#4112, amplify-flutter#6107 |
//! | STS: where `DurationSeconds` above the role's `MaxSessionDuration` (seed `max_session_duration_secs`, default 3600) is checked | after the token, its issuer and the trust policy: a token that fails those answers their error first; STS's own 900–43200 constraint comes before everything | the text `ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.` is AWS's (quoted from real answers in kreuzwerker/awsu#27, aws-azure-login#93); the order of checks is not published |
//! | Cognito authorizer: an expired token that is also of the wrong use or lacks the scope | 401 `The incoming token has expired` (expiry is checked right after signature and issuer); a token that does not verify is `Unauthorized` whether or not it has expired; `x-amzn-ErrorType: UnauthorizedException` on both | the texts are AWS's (amplify-js#6060, #5934, #10147); the order and the header on the expired answer are not published |
//! | PreventUserExistenceErrors on USER_SRP_AUTH for an unknown name | a PASSWORD_VERIFIER challenge whose `SALT` (16 bytes) and `USER_ID_FOR_SRP`/`USERNAME` (a UUID) are HMAC-SHA256 of the pool id and the name, so stable per name and pool (across restarts too); `SRP_B` fresh each time; nothing is remembered, and RespondToAuthChallenge answers `NotAuthorizedException: Incorrect username or password.` | AWS documents the simulated challenge and "the same salt and internal user id in UUID format for the same user name and user pool combination", not how they are derived |
//! | PreventUserExistenceErrors and account states | a `RESET_REQUIRED` user is answered `NotAuthorizedException: Incorrect username or password.` (after the password, on both flows); `UNCONFIRMED` still answers `UserNotConfirmedException` and a disabled user `User is disabled.` | AWS documents masking nonexistence and a required reset; it publishes nothing on unconfirmed or disabled users with the setting on |
//! | alias sign-in (`alias_attributes`) for seeded users | an alias attribute's value signs the user in unless the user's `<name>_verified` attribute is `"false"` (absent counts as verified, as for users an administrator created with verified addresses); a value two users share is refused by the seed | AWS signs in by alias only once it is verified and keeps verified aliases unique; seeds have no verification step |
//! | the pool-level `prevent_user_existence_errors` of older seeds | turns the setting on for every app client of the pool; the per-client `prevent_user_existence_errors` is AWS's model | compatibility with seeds written before the setting moved to app clients |
//! //! | API Gateway: a bare `Authorization` value (a JWT, no `key=value` pairs) on an `AWS_IAM` route | IncompleteSignature: the "Authorization header requires ..." sentences, then `Authorization=` and the value's SHA-256 (Base64) where AWS echoes the value itself; `Bearer <token>` answers the "Invalid key=value pair (missing equal-sign)" text with the hash | AWS's texts (aws/chalice#828, nordcloud/cognitocurl#15 echo the value; the hashed form is API Gateway's current one for a value that is no pair); the hash keeps tokens out of bodies and logs |
//! | API Gateway: the bad-signature detail | the canonical request and string to sign for the query read the standard way (`+` as a literal plus), with the received body's hash; they hold the signed headers' values, the session token included, as AWS's do | AWS's format (mhart/aws4#33, aws-sdk-js#2372); the reading of `+` is the emulator's |
//! | API Gateway: `x-amzn-ErrorType` of injected faults | 429 `TooManyRequestsException` (`Too Many Requests`), 500 `InternalServerErrorException` (`Internal server error`) | not quoted in public; named after API Gateway's other error types |
//! | API Gateway: the masked account id in an IAM denial | all but the last four digits as `*`, in the resource ARN only (the caller's ARN keeps it) | the format is AWS's (`********1790`, REFERENCE); whether the caller's ARN is masked too is not quoted |
//! //! | app clients with only legacy `explicit_auth_flows` (no `ALLOW_` value) | USER_SRP_AUTH (unless `CUSTOM_AUTH_FLOW_ONLY`) and refresh stay allowed; USER_PASSWORD_AUTH only when listed. An empty list allows SRP and refresh, as AWS documents for a client without ExplicitAuthFlows | AWS documents the empty case; the legacy values' meaning predates the current documentation |
//! //! | the texts of a malformed `SRP_A` (not hex, over 3072 bits, or a multiple of N) and a malformed `TIMESTAMP` (not `Www Mmm d hh:mm:ss UTC yyyy` in shape) | `InvalidParameterException: SRP_A is not a valid SRP public value.` at InitiateAuth (for unknown names behind PreventUserExistenceErrors too); `InvalidParameterException: TIMESTAMP is not of the form 'EEE MMM d HH:mm:ss z yyyy'.` at RespondToAuthChallenge, before the exchange is spent. A timestamp of the right shape but wrong (zero-padded day, wrong weekday, out of the window) stays `NotAuthorizedException: Incorrect username or password.` | the error names are AWS's as measured by MiniStack's authors (REFERENCE); the messages are not published |
//! | identity pools: a `CustomRoleArn` the role mapping does not give (not in `cognito:roles`, or no matching rule's role) | `InvalidParameterException: Invalid CustomRoleArn: the role '<arn>' is not in the token's cognito:roles.` | no public record of AWS's text |
//! | identity pools: `AmbiguousRoleResolution: Deny` and no role | `NotAuthorizedException: The ambiguous role mapping rules for: <mapping> denied this request.`, the mapping named `<provider>:<app client id>` for a user pool, the provider's name for others | AWS's text for a Google mapping (aws-amplify/amplify-js#3621); the user-pool form follows how `RoleMappings` key a user pool |
//! | identity pools: role-mapping rules on claims that are not strings, and on missing claims | a list (`cognito:groups`) matches when a member does (`NotEqual`: when no member equals the value); numbers and booleans compare as their JSON text; a missing claim matches no rule, `NotEqual` included; with logins of several mapped providers, the first by provider name decides | AWS documents string matching and that the claim "must be present in the token", not lists or types |
//! | Facebook, Login with Amazon and SAML logins | accepted when the seed's `test_logins` lists the token for the provider (and, for Facebook and Amazon, its app is one of the pool's ids); else `NotAuthorizedException: Invalid login token. The token was not issued by <provider>.`, a token of another app `Invalid login token. Incorrect token audience.`, an expired one `Invalid login token. Token expired: <now> >= <exp>`; SAML role mappings take `Rules` only | the emulator cannot ask Facebook, Amazon or a SAML IdP; AWS's texts for these tokens are not published (the audience and expiry texts are those of OIDC tokens) |
//! | GetOpenIdToken's `amr` for a login | `authenticated`, then per login its provider and `<provider>:CognitoSignIn:<sub>` (user pools) or `<provider>:<audience>:<sub>` (others; `<SAML provider ARN>:<subject>` for SAML) | the user-pool form is what API Gateway shows as `cognitoAuthenticationProvider`; the other form is quoted for Facebook (`graph.facebook.com:<app id>:<user id>`), taken for every other provider |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

// From the bottom up: shared tools, then data, then the wire, then the services, then the
// router and the handle that starts them. No module imports one above it.
mod crypto;
mod error;
mod fault;
mod keys;
mod seed;
pub mod sigv4;
mod srp_server;
mod time;

mod state;

mod credentials;
mod tokens;
mod wire;

mod apigw;
mod identity;
mod idp;
mod sts;

mod emulator;
mod router;

pub use apigw::EXECUTE_API_PATH_PREFIX;
pub use crypto::totp_code;
pub use emulator::{Emulator, EmulatorBuilder, RunningEmulator};
pub use error::{Error, ErrorKind};
pub use fault::Fault;
pub use seed::{
    ApiSeed, AppClientSeed, GroupSeed, IdentityPoolSeed, MappingRuleSeed, MethodSeed,
    OidcProviderSeed, ResourceSeed, RoleMappingSeed, RoleSeed, Seed, TestLoginSeed, TrustSeed,
    UserPoolProviderSeed, UserPoolSeed, UserSeed,
};
pub use state::{DeliveryMedium, IssuedState, SentCode};
