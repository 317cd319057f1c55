//! Projects: create (top level and nested), list with filters, update, delete (with children and
//! content).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tsc::{ContentPermissions, Field, Filter, ProjectItem, PublishMode, Sort, WorkbookItem};
use tsc_e2e::{harness, twbx};

#[tokio::test]
async fn projects_with_parents_crud() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let before = emulator.counts().projects;

    let parent = server
        .projects()
        .create(
            &ProjectItem::new("Finance")
                .with_description("Money")
                .with_content_permissions(ContentPermissions::LockedToProject),
        )
        .await
        .unwrap();
    let parent_id = parent.id.clone().unwrap();
    assert_eq!(parent.name, "Finance");
    assert_eq!(parent.description.as_deref(), Some("Money"));
    assert_eq!(
        parent.content_permissions,
        Some(ContentPermissions::LockedToProject)
    );
    assert_eq!(parent.parent_id, None);

    let mut children = Vec::new();
    for name in ["Budgets", "Audits", "Payroll"] {
        let child = server
            .projects()
            .create(&ProjectItem::new(name).with_parent(&parent_id))
            .await
            .unwrap();
        assert_eq!(child.parent_id.as_deref(), Some(parent_id.as_str()));
        children.push(child);
    }
    assert_eq!(emulator.counts().projects, before + 4);

    // The same name under the same parent is a conflict; under another parent it is fine.
    let err = server
        .projects()
        .create(&ProjectItem::new("Audits").with_parent(&parent_id))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    server
        .projects()
        .create(&ProjectItem::new("Audits"))
        .await
        .unwrap();

    let nested: Vec<String> = server
        .projects()
        .list()
        .filter(Filter::eq(Field::ParentProjectId, parent_id.as_str()))
        .sort(Sort::asc(Field::Name))
        .send()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(nested, ["Audits", "Budgets", "Payroll"]);

    let mut budgets = children[0].clone();
    budgets.name = "Budgets 2027".into();
    budgets.description = Some("Next year".into());
    let updated = server.projects().update(&budgets).await.unwrap();
    assert_eq!(updated.name, "Budgets 2027");
    assert_eq!(updated.description.as_deref(), Some("Next year"));
    assert_eq!(updated.parent_id.as_deref(), Some(parent_id.as_str()));

    let found = server
        .projects()
        .list()
        .filter(Filter::eq(Field::Name, "Payroll"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, children[2].id);

    // Deleting the parent deletes its children and their workbooks.
    let file = tempfile::tempdir().unwrap();
    let path = file.path().join("Ledger.twbx");
    twbx::write_twbx(&path, &["Sheet 1"], 0).unwrap();
    let children_id = children[0].id.clone().unwrap();
    server
        .workbooks()
        .publish(
            WorkbookItem::new(&children_id, "Ledger"),
            &path,
            PublishMode::CreateNew,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.counts().workbooks, 1);
    server.projects().delete(&parent_id).await.unwrap();
    assert_eq!(emulator.counts().projects, before + 1);
    assert_eq!(emulator.counts().workbooks, 0);
    let err = server.projects().delete(&parent_id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn project_with_samples_and_bad_input() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let p = server
        .projects()
        .create_with_samples(&ProjectItem::new("Samples"))
        .await
        .unwrap();
    assert_eq!(p.name, "Samples");

    let before = emulator.request_count();
    let err = server
        .projects()
        .update(&ProjectItem::new("no id"))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    let err = server.projects().delete("  ").await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert_eq!(emulator.request_count(), before);

    let err = server
        .projects()
        .create(&ProjectItem::new("Orphan").with_parent("00000000-0000-0000-0000-000000000000"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}
