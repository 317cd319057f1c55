//! Retry policy for transient failures.
//!
//! A request is retried only when it is safe to repeat (GET, PUT, DELETE and the few POSTs the
//! crate knows to be idempotent) and has a body that can be sent again, and only after a transient
//! failure: HTTP 429, 502, 503, 504, a connect error, a timeout or a connection reset. Delays grow
//! exponentially from [`RetryPolicy::initial_backoff`] up to [`RetryPolicy::max_backoff`], with
//! jitter, and a `Retry-After` header (seconds or HTTP date) from the server wins when present (up
//! to [`RetryPolicy::max_retry_after`]).
//!
//! ```
//! use std::time::Duration;
//! use tsc::RetryPolicy;
//!
//! let patient = RetryPolicy::default()
//!     .max_retries(5)
//!     .initial_backoff(Duration::from_millis(500));
//! let never = RetryPolicy::none();
//! assert_eq!(never.get_max_retries(), 0);
//! # let _ = patient;
//! ```

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

/// How often and how patiently to retry transient failures. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// 3 retries, 250 ms initial backoff doubling up to 8 s, with jitter; `Retry-After` honoured
    /// up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Number of retries after the first attempt (0 disables retrying).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Delay before the first retry; each further retry doubles it.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Upper bound of the exponential backoff.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Longest `Retry-After` the client is willing to wait; a longer one is capped to this.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Randomise each delay between half and all of its value (default on), so that many clients
    /// do not retry in lockstep.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Configured number of retries.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Delay before retry number `retry` (0-based), or `None` when retries are exhausted.
    /// `retry_after` is the server's `Retry-After`, which wins over the backoff (capped).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        if let Some(ra) = retry_after {
            return Some(ra.min(self.max_retry_after));
        }
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        let base = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        if !self.jitter {
            return Some(base);
        }
        let half = base / 2;
        let span = base.saturating_sub(half).as_nanos() as u64;
        let extra = if span == 0 {
            0
        } else {
            random_u64() % (span + 1)
        };
        Some(half + Duration::from_nanos(extra))
    }

    /// Whether an HTTP status is a transient failure worth retrying (429, 502, 503, 504).
    pub fn is_transient_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 502 | 503 | 504)
    }

    /// Whether a transport error is transient (connect failure, timeout, reset while sending or
    /// receiving).
    pub fn is_transient_error(err: &reqwest::Error) -> bool {
        err.is_connect() || err.is_timeout() || err.is_request() || err.is_body()
    }
}

/// Reads `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format = time::format_description::well_known::Rfc2822;
    let when = time::OffsetDateTime::parse(value, &format)
        .or_else(|_| time::OffsetDateTime::parse(&value.replace("GMT", "+0000"), &format))
        .ok()?;
    let now = time::OffsetDateTime::from(SystemTime::now());
    let secs = (when - now).whole_milliseconds();
    Some(Duration::from_millis(secs.max(0) as u64))
}

fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exponential_without_jitter_is_bounded() {
        let p = RetryPolicy::default()
            .jitter(false)
            .max_retries(10)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        let got: Vec<_> = (0..6)
            .map(|i| p.delay(i, None).unwrap().as_millis())
            .collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.delay(10, None), None);
    }

    #[test]
    fn jitter_stays_between_half_and_full() {
        let p = RetryPolicy::default()
            .max_retries(5)
            .initial_backoff(Duration::from_millis(400));
        for _ in 0..200 {
            let d = p.delay(1, None).unwrap();
            assert!(
                d >= Duration::from_millis(400) && d <= Duration::from_millis(800),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let p = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(100))),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            RetryPolicy::none().delay(0, Some(Duration::from_secs(1))),
            None
        );
    }

    #[test]
    fn parses_retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            http::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn transient_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(RetryPolicy::is_transient_status(
                StatusCode::from_u16(s).unwrap()
            ));
        }
        for s in [400, 401, 404, 409, 500] {
            assert!(!RetryPolicy::is_transient_status(
                StatusCode::from_u16(s).unwrap()
            ));
        }
    }
}
