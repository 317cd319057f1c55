//! [`Server`], its builder, the REST API version and the resource accessors.
//!
//! ```no_run
//! # async fn demo() -> tsc::Result<()> {
//! use std::time::Duration;
//! use tsc::{Server, TableauAuth};
//!
//! // "tableau.example.com" has no scheme, so https:// is used.
//! let server = Server::builder("tableau.example.com")
//!     .connect_timeout(Duration::from_secs(10))
//!     .build()?;
//! server.use_server_version().await?;
//! server.auth().sign_in(TableauAuth::new("admin", "secret", "")).await?;
//! let page = server.workbooks().list().page_size(10).send().await?;
//! for wb in &page.items {
//!     println!("{}", wb.name);
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::auth::{AuthToken, Credentials};
use crate::error::{InputError, Result};
use crate::retry::RetryPolicy;

/// A REST API version such as `3.19`. Ordered numerically (`3.9 < 3.19`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// Major part.
    pub major: u16,
    /// Minor part.
    pub minor: u16,
}

impl ApiVersion {
    /// `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ApiVersion {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            crate::Error::from(InputError::Invalid {
                what: "REST API version",
                reason: format!("{s:?} is not of the form MAJOR.MINOR such as \"3.19\""),
            })
        };
        let (a, b) = s.trim().split_once('.').ok_or_else(bad)?;
        Ok(ApiVersion {
            major: a.parse().map_err(|_| bad())?,
            minor: b.parse().map_err(|_| bad())?,
        })
    }
}

/// The newest REST API version the bundled schema (and so this crate) knows: 3.29.
pub const SCHEMA_API_VERSION: ApiVersion = ApiVersion::new(3, 29);

/// The version used when none is pinned or negotiated: 3.19 (Tableau Server 2023.1).
pub const DEFAULT_API_VERSION: ApiVersion = ApiVersion::new(3, 19);

/// The current session: token plus the site and user it belongs to. Store it (for example in a
/// keyring) and pass it to [`Server::resume_session`] to skip signing in. Its `Debug` output
/// redacts the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The `X-Tableau-Auth` token (redacted in `Debug`/`Display`).
    pub token: AuthToken,
    /// LUID of the signed-in site.
    pub site_id: String,
    /// Content URL of the signed-in site (`""` for the default site).
    pub site_content_url: String,
    /// LUID of the signed-in user.
    pub user_id: String,
}

pub(crate) struct Inner {
    pub(crate) base_url: reqwest::Url,
    pub(crate) client: reqwest::Client,
    pub(crate) version: RwLock<ApiVersion>,
    pub(crate) session: RwLock<Option<Arc<Session>>>,
    pub(crate) credentials: RwLock<Option<Arc<Credentials>>>,
    pub(crate) retry: RetryPolicy,
    pub(crate) auto_reauth: bool,
    pub(crate) reauth_lock: tokio::sync::Mutex<()>,
    pub(crate) request_timeout: Option<Duration>,
}

/// A Tableau Server or Tableau Cloud, and the session with it (TSC's `Server`).
///
/// `Server` is `Clone + Send + Sync`; clones share the HTTP connection pool and the session, so
/// many tasks can use one signed-in server at once. Signing in, switching site and re-signing in
/// replace the session atomically.
#[derive(Clone)]
pub struct Server {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("base_url", &self.inner.base_url.as_str())
            .field("version", &self.version())
            .field("session", &self.session())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server at `address` with default settings. An address without a scheme
    /// (`"tableau.example.com"`) gets `https://`; `http://` must be written out.
    ///
    /// ```
    /// let server = tsc::Server::new("tableau.example.com").unwrap();
    /// assert_eq!(server.base_url(), "https://tableau.example.com/");
    /// ```
    pub fn new(address: impl Into<String>) -> Result<Server> {
        Self::builder(address).build()
    }

    /// A builder to set timeouts, proxy, certificates, retries and the API version.
    pub fn builder(address: impl Into<String>) -> ServerBuilder {
        ServerBuilder::new(address.into())
    }

    /// The base URL every request is relative to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The REST API version in use.
    pub fn version(&self) -> ApiVersion {
        match self.inner.version.read() {
            Ok(v) => *v,
            Err(p) => *p.into_inner(),
        }
    }

    /// Pins the REST API version (TSC's `server.version = "3.19"`).
    pub fn set_version(&self, version: ApiVersion) {
        match self.inner.version.write() {
            Ok(mut v) => *v = version,
            Err(p) => *p.into_inner() = version,
        }
    }

    /// The current session, if signed in.
    pub fn session(&self) -> Option<Session> {
        self.current_session().map(|s| (*s).clone())
    }

    /// Whether a session is held (TSC's `is_signed_in()`).
    pub fn is_signed_in(&self) -> bool {
        self.current_session().is_some()
    }

    /// LUID of the signed-in site (TSC's `server.site_id`).
    pub fn site_id(&self) -> Option<String> {
        self.current_session().map(|s| s.site_id.clone())
    }

    /// LUID of the signed-in user (TSC's `server.user_id`).
    pub fn user_id(&self) -> Option<String> {
        self.current_session().map(|s| s.user_id.clone())
    }

    /// Uses a stored session (for example from a previous run) without signing in. Automatic
    /// re-sign-in is not possible for it unless credentials are also given with
    /// [`Server::set_credentials`].
    pub fn resume_session(&self, session: Session) {
        self.set_session(Some(session));
    }

    /// Stores credentials used for automatic re-sign-in when the session expires (sign-in stores
    /// them already when [`ServerBuilder::auto_reauth`] is on).
    pub fn set_credentials(&self, credentials: impl Into<Credentials>) {
        let creds = Some(Arc::new(credentials.into()));
        match self.inner.credentials.write() {
            Ok(mut c) => *c = creds,
            Err(p) => *p.into_inner() = creds,
        }
    }

    pub(crate) fn clear_credentials(&self) {
        match self.inner.credentials.write() {
            Ok(mut c) => *c = None,
            Err(p) => *p.into_inner() = None,
        }
    }

    pub(crate) fn credentials(&self) -> Option<Arc<Credentials>> {
        match self.inner.credentials.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn current_session(&self) -> Option<Arc<Session>> {
        match self.inner.session.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn set_session(&self, session: Option<Session>) {
        let session = session.map(Arc::new);
        match self.inner.session.write() {
            Ok(mut s) => *s = session,
            Err(p) => *p.into_inner() = session,
        }
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Asks the server for its newest REST API version (`GET /api/2.4/serverinfo`, no sign-in
    /// needed) and uses the lower of it and [`SCHEMA_API_VERSION`] (TSC's
    /// `use_server_version()`). Returns the version now in use.
    pub async fn use_server_version(&self) -> Result<ApiVersion> {
        let info = self.server_info().get_unversioned().await?;
        let version = info.rest_api_version.min(SCHEMA_API_VERSION);
        self.set_version(version);
        Ok(version)
    }

    /// Fails with [`Error::VersionTooLow`](crate::Error::VersionTooLow) when the version in use is
    /// older than `required`.
    pub(crate) fn require_version(&self, what: &'static str, required: ApiVersion) -> Result<()> {
        let current = self.version();
        if current < required {
            return Err(crate::Error::VersionTooLow {
                what,
                required,
                current,
            });
        }
        Ok(())
    }
}

/// Builder for [`Server`]. Defaults: connect timeout 30 s, read timeout 120 s (no call waits
/// forever for a silent server), whole-request timeout 5 min for ordinary calls (streaming
/// publish/download calls are limited by the read timeout only), [`RetryPolicy::default`],
/// automatic re-sign-in on, API version [`DEFAULT_API_VERSION`], user agent
/// `tsc-rust/<version>`, system proxy settings, rustls with the Mozilla root certificates.
#[must_use]
pub struct ServerBuilder {
    address: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    request_timeout: Option<Duration>,
    proxy: Option<reqwest::Proxy>,
    no_proxy: bool,
    root_certs: Vec<reqwest::Certificate>,
    accept_invalid_certs: bool,
    user_agent: String,
    retry: RetryPolicy,
    version: ApiVersion,
    auto_reauth: bool,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("address", &self.address)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The default user agent: `tsc-rust/<crate version>`.
pub const USER_AGENT: &str = concat!("tsc-rust/", env!("CARGO_PKG_VERSION"));

impl ServerBuilder {
    fn new(address: String) -> Self {
        ServerBuilder {
            address,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            request_timeout: Some(Duration::from_secs(300)),
            proxy: None,
            no_proxy: false,
            root_certs: Vec::new(),
            accept_invalid_certs: false,
            user_agent: USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            version: DEFAULT_API_VERSION,
            auto_reauth: true,
        }
    }

    /// Time allowed to open a connection (TCP + TLS).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Longest silence allowed while waiting for response bytes (applies to every call,
    /// including streaming downloads).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Whole-request timeout for ordinary (non-streaming) calls; `None` disables it (the read
    /// timeout still applies).
    pub fn request_timeout(mut self, d: Option<Duration>) -> Self {
        self.request_timeout = d;
        self
    }

    /// Sends every request through this proxy (`reqwest::Proxy::all("http://proxy:3128")`).
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Ignores system proxy settings (`HTTPS_PROXY`...).
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Trusts this extra root certificate (for a server signed by a private CA), in addition to
    /// the built-in roots. Load PEM with `reqwest::Certificate::from_pem`.
    pub fn add_root_certificate(mut self, cert: reqwest::Certificate) -> Self {
        self.root_certs.push(cert);
        self
    }

    /// **DANGER: turns off TLS certificate verification.** Anyone on the network path can then
    /// impersonate the server and read your password and session token. Use only against a test
    /// server you control; prefer [`ServerBuilder::add_root_certificate`]. Logged as a warning.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Replaces the user agent (default [`USER_AGENT`]).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Replaces the retry policy ([`RetryPolicy::none`] disables retries).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Pins the REST API version (TSC's `server.version = "3.19"`). A string that is not
    /// `MAJOR.MINOR` makes [`ServerBuilder::build`] fail; use [`ServerBuilder::api_version`] for a
    /// typed value.
    pub fn version(mut self, version: &str) -> Self {
        match version.parse() {
            Ok(v) => self.version = v,
            Err(_) => self.version = ApiVersion::new(0, 0),
        }
        self
    }

    /// Pins the REST API version.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// Signs in again automatically when Tableau reports an expired session (code 401002) and
    /// repeats the request once, when credentials are held (default on). A request rejected with
    /// 401002 was not carried out, so repeating it is safe; streaming bodies (publish) cannot be
    /// replayed and are not repeated.
    pub fn auto_reauth(mut self, on: bool) -> Self {
        self.auto_reauth = on;
        self
    }

    /// Builds the server. Fails on an unreadable address or version, or when the TLS backend
    /// cannot be set up.
    pub fn build(self) -> Result<Server> {
        if self.version == ApiVersion::new(0, 0) {
            return Err(InputError::Invalid {
                what: "REST API version",
                reason: "not of the form MAJOR.MINOR such as \"3.19\"".into(),
            }
            .into());
        }
        let base_url = parse_address(&self.address)?;
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .redirect(reqwest::redirect::Policy::limited(5));
        if let Some(p) = self.proxy {
            b = b.proxy(p);
        }
        if self.no_proxy {
            b = b.no_proxy();
        }
        for c in self.root_certs {
            b = b.add_root_certificate(c);
        }
        if self.accept_invalid_certs {
            tracing::warn!(
                "TLS certificate verification is OFF for {base_url}: the connection can be intercepted"
            );
            b = b.danger_accept_invalid_certs(true);
        }
        let client = b.build().map_err(|e| {
            crate::Error::from(InputError::Invalid {
                what: "HTTP client configuration",
                reason: e.to_string(),
            })
        })?;
        Ok(Server {
            inner: Arc::new(Inner {
                base_url,
                client,
                version: RwLock::new(self.version),
                session: RwLock::new(None),
                credentials: RwLock::new(None),
                retry: self.retry,
                auto_reauth: self.auto_reauth,
                reauth_lock: tokio::sync::Mutex::new(()),
                request_timeout: self.request_timeout,
            }),
        })
    }
}

fn parse_address(address: &str) -> Result<reqwest::Url> {
    let address = address.trim();
    if address.is_empty() {
        return Err(InputError::Empty {
            what: "server address",
        }
        .into());
    }
    let with_scheme = if address.contains("://") {
        address.to_owned()
    } else {
        format!("https://{address}")
    };
    let mut url = reqwest::Url::parse(&with_scheme).map_err(|e| {
        crate::Error::from(InputError::Invalid {
            what: "server address",
            reason: format!("{address:?}: {e}"),
        })
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(InputError::Invalid {
            what: "server address",
            reason: format!("scheme {:?} is not http or https", url.scheme()),
        }
        .into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(InputError::Invalid {
            what: "server address",
            reason: "must not contain a user name or password; use server.auth().sign_in".into(),
        }
        .into());
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn address_gets_https_and_trailing_slash() {
        assert_eq!(
            parse_address("tab.example.com").unwrap().as_str(),
            "https://tab.example.com/"
        );
        assert_eq!(
            parse_address("http://10.0.0.1:8000/tableau")
                .unwrap()
                .as_str(),
            "http://10.0.0.1:8000/tableau/"
        );
        assert!(parse_address("").is_err());
        assert!(parse_address("ftp://x").is_err());
        assert!(parse_address("https://u:p@x").is_err());
    }

    #[test]
    fn versions_order_numerically() {
        let v: ApiVersion = "3.9".parse().unwrap();
        assert!(v < "3.19".parse().unwrap());
        assert_eq!(v.to_string(), "3.9");
        assert!("3".parse::<ApiVersion>().is_err());
        assert!(Server::builder("x").version("three").build().is_err());
    }

    #[test]
    fn server_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Server>();
    }
}
