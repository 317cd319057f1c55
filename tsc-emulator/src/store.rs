//! The in-memory state. Every resource is kept as its `tsc-raw` type (`UserType`, `WorkbookType`,
//! ...) beside the few things the REST API never shows (site scoping, passwords, stored files,
//! group members).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::str::FromStr;
use std::time::Instant;

use bytes::Bytes;
use tsc_raw::{
    ConnectionType, DataSourceType, DateTime, DomainDirectiveType, GroupType, JobType, ProjectType,
    ScheduleType, SiteType, UserType, ViewType, WorkbookType,
};

/// A table of rows kept in insertion order and indexed by id.
pub(crate) struct Table<T> {
    rows: BTreeMap<u64, T>,
    index: HashMap<String, u64>,
    next: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            index: HashMap::new(),
            next: 0,
        }
    }
}

/// Something with an id.
pub(crate) trait HasId {
    fn id(&self) -> &str;
}

impl<T: HasId> Table<T> {
    pub fn insert(&mut self, row: T) {
        let seq = self.next;
        self.next += 1;
        self.index.insert(row.id().to_string(), seq);
        self.rows.insert(seq, row);
    }
    pub fn get(&self, id: &str) -> Option<&T> {
        self.index.get(id).and_then(|s| self.rows.get(s))
    }
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        match self.index.get(id) {
            Some(s) => self.rows.get_mut(s),
            None => None,
        }
    }
    pub fn remove(&mut self, id: &str) -> Option<T> {
        let seq = self.index.remove(id)?;
        self.rows.remove(&seq)
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.rows.values()
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.rows.values_mut()
    }
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let index = &mut self.index;
        self.rows.retain(|_, row| {
            let k = keep(row);
            if !k {
                index.remove(row.id());
            }
            k
        });
    }
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

macro_rules! has_id {
    ($($t:ty),*) => { $(impl HasId for $t { fn id(&self) -> &str { &self.id } })* };
}

/// Parses an enumeration of `tsc-raw` (unknown values become `Other`).
pub(crate) fn en<T: FromStr<Err = Infallible>>(v: &str) -> T {
    match v.parse() {
        Ok(x) => x,
        Err(e) => match e {},
    }
}

/// `Some(text)`.
pub(crate) fn s(v: impl Into<String>) -> Option<String> {
    Some(v.into())
}

/// `Some(DateTime)`.
pub(crate) fn dt(v: &str) -> Option<DateTime> {
    Some(DateTime::from(v))
}

/// The text of an optional string, `""` when absent.
pub(crate) fn txt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// The text of an optional date, `""` when absent.
pub(crate) fn dtxt(v: &Option<DateTime>) -> &str {
    v.as_ref().map(DateTime::as_str).unwrap_or("")
}

/// A `<user id>` reference.
pub(crate) fn user_ref(id: &str) -> Option<UserType> {
    Some(UserType {
        id: s(id),
        ..Default::default()
    })
}

/// A `<project id>` reference.
pub(crate) fn project_ref(id: &str) -> Option<ProjectType> {
    Some(ProjectType {
        id: s(id),
        ..Default::default()
    })
}

/// The id inside an optional reference.
pub(crate) fn ref_id(id: Option<&String>) -> &str {
    id.map(String::as_str).unwrap_or("")
}

/// A file stored in memory as the chunks it arrived in (never concatenated).
#[derive(Clone, Default)]
pub(crate) struct StoredFile {
    pub filename: String,
    pub chunks: Vec<Bytes>,
}

impl StoredFile {
    pub fn len(&self) -> u64 {
        self.chunks.iter().map(|c| c.len() as u64).sum()
    }
}

pub(crate) struct Site {
    pub id: String,
    pub item: SiteType,
}

impl Site {
    pub fn content_url(&self) -> &str {
        txt(&self.item.content_url)
    }
}

pub(crate) struct User {
    pub id: String,
    pub site_id: String,
    /// Never holds the password (see `password`).
    pub item: UserType,
    pub password: Option<String>,
    pub created_at: String,
}

impl User {
    pub fn name(&self) -> &str {
        txt(&self.item.name)
    }
    pub fn role(&self) -> &str {
        self.item
            .site_role
            .as_ref()
            .map(|r| r.as_str())
            .unwrap_or("")
    }
}

pub(crate) struct Group {
    pub id: String,
    pub site_id: String,
    pub item: GroupType,
    pub members: BTreeSet<String>,
}

pub(crate) struct Project {
    pub id: String,
    pub site_id: String,
    /// `owner` holds only the owner's id; `parent_project_id` links the parent.
    pub item: ProjectType,
}

impl Project {
    pub fn name(&self) -> &str {
        txt(&self.item.name)
    }
    pub fn parent_id(&self) -> Option<&str> {
        self.item
            .parent_project_id
            .as_deref()
            .filter(|p| !p.is_empty())
    }
    pub fn owner_id(&self) -> &str {
        ref_id(self.item.owner.as_ref().and_then(|o| o.id.as_ref()))
    }
}

/// A published workbook or data source. `item.project` and `item.owner` hold only ids; names,
/// size and views are filled in when answering.
pub(crate) struct Content<T> {
    pub id: String,
    pub site_id: String,
    pub item: T,
    pub file: StoredFile,
    pub connections: Vec<ConnectionType>,
}

/// A published workbook.
pub(crate) type Workbook = Content<WorkbookType>;
/// A published data source.
pub(crate) type Datasource = Content<DataSourceType>;

/// The fields a workbook and a data source item share.
pub(crate) trait ContentItem {
    fn name(&self) -> &Option<String>;
    fn project_id(&self) -> Option<&String>;
    fn owner_id(&self) -> Option<&String>;
}

macro_rules! content_item {
    ($($t:ty),*) => { $(impl ContentItem for $t {
        fn name(&self) -> &Option<String> {
            &self.name
        }
        fn project_id(&self) -> Option<&String> {
            self.project.as_ref().and_then(|p| p.id.as_ref())
        }
        fn owner_id(&self) -> Option<&String> {
            self.owner.as_ref().and_then(|o| o.id.as_ref())
        }
    })* };
}
content_item!(WorkbookType, DataSourceType);

impl<T> HasId for Content<T> {
    fn id(&self) -> &str {
        &self.id
    }
}

impl<T: ContentItem> Content<T> {
    pub fn name(&self) -> &str {
        txt(self.item.name())
    }
    pub fn project_id(&self) -> &str {
        ref_id(self.item.project_id())
    }
    pub fn owner_id(&self) -> &str {
        ref_id(self.item.owner_id())
    }
}

impl Workbook {
    pub fn tags(&self) -> Vec<String> {
        tag_list(&self.item.tags)
    }
}

/// The workbooks (or data sources) of `table` on `site` named `name` (case-insensitively) in
/// project `project_id`.
pub(crate) fn named_in_project<'a, T: ContentItem>(
    table: &'a Table<Content<T>>,
    site: &'a str,
    project_id: &'a str,
    name: &'a str,
) -> impl Iterator<Item = &'a Content<T>> {
    table.iter().filter(move |c| {
        c.site_id == site && c.project_id() == project_id && c.name().eq_ignore_ascii_case(name)
    })
}

pub(crate) struct View {
    pub id: String,
    pub site_id: String,
    pub workbook_id: String,
    /// `workbook`, `owner` and `project` are filled in when answering.
    pub item: ViewType,
    pub owner_id: String,
    pub project_id: String,
    pub total_views: u64,
}

pub(crate) struct Schedule {
    pub id: String,
    pub item: ScheduleType,
}

pub(crate) struct Task {
    pub id: String,
    pub site_id: String,
    pub schedule_id: String,
    pub workbook_id: Option<String>,
    pub datasource_id: Option<String>,
}

pub(crate) struct Job {
    pub id: String,
    pub site_id: String,
    pub item: JobType,
    pub workbook_id: Option<String>,
    pub datasource_id: Option<String>,
    /// When the job started (it completes `State::job_duration` later).
    pub started: Instant,
}

impl Job {
    /// Completes the job once `duration` has passed since it started; until then its progress
    /// grows with the time spent.
    pub fn settle(&mut self, duration: std::time::Duration) {
        if self.item.completed_at.is_some() {
            return;
        }
        let elapsed = self.started.elapsed();
        if elapsed >= duration {
            self.item.completed_at = dt(&now());
            self.item.finish_code = Some(0);
            self.item.progress = Some(100);
        } else {
            self.item.progress =
                Some((elapsed.as_millis() * 100 / duration.as_millis().max(1)).min(99) as u64);
        }
    }
}

pub(crate) struct UploadSession {
    pub id: String,
    pub site_id: String,
    pub chunks: Vec<Bytes>,
}

pub(crate) struct Session {
    pub id: String,
    pub user_id: String,
    pub site_id: String,
    pub created: Instant,
    pub requests: u64,
}

has_id!(
    Site,
    User,
    Group,
    Project,
    View,
    Schedule,
    Task,
    Job,
    UploadSession,
    Session
);

/// Labels of a `<tags>` list.
pub(crate) fn tag_list(tags: &Option<tsc_raw::TagListType>) -> Vec<String> {
    tags.as_ref()
        .map(|t| t.tag.iter().filter_map(|t| t.label.clone()).collect())
        .unwrap_or_default()
}

/// A `<tags>` list from labels (sorted, unique).
pub(crate) fn tags_of(labels: impl IntoIterator<Item = String>) -> Option<tsc_raw::TagListType> {
    let set: BTreeSet<String> = labels.into_iter().collect();
    Some(tsc_raw::TagListType {
        tag: set
            .into_iter()
            .map(|l| tsc_raw::TagType { label: Some(l) })
            .collect(),
    })
}

/// Deterministic id source: a seeded splitmix64 stream formatted as UUIDs.
pub(crate) struct IdGen {
    state: u64,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        IdGen {
            state: seed ^ 0x5DEE_CE66_D1CE_4E5B,
        }
    }
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A UUID (version 4 layout) from the stream.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0x0fff) as u16,
            ((b >> 48) as u16 & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
    /// An opaque token of 32 url-safe characters.
    pub fn token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::with_capacity(32);
        for _ in 0..4 {
            let mut v = self.next_u64();
            for _ in 0..8 {
                out.push(ALPHABET[(v & 63) as usize] as char);
                v >>= 6;
            }
        }
        out
    }
}

/// The whole server state.
pub(crate) struct State {
    pub ids: IdGen,
    pub sites: Table<Site>,
    pub users: Table<User>,
    pub groups: Table<Group>,
    pub projects: Table<Project>,
    pub workbooks: Table<Workbook>,
    pub datasources: Table<Datasource>,
    pub views: Table<View>,
    pub schedules: Table<Schedule>,
    pub tasks: Table<Task>,
    pub jobs: Table<Job>,
    pub uploads: Table<UploadSession>,
    pub sessions: Table<Session>,
    /// PAT name -> (secret, user name).
    pub pats: HashMap<String, (String, String)>,
    /// Id of the default site (content URL "").
    pub default_site_id: String,
    /// Id of the server administrator on the default site.
    pub admin_id: String,
    /// `restApiVersion` reported by `serverinfo`.
    pub api_version: String,
    /// `productVersion` reported by `serverinfo`.
    pub product_version: String,
    /// `productVersion build` reported by `serverinfo`.
    pub build: String,
    /// How long jobs (refresh, publish `asJob`) run before they complete (zero: at once).
    pub job_duration: std::time::Duration,
}

/// The current time in Tableau's format (`2024-01-02T03:04:05Z`).
pub(crate) fn now() -> String {
    fmt_time(time::OffsetDateTime::now_utc())
}

pub(crate) fn fmt_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A fixed, deterministic timestamp `i` seconds after 2024-01-01T00:00:00Z (for seeded data).
pub(crate) fn seeded_time(i: u64) -> String {
    let base = time::macros::datetime!(2024-01-01 00:00:00 UTC);
    fmt_time(base + time::Duration::seconds(i as i64))
}

/// Turns a name into a Tableau-like content URL (letters, digits, `-` and `_`).
pub(crate) fn content_url_for(name: &str) -> String {
    let out: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if out.is_empty() {
        "content".to_string()
    } else {
        out
    }
}

/// A new site's settings.
pub(crate) fn new_site_item(id: &str, name: &str, content_url: &str) -> SiteType {
    SiteType {
        id: s(id),
        name: s(name),
        content_url: s(content_url),
        admin_mode: Some(tsc_raw::SiteAdminMode::ContentAndUsers),
        state: s("Active"),
        revision_history_enabled: Some(true),
        revision_limit: Some(25),
        disable_subscriptions: Some(false),
        ..Default::default()
    }
}

/// A user item.
pub(crate) fn new_user_item(id: &str, name: &str, role: &str) -> UserType {
    UserType {
        id: s(id),
        name: s(name),
        site_role: Some(en(role)),
        auth_setting: Some(tsc_raw::SiteUserAuthSettingType::ServerDefault),
        external_auth_user_id: s(""),
        domain: Some(DomainDirectiveType {
            name: s("local"),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl State {
    /// A fresh state with the default site, its `admin` user, the PAT, the default project, the
    /// `All Users` group and two schedules.
    pub fn new(seed: u64) -> Self {
        let mut ids = IdGen::new(seed);
        let default_site_id = ids.uuid();
        let admin_id = ids.uuid();
        let mut st = State {
            ids,
            sites: Table::default(),
            users: Table::default(),
            groups: Table::default(),
            projects: Table::default(),
            workbooks: Table::default(),
            datasources: Table::default(),
            views: Table::default(),
            schedules: Table::default(),
            tasks: Table::default(),
            jobs: Table::default(),
            uploads: Table::default(),
            sessions: Table::default(),
            pats: HashMap::new(),
            default_site_id: default_site_id.clone(),
            admin_id: admin_id.clone(),
            api_version: "3.28".into(),
            product_version: "2026.1.0".into(),
            build: "20261.26.0115.0930".into(),
            job_duration: std::time::Duration::ZERO,
        };
        st.sites.insert(Site {
            id: default_site_id.clone(),
            item: new_site_item(&default_site_id, "Default", ""),
        });
        let mut admin = new_user_item(&admin_id, "admin", "ServerAdministrator");
        admin.full_name = s("Administrator");
        st.users.insert(User {
            id: admin_id,
            site_id: default_site_id.clone(),
            item: admin,
            password: Some("admin".into()),
            created_at: seeded_time(0),
        });
        st.pats.insert(
            "admin-pat".into(),
            ("admin-pat-secret".into(), "admin".into()),
        );
        st.init_site_content(&default_site_id);
        for (name, ty, prio) in [
            ("Weekday early mornings", "Extract", 50),
            ("Saturday night", "Subscription", 80),
        ] {
            let id = st.ids.uuid();
            st.schedules.insert(Schedule {
                id: id.clone(),
                item: ScheduleType {
                    id: s(&id),
                    name: s(name),
                    state: s("Active"),
                    priority: Some(prio),
                    type_: Some(en(ty)),
                    frequency: Some(tsc_raw::ScheduleFrequency::Weekly),
                    execution_order: Some(tsc_raw::ScheduleExecutionOrder::Parallel),
                    created_at: dt(&seeded_time(0)),
                    updated_at: dt(&seeded_time(0)),
                    next_run_at: dt(&seeded_time(86_400)),
                    ..Default::default()
                },
            });
        }
        st
    }

    /// Creates what every new site has: the `default` project and the `All Users` group.
    pub fn init_site_content(&mut self, site_id: &str) {
        let project_id = self.ids.uuid();
        let group_id = self.ids.uuid();
        let members: BTreeSet<String> = self
            .users
            .iter()
            .filter(|u| u.site_id == site_id)
            .map(|u| u.id.clone())
            .collect();
        let owner = self.admin_owner(site_id);
        let t = seeded_time(0);
        self.projects.insert(Project {
            id: project_id.clone(),
            site_id: site_id.into(),
            item: ProjectType {
                id: s(&project_id),
                name: s("default"),
                description: s("The default project that was automatically created by Tableau."),
                content_permissions: Some(tsc_raw::ProjectContentPermissions::ManagedByOwner),
                created_at: dt(&t),
                updated_at: dt(&t),
                owner: user_ref(&owner),
                ..Default::default()
            },
        });
        self.groups.insert(Group {
            id: group_id.clone(),
            site_id: site_id.into(),
            item: GroupType {
                id: s(&group_id),
                name: s("All Users"),
                domain: Some(DomainDirectiveType {
                    name: s("local"),
                    ..Default::default()
                }),
                ..Default::default()
            },
            members,
        });
    }

    /// The id of the administrator user on a site (owner of things created without a caller).
    pub fn admin_owner(&self, site_id: &str) -> String {
        self.users
            .iter()
            .find(|u| u.site_id == site_id && u.name() == "admin")
            .map(|u| u.id.clone())
            .unwrap_or_else(|| self.admin_id.clone())
    }

    pub fn site_by_content_url(&self, content_url: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|x| x.content_url().eq_ignore_ascii_case(content_url))
    }

    pub fn default_project(&self, site_id: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.site_id == site_id && p.name() == "default" && p.parent_id().is_none())
    }

    pub fn all_users_group_id(&self, site_id: &str) -> Option<String> {
        self.groups
            .iter()
            .find(|g| g.site_id == site_id && g.item.name.as_deref() == Some("All Users"))
            .map(|g| g.id.clone())
    }

    /// Adds a user to a site and to its `All Users` group.
    pub fn add_user(&mut self, user: User) {
        if let Some(gid) = self.all_users_group_id(&user.site_id) {
            if let Some(g) = self.groups.get_mut(&gid) {
                g.members.insert(user.id.clone());
            }
        }
        self.users.insert(user);
    }

    /// Removes a workbook with its views and tasks.
    pub fn remove_workbook(&mut self, id: &str) -> Option<Workbook> {
        let wb = self.workbooks.remove(id)?;
        self.views.retain(|v| v.workbook_id != id);
        self.tasks.retain(|t| t.workbook_id.as_deref() != Some(id));
        Some(wb)
    }

    /// Removes a data source with its tasks.
    pub fn remove_datasource(&mut self, id: &str) -> Option<Datasource> {
        let ds = self.datasources.remove(id)?;
        self.tasks
            .retain(|t| t.datasource_id.as_deref() != Some(id));
        Some(ds)
    }

    /// Deterministically seeds `n` users (`user00001`...) on the default site.
    pub fn seed_users(&mut self, n: usize) {
        const ROLES: [&str; 5] = [
            "Viewer",
            "Explorer",
            "ExplorerCanPublish",
            "Creator",
            "SiteAdministratorExplorer",
        ];
        let site = self.default_site_id.clone();
        let width = n.to_string().len().max(5);
        let gid = self.all_users_group_id(&site);
        for i in 1..=n {
            let id = self.ids.uuid();
            let name = format!("user{i:0width$}");
            if let Some(g) = gid.as_ref().and_then(|g| self.groups.get_mut(g)) {
                g.members.insert(id.clone());
            }
            let mut item = new_user_item(&id, &name, ROLES[i % ROLES.len()]);
            item.full_name = s(format!("User {i}"));
            item.email = s(format!("{name}@example.com"));
            self.users.insert(User {
                id,
                site_id: site.clone(),
                item,
                password: None,
                created_at: seeded_time(i as u64),
            });
        }
    }

    /// Deterministically seeds `n` workbooks (`workbook00001`...) with one view each in the
    /// default project of the default site, each holding a tiny stored `.twbx`.
    pub fn seed_workbooks(&mut self, n: usize) {
        let site = self.default_site_id.clone();
        let Some(project) = self.default_project(&site).map(|p| p.id.clone()) else {
            return;
        };
        let owner = self.admin_id.clone();
        let width = n.to_string().len().max(5);
        for i in 1..=n {
            let id = self.ids.uuid();
            let name = format!("workbook{i:0width$}");
            let t = seeded_time(i as u64 * 60);
            let file = StoredFile {
                filename: format!("{name}.twbx"),
                chunks: vec![Bytes::from(crate::api::workbooks::tiny_twbx_bytes(&name))],
            };
            let view_id = self.ids.uuid();
            self.views.insert(View {
                id: view_id.clone(),
                site_id: site.clone(),
                workbook_id: id.clone(),
                item: ViewType {
                    id: s(&view_id),
                    name: s("Sheet 1"),
                    content_url: s(format!("{name}/sheets/Sheet1")),
                    view_url_name: s("Sheet1"),
                    sheet_type: s("worksheet"),
                    created_at: dt(&t),
                    updated_at: dt(&t),
                    ..Default::default()
                },
                owner_id: owner.clone(),
                project_id: project.clone(),
                total_views: i as u64 % 97,
            });
            let conn_id = self.ids.uuid();
            let tags = if i % 3 == 0 {
                vec!["seeded".to_string()]
            } else {
                Vec::new()
            };
            self.workbooks.insert(Workbook {
                id: id.clone(),
                site_id: site.clone(),
                item: WorkbookType {
                    id: s(&id),
                    name: s(&name),
                    content_url: s(&name),
                    description: s(""),
                    show_tabs: s(if i % 2 == 0 { "true" } else { "false" }),
                    created_at: dt(&t),
                    updated_at: dt(&t),
                    project: project_ref(&project),
                    owner: user_ref(&owner),
                    tags: tags_of(tags),
                    ..Default::default()
                },
                file,
                connections: vec![ConnectionType {
                    id: s(conn_id),
                    type_: s("sqlserver"),
                    server_address: s("db.example.com"),
                    server_port: Some(1433),
                    user_name: s("reader"),
                    embed_password: Some(false),
                    ..Default::default()
                }],
            });
        }
    }
}
