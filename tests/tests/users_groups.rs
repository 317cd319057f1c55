//! Users (add, get, list, update, password, remove with asset mapping, workbooks, favorites,
//! groups) and groups (create, Active Directory import, update, membership, delete).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::TryStreamExt;
use tsc::{
    Field, Filter, GroupItem, PublishMode, Server, SiteRole, Sort, TableauAuth, UserItem,
    WorkbookItem,
};
use tsc_e2e::{harness, twbx};

async fn publish_owned_by(server: &Server, owner_id: &str, name: &str) -> WorkbookItem {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.twbx"));
    twbx::write_twbx(&path, &["Sheet 1"], 0).unwrap();
    let mut wb = server
        .workbooks()
        .publish(WorkbookItem::new("", name), &path, PublishMode::CreateNew)
        .send()
        .await
        .unwrap();
    wb.owner_id = Some(owner_id.to_owned());
    let wb = server.workbooks().update(&wb).await.unwrap();
    assert_eq!(wb.owner_id.as_deref(), Some(owner_id));
    wb
}

#[tokio::test]
async fn users_crud_and_password() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();

    // As in Tableau (and the Python TSC), adding takes name, site role and auth setting;
    // full name and email are set with an update.
    let added = server
        .users()
        .add(&UserItem::new("gina", SiteRole::Explorer))
        .await
        .unwrap();
    let id = added.id.clone().unwrap();
    assert_eq!(added.name, "gina");
    assert_eq!(added.site_role, Some(SiteRole::Explorer));
    assert_eq!(emulator.counts().users, 2);

    let mut got = server.users().get_by_id(&id).await.unwrap();
    assert_eq!(got.name, "gina");
    got.full_name = Some("Gina Rossi".into());
    got.email = Some("gina@example.com".into());
    server.users().update(&got).await.unwrap();
    let got = server.users().get_by_id(&id).await.unwrap();
    assert_eq!(got.full_name.as_deref(), Some("Gina Rossi"));
    assert_eq!(got.email.as_deref(), Some("gina@example.com"));

    // Adding the same name twice is a conflict.
    let err = server
        .users()
        .add(&UserItem::new("gina", SiteRole::Viewer))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    let mut changed = got.clone();
    changed.site_role = Some(SiteRole::Creator);
    changed.full_name = Some("Gina R.".into());
    let updated = server.users().update(&changed).await.unwrap();
    assert_eq!(updated.site_role, Some(SiteRole::Creator));
    assert_eq!(updated.full_name.as_deref(), Some("Gina R."));

    // A password set by the administrator lets the user sign in.
    server
        .users()
        .update_with_password(&updated, "n3w-pass")
        .await
        .unwrap();
    let as_gina = harness::server_for(&emulator).await.unwrap();
    let s = as_gina
        .auth()
        .sign_in(TableauAuth::new("gina", "n3w-pass", ""))
        .await
        .unwrap();
    assert_eq!(s.user_id, id);

    let found = server
        .users()
        .list()
        .filter(Filter::eq(Field::SiteRole, "Creator"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        found
            .items
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        ["gina"]
    );

    server.users().remove(&id).await.unwrap();
    let err = server.users().get_by_id(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(emulator.counts().users, 1);
}

#[tokio::test]
async fn user_workbooks_favorites_and_asset_mapping() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let admin_id = server.user_id().unwrap();
    let mut henry = server
        .users()
        .add(&UserItem::new("henry", SiteRole::Creator))
        .await
        .unwrap();
    let henry_id = henry.id.clone().unwrap();
    let a = publish_owned_by(&server, &henry_id, "Henry A").await;
    publish_owned_by(&server, &henry_id, "Henry B").await;
    publish_owned_by(&server, &admin_id, "Admin C").await;

    server.users().populate_workbooks(&mut henry).await.unwrap();
    let mut names: Vec<_> = henry
        .workbooks
        .iter()
        .flatten()
        .map(|w| w.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["Henry A", "Henry B"]);
    let page = server
        .users()
        .workbooks(&henry_id)
        .page_size(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.pagination.total_available, 2);

    server.users().populate_favorites(&mut henry).await.unwrap();
    let fav = henry.favorites.as_ref().unwrap();
    assert!(fav.workbooks.is_empty() && fav.views.is_empty());

    // Removing henry with mapAssetsTo hands his workbooks to the administrator.
    server
        .users()
        .remove_and_map_assets(&henry_id, &admin_id)
        .await
        .unwrap();
    let moved = server.workbooks().get_by_id(a.id.unwrap()).await.unwrap();
    assert_eq!(moved.owner_id.as_deref(), Some(admin_id.as_str()));
    let mut admin = server.users().get_by_id(&admin_id).await.unwrap();
    server.users().populate_workbooks(&mut admin).await.unwrap();
    assert_eq!(admin.workbooks.unwrap().len(), 3);
}

#[tokio::test]
async fn groups_and_membership() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let mut ids = Vec::new();
    for name in ["ivy", "jack", "kim"] {
        let u = server
            .users()
            .add(&UserItem::new(name, SiteRole::Viewer))
            .await
            .unwrap();
        ids.push(u.id.unwrap());
    }

    let mut group = server
        .groups()
        .create(&GroupItem::new("Analysts"))
        .await
        .unwrap();
    let gid = group.id.clone().unwrap();
    assert_eq!(group.name, "Analysts");
    let err = server
        .groups()
        .create(&GroupItem::new("Analysts"))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    for id in &ids {
        let added = server.groups().add_user(&group, id.as_str()).await.unwrap();
        assert_eq!(added.id.as_deref(), Some(id.as_str()));
    }
    // Adding a member twice is a conflict.
    let err = server
        .groups()
        .add_user(&group, ids[0].as_str())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    server.groups().populate_users(&mut group).await.unwrap();
    let mut members: Vec<_> = group
        .users
        .iter()
        .flatten()
        .map(|u| u.name.clone())
        .collect();
    members.sort();
    assert_eq!(members, ["ivy", "jack", "kim"]);
    let page = server
        .groups()
        .users(&group)
        .page_size(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.pagination.total_available, 3);

    server
        .groups()
        .remove_user(&group, ids[1].as_str())
        .await
        .unwrap();
    let left: Vec<String> = server
        .groups()
        .users(&group)
        .into_stream()
        .map_ok(|u| u.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&"jack".to_string()));

    // The user's side of the membership.
    let mut ivy = server.users().get_by_id(&ids[0]).await.unwrap();
    server.users().populate_groups(&mut ivy).await.unwrap();
    let groups: Vec<_> = ivy.groups.unwrap().into_iter().map(|g| g.name).collect();
    assert!(groups.contains(&"Analysts".to_string()), "{groups:?}");

    let mut renamed = group.clone();
    renamed.name = "Senior analysts".into();
    let updated = server
        .groups()
        .update(&renamed, Some(SiteRole::Explorer))
        .await
        .unwrap();
    assert_eq!(updated.name, "Senior analysts");
    assert_eq!(updated.id.as_deref(), Some(gid.as_str()));

    let listed: Vec<_> = server
        .groups()
        .list()
        .sort(Sort::asc(Field::Name))
        .send()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert!(
        listed.contains(&"Senior analysts".to_string()),
        "{listed:?}"
    );

    let groups_before = emulator.counts().groups;
    server.groups().delete(&gid).await.unwrap();
    assert_eq!(emulator.counts().groups, groups_before - 1);
    // Deleting a group keeps its users.
    assert_eq!(emulator.counts().users, 4);
}

#[tokio::test]
async fn active_directory_groups() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let mut item = GroupItem::active_directory("Sales EMEA", "example.com");
    item.minimum_site_role = Some(SiteRole::Viewer);

    let group = server.groups().create_ad_group(&item).await.unwrap();
    assert_eq!(group.name, "Sales EMEA");
    assert_eq!(group.domain_name.as_deref(), Some("example.com"));

    // Without a minimum site role nothing is sent.
    let err = server
        .groups()
        .create_ad_group(&GroupItem::active_directory("X", "example.com"))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
}

#[tokio::test]
async fn active_directory_group_import_as_job() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let mut item = GroupItem::active_directory("Sales APAC", "example.com");
    item.minimum_site_role = Some(SiteRole::Viewer);
    let job = server.groups().create_ad_group_as_job(&item).await.unwrap();
    let done = server
        .jobs()
        .wait_for_job(job.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(done.finish_code, Some(0));
}
