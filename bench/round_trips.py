"""The projects service's check-in and review commands timed alone on a private
SecantusDB (docs/benchmarks.md, "7 December, late"): the entrypoints called
in this process over the service's store, by ``--clients`` threads at once for
``--seconds`` each, with no broker and nothing else on the database.

    flock /tmp/heavy-test.lock .venv/bin/python -m bench.round_trips

prints, per command, the statements one call sends (counted by a command
listener) and the calls completed per second, with their p50 and p99."""
import argparse
import statistics
import sys
import threading
import time
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in ("lib", "services/projects", "tests"):
    if str(ROOT / folder) not in sys.path:
        sys.path.insert(0, str(ROOT / folder))

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
from nameko.testing.services import worker_factory  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from projects.service import ProjectsService  # noqa: E402
from testkit.servers import SecantusServer  # noqa: E402
from testkit.stores import Statements, store_on  # noqa: E402

NOW = datetime(2027, 6, 30, 9, 0, tzinfo=timezone.utc)
FIRST_WEEK = date(2027, 3, 1)
WEEKS = 17  # 1 March to 21 June
STUDENT = {"kind": "student", "student_id": "s-1", "username": "zhangwei"}
ENTERPRISE = {"kind": "enterprise", "enterprise_id": "p-1", "username": "chen.hr"}
RUBRIC = {"reviewer_kind": "enterprise",
          "rubric": [{"criterion": "功能完整性", "score": 80, "weight": 2},
                     {"criterion": "文档质量", "score": 70}], "comment": "识别率达标"}


class FixedClock:
    def __call__(self):
        return NOW


def seed(projects, placements, deliverables):
    """``placements`` placements of s-1 at p-1 and ``deliverables`` deliverables,
    each of a project in progress and its team, all through the entrypoints."""
    def copies(uow):
        uow.records.remember("partners", "p-1", {"legal_name": "苏州精工"})
        uow.records.remember_enrolment("s-1", {"name": "张伟", "partner_id": "p-1",
                                               "programme_id": "prog-1"})
        uow.records.remember("mentors", "t-1", {"kind": "teacher", "enterprise_id": None})
        uow.records.remember("mentors", "m-1", {"kind": "industry", "enterprise_id": "p-1"})
    projects.store.transact(copies)
    placement_ids = [projects.start_placement({
        "student_id": "s-1", "enterprise_id": "p-1", "site": "二号厂房",
        "supervisor_name": "王建国", "starts_on": "2027-03-01", "ends_on": "2027-06-30"})["id"]
        for _ in range(placements)]
    deliverable_ids = []
    for n in range(deliverables):
        project = projects.create_project({
            "title": "产线视觉质检系统 %d" % n, "enterprise_id": "p-1", "team_size": 1,
            "brief": "为电机装配线开发基于机器视觉的缺陷检测工位。",
            "start_date": "2027-03-01", "end_date": "2027-12-31",
            "milestones": [{"title": "方案设计", "due_date": "2027-12-01", "weight": 100}]})
        projects.transition_project(project["id"], {"status": "published"})
        team = projects.form_team(project["id"], {"student_ids": ["s-1"], "tutor_id": "t-1",
                                                  "mentor_id": "m-1"})
        projects.transition_project(project["id"], {"status": "in_progress"})
        deliverable_ids.append(projects.submit_deliverable(team["id"], {
            "milestone_id": project["milestones"][0]["id"], "title": "方案说明书",
            "url": "https://git.example.cn/t/%d.pdf" % n, "content_hash": "a" * 64},
            STUDENT)["id"])
    return placement_ids, deliverable_ids


def run(name, clients, seconds, calls_of, statements):
    """Each client makes the calls ``calls_of(client)`` yields until time is up;
    ``statements`` counts what they sent (a transaction retried sends more)."""
    sent_before = len(statements.sent)
    latencies = [[] for _ in range(clients)]
    start = time.monotonic()
    deadline = start + seconds

    ran_out = []

    def client(index):
        for call in calls_of(index):
            if time.monotonic() >= deadline:
                return
            began = time.perf_counter()
            call()
            latencies[index].append(time.perf_counter() - began)
        ran_out.append(index)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    every = sorted(latency for own in latencies for latency in own)
    print("%-18s %6d calls in %4.1f s: %6.1f/s, p50 %5.1f ms, p99 %6.1f ms, %.2f statements"
          " a call" % (name, len(every), elapsed, len(every) / elapsed,
                       statistics.median(every) * 1000, every[int(len(every) * 0.99)] * 1000,
                       (len(statements.sent) - sent_before) / len(every))
        + (" (%d clients ran out of calls)" % len(ran_out) if ran_out else ""), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--placements", type=int, default=1000)
    parser.add_argument("--deliverables", type=int, default=500)
    parser.add_argument("--phases", default="log,confirm,review",
                        help="which commands to time, in this order (confirm needs log)")
    options = parser.parse_args()

    server = SecantusServer()
    try:
        statements = Statements()
        client = MongoClient(server.uri, tz_aware=True, event_listeners=[statements],
                             maxPoolSize=options.clients + 2)
        store = store_on(client, "projects", ProjectsService.store, "projects")
        projects = worker_factory(ProjectsService, store=store, clock=FixedClock())
        began = time.monotonic()
        placement_ids, deliverable_ids = seed(projects, options.placements,
                                              options.deliverables)
        print("seeded %d placements and %d deliverables in %.1f s" % (
            len(placement_ids), len(deliverable_ids), time.monotonic() - began))

        weeks = [str(FIRST_WEEK + timedelta(weeks=n)) for n in range(WEEKS)]
        sample = placement_ids[-1]
        for name, call in (
                ("log_checkin", lambda: projects.log_checkin(
                    sample, {"week_starting": weeks[-1], "hours": 40, "summary": "点检"},
                    STUDENT)),
                ("confirm_checkin", lambda: projects.confirm_checkin(
                    sample, weeks[-1], {}, ENTERPRISE)),
                ("review_deliverable", lambda: projects.review_deliverable(
                    deliverable_ids[-1], RUBRIC, ENTERPRISE))):
            sent = statements.during(call)
            print("%-18s %d statements: %s" % (name, len(sent), ", ".join(
                "%s %s" % (command, collection or "") for command, collection in sent)))
        placement_ids = placement_ids[:-1]

        def own(index):  # each client its own placements: no two confirm on one at once
            return placement_ids[index::options.clients]

        def logs(index):
            for week in weeks:
                for placement_id in own(index):
                    yield lambda p=placement_id, w=week: projects.log_checkin(
                        p, {"week_starting": w, "hours": 40, "summary": "点检"}, STUDENT)

        def confirms(index):
            for checkin in logged[index]:
                yield lambda c=checkin: projects.confirm_checkin(
                    c["placement_id"], c["week_starting"], {}, ENTERPRISE)

        def reviews(index):
            while True:
                for deliverable_id in deliverable_ids[index::options.clients]:
                    yield lambda d=deliverable_id: projects.review_deliverable(
                        d, RUBRIC, ENTERPRISE)

        phases = options.phases.split(",")
        if "log" in phases:
            run("log_checkin", options.clients, options.seconds, logs, statements)
        owner = {placement_id: index for index in range(options.clients)
                 for placement_id in own(index)}
        logged = [[] for _ in range(options.clients)]
        for checkin in store.db.checkins.find({"status": "logged"}):
            if checkin["placement_id"] in owner:
                logged[owner[checkin["placement_id"]]].append(checkin)
        if "confirm" in phases:
            run("confirm_checkin", options.clients, options.seconds, confirms, statements)
        if "review" in phases:
            run("review_deliverable", options.clients, options.seconds, reviews, statements)
        client.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
