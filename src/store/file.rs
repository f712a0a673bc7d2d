//! [`FileStore`]: a session in one JSON file, replaced atomically and locked across processes
//! (see the [store module's docs](super) for the lock).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroize;

use super::{RefreshLock, SessionStore, StoredSession, holds, store_error};
use crate::error::{Error, Result};
use crate::secret::RefreshToken;

/// How long [`FileStore`] waits for its lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

/// The longest pause between two attempts to take the lock.
const MAX_LOCK_PAUSE: Duration = Duration::from_millis(2);

/// A store in one JSON file.
///
/// - On Unix the file is created with mode `0600` (owner read/write only).
/// - `save` writes a temporary file in the same directory, flushes it to disk and renames it
///   over the old one, so a crash leaves either the old or the new session, never half a file.
/// - A file that is not JSON, not of this crate's format or of another version is reported as
///   [`ErrorKind::Store`](crate::error::ErrorKind::Store) (never a panic); nothing is overwritten until the next `save`.
/// - Every operation holds the lock on `<path>.lock` ([`lock_path`](Self::lock_path)), which
///   is created beside the file and never removed; see the [module docs](crate::store). So
///   [`save_if_current`](SessionStore::save_if_current) and
///   [`clear_if_current`](SessionStore::clear_if_current) are atomic across processes, and the
///   directory must be writable for anything but `load`.
/// - `load` reads without the lock if it cannot create the lock file (a read-only directory,
///   or one that does not exist): the rename makes every read see a whole file anyway.
/// - Every operation blocks the calling thread until it has the lock, polling for about the
///   store's wait ([`with_lock_wait`](Self::with_lock_wait)); call it from async code as
///   blocking work (`spawn_blocking`), as any store's operations.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    lock_wait: Duration,
}

/// Which lock an operation takes.
#[derive(Debug, Clone, Copy)]
enum LockMode {
    /// Readers share it.
    Shared,
    /// Writers hold it alone.
    Exclusive,
}

/// A held lock on a [`FileStore`]'s lock file; released when dropped.
#[derive(Debug)]
struct HeldLock(fs::File);

impl Drop for HeldLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first says so explicitly.
        let _ = self.0.unlock();
    }
}

impl FileStore {
    /// A store at `path` (the file need not exist; its directory must). It waits up to
    /// [`DEFAULT_LOCK_WAIT`] for its lock.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// The same store, waiting up to `wait` for its lock before failing with
    /// [`ErrorKind::Store`](crate::error::ErrorKind::Store) (`Duration::ZERO`: try once).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path: the file's path with `.lock` appended (`session.json.lock`).
    pub fn lock_path(&self) -> PathBuf {
        let mut lock = self.path.clone().into_os_string();
        lock.push(".lock");
        PathBuf::from(lock)
    }

    fn io_error(&self, what: &str, e: &io::Error) -> Error {
        store_error(format!(
            "session file {}: cannot {what}: {e}",
            self.path.display()
        ))
    }

    /// The refresh lock's file: the file's path with `.refresh-lock` appended. Separate from
    /// the data lock, which the refresh takes (briefly) to read and write while it holds this
    /// one.
    pub fn refresh_lock_path(&self) -> PathBuf {
        let mut lock = self.path.clone().into_os_string();
        lock.push(".refresh-lock");
        PathBuf::from(lock)
    }

    /// Opens (creating it, mode 0600, if need be) the lock file.
    fn open_lock_file(&self) -> io::Result<fs::File> {
        open_lock(&self.lock_path())
    }

    /// Takes the lock, polling with growing pauses until the store's wait is spent. The wait
    /// is counted in pauses slept, not read from a clock (time is the crate clock's business).
    fn acquire(&self, file: fs::File, mode: LockMode) -> Result<HeldLock> {
        let mut slept = Duration::ZERO;
        let mut pause = Duration::from_micros(100);
        loop {
            let attempt = match mode {
                LockMode::Shared => file.try_lock_shared(),
                LockMode::Exclusive => file.try_lock(),
            };
            match attempt {
                Ok(()) => return Ok(HeldLock(file)),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(self.io_error("lock", &e)),
            }
            if slept >= self.lock_wait {
                return Err(store_error(format!(
                    "session file {}: still locked by another process or store after {:?} \
                     (lock file {})",
                    self.path.display(),
                    self.lock_wait,
                    self.lock_path().display()
                )));
            }
            // The last pause may pass the wait by under MAX_LOCK_PAUSE: not worth trimming.
            std::thread::sleep(pause);
            slept += pause;
            pause = (pause * 2).min(MAX_LOCK_PAUSE);
        }
    }

    /// The exclusive lock, for anything that writes.
    fn lock_exclusive(&self) -> Result<HeldLock> {
        let file = self
            .open_lock_file()
            .map_err(|e| self.io_error("open its lock file", &e))?;
        self.acquire(file, LockMode::Exclusive)
    }

    fn temp_path(&self) -> Result<PathBuf> {
        let name = self
            .path
            .file_name()
            .ok_or_else(|| store_error(format!("{} is not a file path", self.path.display())))?;
        let mut temp = std::ffi::OsString::from(".");
        temp.push(name);
        temp.push(format!(
            ".tmp-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        Ok(self.path.with_file_name(temp))
    }

    fn write_temp(&self, temp: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    }

    /// Reads the file; the caller holds the lock (or decided it need not).
    fn read(&self) -> Result<Option<StoredSession>> {
        let mut bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", &e)),
        };
        let parsed = serde_json::from_slice::<StoredSession>(&bytes);
        bytes.zeroize();
        // Only the position and category: serde's message can quote a value from the file.
        let session = parsed.map_err(|e| {
            store_error(format!(
                "session file {} is not a stored session ({:?} error at line {}, column {})",
                self.path.display(),
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        session.check_version()?;
        Ok(Some(session))
    }

    /// Replaces the file; the caller holds the exclusive lock.
    fn write(&self, session: &StoredSession) -> Result<()> {
        session.check_version()?;
        let mut bytes = serde_json::to_vec_pretty(session)
            .map_err(|e| store_error(format!("cannot encode the session: {e}")))?;
        let temp = self.temp_path()?;
        let written = self.write_temp(&temp, &bytes);
        bytes.zeroize();
        if let Err(e) = written.and_then(|()| fs::rename(&temp, &self.path)) {
            let _ = fs::remove_file(&temp);
            return Err(self.io_error("write", &e));
        }
        // Make the rename itself durable; not every platform can open a directory.
        #[cfg(unix)]
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    /// Removes the file; the caller holds the exclusive lock.
    fn remove(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io_error("remove", &e)),
        }
    }
}

impl SessionStore for FileStore {
    fn load(&self) -> Result<Option<StoredSession>> {
        let _lock = match self.open_lock_file() {
            Ok(file) => Some(self.acquire(file, LockMode::Shared)?),
            // Cannot create the lock file: nobody can write here either, and reads are whole.
            Err(_) => None,
        };
        self.read()
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        session.check_version()?;
        let _lock = self.lock_exclusive()?;
        self.write(session)
    }

    fn clear(&self) -> Result<()> {
        let _lock = self.lock_exclusive()?;
        self.remove()
    }

    /// Atomic across processes: reads, decides and replaces under the exclusive lock. A file
    /// that cannot be read is an error and stays as it was.
    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool> {
        session.check_version()?;
        let _lock = self.lock_exclusive()?;
        if !replace(self.read()?.as_ref()) {
            return Ok(false);
        }
        self.write(session)?;
        Ok(true)
    }

    /// Atomic across processes: reads, compares and removes under the exclusive lock. A file
    /// that cannot be read is an error and stays as it was.
    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool> {
        let _lock = self.lock_exclusive()?;
        if !holds(self.read()?.as_ref(), Some(token)) {
            return Ok(false);
        }
        self.remove()?;
        Ok(true)
    }

    /// The exclusive lock on [`refresh_lock_path`](FileStore::refresh_lock_path): it excludes
    /// the sessions of other processes, and other `FileStore`s of this one, as the data lock
    /// does. Waited for up to three times the store's wait, since a refresh holding it may
    /// itself wait for the data lock twice (to read, then to write).
    fn refresh_lock(&self) -> Result<Option<RefreshLock>> {
        let file = open_lock(&self.refresh_lock_path())
            .map_err(|e| self.io_error("open its refresh lock file", &e))?;
        let longer = Self {
            path: self.path.clone(),
            lock_wait: self.lock_wait * 3,
        };
        let held = longer.acquire(file, LockMode::Exclusive)?;
        Ok(Some(RefreshLock::new(held)))
    }
}

/// Opens (creating it, mode 0600, if need be) a lock file, never through a symbolic link: a
/// link planted at its name by another local user must not make this process create or lock
/// a file of theirs.
fn open_lock(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}
