//! Fault injection: latency, throttling (429/503 with `Retry-After`), token expiry, connections
//! dropped mid-body and malformed XML.
//!
//! A dropped connection never half-applies a change: a request that changes something (any
//! method but GET and HEAD) is dropped while its body is arriving, before it is handled, so the
//! client gets no answer and nothing is stored; a GET is handled and its answer is cut off
//! halfway through the body.
//!
//! Rates are applied deterministically: a rate of `0.25` faults exactly every fourth eligible
//! request (an error-diffusion counter, no randomness), so tests are repeatable. One-shot faults
//! (`Emulator::throttle_next`, `Emulator::drop_next`, `Emulator::malformed_next`) fire on the next
//! eligible requests regardless of the rates.

use std::time::Duration;

/// The fault configuration of an emulator. `Faults::default()` injects nothing.
///
/// ```
/// use std::time::Duration;
/// use tsc_emulator::Faults;
///
/// let faults = Faults::default()
///     .latency(Duration::from_millis(5))
///     .throttle(429, 0.5, Duration::from_secs(1))
///     .token_ttl_requests(100)
///     .only_paths_containing("/workbooks");
/// assert_eq!(faults.throttle_rate, 0.5);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Delay added before every request is answered.
    pub latency: Duration,
    /// Share of eligible requests answered with `throttle_status` (0.0 to 1.0).
    pub throttle_rate: f64,
    /// Status used when throttling: 429 (Too Many Requests) or 503 (Service Unavailable).
    pub throttle_status: u16,
    /// Value of the `Retry-After` header on throttled responses (whole seconds).
    pub retry_after: Duration,
    /// A token stops working (401002) after it has been used for this many requests.
    pub token_ttl_requests: Option<u64>,
    /// A token stops working (401002) this long after sign-in.
    pub token_ttl: Option<Duration>,
    /// Share of eligible requests whose connection is dropped: halfway through the answer of a
    /// GET, or while the body of any other request arrives (then it is not handled).
    pub drop_connection_rate: f64,
    /// Share of eligible XML responses answered with a body that is not well-formed XML.
    pub malformed_xml_rate: f64,
    /// When set, only requests whose path contains this text are eligible for throttling,
    /// dropped connections and malformed XML (latency and token expiry apply to all).
    pub path_filter: Option<String>,
}

impl Faults {
    /// Adds `latency` to every request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Answers `rate` of eligible requests with `status` (429 or 503) and `Retry-After`.
    pub fn throttle(mut self, status: u16, rate: f64, retry_after: Duration) -> Self {
        self.throttle_status = status;
        self.throttle_rate = rate.clamp(0.0, 1.0);
        self.retry_after = retry_after;
        self
    }

    /// Expires each token after it has been used for `n` requests.
    pub fn token_ttl_requests(mut self, n: u64) -> Self {
        self.token_ttl_requests = Some(n);
        self
    }

    /// Expires each token `ttl` after sign-in.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Some(ttl);
        self
    }

    /// Drops the connection halfway through the body of `rate` of eligible responses.
    pub fn drop_connection_rate(mut self, rate: f64) -> Self {
        self.drop_connection_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Answers `rate` of eligible XML responses with malformed XML.
    pub fn malformed_xml_rate(mut self, rate: f64) -> Self {
        self.malformed_xml_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Restricts throttling, dropped connections and malformed XML to paths containing `part`.
    pub fn only_paths_containing(mut self, part: impl Into<String>) -> Self {
        self.path_filter = Some(part.into());
        self
    }

    pub(crate) fn eligible(&self, path: &str) -> bool {
        self.path_filter.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// Which fault fires for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fire {
    Throttle { status: u16, retry_after_secs: u64 },
    Drop,
    Malformed,
}

/// Runtime fault state: the configuration plus deterministic counters and one-shot queues.
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    pub config: Faults,
    throttle_acc: f64,
    drop_acc: f64,
    malformed_acc: f64,
    pub throttle_next: u64,
    pub throttle_next_status: u16,
    pub throttle_next_retry_after: u64,
    pub drop_next: u64,
    pub malformed_next: u64,
}

fn step(acc: &mut f64, rate: f64) -> bool {
    if rate <= 0.0 {
        return false;
    }
    *acc += rate;
    if *acc >= 1.0 - 1e-9 {
        *acc -= 1.0;
        true
    } else {
        false
    }
}

impl FaultState {
    pub fn new(config: Faults) -> Self {
        FaultState {
            config,
            ..Default::default()
        }
    }

    /// Whether this request is throttled, or (for a request that changes something) dropped,
    /// decided before it is handled.
    pub fn before(&mut self, path: &str, changes: bool) -> Option<Fire> {
        if !self.config.eligible(path) {
            return None;
        }
        if changes {
            if let Some(drop) = self.drop() {
                return Some(drop);
            }
        }
        if self.throttle_next > 0 {
            self.throttle_next -= 1;
            return Some(Fire::Throttle {
                status: self.throttle_next_status,
                retry_after_secs: self.throttle_next_retry_after,
            });
        }
        if step(&mut self.throttle_acc, self.config.throttle_rate) {
            let status = if self.config.throttle_status == 503 {
                503
            } else {
                429
            };
            return Some(Fire::Throttle {
                status,
                retry_after_secs: self.config.retry_after.as_secs(),
            });
        }
        None
    }

    fn drop(&mut self) -> Option<Fire> {
        if self.drop_next > 0 {
            self.drop_next -= 1;
            return Some(Fire::Drop);
        }
        if step(&mut self.drop_acc, self.config.drop_connection_rate) {
            return Some(Fire::Drop);
        }
        None
    }

    /// Whether this response is dropped (for a request that changed nothing) or malformed,
    /// decided after it is handled.
    pub fn after(&mut self, path: &str, is_xml: bool, changes: bool) -> Option<Fire> {
        if !self.config.eligible(path) {
            return None;
        }
        if !changes {
            if let Some(drop) = self.drop() {
                return Some(drop);
            }
        }
        if is_xml && self.malformed_next > 0 {
            self.malformed_next -= 1;
            return Some(Fire::Malformed);
        }
        if is_xml && step(&mut self.malformed_acc, self.config.malformed_xml_rate) {
            return Some(Fire::Malformed);
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_deterministic() {
        let mut st = FaultState::new(Faults::default().throttle(503, 0.25, Duration::from_secs(2)));
        let fired: Vec<bool> = (0..8).map(|_| st.before("/x", false).is_some()).collect();
        assert_eq!(
            fired,
            [false, false, false, true, false, false, false, true]
        );
    }

    #[test]
    fn path_filter_limits_faults() {
        let mut st = FaultState::new(
            Faults::default()
                .drop_connection_rate(1.0)
                .only_paths_containing("/content"),
        );
        assert_eq!(st.after("/api/3.28/sites/x/users", true, false), None);
        assert_eq!(
            st.after("/api/3.28/sites/x/workbooks/y/content", false, false),
            Some(Fire::Drop)
        );
    }
}
