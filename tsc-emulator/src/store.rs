//! The in-memory state: every site, user, group, project, workbook, data source, view, schedule,
//! job, upload session and auth session.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use bytes::Bytes;

/// A table of rows kept in insertion order and indexed by id.
#[derive(Debug)]
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

/// A file stored in memory as the chunks it arrived in (never concatenated).
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredFile {
    pub filename: String,
    pub chunks: Vec<Bytes>,
}

impl StoredFile {
    pub fn len(&self) -> u64 {
        self.chunks.iter().map(|c| c.len() as u64).sum()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub id: String,
    pub name: String,
    pub content_url: String,
    pub admin_mode: String,
    pub state: String,
    pub user_quota: Option<i64>,
    pub storage_quota: Option<i64>,
    pub revision_history_enabled: bool,
    pub revision_limit: i64,
    pub disable_subscriptions: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub site_role: String,
    pub auth_setting: Option<String>,
    pub password: Option<String>,
    pub last_login: Option<String>,
    pub created_at: String,
    pub domain: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub domain: String,
    pub minimum_site_role: Option<String>,
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub description: String,
    pub content_permissions: String,
    pub parent_id: Option<String>,
    pub owner_id: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub id: String,
    pub type_: String,
    pub server_address: String,
    pub server_port: String,
    pub user_name: String,
    pub embed_password: bool,
    pub datasource_id: Option<String>,
    pub datasource_name: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Workbook {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub description: String,
    pub content_url: String,
    pub show_tabs: bool,
    pub project_id: String,
    pub owner_id: String,
    pub tags: BTreeSet<String>,
    pub created_at: String,
    pub updated_at: String,
    pub file: StoredFile,
    pub connections: Vec<Connection>,
}

#[derive(Debug, Clone)]
pub(crate) struct Datasource {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub description: String,
    pub content_url: String,
    pub type_: String,
    pub project_id: String,
    pub owner_id: String,
    pub tags: BTreeSet<String>,
    pub is_certified: bool,
    pub certification_note: Option<String>,
    pub has_extracts: bool,
    pub created_at: String,
    pub updated_at: String,
    pub file: StoredFile,
    pub connections: Vec<Connection>,
}

#[derive(Debug, Clone)]
pub(crate) struct View {
    pub id: String,
    pub site_id: String,
    pub workbook_id: String,
    pub name: String,
    pub content_url: String,
    pub sheet_type: String,
    pub owner_id: String,
    pub project_id: String,
    pub tags: BTreeSet<String>,
    pub created_at: String,
    pub updated_at: String,
    pub total_views: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub id: String,
    pub name: String,
    pub state: String,
    pub priority: i64,
    pub type_: String,
    pub frequency: String,
    pub execution_order: String,
    pub created_at: String,
    pub updated_at: String,
    pub next_run_at: String,
    /// The raw `frequencyDetails` element as sent at creation.
    pub frequency_details: Option<crate::xml::El>,
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub id: String,
    pub site_id: String,
    pub schedule_id: String,
    pub workbook_id: Option<String>,
    pub datasource_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: String,
    pub site_id: String,
    pub type_: String,
    pub mode: String,
    pub progress: i64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub finish_code: i64,
    pub workbook_id: Option<String>,
    pub datasource_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct UploadSession {
    pub id: String,
    pub site_id: String,
    pub chunks: Vec<Bytes>,
}

#[derive(Debug, Clone)]
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
    Workbook,
    Datasource,
    View,
    Schedule,
    Task,
    Job,
    UploadSession,
    Session
);

/// Deterministic id source: a seeded splitmix64 stream formatted as UUIDs.
#[derive(Debug)]
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
        let mut s = String::with_capacity(32);
        for _ in 0..4 {
            let mut v = self.next_u64();
            for _ in 0..8 {
                s.push(ALPHABET[(v & 63) as usize] as char);
                v >>= 6;
            }
        }
        s
    }
}

/// The whole server state.
#[derive(Debug)]
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
    /// PAT name -> (secret, user name on the default site).
    pub pats: HashMap<String, (String, String)>,
    /// Server administrator's user name.
    pub admin_name: String,
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

/// Turns a name into a Tableau-like content URL (letters and digits only).
pub(crate) fn content_url_for(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if s.is_empty() {
        "content".to_string()
    } else {
        s
    }
}

impl State {
    /// A fresh state with the default site, its `admin` user, the PAT and the default project.
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
            admin_name: "admin".into(),
            default_site_id: default_site_id.clone(),
            admin_id: admin_id.clone(),
            api_version: "3.28".into(),
            product_version: "2026.1.0".into(),
            build: "20261.26.0115.0930".into(),
        };
        st.sites.insert(Site {
            id: default_site_id.clone(),
            name: "Default".into(),
            content_url: String::new(),
            admin_mode: "ContentAndUsers".into(),
            state: "Active".into(),
            user_quota: None,
            storage_quota: None,
            revision_history_enabled: true,
            revision_limit: 25,
            disable_subscriptions: false,
        });
        st.users.insert(User {
            id: admin_id,
            site_id: default_site_id.clone(),
            name: "admin".into(),
            full_name: Some("Administrator".into()),
            email: None,
            site_role: "ServerAdministrator".into(),
            auth_setting: Some("ServerDefault".into()),
            password: Some("admin".into()),
            last_login: None,
            created_at: seeded_time(0),
            domain: "local".into(),
        });
        st.pats.insert(
            "admin-pat".into(),
            ("admin-pat-secret".into(), "admin".into()),
        );
        st.init_site_content(&default_site_id);
        let s1 = st.ids.uuid();
        let s2 = st.ids.uuid();
        for (id, name, freq, ty, prio) in [
            (s1, "Weekday early mornings", "Weekly", "Extract", 50),
            (s2, "Saturday night", "Weekly", "Subscription", 80),
        ] {
            st.schedules.insert(Schedule {
                id,
                name: name.into(),
                state: "Active".into(),
                priority: prio,
                type_: ty.into(),
                frequency: freq.into(),
                execution_order: "Parallel".into(),
                created_at: seeded_time(0),
                updated_at: seeded_time(0),
                next_run_at: seeded_time(86_400),
                frequency_details: None,
            });
        }
        st
    }

    /// Creates what every new site has: the `default` project and the `All Users` group.
    pub fn init_site_content(&mut self, site_id: &str) {
        let project_id = self.ids.uuid();
        let group_id = self.ids.uuid();
        let mut members = BTreeSet::new();
        for u in self.users.iter().filter(|u| u.site_id == site_id) {
            members.insert(u.id.clone());
        }
        let owner = self.admin_owner(site_id);
        self.projects.insert(Project {
            id: project_id,
            site_id: site_id.into(),
            name: "default".into(),
            description: "The default project that was automatically created by Tableau.".into(),
            content_permissions: "ManagedByOwner".into(),
            parent_id: None,
            owner_id: owner,
            created_at: seeded_time(0),
            updated_at: seeded_time(0),
        });
        self.groups.insert(Group {
            id: group_id,
            site_id: site_id.into(),
            name: "All Users".into(),
            domain: "local".into(),
            minimum_site_role: None,
            members,
        });
    }

    /// The id to use as owner of things created on a site without a signed-in user.
    pub fn admin_owner(&self, site_id: &str) -> String {
        self.users
            .iter()
            .find(|u| u.site_id == site_id && u.name == self.admin_name)
            .map(|u| u.id.clone())
            .unwrap_or_else(|| self.admin_id.clone())
    }

    pub fn site_by_content_url(&self, content_url: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.content_url.eq_ignore_ascii_case(content_url))
    }

    pub fn default_project(&self, site_id: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.site_id == site_id && p.name == "default" && p.parent_id.is_none())
    }

    pub fn all_users_group_id(&self, site_id: &str) -> Option<String> {
        self.groups
            .iter()
            .find(|g| g.site_id == site_id && g.name == "All Users")
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

    /// Removes a workbook and its views, tasks.
    pub fn remove_workbook(&mut self, id: &str) -> Option<Workbook> {
        let wb = self.workbooks.remove(id)?;
        self.views.retain(|v| v.workbook_id != id);
        self.tasks.retain(|t| t.workbook_id.as_deref() != Some(id));
        Some(wb)
    }

    /// Removes a data source and its tasks.
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
            self.users.insert(User {
                id,
                site_id: site.clone(),
                full_name: Some(format!("User {i}")),
                email: Some(format!("{name}@example.com")),
                name,
                site_role: ROLES[i % ROLES.len()].to_string(),
                auth_setting: Some("ServerDefault".into()),
                password: None,
                last_login: None,
                created_at: seeded_time(i as u64),
                domain: "local".into(),
            });
        }
    }

    /// Deterministically seeds `n` workbooks (`workbook00001`...) with one view each in the
    /// default project of the default site, each holding a tiny stored file.
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
                id: view_id,
                site_id: site.clone(),
                workbook_id: id.clone(),
                name: "Sheet 1".into(),
                content_url: format!("{name}/sheets/Sheet1"),
                sheet_type: "worksheet".into(),
                owner_id: owner.clone(),
                project_id: project.clone(),
                tags: BTreeSet::new(),
                created_at: t.clone(),
                updated_at: t.clone(),
                total_views: i as u64 % 97,
            });
            let conn_id = self.ids.uuid();
            self.workbooks.insert(Workbook {
                id,
                site_id: site.clone(),
                content_url: name.clone(),
                description: String::new(),
                name,
                show_tabs: i % 2 == 0,
                project_id: project.clone(),
                owner_id: owner.clone(),
                tags: if i % 3 == 0 {
                    BTreeSet::from(["seeded".to_string()])
                } else {
                    BTreeSet::new()
                },
                created_at: t.clone(),
                updated_at: t,
                file,
                connections: vec![Connection {
                    id: conn_id,
                    type_: "sqlserver".into(),
                    server_address: "db.example.com".into(),
                    server_port: "1433".into(),
                    user_name: "reader".into(),
                    embed_password: false,
                    datasource_id: None,
                    datasource_name: None,
                }],
            });
        }
    }
}
