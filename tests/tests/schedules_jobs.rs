//! Schedules (create with each interval kind, list, get, update, delete, add content) and jobs
//! (get, wait, cancel).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::{Time, Weekday};
use tsc::{
    DatasourceItem, Every, ExecutionOrder, Interval, MonthDay, PublishMode, ScheduleItem,
    ScheduleType, WorkbookItem,
};
use tsc_e2e::{harness, twbx};

fn at(h: u8, m: u8) -> Time {
    Time::from_hms(h, m, 0).unwrap()
}

#[tokio::test]
async fn schedules_crud_with_every_interval() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let base = emulator.counts().schedules;

    let intervals = [
        (
            "Hourly",
            Interval::Hourly {
                start: at(8, 0),
                end: at(18, 0),
                every: Every::Hours2,
                weekdays: vec![],
            },
        ),
        ("Daily", Interval::daily(at(2, 30))),
        (
            "Weekly",
            Interval::Weekly {
                start: at(6, 0),
                weekdays: vec![Weekday::Monday, Weekday::Thursday],
            },
        ),
        (
            "Monthly",
            Interval::Monthly {
                start: at(23, 0),
                days: vec![MonthDay::LastDay],
            },
        ),
    ];
    let mut ids = Vec::new();
    for (name, interval) in intervals {
        let created = server
            .schedules()
            .create(&ScheduleItem::new(
                name,
                50,
                ScheduleType::Extract,
                interval.clone(),
            ))
            .await
            .unwrap();
        assert_eq!(created.name, name);
        assert_eq!(created.priority, Some(50));
        assert_eq!(created.schedule_type, Some(ScheduleType::Extract));
        assert_eq!(created.interval.as_ref(), Some(&interval), "{name}");
        ids.push(created.id.unwrap());
    }
    assert_eq!(emulator.counts().schedules, base + 4);

    let listed = server.schedules().list().send().await.unwrap();
    for name in ["Hourly", "Daily", "Weekly", "Monthly"] {
        assert!(listed.items.iter().any(|s| s.name == name), "{name}");
    }

    let mut daily = server.schedules().get_by_id(&ids[1]).await.unwrap();
    assert_eq!(daily.name, "Daily");
    daily.name = "Nightly".into();
    daily.priority = Some(10);
    daily.execution_order = Some(ExecutionOrder::Serial);
    daily.interval = Some(Interval::daily(at(3, 0)));
    let updated = server.schedules().update(&daily).await.unwrap();
    assert_eq!(updated.name, "Nightly");
    assert_eq!(updated.priority, Some(10));
    assert_eq!(updated.execution_order, Some(ExecutionOrder::Serial));
    assert_eq!(updated.interval, Some(Interval::daily(at(3, 0))));

    // Content can be added to an extract schedule.
    let dir = tempfile::tempdir().unwrap();
    let twbx_path = dir.path().join("Refreshed.twbx");
    twbx::write_twbx(&twbx_path, &["S"], 0).unwrap();
    let wb = server
        .workbooks()
        .publish(
            WorkbookItem::new("", ""),
            &twbx_path,
            PublishMode::CreateNew,
        )
        .send()
        .await
        .unwrap();
    let tds = dir.path().join("Refreshed.tds");
    std::fs::write(&tds, "<datasource />").unwrap();
    let ds = server
        .datasources()
        .publish(DatasourceItem::new("", ""), &tds, PublishMode::CreateNew)
        .send()
        .await
        .unwrap();
    server
        .schedules()
        .add_workbook(&ids[1], wb.id.as_deref().unwrap())
        .await
        .unwrap();
    server
        .schedules()
        .add_datasource(&ids[1], ds.id.as_deref().unwrap())
        .await
        .unwrap();
    let err = server
        .schedules()
        .add_workbook(&ids[1], "00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");

    for id in &ids {
        server.schedules().delete(id.as_str()).await.unwrap();
    }
    assert_eq!(emulator.counts().schedules, base);
    assert!(
        server
            .schedules()
            .get_by_id(&ids[0])
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn schedule_input_is_checked_before_sending() {
    let (emulator, server) = harness::start_signed_in().await.unwrap();
    let before = emulator.request_count();
    let bad = ScheduleItem::new(
        "Bad",
        50,
        ScheduleType::Extract,
        Interval::Monthly {
            start: at(1, 0),
            days: vec![MonthDay::Day(32)],
        },
    );
    assert!(
        server
            .schedules()
            .create(&bad)
            .await
            .unwrap_err()
            .is_invalid_input()
    );
    let no_days = ScheduleItem::new(
        "No days",
        50,
        ScheduleType::Extract,
        Interval::Weekly {
            start: at(1, 0),
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
    assert_eq!(emulator.request_count(), before);
}

#[tokio::test]
async fn jobs_get_wait_and_cancel() {
    let (_emulator, server) = harness::start_signed_in().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Job.twbx");
    twbx::write_twbx(&path, &["S"], 0).unwrap();
    let job = server
        .workbooks()
        .publish(WorkbookItem::new("", ""), &path, PublishMode::CreateNew)
        .send_as_job()
        .await
        .unwrap();
    let id = job.id.clone().unwrap();

    let got = server.jobs().get_by_id(&id).await.unwrap();
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    assert!(got.created_at.is_some());
    let done = server.jobs().wait_for_job(&id).await.unwrap();
    assert_eq!(done.finish_code, Some(0));
    assert_eq!(done.progress, Some(100));
    let again = server
        .jobs()
        .wait_for_job_with_timeout(&id, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(again.completed_at, done.completed_at);

    // Cancelling a finished job changes nothing.
    server.jobs().cancel(&id).await.unwrap();
    assert_eq!(
        server.jobs().get_by_id(&id).await.unwrap().finish_code,
        Some(0)
    );

    let err = server
        .jobs()
        .get_by_id("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}
