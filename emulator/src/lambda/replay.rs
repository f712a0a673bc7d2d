//! Function calls asked for by handlers that run under the state's lock, made outside it.
//!
//! A service's handler is synchronous and holds the state's lock; a function call is an
//! outbound request that may take seconds, and no lock may be held across one. So a handler
//! runs in *passes*: the first time it reaches a call ([`call`]) that has no answer yet, the
//! call is recorded as pending and the handler gives up (its caller undoes what the pass
//! changed); the driver ([`drive`]) releases the lock, makes the call, and runs the handler
//! again from the start with the answers so far. A pass that reaches the same call with the
//! same event gets the recorded answer; one whose event differs (another request changed the
//! state meanwhile) drops that answer and the ones after it, and calls again. The number of
//! calls per request is bounded ([`MAX_CALLS`]).

use super::{Functions, InvokeError};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// The most function calls one request may make: a custom-auth answer needs three triggers
/// and a sign-in's tokens two more; the bound only stops a loop of changing events.
pub(crate) const MAX_CALLS: usize = 16;

/// A call a handler asked for: which function, and the event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub(crate) function: String,
    pub(crate) event: Value,
}

/// A call made, and what came of it.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    call: Call,
    outcome: Result<Value, InvokeError>,
}

/// The answers a request has so far, and the values its passes must share.
#[derive(Debug, Default)]
pub(crate) struct Answers {
    answers: Vec<Answer>,
    stable: HashMap<String, Value>,
    /// Calls made, answers dropped for a changed event included.
    made: usize,
}

struct Scope {
    answers: Vec<Answer>,
    stable: HashMap<String, Value>,
    next: usize,
    pending: Option<Call>,
}

thread_local! {
    /// While a pass runs on this thread (inside [`Answers::pass`]).
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// The handler must stop: its call has no answer yet. Propagate it (as the service's error
/// type) without changing anything the pass's caller does not undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending;

/// Calls `function` with `event` from inside a pass: the recorded answer when this pass has
/// one for this call, else [`Pending`]. Outside a pass there is nobody to make the call: the
/// answer is [`InvokeError::Unreachable`].
pub(crate) fn call(function: &str, event: Value) -> Result<Result<Value, InvokeError>, Pending> {
    SCOPE.with(|scope| {
        let mut scope = scope.borrow_mut();
        let Some(scope) = scope.as_mut() else {
            return Ok(Err(InvokeError::Unreachable(
                "not called from a request that can wait for a function".into(),
            )));
        };
        if scope.pending.is_some() {
            return Err(Pending);
        }
        let call = Call {
            function: function.to_owned(),
            event,
        };
        match scope.answers.get(scope.next) {
            Some(answer) if answer.call == call => {
                scope.next += 1;
                Ok(answer.outcome.clone())
            }
            _ => {
                scope.answers.truncate(scope.next);
                scope.pending = Some(call);
                Err(Pending)
            }
        }
    })
}

/// A value that every pass of the request gets the same (the first pass draws it with `draw`):
/// for a random value a pass puts into an event, such as the `sub` of a user it creates,
/// which would otherwise differ from pass to pass. Outside a pass, `draw` itself.
pub(crate) fn stable<T>(key: &str, draw: impl FnOnce() -> T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    SCOPE.with(|scope| {
        let mut scope = scope.borrow_mut();
        let Some(scope) = scope.as_mut() else {
            return draw();
        };
        if let Some(kept) = scope
            .stable
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
        {
            return kept;
        }
        let value = draw();
        if let Ok(v) = serde_json::to_value(&value) {
            scope.stable.insert(key.to_owned(), v);
        }
        value
    })
}

impl Answers {
    /// Runs one pass of `f` with the answers so far: its output, and the call it stopped at
    /// (if it did).
    pub(crate) fn pass<T>(&mut self, f: impl FnOnce() -> T) -> (T, Option<Call>) {
        let previous = SCOPE.with(|s| {
            s.borrow_mut().replace(Scope {
                answers: std::mem::take(&mut self.answers),
                stable: std::mem::take(&mut self.stable),
                next: 0,
                pending: None,
            })
        });
        let out = f();
        let scope = SCOPE.with(|s| std::mem::replace(&mut *s.borrow_mut(), previous));
        let pending = scope.and_then(|scope| {
            self.answers = scope.answers;
            self.stable = scope.stable;
            scope.pending
        });
        (out, pending)
    }

    /// Makes `call` and records its answer for the next pass.
    pub(crate) async fn make(&mut self, functions: &Functions, call: Call) {
        let outcome = functions.invoke(&call.function, &call.event).await;
        self.made += 1;
        self.answers.push(Answer { call, outcome });
    }

    /// How many calls have been made, answers dropped for a changed event included.
    pub(crate) fn made(&self) -> usize {
        self.made
    }
}

/// Runs `pass` until it finishes without a pending call, making each call it asks for between
/// passes, at most [`MAX_CALLS`] times; then the last pass's output stands (its pending call's
/// error, which each caller words as its service's).
pub(crate) async fn drive<T>(
    functions: &Functions,
    mut pass: impl FnMut(&mut Answers) -> (T, Option<Call>),
) -> T {
    let mut answers = Answers::default();
    loop {
        let (out, pending) = pass(&mut answers);
        match pending {
            Some(call) if answers.made() < MAX_CALLS => answers.make(functions, call).await,
            _ => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn passes_replay_answers_and_call_again_when_the_event_changes() {
        let handler: super::super::Handler = std::sync::Arc::new(|event: Value| {
            Box::pin(async move { Ok(json!({ "echo": event })) })
        });
        let functions = Functions::new(
            None,
            [("f".to_owned(), handler)].into_iter().collect(),
            super::super::DEFAULT_TIMEOUT,
        );
        let mut passes = 0;
        let out = drive(&functions, |answers| {
            answers.pass(|| {
                passes += 1;
                let a = call("f", json!(1)).map_err(|_| "pending")?;
                // The second event changes once, as if the state moved between passes.
                let b = call("f", json!(if passes < 3 { 2 } else { 3 })).map_err(|_| "pending")?;
                Ok::<_, &str>((a, b))
            })
        })
        .await
        .unwrap();
        assert_eq!(out.0.unwrap(), json!({ "echo": 1 }));
        assert_eq!(out.1.unwrap(), json!({ "echo": 3 }));
        // 1: f(1) pending; 2: f(2) pending; 3: f(3), a changed event, pending; 4: done.
        assert_eq!(passes, 4);
        // Outside a pass nobody can make the call.
        assert!(matches!(
            call("f", json!(1)),
            Ok(Err(InvokeError::Unreachable(_)))
        ));
    }
}
