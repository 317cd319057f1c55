//! Sign-in (password, personal access token, JWT, impersonation), bad credentials, switching
//! site and signing out, against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tsc::{Error, JwtAuth, PersonalAccessTokenAuth, SiteItem, SiteRole, TableauAuth, UserItem};
use tsc_e2e::harness::{self, ADMIN_PASSWORD, ADMIN_PAT_NAME, ADMIN_PAT_SECRET, ADMIN_USER};
use tsc_emulator::Emulator;

/// A JWT with `sub` = `user` (the emulator does not check signatures).
fn jwt_for(user: &str) -> String {
    fn b64url(data: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
    let header = b64url(br#"{"alg":"HS256","typ":"JWT","kid":"k1","iss":"client-id"}"#);
    let claims = b64url(
        format!(r#"{{"sub":"{user}","aud":"tableau","exp":4102444800,"jti":"1","scp":["tableau:content:read"]}}"#)
            .as_bytes(),
    );
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

#[tokio::test]
async fn password_sign_in_gives_a_session_on_the_default_site() {
    let emulator = Emulator::start().await.unwrap();
    let server = harness::server_for(&emulator).await.unwrap();
    assert!(!server.is_signed_in());

    let session = server
        .auth()
        .sign_in(TableauAuth::new(ADMIN_USER, ADMIN_PASSWORD, ""))
        .await
        .unwrap();

    assert!(server.is_signed_in());
    assert_eq!(session.site_id, emulator.default_site_id());
    assert_eq!(session.site_content_url, "");
    assert!(!session.token.expose().is_empty());
    assert_eq!(server.site_id().as_deref(), Some(session.site_id.as_str()));
    let me = server.users().get_by_id(&session.user_id).await.unwrap();
    assert_eq!(me.name, ADMIN_USER);
    assert_eq!(me.site_role, Some(SiteRole::ServerAdministrator));
    assert_eq!(emulator.counts().sessions, 1);
}

#[tokio::test]
async fn personal_access_token_sign_in_is_the_same_user() {
    let emulator = Emulator::start().await.unwrap();
    let by_password = harness::signed_in(&emulator).await.unwrap();
    let server = harness::server_for(&emulator).await.unwrap();

    let session = server
        .auth()
        .sign_in(PersonalAccessTokenAuth::new(
            ADMIN_PAT_NAME,
            ADMIN_PAT_SECRET,
            "",
        ))
        .await
        .unwrap();

    assert_eq!(Some(session.user_id), by_password.user_id());
    assert_eq!(session.site_id, emulator.default_site_id());
    let page = server.projects().list().send().await.unwrap();
    assert!(
        page.items
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case("default"))
    );
}

#[tokio::test]
async fn tokens_and_passwords_of_added_users_work() {
    let emulator = Emulator::start().await.unwrap();
    let id = emulator.add_user("dana", "s3cret", "Creator");
    emulator.add_personal_access_token("dana-ci", "dana-ci-secret", "dana");
    let server = harness::server_for(&emulator).await.unwrap();

    let s = server
        .auth()
        .sign_in(TableauAuth::new("dana", "s3cret", ""))
        .await
        .unwrap();
    assert_eq!(s.user_id, id);
    let s = server
        .auth()
        .sign_in(PersonalAccessTokenAuth::new(
            "dana-ci",
            "dana-ci-secret",
            "",
        ))
        .await
        .unwrap();
    assert_eq!(s.user_id, id);
}

#[tokio::test]
async fn jwt_sign_in_uses_the_subject() {
    let emulator = Emulator::start().await.unwrap();
    let id = emulator.add_user("erin", "pw", "Explorer");
    let server = harness::server_for(&emulator).await.unwrap();

    let session = server
        .auth()
        .sign_in(JwtAuth::new(jwt_for("erin"), ""))
        .await
        .unwrap();

    assert_eq!(session.user_id, id);
}

#[tokio::test]
async fn bad_credentials_are_401001_and_leave_the_server_signed_out() {
    let emulator = Emulator::start().await.unwrap();
    let server = harness::server_for(&emulator).await.unwrap();

    let err = server
        .auth()
        .sign_in(TableauAuth::new(ADMIN_USER, "wrong", ""))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.code(), Some("401001"));
    assert!(!server.is_signed_in());
    // The message never contains the password.
    assert!(!format!("{err} {err:?}").contains("wrong"));

    let err = server
        .auth()
        .sign_in(PersonalAccessTokenAuth::new(ADMIN_PAT_NAME, "nope", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("401001"));

    // An unknown site is refused too.
    let err = server
        .auth()
        .sign_in(TableauAuth::new(ADMIN_USER, ADMIN_PASSWORD, "no-such-site"))
        .await
        .unwrap_err();
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err:?}");
    assert!(!server.is_signed_in());
}

#[tokio::test]
async fn impersonation_signs_in_as_the_other_user() {
    let emulator = Emulator::start().await.unwrap();
    let admin = harness::signed_in(&emulator).await.unwrap();
    let viewer = admin
        .users()
        .add(&UserItem::new("frank", SiteRole::Viewer))
        .await
        .unwrap();
    let viewer_id = viewer.id.unwrap();

    let server = harness::server_for(&emulator).await.unwrap();
    let session = server
        .auth()
        .sign_in(TableauAuth::new(ADMIN_USER, ADMIN_PASSWORD, "").impersonate(&viewer_id))
        .await
        .unwrap();

    assert_eq!(session.user_id, viewer_id);
}

#[tokio::test]
async fn switch_site_moves_the_session_and_scopes_calls() {
    let emulator = Emulator::start().await.unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let finance = server
        .sites()
        .create(&SiteItem::new("Finance", "finance"))
        .await
        .unwrap();
    server
        .projects()
        .create(&tsc::ProjectItem::new("Only on default"))
        .await
        .unwrap();

    let session = server.auth().switch_site("finance").await.unwrap();

    assert_eq!(session.site_content_url, "finance");
    assert_eq!(Some(session.site_id.clone()), finance.id);
    assert_eq!(server.site_id(), finance.id);
    let names: Vec<String> = server
        .projects()
        .list()
        .send()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(!names.iter().any(|n| n == "Only on default"), "{names:?}");

    let back = server.auth().switch_site("").await.unwrap();
    assert_eq!(back.site_id, emulator.default_site_id());
    let names: Vec<String> = server
        .projects()
        .list()
        .send()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(names.iter().any(|n| n == "Only on default"), "{names:?}");
}

#[tokio::test]
async fn sign_out_ends_the_session_on_both_sides() {
    let emulator = Emulator::start().await.unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let old = server.session().unwrap();
    assert_eq!(emulator.counts().sessions, 1);

    server.auth().sign_out().await.unwrap();

    assert!(!server.is_signed_in());
    assert_eq!(emulator.counts().sessions, 0);
    let err = server.users().list().send().await.unwrap_err();
    assert!(matches!(err, Error::NotSignedIn), "{err:?}");
    // Signing out twice does nothing.
    server.auth().sign_out().await.unwrap();

    // The old token is dead on the server: reusing it is 401002 (no credentials to renew it).
    server.resume_session(old);
    let err = server.users().list().send().await.unwrap_err();
    assert_eq!(err.code(), Some("401002"), "{err:?}");
    assert!(err.is_session_expired());
}

#[tokio::test]
async fn a_resumed_session_with_credentials_renews_itself() {
    let emulator = Emulator::start().await.unwrap();
    let first = harness::signed_in(&emulator).await.unwrap();
    let stored = first.session().unwrap();

    // A new process resumes the stored session, and gives credentials for renewal.
    let server = harness::server_for(&emulator).await.unwrap();
    server.resume_session(stored.clone());
    assert_eq!(server.site_id().as_deref(), Some(stored.site_id.as_str()));
    server.set_credentials(PersonalAccessTokenAuth::new(
        ADMIN_PAT_NAME,
        ADMIN_PAT_SECRET,
        "",
    ));
    assert_eq!(
        server.projects().list().send().await.unwrap().items.len(),
        1
    );

    emulator.expire_all_tokens();
    assert_eq!(
        server.projects().list().send().await.unwrap().items.len(),
        1
    );
    assert_ne!(server.session().unwrap().token, stored.token);
    assert_eq!(server.retry_policy().get_max_retries(), 3);
}

#[tokio::test]
async fn a_viewer_is_forbidden_to_change_things() {
    let emulator = Emulator::start().await.unwrap();
    emulator.add_user("olga", "pw", "Viewer");
    let server = harness::server_for(&emulator).await.unwrap();
    server
        .auth()
        .sign_in(TableauAuth::new("olga", "pw", ""))
        .await
        .unwrap();

    // Reading is allowed, creating is not.
    server.projects().list().send().await.unwrap();
    let err = server
        .projects()
        .create(&tsc::ProjectItem::new("Mine"))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    let err = server
        .users()
        .add(&UserItem::new("pete", SiteRole::Viewer))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
}
