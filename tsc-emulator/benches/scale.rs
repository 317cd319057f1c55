//! How fast the emulator seeds and answers at scale: `cargo bench -p tsc-emulator`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::OnceLock;

use tsc_emulator::Emulator;

fn main() {
    divan::main();
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

/// An emulator with 100 000 users and 10 000 workbooks, signed in: (emulator, base, token, site).
fn big() -> &'static (Emulator, String, String, String) {
    static BIG: OnceLock<(Emulator, String, String, String)> = OnceLock::new();
    BIG.get_or_init(|| {
        runtime().block_on(async {
            let emu = Emulator::builder().seed_users(100_000).seed_workbooks(10_000).start().await.unwrap();
            let base = format!("{}/api/{}", emu.base_url(), emu.api_version());
            let body = r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#;
            let text = reqwest::Client::new()
                .post(format!("{base}/auth/signin"))
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let creds = tsc_raw::TsResponse::from_xml(&text).unwrap().credentials.unwrap();
            let token = creds.token.unwrap();
            let site = creds.site.unwrap().id.unwrap();
            (emu, base, token, site)
        })
    })
}

#[divan::bench(sample_count = 5)]
fn start_with_100k_users() {
    runtime().block_on(async {
        let emu = Emulator::builder()
            .seed_users(100_000)
            .start()
            .await
            .unwrap();
        divan::black_box(emu.counts());
    });
}

fn get(path: &str) -> usize {
    let (_, base, token, site) = big();
    runtime().block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/sites/{site}/{path}"))
            .header("X-Tableau-Auth", token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len()
    })
}

#[divan::bench(sample_count = 20)]
fn page_of_1000_users_out_of_100k() -> usize {
    get("users?pageSize=1000&pageNumber=50")
}

#[divan::bench(sample_count = 20)]
fn filter_one_user_out_of_100k() -> usize {
    get("users?filter=name:eq:user054321")
}

#[divan::bench(sample_count = 20)]
fn sorted_filtered_users_out_of_100k() -> usize {
    get("users?filter=siteRole:eq:Creator&sort=name:desc&pageSize=1000")
}

#[divan::bench(sample_count = 20)]
fn page_of_1000_workbooks_out_of_10k() -> usize {
    get("workbooks?pageSize=1000&sort=name:desc")
}
