//! Publish/download throughput benchmark (a measurement tool, not a test).
//!
//! ```text
//! # 1. a local sink/source server (or use the emulator's address instead)
//! cargo run --release -p tsc --example bench_transfer -- serve 8719 1073741824 &
//! # 2. a 1 GiB file
//! head -c 1073741824 /dev/urandom > /tmp/big.twbx
//! # 3. measure, with peak RSS
//! /usr/bin/time -v target/release/examples/bench_transfer publish http://127.0.0.1:8719 /tmp/big.twbx
//! /usr/bin/time -v target/release/examples/bench_transfer download http://127.0.0.1:8719 /tmp/dl/
//! ```
//!
//! `download-discard URL [ID]` streams the content into `tokio::io::sink()` (network only).
//! `publish URL FILE [CHUNK_MIB] [THRESHOLD_MIB]` signs in as `admin`/`admin`, publishes FILE
//! as a workbook (`Overwrite`) and prints the throughput. `download URL DIR [ID]` downloads a
//! workbook's content into DIR. `serve PORT SIZE` answers just enough of the REST API for both
//! (sign-in, upload sessions, publish, content of SIZE bytes), discarding uploads while checking
//! their length.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => {
            let port: u16 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(8719);
            let size: u64 = args
                .get(2)
                .map(|s| s.parse())
                .transpose()?
                .unwrap_or(1 << 30);
            serve(port, size).await
        }
        Some("publish") => {
            let url = args.get(1).ok_or("publish URL FILE")?;
            let file = args.get(2).ok_or("publish URL FILE")?;
            let chunk_mib: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(50);
            let threshold_mib: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(64);
            publish(url, file, chunk_mib, threshold_mib).await
        }
        Some("download-discard") => {
            let url = args.get(1).ok_or("download-discard URL [ID]")?;
            let id = args.get(2).cloned().unwrap_or_else(|| "bench-wb".into());
            let server = signed_in(url).await?;
            let started = Instant::now();
            let info = server
                .workbooks()
                .download_to_writer(id, tokio::io::sink())
                .send()
                .await?;
            report("download to a writer (discarded)", info.bytes, started);
            Ok(())
        }
        Some("download") => {
            let url = args.get(1).ok_or("download URL DIR")?;
            let dir = args.get(2).ok_or("download URL DIR")?;
            let id = args.get(3).cloned().unwrap_or_else(|| "bench-wb".into());
            download(url, dir, &id).await
        }
        _ => {
            eprintln!(
                "usage: bench_transfer serve PORT SIZE | publish URL FILE [CHUNK_MIB] [THRESHOLD_MIB] | download URL DIR [ID]"
            );
            Ok(())
        }
    }
}

async fn signed_in(url: &str) -> Result<tsc::Server, BoxError> {
    let server = tsc::Server::builder(url).build()?;
    server
        .auth()
        .sign_in(tsc::TableauAuth::new("admin", "admin", ""))
        .await?;
    Ok(server)
}

fn report(what: &str, bytes: u64, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{what}: {mib:.0} MiB in {secs:.2} s = {:.1} MiB/s",
        mib / secs.max(1e-9)
    );
}

async fn publish(
    url: &str,
    file: &str,
    chunk_mib: usize,
    threshold_mib: u64,
) -> Result<(), BoxError> {
    let server = signed_in(url).await?;
    let size = std::fs::metadata(file)?.len();
    let project = match std::env::var("BENCH_PROJECT_ID") {
        Ok(p) => p,
        // The emulator: its first project. The built-in sink accepts anything.
        Err(_) => match server.projects().list().send().await {
            Ok(page) => page
                .items
                .into_iter()
                .find_map(|p| p.id)
                .unwrap_or_else(|| "bench-project".into()),
            Err(_) => "bench-project".into(),
        },
    };
    let last = Arc::new(AtomicU64::new(0));
    let last2 = last.clone();
    let started = Instant::now();
    let item = server
        .workbooks()
        .publish(
            tsc::WorkbookItem::new(project, ""),
            file,
            tsc::PublishMode::Overwrite,
        )
        .chunk_size(chunk_mib * 1024 * 1024)
        .chunk_threshold(threshold_mib * 1024 * 1024)
        .on_progress(move |sent, _| last2.store(sent, Ordering::Relaxed))
        .send()
        .await?;
    report("publish", size, started);
    println!(
        "published id={:?}, progress reported {} of {size} bytes",
        item.id,
        last.load(Ordering::Relaxed)
    );
    Ok(())
}

async fn download(url: &str, dir: &str, id: &str) -> Result<(), BoxError> {
    let server = signed_in(url).await?;
    let started = Instant::now();
    let path = server
        .workbooks()
        .download(id, tsc::DownloadTarget::Dir(dir.into()))
        .overwrite(true)
        .send()
        .await?;
    let size = std::fs::metadata(&path)?.len();
    report("download", size, started);
    println!("saved {}", path.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Minimal sink/source server: HTTP/1.1 keep-alive, Content-Length bodies only.

async fn serve(port: u16, size: u64) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "listening on http://127.0.0.1:{}",
        listener.local_addr()?.port()
    );
    let uploaded = Arc::new(AtomicU64::new(0));
    loop {
        let (sock, _) = listener.accept().await?;
        let uploaded = uploaded.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(sock, size, uploaded).await {
                eprintln!("connection error: {e}");
            }
        });
    }
}

const NS: &str = "xmlns=\"http://tableau.com/api\"";

async fn connection(
    sock: tokio::net::TcpStream,
    size: u64,
    uploaded: Arc<AtomicU64>,
) -> Result<(), BoxError> {
    sock.set_nodelay(true)?;
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::with_capacity(1 << 20, r);
    let pattern: Vec<u8> = (0..(1u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut len: u64 = 0;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse()?;
                }
            }
        }
        // Drain the body in 1 MiB reads.
        let mut left = len;
        let mut buf = vec![0u8; 1 << 20];
        while left > 0 {
            let n = r.read(&mut buf[..left.min(1 << 20) as usize]).await?;
            if n == 0 {
                return Err("body cut short".into());
            }
            left -= n as u64;
        }
        let path = target.split('?').next().unwrap_or("");
        let (status, body): (&str, String) = if path.ends_with("/auth/signin") {
            (
                "200 OK",
                format!(
                    "<tsResponse {NS}><credentials token=\"bench-token\"><site id=\"site-1\" contentUrl=\"\"/><user id=\"user-1\"/></credentials></tsResponse>"
                ),
            )
        } else if path.ends_with("/auth/signout") {
            ("204 No Content", String::new())
        } else if method == "POST" && path.ends_with("/fileUploads") {
            uploaded.store(0, Ordering::Relaxed);
            (
                "201 Created",
                format!(
                    "<tsResponse {NS}><fileUpload uploadSessionId=\"bench-session\" fileSize=\"0\"/></tsResponse>"
                ),
            )
        } else if method == "PUT" && path.contains("/fileUploads/") {
            let total = uploaded.fetch_add(len, Ordering::Relaxed) + len;
            (
                "200 OK",
                format!(
                    "<tsResponse {NS}><fileUpload uploadSessionId=\"bench-session\" fileSize=\"{}\"/></tsResponse>",
                    total >> 20
                ),
            )
        } else if method == "POST"
            && (path.ends_with("/workbooks") || path.ends_with("/datasources"))
        {
            let kind = if path.ends_with("/workbooks") {
                "workbook"
            } else {
                "datasource"
            };
            eprintln!(
                "publish {target}: request body {len} bytes, upload session total {} bytes",
                uploaded.load(Ordering::Relaxed)
            );
            (
                "201 Created",
                format!(
                    "<tsResponse {NS}><{kind} id=\"bench-wb\" name=\"bench\"><project id=\"bench-project\" name=\"Default\"/><owner id=\"user-1\"/></{kind}></tsResponse>"
                ),
            )
        } else if method == "GET" && path.ends_with("/content") {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Disposition: name=\"tableau_workbook\"; filename=\"bench.twbx\"\r\nContent-Length: {size}\r\n\r\n"
            );
            w.write_all(head.as_bytes()).await?;
            let mut left = size;
            while left > 0 {
                let n = left.min(pattern.len() as u64) as usize;
                w.write_all(&pattern[..n]).await?;
                left -= n as u64;
            }
            continue;
        } else {
            (
                "404 Not Found",
                format!(
                    "<tsResponse {NS}><error code=\"404000\"><summary>Not found</summary><detail>{path}</detail></error></tsResponse>"
                ),
            )
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/xml;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        w.write_all(head.as_bytes()).await?;
        w.write_all(body.as_bytes()).await?;
    }
}
