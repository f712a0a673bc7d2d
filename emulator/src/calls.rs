//! The call log: every request the emulator serves, as a [`CallRecord`] in a bounded ring
//! buffer, with counters that never truncate (calls per operation, refusals per typed
//! [`RefusalReason`] and per operation), so that a client's reliability is measured where it
//! matters: at the server.
//!
//! Nothing secret is recorded: no token, signature, password, key or body. A refusal keeps
//! AWS's error code and message, except API Gateway's signature-mismatch detail (the canonical
//! request it appends holds the signed headers' values, the session token among them): only
//! its first sentence is kept.

use crate::fault::Fault;
use crate::sigv4::Rejection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::SystemTime;

/// How many records the log keeps by default before the oldest are dropped (the counters are
/// not affected): about 15 MB at most, enough for every call of a CI soak and for the last
/// hours of a 24-hour one.
pub const DEFAULT_CALL_LOG_CAPACITY: usize = 100_000;

/// Header values and messages longer than this are cut (at a character boundary) before they
/// are recorded, so that one odd client cannot make a record large.
const MAX_TEXT: usize = 512;

/// How many distinct strings (operations, user agents, error codes) are shared between
/// records; past that, new strings are stored per record. Bounds the table on a long run with
/// many distinct user agents.
const MAX_INTERNED: usize = 4096;

/// Why the emulator refused a request, typed so that a reliability figure can count, say,
/// requests sent with expired credentials (at the server, whether or not a retry rescued
/// them), and exclude or include injected faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum RefusalReason {
    // --- API Gateway, AWS_IAM (and STS's signed calls) ---
    /// The credentials have expired: `The security token included in the request is expired`.
    SecurityTokenExpired,
    /// The access key is unknown, or the session token is missing or not the one issued with
    /// it: `The security token included in the request is invalid.`
    SecurityTokenInvalid,
    /// Signed more than 5 minutes before the server's now (`Signature expired: ...`).
    SignatureExpired,
    /// Signed more than 5 minutes after the server's now (`Signature not yet current: ...`).
    SignatureNotYetCurrent,
    /// A presigned URL used after its `X-Amz-Expires` (`Request has expired`).
    PresignedUrlExpired,
    /// The signature is not the one the server computed.
    SignatureMismatch,
    /// The `Authorization` header or presigned query is malformed or incomplete.
    IncompleteSignature,
    /// The credential scope names another region, service or date.
    InvalidCredentialScope,
    /// No authentication at all, or a route the API does not have: `Missing Authentication
    /// Token`.
    MissingAuthenticationToken,
    /// The caller's role may not invoke the method (`... is not authorized to perform:
    /// execute-api:Invoke ...`).
    AccessDenied,

    // --- API Gateway, Cognito user-pool authorizer ---
    /// The token verifies but has expired: `The incoming token has expired`.
    AuthorizerTokenExpired,
    /// The token is missing, does not verify, is of the wrong use or lacks the required
    /// scope: `Unauthorized`.
    AuthorizerUnauthorized,

    // --- cognito-idp ---
    /// `RefreshTokenReuseException`: a refresh token retired by rotation, after the grace
    /// period.
    RefreshTokenReuse,
    /// `NotAuthorizedException: Refresh Token has been revoked` (RevokeToken, GlobalSignOut).
    RefreshTokenRevoked,
    /// `NotAuthorizedException: Invalid Refresh Token` (unknown, another client's, or bound to
    /// another or a forgotten device).
    RefreshTokenInvalid,
    /// `NotAuthorizedException: Refresh Token has expired`.
    RefreshTokenExpired,
    /// Any other `NotAuthorizedException` of cognito-idp (a wrong password, a disabled user,
    /// a spent session...).
    NotAuthorized,

    // --- cognito-identity ---
    /// `NotAuthorizedException: Invalid login token. Token expired: ...`.
    LoginTokenExpired,
    /// Any other `NotAuthorizedException` of cognito-identity.
    IdentityNotAuthorized,

    // --- STS ---
    /// `ExpiredTokenException` at AssumeRoleWithWebIdentity: the web identity token expired.
    WebIdentityTokenExpired,

    // --- injected ---
    /// A throttling answer injected by [`Fault::Throttle`].
    InjectedThrottle,
    /// A server error injected by [`Fault::ServerError`].
    InjectedServerError,
    /// A time refusal with a lying `Date`, injected by [`Fault::LyingDate`].
    InjectedLyingDate,

    /// Any other refusal (validation errors, unknown resources, OAuth errors...): its code and
    /// message tell which.
    Other,
}

impl RefusalReason {
    /// The reason's name, as the HTTP control surface writes it (`SecurityTokenExpired`).
    pub fn name(self) -> &'static str {
        match self {
            Self::SecurityTokenExpired => "SecurityTokenExpired",
            Self::SecurityTokenInvalid => "SecurityTokenInvalid",
            Self::SignatureExpired => "SignatureExpired",
            Self::SignatureNotYetCurrent => "SignatureNotYetCurrent",
            Self::PresignedUrlExpired => "PresignedUrlExpired",
            Self::SignatureMismatch => "SignatureMismatch",
            Self::IncompleteSignature => "IncompleteSignature",
            Self::InvalidCredentialScope => "InvalidCredentialScope",
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::AccessDenied => "AccessDenied",
            Self::AuthorizerTokenExpired => "AuthorizerTokenExpired",
            Self::AuthorizerUnauthorized => "AuthorizerUnauthorized",
            Self::RefreshTokenReuse => "RefreshTokenReuse",
            Self::RefreshTokenRevoked => "RefreshTokenRevoked",
            Self::RefreshTokenInvalid => "RefreshTokenInvalid",
            Self::RefreshTokenExpired => "RefreshTokenExpired",
            Self::NotAuthorized => "NotAuthorized",
            Self::LoginTokenExpired => "LoginTokenExpired",
            Self::IdentityNotAuthorized => "IdentityNotAuthorized",
            Self::WebIdentityTokenExpired => "WebIdentityTokenExpired",
            Self::InjectedThrottle => "InjectedThrottle",
            Self::InjectedServerError => "InjectedServerError",
            Self::InjectedLyingDate => "InjectedLyingDate",
            Self::Other => "Other",
        }
    }

    /// Every reason, in declaration order.
    pub const ALL: [RefusalReason; 24] = [
        Self::SecurityTokenExpired,
        Self::SecurityTokenInvalid,
        Self::SignatureExpired,
        Self::SignatureNotYetCurrent,
        Self::PresignedUrlExpired,
        Self::SignatureMismatch,
        Self::IncompleteSignature,
        Self::InvalidCredentialScope,
        Self::MissingAuthenticationToken,
        Self::AccessDenied,
        Self::AuthorizerTokenExpired,
        Self::AuthorizerUnauthorized,
        Self::RefreshTokenReuse,
        Self::RefreshTokenRevoked,
        Self::RefreshTokenInvalid,
        Self::RefreshTokenExpired,
        Self::NotAuthorized,
        Self::LoginTokenExpired,
        Self::IdentityNotAuthorized,
        Self::WebIdentityTokenExpired,
        Self::InjectedThrottle,
        Self::InjectedServerError,
        Self::InjectedLyingDate,
        Self::Other,
    ];

    /// The reason named `name` ([`name`](Self::name)), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether the emulator's fault injection caused the refusal.
    pub fn is_injected(self) -> bool {
        matches!(
            self,
            Self::InjectedThrottle | Self::InjectedServerError | Self::InjectedLyingDate
        )
    }

    /// Whether the request was refused because something it carried had expired: credentials,
    /// a user-pool token at an authorizer, a refresh token, a login token, a web identity
    /// token, or a signature outside its time window (a client whose clock is off).
    pub fn is_expiry(self) -> bool {
        matches!(
            self,
            Self::SecurityTokenExpired
                | Self::SignatureExpired
                | Self::SignatureNotYetCurrent
                | Self::PresignedUrlExpired
                | Self::AuthorizerTokenExpired
                | Self::RefreshTokenExpired
                | Self::LoginTokenExpired
                | Self::WebIdentityTokenExpired
        )
    }

    /// The reason for a SigV4 verifier's rejection (API Gateway's `AWS_IAM`, STS's signed
    /// calls).
    pub(crate) fn from_rejection(r: &Rejection) -> Self {
        match r {
            Rejection::MissingAuthenticationToken => Self::MissingAuthenticationToken,
            Rejection::IncompleteSignature(_) => Self::IncompleteSignature,
            Rejection::SignatureDoesNotMatch => Self::SignatureMismatch,
            Rejection::SignatureExpired { .. } => Self::SignatureExpired,
            Rejection::SignatureNotYetCurrent { .. } => Self::SignatureNotYetCurrent,
            Rejection::RequestExpired => Self::PresignedUrlExpired,
            Rejection::WrongRegion { .. }
            | Rejection::WrongService { .. }
            | Rejection::WrongScopeDate { .. } => Self::InvalidCredentialScope,
            Rejection::UnknownAccessKey | Rejection::InvalidSecurityToken => {
                Self::SecurityTokenInvalid
            }
            Rejection::ExpiredToken => Self::SecurityTokenExpired,
        }
    }

    /// The reason of a refusal its handler did not type, from the service and AWS's error
    /// code.
    pub(crate) fn by_code(service: &str, code: &str) -> Self {
        match (service, code) {
            ("cognito-idp", "NotAuthorizedException") => Self::NotAuthorized,
            ("cognito-idp", "RefreshTokenReuseException") => Self::RefreshTokenReuse,
            ("cognito-identity", "NotAuthorizedException") => Self::IdentityNotAuthorized,
            _ => Self::Other,
        }
    }
}

impl std::fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A refused request: why, and what the emulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// Why, typed.
    pub reason: RefusalReason,
    /// AWS's error code (`NotAuthorizedException`, API Gateway's `x-amzn-ErrorType` such as
    /// `ExpiredTokenException`; empty when the answer has none).
    pub code: Arc<str>,
    /// AWS's error message (for a signature mismatch, without the canonical request API
    /// Gateway appends).
    pub message: Arc<str>,
}

/// One request the emulator served.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// Its place in the log: 1 for the first request, counting on across
    /// [`reset_calls`](crate::RunningEmulator::reset_calls).
    pub seq: u64,
    /// When it arrived, on the emulator's clock.
    pub time: SystemTime,
    /// When the caller says it signed it: a SigV4 request's `X-Amz-Date` (header or query),
    /// on the caller's clock. `time - signed_at` is its transit plus the caller's skew.
    pub signed_at: Option<SystemTime>,
    /// The service: `cognito-idp`, `cognito-identity`, `sts`, `execute-api`, or `unknown` for
    /// a request no service serves.
    pub service: &'static str,
    /// The operation: AWS's name (`InitiateAuth`, `GetTokensFromRefreshToken`, `GetId`,
    /// `AssumeRoleWithWebIdentity`...), an OAuth endpoint (`oauth2/token`), `jwks.json`, or for
    /// API Gateway the method and resource (`GET /cip`, the resource's template such as
    /// `GET /items/{id}` when a resource matched, `$connect` for a WebSocket API).
    pub operation: Arc<str>,
    /// A detail where it matters: InitiateAuth's and AdminInitiateAuth's `AuthFlow`
    /// (`REFRESH_TOKEN_AUTH`), API Gateway's `<api id>/<stage>`.
    pub detail: Option<Arc<str>>,
    /// The HTTP status answered.
    pub status: u16,
    /// Why it was refused, when it was (any answer with a status of 400 or more).
    pub refusal: Option<Refusal>,
    /// The fault injected into this call, if any (latency ones too).
    pub fault: Option<Fault>,
    /// The caller's `User-Agent` header (cut at 512 bytes). The AWS SDKs put
    /// `app/<AppName>` in it, so tests can tell their processes apart.
    pub user_agent: Option<Arc<str>>,
    /// The caller's `x-amz-user-agent` header (cut at 512 bytes), which some AWS SDKs send
    /// beside `User-Agent`.
    pub amz_user_agent: Option<Arc<str>>,
}

impl CallRecord {
    /// Whether the request was refused.
    pub fn refused(&self) -> bool {
        self.refusal.is_some()
    }

    /// The refusal's reason, if refused.
    pub fn reason(&self) -> Option<RefusalReason> {
        self.refusal.as_ref().map(|r| r.reason)
    }

    /// Whether either user-agent header contains `text` (such as `app/worker-2`).
    pub fn user_agent_contains(&self, text: &str) -> bool {
        [&self.user_agent, &self.amz_user_agent]
            .into_iter()
            .flatten()
            .any(|ua| ua.contains(text))
    }
}

/// Which records to return from the log
/// ([`RunningEmulator::call_log_matching`](crate::RunningEmulator::call_log_matching)).
/// Every condition set must hold.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallFilter {
    /// Only this operation (as [`CallRecord::operation`]).
    pub operation: Option<String>,
    /// Only this service.
    pub service: Option<String>,
    /// Only records whose `seq` is greater than this.
    pub since_seq: Option<u64>,
    /// Only refused calls.
    pub refused_only: bool,
    /// Only calls refused for this reason.
    pub reason: Option<RefusalReason>,
    /// Only calls whose `User-Agent` or `x-amz-user-agent` contains this text.
    pub user_agent_contains: Option<String>,
    /// At most this many records (the oldest that match).
    pub limit: Option<usize>,
}

impl CallFilter {
    /// A filter that lets every record through.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only `operation`.
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// Only `service`.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Only records after sequence number `seq`.
    pub fn since_seq(mut self, seq: u64) -> Self {
        self.since_seq = Some(seq);
        self
    }

    /// Only refused calls.
    pub fn refused_only(mut self) -> Self {
        self.refused_only = true;
        self
    }

    /// Only calls refused for `reason`.
    pub fn reason(mut self, reason: RefusalReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Only calls whose user agent contains `text`.
    pub fn user_agent_contains(mut self, text: impl Into<String>) -> Self {
        self.user_agent_contains = Some(text.into());
        self
    }

    /// At most `n` records.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    fn matches(&self, r: &CallRecord) -> bool {
        self.operation.as_deref().is_none_or(|o| *r.operation == *o)
            && self.service.as_deref().is_none_or(|s| r.service == s)
            && self.since_seq.is_none_or(|s| r.seq > s)
            && (!self.refused_only || r.refused())
            && self.reason.is_none_or(|want| r.reason() == Some(want))
            && self
                .user_agent_contains
                .as_deref()
                .is_none_or(|t| r.user_agent_contains(t))
    }
}

/// The refusal counters: they count every refusal since the last reset, however many records
/// the log has dropped since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusalCounts {
    /// Every refusal.
    pub total: u64,
    /// Per reason.
    pub by_reason: BTreeMap<RefusalReason, u64>,
    /// Per operation (as [`CallRecord::operation`]), then per reason.
    pub by_operation: BTreeMap<String, BTreeMap<RefusalReason, u64>>,
}

impl RefusalCounts {
    /// Refusals for `reason`.
    pub fn of(&self, reason: RefusalReason) -> u64 {
        self.by_reason.get(&reason).copied().unwrap_or(0)
    }

    /// Refusals of `operation` for `reason`.
    pub fn of_operation(&self, operation: &str, reason: RefusalReason) -> u64 {
        self.by_operation
            .get(operation)
            .and_then(|m| m.get(&reason))
            .copied()
            .unwrap_or(0)
    }

    /// Refusals whose reason satisfies `which` (such as [`RefusalReason::is_expiry`]).
    pub fn matching(&self, which: impl Fn(RefusalReason) -> bool) -> u64 {
        self.by_reason
            .iter()
            .filter(|(r, _)| which(**r))
            .map(|(_, n)| n)
            .sum()
    }
}

/// How much of the log there is: the sequence number of the newest record, how many records
/// it holds now, and how many it dropped when full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallLogStats {
    /// The `seq` of the newest record (0 before the first).
    pub last_seq: u64,
    /// Records held now.
    pub retained: usize,
    /// Records dropped because the log was full (since the last reset).
    pub dropped: u64,
    /// The most records the log holds.
    pub capacity: usize,
}

/// What a handler tells the log about a refusal it answered, carried as an extension of the
/// response (so that the refusal is typed where it is decided).
#[derive(Debug, Clone)]
pub(crate) struct RefusalNote {
    /// `None`: the log derives it from the service and the code.
    pub(crate) reason: Option<RefusalReason>,
    pub(crate) code: String,
    pub(crate) message: String,
}

/// What a handler tells the log about the operation, where the router cannot know it: API
/// Gateway's matched resource.
#[derive(Debug, Clone)]
pub(crate) struct OperationNote {
    pub(crate) operation: String,
    pub(crate) detail: Option<String>,
}

/// A request to record, as the router saw it.
#[derive(Debug)]
pub(crate) struct NewCall<'a> {
    pub(crate) time: SystemTime,
    pub(crate) signed_at: Option<SystemTime>,
    pub(crate) service: &'static str,
    pub(crate) operation: &'a str,
    pub(crate) detail: Option<&'a str>,
    pub(crate) status: u16,
    /// The service's code and message of a refusal, with its reason when typed.
    pub(crate) refusal: Option<(RefusalReason, &'a str, &'a str)>,
    pub(crate) fault: Option<Fault>,
    pub(crate) user_agent: Option<&'a str>,
    pub(crate) amz_user_agent: Option<&'a str>,
}

/// The log and its counters.
#[derive(Debug)]
pub(crate) struct CallLog {
    capacity: usize,
    records: VecDeque<CallRecord>,
    last_seq: u64,
    dropped: u64,
    /// Calls per operation name as faults are keyed (`InitiateAuth`, `execute-api`,
    /// `jwks.json`...), counted on arrival, faulted ones included.
    calls: HashMap<String, u64>,
    refusals: RefusalCounts,
    interned: HashMap<Arc<str>, ()>,
}

impl CallLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            records: VecDeque::new(),
            last_seq: 0,
            dropped: 0,
            calls: HashMap::new(),
            refusals: RefusalCounts::default(),
            interned: HashMap::new(),
        }
    }

    /// Counts a call of `name` (the name faults are injected under).
    pub(crate) fn count(&mut self, name: &str) {
        match self.calls.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.calls.insert(name.to_owned(), 1);
            }
        }
    }

    /// Calls of `name` since the last reset.
    pub(crate) fn calls(&self, name: &str) -> u64 {
        self.calls.get(name).copied().unwrap_or(0)
    }

    /// Every call count, by name.
    pub(crate) fn call_counts(&self) -> BTreeMap<String, u64> {
        self.calls.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// A shared copy of `text`, cut to [`MAX_TEXT`].
    fn intern(&mut self, text: &str) -> Arc<str> {
        let text = cut(text);
        if let Some((k, _)) = self.interned.get_key_value(text) {
            return k.clone();
        }
        let arc: Arc<str> = Arc::from(text);
        if self.interned.len() < MAX_INTERNED {
            self.interned.insert(arc.clone(), ());
        }
        arc
    }

    /// Records a call, counts its refusal, and drops the oldest record when full. Returns its
    /// sequence number.
    pub(crate) fn record(&mut self, call: NewCall<'_>) -> u64 {
        self.last_seq += 1;
        let operation = self.intern(call.operation);
        let refusal = call.refusal.map(|(reason, code, message)| {
            self.refusals.total += 1;
            *self.refusals.by_reason.entry(reason).or_default() += 1;
            *self
                .refusals
                .by_operation
                .entry(operation.to_string())
                .or_default()
                .entry(reason)
                .or_default() += 1;
            Refusal {
                reason,
                code: self.intern(code),
                message: Arc::from(cut(message)),
            }
        });
        if self.capacity == 0 {
            self.dropped += 1;
            return self.last_seq;
        }
        let record = CallRecord {
            seq: self.last_seq,
            time: call.time,
            signed_at: call.signed_at,
            service: call.service,
            operation,
            detail: call.detail.map(|d| self.intern(d)),
            status: call.status,
            refusal,
            fault: call.fault,
            user_agent: call.user_agent.map(|u| self.intern(u)),
            amz_user_agent: call.amz_user_agent.map(|u| self.intern(u)),
        };
        if self.records.len() >= self.capacity {
            self.records.pop_front();
            self.dropped += 1;
        }
        self.records.push_back(record);
        self.last_seq
    }

    /// The records that pass `filter`, oldest first.
    pub(crate) fn query(&self, filter: &CallFilter) -> Vec<CallRecord> {
        // Records are in `seq` order: skip straight past `since_seq`.
        let start = match (filter.since_seq, self.records.front()) {
            (Some(since), Some(first)) => {
                usize::try_from(since.saturating_sub(first.seq - 1)).unwrap_or(usize::MAX)
            }
            _ => 0,
        };
        self.records
            .iter()
            .skip(start)
            .filter(|r| filter.matches(r))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    pub(crate) fn refusals(&self) -> RefusalCounts {
        self.refusals.clone()
    }

    pub(crate) fn stats(&self) -> CallLogStats {
        CallLogStats {
            last_seq: self.last_seq,
            retained: self.records.len(),
            dropped: self.dropped,
            capacity: self.capacity,
        }
    }

    /// Empties the log and sets every counter back to zero; sequence numbers count on, so that
    /// a reader's `since_seq` stays meaningful.
    pub(crate) fn reset(&mut self) {
        self.records.clear();
        self.dropped = 0;
        self.calls.clear();
        self.refusals = RefusalCounts::default();
        self.interned.clear();
    }
}

/// `text` cut to at most [`MAX_TEXT`] bytes, at a character boundary.
fn cut(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn call<'a>(operation: &'a str, refusal: Option<RefusalReason>) -> NewCall<'a> {
        NewCall {
            time: UNIX_EPOCH,
            signed_at: None,
            service: "cognito-idp",
            operation,
            detail: None,
            status: if refusal.is_some() { 400 } else { 200 },
            refusal: refusal.map(|r| (r, "NotAuthorizedException", "no")),
            fault: None,
            user_agent: Some("app/one"),
            amz_user_agent: None,
        }
    }

    #[test]
    fn the_ring_drops_the_oldest_and_the_counters_keep_counting() {
        let mut log = CallLog::new(3);
        for i in 0..10 {
            let refusal = (i % 2 == 0).then_some(RefusalReason::RefreshTokenReuse);
            log.record(call("InitiateAuth", refusal));
        }
        let stats = log.stats();
        assert_eq!((stats.last_seq, stats.retained, stats.dropped), (10, 3, 7));
        let seqs: Vec<u64> = log
            .query(&CallFilter::new())
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(seqs, [8, 9, 10]);
        let counts = log.refusals();
        assert_eq!(counts.total, 5);
        assert_eq!(counts.of(RefusalReason::RefreshTokenReuse), 5);
        assert_eq!(
            counts.of_operation("InitiateAuth", RefusalReason::RefreshTokenReuse),
            5
        );
        let since: Vec<u64> = log
            .query(&CallFilter::new().since_seq(8))
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(since, [9, 10]);
        assert!(log.query(&CallFilter::new().since_seq(10)).is_empty());
        assert_eq!(log.query(&CallFilter::new().since_seq(2)).len(), 3);
        log.reset();
        assert_eq!(log.refusals().total, 0);
        assert_eq!(log.record(call("GetId", None)), 11, "seq counts on");
    }

    #[test]
    fn long_texts_are_cut_at_a_character_boundary() {
        let long = "é".repeat(400);
        let cut = cut(&long);
        assert!(cut.len() <= MAX_TEXT && cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn names_round_trip() {
        for r in RefusalReason::ALL {
            assert_eq!(RefusalReason::from_name(r.name()), Some(r));
        }
    }
}
