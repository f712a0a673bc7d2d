//! Challenge sessions (the `Session` string of NEW_PASSWORD_REQUIRED, MFA and MFA_SETUP):
//! opening one together with the challenge the client is sent, and finding the one a
//! RespondToAuthChallenge names; and SRP exchanges in progress.

use super::request::{field, internal, missing, param};
use crate::crypto::random_alnum;
use crate::srp_server;
use crate::state::{AppClient, ChallengeState, SrpPending, UserPool};
use crate::wire::WireError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// How long a challenge `Session` (and an SRP exchange) stays open: AWS's default, 3 minutes.
/// (Expired ones are forgotten an hour later: `UserPool::forget_expired`.)
pub(super) const SESSION_LIFETIME: Duration = Duration::from_secs(180);

/// Internal marker: an MFA_SETUP session whose TOTP has been verified.
pub(super) const MFA_SETUP_VERIFIED: &str = "MFA_SETUP_VERIFIED";

/// Wrong MFA codes one challenge session takes: the one that reaches this number spends the
/// session. AWS publishes no number (one public report, robor-systems/tokapi-beta#27, saw no
/// limit on TOTP guesses in 2022); 3 is what AWS's own custom-challenge sample allows
/// (aws-samples/amazon-cognito-passwordless-email-auth), and a limit keeps clients honest
/// about spent sessions. Listed with the emulator's other choices in the crate docs.
pub(super) const MAX_WRONG_CODES: u32 = 3;

/// Cognito's answer to a challenge session that has already been used up.
const SPENT: &str = "Invalid session for the user, session can only be used once.";

/// SRP exchanges are keyed by user and SECRET_BLOCK, so that concurrent sign-ins of one user
/// do not disturb each other and a wrong block finds nothing.
pub(super) fn srp_key(username: &str, secret_block_b64: &str) -> String {
    format!("{username}\n{secret_block_b64}")
}

/// Opens a challenge session waiting for `challenge`; returns its `Session` string.
pub(super) fn open_session(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
    challenge: &str,
    now: SystemTime,
) -> String {
    let id = format!("AYABe{}", random_alnum(160));
    pool.sessions.insert(
        id.clone(),
        ChallengeState {
            username: username.to_owned(),
            client_id: client_id.to_owned(),
            challenge: challenge.to_owned(),
            expires_at: now + SESSION_LIFETIME,
            code: None,
            wrong_codes: 0,
            exhausted: false,
            device_key: None,
            custom: None,
        },
    );
    id
}

/// Opens a challenge session waiting for `name` and answers with the challenge, as every
/// flow does (`ChallengeName`, `Session`, `ChallengeParameters`): one place for that shape.
/// `record` keeps on the new session what its answer will need (a code, the device, a custom
/// challenge's state).
pub(super) fn open_challenge(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
    name: &str,
    now: SystemTime,
    record: impl FnOnce(&mut ChallengeState),
    parameters: Value,
) -> Value {
    let session = open_session(pool, username, client_id, name, now);
    if let Some(open) = pool.sessions.get_mut(&session) {
        record(open);
    }
    json!({
        "ChallengeName": name,
        "Session": session,
        "ChallengeParameters": parameters,
    })
}

/// Records on an open session the device it is about, so that the device reaches the tokens
/// at the end of the sign-in.
pub(super) fn set_session_device(pool: &mut UserPool, session: &str, device_key: &str) {
    if let Some(open) = pool.sessions.get_mut(session) {
        open.device_key = Some(device_key.to_owned());
    }
}

/// The open session `id`, checked against the client and the clock.
pub(super) fn session(
    pool: &UserPool,
    id: &str,
    client_id: &str,
    now: SystemTime,
) -> Result<ChallengeState, WireError> {
    let s = pool
        .sessions
        .get(id)
        .ok_or_else(|| WireError::not_authorized("Invalid session for the user."))?;
    if s.client_id != client_id {
        return Err(WireError::not_authorized("Invalid session for the user."));
    }
    if s.exhausted {
        return Err(WireError::not_authorized(SPENT));
    }
    if now >= s.expires_at {
        return Err(WireError::not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok(s.clone())
}

/// A RespondToAuthChallenge call as `auth` read it (client found, `USERNAME` and
/// `SECRET_HASH` checked), handed to the flow whose challenge it answers.
#[derive(Clone, Copy)]
pub(super) struct Answer<'a> {
    pub(super) region: &'a str,
    pub(super) client: &'a AppClient,
    pub(super) now: SystemTime,
    /// `ChallengeName`.
    pub(super) name: &'a str,
    /// The request, for its `Session`.
    pub(super) req: &'a Value,
    /// `ChallengeResponses`.
    pub(super) responses: &'a BTreeMap<String, String>,
}

impl<'a> Answer<'a> {
    /// The open session the answer names (`Session`), checked against the client, the clock
    /// and the user the answer names (`USERNAME`): its id and its state.
    pub(super) fn session(&self, pool: &UserPool) -> Result<(&'a str, ChallengeState), WireError> {
        let typed = param(self.responses, "USERNAME")?;
        let session_id = field(self.req, "Session").ok_or_else(|| missing("Session"))?;
        let open = session(pool, session_id, &self.client.id, self.now)?;
        if pool.find_user(typed).map(|u| u.username.as_str()) != Some(open.username.as_str()) {
            return Err(WireError::not_authorized("Invalid session for the user."));
        }
        Ok((session_id, open))
    }
}

/// Counts a wrong MFA code against session `id` and returns the `CodeMismatchException` to
/// answer with (`message`, the challenge's own text); the [`MAX_WRONG_CODES`]th spends the
/// session, so that every later answer, even the right code, is `NotAuthorizedException`.
pub(super) fn wrong_code(pool: &mut UserPool, id: &str, message: &str) -> WireError {
    if let Some(open) = pool.sessions.get_mut(id) {
        open.wrong_codes += 1;
        if open.wrong_codes >= MAX_WRONG_CODES {
            open.exhausted = true;
            // The code dies with the session.
            open.code = None;
        }
    }
    WireError::json("CodeMismatchException", message)
}

/// The client's SRP_A: a malformed one (not hex, too long, or a multiple of N) is an
/// InvalidParameterException, as MiniStack's authors measured on AWS. The message is the
/// emulator's: AWS's is not published.
pub(super) fn parse_srp_a(a_hex: &str) -> Result<Vec<u8>, WireError> {
    srp_server::parse_hex_number(a_hex)
        .filter(|a| srp_server::public_a_is_valid(a))
        .ok_or_else(|| WireError::invalid_parameter("SRP_A is not a valid SRP public value."))
}

/// The PASSWORD_VERIFIER challenge of an SRP exchange (of a real user, or one simulated for
/// an unknown name): the parameters the client's proof is computed from. It opens no session:
/// the exchange itself (`SECRET_BLOCK`) is what the answer names.
pub(super) fn password_verifier_challenge(
    salt_hex: String,
    b_hex: String,
    block_b64: String,
    user_id: &str,
) -> Value {
    json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": salt_hex,
            "SRP_B": b_hex,
            "SECRET_BLOCK": block_b64,
            "USER_ID_FOR_SRP": user_id,
            "USERNAME": user_id,
        },
    })
}

/// Opens an SRP exchange of `username` (or of a device) over `verifier` with the client's
/// public `A`: the server's ephemeral and a fresh SECRET_BLOCK, kept until the proof comes or
/// [`SESSION_LIFETIME`] passes. Returns `SRP_B` (hex) and `SECRET_BLOCK` (base64).
pub(super) fn open_srp_exchange(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
    verifier: &[u8],
    a_pub: Vec<u8>,
    now: SystemTime,
    device_key: Option<String>,
) -> Result<(String, String), WireError> {
    let eph = srp_server::server_ephemeral(verifier).ok_or_else(internal)?;
    let secret_block: [u8; 96] = rand::random();
    let block_b64 = B64.encode(secret_block);
    let b_hex = srp_server::number_hex(&eph.b_pub);
    pool.srp_pending.insert(
        srp_key(username, &block_b64),
        SrpPending {
            client_id: client_id.to_owned(),
            b: eph.b,
            a_pub,
            b_pub: eph.b_pub,
            secret_block: secret_block.to_vec(),
            expires_at: now + SESSION_LIFETIME,
            device_key,
            custom: None,
        },
    );
    Ok((b_hex, block_b64))
}

/// Whether the client's proof (`PASSWORD_CLAIM_SIGNATURE` over `timestamp`) holds for an
/// exchange over `verifier`, hashed with `pool_name` and `user_id` (a user's, or a device's
/// group key and key).
pub(super) fn proof_holds(
    pending: &SrpPending,
    pool_name: &str,
    user_id: &str,
    verifier: &[u8],
    timestamp: &str,
    signature: &str,
) -> bool {
    srp_server::verify_claim(&srp_server::Claim {
        pool_name,
        user_id_for_srp: user_id,
        verifier,
        a_pub: &pending.a_pub,
        b: &pending.b,
        b_pub: &pending.b_pub,
        secret_block: &pending.secret_block,
        timestamp,
        signature,
    })
}
