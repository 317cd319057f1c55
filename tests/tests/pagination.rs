//! Pagination over more than three pages, one page at a time and as a stream, with and without
//! concurrent page fetches, with filters and sorts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use futures::TryStreamExt;
use tsc::{Field, Filter, Sort, UserItem};
use tsc_e2e::harness;
use tsc_emulator::Emulator;

/// 449 seeded users + admin = 450 users: 5 pages of 100, the last one half full.
const SEEDED: usize = 449;

async fn emulator() -> (Emulator, tsc::Server) {
    let emulator = Emulator::builder()
        .seed_users(SEEDED)
        .start()
        .await
        .unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    (emulator, server)
}

#[tokio::test]
async fn pages_one_by_one() {
    let (_emulator, server) = emulator().await;
    let mut seen = HashSet::new();
    for n in 1..=5u32 {
        let page = server
            .users()
            .list()
            .sort(Sort::asc(Field::Name))
            .page_size(100)
            .page_number(n)
            .send()
            .await
            .unwrap();
        assert_eq!(page.pagination.page_number, n);
        assert_eq!(page.pagination.page_size, 100);
        assert_eq!(page.pagination.total_available, 450);
        assert_eq!(page.items.len(), if n < 5 { 100 } else { 50 });
        for u in page.items {
            assert!(seen.insert(u.id.unwrap()), "a user came twice");
        }
    }
    assert_eq!(seen.len(), 450);
}

#[tokio::test]
async fn stream_sequential_and_concurrent_give_the_same_items() {
    let (emulator, server) = emulator().await;
    let list = || {
        server
            .users()
            .list()
            .sort(Sort::asc(Field::Name))
            .page_size(100)
    };

    let before = emulator.request_count();
    let sequential: Vec<UserItem> = list().into_stream().try_collect().await.unwrap();
    assert_eq!(emulator.request_count() - before, 5, "one request per page");

    let before = emulator.request_count();
    let concurrent: Vec<UserItem> = list()
        .concurrency(4)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        emulator.request_count() - before,
        5,
        "no page fetched twice"
    );

    assert_eq!(sequential.len(), 450);
    assert_eq!(sequential, concurrent, "same items in the same order");
    let names: Vec<&str> = sequential.iter().map(|u| u.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names[0], "admin");
    assert_eq!(names[1], "user00001");
    assert_eq!(names[449], "user00449");
}

#[tokio::test]
async fn stream_with_filter_and_descending_sort_spans_pages() {
    let (_emulator, server) = emulator().await;
    let viewer_count = server
        .users()
        .list()
        .filter(Filter::eq(Field::SiteRole, "Viewer"))
        .page_size(1)
        .send()
        .await
        .unwrap()
        .pagination
        .total_available;
    // Seeded roles cycle through 5 values: about 90 Viewers, 4 pages of 25.
    assert!(viewer_count > 75, "{viewer_count}");
    for concurrency in [1, 3] {
        let viewers: Vec<UserItem> = server
            .users()
            .list()
            .filter(Filter::eq(Field::SiteRole, "Viewer"))
            .sort(Sort::desc(Field::Name))
            .page_size(25)
            .concurrency(concurrency)
            .into_stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            viewers.len() as u64,
            viewer_count,
            "concurrency {concurrency}"
        );
        assert!(
            viewers
                .iter()
                .all(|u| u.site_role == Some(tsc::SiteRole::Viewer))
        );
        assert!(
            viewers.windows(2).all(|w| w[0].name > w[1].name),
            "descending by name"
        );
    }
}

#[tokio::test]
async fn stream_starting_at_a_later_page() {
    let (_emulator, server) = emulator().await;
    let rest: Vec<UserItem> = server
        .users()
        .list()
        .sort(Sort::asc(Field::Name))
        .page_size(100)
        .page_number(3)
        .concurrency(2)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest.len(), 250);
    assert_eq!(rest[0].name, "user00200");
}

#[tokio::test]
async fn workbooks_stream_over_seeded_pages() {
    let emulator = Emulator::builder()
        .seed_workbooks(23)
        .start()
        .await
        .unwrap();
    let server = harness::signed_in(&emulator).await.unwrap();
    for concurrency in [1, 8] {
        let names: Vec<String> = server
            .workbooks()
            .list()
            .sort(Sort::desc(Field::Name))
            .page_size(5)
            .concurrency(concurrency)
            .into_stream()
            .map_ok(|w| w.name)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names.len(), 23);
        assert_eq!(names.first().map(String::as_str), Some("workbook00023"));
        assert_eq!(names.last().map(String::as_str), Some("workbook00001"));
    }
}
