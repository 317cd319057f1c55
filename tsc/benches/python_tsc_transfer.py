"""Python TSC 0.42 doing what `cargo run --release -p tsc --example bench_transfer` does, for comparison.

    python tsc/benches/python_tsc_transfer.py publish http://127.0.0.1:8719 /tmp/big.twbx
    python tsc/benches/python_tsc_transfer.py download http://127.0.0.1:8719 /tmp/dl/

Run each under `/usr/bin/time -v` for peak RSS. Same server (the bench_transfer sink or the emulator).
"""
import os
import sys
import time

import tableauserverclient as TSC


def signed_in(url):
    server = TSC.Server(url)
    server.version = "3.19"
    server.auth.sign_in(TSC.TableauAuth("admin", "admin", ""))
    return server


def report(what, nbytes, started):
    secs = time.monotonic() - started
    mib = nbytes / (1024 * 1024)
    print(f"{what}: {mib:.0f} MiB in {secs:.2f} s = {mib / max(secs, 1e-9):.1f} MiB/s")


def main():
    cmd, url, path = sys.argv[1], sys.argv[2], sys.argv[3]
    server = signed_in(url)
    if cmd == "publish":
        project_id = os.environ.get("BENCH_PROJECT_ID")
        if not project_id:
            try:
                projects, _ = server.projects.get()
                project_id = projects[0].id
            except Exception:  # the bench_transfer sink has no projects
                project_id = "bench-project"
        item = TSC.WorkbookItem(project_id=project_id)
        started = time.monotonic()
        wb = server.workbooks.publish(item, path, TSC.Server.PublishMode.Overwrite)
        report("publish", os.path.getsize(path), started)
        print("published id=", wb.id)
    elif cmd == "download":
        wb_id = sys.argv[4] if len(sys.argv) > 4 else "bench-wb"
        started = time.monotonic()
        out = server.workbooks.download(wb_id, filepath=path)
        report("download", os.path.getsize(out), started)
        print("saved", out)


if __name__ == "__main__":
    main()
