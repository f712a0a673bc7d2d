//! The soak's schedule: every fault, when and where, drawn from one seed so that a run can be
//! replayed (`SOAK_SEED=n`).

/// SplitMix64 (Steele, Lea and Flood, 2014): small, and replays exactly from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// One scheduled fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// The identity pool (GetId, GetCredentialsForIdentity) answers 5xx from now...
    OutageStart,
    /// ...until now.
    OutageEnd,
    /// Another process holds the store's lock for this many milliseconds (real time: the
    /// simulated clock follows the real one meanwhile).
    LockHold(u64),
    /// The next `n` saves of one session of the process fail.
    StoreFail { process: usize, n: u32 },
    /// The next load of one session's store panics.
    StorePanic { process: usize },
    /// A refresh is started from a short-lived runtime that is then shut down.
    RuntimeDrop { process: usize },
    /// Every clock jumps forward (a suspended laptop resumed): the wall clocks move, the
    /// monotonic readings do not.
    Suspend(u64),
    /// One process's device clock is set this far from the service's (a step back, a skew).
    DeviceOffset { process: usize, secs: i64 },
    /// The next API Gateway answer is a time refusal whose `Date` lies by this much.
    LyingDate(i64),
}

/// A fault at a simulated second of the run (counted from its start, suspensions excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: u64,
    pub what: What,
}

/// The run's schedule, in time order.
pub fn schedule(seed: u64, run_secs: u64, processes: usize) -> Vec<Event> {
    let mut rng = Rng::new(seed ^ 0x5EED_5EED);
    let mut events = Vec::new();
    let at = |rng: &mut Rng, from: f64, to: f64| {
        rng.range(
            (run_secs as f64 * from) as u64,
            (run_secs as f64 * to) as u64,
        )
    };
    // A 10-minute outage of the identity pool in the middle of the run.
    let outage = at(&mut rng, 0.35, 0.55);
    events.push(Event {
        at: outage,
        what: What::OutageStart,
    });
    events.push(Event {
        at: outage + 600,
        what: What::OutageEnd,
    });
    // The laptop sleeps two hours, once.
    events.push(Event {
        at: at(&mut rng, 0.15, 0.3),
        what: What::Suspend(7_200),
    });
    // One process's clock steps back ten minutes, and is put right half an hour later.
    let process = rng.range(0, processes as u64) as usize;
    let back = at(&mut rng, 0.6, 0.7);
    events.push(Event {
        at: back,
        what: What::DeviceOffset {
            process,
            secs: -600,
        },
    });
    events.push(Event {
        at: back + 1_800,
        what: What::DeviceOffset { process, secs: 0 },
    });
    // Another's drifts three minutes either way.
    let process = rng.range(0, processes as u64) as usize;
    let drift = at(&mut rng, 0.75, 0.85);
    let secs = if rng.chance(0.5) { 180 } else { -180 };
    events.push(Event {
        at: drift,
        what: What::DeviceOffset { process, secs },
    });
    events.push(Event {
        at: drift + 1_200,
        what: What::DeviceOffset { process, secs: 0 },
    });
    // Per simulated hour: a lock held up to 5 s, a lying `Date`, a failed save and a runtime
    // shut down mid-refresh somewhere; per process, one panicking store.
    let hours = (run_secs / 3_600).max(1);
    for _ in 0..hours {
        events.push(Event {
            at: at(&mut rng, 0.02, 0.98),
            what: What::LockHold(rng.range(1_000, 5_001)),
        });
        events.push(Event {
            at: at(&mut rng, 0.02, 0.98),
            what: What::LyingDate(if rng.chance(0.5) { 7_200 } else { -7_200 }),
        });
        events.push(Event {
            at: at(&mut rng, 0.02, 0.98),
            what: What::StoreFail {
                process: rng.range(0, processes as u64) as usize,
                n: rng.range(1, 4) as u32,
            },
        });
        events.push(Event {
            at: at(&mut rng, 0.02, 0.98),
            what: What::RuntimeDrop {
                process: rng.range(0, processes as u64) as usize,
            },
        });
    }
    for process in 0..processes {
        events.push(Event {
            at: at(&mut rng, 0.05, 0.95),
            what: What::StorePanic { process },
        });
    }
    events.sort_by_key(|e| e.at);
    events
}
