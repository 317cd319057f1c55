//! Server info and sites (list, get by id/name/content URL, create, update, delete).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tsc::{AdminMode, ApiVersion, InputError, Server, SiteItem};
use tsc_e2e::harness;
use tsc_emulator::Emulator;

#[tokio::test]
async fn server_info_needs_no_sign_in_and_sets_the_version() {
    let emulator = Emulator::builder()
        .api_version("3.21")
        .start()
        .await
        .unwrap();
    let server = Server::new(emulator.base_url()).unwrap();

    let version = server.use_server_version().await.unwrap();
    assert_eq!(version, ApiVersion::new(3, 21));
    assert_eq!(server.version(), ApiVersion::new(3, 21));

    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.rest_api_version, ApiVersion::new(3, 21));
    assert!(!info.product_version.is_empty());
    assert!(!info.build_number.is_empty());
}

#[tokio::test]
async fn sites_crud() {
    let emulator = Emulator::start().await.unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();

    let all = server.sites().list().send().await.unwrap();
    assert_eq!(all.pagination.total_available, 1);
    assert_eq!(all.items[0].content_url, "");
    assert_eq!(
        all.items[0].id.as_deref(),
        Some(emulator.default_site_id().as_str())
    );

    let created = server
        .sites()
        .create(
            &SiteItem::new("Finance", "finance")
                .with_admin_mode(AdminMode::ContentAndUsers)
                .with_user_quota(25),
        )
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.name, "Finance");
    assert_eq!(created.content_url, "finance");
    assert_eq!(created.admin_mode, Some(AdminMode::ContentAndUsers));
    assert_eq!(created.user_quota, Some(25));
    assert_eq!(emulator.counts().sites, 2);

    let by_id = server.sites().get_by_id(&id).await.unwrap();
    let by_name = server.sites().get_by_name("Finance").await.unwrap();
    let by_url = server.sites().get_by_content_url("finance").await.unwrap();
    assert_eq!(by_id.id.as_deref(), Some(id.as_str()));
    assert_eq!(by_name.id, by_id.id);
    assert_eq!(by_url.id, by_id.id);
    assert_eq!(by_url.name, "Finance");

    // The same content URL again is a conflict.
    let err = server
        .sites()
        .create(&SiteItem::new("Finance 2", "finance"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    let mut changed = by_id.clone();
    changed.name = "Finance EMEA".into();
    changed.user_quota = Some(50);
    let updated = server.sites().update(&changed).await.unwrap();
    assert_eq!(updated.name, "Finance EMEA");
    assert_eq!(updated.user_quota, Some(50));
    assert_eq!(
        server.sites().get_by_id(&id).await.unwrap().name,
        "Finance EMEA"
    );

    server.sites().delete(&id).await.unwrap();
    let err = server.sites().get_by_id(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(emulator.counts().sites, 1);
}

#[tokio::test]
async fn site_input_is_checked_before_sending() {
    let emulator = Emulator::start().await.unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    let before = emulator.request_count();

    let err = server
        .sites()
        .create(
            &SiteItem::new("X", "x")
                .with_admin_mode(AdminMode::ContentOnly)
                .with_user_quota(3),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.input_error(),
        Some(InputError::UserQuotaWithContentOnly)
    ));
    let err = server.sites().get_by_id("").await.unwrap_err();
    assert!(matches!(
        err.input_error(),
        Some(InputError::EmptyId { .. })
    ));
    assert_eq!(emulator.request_count(), before, "nothing was sent");
}
