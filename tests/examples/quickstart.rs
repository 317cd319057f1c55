//! The `tsc` quick start: `cargo run --example quickstart`.
//!
//! With no environment variables it starts the embedded Tableau REST emulator (`tsc-emulator`)
//! and runs against it, so it needs no Tableau Server. With these four set it runs against a real
//! server instead:
//!
//! ```text
//! TABLEAU_SERVER=https://tableau.example.com   # or a Tableau Cloud pod URL
//! TABLEAU_SITE=marketing                       # content URL of the site ("" = default site)
//! TABLEAU_PAT_NAME=my-token
//! TABLEAU_PAT_SECRET=...
//! ```
//!
//! On a real server it creates things only inside a project of its own, which it deletes at the
//! end, also when a step fails. Users and groups are site-wide, so there it only lists them.

use std::error::Error;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::TryStreamExt;
use tsc::{
    DownloadTarget, Field, Filter, GroupItem, PersonalAccessTokenAuth, ProjectItem, PublishMode,
    Server, SiteRole, Sort, UserItem, WorkbookItem,
};
use tsc_e2e::twbx::write_twbx;
use tsc_emulator::Emulator;

type AnyResult<T = ()> = Result<T, Box<dyn Error>>;

/// Where the quick start runs: a real server from the environment, or the embedded emulator.
struct Target {
    address: String,
    credentials: PersonalAccessTokenAuth,
    /// Keeps the emulator running until the quick start ends (`None` for a real server).
    emulator: Option<Emulator>,
}

/// What the walkthrough created, so that it can be removed even after a failure.
#[derive(Default)]
struct Created {
    project_id: Option<String>,
    group_id: Option<String>,
    user_ids: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nquick start failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole quick start (`main` without the exit code); `tests/tests/quickstart.rs` runs it too.
pub async fn run() -> AnyResult {
    let target = target_from_env().await?;
    let on_emulator = target.emulator.is_some();

    step("Sign in");
    let server = Server::new(&target.address)?;
    // Use the newest REST API version both the server and tsc speak (TSC: use_server_version()).
    let version = server.use_server_version().await?;
    let info = server.server_info().get().await?;
    println!(
        "  {} runs Tableau {} (build {}); using REST API {version}",
        server.base_url(),
        info.product_version,
        info.build_number
    );
    let session = server.auth().sign_in(target.credentials.clone()).await?;
    println!(
        "  signed in with token {:?}: site id {}, user id {}",
        target.credentials.token_name, session.site_id, session.user_id
    );

    let workdir = tempfile::tempdir()?;
    let mut created = Created::default();
    let outcome = walkthrough(&server, on_emulator, workdir.path(), &mut created).await;

    // Clean up whether the walkthrough succeeded or not.
    step("Clean up");
    clean_up(&server, &created).await;

    step("Sign out");
    let signed_out = server.auth().sign_out().await;
    println!("  signed out; signed in now: {}", server.is_signed_in());

    // A failed step is the error worth reporting; a failed sign-out comes second.
    outcome?;
    signed_out?;
    println!("\nAll done. Read tests/examples/quickstart.rs to see how each step is written.");
    Ok(())
}

async fn walkthrough(
    server: &Server,
    on_emulator: bool,
    workdir: &Path,
    created: &mut Created,
) -> AnyResult {
    step("Create a project");
    let project_name = format!("tsc quick start {}", unix_time());
    let project = server
        .projects()
        .create(
            &ProjectItem::new(&project_name)
                .with_description("Made by cargo run --example quickstart"),
        )
        .await?;
    let project_id = project.id.clone().ok_or("the new project has no id")?;
    created.project_id = Some(project_id.clone());
    println!("  created project {project_name:?} ({project_id})");

    if on_emulator {
        step("Add users and a group");
        for (name, role) in [
            ("ana", SiteRole::Creator),
            ("ben", SiteRole::Explorer),
            ("chloe", SiteRole::Viewer),
        ] {
            let user = server.users().add(&UserItem::new(name, role)).await?;
            println!("  added user {} as {}", user.name, role_name(&user));
            created.user_ids.extend(user.id);
        }
        let mut group = server
            .groups()
            .create(&GroupItem::new("Quick start analysts"))
            .await?;
        created.group_id = group.id.clone();
        for user_id in created.user_ids.iter().take(2) {
            server.groups().add_user(&group, user_id.as_str()).await?;
        }
        server.groups().populate_users(&mut group).await?;
        let members: Vec<_> = group
            .users
            .iter()
            .flatten()
            .map(|u| u.name.as_str())
            .collect();
        println!("  created group {:?} with members {members:?}", group.name);
    } else {
        step("Users and groups (read only on a real server)");
        let users = server.users().list().page_size(5).send().await?;
        println!(
            "  the site has {} users; first ones:",
            users.pagination.total_available
        );
        for user in &users.items {
            println!("    {} ({})", user.name, role_name(user));
        }
        let groups = server.groups().list().page_size(5).send().await?;
        println!("  and {} groups", groups.pagination.total_available);
    }

    step("Publish a small workbook");
    let small = workdir.join("Regional Sales.twbx");
    let size = write_twbx(&small, &["Overview", "By Region", "By Product"], 0)?;
    println!("  wrote {} ({size} bytes)", small.display());
    let item = WorkbookItem::new(&project_id, "Regional Sales");
    let mut workbook = server
        .workbooks()
        .publish(item, &small, PublishMode::CreateNew)
        .description("Three empty sheets")
        .send()
        .await?;
    let workbook_id = workbook
        .id
        .clone()
        .ok_or("the published workbook has no id")?;
    server.workbooks().populate_views(&mut workbook).await?;
    let views: Vec<_> = workbook
        .views
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    println!(
        "  published {:?} ({workbook_id}) with views {views:?}",
        workbook.name
    );
    // A few more copies, so that the listing below spans several pages.
    for quarter in ["Q1", "Q2", "Q3", "Q4"] {
        let copy = WorkbookItem::new(&project_id, format!("Sales {quarter}"));
        let published = server
            .workbooks()
            .publish(copy, &small, PublishMode::CreateNew)
            .send()
            .await?;
        println!("  published {:?}", published.name);
    }

    step("Publish a larger workbook in chunks, with a progress bar");
    let large = workdir.join("Sales History.twbx");
    let size = write_twbx(&large, &["History"], 3 * 1024 * 1024)?;
    println!("  wrote {} ({})", large.display(), mib(size));
    // Files of 64 MiB and more go through an upload session by default; lower the threshold so
    // this 3 MiB file takes that path too, in 1 MiB chunks.
    let big = server
        .workbooks()
        .publish(
            WorkbookItem::new(&project_id, "Sales History"),
            &large,
            PublishMode::CreateNew,
        )
        .chunk_threshold(1024 * 1024)
        .chunk_size(1024 * 1024)
        .on_progress(draw_progress_bar)
        .send()
        .await?;
    let big_id = big.id.clone().ok_or("the published workbook has no id")?;
    println!("  published {:?} ({big_id})", big.name);

    step("List the project's workbooks, sorted by name, 2 per page");
    let first_page = server
        .workbooks()
        .list()
        .filter(Filter::eq(Field::ProjectName, project_name.as_str()))
        .sort(Sort::asc(Field::Name))
        .page_size(2)
        .send()
        .await?;
    let total = first_page.pagination.total_available;
    println!(
        "  {total} workbooks match, {} pages of 2",
        total.div_ceil(2)
    );
    // into_stream() walks every page (TSC: Pager), fetching the next page as it goes.
    let mut all = server
        .workbooks()
        .list()
        .filter(Filter::eq(Field::ProjectName, project_name.as_str()))
        .sort(Sort::asc(Field::Name))
        .page_size(2)
        .into_stream();
    let mut n = 0;
    while let Some(wb) = all.try_next().await? {
        n += 1;
        println!("  {n}. {}", wb.name);
    }

    step("Download a workbook back");
    // Into a folder, under the file name the server sends (DownloadTarget::File for an exact path).
    let downloads = DownloadTarget::Dir(workdir.join("downloads"));
    let path = server
        .workbooks()
        .download(&workbook_id, downloads)
        .send()
        .await?;
    let same = std::fs::read(&path)? == std::fs::read(&small)?;
    println!(
        "  saved {} ({} bytes), identical to what was published: {same}",
        path.display(),
        std::fs::metadata(&path)?.len()
    );

    step("Update");
    let mut renamed = server.workbooks().get_by_id(&workbook_id).await?;
    renamed.name = "Regional Sales (reviewed)".into();
    renamed.description = Some("Reviewed by the quick start".into());
    let renamed = server.workbooks().update(&renamed).await?;
    println!(
        "  workbook is now {:?}: {:?}",
        renamed.name, renamed.description
    );
    let mut project = project;
    project.description = Some("Updated by the quick start".into());
    let project = server.projects().update(&project).await?;
    println!("  project description is now {:?}", project.description);
    if let Some(user_id) = created.user_ids.last() {
        let mut user = server.users().get_by_id(user_id.as_str()).await?;
        user.site_role = Some(SiteRole::Explorer);
        let user = server.users().update(&user).await?;
        println!("  {} is now {}", user.name, role_name(&user));
    }

    step("Delete");
    server.workbooks().delete(&big_id).await?;
    match server.workbooks().get_by_id(&big_id).await {
        Err(e) if e.is_not_found() => {
            println!("  deleted {:?}; getting it now answers 404", big.name)
        }
        other => return Err(format!("the deleted workbook is still there: {other:?}").into()),
    }
    Ok(())
}

/// Deletes what the walkthrough created (deleting the project deletes its workbooks). Reports
/// failures but carries on, so that as much as possible is removed.
async fn clean_up(server: &Server, created: &Created) {
    if let Some(id) = &created.group_id {
        report("group", server.groups().delete(id.as_str()).await);
    }
    for id in &created.user_ids {
        report("user", server.users().remove(id.as_str()).await);
    }
    if let Some(id) = &created.project_id {
        report(
            "project and its workbooks",
            server.projects().delete(id.as_str()).await,
        );
    }
}

fn report(what: &str, result: tsc::Result<()>) {
    match result {
        Ok(()) => println!("  deleted {what}"),
        Err(e) => eprintln!("  could not delete {what}: {e}"),
    }
}

/// The server from `TABLEAU_SERVER`, `TABLEAU_SITE`, `TABLEAU_PAT_NAME`, `TABLEAU_PAT_SECRET`,
/// or a freshly started emulator when `TABLEAU_SERVER` is not set.
async fn target_from_env() -> AnyResult<Target> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(address) = var("TABLEAU_SERVER") else {
        let emulator = Emulator::start().await?;
        println!(
            "No TABLEAU_SERVER set: started the embedded emulator at {}",
            emulator.base_url()
        );
        println!(
            "(set TABLEAU_SERVER, TABLEAU_SITE, TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET to use a real server)"
        );
        return Ok(Target {
            address: emulator.base_url(),
            // The emulator's built-in personal access token, on the default site ("").
            credentials: PersonalAccessTokenAuth::new("admin-pat", "admin-pat-secret", ""),
            emulator: Some(emulator),
        });
    };
    let (Some(name), Some(secret)) = (var("TABLEAU_PAT_NAME"), var("TABLEAU_PAT_SECRET")) else {
        return Err(
            "TABLEAU_SERVER is set: also set TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET \
                    (and TABLEAU_SITE for a site other than the default one)"
                .into(),
        );
    };
    let site = std::env::var("TABLEAU_SITE").unwrap_or_default();
    println!("Using {address}, site {site:?}");
    Ok(Target {
        address,
        credentials: PersonalAccessTokenAuth::new(name, secret, site),
        emulator: None,
    })
}

/// Draws `[#####-----]  50%  1.5/3.0 MiB` on one terminal line (publish progress callback).
fn draw_progress_bar(sent: u64, total: u64) {
    const WIDTH: u64 = 30;
    let filled = (sent * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let percent = (sent * 100).checked_div(total).unwrap_or(100);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '-' })
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = write!(
        out,
        "\r  [{bar}] {percent:3}%  {} of {}",
        mib(sent),
        mib(total)
    );
    if sent >= total {
        let _ = writeln!(out);
    }
    let _ = out.flush();
}

fn role_name(user: &UserItem) -> String {
    user.site_role
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
