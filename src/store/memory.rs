//! [`MemoryStore`]: a session kept in memory, with an in-process refresh lock.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex};

use super::{DEFAULT_LOCK_WAIT, RefreshLock, SessionStore, StoredSession, holds, store_error};
use crate::error::Result;
use crate::secret::RefreshToken;

/// A store in memory: for tests, and for apps that sign in on every start. Sessions sharing
/// one (through an `Arc`) share its refresh lock too.
#[derive(Default)]
pub struct MemoryStore {
    session: Mutex<Option<StoredSession>>,
    refreshing: Arc<(Mutex<bool>, Condvar)>,
}

/// Releases a [`MemoryStore`]'s refresh lock.
struct MemoryRefresh(Arc<(Mutex<bool>, Condvar)>);

impl Drop for MemoryRefresh {
    fn drop(&mut self) {
        let (held, freed) = &*self.0;
        *held.lock().unwrap_or_else(|e| e.into_inner()) = false;
        freed.notify_one();
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `session`.
    pub fn with(session: StoredSession) -> Self {
        Self {
            session: Mutex::new(Some(session)),
            refreshing: Arc::default(),
        }
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self
            .session
            .lock()
            .map(|s| s.is_some())
            .unwrap_or_else(|e| e.into_inner().is_some());
        f.debug_struct("MemoryStore")
            .field("holds_session", &held)
            .finish()
    }
}

impl SessionStore for MemoryStore {
    fn load(&self) -> Result<Option<StoredSession>> {
        Ok(self
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session.clone());
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// Atomic: decides and saves under the store's mutex.
    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool> {
        let mut held = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if !replace(held.as_ref()) {
            return Ok(false);
        }
        *held = Some(session.clone());
        Ok(true)
    }

    /// Atomic: compares and clears under the store's mutex.
    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool> {
        let mut held = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if !holds(held.as_ref(), Some(token)) {
            return Ok(false);
        }
        *held = None;
        Ok(true)
    }

    /// Waits up to [`DEFAULT_LOCK_WAIT`] for the sessions sharing this store to finish theirs.
    fn refresh_lock(&self) -> Result<Option<RefreshLock>> {
        let (held, freed) = &*self.refreshing;
        let guard = held.lock().unwrap_or_else(|e| e.into_inner());
        let (mut guard, waited) = freed
            .wait_timeout_while(guard, DEFAULT_LOCK_WAIT, |held| *held)
            .unwrap_or_else(|e| e.into_inner());
        if waited.timed_out() && *guard {
            return Err(store_error("another session's refresh is taking too long"));
        }
        *guard = true;
        Ok(Some(RefreshLock::new(MemoryRefresh(
            self.refreshing.clone(),
        ))))
    }
}
