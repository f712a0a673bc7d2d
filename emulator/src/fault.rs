//! Faults injected into operations, for testing clients' resilience.

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
    /// Wait this long, then answer normally.
    Latency(Duration),
}

/// The faults waiting to be served, per operation name, each for a number of calls.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pending: HashMap<String, Vec<PendingFault>>,
}

/// A fault to serve on the next calls of an operation.
#[derive(Debug, Clone)]
struct PendingFault {
    fault: Fault,
    /// How many more calls it applies to.
    remaining: u32,
}

impl FaultPlan {
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

    /// Removes every planned fault.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// The fault this call of `operation` meets, if any, using up one of its calls. A fault
    /// injected for 0 calls is served once, like one for 1.
    pub(crate) fn next(&mut self, operation: &str) -> Option<Fault> {
        let queue = self.pending.get_mut(operation)?;
        let first = queue.first_mut()?;
        first.remaining = first.remaining.saturating_sub(1);
        let fault = first.fault.clone();
        if first.remaining == 0 {
            queue.remove(0);
        }
        Some(fault)
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
}
