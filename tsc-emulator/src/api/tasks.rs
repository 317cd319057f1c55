//! Schedules, extract-refresh tasks and jobs.

use super::{Reply, Req, is_server_admin};
use crate::error::{ApiError, codes};
use crate::query::{Val, apply};
use crate::store::{Job, Schedule, State, Task, now};
use crate::xml::El;

fn schedule_el(s: &Schedule) -> El {
    El::new("schedule")
        .attr("id", s.id.clone())
        .attr("name", s.name.clone())
        .attr("state", s.state.clone())
        .attr("priority", s.priority.to_string())
        .attr("createdAt", s.created_at.clone())
        .attr("updatedAt", s.updated_at.clone())
        .attr("type", s.type_.clone())
        .attr("frequency", s.frequency.clone())
        .attr("nextRunAt", s.next_run_at.clone())
        .attr("executionOrder", s.execution_order.clone())
        .child_opt(s.frequency_details.clone())
}

fn schedule_field(s: &Schedule, f: &str) -> Option<Val> {
    Some(match f {
        "name" => Val::s(&s.name),
        "id" => Val::s(&s.id),
        "state" => Val::s(&s.state),
        "type" => Val::s(&s.type_),
        "frequency" => Val::s(&s.frequency),
        "priority" => Val::Num(s.priority),
        "createdAt" => Val::s(&s.created_at),
        "updatedAt" => Val::s(&s.updated_at),
        "nextRunAt" => Val::s(&s.next_run_at),
        _ => return None,
    })
}

fn find_schedule<'a>(st: &'a State, id: &str) -> Result<&'a Schedule, ApiError> {
    st.schedules
        .get(id)
        .ok_or_else(|| ApiError::not_found(codes::SCHEDULE_NOT_FOUND, "Schedule", id))
}

pub(crate) fn list_schedules(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let paged = apply(st.schedules.iter(), &p, |s, f| schedule_field(s, f), None)?;
    let els = paged.items.iter().map(|s| schedule_el(s)).collect();
    Ok(Reply::page(&paged, "schedules", els, &p.fields))
}

pub(crate) fn get_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    Ok(Reply::ok(schedule_el(find_schedule(st, req.param(0))?)))
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

fn apply_schedule(s: &mut Schedule, el: &El) -> Result<(), ApiError> {
    if let Some(v) = el.get_nonempty("name") {
        s.name = v.to_string();
    }
    if let Some(v) = el.get_nonempty("state") {
        s.state = v.to_string();
    }
    if let Some(v) = el.get_nonempty("priority") {
        let p: i64 = v
            .parse()
            .map_err(|_| ApiError::bad_request(format!("The priority '{v}' is not a number.")))?;
        if !(1..=100).contains(&p) {
            return Err(ApiError::bad_request(format!(
                "The priority {p} is not between 1 and 100."
            )));
        }
        s.priority = p;
    }
    if let Some(v) = el.get_nonempty("type") {
        s.type_ = v.to_string();
    }
    if let Some(v) = el.get_nonempty("frequency") {
        s.frequency = v.to_string();
    }
    if let Some(v) = el.get_nonempty("executionOrder") {
        s.execution_order = v.to_string();
    }
    if let Some(fd) = el.find("frequencyDetails") {
        s.frequency_details = Some(fd.clone());
    }
    Ok(())
}

pub(crate) fn create_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_server_admin(st, req)?;
    let el = req.body_child("schedule")?;
    let name = el
        .get_nonempty("name")
        .ok_or_else(|| ApiError::missing("schedule name"))?
        .to_string();
    if st
        .schedules
        .iter()
        .any(|s| s.name.eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::conflict(
            codes::SCHEDULE_CONFLICT,
            format!("A schedule named '{name}' already exists."),
        ));
    }
    let t = now();
    let mut s = Schedule {
        id: st.ids.uuid(),
        name,
        state: "Active".into(),
        priority: 50,
        type_: "Extract".into(),
        frequency: "Daily".into(),
        execution_order: "Parallel".into(),
        created_at: t.clone(),
        updated_at: t.clone(),
        next_run_at: t,
        frequency_details: None,
    };
    apply_schedule(&mut s, &el)?;
    let out = schedule_el(&s);
    st.schedules.insert(s);
    Ok(Reply::created(out))
}

pub(crate) fn update_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_server_admin(st, req)?;
    let id = find_schedule(st, req.param(0))?.id.clone();
    let el = req.body_child("schedule")?;
    if let Some(name) = el.get_nonempty("name") {
        if st
            .schedules
            .iter()
            .any(|s| s.id != id && s.name.eq_ignore_ascii_case(name))
        {
            return Err(ApiError::conflict(
                codes::SCHEDULE_CONFLICT,
                format!("A schedule named '{name}' already exists."),
            ));
        }
    }
    let s = st
        .schedules
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::SCHEDULE_NOT_FOUND, "Schedule", &id))?;
    apply_schedule(s, &el)?;
    s.updated_at = now();
    Ok(Reply::ok(schedule_el(s)))
}

pub(crate) fn delete_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    require_server_admin(st, req)?;
    let id = find_schedule(st, req.param(0))?.id.clone();
    st.schedules.remove(&id);
    st.tasks.retain(|t| t.schedule_id != id);
    Ok(Reply::NoContent)
}

fn task_el(st: &State, t: &Task) -> El {
    let schedule = st.schedules.get(&t.schedule_id);
    El::new("task").child(
        El::new("extractRefresh")
            .attr("id", t.id.clone())
            .attr(
                "priority",
                schedule
                    .map(|s| s.priority.to_string())
                    .unwrap_or_else(|| "50".into()),
            )
            .attr("consecutiveFailedCount", "0")
            .attr("type", "RefreshExtractTask")
            .child_opt(schedule.map(schedule_el))
            .child_opt(
                t.workbook_id
                    .as_ref()
                    .map(|id| El::new("workbook").attr("id", id.clone())),
            )
            .child_opt(
                t.datasource_id
                    .as_ref()
                    .map(|id| El::new("datasource").attr("id", id.clone())),
            ),
    )
}

fn add_to_schedule(st: &mut State, req: &Req, kind: &str) -> Result<Reply, ApiError> {
    let site = req.param(0).to_string();
    let schedule_id = find_schedule(st, req.param(1))?.id.clone();
    super::require_publisher(st, req)?;
    let root = req.body_el()?;
    let target = root
        .find("task")
        .and_then(|t| t.find("extractRefresh"))
        .and_then(|e| e.find(kind))
        .and_then(|x| x.get_nonempty("id"))
        .ok_or_else(|| ApiError::missing(&format!("<task><extractRefresh><{kind} id> element")))?
        .to_string();
    let (workbook_id, datasource_id) = if kind == "workbook" {
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
    let out = task_el(st, &task);
    st.tasks.insert(task);
    Ok(Reply::ok(out))
}

pub(crate) fn add_workbook_to_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    add_to_schedule(st, req, "workbook")
}

pub(crate) fn add_datasource_to_schedule(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    add_to_schedule(st, req, "datasource")
}

pub(crate) fn list_extract_tasks(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let site = req.param(0);
    let els = st
        .tasks
        .iter()
        .filter(|t| t.site_id == site)
        .map(|t| task_el(st, t));
    Ok(Reply::ok(El::new("tasks").children(els)))
}

// ---------------------------------------------------------------------------------------------
// jobs

pub(crate) fn job_el(st: &State, j: &Job) -> El {
    let detail = if j.type_ == "RefreshExtract" || j.type_.starts_with("Publish") {
        let name = if j.type_ == "RefreshExtract" {
            "extractRefreshJob"
        } else {
            "publishJob"
        };
        Some(
            El::new(name)
                .child_opt(j.workbook_id.as_ref().map(|id| {
                    El::new("workbook")
                        .attr("id", id.clone())
                        .attr_opt("name", st.workbooks.get(id).map(|w| w.name.clone()))
                }))
                .child_opt(j.datasource_id.as_ref().map(|id| {
                    El::new("datasource")
                        .attr("id", id.clone())
                        .attr_opt("name", st.datasources.get(id).map(|d| d.name.clone()))
                })),
        )
    } else {
        None
    };
    El::new("job")
        .attr("id", j.id.clone())
        .attr("mode", j.mode.clone())
        .attr("type", j.type_.clone())
        .attr("progress", j.progress.to_string())
        .attr("createdAt", j.created_at.clone())
        .attr_opt("startedAt", j.started_at.clone())
        .attr_opt("completedAt", j.completed_at.clone())
        .attr("finishCode", j.finish_code.to_string())
        .child_opt(detail)
}

fn job_status(j: &Job) -> &'static str {
    match (j.completed_at.is_some(), j.finish_code) {
        (false, _) => "InProgress",
        (true, 0) => "Success",
        (true, 2) => "Cancelled",
        (true, _) => "Failed",
    }
}

fn job_type_name(j: &Job) -> &'static str {
    match j.type_.as_str() {
        "RefreshExtract" => "refresh_extracts",
        "PublishWorkbook" => "publish_workbook",
        "PublishDatasource" => "publish_datasource",
        _ => "other",
    }
}

fn background_job_el(j: &Job) -> El {
    El::new("backgroundJob")
        .attr("id", j.id.clone())
        .attr("status", job_status(j))
        .attr("createdAt", j.created_at.clone())
        .attr_opt("startedAt", j.started_at.clone())
        .attr_opt("endedAt", j.completed_at.clone())
        .attr("priority", "50")
        .attr("jobType", job_type_name(j))
}

fn job_field(j: &Job, f: &str) -> Option<Val> {
    Some(match f {
        "id" => Val::s(&j.id),
        "jobType" => Val::s(job_type_name(j)),
        "status" => Val::s(job_status(j)),
        "createdAt" => Val::s(&j.created_at),
        "startedAt" => Val::s(j.started_at.clone().unwrap_or_default()),
        "endedAt" | "completedAt" => Val::s(j.completed_at.clone().unwrap_or_default()),
        "priority" => Val::Num(50),
        "progress" => Val::Num(j.progress),
        _ => return None,
    })
}

fn site_job<'a>(st: &'a State, site: &str, id: &str) -> Result<&'a Job, ApiError> {
    st.jobs
        .get(id)
        .filter(|j| j.site_id == site)
        .ok_or_else(|| ApiError::not_found(codes::JOB_NOT_FOUND, "Job", id))
}

pub(crate) fn list_jobs(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let p = req.list_params()?;
    let site = req.param(0);
    let items = st.jobs.iter().filter(|j| j.site_id == site);
    let paged = apply(items, &p, |j, f| job_field(j, f), None)?;
    let els = paged.items.iter().map(|j| background_job_el(j)).collect();
    Ok(Reply::page(&paged, "backgroundJobs", els, &p.fields))
}

pub(crate) fn get_job(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let j = site_job(st, req.param(0), req.param(1))?;
    Ok(Reply::ok(job_el(st, j)))
}

pub(crate) fn cancel_job(st: &mut State, req: &Req) -> Result<Reply, ApiError> {
    let (site, id) = (req.param(0).to_string(), req.param(1).to_string());
    site_job(st, &site, &id)?;
    let j = st
        .jobs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(codes::JOB_NOT_FOUND, "Job", &id))?;
    if j.completed_at.is_none() {
        j.completed_at = Some(now());
        j.finish_code = 2;
    }
    let j = j.clone();
    Ok(Reply::ok(job_el(st, &j)))
}
