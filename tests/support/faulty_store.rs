//! A session store that fails, stalls or panics on demand, around a real store: the faults a
//! disk, a file system or a user's own store implementation bring.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use cognito_sigv4::secret::RefreshToken;
use cognito_sigv4::store::{RefreshLock, SessionStore, StoredSession};
use cognito_sigv4::{Error, ErrorKind};

/// A store around `inner` whose next operations fail, stall or panic as told; clones share the
/// faults and the counts.
#[derive(Debug, Clone)]
pub struct FaultyStore<S> {
    inner: S,
    faults: Arc<Faults>,
}

#[derive(Debug, Default)]
struct Faults {
    failing_saves: AtomicU32,
    panicking_loads: AtomicU32,
    save_delay_ms: AtomicU64,
    loads: AtomicU64,
    saves: AtomicU64,
}

/// Takes one from `counter` if it is above zero; says whether it did.
fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl<S: SessionStore> FaultyStore<S> {
    /// `inner`, with no fault planned.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            faults: Arc::default(),
        }
    }

    /// The next `n` writes (saves, conditional saves) fail with a store error, as a full
    /// disk does, and write nothing.
    pub fn fail_saves(&self, n: u32) {
        self.faults.failing_saves.store(n, Ordering::SeqCst);
    }

    /// The next `n` loads panic (a bug in a user's store).
    pub fn panic_loads(&self, n: u32) {
        self.faults.panicking_loads.store(n, Ordering::SeqCst);
    }

    /// Every write first sleeps `delay` (the calling thread: a slow disk or fsync).
    pub fn delay_saves(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.faults.save_delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Loads so far.
    pub fn loads(&self) -> u64 {
        self.faults.loads.load(Ordering::SeqCst)
    }

    /// Writes attempted so far (failed ones included).
    pub fn saves(&self) -> u64 {
        self.faults.saves.load(Ordering::SeqCst)
    }

    fn before_write(&self) -> Result<(), Error> {
        self.faults.saves.fetch_add(1, Ordering::SeqCst);
        let delay = self.faults.save_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        if take_one(&self.faults.failing_saves) {
            return Err(Error::new(
                ErrorKind::Store,
                "injected: no space left on device",
            ));
        }
        Ok(())
    }
}

impl<S: SessionStore> SessionStore for FaultyStore<S> {
    fn load(&self) -> Result<Option<StoredSession>, Error> {
        self.faults.loads.fetch_add(1, Ordering::SeqCst);
        if take_one(&self.faults.panicking_loads) {
            panic!("injected: a bug in the store");
        }
        self.inner.load()
    }

    fn save(&self, session: &StoredSession) -> Result<(), Error> {
        self.before_write()?;
        self.inner.save(session)
    }

    fn clear(&self) -> Result<(), Error> {
        self.inner.clear()
    }

    fn save_if_current(
        &self,
        expected: Option<&RefreshToken>,
        session: &StoredSession,
    ) -> Result<bool, Error> {
        self.before_write()?;
        self.inner.save_if_current(expected, session)
    }

    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool, Error> {
        self.before_write()?;
        self.inner.save_if(replace, session)
    }

    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool, Error> {
        self.inner.clear_if_current(token)
    }

    fn refresh_lock(&self) -> Result<Option<RefreshLock>, Error> {
        self.inner.refresh_lock()
    }
}

/// Records how late a 10 ms ticker runs on the current runtime: a stalled worker shows as lag.
///
/// A lag is the runtime's fault only when its thread could not run: time the thread spent
/// runnable but waiting for a CPU (the kernel's run-queue wait, `/proc/thread-self/schedstat`,
/// on Linux) is the machine's load, and [`max_stall`](Self::max_stall) leaves it out. A worker
/// blocked in a sleep, a lock wait or file I/O is not runnable, so its lag counts in full; so
/// does one busy computing.
#[derive(Debug)]
pub struct Ticker {
    max_lag_us: Arc<AtomicU64>,
    max_stall_us: Arc<AtomicU64>,
    /// When the largest stall ended, in real milliseconds since the ticker started.
    max_stall_at_ms: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

/// The current thread's run-queue wait so far, in microseconds (0 where the kernel does not
/// say).
fn run_queue_wait_us() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |ns| ns / 1_000)
}

thread_local! {
    /// This thread's run-queue wait at its last reading.
    static LAST_WAIT_US: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The run-queue wait of this thread since its last reading.
fn waited_since_last_us() -> u64 {
    let now = run_queue_wait_us();
    LAST_WAIT_US.with(|last| now.saturating_sub(last.replace(Some(now)).unwrap_or(now)))
}

impl Ticker {
    /// Starts ticking on the current runtime.
    // A stall is real time lost by the runtime: measured on the real monotonic clock.
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Self {
        let max_lag_us = Arc::new(AtomicU64::new(0));
        let max_stall_us = Arc::new(AtomicU64::new(0));
        let max_stall_at_ms = Arc::new(AtomicU64::new(0));
        let (lag, stall, stall_at) = (
            max_lag_us.clone(),
            max_stall_us.clone(),
            max_stall_at_ms.clone(),
        );
        let started = std::time::Instant::now();
        let task = tokio::spawn(async move {
            let period = Duration::from_millis(10);
            loop {
                waited_since_last_us();
                let before = std::time::Instant::now();
                tokio::time::sleep(period).await;
                let late = before.elapsed().saturating_sub(period);
                let us = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
                lag.fetch_max(us, Ordering::SeqCst);
                let stalled = us.saturating_sub(waited_since_last_us());
                if stall.fetch_max(stalled, Ordering::SeqCst) < stalled {
                    let at = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    stall_at.store(at, Ordering::SeqCst);
                }
            }
        });
        Self {
            max_lag_us,
            max_stall_us,
            max_stall_at_ms,
            task,
        }
    }

    /// The largest lag seen so far, the machine's load included.
    pub fn max_lag(&self) -> Duration {
        Duration::from_micros(self.max_lag_us.load(Ordering::SeqCst))
    }

    /// The largest lag seen so far, less the time the ticker's thread waited for a CPU.
    pub fn max_stall(&self) -> Duration {
        Duration::from_micros(self.max_stall_us.load(Ordering::SeqCst))
    }

    /// When the largest stall ended, in real time since the ticker started.
    #[allow(dead_code)] // Read by the soak only.
    pub fn max_stall_at(&self) -> Duration {
        Duration::from_millis(self.max_stall_at_ms.load(Ordering::SeqCst))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.task.abort();
    }
}
