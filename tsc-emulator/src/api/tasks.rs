//! Schedules, extract-refresh tasks and jobs.

use tsc_raw::{
    BackgroundJobListType, BackgroundJobStatus, BackgroundJobType, DataSourceType,
    ExtractRefreshJobType, JobType, ScheduleListType, ScheduleType, TaskExtractRefreshType,
    TaskListType, TaskType, TsResponse, WorkbookType,
};

use super::{Reply, Req, is_server_admin, need};
use crate::error::{ApiError, codes};
use crate::query::{Val, apply, select};
use crate::store::{Job, Schedule, State, Task, dt, dtxt, now, s, txt};

fn schedule_out(x: &Schedule, fields: &Option<Vec<String>>) -> ScheduleType {
    select!(x.item.clone(), fields, ScheduleType, {
        "name" => name, "state" => state, "priority" => priority, "createdAt" => created_at,
        "updatedAt" => updated_at, "type" => type_, "frequency" => frequency, "nextRunAt" => next_run_at,
        "executionOrder" => execution_order, "frequencyDetails" => frequency_details,
    })
}

fn schedule_field(x: &Schedule, f: &str) -> Option<Val> {
    let i = &x.item;
    Some(match f {
        "name" => Val::s(txt(&i.name)),
        "id" => Val::s(&x.id),
        "state" => Val::s(txt(&i.state)),
        "type" => Val::s(i.type_.as_ref().map(|t| t.as_str()).unwrap_or("")),
        "frequency" => Val::s(i.frequency.as_ref().map(|t| t.as_str()).unwrap_or("")),
        "priority" => Val::Num(i.priority.unwrap_or(50) as i64),
        "createdAt" => Val::s(dtxt(&i.created_at)),
        "updatedAt" => Val::s(dtxt(&i.updated_at)),
        "nextRunAt" => Val::s(dtxt(&i.next_run_at)),
        _ => return None,
    })
}

fn find_schedule<'a>(st: &'a State, id: &str) -> Result<&'a Schedule, ApiError> {
    st.schedules
        .get(id)
        .ok_or_else(|| ApiError::not_found(codes::SCHEDULE_NOT_FOUND, "Schedule", id))
}

fn one_schedule(x: &Schedule, created: bool) -> Reply {
    let r = TsResponse {
        schedule: Some(Box::new(x.item.clone())),
        ..Default::default()
    };
    if created {
        Reply::created(r)
    } else {
        Reply::ok(r)
    }
}

pub(crate) fn list_schedules(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let paged = apply(st.schedules.iter(), &p, |x, f| schedule_field(x, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        schedules: Some(Box::new(ScheduleListType {
            schedule: paged
                .items
                .iter()
                .map(|x| schedule_out(x, &p.fields))
                .collect(),
        })),
        ..Default::default()
    }))
}

pub(crate) fn get_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    Ok(one_schedule(find_schedule(st, req.param(0))?, false))
}

fn require_server_admin(st: &State, req: &Req) -> Result<(), ApiError> {
    if is_server_admin(st, req) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Only a server administrator can manage schedules.",
        ))
    }
}

fn apply_schedule(x: &mut ScheduleType, from: &ScheduleType) -> Result<(), ApiError> {
    if from.name.as_deref().is_some_and(|n| !n.is_empty()) {
        x.name = from.name.clone();
    }
    if let Some(p) = from.priority {
        if !(1..=100).contains(&p) {
            return Err(ApiError::bad_request(format!(
                "The priority {p} is not between 1 and 100."
            )));
        }
        x.priority = Some(p);
    }
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() { x.$f = from.$f.clone(); } )* };
    }
    take!(
        state,
        type_,
        frequency,
        execution_order,
        frequency_details,
        end_schedule_at
    );
    Ok(())
}

pub(crate) fn create_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_server_admin(st, req)?;
    let from = need(req.ts_request()?.schedule, "schedule")?;
    let name = from
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("schedule name"))?;
    if st
        .schedules
        .iter()
        .any(|x| txt(&x.item.name).eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::conflict(
            codes::SCHEDULE_CONFLICT,
            format!("A schedule named '{name}' already exists."),
        ));
    }
    let t = now();
    let id = st.ids.uuid();
    let mut item = ScheduleType {
        id: s(&id),
        name: Some(name),
        state: s("Active"),
        priority: Some(50),
        type_: Some(tsc_raw::ScheduleTypeType::Extract),
        frequency: Some(tsc_raw::ScheduleFrequency::Daily),
        execution_order: Some(tsc_raw::ScheduleExecutionOrder::Parallel),
        created_at: dt(&t),
        updated_at: dt(&t),
        next_run_at: dt(&t),
        ..Default::default()
    };
    apply_schedule(&mut item, &from)?;
    let x = Schedule { id, item };
    let out = one_schedule(&x, true);
    st.schedules.insert(x);
    Ok(out)
}

pub(crate) fn update_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_server_admin(st, req)?;
    let id = find_schedule(st, req.param(0))?.id.clone();
    let from = need(req.ts_request()?.schedule, "schedule")?;
    if let Some(name) = from.name.as_deref().filter(|n| !n.is_empty()) {
        if st
            .schedules
            .iter()
            .any(|x| x.id != id && txt(&x.item.name).eq_ignore_ascii_case(name))
        {
            return Err(ApiError::conflict(
                codes::SCHEDULE_CONFLICT,
                format!("A schedule named '{name}' already exists."),
            ));
        }
    }
    let x = st
        .schedules
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::SCHEDULE_NOT_FOUND, "Schedule", &id))?;
    apply_schedule(&mut x.item, &from)?;
    x.item.updated_at = dt(&now());
    Ok(one_schedule(x, false))
}

pub(crate) fn delete_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_server_admin(st, req)?;
    let id = find_schedule(st, req.param(0))?.id.clone();
    st.schedules.remove(&id);
    st.tasks.retain(|t| t.schedule_id != id);
    Ok(Reply::NoContent)
}

fn task_out(st: &State, t: &Task) -> TaskType {
    let schedule = st.schedules.get(&t.schedule_id).map(|x| x.item.clone());
    TaskType {
        extract_refresh: Some(TaskExtractRefreshType {
            id: s(&t.id),
            priority: Some(schedule.as_ref().and_then(|x| x.priority).unwrap_or(50)),
            consecutive_failed_count: Some(0),
            type_: s("RefreshExtractTask"),
            schedule,
            workbook: t.workbook_id.as_ref().map(|id| WorkbookType {
                id: s(id),
                ..Default::default()
            }),
            datasource: t.datasource_id.as_ref().map(|id| DataSourceType {
                id: s(id),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn add_to_schedule(st: &mut State, req: &Req, workbook: bool) -> Result<Reply, ApiError> {
    let site = req.param(0).to_string();
    let schedule_id = find_schedule(st, req.param(1))?.id.clone();
    super::require_publisher(st, req)?;
    let task = need(req.ts_request()?.task, "task")?;
    let refresh = task
        .extract_refresh
        .ok_or_else(|| ApiError::missing("<extractRefresh> element"))?;
    let target = if workbook {
        refresh.workbook.and_then(|w| w.id)
    } else {
        refresh.datasource.and_then(|d| d.id)
    }
    .filter(|i| !i.is_empty())
    .ok_or_else(|| {
        ApiError::missing(if workbook {
            "<workbook id> element"
        } else {
            "<datasource id> element"
        })
    })?;
    let (workbook_id, datasource_id) = if workbook {
        super::workbooks::site_workbook(st, &site, &target)?;
        (Some(target), None)
    } else {
        if st
            .datasources
            .get(&target)
            .is_none_or(|d| d.site_id != site)
        {
            return Err(ApiError::not_found(
                codes::DATASOURCE_NOT_FOUND,
                "Data source",
                &target,
            ));
        }
        (None, Some(target))
    };
    let task = Task {
        id: st.ids.uuid(),
        site_id: site,
        schedule_id,
        workbook_id,
        datasource_id,
    };
    let out = task_out(st, &task);
    st.tasks.insert(task);
    Ok(Reply::ok(TsResponse {
        task: Some(Box::new(out)),
        ..Default::default()
    }))
}

pub(crate) fn add_workbook_to_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    add_to_schedule(st, req, true)
}

pub(crate) fn add_datasource_to_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    add_to_schedule(st, req, false)
}

pub(crate) fn list_extract_tasks(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let site = req.param(0);
    let task = st
        .tasks
        .iter()
        .filter(|t| t.site_id == site)
        .map(|t| task_out(st, t))
        .collect();
    Ok(Reply::ok(TsResponse {
        tasks: Some(Box::new(TaskListType { task })),
        ..Default::default()
    }))
}

// ---------------------------------------------------------------------------------------------
// jobs

/// The job as answered, with the workbook or data source it worked on.
pub(crate) fn job_out(st: &State, j: &Job) -> JobType {
    let mut item = j.item.clone();
    let detail = ExtractRefreshJobType {
        workbook: j.workbook_id.as_ref().map(|id| WorkbookType {
            id: s(id),
            name: st.workbooks.get(id).and_then(|w| w.item.name.clone()),
            ..Default::default()
        }),
        datasource: j.datasource_id.as_ref().map(|id| DataSourceType {
            id: s(id),
            name: st.datasources.get(id).and_then(|d| d.item.name.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    if matches!(item.type_, Some(tsc_raw::JobTypeType::RefreshExtract)) {
        item.extract_refresh_job = Some(detail);
    }
    item
}

fn job_status(j: &Job) -> BackgroundJobStatus {
    match (
        j.item.completed_at.is_some(),
        j.item.finish_code.unwrap_or(0),
    ) {
        (false, _) => BackgroundJobStatus::InProgress,
        (true, 0) => BackgroundJobStatus::Success,
        (true, 2) => BackgroundJobStatus::Cancelled,
        (true, _) => BackgroundJobStatus::Failed,
    }
}

fn job_type_name(j: &Job) -> &'static str {
    match j.item.type_.as_ref().map(|t| t.as_str()) {
        Some("RefreshExtract") => "refresh_extracts",
        Some("PublishWorkbook") => "publish_workbook",
        Some("PublishDatasource") => "publish_datasource",
        _ => "other",
    }
}

fn background_job_out(j: &Job, fields: &Option<Vec<String>>) -> BackgroundJobType {
    let item = BackgroundJobType {
        id: s(&j.id),
        status: Some(job_status(j)),
        created_at: j.item.created_at.clone(),
        started_at: j.item.started_at.clone(),
        ended_at: j.item.completed_at.clone(),
        priority: Some(50),
        job_type: s(job_type_name(j)),
        ..Default::default()
    };
    select!(item, fields, BackgroundJobType, {
        "status" => status, "createdAt" => created_at, "startedAt" => started_at, "endedAt" => ended_at,
        "priority" => priority, "jobType" => job_type, "title" => title, "subtitle" => subtitle,
    })
}

fn job_field(j: &Job, f: &str) -> Option<Val> {
    Some(match f {
        "id" => Val::s(&j.id),
        "jobType" => Val::s(job_type_name(j)),
        "status" => Val::s(job_status(j).as_str()),
        "createdAt" => Val::s(dtxt(&j.item.created_at)),
        "startedAt" => Val::s(dtxt(&j.item.started_at)),
        "endedAt" | "completedAt" => Val::s(dtxt(&j.item.completed_at)),
        "priority" => Val::Num(50),
        "progress" => Val::Num(j.item.progress.unwrap_or(0) as i64),
        _ => return None,
    })
}

fn site_job<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a Job, ApiError> {
    st.jobs
        .get(id)
        .filter(|j| j.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::JOB_NOT_FOUND, "Job", id))
}

fn settle_jobs(st: &mut State) {
    let duration = st.job_duration;
    for j in st.jobs.iter_mut() {
        j.settle(duration);
    }
}

pub(crate) fn list_jobs(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    settle_jobs(st);
    let p = req.list_params()?;
    let site = req.param(0);
    let items = st.jobs.iter().filter(|j| j.site_id == site);
    let paged = apply(items, &p, |j, f| job_field(j, f))?;
    Ok(Reply::ok(TsResponse {
        pagination: paged.pagination(),
        background_jobs: Some(Box::new(BackgroundJobListType {
            background_job: paged
                .items
                .iter()
                .map(|j| background_job_out(j, &p.fields))
                .collect(),
        })),
        ..Default::default()
    }))
}

pub(crate) fn get_job(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    settle_jobs(st);
    let j = site_job(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(TsResponse {
        job: Some(Box::new(job_out(st, j))),
        ..Default::default()
    }))
}

pub(crate) fn cancel_job(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    settle_jobs(st);
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_job(st, &site, &id)?;
    let j = st
        .jobs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::JOB_NOT_FOUND, "Job", &id))?;
    if j.item.completed_at.is_none() {
        j.item.completed_at = dt(&now());
        j.item.finish_code = Some(2);
    }
    let j = site_job(st, &site, &id)?;
    Ok(Reply::ok(TsResponse {
        job: Some(Box::new(job_out(st, j))),
        ..Default::default()
    }))
}
