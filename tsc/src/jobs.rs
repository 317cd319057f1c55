//! Background jobs (TSC's `server.jobs`, `JobItem`): returned by asynchronous calls such as
//! publishing with `as_job` or importing an Active Directory group.
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! let job = server.jobs().get_by_id("2eef4225-aa0c-41c4-8662-a76d89ed7336").await?;
//! let done = server.jobs().wait_for_job(job.id.as_deref().unwrap_or_default()).await?;
//! println!("finished with code {:?}", done.finish_code);
//! # Ok(()) }
//! ```

use std::time::Duration;

use time::OffsetDateTime;

pub use tsc_raw::JobMode;
pub use tsc_raw::JobTypeType as JobType;
pub use tsc_raw::StatusNoteTypeType as StatusNoteKind;

use crate::convert::dt;
use crate::error::{Result, require_id};
use crate::server::{ApiVersion, Server};
use crate::transport::ApiRequest;

/// One status note of a job (TSC's `status_notes` entries: `type`, `value`, `text`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusNote {
    /// What the note reports (`CountOfUsersAddedToGroup`...).
    pub kind: Option<StatusNoteKind>,
    /// Its value (`"5"`).
    pub value: Option<String>,
    /// Its description.
    pub text: Option<String>,
}

impl StatusNote {
    fn from_raw(n: tsc_raw::StatusNoteType) -> Self {
        StatusNote {
            kind: n.type_,
            value: n.value,
            text: n.text,
        }
    }
}

/// A background job (TSC's `JobItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobItem {
    /// LUID.
    pub id: Option<String>,
    /// Kind of job.
    pub job_type: Option<JobType>,
    /// Progress in percent.
    pub progress: Option<u64>,
    /// `0` success, `1` failure, `2` cancelled; `None` while running.
    pub finish_code: Option<i64>,
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Start time.
    pub started_at: Option<OffsetDateTime>,
    /// Completion time.
    pub completed_at: Option<OffsetDateTime>,
    /// Detail notes of legacy job kinds, such as the error of a failed extract refresh
    /// (TSC's `notes`: `<extractRefreshJob><notes>`).
    pub notes: Vec<String>,
    /// Status notes of newer job kinds, such as an Active Directory import (TSC's
    /// `status_notes`).
    pub status_notes: Vec<StatusNote>,
    /// `Asynchronous` (TSC's `mode`).
    pub mode: Option<JobMode>,
    /// Last update time.
    pub updated_at: Option<OffsetDateTime>,
    /// Workbook of an extract refresh job (TSC's `workbook_id`).
    pub workbook_id: Option<String>,
    /// Its name (TSC's `workbook_name`).
    pub workbook_name: Option<String>,
    /// Data source of an extract refresh job (TSC's `datasource_id`).
    pub datasource_id: Option<String>,
    /// Its name (TSC's `datasource_name`).
    pub datasource_name: Option<String>,
}

impl JobItem {
    /// Converts from the raw type.
    pub fn from_raw(j: tsc_raw::JobType) -> Self {
        let refresh = j.extract_refresh_job.unwrap_or_default();
        let workbook = refresh.workbook.unwrap_or_default();
        let datasource = refresh.datasource.unwrap_or_default();
        JobItem {
            mode: j.mode,
            updated_at: dt(j.updated_at),
            workbook_id: workbook.id,
            workbook_name: workbook.name,
            datasource_id: datasource.id,
            datasource_name: datasource.name,
            id: j.id,
            job_type: j.type_,
            progress: j.progress,
            finish_code: j.finish_code,
            created_at: dt(j.created_at),
            started_at: dt(j.started_at),
            completed_at: dt(j.completed_at),
            notes: refresh.notes.into_iter().collect(),
            status_notes: j
                .status_notes
                .map(|n| {
                    n.status_note
                        .into_iter()
                        .map(StatusNote::from_raw)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether the job finished (successfully or not).
    pub fn is_finished(&self) -> bool {
        self.completed_at.is_some() || self.finish_code.is_some_and(|c| c >= 0)
    }
}

/// Job calls (TSC's `server.jobs`). Get it with [`Server::jobs`].
#[derive(Debug, Clone)]
pub struct JobsEndpoint {
    server: Server,
}

impl Server {
    /// Job calls (TSC's `server.jobs`).
    pub fn jobs(&self) -> JobsEndpoint {
        JobsEndpoint {
            server: self.clone(),
        }
    }
}

impl JobsEndpoint {
    /// One job by LUID (TSC's `jobs.get_by_id`, REST API 2.6+).
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<JobItem> {
        let id = require_id("Job", &id.into())?;
        let req = ApiRequest::get(self.server.site_path(&format!("jobs/{id}"))?)
            .require_version("jobs.get_by_id", ApiVersion::new(2, 6));
        let raw = self.server.send_expect(req, "job", |ts| ts.job).await?;
        Ok(JobItem::from_raw(raw))
    }

    /// Cancels a job (TSC's `jobs.cancel`, REST API 3.1+).
    pub async fn cancel(&self, id: impl Into<String>) -> Result<()> {
        let id = require_id("Job", &id.into())?;
        let req = ApiRequest::put(self.server.site_path(&format!("jobs/{id}"))?)
            .require_version("jobs.cancel", ApiVersion::new(3, 1));
        self.server.send_empty(req).await
    }

    /// Polls a job until it finishes (TSC's `jobs.wait_for_job`), waiting 0.5 s doubling up to
    /// 30 s between polls, for at most one hour ([`Error::JobTimedOut`](crate::Error::JobTimedOut)
    /// after that). As TSC, a failed job (finish code 1) is [`Error::JobFailed`](crate::Error::JobFailed)
    /// and a cancelled one (2) [`Error::JobCancelled`](crate::Error::JobCancelled), both
    /// carrying the job; other finish codes return the job.
    pub async fn wait_for_job(&self, id: &str) -> Result<JobItem> {
        self.wait_for_job_with_timeout(id, Duration::from_secs(3600))
            .await
    }

    /// Like [`wait_for_job`](Self::wait_for_job) with a custom limit.
    pub async fn wait_for_job_with_timeout(&self, id: &str, limit: Duration) -> Result<JobItem> {
        let started = std::time::Instant::now();
        let mut delay = Duration::from_millis(500);
        loop {
            let job = self.get_by_id(id).await?;
            if job.is_finished() {
                return match job.finish_code {
                    Some(1) => Err(crate::Error::JobFailed { job: Box::new(job) }),
                    Some(2) => Err(crate::Error::JobCancelled { job: Box::new(job) }),
                    _ => Ok(job),
                };
            }
            let waited = started.elapsed();
            if waited >= limit {
                return Err(crate::Error::JobTimedOut {
                    id: id.to_owned(),
                    waited,
                });
            }
            tokio::time::sleep(delay.min(limit - waited)).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    }
}
