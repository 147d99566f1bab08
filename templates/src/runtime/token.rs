//! Short-lived access tokens minted by the caller's own server:
//! [`AccessToken`] and the [`TokenProvider`] that fetches one lazily,
//! refreshes it before it expires and shares one fetch among concurrent
//! requests.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::auth::Secret;
use super::error::Error;

/// The error a token provider's function may return.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The provider's function, with its future boxed.
type Fetch = Box<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<AccessToken, BoxError>> + Send>> + Send + Sync,
>;

/// A token is refreshed this long before it expires, or a tenth of its
/// lifetime before if that is shorter.
const REFRESH_SKEW: Duration = Duration::from_secs(30);

/// An access token and when it expires.
///
/// `Debug` output shows the expiry but never the token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    token: Secret,
    expires_at: Option<Instant>,
}

impl AccessToken {
    /// A token valid for `expires_in` from now, or until the server rejects
    /// it when `None`.
    pub fn new(token: impl Into<Secret>, expires_in: Option<Duration>) -> Self {
        Self {
            token: token.into(),
            expires_at: expires_in.and_then(|d| Instant::now().checked_add(d)),
        }
    }

    /// The token.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// When the token expires, if known.
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }
}

/// Supplies the access token of a security scheme (e.g. `TokenAuth`) by
/// calling a function of yours, typically a request to your own server,
/// which mints tokens with its API key.
///
/// The token is fetched when a request first needs it and kept until it is
/// about to expire: 30 seconds, or a tenth of its lifetime if shorter,
/// before [`AccessToken::expires_at`]. Only one fetch runs at a time;
/// concurrent requests wait for it and share its result, error included.
/// If a refresh fails while the old token has not expired yet, the old token
/// is used, and the next request tries to refresh it again.
/// When the server answers `401 Unauthorized`, the token is discarded and
/// the request sent once more with a new one (unless its body was a
/// stream, which cannot be sent again). A failed fetch is an
/// [`Error::TokenProvider`] carrying your error.
///
/// Cloning is cheap; clones share the token.
#[derive(Clone)]
pub struct TokenProvider {
    shared: Arc<Shared>,
}

struct Shared {
    fetch: Fetch,
    state: Mutex<State>,
    /// Fetches finished, successful or not.
    fetches: AtomicU64,
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    /// The last failed fetch and its number, shared with the requests that
    /// waited for it.
    failure: Option<(u64, Arc<dyn std::error::Error + Send + Sync>)>,
}

struct Current {
    token: Secret,
    /// `None`: the token does not expire.
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
}

impl Current {
    /// Not due for a refresh yet.
    fn fresh(&self, now: Instant) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    /// Not expired yet.
    fn usable(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

impl TokenProvider {
    /// A provider calling `fetch` whenever a new token is needed.
    ///
    /// ```
    /// # use cartesia_api::{AccessToken, TokenProvider};
    /// # use std::time::Duration;
    /// let provider = TokenProvider::new(|| async {
    ///     // Ask your server for a token here.
    ///     Ok(AccessToken::new("tok_from_my_server", Some(Duration::from_secs(300))))
    /// });
    /// ```
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AccessToken, BoxError>> + Send + 'static,
    {
        Self {
            shared: Arc::new(Shared {
                fetch: Box::new(move || Box::pin(fetch())),
                state: Mutex::new(State::default()),
                fetches: AtomicU64::new(0),
            }),
        }
    }

    /// The current token, fetched first if there is none or it is due for
    /// a refresh.
    pub(crate) async fn token(&self) -> Result<Secret, Error> {
        let shared = &*self.shared;
        let seen = shared.fetches.load(Ordering::Acquire);
        let mut state = shared.state.lock().await;
        let now = Instant::now();
        if let Some(current) = state.current.as_ref().filter(|c| c.fresh(now)) {
            return Ok(current.token.clone());
        }
        if let Some((number, error)) = &state.failure {
            if *number > seen {
                return match state.current.as_ref().filter(|c| c.usable(now)) {
                    Some(current) => Ok(current.token.clone()),
                    None => Err(Error::TokenProvider(Arc::clone(error))),
                };
            }
        }
        let result = (shared.fetch)().await;
        let number = shared.fetches.fetch_add(1, Ordering::AcqRel) + 1;
        match result {
            Ok(fetched) => {
                let now = Instant::now();
                let refresh_at = fetched.expires_at.map(|at| {
                    let early = REFRESH_SKEW.min(at.saturating_duration_since(now) / 10);
                    at.checked_sub(early).unwrap_or(now)
                });
                let token = fetched.token;
                state.failure = None;
                state.current = Some(Current {
                    token: token.clone(),
                    refresh_at,
                    expires_at: fetched.expires_at,
                });
                Ok(token)
            }
            Err(error) => {
                let error: Arc<dyn std::error::Error + Send + Sync> = Arc::from(error);
                state.failure = Some((number, Arc::clone(&error)));
                let now = Instant::now();
                match state.current.as_ref().filter(|c| c.usable(now)) {
                    Some(current) => Ok(current.token.clone()),
                    None => {
                        state.current = None;
                        Err(Error::TokenProvider(error))
                    }
                }
            }
        }
    }

    /// Discards `rejected` (which the server refused) unless a newer token
    /// has replaced it already.
    pub(crate) async fn invalidate(&self, rejected: &Secret) {
        let mut state = self.shared.state.lock().await;
        if state.current.as_ref().is_some_and(|c| c.token == *rejected) {
            state.current = None;
        }
    }
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fetches = self.shared.fetches.load(Ordering::Relaxed);
        f.debug_struct("TokenProvider")
            .field("fetches", &fetches)
            .finish_non_exhaustive()
    }
}

/// The credential of one security scheme.
#[derive(Clone)]
pub(crate) enum Credential {
    /// Set once when the client is built.
    Fixed(Secret),
    /// Fetched (and refreshed) when requests need it.
    Provider(TokenProvider),
}

impl From<Secret> for Credential {
    fn from(secret: Secret) -> Self {
        Self::Fixed(secret)
    }
}

impl From<TokenProvider> for Credential {
    fn from(provider: TokenProvider) -> Self {
        Self::Provider(provider)
    }
}
