//! `call -v`: where the time went, and the canonical request that was signed (as the crate's
//! signer reports it at TRACE, with the session token already redacted, in aws-sigv4's form).

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The current instant of the stopwatch `-v` reads. Durations shown to a person only: no
/// expiry or retry decision is ever made on it (those read the crate's clock).
#[allow(clippy::disallowed_methods)]
pub fn stopwatch() -> Instant {
    Instant::now()
}

/// Named steps and how long each took.
#[derive(Debug, Default)]
pub struct Timings {
    steps: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// Records a step.
    pub fn add(&mut self, step: &'static str, took: Duration) {
        self.steps.push((step, took));
    }

    /// One line per step, for standard error.
    pub fn report(&self) -> String {
        let mut out = String::from("* timings:\n");
        for (step, took) in &self.steps {
            let _ = writeln!(out, "*   {step:<28} {:>10.3} ms", took.as_secs_f64() * 1e3);
        }
        out
    }
}

/// What the signer reported while a request was signed: when signing started and ended, and
/// the canonical request (redacted).
#[derive(Debug, Default)]
struct Seen {
    signing_started: Option<Instant>,
    signing_ended: Option<Instant>,
    canonical_request: Option<String>,
}

/// A tracing layer that keeps only what [`Seen`] holds; every other event is dropped, so
/// nothing else the libraries log (never secrets, but noise) reaches the terminal.
#[derive(Debug, Clone, Default)]
pub struct SigningProbe {
    seen: Arc<Mutex<Seen>>,
}

impl SigningProbe {
    /// How long signing took, if a signature was made.
    pub fn signing_time(&self) -> Option<Duration> {
        let seen = self.seen.lock().ok()?;
        Some(seen.signing_ended?.duration_since(seen.signing_started?))
    }

    /// The last canonical request signed, redacted.
    pub fn canonical_request(&self) -> Option<String> {
        self.seen.lock().ok()?.canonical_request.clone()
    }
}

/// Reads one event's `message` and `canonical_request` fields.
#[derive(Default)]
struct Fields {
    message: String,
    canonical_request: Option<String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "canonical_request" => self.canonical_request = Some(format!("{value:?}")),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_owned(),
            "canonical_request" => self.canonical_request = Some(value.to_owned()),
            _ => {}
        }
    }
}

impl<S: Subscriber> Layer<S> for SigningProbe {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let target = event.metadata().target();
        if !target.starts_with("aws_sigv4") && !target.starts_with("cognito_sigv4::signing") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let now = stopwatch();
        match fields.message.as_str() {
            "signing request" => seen.signing_started = Some(now),
            "signed request" => seen.signing_ended = Some(now),
            _ => {}
        }
        if let Some(creq) = fields.canonical_request {
            seen.canonical_request = Some(creq);
        }
    }
}
