//! Pages ([`Page`], [`PaginationItem`]) and list builders ([`List`]) that return one page
//! (TSC's `get()`) or stream every item over all pages (TSC's `Pager`).
//!
//! A stream fetches pages lazily, keeps at most `concurrency` pages in flight plus the one being
//! consumed, and stops at the first empty or short page or once `totalAvailable` items were
//! seen — whichever comes first, so a wrong `totalAvailable` can neither loop forever nor cut the
//! listing short while full pages keep coming.
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use futures::TryStreamExt;
//! use tsc::{Field, Filter};
//!
//! // One page, like TSC's `server.users.get(req_options)`:
//! let page = server.users().list().page_size(100).send().await?;
//! println!("{} of {}", page.items.len(), page.pagination.total_available);
//!
//! // Every user, four pages in flight at a time, like TSC's `Pager(server.users)`:
//! let all: Vec<_> = server
//!     .users()
//!     .list()
//!     .filter(Filter::eq(Field::SiteRole, "Viewer"))
//!     .concurrency(4)
//!     .into_stream()
//!     .try_collect()
//!     .await?;
//! # let _ = all; Ok(()) }
//! ```

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesOrdered, StreamExt};

use crate::error::Result;
use crate::request_options::{Fields, Filter, RequestOptions, Sort};
use crate::server::{ApiVersion, Server};
use crate::transport::ApiRequest;

/// Paging information of a list response (TSC's `PaginationItem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaginationItem {
    /// 1-based page number.
    pub page_number: u32,
    /// Page size used by the server.
    pub page_size: u32,
    /// Total number of items matching the query.
    pub total_available: u64,
}

impl PaginationItem {
    pub(crate) fn from_raw(p: Option<&tsc_raw::PaginationType>, items: usize) -> Self {
        match p {
            Some(p) => PaginationItem {
                page_number: p.page_number.map(|n| n as u32).unwrap_or(1),
                page_size: p.page_size.map(|n| n as u32).unwrap_or(items as u32),
                total_available: p.total_available.unwrap_or(items as u64),
            },
            None => PaginationItem {
                page_number: 1,
                page_size: items as u32,
                total_available: items as u64,
            },
        }
    }
}

/// One page of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where this page is in the listing.
    pub pagination: PaginationItem,
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Turns a parsed response into items.
pub(crate) type Extract<T> = fn(tsc_raw::TsResponse) -> Result<Vec<T>>;

/// A list call being built: set options, then [`List::send`] for one page or
/// [`List::into_stream`] for every item.
#[must_use = "a list builder does nothing until .send() or .into_stream()"]
pub struct List<T> {
    server: Server,
    path: Result<String>,
    options: RequestOptions,
    extra_query: Vec<(String, String)>,
    extract: Extract<T>,
    concurrency: usize,
    min_version: Option<(&'static str, ApiVersion)>,
    _marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("List")
            .field("path", &self.path.as_ref().ok())
            .field("options", &self.options)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> List<T> {
    pub(crate) fn new(server: &Server, path: Result<String>, extract: Extract<T>) -> Self {
        List {
            server: server.clone(),
            path,
            options: RequestOptions::default(),
            extra_query: Vec::new(),
            extract,
            concurrency: 1,
            min_version: None,
            _marker: PhantomData,
        }
    }

    pub(crate) fn require_version(mut self, what: &'static str, v: ApiVersion) -> Self {
        self.min_version = Some((what, v));
        self
    }

    #[allow(dead_code)]
    pub(crate) fn extra_query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.extra_query.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a filter (ANDed with the others).
    pub fn filter(mut self, f: Filter) -> Self {
        self.options.filters.push(f);
        self
    }

    /// Adds a sort.
    pub fn sort(mut self, s: Sort) -> Self {
        self.options.sorts.push(s);
        self
    }

    /// Adds a field selection (`Fields::All`...).
    pub fn fields(mut self, f: Fields) -> Self {
        self.options.fields.push(f);
        self
    }

    /// Page size (1..=1000).
    pub fn page_size(mut self, n: u32) -> Self {
        self.options.page_size = Some(n);
        self
    }

    /// Page number (1-based). With [`List::into_stream`], the first page streamed.
    pub fn page_number(mut self, n: u32) -> Self {
        self.options.page_number = Some(n);
        self
    }

    /// Replaces all options (TSC's `req_options`).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Pages fetched in parallel by [`List::into_stream`] once `totalAvailable` is known
    /// (default 1; 0 counts as 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Builds the request for page `page` without sending it.
    pub(crate) fn request(&self, page: Option<u32>) -> Result<ApiRequest> {
        let path = match &self.path {
            Ok(p) => p.clone(),
            Err(e) => return Err(clone_err(e)),
        };
        let mut opts = self.options.clone();
        if page.is_some() {
            opts.page_number = page;
        }
        let mut req = ApiRequest::get(path).query_pairs(opts.to_query_pairs()?);
        req = req.query_pairs(self.extra_query.clone());
        if let Some((what, v)) = self.min_version {
            req = req.require_version(what, v);
        }
        Ok(req)
    }

    /// Fetches one page (TSC's `get(req_options)`).
    pub async fn send(self) -> Result<Page<T>> {
        let req = self.request(None)?;
        fetch(&self.server, req, self.extract).await
    }

    /// Every item of every page, fetched lazily (TSC's `Pager`).
    pub fn into_stream(self) -> BoxStream<'static, Result<T>> {
        let first_page = self.options.page_number.unwrap_or(1);
        let concurrency = self.concurrency;
        let this = Arc::new(self);
        let fetcher = {
            let this = this.clone();
            move |page: u32| -> BoxFuture<'static, Result<Page<T>>> {
                let this = this.clone();
                Box::pin(async move {
                    let req = this.request(Some(page))?;
                    fetch(&this.server, req, this.extract).await
                })
            }
        };
        pages_stream(first_page, concurrency, fetcher)
    }
}

async fn fetch<T>(server: &Server, req: ApiRequest, extract: Extract<T>) -> Result<Page<T>> {
    let ts = server.send(req).await?;
    let raw_pagination: Option<tsc_raw::PaginationType> =
        ts.pagination.clone().map(crate::convert::Unbox::unbox);
    let items = extract(ts)?;
    let pagination = PaginationItem::from_raw(raw_pagination.as_ref(), items.len());
    Ok(Page { items, pagination })
}

struct PagerState<T, F> {
    fetch: F,
    next_page: u32,
    first_page: u32,
    /// Last page number worth requesting, known after the first page.
    last_page: Option<u32>,
    concurrency: usize,
    in_flight: FuturesOrdered<BoxFuture<'static, Result<Page<T>>>>,
    buffer: VecDeque<T>,
    done: bool,
    seen: u64,
}

/// A stream of items over pages `first_page..`, fetched by `fetch`.
pub(crate) fn pages_stream<T, F>(
    first_page: u32,
    concurrency: usize,
    fetch: F,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: Fn(u32) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync + 'static,
{
    let state = PagerState {
        fetch,
        next_page: first_page,
        first_page,
        last_page: None,
        concurrency: concurrency.max(1),
        in_flight: FuturesOrdered::new(),
        buffer: VecDeque::new(),
        done: false,
        seen: 0,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.buffer.pop_front() {
                return Some((Ok(item), st));
            }
            if st.done && st.in_flight.is_empty() {
                return None;
            }
            // Top up the requests in flight.
            if !st.done {
                let limit = if st.last_page.is_some() {
                    st.concurrency
                } else {
                    1
                };
                while st.in_flight.len() < limit {
                    if let Some(last) = st.last_page {
                        if st.next_page > last {
                            break;
                        }
                    }
                    st.in_flight.push_back((st.fetch)(st.next_page));
                    st.next_page += 1;
                }
            }
            match st.in_flight.next().await {
                None => {
                    // Nothing in flight and nothing more allowed by totalAvailable.
                    return None;
                }
                Some(Err(e)) => {
                    st.done = true;
                    st.in_flight = FuturesOrdered::new();
                    return Some((Err(e), st));
                }
                Some(Ok(page)) => {
                    let p = page.pagination;
                    let n = page.items.len();
                    st.seen += n as u64;
                    if st.last_page.is_none() && p.page_size > 0 {
                        let pages = p.total_available.div_ceil(u64::from(p.page_size));
                        // Page numbers are absolute: a stream started at page 3 still ends at
                        // ceil(total / size).
                        let last = pages.max(u64::from(st.first_page)).min(u64::from(u32::MAX));
                        st.last_page = Some(last as u32);
                    }
                    let short = p.page_size == 0 || n == 0 || n < p.page_size as usize;
                    let reached_total =
                        p.page_number as u64 * p.page_size as u64 >= p.total_available;
                    if short || reached_total {
                        st.done = true;
                        // Pages after a short one cannot hold anything: drop them.
                        st.in_flight = FuturesOrdered::new();
                    } else if st.last_page.is_some_and(|l| st.next_page > l)
                        && st.in_flight.is_empty()
                    {
                        // totalAvailable said we were done, but the page was full: ask for one more
                        // to be sure (stops at the next empty or short page).
                        st.last_page = Some(st.next_page);
                    }
                    st.buffer.extend(page.items);
                }
            }
        }
    })
    .boxed()
}

fn clone_err(e: &crate::Error) -> crate::Error {
    match e {
        crate::Error::InvalidInput(i) => crate::Error::InvalidInput(i.clone()),
        crate::Error::NotSignedIn => crate::Error::NotSignedIn,
        other => crate::InputError::Other(other.to_string()).into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use std::sync::Mutex;

    fn fake(
        total: u64,
        size: u32,
        actual_items: u64,
        log: Arc<Mutex<Vec<u32>>>,
    ) -> impl Fn(u32) -> BoxFuture<'static, Result<Page<u64>>> + Send + Sync + 'static {
        move |page| {
            log.lock().unwrap().push(page);
            let start = (page as u64 - 1) * size as u64;
            let end = (start + size as u64).min(actual_items);
            let items: Vec<u64> = (start..end.max(start)).collect();
            Box::pin(async move {
                Ok(Page {
                    items,
                    pagination: PaginationItem {
                        page_number: page,
                        page_size: size,
                        total_available: total,
                    },
                })
            })
        }
    }

    #[tokio::test]
    async fn streams_all_pages_sequentially() {
        let log = Arc::new(Mutex::new(vec![]));
        let all: Vec<u64> = pages_stream(1, 1, fake(25, 10, 25, log.clone()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        assert_eq!(*log.lock().unwrap(), vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn stops_at_short_page_even_if_total_lies_high() {
        let log = Arc::new(Mutex::new(vec![]));
        let all: Vec<u64> = pages_stream(1, 1, fake(1000, 10, 15, log.clone()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 15);
        assert_eq!(*log.lock().unwrap(), vec![1, 2]);
    }

    #[tokio::test]
    async fn exact_multiple_stops_without_extra_request() {
        let log = Arc::new(Mutex::new(vec![]));
        let all: Vec<u64> = pages_stream(1, 1, fake(20, 10, 20, log.clone()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 20);
        assert_eq!(*log.lock().unwrap(), vec![1, 2]);
    }

    #[tokio::test]
    async fn empty_listing() {
        let log = Arc::new(Mutex::new(vec![]));
        let all: Vec<u64> = pages_stream(1, 4, fake(0, 10, 0, log.clone()))
            .try_collect()
            .await
            .unwrap();
        assert!(all.is_empty());
        assert_eq!(*log.lock().unwrap(), vec![1]);
    }

    #[tokio::test]
    async fn concurrent_pages_keep_order() {
        let log = Arc::new(Mutex::new(vec![]));
        let all: Vec<u64> = pages_stream(1, 4, fake(95, 10, 95, log.clone()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..95).collect::<Vec<_>>());
        let mut pages = log.lock().unwrap().clone();
        pages.sort();
        assert_eq!(pages, (1..=10).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn starting_page_is_absolute() {
        let log = Arc::new(Mutex::new(vec![]));
        let all: Vec<u64> = pages_stream(3, 2, fake(50, 10, 50, log.clone()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (20..50).collect::<Vec<_>>());
        let mut pages = log.lock().unwrap().clone();
        pages.sort();
        assert_eq!(pages, vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn error_ends_the_stream() {
        let calls = Arc::new(Mutex::new(0));
        let c = calls.clone();
        let s = pages_stream(
            1,
            1,
            move |_page| -> BoxFuture<'static, Result<Page<u64>>> {
                *c.lock().unwrap() += 1;
                Box::pin(async { Err(crate::Error::NotSignedIn) })
            },
        );
        let got: Vec<Result<u64>> = s.collect().await;
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn is_lazy() {
        let log = Arc::new(Mutex::new(vec![]));
        let mut s = pages_stream(1, 1, fake(100, 10, 100, log.clone()));
        let first: Vec<u64> = (&mut s).take(3).try_collect().await.unwrap();
        assert_eq!(first, vec![0, 1, 2]);
        assert_eq!(*log.lock().unwrap(), vec![1]);
    }
}
