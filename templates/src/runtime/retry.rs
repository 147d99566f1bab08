//! Retrying failed attempts: [`RetryPolicy`], which requests may be sent
//! again (idempotent methods; `POST` and `PATCH` only when known to be safe
//! or surely not processed), exponential backoff with jitter, the server's
//! `Retry-After` hints and the total time budget.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::error::Error;

/// Non-standard header with the wait in milliseconds, looked up before
/// `Retry-After`.
const RETRY_AFTER_MS: &str = "retry-after-ms";

/// When a failed request is sent again, how often and after how long.
///
/// # Which failures are retried
///
/// A failure is *retryable* ([`Error::is_retryable`]) when it is a
/// connection error, a timeout, or a `408`, `429` or `5xx` response. Whether
/// a retryable failure is actually retried depends on whether sending the
/// request twice could do the work twice (and bill it twice):
///
/// * a request whose method is idempotent by RFC 9110 (`GET`, `HEAD`,
///   `OPTIONS`, `TRACE`, `PUT`, `DELETE`) is retried on any retryable
///   failure;
/// * a request that may have been processed and is not idempotent (`POST`,
///   `PATCH`) is retried on a retryable failure only when it is known to be
///   safe to repeat:
///   - the API description marks the operation `x-idempotent: true`;
///   - the operation declares an `Idempotency-Key` header: the client then
///     sends a fresh random key (a UUID) per call unless the caller set one,
///     the same key on every attempt, so that the server performs the work
///     once;
///   - the caller opted in for the call
///     ([`RequestOptions::idempotent`](crate::runtime::RequestOptions::idempotent))
///     or for every call of the client or of one request
///     ([`retry_non_idempotent`](Self::retry_non_idempotent));
/// * whatever the method, a failure that proves the request was not
///   processed is retried: a connection that could not be established
///   (refused, DNS or TLS failure, connect timeout: no byte of the request
///   was sent) and a `429 Too Many Requests` answer (the request was
///   rejected before any work). A `5xx`, a `408`, a timeout or a connection
///   dropped after the request was sent prove nothing and do not count.
///
/// A `401` answered while an access token from a
/// [`TokenProvider`](crate::runtime::TokenProvider) was used is sent once
/// more with a new token, whatever the method, as the server refused it
/// before doing anything. A request whose body is a stream (a file uploaded
/// from disk or a stream) is never sent twice.
///
/// # How long to wait
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
/// An optional [`total_timeout`](Self::total_timeout) bounds all attempts of
/// a request and the waits between them together: each attempt is cut at the
/// end of the budget, a wait that would end after it is not started, and the
/// request then fails with
/// [`Error::TotalTimeout`](crate::runtime::Error::TotalTimeout), which says
/// how many attempts were made and carries the last failure.
///
/// The default is 2 retries, with a base delay of 0.5 seconds and a maximum
/// delay of 8 seconds, no total timeout, and no retry of requests that may
/// have been processed unless known to be safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    total_timeout: Option<Duration>,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            total_timeout: None,
            retry_non_idempotent: false,
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

    /// Bounds the time of all attempts of a request and the waits between
    /// them together. Each attempt still has its own
    /// [`timeout`](crate::runtime::ClientBuilder::timeout); for streamed
    /// responses the budget ends with the response head. None by default.
    pub fn total_timeout(mut self, budget: Duration) -> Self {
        self.total_timeout = Some(budget);
        self
    }

    /// Retries `POST` and `PATCH` requests too, after any retryable
    /// failure, as if every operation were idempotent. Only for an API, or
    /// a use of it, where sending a request twice is harmless: otherwise a
    /// request answered `503` after it was processed (a speech generation, a
    /// voice clone) is processed, and billed, twice.
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }

    /// The budget of all attempts together, if any.
    pub(crate) fn budget(&self) -> Option<Duration> {
        self.total_timeout
    }

    /// Whether `error`, after an attempt of a request that is safe to
    /// repeat (`repeatable`) or not, may be retried.
    pub(crate) fn allows(&self, repeatable: bool, error: &Error) -> bool {
        error.is_retryable()
            && (repeatable || self.retry_non_idempotent || surely_unprocessed(error))
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

/// Whether `error` proves that the server did not process the request: the
/// connection was never established (nothing was sent), or the server
/// answered `429 Too Many Requests`.
fn surely_unprocessed(error: &Error) -> bool {
    match error {
        Error::Http(e) => e.is_connect(),
        Error::Api(e) => e.status() == reqwest::StatusCode::TOO_MANY_REQUESTS,
        _ => false,
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
