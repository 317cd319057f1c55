//! Server schedules (TSC's `server.schedules`, `ScheduleItem`, `HourlyInterval`,
//! `DailyInterval`, `WeeklyInterval`, `MonthlyInterval`).
//!
//! Most invalid intervals cannot be expressed: steps are an enum ([`Every`]), week days are
//! `time::Weekday`, times are `time::Time`; an empty week-day or month-day list and a day of
//! the month above 31 are rejected before sending. TSC's `interval_value`s map to fields:
//! numbers to `every`, week-day names to `weekdays`, days of the month to `days`.
//!
//! ```no_run
//! # async fn demo(server: tsc::Server) -> tsc::Result<()> {
//! use time::{Weekday, macros::time};
//! use tsc::{Interval, ScheduleItem, ScheduleType};
//!
//! let nightly = ScheduleItem::new(
//!     "Nightly extracts",
//!     50,
//!     ScheduleType::Extract,
//!     Interval::Weekly { start: time!(2:30), weekdays: vec![Weekday::Monday, Weekday::Thursday] },
//! );
//! let nightly = server.schedules().create(&nightly).await?;
//! server
//!     .schedules()
//!     .add_workbook(nightly.id.as_deref().unwrap_or_default(), "3cc6cd06-89ce-4fdc-b935-5294135d6d42")
//!     .await?;
//! # Ok(()) }
//! ```

use time::{OffsetDateTime, Time, Weekday};

pub use tsc_raw::ScheduleExecutionOrder as ExecutionOrder;
pub use tsc_raw::ScheduleTypeType as ScheduleType;

use crate::convert::{check_text, dt};
use crate::error::{InputError, Result, item_id, require_id};
use crate::pagination::List;
use crate::server::{ApiVersion, Server};
use crate::transport::ApiRequest;

/// How often an hourly (or daily) schedule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Every {
    /// Every 15 minutes.
    Minutes15,
    /// Every 30 minutes.
    Minutes30,
    /// Every hour.
    Hours1,
    /// Every 2 hours.
    Hours2,
    /// Every 4 hours.
    Hours4,
    /// Every 6 hours.
    Hours6,
    /// Every 8 hours.
    Hours8,
    /// Every 12 hours.
    Hours12,
    /// Every 24 hours.
    Hours24,
}

impl Every {
    fn to_raw(self) -> tsc_raw::IntervalType {
        let (hours, minutes) = match self {
            Every::Minutes15 => (None, Some(15)),
            Every::Minutes30 => (None, Some(30)),
            Every::Hours1 => (Some(1), None),
            Every::Hours2 => (Some(2), None),
            Every::Hours4 => (Some(4), None),
            Every::Hours6 => (Some(6), None),
            Every::Hours8 => (Some(8), None),
            Every::Hours12 => (Some(12), None),
            Every::Hours24 => (Some(24), None),
        };
        tsc_raw::IntervalType {
            hours,
            minutes,
            ..Default::default()
        }
    }

    fn from_raw(i: &tsc_raw::IntervalType) -> Option<Self> {
        Some(match (i.hours, i.minutes) {
            (_, Some(15)) => Every::Minutes15,
            (_, Some(30)) => Every::Minutes30,
            (Some(1), _) => Every::Hours1,
            (Some(2), _) => Every::Hours2,
            (Some(4), _) => Every::Hours4,
            (Some(6), _) => Every::Hours6,
            (Some(8), _) => Every::Hours8,
            (Some(12), _) => Every::Hours12,
            (Some(24), _) => Every::Hours24,
            _ => return None,
        })
    }
}

/// Day of the month of a monthly schedule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MonthDay {
    /// Day 1..=31 (checked before sending).
    Day(u8),
    /// The last day of the month.
    LastDay,
    /// A value this crate does not know (such as `Customized Monthly`), kept as sent.
    Other(String),
}

/// When a schedule runs (TSC's interval items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interval {
    /// Between `start` and `end`, every `every` (TSC's `HourlyInterval`).
    Hourly {
        /// First run of the day.
        start: Time,
        /// Last run of the day.
        end: Time,
        /// Step.
        every: Every,
        /// Days it runs (TSC's week-day `interval_value`s); empty runs every day.
        weekdays: Vec<Weekday>,
    },
    /// Daily at `start` (TSC's `DailyInterval(start_time, *interval_values)`); build the plain
    /// once-a-day form with [`Interval::daily`].
    Daily {
        /// Time of day (first run of the day when `every` is set).
        start: Time,
        /// Last run of the day, for a schedule that repeats during the day (`None`: not sent).
        end: Option<Time>,
        /// Repeat during the day (TSC's numeric `interval_value`s: `2` is [`Every::Hours2`],
        /// `0.25` is [`Every::Minutes15`]); `None` runs once a day.
        every: Option<Every>,
        /// Days it runs (TSC's week-day `interval_value`s); empty runs every day.
        weekdays: Vec<Weekday>,
    },
    /// On the given week days at `start` (TSC's `WeeklyInterval`).
    Weekly {
        /// Time of day.
        start: Time,
        /// Days (at least one).
        weekdays: Vec<Weekday>,
    },
    /// On the given days of each month at `start` (TSC's `MonthlyInterval(start_time,
    /// interval_value)`, `interval_value` one day or a tuple of days).
    Monthly {
        /// Time of day.
        start: Time,
        /// Days of the month (at least one).
        days: Vec<MonthDay>,
    },
}

fn fmt_time(t: Time) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn parse_time(s: &str) -> Option<Time> {
    let mut it = s.trim().split(':').map(|p| p.parse::<u8>().ok());
    let h = it.next()??;
    let m = it.next().flatten().unwrap_or(0);
    let sec = it.next().flatten().unwrap_or(0);
    Time::from_hms(h, m, sec).ok()
}

fn weekday_raw(d: Weekday) -> tsc_raw::IntervalWeekDay {
    use tsc_raw::IntervalWeekDay as W;
    match d {
        Weekday::Monday => W::Monday,
        Weekday::Tuesday => W::Tuesday,
        Weekday::Wednesday => W::Wednesday,
        Weekday::Thursday => W::Thursday,
        Weekday::Friday => W::Friday,
        Weekday::Saturday => W::Saturday,
        Weekday::Sunday => W::Sunday,
    }
}

fn weekday_from_raw(d: &tsc_raw::IntervalWeekDay) -> Option<Weekday> {
    use tsc_raw::IntervalWeekDay as W;
    Some(match d {
        W::Monday => Weekday::Monday,
        W::Tuesday => Weekday::Tuesday,
        W::Wednesday => Weekday::Wednesday,
        W::Thursday => Weekday::Thursday,
        W::Friday => Weekday::Friday,
        W::Saturday => Weekday::Saturday,
        W::Sunday => Weekday::Sunday,
        W::Other(_) => return None,
    })
}

fn weekday_intervals(weekdays: &[Weekday]) -> Vec<tsc_raw::IntervalType> {
    weekdays
        .iter()
        .map(|d| tsc_raw::IntervalType {
            week_day: Some(weekday_raw(*d)),
            ..Default::default()
        })
        .collect()
}

fn weekdays_of(ivs: &[tsc_raw::IntervalType]) -> Vec<Weekday> {
    ivs.iter()
        .filter_map(|i| i.week_day.as_ref().and_then(weekday_from_raw))
        .collect()
}

impl Interval {
    /// Once a day at `start`, every day (TSC's `DailyInterval(start_time)`).
    pub fn daily(start: Time) -> Self {
        Interval::Daily {
            start,
            end: None,
            every: None,
            weekdays: Vec::new(),
        }
    }

    fn frequency(&self) -> tsc_raw::ScheduleFrequency {
        match self {
            Interval::Hourly { .. } => tsc_raw::ScheduleFrequency::Hourly,
            Interval::Daily { .. } => tsc_raw::ScheduleFrequency::Daily,
            Interval::Weekly { .. } => tsc_raw::ScheduleFrequency::Weekly,
            Interval::Monthly { .. } => tsc_raw::ScheduleFrequency::Monthly,
        }
    }

    fn to_raw(&self) -> Result<tsc_raw::FrequencyDetailsType> {
        let (start, end, intervals) = match self {
            Interval::Hourly {
                start,
                end,
                every,
                weekdays,
            } => {
                let mut iv = weekday_intervals(weekdays);
                iv.push(every.to_raw());
                (*start, Some(*end), iv)
            }
            Interval::Daily {
                start,
                end,
                every,
                weekdays,
            } => {
                let mut iv = weekday_intervals(weekdays);
                iv.extend(every.map(Every::to_raw));
                (*start, *end, iv)
            }
            Interval::Weekly { start, weekdays } => {
                if weekdays.is_empty() {
                    return Err(InputError::Empty {
                        what: "week days of a weekly schedule",
                    }
                    .into());
                }
                let iv = weekdays
                    .iter()
                    .map(|d| tsc_raw::IntervalType {
                        week_day: Some(weekday_raw(*d)),
                        ..Default::default()
                    })
                    .collect();
                (*start, None, iv)
            }
            Interval::Monthly { start, days } => {
                if days.is_empty() {
                    return Err(InputError::Empty {
                        what: "days of a monthly schedule",
                    }
                    .into());
                }
                let iv = days
                    .iter()
                    .map(|day| {
                        let md = match day {
                            MonthDay::LastDay => tsc_raw::IntervalMonthDay::LastDay,
                            MonthDay::Day(d) if (1..=31).contains(d) => {
                                tsc_raw::IntervalMonthDay::Other(d.to_string())
                            }
                            MonthDay::Day(d) => {
                                return Err(InputError::OutOfRange {
                                    what: "day of the month",
                                    max: 31,
                                    got: (*d).into(),
                                }
                                .into());
                            }
                            MonthDay::Other(s) => tsc_raw::IntervalMonthDay::Other(s.clone()),
                        };
                        Ok(tsc_raw::IntervalType {
                            month_day: Some(md),
                            ..Default::default()
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                (*start, None, iv)
            }
        };
        Ok(tsc_raw::FrequencyDetailsType {
            start: Some(fmt_time(start)),
            end: end.map(fmt_time),
            intervals: (!intervals.is_empty()).then_some(tsc_raw::FrequencyDetailsIntervals {
                interval: intervals,
            }),
        })
    }

    fn from_raw(
        freq: Option<&tsc_raw::ScheduleFrequency>,
        d: Option<&tsc_raw::FrequencyDetailsType>,
    ) -> Option<Self> {
        let d = d?;
        let start = parse_time(d.start.as_deref()?)?;
        let ivs: &[tsc_raw::IntervalType] = d
            .intervals
            .as_ref()
            .map(|i| i.interval.as_slice())
            .unwrap_or_default();
        Some(match freq? {
            tsc_raw::ScheduleFrequency::Hourly => Interval::Hourly {
                start,
                end: d.end.as_deref().and_then(parse_time).unwrap_or(start),
                every: ivs.iter().find_map(Every::from_raw)?,
                weekdays: weekdays_of(ivs),
            },
            tsc_raw::ScheduleFrequency::Daily => Interval::Daily {
                start,
                end: d.end.as_deref().and_then(parse_time),
                every: ivs.iter().find_map(Every::from_raw),
                weekdays: weekdays_of(ivs),
            },
            tsc_raw::ScheduleFrequency::Weekly => Interval::Weekly {
                start,
                weekdays: weekdays_of(ivs),
            },
            tsc_raw::ScheduleFrequency::Monthly => Interval::Monthly {
                start,
                days: ivs
                    .iter()
                    .filter_map(|i| i.month_day.as_ref())
                    .map(|d| match d {
                        tsc_raw::IntervalMonthDay::LastDay => MonthDay::LastDay,
                        other => match other.as_str().trim().parse() {
                            Ok(n) => MonthDay::Day(n),
                            Err(_) => MonthDay::Other(other.as_str().to_owned()),
                        },
                    })
                    .collect(),
            },
            tsc_raw::ScheduleFrequency::Other(_) => return None,
        })
    }
}

/// Whether a schedule runs (TSC's `ScheduleItem.State`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScheduleState {
    /// Runs.
    Active,
    /// Does not run.
    Suspended,
    /// A value this crate does not know, kept as sent.
    Other(String),
}

impl ScheduleState {
    /// The value Tableau uses.
    pub fn as_str(&self) -> &str {
        match self {
            ScheduleState::Active => "Active",
            ScheduleState::Suspended => "Suspended",
            ScheduleState::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "Active" => ScheduleState::Active,
            "Suspended" => ScheduleState::Suspended,
            other => ScheduleState::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for ScheduleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A schedule (TSC's `ScheduleItem`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleItem {
    /// LUID; `None` until created.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Priority 1 (highest) ..= 100.
    pub priority: Option<u32>,
    /// Kind of tasks it runs.
    pub schedule_type: Option<ScheduleType>,
    /// Serial or parallel.
    pub execution_order: Option<ExecutionOrder>,
    /// When it runs; `None` when the server sent a shape this crate does not know.
    pub interval: Option<Interval>,
    /// `Active` or `Suspended` (TSC's `ScheduleItem.State`).
    pub state: Option<ScheduleState>,
    /// Creation time.
    pub created_at: Option<OffsetDateTime>,
    /// Last update time.
    pub updated_at: Option<OffsetDateTime>,
    /// Next run.
    pub next_run_at: Option<OffsetDateTime>,
    /// End of the schedule.
    pub end_schedule_at: Option<OffsetDateTime>,
}

impl ScheduleItem {
    /// A new schedule.
    pub fn new(
        name: impl Into<String>,
        priority: u32,
        schedule_type: ScheduleType,
        interval: Interval,
    ) -> Self {
        ScheduleItem {
            id: None,
            name: name.into(),
            priority: Some(priority),
            schedule_type: Some(schedule_type),
            execution_order: Some(ExecutionOrder::Parallel),
            interval: Some(interval),
            state: None,
            created_at: None,
            updated_at: None,
            next_run_at: None,
            end_schedule_at: None,
        }
    }

    /// Converts from the raw type.
    pub fn from_raw(s: tsc_raw::ScheduleType) -> Self {
        ScheduleItem {
            interval: Interval::from_raw(s.frequency.as_ref(), s.frequency_details.as_ref()),
            id: s.id,
            name: s.name.unwrap_or_default(),
            priority: s.priority.map(|p| p as u32),
            schedule_type: s.type_,
            execution_order: s.execution_order,
            state: s.state.as_deref().map(ScheduleState::parse),
            created_at: dt(s.created_at),
            updated_at: dt(s.updated_at),
            next_run_at: dt(s.next_run_at),
            end_schedule_at: dt(s.end_schedule_at),
        }
    }

    fn to_raw(&self, creating: bool) -> Result<tsc_raw::ScheduleType> {
        if creating && self.name.trim().is_empty() {
            return Err(InputError::Empty {
                what: "Schedule name",
            }
            .into());
        }
        check_text("schedule name", &self.name)?;
        if let Some(p) = self.priority {
            if !(1..=100).contains(&p) {
                return Err(InputError::OutOfRange {
                    what: "schedule priority",
                    max: 100,
                    got: p.into(),
                }
                .into());
            }
        }
        let interval = match (&self.interval, creating) {
            (Some(i), _) => Some(i),
            (None, true) => {
                return Err(InputError::Empty {
                    what: "Schedule interval",
                }
                .into());
            }
            (None, false) => None,
        };
        if creating && self.schedule_type.is_none() {
            return Err(InputError::Empty {
                what: "Schedule type",
            }
            .into());
        }
        Ok(tsc_raw::ScheduleType {
            name: (!self.name.is_empty()).then(|| self.name.clone()),
            priority: self.priority.map(u64::from),
            type_: self.schedule_type.clone(),
            execution_order: self.execution_order.clone(),
            frequency: interval.map(Interval::frequency),
            frequency_details: interval.map(Interval::to_raw).transpose()?,
            state: if creating {
                None
            } else {
                self.state.as_ref().map(|s| s.as_str().to_owned())
            },
            ..Default::default()
        })
    }
}

fn extract_list(ts: tsc_raw::TsResponse) -> Result<Vec<ScheduleItem>> {
    Ok(ts
        .schedules
        .map(|l| l.schedule.into_iter().map(ScheduleItem::from_raw).collect())
        .unwrap_or_default())
}

/// Schedule calls (TSC's `server.schedules`). Get it with [`Server::schedules`].
#[derive(Debug, Clone)]
pub struct SchedulesEndpoint {
    server: Server,
}

impl Server {
    /// Schedule calls (TSC's `server.schedules`).
    pub fn schedules(&self) -> SchedulesEndpoint {
        SchedulesEndpoint {
            server: self.clone(),
        }
    }
}

impl SchedulesEndpoint {
    fn path(&self, rest: &str) -> Result<String> {
        if !self.server.is_signed_in() {
            return Err(crate::Error::NotSignedIn);
        }
        Ok(self.server.api_path(rest))
    }

    /// Lists the server's schedules (TSC's `schedules.get`, REST API 2.3+).
    pub fn list(&self) -> List<ScheduleItem> {
        List::new(&self.server, self.path("schedules"), extract_list)
            .require_version("schedules.get", ApiVersion::new(2, 3))
    }

    /// One schedule by LUID (TSC's `schedules.get_by_id`, REST API 3.8+).
    pub async fn get_by_id(&self, id: impl Into<String>) -> Result<ScheduleItem> {
        let id = require_id("Schedule", &id.into())?;
        let req = ApiRequest::get(self.path(&format!("schedules/{id}"))?)
            .require_version("schedules.get_by_id", ApiVersion::new(3, 8));
        let raw = self
            .server
            .send_expect(req, "schedule", |ts| ts.schedule)
            .await?;
        Ok(ScheduleItem::from_raw(raw))
    }

    pub(crate) fn create_request(&self, item: &ScheduleItem) -> Result<ApiRequest> {
        let body = tsc_raw::TsRequest {
            schedule: Some(item.to_raw(true)?.into()),
            ..Default::default()
        };
        Ok(ApiRequest::post(self.path("schedules")?)
            .xml(&body)?
            .require_version("schedules.create", ApiVersion::new(2, 3)))
    }

    /// Creates a schedule (TSC's `schedules.create`).
    pub async fn create(&self, item: &ScheduleItem) -> Result<ScheduleItem> {
        let raw = self
            .server
            .send_expect(self.create_request(item)?, "schedule", |ts| ts.schedule)
            .await?;
        Ok(ScheduleItem::from_raw(raw))
    }

    pub(crate) fn update_request(&self, item: &ScheduleItem) -> Result<ApiRequest> {
        let id = item_id("Schedule", &item.id)?;
        let body = tsc_raw::TsRequest {
            schedule: Some(item.to_raw(false)?.into()),
            ..Default::default()
        };
        Ok(ApiRequest::put(self.path(&format!("schedules/{id}"))?)
            .xml(&body)?
            .require_version("schedules.update", ApiVersion::new(2, 3)))
    }

    /// Updates a schedule (TSC's `schedules.update`; without id: "Schedule item missing ID").
    pub async fn update(&self, item: &ScheduleItem) -> Result<ScheduleItem> {
        let raw = self
            .server
            .send_expect(self.update_request(item)?, "schedule", |ts| ts.schedule)
            .await?;
        Ok(ScheduleItem::from_raw(raw))
    }

    /// Deletes a schedule (TSC's `schedules.delete`).
    pub async fn delete(&self, id: impl Into<String>) -> Result<()> {
        let id = require_id("Schedule", &id.into())?;
        let req = ApiRequest::delete(self.path(&format!("schedules/{id}"))?)
            .require_version("schedules.delete", ApiVersion::new(2, 3));
        self.server.send_empty(req).await
    }

    pub(crate) fn add_request(
        &self,
        schedule_id: &str,
        kind: &'static str,
        id: &str,
    ) -> Result<ApiRequest> {
        let sid = require_id("Schedule", schedule_id)?;
        let resource = if kind == "workbook" {
            "Workbook"
        } else {
            "Datasource"
        };
        require_id(resource, id)?;
        let mut refresh = tsc_raw::TaskExtractRefreshType::default();
        if kind == "workbook" {
            refresh.workbook = Some(tsc_raw::WorkbookType {
                id: Some(id.to_owned()),
                ..Default::default()
            });
        } else {
            refresh.datasource = Some(tsc_raw::DataSourceType {
                id: Some(id.to_owned()),
                ..Default::default()
            });
        }
        let body = tsc_raw::TsRequest {
            task: Some(
                tsc_raw::TaskType {
                    extract_refresh: Some(refresh),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        };
        let what = if kind == "workbook" {
            "schedules.add_to_schedule(workbook)"
        } else {
            "schedules.add_to_schedule(datasource)"
        };
        Ok(
            ApiRequest::put(self.server.site_path(&format!("schedules/{sid}/{kind}s"))?)
                .xml(&body)?
                .require_version(what, ApiVersion::new(2, 8)),
        )
    }

    /// Adds an extract refresh of a workbook to a schedule (TSC's
    /// `schedules.add_to_schedule(id, workbook=...)`, REST API 2.8+).
    pub async fn add_workbook(&self, schedule_id: &str, workbook_id: &str) -> Result<()> {
        self.server
            .send_empty(self.add_request(schedule_id, "workbook", workbook_id)?)
            .await
    }

    /// Adds an extract refresh of a data source to a schedule (TSC's
    /// `schedules.add_to_schedule(id, datasource=...)`, REST API 2.8+).
    pub async fn add_datasource(&self, schedule_id: &str, datasource_id: &str) -> Result<()> {
        self.server
            .send_empty(self.add_request(schedule_id, "datasource", datasource_id)?)
            .await
    }
}
