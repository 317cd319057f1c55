//! `serverinfo`, sign-in (password, PAT, JWT), sign-out, switch site, current session.

use std::time::Instant;

use tsc_raw::{
    ProductVersion, ServerInfo, SessionType, SiteType, TableauCredentialsType, TsResponse, UserType,
};

use super::{Reply, Req, need};
use crate::error::{ApiError, codes};
use crate::store::{Session, State, dt, s, txt};

pub(crate) fn server_info(st: &mut State, _req: &Req) -> Result<Reply, ApiError> {
    Ok(Reply::ok(TsResponse {
        server_info: Some(Box::new(ServerInfo {
            product_version: Some(ProductVersion {
                build: s(&st.build),
                value: s(&st.product_version),
            }),
            rest_api_version: s(&st.api_version),
            ..Default::default()
        })),
        ..Default::default()
    }))
}

fn signin_error() -> ApiError {
    ApiError::new(
        401,
        codes::SIGNIN_ERROR,
        "Signin Error",
        "Error signing in to Tableau Server",
    )
}

/// Decodes base64url (with or without padding).
fn b64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// The `sub` claim of a JWT (the signature is not checked: the emulator trusts any issuer).
fn jwt_subject(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let json = String::from_utf8(b64url(payload)?).ok()?;
    let at = json.find("\"sub\"")?;
    let rest = &json[at + 5..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

fn credentials(st: &State, token: &str, user_id: &str, site_id: &str) -> TsResponse {
    let content_url = st
        .sites
        .get(site_id)
        .map(|x| x.content_url().to_string())
        .unwrap_or_default();
    TsResponse {
        credentials: Some(Box::new(TableauCredentialsType {
            token: s(token),
            estimated_time_to_expiration: s("239:59:59"),
            site: Some(SiteType {
                id: s(site_id),
                content_url: s(content_url),
                ..Default::default()
            }),
            user: Some(UserType {
                id: s(user_id),
                ..Default::default()
            }),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn new_session(st: &mut State, user_id: &str, site_id: &str) -> String {
    let token = format!("{}|{}", st.ids.token(), st.ids.token());
    st.sessions.insert(Session {
        id: token.clone(),
        user_id: user_id.to_string(),
        site_id: site_id.to_string(),
        created: Instant::now(),
        requests: 0,
    });
    if let Some(u) = st.users.get_mut(user_id) {
        u.item.last_login = dt(&crate::store::now());
    }
    token
}

/// The user with `name` on `site_id`; the server administrator is known on every site.
fn find_user(st: &State, site_id: &str, name: &str) -> Option<String> {
    st.users
        .iter()
        .find(|u| u.site_id == site_id && u.name().eq_ignore_ascii_case(name))
        .map(|u| u.id.clone())
}

pub(crate) fn sign_in(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let creds = need(req.ts_request()?.credentials, "credentials")?;
    let content_url = creds
        .site
        .as_ref()
        .map(|x| txt(&x.content_url).to_string())
        .unwrap_or_default();
    let site_id = st
        .site_by_content_url(&content_url)
        .map(|x| x.id.clone())
        .ok_or_else(signin_error)?;
    let name = if let Some(pat_name) = creds
        .personal_access_token_name
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        let secret = txt(&creds.personal_access_token_secret);
        match st.pats.get(pat_name) {
            Some((expected, user)) if expected == secret => user.clone(),
            _ => return Err(signin_error()),
        }
    } else if let Some(jwt) = creds.jwt.as_deref().filter(|j| !j.is_empty()) {
        jwt_subject(jwt).ok_or_else(signin_error)?
    } else {
        let name = creds
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or_else(signin_error)?;
        let uid = find_user(st, &site_id, name).ok_or_else(signin_error)?;
        // A user added through the API has a password only once one is set with Update User.
        let ok =
            st.users.get(&uid).and_then(|u| u.password.as_deref()) == Some(txt(&creds.password));
        if !ok {
            return Err(signin_error());
        }
        name.to_string()
    };
    let mut user_id = find_user(st, &site_id, &name).ok_or_else(signin_error)?;
    if let Some(imp) = creds
        .user
        .as_ref()
        .and_then(|u| u.id.as_deref())
        .filter(|i| !i.is_empty())
    {
        let admin = st
            .users
            .get(&user_id)
            .is_some_and(|u| u.role() == "ServerAdministrator");
        if !admin || st.users.get(imp).is_none_or(|u| u.site_id != site_id) {
            return Err(signin_error());
        }
        user_id = imp.to_string();
    }
    let token = new_session(st, &user_id, &site_id);
    Ok(Reply::ok(credentials(st, &token, &user_id, &site_id)))
}

pub(crate) fn sign_out(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let c = req.caller()?;
    st.sessions.remove(&c.token);
    Ok(Reply::NoContent)
}

pub(crate) fn switch_site(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let c = req.caller()?.clone();
    let site = need(req.ts_request()?.site, "site")?;
    let content_url = txt(&site.content_url).to_string();
    let switch_error = || {
        ApiError::new(
            401,
            codes::SWITCH_SITE_ERROR,
            "Switch Site Error",
            format!("The user cannot switch to the site with content URL '{content_url}'."),
        )
    };
    let site_id = st
        .site_by_content_url(&content_url)
        .map(|x| x.id.clone())
        .ok_or_else(switch_error)?;
    if site_id == c.site_id {
        return Err(ApiError::new(
            403,
            codes::ALREADY_ON_SITE,
            "Forbidden",
            "The user is already signed in to this site.",
        ));
    }
    let name = st
        .users
        .get(&c.user_id)
        .map(|u| u.name().to_string())
        .unwrap_or_default();
    let user_id = find_user(st, &site_id, &name).ok_or_else(switch_error)?;
    st.sessions.remove(&c.token);
    let token = new_session(st, &user_id, &site_id);
    Ok(Reply::ok(credentials(st, &token, &user_id, &site_id)))
}

pub(crate) fn current_session(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let c = req.caller()?;
    let site = st
        .sites
        .get(&c.site_id)
        .map(|x| x.item.clone())
        .unwrap_or_default();
    let user = st
        .users
        .get(&c.user_id)
        .map(|u| u.item.clone())
        .unwrap_or_default();
    Ok(Reply::ok(TsResponse {
        session: Some(Box::new(SessionType {
            site: Some(SiteType {
                id: site.id,
                name: site.name,
                content_url: site.content_url,
                ..Default::default()
            }),
            user: Some(UserType {
                id: user.id,
                name: user.name,
                site_role: user.site_role,
                ..Default::default()
            }),
        })),
        ..Default::default()
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_jwt_subject() {
        // {"alg":"none"}.{"sub":"admin","aud":"tableau"}.
        let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsImF1ZCI6InRhYmxlYXUifQ.";
        assert_eq!(jwt_subject(jwt).as_deref(), Some("admin"));
        assert!(super::super::parse_bool("True"));
    }
}
