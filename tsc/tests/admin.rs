//! Sites, projects, users, groups, schedules and jobs against a mock server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use time::Weekday;
use time::macros::time;
use tsc::{
    AdminMode, AuthSetting, ContentPermissions, Every, GroupItem, InputError, Interval, MonthDay,
    ProjectItem, ScheduleItem, ScheduleState, ScheduleType, SiteItem, SiteRole, SiteState,
    UserItem,
};
use wiremock::ResponseTemplate;

fn input(err: tsc::Error) -> InputError {
    err.input_error()
        .cloned()
        .unwrap_or_else(|| panic!("expected invalid input, got {err:?}"))
}

// ---------------------------------------------------------------- sites

#[tokio::test]
async fn sites_list_get_by_id_name_content_url() {
    let list = fixture!("site_get.xml");
    let one = fixture!("site_get_by_id.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/sites", xml(list)).await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/0626857c-1def-4503-a7d8-7907c3ff9d9f",
        xml(one.clone()),
    )
    .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/My%20Site%2F2",
        xml(one.clone()),
    )
    .await;
    on(&mock, "GET", "/api/3.19/sites/sales", xml(one)).await;
    let page = server.sites().list().send().await.unwrap();
    assert_eq!(page.pagination.total_available, 2);
    let s = &page.items[0];
    assert_eq!(s.name, "Default");
    assert_eq!(s.content_url, "");
    assert_eq!(s.admin_mode, Some(AdminMode::ContentOnly));
    assert_eq!(s.state, Some(SiteState::Active));
    assert_eq!(s.user_quota, Some(4));
    assert_eq!(s.storage_quota, Some(100));
    assert_eq!(s.disable_subscriptions, Some(true));
    let by_id = server
        .sites()
        .get_by_id("0626857c-1def-4503-a7d8-7907c3ff9d9f")
        .await
        .unwrap();
    assert_eq!(
        by_id.id.as_deref(),
        Some("0626857c-1def-4503-a7d8-7907c3ff9d9f")
    );
    server.sites().get_by_name("My Site/2").await.unwrap();
    server.sites().get_by_content_url("sales").await.unwrap();
    let reqs = requests(&mock).await;
    assert_eq!(reqs[2].url.query(), Some("key=name"));
    assert_eq!(reqs[3].url.query(), Some("key=contentUrl"));
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("x-tableau-auth").unwrap() == TOKEN)
    );
    // TSC exceptions: "Site ID undefined.", "Site Name undefined."
    assert!(matches!(
        input(server.sites().get_by_id("").await.unwrap_err()),
        InputError::EmptyId { resource: "Site" }
    ));
    assert!(matches!(
        input(server.sites().get_by_name("").await.unwrap_err()),
        InputError::Empty { what: "Site Name" }
    ));
    assert_eq!(requests(&mock).await.len(), 4);
}

#[tokio::test]
async fn site_create_update_delete() {
    let created = fixture!("site_create.xml");
    let (mock, server) = setup().await;
    on(&mock, "POST", "/api/3.19/sites", xml(created.clone())).await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/0626857c-1def-4503-a7d8-7907c3ff9d9f",
        xml(created),
    )
    .await;
    on(
        &mock,
        "DELETE",
        "/api/3.19/sites/0626857c-1def-4503-a7d8-7907c3ff9d9f",
        ResponseTemplate::new(204),
    )
    .await;
    let item = SiteItem::new("Tableau", "tableau")
        .with_admin_mode(AdminMode::ContentAndUsers)
        .with_user_quota(15);
    let site = server.sites().create(&item).await.unwrap();
    assert_eq!(
        site.id.as_deref(),
        Some("0626857c-1def-4503-a7d8-7907c3ff9d9f")
    );
    assert_eq!(site.user_quota, Some(15));
    let mut upd = site.clone();
    upd.state = Some(SiteState::Suspended);
    upd.disable_subscriptions = Some(false);
    server.sites().update(&upd).await.unwrap();
    server
        .sites()
        .delete("0626857c-1def-4503-a7d8-7907c3ff9d9f")
        .await
        .unwrap();
    let reqs = requests(&mock).await;
    assert_xml_request(&reqs[0]);
    insta::assert_snapshot!("site_create", describe(&reqs[0]));
    insta::assert_snapshot!("site_update", describe(&reqs[1]));
    assert_auth(&reqs[2]);
    assert!(
        server.is_signed_in(),
        "deleting another site keeps the session"
    );
}

#[tokio::test]
async fn site_rules_are_checked_before_sending() {
    let (mock, server) = setup().await;
    let bad = SiteItem::new("S", "s")
        .with_admin_mode(AdminMode::ContentOnly)
        .with_user_quota(5);
    let err = server.sites().create(&bad).await.unwrap_err();
    assert_eq!(input(err), InputError::UserQuotaWithContentOnly);
    let mut bad_upd = bad.clone();
    bad_upd.id = Some("x".into());
    let err = server.sites().update(&bad_upd).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("ContentOnly and also set a user quota"),
        "{err}"
    );
    assert!(matches!(
        input(
            server
                .sites()
                .update(&SiteItem::new("S", "s"))
                .await
                .unwrap_err()
        ),
        InputError::MissingId { resource: "Site" }
    ));
    assert!(matches!(
        input(server.sites().delete("").await.unwrap_err()),
        InputError::EmptyId { resource: "Site" }
    ));
    assert!(requests(&mock).await.is_empty());
}

#[tokio::test]
async fn deleting_the_signed_in_site_ends_the_session() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "DELETE",
        "/api/3.19/sites/site-1",
        ResponseTemplate::new(204),
    )
    .await;
    server.sites().delete(SITE).await.unwrap();
    assert!(!server.is_signed_in());
}

// ---------------------------------------------------------------- projects

#[tokio::test]
async fn projects_list_create_update_delete() {
    let list = fixture!("project_get.xml");
    let updated = fixture!("project_update.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/sites/site-1/projects", xml(list)).await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/projects",
        xml(updated.clone()),
    )
    .await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/site-1/projects/1d0304cd-3796-429f-b815-7258370b9b74",
        xml(updated),
    )
    .await;
    on(
        &mock,
        "DELETE",
        "/api/3.19/sites/site-1/projects/1d0304cd-3796-429f-b815-7258370b9b74",
        ResponseTemplate::new(204),
    )
    .await;
    let page = server.projects().list().send().await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(
        page.items[2].parent_id.as_deref(),
        Some("1d0304cd-3796-429f-b815-7258370b9b74")
    );
    assert_eq!(
        page.items[0].content_permissions,
        Some(ContentPermissions::ManagedByOwner)
    );
    let new = ProjectItem::new("Test Project")
        .with_description("Project created for testing")
        .with_content_permissions(ContentPermissions::LockedToProject)
        .with_parent("9a8f2265-70f3-4494-96c5-e5949d7a1120");
    let p = server.projects().create(&new).await.unwrap();
    assert_eq!(
        p.id.as_deref(),
        Some("1d0304cd-3796-429f-b815-7258370b9b74")
    );
    assert_eq!(
        p.content_permissions,
        Some(ContentPermissions::LockedToProject)
    );
    let mut upd = p.clone();
    upd.owner_id = Some("dd2239f6-ddf1-4107-981a-4cf94e415794".into());
    let after = server.projects().update(&upd).await.unwrap();
    assert_eq!(
        after.parent_id.as_deref(),
        Some("9a8f2265-70f3-4494-96c5-e5949d7a1120")
    );
    server
        .projects()
        .delete(p.id.clone().unwrap())
        .await
        .unwrap();
    let reqs = requests(&mock).await;
    assert_xml_request(&reqs[1]);
    insta::assert_snapshot!("project_create", describe(&reqs[1]));
    insta::assert_snapshot!("project_update", describe(&reqs[2]));
    assert_auth(&reqs[3]);
    // TSC: "Project item missing ID.", "Project ID undefined."
    assert!(matches!(
        input(
            server
                .projects()
                .update(&ProjectItem::new("x"))
                .await
                .unwrap_err()
        ),
        InputError::MissingId {
            resource: "Project"
        }
    ));
    assert!(matches!(
        input(server.projects().delete("").await.unwrap_err()),
        InputError::EmptyId {
            resource: "Project"
        }
    ));
    assert!(matches!(
        input(
            server
                .projects()
                .create(&ProjectItem::new(" "))
                .await
                .unwrap_err()
        ),
        InputError::Empty { .. }
    ));
    assert_eq!(requests(&mock).await.len(), 4);
}

// ---------------------------------------------------------------- users

#[tokio::test]
async fn users_list_all_fields() {
    let body = fixture!("user_get_all_fields.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/sites/site-1/users", xml(body)).await;
    let page = server
        .users()
        .list()
        .fields(tsc::Fields::All)
        .send()
        .await
        .unwrap();
    let bob = &page.items[0];
    assert_eq!(bob.name, "bob@example.com");
    assert_eq!(bob.full_name.as_deref(), Some("Bob Smith"));
    assert_eq!(bob.site_role, Some(SiteRole::SiteAdministratorCreator));
    assert_eq!(
        bob.auth_setting,
        Some(AuthSetting::Other("TableauIDWithMFA".into()))
    );
    assert_eq!(bob.domain_name.as_deref(), Some("TABID_WITH_MFA"));
    assert_eq!(
        bob.last_login,
        Some(time::macros::datetime!(2025-02-04 06:39:20 UTC))
    );
    assert_eq!(page.items[1].site_role, Some(SiteRole::ExplorerCanPublish));
    insta::assert_snapshot!(describe(&only_request(&mock).await));
}

#[tokio::test]
async fn user_add_get_update_remove() {
    let added = fixture!("user_add.xml");
    let updated = fixture!("user_update.xml");
    let (mock, server) = setup().await;
    let id = "4cc4c17f-898a-4de4-abed-a1681c673ced";
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/users",
        xml(added.clone()),
    )
    .await;
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/users/{id}"),
        xml(added),
    )
    .await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/users/{id}"),
        xml(updated),
    )
    .await;
    on(
        &mock,
        "DELETE",
        &format!("/api/3.19/sites/site-1/users/{id}"),
        ResponseTemplate::new(204),
    )
    .await;
    let new =
        UserItem::new("Cassie", SiteRole::Viewer).with_auth_setting(AuthSetting::ServerDefault);
    let u = server.users().add(&new).await.unwrap();
    assert_eq!(u.id.as_deref(), Some(id));
    assert_eq!(u.auth_setting, Some(AuthSetting::ServerDefault));
    let mut u = server.users().get_by_id(id).await.unwrap();
    u.full_name = Some("Cassie".into());
    u.email = Some("cassie@email.com".into());
    let after = server
        .users()
        .update_with_password(&u, "n3w&<pw>")
        .await
        .unwrap();
    assert_eq!(after.email.as_deref(), Some("cassie@email.com"));
    assert_eq!(after.id.as_deref(), Some(id), "id kept from the item");
    server.users().remove(id).await.unwrap();
    server
        .users()
        .remove_and_map_assets(id, "owner-2")
        .await
        .unwrap();
    let reqs = requests(&mock).await;
    assert_xml_request(&reqs[0]);
    insta::assert_snapshot!("user_add", describe(&reqs[0]));
    insta::assert_snapshot!("user_update_with_password", describe(&reqs[2]));
    assert_auth(&reqs[3]);
    assert_eq!(reqs[4].url.query(), Some("mapAssetsTo=owner-2"));
    // TSC: "User ID undefined.", "User item missing ID."
    assert!(matches!(
        input(server.users().get_by_id("").await.unwrap_err()),
        InputError::EmptyId { resource: "User" }
    ));
    assert!(matches!(
        input(server.users().remove("").await.unwrap_err()),
        InputError::EmptyId { resource: "User" }
    ));
    assert!(matches!(
        input(
            server
                .users()
                .update(&UserItem::new("x", SiteRole::Viewer))
                .await
                .unwrap_err()
        ),
        InputError::MissingId { resource: "User" }
    ));
    assert!(matches!(
        input(
            server
                .users()
                .add(&UserItem {
                    name: "x".into(),
                    ..Default::default()
                })
                .await
                .unwrap_err()
        ),
        InputError::Empty { .. }
    ));
    assert_eq!(requests(&mock).await.len(), 5);
}

#[tokio::test]
async fn user_populate_workbooks_and_favorites() {
    let wbs = fixture!("workbook_get.xml");
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/users/u1/workbooks",
        xml(wbs),
    )
    .await;
    let favs = ts(r#"<favorites>
        <favorite label="Superstore"><workbook id="w1" name="Superstore"/></favorite>
        <favorite label="Overview"><view id="v1" name="Overview"/></favorite>
        <favorite label="DS"><datasource id="d1" name="DS"/></favorite>
        <favorite label="P"><project id="p1" name="P"/></favorite>
    </favorites>"#);
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/favorites/u1",
        xml(favs),
    )
    .await;
    let mut u = UserItem {
        id: Some("u1".into()),
        ..Default::default()
    };
    assert!(u.workbooks.is_none() && u.favorites.is_none());
    server.users().populate_workbooks(&mut u).await.unwrap();
    server.users().populate_favorites(&mut u).await.unwrap();
    assert_eq!(u.workbooks.as_ref().unwrap().len(), 2);
    let f = u.favorites.as_ref().unwrap();
    assert_eq!(
        (
            f.workbooks.len(),
            f.views.len(),
            f.datasources.len(),
            f.projects.len()
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(f.views[0].name, "Overview");
    let reqs = requests(&mock).await;
    assert_eq!(reqs[0].url.query(), Some("pageNumber=1"));
    assert_auth(&reqs[1]);
    let mut none = UserItem::default();
    assert!(matches!(
        input(
            server
                .users()
                .populate_workbooks(&mut none)
                .await
                .unwrap_err()
        ),
        InputError::MissingId { resource: "User" }
    ));
    assert!(matches!(
        input(
            server
                .users()
                .populate_favorites(&mut none)
                .await
                .unwrap_err()
        ),
        InputError::MissingId { resource: "User" }
    ));
}

// ---------------------------------------------------------------- groups

#[tokio::test]
async fn groups_list_create_update_delete() {
    let list = fixture!("group_get.xml");
    let created = fixture!("group_create.xml");
    let updated = fixture!("group_update.xml");
    let (mock, server) = setup().await;
    let gid = "ef8b19c0-43b6-11e6-af50-63f5805dbe3c";
    on(&mock, "GET", "/api/3.19/sites/site-1/groups", xml(list)).await;
    on(&mock, "POST", "/api/3.19/sites/site-1/groups", xml(created)).await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/site-1/groups/{gid}"),
        xml(updated),
    )
    .await;
    on(
        &mock,
        "DELETE",
        &format!("/api/3.19/sites/site-1/groups/{gid}"),
        ResponseTemplate::new(204),
    )
    .await;
    let page = server.groups().list().send().await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.items[0].name, "All Users");
    assert_eq!(page.items[0].domain_name.as_deref(), Some("local"));
    let g = server
        .groups()
        .create(&GroupItem::new("試供品"))
        .await
        .unwrap();
    assert_eq!(g.name, "試供品");
    let mut g = page.items[0].clone();
    g.name = "Group updated name".into();
    let after = server.groups().update(&g, None).await.unwrap();
    assert_eq!(after.name, "Group updated name");
    assert_eq!(after.minimum_site_role, Some(SiteRole::ExplorerCanPublish));
    server.groups().delete(gid).await.unwrap();
    let reqs = requests(&mock).await;
    insta::assert_snapshot!("group_create", describe(&reqs[1]));
    insta::assert_snapshot!("group_update_local", describe(&reqs[2]));
    assert_auth(&reqs[3]);
    // TSC: "Group ID undefined", "Group item missing ID"
    assert!(matches!(
        input(server.groups().delete("").await.unwrap_err()),
        InputError::EmptyId { resource: "Group" }
    ));
    assert!(matches!(
        input(
            server
                .groups()
                .update(&GroupItem::new("x"), None)
                .await
                .unwrap_err()
        ),
        InputError::MissingId { resource: "Group" }
    ));
    assert_eq!(requests(&mock).await.len(), 4);
}

#[tokio::test]
async fn group_active_directory_import_and_sync() {
    let created = fixture!("group_create_ad.xml");
    let job = fixture!("group_create_async.xml");
    let (mock, server) = setup().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::query_param("asJob", "false"))
        .respond_with(xml(created.clone()))
        .mount(&mock)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::query_param("asJob", "true"))
        .respond_with(xml(job))
        .mount(&mock)
        .await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/site-1/groups/g1",
        xml(created),
    )
    .await;
    let mut ad = GroupItem::active_directory("試供品", "active-directory-domain-name");
    ad.minimum_site_role = Some(SiteRole::Creator);
    let g = server.groups().create_ad_group(&ad).await.unwrap();
    assert_eq!(
        g.domain_name.as_deref(),
        Some("active-directory-domain-name")
    );
    assert_eq!(g.minimum_site_role, Some(SiteRole::Creator));
    let j = server.groups().create_ad_group_as_job(&ad).await.unwrap();
    assert_eq!(j.id.as_deref(), Some("job-id"));
    assert_eq!(j.job_type, Some(tsc::JobType::Other("GroupImport".into())));
    let mut existing = GroupItem::active_directory("試供品", "active-directory-domain-name");
    existing.id = Some("g1".into());
    server
        .groups()
        .update(&existing, Some(SiteRole::Viewer))
        .await
        .unwrap();
    let reqs = requests(&mock).await;
    insta::assert_snapshot!("group_create_ad", describe(&reqs[0]));
    insta::assert_snapshot!("group_update_ad", describe(&reqs[2]));
    // An AD group needs a site role for new members.
    let no_role = GroupItem {
        id: Some("g1".into()),
        ..GroupItem::active_directory("x", "d")
    };
    assert!(
        input(server.groups().update(&no_role, None).await.unwrap_err())
            .to_string()
            .contains("site role")
    );
}

#[tokio::test]
async fn group_members() {
    let added = fixture!("group_add_user.xml");
    let empty = fixture!("group_populate_users_empty.xml");
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/groups/g1/users",
        xml(added),
    )
    .await;
    on(
        &mock,
        "DELETE",
        "/api/3.19/sites/site-1/groups/g1/users/5de011f8-5aa9-4d5b-b991-f462c8dd6bb7",
        ResponseTemplate::new(204),
    )
    .await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/groups/g1/users",
        xml(empty),
    )
    .await;
    let mut g = GroupItem {
        id: Some("g1".into()),
        name: "G".into(),
        ..Default::default()
    };
    let u = server
        .groups()
        .add_user(&g, "5de011f8-5aa9-4d5b-b991-f462c8dd6bb7")
        .await
        .unwrap();
    assert_eq!(u.name, "testuser");
    // TSC's "Group must be populated with users first" cannot happen: removing needs only ids.
    assert!(g.users.is_none());
    server
        .groups()
        .remove_user(&g, "5de011f8-5aa9-4d5b-b991-f462c8dd6bb7")
        .await
        .unwrap();
    server.groups().populate_users(&mut g).await.unwrap();
    assert_eq!(g.users.as_deref(), Some(&[][..]));
    let reqs = requests(&mock).await;
    assert_xml_request(&reqs[0]);
    insta::assert_snapshot!("group_add_user", describe(&reqs[0]));
    assert_auth(&reqs[1]);
    assert_eq!(reqs.len(), 3, "an empty page ends the listing");
    let no_id = GroupItem::new("x");
    assert!(matches!(
        input(server.groups().add_user(&no_id, "u").await.unwrap_err()),
        InputError::MissingId { resource: "Group" }
    ));
    assert!(matches!(
        input(server.groups().remove_user(&g, "").await.unwrap_err()),
        InputError::EmptyId { resource: "User" }
    ));
}

// ---------------------------------------------------------------- schedules and jobs

#[tokio::test]
async fn schedules_list_create_update_delete_add() {
    let list = fixture!("schedule_get.xml");
    let created = fixture!("schedule_create_weekly.xml");
    let updated = fixture!("schedule_update.xml");
    let added = fixture!("schedule_add_workbook.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/schedules", xml(list)).await;
    on(&mock, "POST", "/api/3.19/schedules", xml(created)).await;
    on(
        &mock,
        "PUT",
        "/api/3.19/schedules/7bea1766-1543-4052-9753-9d224bc069b5",
        xml(updated),
    )
    .await;
    on(
        &mock,
        "DELETE",
        "/api/3.19/schedules/7bea1766-1543-4052-9753-9d224bc069b5",
        ResponseTemplate::new(204),
    )
    .await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/site-1/schedules/s1/workbooks",
        xml(added.clone()),
    )
    .await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/site-1/schedules/s1/datasources",
        xml(added),
    )
    .await;
    let page = server.schedules().list().send().await.unwrap();
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.items[0].schedule_type, Some(ScheduleType::Extract));
    assert_eq!(
        page.items[3].schedule_type,
        Some(ScheduleType::Other("System".into()))
    );
    assert_eq!(page.items[1].priority, Some(80));
    let new = ScheduleItem::new(
        "weekly-schedule-1",
        80,
        ScheduleType::Extract,
        Interval::Weekly {
            start: time!(9:15),
            weekdays: vec![Weekday::Monday, Weekday::Wednesday, Weekday::Friday],
        },
    );
    let s = server.schedules().create(&new).await.unwrap();
    assert_eq!(s.interval, new.interval);
    let mut upd = s.clone();
    upd.id = Some("7bea1766-1543-4052-9753-9d224bc069b5".into());
    upd.priority = Some(90);
    upd.state = Some(ScheduleState::Suspended);
    upd.interval = Some(Interval::Weekly {
        start: time!(7:00),
        weekdays: vec![Weekday::Monday, Weekday::Friday],
    });
    let after = server.schedules().update(&upd).await.unwrap();
    assert_eq!(after.state, Some(ScheduleState::Suspended));
    assert_eq!(after.interval, upd.interval);
    server
        .schedules()
        .delete("7bea1766-1543-4052-9753-9d224bc069b5")
        .await
        .unwrap();
    server.schedules().add_workbook("s1", "w1").await.unwrap();
    server.schedules().add_datasource("s1", "d1").await.unwrap();
    let reqs = requests(&mock).await;
    insta::assert_snapshot!("schedule_create", describe(&reqs[1]));
    insta::assert_snapshot!("schedule_update", describe(&reqs[2]));
    insta::assert_snapshot!("schedule_add_workbook", describe(&reqs[4]));
    insta::assert_snapshot!("schedule_add_datasource", describe(&reqs[5]));
    assert!(matches!(
        input(server.schedules().update(&new).await.unwrap_err()),
        InputError::MissingId {
            resource: "Schedule"
        }
    ));
}

#[tokio::test]
async fn schedule_intervals_encode_and_validate() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/schedules",
        xml(ts(r#"<schedule id="s" name="n"/>"#)),
    )
    .await;
    for (name, iv) in [
        (
            "hourly",
            Interval::Hourly {
                start: time!(8:00),
                end: time!(18:00),
                every: Every::Minutes30,
                weekdays: vec![],
            },
        ),
        ("daily", Interval::daily(time!(23:45))),
        (
            "monthly_last",
            Interval::Monthly {
                start: time!(1:00),
                days: vec![MonthDay::LastDay],
            },
        ),
        (
            "monthly_15",
            Interval::Monthly {
                start: time!(1:00),
                days: vec![MonthDay::Day(15)],
            },
        ),
    ] {
        server
            .schedules()
            .create(&ScheduleItem::new(name, 50, ScheduleType::Subscription, iv))
            .await
            .unwrap();
    }
    let reqs = requests(&mock).await;
    let bodies: Vec<_> = reqs
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    insta::assert_snapshot!(bodies.join("\n"));
    let bad_day = ScheduleItem::new(
        "x",
        50,
        ScheduleType::Extract,
        Interval::Monthly {
            start: time!(1:00),
            days: vec![MonthDay::Day(32)],
        },
    );
    assert!(
        server
            .schedules()
            .create(&bad_day)
            .await
            .unwrap_err()
            .is_invalid_input()
    );
    let no_days = ScheduleItem::new(
        "x",
        50,
        ScheduleType::Extract,
        Interval::Weekly {
            start: time!(1:00),
            weekdays: vec![],
        },
    );
    assert!(
        server
            .schedules()
            .create(&no_days)
            .await
            .unwrap_err()
            .is_invalid_input()
    );
    let bad_priority =
        ScheduleItem::new("x", 0, ScheduleType::Extract, Interval::daily(time!(1:00)));
    assert!(
        server
            .schedules()
            .create(&bad_priority)
            .await
            .unwrap_err()
            .is_invalid_input()
    );
    assert_eq!(requests(&mock).await.len(), 4);
}

#[tokio::test]
async fn jobs_get_and_wait() {
    let done = fixture!("job_get_by_id_completed.xml");
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/jobs/2eef4225-aa0c-41c4-8662-a76d89ed7336",
        xml(done),
    )
    .await;
    let j = server
        .jobs()
        .wait_for_job("2eef4225-aa0c-41c4-8662-a76d89ed7336")
        .await
        .unwrap();
    assert_eq!(j.progress, Some(100));
    assert_eq!(j.finish_code, Some(3));
    assert!(j.is_finished());
    assert_eq!(
        j.completed_at,
        Some(time::macros::datetime!(2020-05-13 20:25:18 UTC))
    );
    assert_eq!(j.notes, vec!["Job detail notes"]);
    assert_eq!(
        j.status_notes,
        vec![tsc::StatusNote {
            kind: Some(tsc::StatusNoteKind::CountOfUsersAddedToGroup),
            value: Some("5".into()),
            text: Some(
                "Description of how many users were added to the group during the import.".into()
            ),
        }]
    );
    assert_eq!(
        j.updated_at,
        Some(time::macros::datetime!(2020-05-13 20:25:18 UTC))
    );
    assert_auth(&only_request(&mock).await);
}

#[tokio::test]
async fn remaining_calls() {
    let (mock, server) = setup().await;
    on(
        &mock,
        "POST",
        "/api/3.19/sites/site-1/projects",
        xml(ts(r#"<project id="p9" name="Samples"/>"#)),
    )
    .await;
    on(
        &mock,
        "PUT",
        "/api/3.19/sites/site-1/jobs/j1",
        ResponseTemplate::new(200),
    )
    .await;
    on(&mock, "GET", "/api/3.19/schedules/s1", xml(ts(r#"<schedule id="s1" name="Hourly" frequency="Hourly" type="Extract" priority="50"><frequencyDetails start="08:00:00" end="20:00:00"><intervals><interval hours="4"/></intervals></frequencyDetails></schedule>"#))).await;
    let p = server
        .projects()
        .create_with_samples(&ProjectItem::new("Samples"))
        .await
        .unwrap();
    assert_eq!(p.id.as_deref(), Some("p9"));
    server.jobs().cancel("j1").await.unwrap();
    let s = server.schedules().get_by_id("s1").await.unwrap();
    assert_eq!(
        s.interval,
        Some(Interval::Hourly {
            start: time!(8:00),
            end: time!(20:00),
            every: Every::Hours4,
            weekdays: vec![],
        })
    );
    let reqs = requests(&mock).await;
    assert_eq!(reqs[0].url.query(), Some("publishSamples=true"));
    assert_xml_request(&reqs[0]);
    assert_auth(&reqs[1]);
    assert_auth(&reqs[2]);
    // Version gates: schedules.get_by_id needs 3.8.
    server.set_version(tsc::ApiVersion::new(3, 7));
    assert!(matches!(
        server.schedules().get_by_id("s1").await.unwrap_err(),
        tsc::Error::VersionTooLow { .. }
    ));
    assert_eq!(requests(&mock).await.len(), 3);
}

#[tokio::test]
async fn user_populate_groups() {
    let body = fixture!("user_populate_groups.xml");
    let (mock, server) = setup().await;
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/users/u1/groups",
        xml(body),
    )
    .await;
    let mut u = UserItem {
        id: Some("u1".into()),
        ..Default::default()
    };
    server.users().populate_groups(&mut u).await.unwrap();
    let names: Vec<_> = u
        .groups
        .as_ref()
        .unwrap()
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(names, vec!["All Users", "Another group", "TableauExample"]);
    let req = only_request(&mock).await;
    assert_auth(&req);
    assert_eq!(req.url.query(), Some("pageNumber=1"));
    server.set_version(tsc::ApiVersion::new(3, 6));
    let err = server.users().populate_groups(&mut u).await.unwrap_err();
    assert!(matches!(err, tsc::Error::VersionTooLow { .. }), "{err:?}");
}

// ---------------------------------------------------------------- reference audit

/// TSC's `SiteItem.revision_limit`: read from the server and sent on create and update.
#[tokio::test]
async fn site_revision_limit_is_read_and_sent() {
    let one = fixture!("site_get_by_id.xml");
    let (mock, server) = setup().await;
    let id = "0626857c-1def-4503-a7d8-7907c3ff9d9f";
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/{id}"),
        xml(one.clone()),
    )
    .await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/sites/{id}"),
        xml(one.clone()),
    )
    .await;
    on(&mock, "POST", "/api/3.19/sites", xml(one)).await;
    let mut site = server.sites().get_by_id(id).await.unwrap();
    assert_eq!(site.revision_limit, Some(25));
    assert_eq!(site.revision_history_enabled, Some(false));
    site.revision_limit = Some(10);
    site.user_quota = None;
    server.sites().update(&site).await.unwrap();
    let new = SiteItem {
        revision_history_enabled: Some(true),
        revision_limit: Some(-1),
        ..SiteItem::new("Archive", "archive")
    };
    server.sites().create(&new).await.unwrap();
    let reqs = requests(&mock).await;
    let put = String::from_utf8_lossy(&reqs[1].body).into_owned();
    assert!(put.contains(r#"revisionLimit="10""#), "{put}");
    let post = String::from_utf8_lossy(&reqs[2].body).into_owned();
    assert!(post.contains(r#"revisionLimit="-1""#), "{post}");
    assert!(post.contains(r#"revisionHistoryEnabled="true""#), "{post}");
}

/// The reference's older site roles (`Interactor`, `Publisher`, `SiteAdministrator`,
/// `UnlicensedWithPublish`, `ViewerWithPublish`) are kept as `SiteRole::Other` both ways.
#[tokio::test]
async fn legacy_site_roles_round_trip_as_other() {
    let (mock, server) = setup().await;
    let body =
        ts(r#"<user id="u-1" name="ian" siteRole="Interactor" authSetting="ServerDefault"/>"#);
    on(&mock, "POST", "/api/3.19/sites/site-1/users", xml(body)).await;
    let item = UserItem::new("ian", SiteRole::Other("ViewerWithPublish".into()));
    let user = server.users().add(&item).await.unwrap();
    assert_eq!(user.site_role, Some(SiteRole::Other("Interactor".into())));
    assert_eq!(user.auth_setting, Some(AuthSetting::ServerDefault));
    let req = only_request(&mock).await;
    let sent = String::from_utf8_lossy(&req.body).into_owned();
    assert!(sent.contains(r#"siteRole="ViewerWithPublish""#), "{sent}");
}

/// TSC's `DailyInterval(start_time, *interval_values)`: repeating hours, week days and the
/// end time are read and sent.
#[tokio::test]
async fn daily_interval_with_hours_weekdays_and_end() {
    let daily = fixture!("schedule_get_daily_id.xml");
    let (mock, server) = setup().await;
    let id = "c9cff7f9-309c-4361-99ff-d4ba8c9f5467";
    on(
        &mock,
        "GET",
        &format!("/api/3.19/schedules/{id}"),
        xml(daily.clone()),
    )
    .await;
    on(&mock, "POST", "/api/3.19/schedules", xml(daily)).await;
    let got = server.schedules().get_by_id(id).await.unwrap();
    let expected = Interval::Daily {
        start: time!(14:00),
        end: Some(time!(1:00)),
        every: Some(Every::Hours2),
        weekdays: vec![Weekday::Monday],
    };
    assert_eq!(got.interval, Some(expected));
    let item = ScheduleItem::new(
        "Workday refresh",
        50,
        ScheduleType::Extract,
        Interval::Daily {
            start: time!(8:00),
            end: Some(time!(18:00)),
            every: Some(Every::Hours4),
            weekdays: vec![Weekday::Monday, Weekday::Friday],
        },
    );
    server.schedules().create(&item).await.unwrap();
    let reqs = requests(&mock).await;
    let body = String::from_utf8_lossy(&reqs[1].body).into_owned();
    for part in [
        r#"frequency="Daily""#,
        r#"start="08:00:00""#,
        r#"end="18:00:00""#,
        r#"weekDay="Monday""#,
        r#"weekDay="Friday""#,
        r#"hours="4""#,
    ] {
        assert!(body.contains(part), "{part} not in {body}");
    }
    // The plain form sends neither an end nor intervals.
    let once = Interval::daily(time!(23:45));
    assert_eq!(
        once,
        Interval::Daily {
            start: time!(23:45),
            end: None,
            every: None,
            weekdays: vec![]
        }
    );
}

/// TSC's `JobItem.mode`, `workbook_id`, `workbook_name` and the extract refresh notes of a
/// failed refresh job.
#[tokio::test]
async fn failed_refresh_job_names_its_workbook() {
    let failed = fixture!("job_get_by_id_failed_workbook.xml");
    let (mock, server) = setup().await;
    let id = "bb1aab79-db54-4e96-9dd3-461d8f081d08";
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/jobs/{id}"),
        xml(failed),
    )
    .await;
    let j = server.jobs().get_by_id(id).await.unwrap();
    assert_eq!(j.job_type, Some(tsc::JobType::RefreshExtract));
    assert_eq!(j.mode, Some(tsc::JobMode::Asynchronous));
    assert_eq!(j.finish_code, Some(1));
    assert!(j.is_finished());
    assert_eq!(
        j.workbook_id.as_deref(),
        Some("5998aaaf-1abe-4d38-b4d9-bc53e85bdd13")
    );
    assert_eq!(j.workbook_name.as_deref(), Some("Superstore"));
    assert_eq!(j.datasource_id, None);
    assert!(j.status_notes.is_empty());
    assert_eq!(j.notes.len(), 1);
    assert!(
        j.notes[0].contains("Login failed for user"),
        "{:?}",
        j.notes
    );
}

/// TSC's `HourlyInterval(start, end, (0.5, "Monday"))` and `ScheduleItem.State`.
#[tokio::test]
async fn hourly_interval_with_weekdays_and_typed_state() {
    let hourly = fixture!("schedule_get_hourly_id.xml");
    let (mock, server) = setup().await;
    let id = "c9cff7f9-309c-4361-99ff-d4ba8c9f5467";
    on(
        &mock,
        "GET",
        &format!("/api/3.19/schedules/{id}"),
        xml(hourly.clone()),
    )
    .await;
    on(
        &mock,
        "PUT",
        &format!("/api/3.19/schedules/{id}"),
        xml(hourly),
    )
    .await;
    let mut got = server.schedules().get_by_id(id).await.unwrap();
    assert_eq!(got.state, Some(ScheduleState::Active));
    assert_eq!(
        got.interval,
        Some(Interval::Hourly {
            start: time!(14:00),
            end: time!(1:00),
            every: Every::Minutes30,
            weekdays: vec![Weekday::Monday],
        })
    );
    got.state = Some(ScheduleState::Suspended);
    got.interval = Some(Interval::Hourly {
        start: time!(6:00),
        end: time!(22:00),
        every: Every::Hours2,
        weekdays: vec![Weekday::Saturday, Weekday::Sunday],
    });
    server.schedules().update(&got).await.unwrap();
    let reqs = requests(&mock).await;
    let body = String::from_utf8_lossy(&reqs[1].body).into_owned();
    for part in [
        r#"state="Suspended""#,
        r#"frequency="Hourly""#,
        r#"end="22:00:00""#,
        r#"weekDay="Saturday""#,
        r#"weekDay="Sunday""#,
        r#"hours="2""#,
    ] {
        assert!(body.contains(part), "{part} not in {body}");
    }
}

/// TSC's `MonthlyInterval(start_time, (1, 2))`: several days of the month, and a day value
/// this crate does not know kept as `MonthDay::Other`.
#[tokio::test]
async fn monthly_interval_with_several_days() {
    let monthly = fixture!("schedule_get_monthly_id.xml");
    let customized = fixture!("schedule_get_customized_monthly_id.xml");
    let (mock, server) = setup().await;
    on(&mock, "GET", "/api/3.19/schedules/m1", xml(monthly.clone())).await;
    on(&mock, "GET", "/api/3.19/schedules/m2", xml(customized)).await;
    on(&mock, "POST", "/api/3.19/schedules", xml(monthly)).await;
    let got = server.schedules().get_by_id("m1").await.unwrap();
    assert_eq!(
        got.interval,
        Some(Interval::Monthly {
            start: time!(14:00),
            days: vec![MonthDay::Day(1), MonthDay::Day(2)],
        })
    );
    let custom = server.schedules().get_by_id("m2").await.unwrap();
    assert_eq!(
        custom.interval,
        Some(Interval::Monthly {
            start: time!(17:05),
            days: vec![MonthDay::Other("Customized Monthly".into())],
        })
    );
    let item = ScheduleItem::new(
        "Month ends",
        50,
        ScheduleType::Extract,
        Interval::Monthly {
            start: time!(7:00),
            days: vec![MonthDay::Day(1), MonthDay::Day(15), MonthDay::LastDay],
        },
    );
    server.schedules().create(&item).await.unwrap();
    let body = String::from_utf8_lossy(&requests(&mock).await[2].body).into_owned();
    for part in [
        r#"monthDay="1""#,
        r#"monthDay="15""#,
        r#"monthDay="LastDay""#,
    ] {
        assert!(body.contains(part), "{part} not in {body}");
    }
    let no_days = ScheduleItem::new(
        "x",
        50,
        ScheduleType::Extract,
        Interval::Monthly {
            start: time!(7:00),
            days: vec![],
        },
    );
    let err = server.schedules().create(&no_days).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert_eq!(requests(&mock).await.len(), 3);
}

/// TSC's `JobFailedException` / `JobCancelledException` from `wait_for_job`.
#[tokio::test]
async fn wait_for_job_reports_failed_and_cancelled_jobs() {
    let failed = fixture!("job_get_by_id_failed.xml");
    let (mock, server) = setup().await;
    let id = "777bf7c4-421d-4b2c-a518-11b90187c545";
    on(
        &mock,
        "GET",
        &format!("/api/3.19/sites/site-1/jobs/{id}"),
        xml(failed),
    )
    .await;
    let cancelled = ts(
        r#"<job id="j2" mode="Asynchronous" type="RefreshExtract" progress="40" completedAt="2021-10-05T18:53:35Z" finishCode="2"/>"#,
    );
    on(
        &mock,
        "GET",
        "/api/3.19/sites/site-1/jobs/j2",
        xml(cancelled),
    )
    .await;
    match server.jobs().wait_for_job(id).await.unwrap_err() {
        tsc::Error::JobFailed { job } => {
            assert_eq!(job.id.as_deref(), Some(id));
            assert_eq!(job.finish_code, Some(1));
        }
        other => panic!("expected JobFailed, got {other:?}"),
    }
    let err = server.jobs().wait_for_job("j2").await.unwrap_err();
    assert!(
        matches!(&err, tsc::Error::JobCancelled { job } if job.progress == Some(40)),
        "{err:?}"
    );
    assert!(err.to_string().contains("j2 was cancelled"), "{err}");
    assert_eq!(requests(&mock).await.len(), 2);
}
