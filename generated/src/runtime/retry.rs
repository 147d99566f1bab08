// Copied by `cargo xtask generate` from templates/src/runtime/retry.rs; edit the template, not this file.
//! Retrying failed attempts: [`RetryPolicy`], exponential backoff with
//! jitter, and the server's `Retry-After` hints.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::error::Error;

/// Non-standard header with the wait in milliseconds, looked up before
/// `Retry-After`.
const RETRY_AFTER_MS: &str = "retry-after-ms";

/// When a failed request is sent again, how often and after how long.
///
/// A request is retried when it failed with a connection error or a
/// timeout, or the server answered `408`, `429` or `5xx`
/// ([`Error::is_retryable`]); never when its body is a stream (a file
/// uploaded from disk or a stream), which cannot be sent twice.
///
/// The wait before each retry is, in order of preference:
///
/// * what the server asked for in a `retry-after-ms` header (milliseconds)
///   or a `Retry-After` header (seconds or an HTTP date), if it is at most
///   [`max_retry_after`](Self::max_retry_after) (60 seconds by default).
///   If the server asks for a longer wait, the request is **not** retried:
///   the error is returned at once, and
///   [`ApiError::retry_after`](crate::runtime::ApiError::retry_after) tells
///   how long the server wants you to wait;
/// * otherwise exponential backoff with "equal jitter": before retry `n`
///   (counting from 0) the client waits a random time between half and all
///   of `min(max_delay, base_delay * 2^n)`.
///
/// The default is 2 retries, with a base delay of 0.5 seconds and a maximum
/// delay of 8 seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The default policy: 2 retries, 0.5 s base delay, 8 s maximum delay,
    /// server-requested waits honoured up to 60 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that never retries.
    pub fn never() -> Self {
        Self::default().max_retries(0)
    }

    /// Sets how many times a request is sent again after its first attempt
    /// failed; `0` disables retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the backoff before the first retry; it doubles for each
    /// further retry, up to [`max_delay`](Self::max_delay).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the longest backoff between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the longest server-requested wait (`Retry-After`) the client
    /// honours; a response asking for more is returned as an error instead
    /// of being retried.
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// How many retries are allowed.
    pub(crate) fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retry` (from 0) after `error`, or
    /// `None` if the server asked for a longer wait than is honoured.
    pub(crate) fn delay(&self, retry: u32, error: &Error) -> Option<Duration> {
        let hint = match error {
            Error::Api(e) => retry_after(e.headers()),
            _ => None,
        };
        match hint {
            Some(wait) if wait <= self.max_retry_after => Some(wait),
            Some(_) => None,
            None => Some(self.backoff(retry, fastrand::f64())),
        }
    }

    /// Backoff with equal jitter; `random` is in `[0, 1)`.
    fn backoff(&self, retry: u32, random: f64) -> Duration {
        let doubled = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(31)));
        let ceiling = doubled.min(self.max_delay);
        let half = ceiling / 2;
        let spread = ceiling - half;
        let jitter = Duration::try_from_secs_f64(spread.as_secs_f64() * random).unwrap_or(spread);
        half + jitter.min(spread)
    }
}

/// The wait a response asks for: `retry-after-ms` (milliseconds), else
/// `Retry-After` (seconds, or an HTTP date, a past date being zero).
/// Unparseable or negative values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name| headers.get(name)?.to_str().ok().map(str::trim);
    let seconds = |value: &str| {
        let n: f64 = value.parse().ok()?;
        (n.is_finite() && n >= 0.0)
            .then(|| Duration::try_from_secs_f64(n).ok())
            .flatten()
    };
    if let Some(wait) = text(RETRY_AFTER_MS).and_then(|ms| seconds(ms).map(|d| d / 1000)) {
        return Some(wait);
    }
    let value = text(RETRY_AFTER.as_str())?;
    if let Some(wait) = seconds(value) {
        return Some(wait);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use reqwest::StatusCode;
    use reqwest::header::HeaderValue;

    use super::super::error::ApiError;
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("valid"));
        }
        map
    }

    fn rate_limited(pairs: &[(&'static str, &str)]) -> Error {
        let status = StatusCode::TOO_MANY_REQUESTS;
        Error::Api(ApiError::new(status, headers(pairs), Bytes::new()))
    }

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn backoff_doubles_with_equal_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let bounds: Vec<_> = (0..7)
            .map(|n| (policy.backoff(n, 0.0), policy.backoff(n, 0.999_999)))
            .collect();
        let ceilings = [500, 1000, 2000, 4000, 8000, 8000, 8000];
        for ((low, high), ceiling) in bounds.into_iter().zip(ceilings) {
            assert_eq!(low, MS(ceiling / 2));
            assert!(
                high <= MS(ceiling) && high > MS(ceiling) - MS(1),
                "{high:?}"
            );
        }
        assert_eq!(policy.backoff(1, 0.5), MS(750));
        assert_eq!(policy.backoff(u32::MAX, 0.5), MS(6000));
        let huge = policy.max_delay(Duration::MAX).base_delay(Duration::MAX);
        assert!(huge.backoff(40, 0.999_999_999) >= Duration::MAX / 2);
        for _ in 0..100 {
            let wait = policy.delay(2, &Error::InvalidHeader { name: "x".into() });
            assert!(wait.is_some_and(|w| (MS(1000)..=MS(2000)).contains(&w)));
        }
    }

    #[test]
    fn retry_after_forms_are_parsed() {
        let parse = |pairs: &[(&'static str, &str)]| retry_after(&headers(pairs));
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[("retry-after", "7")]), Some(MS(7000)));
        assert_eq!(parse(&[("retry-after", " 1.5 ")]), Some(MS(1500)));
        assert_eq!(parse(&[("retry-after-ms", "250")]), Some(MS(250)));
        assert_eq!(
            parse(&[("retry-after-ms", "250"), ("retry-after", "9")]),
            Some(MS(250))
        );
        assert_eq!(
            parse(&[("retry-after-ms", "-1"), ("retry-after", "9")]),
            Some(MS(9000))
        );
        for junk in ["soon", "-3", "NaN", "inf", "1e400"] {
            assert_eq!(parse(&[("retry-after", junk)]), None, "{junk}");
        }
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        assert_eq!(parse(&[("retry-after", &past)]), Some(Duration::ZERO));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = parse(&[("retry-after", &soon)]).expect("a date");
        assert!(wait > Duration::from_secs(115) && wait <= Duration::from_secs(120));
    }

    #[test]
    fn server_hints_win_within_the_cap() {
        let policy = RetryPolicy::default();
        let hinted = rate_limited(&[("retry-after", "60")]);
        assert_eq!(policy.delay(0, &hinted), Some(Duration::from_secs(60)));
        let too_long = rate_limited(&[("retry-after", "61")]);
        assert_eq!(policy.delay(0, &too_long), None);
        let patient = policy.max_retry_after(Duration::from_secs(3600));
        assert_eq!(patient.delay(1, &too_long), Some(Duration::from_secs(61)));
        let unparseable = rate_limited(&[("retry-after", "later")]);
        let wait = policy.delay(0, &unparseable);
        assert!(wait.is_some_and(|w| (MS(250)..=MS(500)).contains(&w)));
    }

    #[test]
    fn setters_and_debug() {
        let policy = RetryPolicy::new()
            .max_retries(5)
            .base_delay(MS(100))
            .max_delay(MS(400));
        assert_eq!(policy.retries(), 5);
        assert_eq!(RetryPolicy::never().retries(), 0);
        assert_eq!(RetryPolicy::new(), RetryPolicy::default());
        let shown = format!("{policy:?}");
        assert!(
            shown.contains("max_retries: 5") && shown.contains("100ms"),
            "{shown}"
        );
    }
}
