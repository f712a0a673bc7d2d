//! What a refused request tries next: new credentials, a new token, or the server's time,
//! each at most once (the server's time twice: a lying `Date` is corrected by the server's own).

use std::time::SystemTime;

use http::StatusCode;

use super::ApiResponse;
use crate::skew::ClockSkew;

/// A skew smaller than this is not worth a retry on a bare `InvalidSignatureException`.
const MIN_SKEW_SECS: u64 = 60;

/// What to do after an inspected answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// The answer is final.
    Done,
    /// Ask the provider for new credentials (the old ones are stale) and retry.
    FreshCredentials,
    /// Tell the token source its token was refused and retry with a new one.
    FreshToken,
    /// Retry signed in the server's time: this offset (server minus device), tried by this
    /// request alone.
    ServerTime(i64),
}

/// What one request has tried so far.
#[derive(Debug, Default)]
pub(super) struct Retry {
    /// New credentials were asked for once (by a refusal, or before sending nearly expired
    /// ones).
    pub(super) credentials: bool,
    /// A new token was asked for once.
    token: bool,
    /// Retries signed in a server's time (at most two: a `Date` that lies is refused by the
    /// server itself, whose own `Date` then gives the right time).
    server_times: u8,
    /// The offset this request is trying, not yet confirmed by the server.
    trial: Option<i64>,
}

impl Retry {
    /// The offset this attempt is dated with: its trial, else the learned one.
    pub(super) fn offset(&self, skew: &ClockSkew) -> i64 {
        self.trial.unwrap_or_else(|| skew.offset_secs())
    }

    /// What `refusal` leads to, given what was tried, the device's time and the learned offset.
    pub(super) fn after(
        &mut self,
        refusal: &Refusal,
        device_now: SystemTime,
        learned: i64,
    ) -> Action {
        match *refusal {
            Refusal::ExpiredCredentials { server_date } if !self.credentials => {
                self.credentials = true;
                self.try_server_time(server_date, device_now, learned);
                Action::FreshCredentials
            }
            Refusal::TokenRefused {
                server_date,
                explicit,
            } if !self.token => {
                // Expired by the server's clock, though valid by this device's: only the
                // text or a `Date` far off can tell (a small difference is no skew).
                let skewed = self.try_server_time(server_date, device_now, learned);
                if explicit || skewed {
                    self.token = true;
                    Action::FreshToken
                } else {
                    Action::Done
                }
            }
            Refusal::Time {
                server_date,
                explicit,
            } if self.server_times < 2 => {
                let offset = server_date
                    .map(|server| ClockSkew::between(device_now, server))
                    .filter(|offset| ClockSkew::is_plausible(*offset));
                let tried = self.trial.unwrap_or(learned);
                let first = self.server_times == 0;
                self.server_times += 1;
                match offset {
                    // A new time to try: the server's, when it differs from what was tried
                    // (or the server said outright that the time was wrong).
                    Some(offset)
                        if offset.abs_diff(tried) >= MIN_SKEW_SECS || explicit && first =>
                    {
                        self.trial = Some(offset);
                        Action::ServerTime(offset)
                    }
                    // "Signature expired" with no usable `Date` (none, or a lie too big to be
                    // a clock): one fresh signature in the time learned.
                    None if explicit && first => {
                        self.trial = None;
                        Action::ServerTime(learned)
                    }
                    _ => Action::Done,
                }
            }
            _ => Action::Done,
        }
    }

    /// An expiry refusal whose `Date` is far from the time learned says the device's clock is
    /// off (what the refused credentials or token expired by): the retry tries the server's
    /// time, to be kept if the server accepts it. Returns whether the `Date` was that far off.
    fn try_server_time(
        &mut self,
        server_date: Option<i64>,
        device_now: SystemTime,
        learned: i64,
    ) -> bool {
        let Some(offset) = server_date.map(|server| ClockSkew::between(device_now, server)) else {
            return false;
        };
        let skewed = ClockSkew::is_plausible(offset) && offset.abs_diff(learned) >= MIN_SKEW_SECS;
        if skewed && self.trial.is_none() {
            self.trial = Some(offset);
        }
        skewed
    }

    /// The request is over with an answer of `status`: a trial offset the server accepted
    /// (any answer but a time refusal, a throttle or a server error) is kept, if nothing was
    /// learned since the request started (`seen`).
    pub(super) fn settle(&self, skew: &ClockSkew, seen: u32, status: StatusCode) {
        let judged = !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS);
        if let Some(offset) = self.trial.filter(|_| judged)
            && skew.confirm(seen, offset)
        {
            tracing::debug!(offset_secs = offset, "clock skew confirmed by the server");
        }
    }
}

/// Why a request was refused, as far as a retry can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Not refused, or refused for a reason a retry cannot mend.
    None,
    /// The session token is expired at the server, with the server's `Date`.
    ExpiredCredentials { server_date: Option<i64> },
    /// A Cognito authorizer refused the token (`explicit`: as expired), with the server's
    /// `Date`.
    TokenRefused {
        server_date: Option<i64>,
        explicit: bool,
    },
    /// The signature's time is outside the server's window (`explicit`), or the signature is
    /// invalid in a way a wrong clock may explain; with the server's `Date`.
    Time {
        server_date: Option<i64>,
        explicit: bool,
    },
}

impl Refusal {
    /// A Cognito authorizer's 401: the token may be expired by the server's clock although
    /// valid by this device's; only the `Date` can tell (a small difference is no skew).
    pub(super) fn of_token_route(response: &ApiResponse) -> Self {
        if response.status != StatusCode::UNAUTHORIZED {
            return Refusal::None;
        }
        Refusal::TokenRefused {
            server_date: response.server_date(),
            explicit: response.text().contains("The incoming token has expired"),
        }
    }

    pub(super) fn of(response: &ApiResponse) -> Self {
        if response.status != StatusCode::FORBIDDEN {
            return Refusal::None;
        }
        let text = response.text();
        let error_type = response
            .headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if text.contains("security token included in the request is expired")
            || error_type.starts_with("ExpiredTokenException")
            || text.contains("ExpiredTokenException")
        {
            return Refusal::ExpiredCredentials {
                server_date: response.server_date(),
            };
        }
        let explicit =
            text.contains("Signature expired") || text.contains("Signature not yet current");
        let invalid_signature = error_type.starts_with("InvalidSignatureException")
            || text.contains("InvalidSignatureException");
        if explicit || invalid_signature {
            return Refusal::Time {
                server_date: response.server_date(),
                explicit,
            };
        }
        Refusal::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const NOW: u64 = 1_800_000_000;

    fn device_now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn time_refusal(offset: i64, explicit: bool) -> Refusal {
        Refusal::Time {
            server_date: Some(NOW as i64 + offset),
            explicit,
        }
    }

    #[test]
    fn expired_credentials_are_renewed_once() {
        let mut retry = Retry::default();
        let refusal = Refusal::ExpiredCredentials {
            server_date: Some(NOW as i64 + 10),
        };
        assert_eq!(
            retry.after(&refusal, device_now(), 0),
            Action::FreshCredentials
        );
        assert_eq!(retry.trial, None, "10 s is no skew");
        assert_eq!(retry.after(&refusal, device_now(), 0), Action::Done);
    }

    #[test]
    fn an_expiry_refusal_dated_far_off_tries_the_servers_time() {
        // The device runs three minutes behind: what it thought valid had expired.
        let mut retry = Retry::default();
        let refusal = Refusal::ExpiredCredentials {
            server_date: Some(NOW as i64 + 180),
        };
        assert_eq!(
            retry.after(&refusal, device_now(), 0),
            Action::FreshCredentials
        );
        assert_eq!(retry.trial, Some(180));
        let mut retry = Retry::default();
        let refusal = Refusal::TokenRefused {
            server_date: Some(NOW as i64 + 180),
            explicit: true,
        };
        assert_eq!(retry.after(&refusal, device_now(), 0), Action::FreshToken);
        assert_eq!(retry.trial, Some(180), "kept if the retry is accepted");
    }

    #[test]
    fn a_time_refusal_is_retried_in_the_servers_time_and_a_lie_is_corrected_once() {
        let mut retry = Retry::default();
        // The first refusal's `Date` says two hours ahead: tried.
        let lie = time_refusal(7_200, true);
        assert_eq!(
            retry.after(&lie, device_now(), 0),
            Action::ServerTime(7_200)
        );
        assert_eq!(retry.trial, Some(7_200));
        // The server refuses that too, in its own (right) time: tried once more.
        let truth = time_refusal(0, true);
        assert_eq!(retry.after(&truth, device_now(), 0), Action::ServerTime(0));
        // And no more.
        assert_eq!(retry.after(&lie, device_now(), 0), Action::Done);
    }

    #[test]
    fn a_refusal_that_agrees_with_the_time_tried_is_final() {
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&time_refusal(1_200, true), device_now(), 0),
            Action::ServerTime(1_200)
        );
        // Refused again in the same time: the time was not the problem.
        assert_eq!(
            retry.after(&time_refusal(1_210, true), device_now(), 0),
            Action::Done
        );
    }

    #[test]
    fn an_invalid_signature_is_blamed_on_the_clock_only_when_the_date_is_far_off() {
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&time_refusal(20, false), device_now(), 0),
            Action::Done,
            "20 s is no skew"
        );
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&time_refusal(600, false), device_now(), 0),
            Action::ServerTime(600)
        );
        // Measured against what was learned, not against the device's clock alone.
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&time_refusal(600, false), device_now(), 590),
            Action::Done
        );
    }

    #[test]
    fn an_expired_signature_without_a_usable_date_is_signed_again_once() {
        for date in [None, Some(NOW as i64 + 3 * 365 * 24 * 3_600)] {
            let mut retry = Retry::default();
            let refusal = Refusal::Time {
                server_date: date,
                explicit: true,
            };
            assert_eq!(
                retry.after(&refusal, device_now(), 42),
                Action::ServerTime(42)
            );
            assert_eq!(retry.trial, None, "nothing to try but the time learned");
            assert_eq!(retry.after(&refusal, device_now(), 42), Action::Done);
        }
    }

    #[test]
    fn a_refused_token_is_renewed_once_when_expiry_can_explain_it() {
        let refused = |date: Option<i64>, explicit| Refusal::TokenRefused {
            server_date: date,
            explicit,
        };
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&refused(Some(NOW as i64), true), device_now(), 0),
            Action::FreshToken
        );
        assert_eq!(
            retry.after(&refused(Some(NOW as i64), true), device_now(), 0),
            Action::Done
        );
        // `Unauthorized` with the clocks in step: a bad token, not an old one.
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&refused(Some(NOW as i64 + 5), false), device_now(), 0),
            Action::Done
        );
        // ...but with the server's clock far ahead, the token may have expired there.
        let mut retry = Retry::default();
        assert_eq!(
            retry.after(&refused(Some(NOW as i64 + 900), false), device_now(), 0),
            Action::FreshToken
        );
    }

    #[test]
    fn a_trial_offset_is_kept_only_when_the_server_judged_it_and_nothing_was_learned_since() {
        let skew = ClockSkew::new();
        let retry = Retry {
            trial: Some(1_200),
            ..Retry::default()
        };
        // A 503 or a 429 says nothing of the time: not kept.
        retry.settle(&skew, skew.version(), StatusCode::SERVICE_UNAVAILABLE);
        retry.settle(&skew, skew.version(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(skew.offset_secs(), 0);
        // Learned meanwhile by someone else: not overwritten.
        let seen = skew.version();
        assert!(skew.adopt(-300));
        retry.settle(&skew, seen, StatusCode::OK);
        assert_eq!(skew.offset_secs(), -300);
        // Judged (a 200, or a 403 for another reason) and unraced: kept.
        retry.settle(&skew, skew.version(), StatusCode::FORBIDDEN);
        assert_eq!(skew.offset_secs(), 1_200);
    }
}
