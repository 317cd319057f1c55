//! `tsc-emulator`: serve the in-memory Tableau REST API emulator on 127.0.0.1.

use std::process::ExitCode;
use std::time::Duration;

use tsc_emulator::{Emulator, Faults};

const HELP: &str = "\
tsc-emulator: an in-memory Tableau Server REST API for tests

USAGE:
    tsc-emulator --port PORT [OPTIONS]

OPTIONS:
    --port PORT                 port on 127.0.0.1 (0 picks a free one; default 0)
    --seed-users N              add N users user00001... to the default site
    --seed-workbooks N          add N workbooks workbook00001... to the default project
    --seed N                    seed for ids and tokens (default 42)
    --latency-ms MS             delay every request by MS milliseconds
    --throttle-rate R           answer a share R (0..1) of requests with 429/503
    --throttle-status S         429 (default) or 503
    --retry-after SECS          Retry-After on throttled answers (default 1)
    --token-ttl-requests N      tokens expire (401002) after N requests
    --token-ttl-secs T          tokens expire (401002) T seconds after sign-in
    --drop-rate R               drop the connection mid-body on a share R of responses
    --malformed-rate R          answer a share R of XML responses with malformed XML
    --fault-path TEXT           only paths containing TEXT get throttled/dropped/malformed
    --api-version V             restApiVersion reported by serverinfo (default 3.28)
    --job-ms MS                 jobs (refresh, asJob publish) run MS milliseconds (default 0)
    -h, --help                  print this help

The first line printed is `listening on http://127.0.0.1:PORT`.
Accounts: admin/admin (server administrator), PAT admin-pat/admin-pat-secret.";

fn parse_args() -> Result<Option<(tsc_emulator::EmulatorBuilder, Faults)>, String> {
    let mut builder = Emulator::builder();
    let mut faults = Faults::default();
    let mut throttle_rate = 0.0;
    let mut throttle_status = 429;
    let mut retry_after = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        if name == "-h" || name == "--help" {
            return Ok(None);
        }
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        fn num<T: std::str::FromStr>(name: &str, v: String) -> Result<T, String> {
            v.parse()
                .map_err(|_| format!("{name}: '{v}' is not a valid number"))
        }
        match name.as_str() {
            "--port" => builder = builder.port(num(&name, value()?)?),
            "--seed-users" => builder = builder.seed_users(num(&name, value()?)?),
            "--seed-workbooks" => builder = builder.seed_workbooks(num(&name, value()?)?),
            "--seed" => builder = builder.seed(num(&name, value()?)?),
            "--latency-ms" => faults.latency = Duration::from_millis(num(&name, value()?)?),
            "--throttle-rate" => throttle_rate = num(&name, value()?)?,
            "--throttle-status" => throttle_status = num(&name, value()?)?,
            "--retry-after" => retry_after = num(&name, value()?)?,
            "--token-ttl-requests" => faults.token_ttl_requests = Some(num(&name, value()?)?),
            "--token-ttl-secs" => {
                faults.token_ttl = Some(Duration::from_secs(num(&name, value()?)?))
            }
            "--drop-rate" => faults = faults.drop_connection_rate(num(&name, value()?)?),
            "--malformed-rate" => faults = faults.malformed_xml_rate(num(&name, value()?)?),
            "--fault-path" => faults.path_filter = Some(value()?),
            "--api-version" => builder = builder.api_version(value()?),
            "--job-ms" => {
                builder = builder.job_duration(Duration::from_millis(num(&name, value()?)?))
            }
            other => return Err(format!("unknown option '{other}' (see --help)")),
        }
    }
    if throttle_status != 429 && throttle_status != 503 {
        return Err(format!(
            "--throttle-status must be 429 or 503, not {throttle_status}"
        ));
    }
    if throttle_rate > 0.0 {
        faults = faults.throttle(
            throttle_status,
            throttle_rate,
            Duration::from_secs(retry_after),
        );
    }
    Ok(Some((builder, faults)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (builder, faults) = match parse_args() {
        Ok(Some(x)) => x,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tsc-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.faults(faults).start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tsc-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", emulator.base_url());
    let c = emulator.counts();
    println!(
        "api version {}; {} users, {} workbooks; sign in as admin/admin or PAT admin-pat/admin-pat-secret",
        emulator.api_version(),
        c.users,
        c.workbooks
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    drop(emulator);
    ExitCode::SUCCESS
}
