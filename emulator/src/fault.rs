//! Faults injected into operations, for testing clients' resilience: a number of calls
//! ([`FaultPlan::inject`]) or a share of them at random ([`FaultPlan::inject_rate`]), served by
//! one lookup per call ([`FaultPlan::next`]).

use std::collections::HashMap;
use std::time::Duration;

/// A fault to inject into an operation, for testing clients' resilience.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with the service's throttling error (`TooManyRequestsException`, STS
    /// `Throttling`, API Gateway 429).
    Throttle,
    /// Answer with the service's internal error (HTTP 500).
    ServerError,
    /// Wait this long, then act and answer normally: a caller that gives up meanwhile
    /// leaves nothing done (the operation has not run).
    Latency(Duration),
    /// Act at once (a refresh token is rotated, credentials are issued, a code is spent),
    /// then hold the answer this long: a caller that gives up meanwhile loses an answer whose
    /// effect has already happened, as when a response is lost on the way back. The call is
    /// logged (with its status) before the wait.
    LatencyAfter(Duration),
    /// Refuse the call as a clock that lies would: API Gateway's `Signature expired` (403,
    /// `InvalidSignatureException`), whatever the request's signature, with a `Date` header
    /// this many seconds off the emulator's time (a proxy or a server whose clock is wrong).
    /// Other services answer it with their internal error, dated the same way.
    LyingDate(i64),
}

/// The faults planned per operation name: counted ones, served first, then rates.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    pending: HashMap<String, Vec<PendingFault>>,
    rates: HashMap<String, Vec<FaultRate>>,
    rng: SplitMix64,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self::with_seed(rand::random())
    }
}

/// A fault to serve on the next calls of an operation.
#[derive(Debug, Clone)]
struct PendingFault {
    fault: Fault,
    /// How many more calls it applies to.
    remaining: u32,
}

/// A fault each call of an operation meets with probability `ratio`.
#[derive(Debug, Clone)]
struct FaultRate {
    fault: Fault,
    ratio: f64,
}

impl FaultPlan {
    /// A plan whose random draws (for fault rates) follow `seed`, so that a soak run can be
    /// replayed call for call.
    pub(crate) fn with_seed(seed: u64) -> Self {
        Self {
            pending: HashMap::new(),
            rates: HashMap::new(),
            rng: SplitMix64(seed),
        }
    }

    /// Makes the next `times` calls of `operation` meet `fault`, after the faults already
    /// planned for it.
    pub(crate) fn inject(&mut self, operation: &str, fault: Fault, times: u32) {
        self.pending
            .entry(operation.to_owned())
            .or_default()
            .push(PendingFault {
                fault,
                remaining: times,
            });
    }

    /// Makes each call of `operation` meet `fault` with probability `ratio` (clamped to
    /// 0–1; NaN reads as 0) until [`clear`](Self::clear). Injecting the same fault again
    /// replaces its ratio; several faults of one operation are drawn independently, in the
    /// order they were injected, and the first drawn is served.
    pub(crate) fn inject_rate(&mut self, operation: &str, fault: Fault, ratio: f64) {
        let ratio = if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1.0)
        };
        let rates = self.rates.entry(operation.to_owned()).or_default();
        match rates.iter_mut().find(|r| r.fault == fault) {
            Some(rate) => rate.ratio = ratio,
            None => rates.push(FaultRate { fault, ratio }),
        }
    }

    /// Removes every planned fault, counted or by rate.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
        self.rates.clear();
    }

    /// The fault this call of `operation` meets, if any: a counted fault first (using up one
    /// of its calls; one injected for 0 calls is served once, like one for 1), else a fault
    /// drawn by its rate.
    pub(crate) fn next(&mut self, operation: &str) -> Option<Fault> {
        if let Some(queue) = self.pending.get_mut(operation)
            && let Some(first) = queue.first_mut()
        {
            first.remaining = first.remaining.saturating_sub(1);
            let fault = first.fault.clone();
            if first.remaining == 0 {
                queue.remove(0);
            }
            return Some(fault);
        }
        let rng = &mut self.rng;
        self.rates
            .get(operation)?
            .iter()
            .find(|r| rng.next_unit() < r.ratio)
            .map(|r| r.fault.clone())
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator that is enough to decide which
/// calls fail, and that replays exactly from its seed.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_served_in_order_for_their_number_of_calls() {
        let mut plan = FaultPlan::default();
        plan.inject("GetId", Fault::Throttle, 2);
        plan.inject("GetId", Fault::ServerError, 0);
        assert_eq!(plan.next("GetId"), Some(Fault::Throttle));
        assert_eq!(plan.next("InitiateAuth"), None);
        assert_eq!(plan.next("GetId"), Some(Fault::Throttle));
        assert_eq!(plan.next("GetId"), Some(Fault::ServerError));
        assert_eq!(plan.next("GetId"), None);
        plan.inject("GetId", Fault::Throttle, 5);
        plan.clear();
        assert_eq!(plan.next("GetId"), None);
    }

    #[test]
    fn rates_serve_their_share_after_counted_faults_and_replay_from_a_seed() {
        let draw = |seed: u64| {
            let mut plan = FaultPlan::with_seed(seed);
            plan.inject_rate("GetId", Fault::Throttle, 0.25);
            plan.inject("GetId", Fault::ServerError, 3);
            (0..10_000).map(|_| plan.next("GetId")).collect::<Vec<_>>()
        };
        let calls = draw(7);
        assert!(calls[..3].iter().all(|f| *f == Some(Fault::ServerError)));
        let throttled = calls
            .iter()
            .filter(|f| **f == Some(Fault::Throttle))
            .count();
        assert!((2_300..2_700).contains(&throttled), "{throttled} of 10000");
        assert_eq!(calls, draw(7), "the same seed, the same calls");

        let mut plan = FaultPlan::with_seed(1);
        plan.inject_rate("GetId", Fault::Throttle, 1.0);
        assert_eq!(plan.next("GetId"), Some(Fault::Throttle));
        assert_eq!(plan.next("GetCredentialsForIdentity"), None);
        plan.inject_rate("GetId", Fault::Throttle, f64::NAN);
        assert_eq!(plan.next("GetId"), None, "a new ratio replaces the old one");
        plan.inject_rate("GetId", Fault::ServerError, 7.0);
        assert_eq!(plan.next("GetId"), Some(Fault::ServerError), "clamped to 1");
        plan.clear();
        assert_eq!(plan.next("GetId"), None);
    }
}
