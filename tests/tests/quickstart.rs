//! Runs the quick start (`tests/examples/quickstart.rs`) against the embedded emulator, so that
//! the first thing users run is known to work.

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_runs_against_the_emulator() {
    if std::env::var_os("TABLEAU_SERVER").is_some() {
        println!("TABLEAU_SERVER is set: skipping, so that tests never touch a real server");
        return;
    }
    let result = quickstart::run().await.map_err(|e| e.to_string());
    assert_eq!(result, Ok(()), "the quick start failed");
}
