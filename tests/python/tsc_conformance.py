#!/usr/bin/env python3
"""Conformance run: the Python Tableau Server Client (tableauserverclient 0.42) against tsc-emulator.

Usage: tsc_conformance.py BASE_URL [ASSETS_DIR]

BASE_URL is the emulator's address (``http://127.0.0.1:PORT``); it must have been started with
``--seed-users 1200 --seed-workbooks 250`` (``run.sh`` does this). ASSETS_DIR holds the sample files
(default ``<repo>/../shared/fixtures/tsc-assets/files``); when it is missing, small files are generated.

Every check prints one line; the last line is ``N passed, M failed``; the exit status is 1 when any
check failed.
"""

import base64
import json
import os
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

# Small chunks so that the chunked publish path runs with files of a few MB.
os.environ.setdefault("TSC_CHUNK_SIZE_MB", "1")
os.environ.setdefault("TSC_FILESIZE_LIMIT_MB", "1")

import warnings  # noqa: E402

import tableauserverclient as TSC  # noqa: E402
import tableauserverclient.server.endpoint.workbooks_endpoint as workbooks_endpoint  # noqa: E402
from tableauserverclient.server.endpoint.exceptions import (  # noqa: E402
    FailedSignInError,
    ServerResponseError,
)

warnings.filterwarnings("ignore", category=UserWarning, module="tableauserverclient")

SEED_USERS = 1200
SEED_WORKBOOKS = 250

passed = 0
failed = 0
failures = []


def check(name):
    """Runs the decorated function at once as one named check."""

    def run(fn):
        global passed, failed
        start = time.monotonic()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
            failed += 1
            failures.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=4)
        else:
            passed += 1
            print(f"ok   {name} ({(time.monotonic() - start) * 1000:.0f} ms)")
        return fn

    return run


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_error(code, fn, *args, **kwargs):
    """Calls fn and expects a Tableau error whose code starts with `code` (a full code, or just
    the HTTP status where Tableau does not publish the code)."""
    try:
        fn(*args, **kwargs)
    except (ServerResponseError, FailedSignInError) as e:
        expect(str(e.code).startswith(code), f"expected error {code}, got {e.code} ({e.summary}: {e.detail})")
        return e
    raise AssertionError(f"expected error {code}, the call succeeded")


def make_zip(path, inner_name, inner_text, padding_bytes=0):
    """A .twbx-like zip: one .twb plus (optionally) incompressible padding, stored uncompressed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(inner_name, inner_text)
        if padding_bytes:
            z.writestr("Data/padding.bin", os.urandom(padding_bytes))
    return path


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    base_url = sys.argv[1].rstrip("/")
    repo = Path(__file__).resolve().parents[2]
    assets = Path(sys.argv[2]) if len(sys.argv) > 2 else repo.parent / "shared" / "fixtures" / "tsc-assets" / "files"
    tmp = Path(tempfile.mkdtemp(prefix="tsc-conformance-"))

    twb_text = (
        "<?xml version='1.0' encoding='utf-8' ?><workbook version='18.1'><worksheets>"
        "<worksheet name='Overview'/><worksheet name='Détails'/></worksheets></workbook>"
    )
    small_twbx = assets / "SampleWB.twbx"
    if not small_twbx.exists():
        small_twbx = make_zip(tmp / "SampleWB.twbx", "SampleWB.twb", twb_text)
    big_twbx = make_zip(tmp / "BigWorkbook.twbx", "BigWorkbook.twb", twb_text, padding_bytes=3 * 1024 * 1024 + 12345)
    tdsx = assets / "World Indicators.tdsx"
    if not tdsx.exists():
        tdsx = make_zip(tmp / "World Indicators.tdsx", "World Indicators.tds", "<datasource/>")
    big_hyper = tmp / "Big Extract.hyper"
    big_hyper.write_bytes(os.urandom(2 * 1024 * 1024 + 777))

    server = TSC.Server(base_url)
    state = {}

    # ---------------------------------------------------------------- server info and sign-in
    @check("server_info and use_server_version")
    def _():
        info = server.server_info.get()
        expect(info.rest_api_version, "restApiVersion is set")
        expect(info.product_version, "productVersion is set")
        server.use_server_version()
        expect(server.version == info.rest_api_version, f"version {server.version} != {info.rest_api_version}")

    @check("sign-in with a bad password gives 401001")
    def _():
        expect_error("401001", server.auth.sign_in, TSC.TableauAuth("admin", "wrong", site_id=""))

    @check("sign-in with a bad PAT gives 401001")
    def _():
        expect_error("401001", server.auth.sign_in, TSC.PersonalAccessTokenAuth("admin-pat", "nope", site_id=""))

    @check("sign-in with a personal access token, then sign-out")
    def _():
        server.auth.sign_in(TSC.PersonalAccessTokenAuth("admin-pat", "admin-pat-secret", site_id=""))
        expect(server.is_signed_in(), "signed in")
        expect(server.site_id and server.user_id, "site and user ids are set")
        server.auth.sign_out()
        expect(not server.is_signed_in(), "signed out")

    @check("sign-in with a JWT (unsigned: the emulator trusts any issuer), then sign-out")
    def _():
        def b64(data):
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

        jwt = f'{b64({"alg": "none"})}.{b64({"sub": "admin", "aud": "tableau"})}.'
        server.auth.sign_in(TSC.JWTAuth(jwt, site_id=""))
        expect(server.is_signed_in(), "signed in")
        server.auth.sign_out()

    @check("sign-in with a password")
    def _():
        server.auth.sign_in(TSC.TableauAuth("admin", "admin", site_id=""))
        expect(server.is_signed_in(), "signed in")
        state["site_id"] = server.site_id
        state["admin_id"] = server.user_id

    # ---------------------------------------------------------------- sites
    @check("sites: list, create, get, update, switch, delete")
    def _():
        sites, pagination = server.sites.get()
        expect(any(s.content_url == "" for s in sites), "the default site is listed")
        created = server.sites.create(TSC.SiteItem(name="Conformance", content_url="conformance"))
        expect(created.id and created.content_url == "conformance", "site created")
        expect_error("409002", server.sites.create, TSC.SiteItem(name="Again", content_url="conformance"))
        current = server.sites.get_by_id(server.site_id)
        expect(current.content_url == "", "get_by_id gives the current site")
        created.name = "Conformance renamed"
        server.auth.switch_site(created)
        try:
            expect(server.site_id == created.id, "switched to the new site")
            updated = server.sites.update(created)
            expect(updated.name == "Conformance renamed", "site renamed")
            projects, _ = server.projects.get()
            expect([p.name for p in projects] == ["default"], "a new site has the default project")
            server.sites.delete(created.id)  # the Python TSC deletes only the current site
        finally:
            server.auth.sign_in(TSC.TableauAuth("admin", "admin", site_id=""))
        expect(server.site_id == state["site_id"], "back on the default site")
        state["admin_id"] = server.user_id
        expect(all(s.id != created.id for s in TSC.Pager(server.sites)), "site deleted")

    # ---------------------------------------------------------------- projects
    @check("projects: create parent and child, filter, update, conflict, delete")
    def _():
        parent = server.projects.create(TSC.ProjectItem(name="Conformance", description="parent"))
        child = server.projects.create(TSC.ProjectItem(name="Child", parent_id=parent.id))
        expect(child.parent_id == parent.id, "child has its parent")
        expect_error("409006", server.projects.create, TSC.ProjectItem(name="Child", parent_id=parent.id))
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter(TSC.RequestOptions.Field.Name, TSC.RequestOptions.Operator.Equals, "Child"))
        found, pagination = server.projects.get(opts)
        expect([p.id for p in found] == [child.id], "filter by name")
        expect(pagination.total_available == 1, "totalAvailable of a filtered list")
        child.description = "updated"
        child = server.projects.update(child)
        expect(child.description == "updated", "description updated")
        again = server.projects.get_by_id(child.id)
        expect(again.name == "Child", "get_by_id")
        state["project"] = parent
        state["child_project"] = child

    # ---------------------------------------------------------------- users
    @check("users: add, conflict, get, update, filter and sort, remove")
    def _():
        user = server.users.add(TSC.UserItem("conformance.user", TSC.UserItem.Roles.Viewer))
        expect(user.id and user.site_role == "Viewer", "user added")
        expect_error("409000", server.users.add, TSC.UserItem("conformance.user", TSC.UserItem.Roles.Viewer))
        fetched = server.users.get_by_id(user.id)
        expect(fetched.name == "conformance.user", "get_by_id")
        fetched.fullname = "Conformance User"
        fetched.email = "conformance@example.com"
        fetched.site_role = TSC.UserItem.Roles.Creator
        updated = server.users.update(fetched)
        expect(updated.site_role == "Creator" and updated.email == "conformance@example.com", "user updated")
        opts = TSC.RequestOptions(pagesize=5)
        opts.filter.add(TSC.Filter("siteRole", TSC.RequestOptions.Operator.Equals, "Creator"))
        opts.sort.add(TSC.Sort(TSC.RequestOptions.Field.Name, TSC.RequestOptions.Direction.Desc))
        users, pagination = server.users.get(opts)
        expect(len(users) == 5, f"a page of 5, got {len(users)}")
        names = [u.name for u in users]
        expect(names == sorted(names, reverse=True), f"sorted descending: {names}")
        expect(all(u.site_role == "Creator" for u in users), "filtered by site role")
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter("name", TSC.RequestOptions.Operator.In, ["user00001", "user00002", "nobody"]))
        users, _ = server.users.get(opts)
        expect(sorted(u.name for u in users) == ["user00001", "user00002"], "filter with in")
        server.users.populate_groups(updated)
        expect([g.name for g in updated.groups] == ["All Users"], "a new user is in All Users")
        state["user"] = updated
        expect_error("404002", server.users.get_by_id, "00000000-0000-4000-8000-000000000000")

    @check("users: Pager over more than 1000 seeded users")
    def _():
        names = [u.name for u in TSC.Pager(server.users, TSC.RequestOptions(pagesize=1000))]
        expect(len(names) >= SEED_USERS + 1, f"got {len(names)} users")
        expect(len(set(names)) == len(names), "no user twice")

    # ---------------------------------------------------------------- groups
    @check("groups: create, add and remove members, populate, update, delete")
    def _():
        group = server.groups.create(TSC.GroupItem("Conformance group"))
        expect(group.id, "group created")
        expect_error("409009", server.groups.create, TSC.GroupItem("Conformance group"))
        user = state["user"]
        server.groups.add_user(group, user.id)
        expect_error("409011", server.groups.add_user, group, user.id)
        server.groups.populate_users(group)
        expect([u.id for u in group.users] == [user.id], "member listed")
        group.name = "Conformance group renamed"
        group = server.groups.update(group)
        expect(group.name == "Conformance group renamed", "group renamed")
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter("name", TSC.RequestOptions.Operator.Equals, "Conformance*"))
        found, _ = server.groups.get(opts)
        expect([g.id for g in found] == [group.id], "wildcard filter on name")
        server.groups.remove_user(group, user.id)
        server.groups.populate_users(group)
        expect(list(group.users) == [], "member removed")
        server.groups.delete(group.id)
        groups = [g.name for g in TSC.Pager(server.groups)]
        expect("Conformance group renamed" not in groups, "group deleted")

    @check("groups: Active Directory import, at once and as a job")
    def _():
        item = TSC.GroupItem("AD conformance", domain_name="example.com")
        item.minimum_site_role = TSC.UserItem.Roles.Viewer
        group = server.groups.create_AD_group(item)
        expect(group.id and group.domain_name == "example.com", "AD group created at once")
        item = TSC.GroupItem("AD conformance job", domain_name="example.com")
        item.minimum_site_role = TSC.UserItem.Roles.Viewer
        job = server.groups.create_AD_group(item, asJob=True)
        expect(isinstance(job, TSC.JobItem) and job.type == "GroupImport", f"a GroupImport job: {job}")
        done = server.jobs.wait_for_job(job.id, timeout=30)
        expect(done.finish_code == 0, f"the import job succeeded: {done.finish_code}")

    # ---------------------------------------------------------------- workbooks
    @check("workbooks: publish a small .twbx")
    def _():
        item = TSC.WorkbookItem(project_id=state["project"].id, name="Sample", show_tabs=True)
        wb = server.workbooks.publish(item, small_twbx, TSC.Server.PublishMode.CreateNew)
        expect(wb.id and wb.name == "Sample", "published")
        expect(wb.project_id == state["project"].id, "in the project")
        state["wb"] = wb

    @check("workbooks: publish again without overwrite gives 403007, with overwrite works")
    def _():
        item = TSC.WorkbookItem(project_id=state["project"].id, name="Sample")
        expect_error("403007", server.workbooks.publish, item, small_twbx, TSC.Server.PublishMode.CreateNew)
        wb = server.workbooks.publish(item, small_twbx, TSC.Server.PublishMode.Overwrite)
        expect(wb.id == state["wb"].id, "overwrite keeps the id")

    @check("workbooks: chunked publish through an upload session")
    def _():
        saved = workbooks_endpoint.FILESIZE_LIMIT
        workbooks_endpoint.FILESIZE_LIMIT = 1024 * 1024  # force the chunked path for a 3 MB file
        try:
            item = TSC.WorkbookItem(project_id=state["child_project"].id, name="Big workbook")
            wb = server.workbooks.publish(item, big_twbx, TSC.Server.PublishMode.CreateNew)
        finally:
            workbooks_endpoint.FILESIZE_LIMIT = saved
        expect(wb.id, "published")
        state["big_wb"] = wb
        got = server.workbooks.download(wb.id, filepath=str(tmp / "big-download.twbx"))
        expect(Path(got).read_bytes() == big_twbx.read_bytes(), "downloaded bytes equal the published file")

    @check("workbooks: get, populate views, connections and preview image")
    def _():
        wb = server.workbooks.get_by_id(state["big_wb"].id)
        expect(wb.name == "Big workbook" and wb.project_name == "Child", "get_by_id")
        server.workbooks.populate_views(wb)
        expect(sorted(v.name for v in wb.views) == ["Détails", "Overview"], f"views: {[v.name for v in wb.views]}")
        server.workbooks.populate_views(wb, usage=True)
        expect(all(v.total_views is not None for v in wb.views), "views carry usage statistics when asked")
        server.workbooks.populate_connections(wb)
        expect(len(wb.connections) >= 1, "connections")
        server.workbooks.populate_preview_image(wb)
        expect(wb.preview_image[:8] == b"\x89PNG\r\n\x1a\n", "preview image is a PNG")
        state["view"] = wb.views[0]

    @check("workbooks: download the small workbook")
    def _():
        path = server.workbooks.download(state["wb"].id, filepath=str(tmp))
        expect(Path(path).name == "Sample.twbx", f"file name from Content-Disposition: {path}")
        expect(Path(path).read_bytes() == Path(small_twbx).read_bytes(), "same bytes")

    @check("workbooks: update name, show_tabs and tags")
    def _():
        wb = server.workbooks.get_by_id(state["wb"].id)
        wb.name = "Sample renamed"
        wb.show_tabs = False
        wb.tags = {"alpha", "beta"}
        wb = server.workbooks.update(wb)
        again = server.workbooks.get_by_id(wb.id)
        expect(again.name == "Sample renamed", "renamed")
        expect(again.show_tabs is False, "show_tabs")
        expect(again.tags == {"alpha", "beta"}, f"tags: {again.tags}")
        again.tags = {"alpha"}
        server.workbooks.update(again)
        expect(server.workbooks.get_by_id(wb.id).tags == {"alpha"}, "tag removed")

    @check("workbooks: list with filter and sort, Pager over seeded workbooks")
    def _():
        opts = TSC.RequestOptions(pagesize=7)
        opts.filter.add(TSC.Filter("name", TSC.RequestOptions.Operator.Equals, "workbook0010*"))
        opts.sort.add(TSC.Sort("name", TSC.RequestOptions.Direction.Desc))
        page, pagination = server.workbooks.get(opts)
        expect(pagination.total_available == 10, f"workbook00100-00109: {pagination.total_available}")
        names = [w.name for w in page]
        expect(names == [f"workbook{i:05d}" for i in range(109, 102, -1)], f"sorted: {names}")
        every = list(TSC.Pager(server.workbooks, TSC.RequestOptions(pagesize=100)))
        expect(len(every) == SEED_WORKBOOKS + 2, f"Pager got {len(every)}")
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter("projectName", TSC.RequestOptions.Operator.Equals, "Conformance"))
        page, _ = server.workbooks.get(opts)
        expect([w.name for w in page] == ["Sample renamed"], "filter by project name")
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter("tags", TSC.RequestOptions.Operator.In, ["alpha"]))
        page, _ = server.workbooks.get(opts)
        expect([w.name for w in page] == ["Sample renamed"], "filter by tag")

    @check("workbooks: page size over 1000 gives 403014, unknown filter field 400065")
    def _():
        expect_error("403014", server.workbooks.get, TSC.RequestOptions(pagesize=1001))
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter("noSuchField", TSC.RequestOptions.Operator.Equals, "x"))
        expect_error("400065", server.workbooks.get, opts)

    @check("workbooks: refresh gives a job that completes")
    def _():
        job = server.workbooks.refresh(state["wb"].id)
        done = server.jobs.wait_for_job(job.id, timeout=10)
        expect(done.finish_code == 0, f"finish code {done.finish_code}")
        jobs, _ = server.jobs.get()
        expect(any(j.id == job.id for j in jobs), "listed among background jobs")

    @check("schedules: list and add a workbook")
    def _():
        schedules, _ = server.schedules.get()
        expect(len(schedules) >= 1, "schedules listed")
        extract = next(s for s in schedules if s.schedule_type == "Extract")
        result = server.schedules.add_to_schedule(extract.id, workbook=state["wb"])
        expect(all(r.result for r in result), f"added: {result}")

    # ---------------------------------------------------------------- views
    @check("views: list, filter, get, image, preview image")
    def _():
        views, pagination = server.views.get()
        expect(pagination.total_available >= SEED_WORKBOOKS, "seeded views listed")
        opts = TSC.RequestOptions()
        opts.filter.add(TSC.Filter("name", TSC.RequestOptions.Operator.Equals, "Overview"))
        views, _ = server.views.get(opts)
        expect(len(views) == 1 and views[0].workbook_id == state["big_wb"].id, "filter views by name")
        view = server.views.get_by_id(views[0].id)
        expect(view.name == "Overview", "get_by_id")
        server.views.populate_image(view)
        expect(view.image[:4] == b"\x89PNG", "image")
        server.views.populate_preview_image(view)
        expect(view.preview_image[:4] == b"\x89PNG", "preview image")
        every = list(TSC.Pager(server.views))
        expect(len(every) == pagination.total_available, "Pager over views")

    # ---------------------------------------------------------------- data sources
    @check("datasources: publish .tdsx, again without overwrite (403007), get, connections, update, download")
    def _():
        item = TSC.DatasourceItem(state["project"].id, name="World Indicators")
        ds = server.datasources.publish(item, tdsx, TSC.Server.PublishMode.CreateNew)
        expect(ds.id and ds.name == "World Indicators", "published")
        expect_error("403007", server.datasources.publish, item, tdsx, TSC.Server.PublishMode.CreateNew)
        ds = server.datasources.get_by_id(ds.id)
        server.datasources.populate_connections(ds)
        expect(len(ds.connections) >= 1, "connections")
        ds.description = "indicators"
        ds.certified = True
        ds.certification_note = "checked"
        ds = server.datasources.update(ds)
        again = server.datasources.get_by_id(ds.id)
        expect(again.certified and again.description == "indicators", "updated")
        path = server.datasources.download(ds.id, filepath=str(tmp))
        expect(Path(path).read_bytes() == Path(tdsx).read_bytes(), "downloaded bytes")
        state["ds"] = ds

    @check("datasources: chunked publish of a .hyper, list, filter, delete")
    def _():
        item = TSC.DatasourceItem(state["project"].id, name="Big Extract")
        ds = server.datasources.publish(item, big_hyper, TSC.Server.PublishMode.Overwrite)
        expect(ds.id, "published")
        got = server.datasources.download(ds.id, filepath=str(tmp / "big.hyper"))
        expect(Path(got).read_bytes() == big_hyper.read_bytes(), "chunked bytes round-trip")
        opts = TSC.RequestOptions()
        opts.sort.add(TSC.Sort("name", TSC.RequestOptions.Direction.Asc))
        listed, _ = server.datasources.get(opts)
        expect([d.name for d in listed] == ["Big Extract", "World Indicators"], f"{[d.name for d in listed]}")
        server.datasources.delete(ds.id)
        expect_error("404004", server.datasources.get_by_id, ds.id)

    # ---------------------------------------------------------------- clean-up and errors
    @check("workbooks: delete, then 404006")
    def _():
        server.workbooks.delete(state["big_wb"].id)
        expect_error("404006", server.workbooks.get_by_id, state["big_wb"].id)

    @check("projects: deleting a parent removes children and their content")
    def _():
        server.projects.delete(state["project"].id)
        names = [p.name for p in TSC.Pager(server.projects)]
        expect("Conformance" not in names and "Child" not in names, f"projects left: {names}")
        expect_error("404006", server.workbooks.get_by_id, state["wb"].id)
        expect_error("404004", server.datasources.get_by_id, state["ds"].id)

    @check("users: remove")
    def _():
        server.users.remove(state["user"].id)
        expect_error("404002", server.users.get_by_id, state["user"].id)

    @check("sign-out, then the old token gives 401002")
    def _():
        token = server.auth_token
        server.auth.sign_out()
        server._set_auth(state["site_id"], state["admin_id"], token)
        try:
            expect_error("401002", server.users.get)
        finally:
            server._clear_auth()

    print(f"{passed} passed, {failed} failed")
    if failures:
        print("failed: " + "; ".join(failures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
