//! Signing in and out: [`TableauAuth`], [`PersonalAccessTokenAuth`], [`JwtAuth`] and
//! [`AuthEndpoint`] (TSC's `server.auth`).
//!
//! Passwords, token secrets, JWTs and session tokens are held in [`Secret`] / [`AuthToken`],
//! whose `Debug` and `Display` print `[redacted]`; they never reach logs or errors.
//!
//! ```no_run
//! # async fn demo() -> tsc::Result<()> {
//! use tsc::{PersonalAccessTokenAuth, Server};
//!
//! let server = Server::new("https://tableau.example.com")?;
//! let auth = PersonalAccessTokenAuth::new("ci-token", std::env::var("TABLEAU_PAT").unwrap_or_default(), "finance");
//! println!("{auth:?}"); // the secret prints as [redacted]
//! server.auth().sign_in(auth).await?;
//! // ... work ...
//! server.auth().switch_site("marketing").await?;
//! server.auth().sign_out().await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::{Error, InputError, Result};
use crate::server::{ApiVersion, Server, Session};
use crate::transport::ApiRequest;

/// A secret string (password, token secret, JWT). `Debug`/`Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret text. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// A session token (`X-Tableau-Auth`). `Debug`/`Display` print `[redacted]`.
pub type AuthToken = Secret;

/// Username and password sign-in (TSC's `TableauAuth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableauAuth {
    /// User name.
    pub username: String,
    /// Password (redacted in `Debug`).
    pub password: Secret,
    /// Content URL of the site (`""` for the default site). TSC: `site_id`.
    pub site_content_url: String,
    /// LUID of a user to impersonate (server administrators only).
    pub user_id_to_impersonate: Option<String>,
}

impl TableauAuth {
    /// Credentials for `site_content_url` (`""` for the default site).
    pub fn new(
        username: impl Into<String>,
        password: impl Into<Secret>,
        site_content_url: impl Into<String>,
    ) -> Self {
        TableauAuth {
            username: username.into(),
            password: password.into(),
            site_content_url: site_content_url.into(),
            user_id_to_impersonate: None,
        }
    }

    /// Impersonates the user with this LUID.
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.user_id_to_impersonate = Some(user_id.into());
        self
    }
}

/// Personal access token sign-in (TSC's `PersonalAccessTokenAuth`, REST API 3.6+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalAccessTokenAuth {
    /// Token name.
    pub token_name: String,
    /// Token secret (redacted in `Debug`).
    pub token_secret: Secret,
    /// Content URL of the site (`""` for the default site).
    pub site_content_url: String,
    /// LUID of a user to impersonate.
    pub user_id_to_impersonate: Option<String>,
}

impl PersonalAccessTokenAuth {
    /// Credentials for `site_content_url` (`""` for the default site).
    pub fn new(
        token_name: impl Into<String>,
        token_secret: impl Into<Secret>,
        site_content_url: impl Into<String>,
    ) -> Self {
        PersonalAccessTokenAuth {
            token_name: token_name.into(),
            token_secret: token_secret.into(),
            site_content_url: site_content_url.into(),
            user_id_to_impersonate: None,
        }
    }

    /// Impersonates the user with this LUID.
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.user_id_to_impersonate = Some(user_id.into());
        self
    }
}

/// Connected-app JWT sign-in (TSC's `JWTAuth`, REST API 3.17+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtAuth {
    /// The JWT (redacted in `Debug`).
    pub jwt: Secret,
    /// Content URL of the site (`""` for the default site).
    pub site_content_url: String,
    /// LUID of a user to impersonate.
    pub user_id_to_impersonate: Option<String>,
}

impl JwtAuth {
    /// Credentials for `site_content_url` (`""` for the default site).
    pub fn new(jwt: impl Into<Secret>, site_content_url: impl Into<String>) -> Self {
        JwtAuth {
            jwt: jwt.into(),
            site_content_url: site_content_url.into(),
            user_id_to_impersonate: None,
        }
    }

    /// Impersonates the user with this LUID.
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.user_id_to_impersonate = Some(user_id.into());
        self
    }
}

/// Any of the three kinds of credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// Username and password.
    Password(TableauAuth),
    /// Personal access token.
    PersonalAccessToken(PersonalAccessTokenAuth),
    /// Connected-app JWT.
    Jwt(JwtAuth),
}

impl From<TableauAuth> for Credentials {
    fn from(c: TableauAuth) -> Self {
        Credentials::Password(c)
    }
}
impl From<PersonalAccessTokenAuth> for Credentials {
    fn from(c: PersonalAccessTokenAuth) -> Self {
        Credentials::PersonalAccessToken(c)
    }
}
impl From<JwtAuth> for Credentials {
    fn from(c: JwtAuth) -> Self {
        Credentials::Jwt(c)
    }
}

impl Credentials {
    /// Content URL of the site signed in to.
    pub fn site_content_url(&self) -> &str {
        match self {
            Credentials::Password(c) => &c.site_content_url,
            Credentials::PersonalAccessToken(c) => &c.site_content_url,
            Credentials::Jwt(c) => &c.site_content_url,
        }
    }

    fn with_site(&self, content_url: &str) -> Credentials {
        let mut c = self.clone();
        match &mut c {
            Credentials::Password(c) => c.site_content_url = content_url.to_owned(),
            Credentials::PersonalAccessToken(c) => c.site_content_url = content_url.to_owned(),
            Credentials::Jwt(c) => c.site_content_url = content_url.to_owned(),
        }
        c
    }

    fn min_version(&self) -> Option<(&'static str, ApiVersion)> {
        match self {
            Credentials::Password(_) => None,
            Credentials::PersonalAccessToken(_) => {
                Some(("personal access token sign-in", ApiVersion::new(3, 6)))
            }
            Credentials::Jwt(_) => Some(("JWT (connected app) sign-in", ApiVersion::new(3, 17))),
        }
    }

    fn to_request(&self) -> Result<tsc_raw::TsRequest> {
        let mut creds = tsc_raw::TableauCredentialsType::default();
        let (site, imp) = match self {
            Credentials::Password(c) => {
                if c.username.trim().is_empty() {
                    return Err(InputError::Empty { what: "username" }.into());
                }
                creds.name = Some(c.username.clone());
                creds.password = Some(c.password.expose().to_owned());
                (&c.site_content_url, &c.user_id_to_impersonate)
            }
            Credentials::PersonalAccessToken(c) => {
                if c.token_name.trim().is_empty() {
                    return Err(InputError::Empty {
                        what: "personal access token name",
                    }
                    .into());
                }
                creds.personal_access_token_name = Some(c.token_name.clone());
                creds.personal_access_token_secret = Some(c.token_secret.expose().to_owned());
                (&c.site_content_url, &c.user_id_to_impersonate)
            }
            Credentials::Jwt(c) => {
                if c.jwt.expose().trim().is_empty() {
                    return Err(InputError::Empty { what: "JWT" }.into());
                }
                creds.jwt = Some(c.jwt.expose().to_owned());
                (&c.site_content_url, &c.user_id_to_impersonate)
            }
        };
        creds.site = Some(tsc_raw::SiteType {
            content_url: Some(site.clone()),
            ..Default::default()
        });
        if let Some(id) = imp {
            creds.user = Some(tsc_raw::UserType {
                id: Some(id.clone()),
                ..Default::default()
            });
        }
        Ok(tsc_raw::TsRequest {
            credentials: Some(creds.into()),
            ..Default::default()
        })
    }
}

/// Sign-in, sign-out and site switching (TSC's `server.auth`). Get it with [`Server::auth`].
#[derive(Debug, Clone)]
pub struct AuthEndpoint {
    server: Server,
}

impl Server {
    /// Sign-in, sign-out and site switching (TSC's `server.auth`).
    pub fn auth(&self) -> AuthEndpoint {
        AuthEndpoint {
            server: self.clone(),
        }
    }
}

fn session_from(ts: tsc_raw::TsResponse, fallback_site: &str) -> Result<Session> {
    let missing = |what: &str| Error::UnreadableResponse {
        method: http::Method::POST,
        url: "auth".into(),
        status: http::StatusCode::OK,
        message: format!("the sign-in response has no {what}"),
        excerpt: String::new(),
    };
    let creds = ts.credentials.ok_or_else(|| missing("credentials"))?;
    let token = creds
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("token"))?;
    let site = creds.site.unwrap_or_default();
    Ok(Session {
        token: Secret::new(token),
        site_id: site.id.ok_or_else(|| missing("site id"))?,
        site_content_url: site.content_url.unwrap_or_else(|| fallback_site.to_owned()),
        user_id: creds.user.and_then(|u| u.id).unwrap_or_default(),
    })
}

impl AuthEndpoint {
    /// Builds the sign-in request without sending it.
    pub(crate) fn sign_in_request(&self, creds: &Credentials) -> Result<ApiRequest> {
        let mut req = ApiRequest::post(self.server.api_path("auth/signin"))
            .without_auth()
            .secret_response()
            .xml(&creds.to_request()?)?;
        // Signing in has no side effect beyond a new session: safe to retry.
        req = req.idempotent(true);
        if let Some((what, v)) = creds.min_version() {
            req = req.require_version(what, v);
        }
        Ok(req)
    }

    /// Signs in (TSC's `auth.sign_in`, `sign_in_with_personal_access_token`,
    /// `sign_in_with_json_web_token`) and returns the new session. The credentials are kept for
    /// automatic re-sign-in unless [`ServerBuilder::auto_reauth`](crate::ServerBuilder::auto_reauth)
    /// is off.
    pub async fn sign_in(&self, credentials: impl Into<Credentials>) -> Result<Session> {
        let creds: Credentials = credentials.into();
        let session = self.sign_in_inner(&creds).await?;
        if self.server.inner.auto_reauth {
            self.server.set_credentials(creds);
        }
        Ok(session)
    }

    async fn sign_in_inner(&self, creds: &Credentials) -> Result<Session> {
        let req = self.sign_in_request(creds)?;
        let ts = self.server.send(req).await?;
        let session = session_from(ts, creds.site_content_url())?;
        self.server.set_session(Some(session.clone()));
        Ok(session)
    }

    /// Signs out (TSC's `auth.sign_out`). The session and stored credentials are dropped even if
    /// the server call fails; signing out when not signed in does nothing.
    pub async fn sign_out(&self) -> Result<()> {
        if !self.server.is_signed_in() {
            return Ok(());
        }
        let req = ApiRequest::post(self.server.api_path("auth/signout")).idempotent(true);
        let result = self.server.send_empty(req).await;
        self.server.set_session(None);
        self.server.clear_credentials();
        result
    }

    /// Switches to the site with this content URL without signing in again (TSC's
    /// `auth.switch_site`, REST API 2.6+). Returns the new session.
    pub async fn switch_site(&self, site_content_url: impl Into<String>) -> Result<Session> {
        let content_url = site_content_url.into();
        let body = tsc_raw::TsRequest {
            site: Some(
                tsc_raw::SiteType {
                    content_url: Some(content_url.clone()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        };
        let req = ApiRequest::post(self.server.api_path("auth/switchSite"))
            .secret_response()
            .xml(&body)?
            .require_version("switch_site", ApiVersion::new(2, 6));
        let ts = self.server.send(req).await?;
        let session = session_from(ts, &content_url)?;
        self.server.set_session(Some(session.clone()));
        if let Some(c) = self.server.credentials() {
            self.server
                .set_credentials(c.with_site(&session.site_content_url));
        }
        Ok(session)
    }
}

impl Server {
    /// Re-signs in after `expired` was rejected. Returns whether a fresh session is now in place.
    /// Concurrent callers wait for one re-sign-in instead of each signing in.
    pub(crate) fn reauthenticate(&self, expired: Secret) -> BoxFuture<'_, Result<bool>> {
        Box::pin(async move { self.reauthenticate_inner(&expired).await })
    }

    async fn reauthenticate_inner(&self, expired: &Secret) -> Result<bool> {
        let _guard = self.inner.reauth_lock.lock().await;
        if let Some(current) = self.current_session() {
            if &current.token != expired {
                return Ok(true);
            }
        }
        let Some(creds) = self.credentials() else {
            return Ok(false);
        };
        tracing::info!("session expired, signing in again");
        let creds: Arc<Credentials> = creds;
        self.auth().sign_in_inner(&creds).await?;
        Ok(true)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let a = TableauAuth::new("bob", "hunter2", "site");
        let p = PersonalAccessTokenAuth::new("tok", "s3cr3t", "");
        let j = JwtAuth::new("eyJhbGciOi.payload.sig", "");
        let all = format!(
            "{a:?} {p:?} {j:?} {:?} {}",
            Credentials::from(a.clone()),
            a.password
        );
        assert!(
            !all.contains("hunter2") && !all.contains("s3cr3t") && !all.contains("eyJ"),
            "{all}"
        );
        assert!(all.contains("[redacted]") && all.contains("bob") && all.contains("tok"));
    }
}
