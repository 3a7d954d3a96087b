"""The benchmark's dataset, created through the system's own interfaces only:
the gateway's HTTP API (with the bulk applicant import) and, for enterprise
projects, the inbound contract as an enterprise system publishes to it.
Nothing is written into a database directly. Reproducible from a seed.

At scale 1: 200 partner enterprises, 40 programmes, 10,000 enrolled students,
500 mentors, 2,000 projects with teams, deliverables and reviews, 1,000
placements with weekly check-ins, 20,000 certificate exam results, 20 skills
competitions of 20 entries each (individuals and teams, their results and the
rules that turn awards into credits) and 1,000 graduates of earlier cohorts
(graduated in bulk, with their first destinations of every kind, the 6- and
12-month retention checks of the hired and their employers' survey answers).
The per-student records (students, projects, placements, results,
competitions, graduates) grow with the scale; the institutions (partners,
programmes, mentors) do not. A second call at a higher scale adds to
what a first one created (offset by what exists).
"""
import dataclasses
import hashlib
import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta

import requests
from kombu import Connection, Exchange
from tqdm import tqdm

PASSWORD = "bench-password-0123456789"
INBOUND_EXCHANGE = "college.inbound"

# GB 32100-2015 (credit codes) and GB 11643-1999 (resident identity numbers):
# the check characters an external client computes itself
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_CHECK = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@dataclass
class Sizes:
    partners: int = 200
    programmes: int = 40
    students: int = 10_000
    mentors: int = 500
    projects: int = 2_000
    placements: int = 1_000
    results: int = 20_000
    competitions: int = 20
    entries: int = 20  # of each competition
    graduates: int = 1_000  # of the earlier cohorts' order classes, graduated now
    cohorts: int = 4  # those order classes
    inbound_share: float = 0.1  # of the projects, posted by enterprise systems

    @classmethod
    def at_scale(cls, scale):
        base = cls()
        return cls(students=int(base.students * scale), projects=int(base.projects * scale),
                   placements=int(base.placements * scale), results=int(base.results * scale),
                   competitions=int(base.competitions * scale),
                   graduates=int(base.graduates * scale))

    def with_students(self, factor):
        """The same institutions and records with ``factor`` times the students:
        the 10x phase measures how the read routes grow with the student body."""
        return dataclasses.replace(self, students=int(self.students * factor))

    @classmethod
    def tiny(cls):
        """The smoke run's: a handful of everything."""
        return cls(partners=4, programmes=2, students=24, mentors=8, projects=6, placements=4,
                   results=24, competitions=2, entries=6, graduates=8, cohorts=1)


@dataclass
class Dataset:
    """What the load needs to know of the data it created."""
    sizes: Sizes
    admin_token: str = ""
    partners: list = field(default_factory=list)
    programmes: list = field(default_factory=list)
    students: list = field(default_factory=list)   # [{"id", "programme_id", "partner_id"}]
    cohorts: list = field(default_factory=list)    # the graduating order classes, as programmes
    graduates: list = field(default_factory=list)  # like students
    teachers: list = field(default_factory=list)
    industry_mentors: dict = field(default_factory=dict)  # partner id -> [mentor id]
    enterprise_tokens: dict = field(default_factory=dict)
    projects: int = 0
    placements: int = 0
    results: int = 0
    competitions: int = 0
    competition_entries: int = 0
    awards: int = 0
    destinations: int = 0
    retention_checks: int = 0
    survey_answers: int = 0
    applicant_serial: int = 0  # resident ids handed out so far

    def save(self, path):
        """What was created, for a later run on the same databases (tokens excluded:
        they are signed with that run's secret and asked for again)."""
        state = dataclasses.asdict(self)
        for secret in ("admin_token", "enterprise_tokens"):
            state.pop(secret)
        path.write_text(json.dumps(state, ensure_ascii=False))

    @classmethod
    def load(cls, path, api):
        state = json.loads(path.read_text())
        data = cls(**{**state, "sizes": Sizes(**state["sizes"])}, admin_token=api.token)
        data.enterprise_tokens = {partner: api.token_for("hr.%s" % partner[:20])
                                  for partner in data.partners}
        return data

    def summary(self):
        return {"partners": len(self.partners), "programmes": len(self.programmes),
                "students": len(self.students), "mentors": len(self.teachers) + sum(
                    len(m) for m in self.industry_mentors.values()),
                "projects": self.projects, "placements": self.placements,
                "certificate_results": self.results, "competitions": self.competitions,
                "competition_entries": self.competition_entries, "awards": self.awards,
                "graduates": len(self.graduates),
                "destinations": self.destinations, "retention_checks": self.retention_checks,
                "survey_answers": self.survey_answers}


class ApiError(RuntimeError):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


# the share of students taken through the full joint enrolment (the apprentices);
# the others come from the provincial admission list in batches
WORKFLOW_SHARE = 0.02
WORKFLOW_MOST = 200  # ~1 student/s on a busy 2-core machine: the 10x growth adds no more
ADMISSION_BATCH = 500
MAX_CAPACITY = 5000  # a programme's seats at most (the API's limit)
UNAVAILABLE = 503  # the gateway's deadline passed: the call may or may not have been done
ATTEMPTS = 3
EXAM_SESSION_CANDIDATES = 1000  # the issue's: registered, then its results imported
REGISTRATION_PART = 500  # a group registration takes at most 500 candidates
RESULTS_PART = 250  # rows per results import, as a certificate office sends them
EXAM_REGISTRATION = "exam session: registration"
EXAM_IMPORT = "exam session: results import"


class Api:
    """The gateway's HTTP API, one keep-alive session per thread."""

    def __init__(self, base_url, token=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.local = threading.local()

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, method, path, body=None, token=None, expect=(200, 201), wait_for=0.0):
        """One call; with ``wait_for`` seconds, 4xx answers are retried until then
        (another service has not yet learnt, by event, what this call needs)."""
        headers = {"Authorization": "Bearer %s" % (token or self.token)}
        deadline = time.monotonic() + wait_for
        delay = 0.1
        while True:
            response = self.session().request(method, self.base_url + path, json=body,
                                              headers=headers, timeout=120)
            if response.status_code in expect:
                return response.json() if response.content else None
            retryable = response.status_code in (400, 404, 409, 503) or \
                response.status_code >= 500
            if not retryable or time.monotonic() > deadline:
                raise ApiError("%s %s -> %d: %s" % (method, path, response.status_code,
                                                   response.text[:500]), response.status_code)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def token_for(self, username, password=PASSWORD):
        response = self.session().post(self.base_url + "/v1/auth/token", timeout=30,
                                       json={"username": username, "password": password})
        if response.status_code != 200:
            raise ApiError("token for %s: %d %s" % (username, response.status_code,
                                                     response.text[:300]))
        return response.json()["access_token"]

    def user(self, username, role, **links):
        """A user account created by the administrator; its bearer token."""
        self.call("POST", "/v1/users", {"username": username, "password": PASSWORD,
                                        "role": role, **links}, expect=(201, 409))
        return self.token_for(username)


def credit_code(serial):
    body = "91%06d%09d" % (330100 + serial % 1000, 100000000 + serial)
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_ALPHABET[(31 - total % 31) % 31]


def resident_id(serial):
    """A valid, unique number for an adult born 1990-2005."""
    born = date(1990, 1, 1) + timedelta(days=serial // 999 % 5800)
    area = 110101 + serial // (999 * 5800)
    body = "%06d%s%03d" % (area, born.strftime("%Y%m%d"), serial % 999 + 1)
    return body + RESIDENT_CHECK[sum(int(d) * w for d, w in zip(body, RESIDENT_WEIGHTS)) % 11]


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def applicant(serial, rng):
    return {"name": person_name(rng), "resident_id": resident_id(serial),
            "phone": "139%08d" % (serial % 10 ** 8)}


def last_monday(today=None):
    today = today or date.today()
    return today - timedelta(days=today.weekday())


class Generator:
    def __init__(self, api, seed=2027, workers=8, progress=True, amqp_uri=None,
                 provision=None, checkpoint=None):
        """``provision(enterprise_id)`` returns broker credentials for an
        enterprise (deploy/enterprise_access.py); without it no project is
        posted through the inbound contract."""
        self.api = api
        self.rng = random.Random(seed)
        self.seed = seed
        self.workers = workers
        self.progress = progress
        self.amqp_uri = amqp_uri
        self.provision = provision
        self.checkpoint = checkpoint or (lambda data: None)  # called after each part
        self.today = date.today()
        self.rates = {}  # label -> (items, seconds) of each part created

    # -- helpers -------------------------------------------------------------------

    @staticmethod
    def _team(api, project_id, body):
        """Form the project's team; a first attempt that the gateway's deadline
        cut short may have formed it already (409): then that team is the one."""
        try:
            return api.call("POST", "/v1/projects/%s/teams" % project_id, body, wait_for=120,
                            expect=(201,))
        except ApiError as exc:
            if exc.status != 409:
                raise
            formed = api.call("GET", "/v1/teams?project_id=%s" % project_id)["items"]
            if not formed:
                raise
            return formed[0]

    def parallel(self, label, items, work, weight=None, workers=None):
        """Run ``work(item)`` on a thread pool (of ``workers``, the generator's by
        default) with a progress bar (counting ``weight(item)`` for each, one by
        default); results in order. Each part's items and seconds are kept in
        ``rates``: the report's timed steps."""
        items = list(items)
        weight = weight or (lambda item: 1)
        results = [None] * len(items)
        started = time.monotonic()

        def attempt(item):
            """A busy machine can miss the gateway's deadline: the item is done
            again (the work for an item makes its own retries valid)."""
            for number in range(1, ATTEMPTS + 1):
                try:
                    return work(item)
                except ApiError as exc:
                    if exc.status != UNAVAILABLE or number == ATTEMPTS:
                        raise
                    time.sleep(number)

        pool = ThreadPoolExecutor(workers or self.workers)
        try:
            with tqdm(total=sum(weight(item) for item in items), desc=label,
                      disable=not self.progress, unit="") as bar:
                futures = {pool.submit(attempt, item): index
                           for index, item in enumerate(items)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update(weight(items[futures[future]]))
        except BaseException:  # a failure or a stopped run: the items not begun are dropped
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        done = sum(weight(item) for item in items)
        elapsed = time.monotonic() - started
        self.rates[label] = (done, elapsed)
        if not self.progress:  # still say how long each part took
            print("[bench] %s: %d in %.1f s (%.1f/s)" % (label, done, elapsed,
                                                        done / max(elapsed, 1e-9)), flush=True)
        return results

    def item_rng(self, *key):
        """A random source per item, so parallel creation stays reproducible."""
        return random.Random("%s:%s" % (self.seed, ":".join(str(k) for k in key)))

    # -- the whole dataset -----------------------------------------------------------

    def create(self, sizes, dataset=None):
        """Create ``sizes`` worth of data (on top of ``dataset`` when given)."""
        data = dataset or Dataset(sizes=sizes, admin_token=self.api.token)
        if not data.partners:
            self.institutions(data, sizes)
            self.checkpoint(data)
        self.students(data, sizes.students - len(data.students))
        self.checkpoint(data)
        self.projects(data, sizes.projects - data.projects, sizes.inbound_share)
        self.checkpoint(data)
        self.placements(data, sizes.placements - data.placements)
        self.checkpoint(data)
        self.certificate_results(data, sizes.results - data.results)
        self.checkpoint(data)
        self.competitions(data, sizes.competitions - data.competitions, sizes.entries)
        self.checkpoint(data)
        self.graduates(data, sizes)
        data.sizes = sizes
        self.checkpoint(data)
        return data

    def institutions(self, data, sizes):
        api = self.api
        data.partners = self.parallel("partners", range(sizes.partners), lambda i: api.call(
            "POST", "/v1/partners", {"legal_name": "基准测试企业%04d有限公司" % i,
                                     "credit_code": credit_code(i), "industry": "智能制造"})["id"])
        data.enterprise_tokens = dict(zip(data.partners, self.parallel(
            "enterprise users", data.partners,
            lambda partner: api.user("hr.%s" % partner[:20], "enterprise_user",
                                     enterprise_id=partner))))
        kinds = ("apprenticeship", "order_class", "joint_major")
        codes = ["B%02d-%s" % (i, kinds[i % 3][:2].upper()) for i in range(sizes.programmes)]
        holders = {code: [p for j, p in enumerate(data.partners) if j % sizes.programmes == i]
                   for i, code in enumerate(codes)}

        self.agreements("agreements", "基准合作协议", "2020-01-01", {
            partner: [code for code in codes if partner in holders[code]] or [codes[0]]
            for partner in data.partners})
        capacity = min(MAX_CAPACITY, max(1, sizes.students * 10 // sizes.programmes) * 2 + 10)

        def programme(index_code):
            index, code = index_code
            return self.programme(code, holders[code], capacity, name="基准专业 %02d" % index,
                                  kind=kinds[index % 3], intake_year=2025 + index % 3)
        data.programmes = self.parallel("programmes", enumerate(codes), programme)

        teachers = sizes.mentors // 2

        def mentor(index):
            if index < teachers:
                return ("teacher", api.call("POST", "/v1/mentors", {
                    "name": "教师%04d" % index, "kind": "teacher", "expertise": ["机电一体化"],
                    "load_limit": 50})["id"])
            partner = data.partners[(index - teachers) % len(data.partners)]
            return (partner, api.call("POST", "/v1/mentors", {
                "name": "工程师%04d" % index, "kind": "industry", "enterprise_id": partner,
                "expertise": ["PLC"], "load_limit": 50}, wait_for=60)["id"])
        for owner, mentor_id in self.parallel("mentors", range(sizes.mentors), mentor):
            if owner == "teacher":
                data.teachers.append(mentor_id)
            else:
                data.industry_mentors.setdefault(owner, []).append(mentor_id)

    def agreements(self, label, title, starts_on, codes_of):
        """An active cooperation agreement for each partner of ``codes_of``
        (partner -> the programme codes it covers)."""
        def agreement(index_partner):
            index, (partner, codes) = index_partner
            created = self.api.call("POST", "/v1/partners/%s/agreements" % partner, {
                "title": "%s %04d" % (title, index), "starts_on": starts_on,
                "ends_on": "2099-12-31", "programme_codes": codes})
            self.api.call("POST", "/v1/agreements/%s/status" % created["id"],
                          {"status": "active"})
        self.parallel(label, enumerate(codes_of.items()), agreement)

    def programme(self, code, partners, capacity, **fields):
        """A programme with a seat quota for each of its ``partners``."""
        seats = max(1, capacity // max(1, len(partners)) - 1)
        created = self.api.call("POST", "/v1/programmes", {
            "code": code, "capacity": capacity,
            "quotas": [{"partner_id": p, "seats": seats} for p in partners], **fields})
        return {"id": created["id"], "code": code, "partners": partners}

    # -- students: imported applicants taken through the joint enrolment ------------

    def import_applicants(self, data, count, chunk=500):
        """``count`` new applicants through the bulk CSV import; their details."""
        people = []
        first = data.applicant_serial
        data.applicant_serial += count
        rng = self.item_rng("applicants", first)
        for serial in range(first, first + count):
            people.append(applicant(serial, rng))
        chunks = [people[i:i + chunk] for i in range(0, len(people), chunk)]

        def send(rows):
            text = "name,resident_id,phone\n" + "".join(
                "%s,%s,%s\n" % (p["name"], p["resident_id"], p["phone"]) for p in rows)
            report = self.api.call("POST", "/v1/applicant-imports",
                                   {"filename": "bench.csv", "csv": text})
            if report["rejected"]:
                raise ApiError("the import rejected rows: %s" % report["report"][:3])
        self.parallel("applicant imports", chunks, send)
        return people

    def students(self, data, count):
        """Most students come from the provincial admission list (order-class and
        joint-major programmes, in parallel batches); a small share, the
        apprentices (whose mentors the mentors service assigns), go through the
        full joint enrolment."""
        if count <= 0:
            return
        apprenticeships = [p for p in data.programmes if p["code"].endswith("-AP")]
        listed = [p for p in data.programmes if not p["code"].endswith("-AP")]
        workflow = count if not listed else min(count, WORKFLOW_MOST, max(
            int(count * WORKFLOW_SHARE), 2 * len(apprenticeships)))
        self.enrol_through_workflow(data, workflow, apprenticeships or data.programmes)
        self.enrol_from_admission_lists(data, count - workflow, listed)

    def enrol_from_admission_lists(self, data, count, programmes):
        data.students.extend(self.admit(data, count, programmes, "admission lists"))

    def admit(self, data, count, programmes, label, batch=ADMISSION_BATCH):
        """``count`` students through ``POST /v1/admission-imports``: rows spread
        over the programmes and their partners' quotas, sent in batches of
        ``batch`` rows per programme and partner; the students admitted."""
        if count <= 0:
            return []
        first = data.applicant_serial
        data.applicant_serial += count
        rng = self.item_rng("admitted", first)
        lists = {}
        for index, serial in enumerate(range(first, first + count)):
            place = index % len(programmes)
            partners = programmes[place]["partners"] or [None]
            slot = index // len(programmes) % len(partners)
            lists.setdefault((place, slot), []).append(
                {**applicant(serial, rng), "admission_number": "%d%010d" % (self.seed, serial)})
        # batches sent at the same time go to different programmes (each takes its
        # programme's seat counters in its transaction): programme by programme,
        # partner by partner
        order = sorted((start, slot, place) for (place, slot), rows in lists.items()
                       for start in range(0, len(rows), batch))
        batches = [(programmes[place]["id"], (programmes[place]["partners"] or [None])[slot],
                    lists[place, slot][start:start + batch]) for start, slot, place in order]

        def admit(programme_partner_rows):
            programme_id, partner, rows = programme_partner_rows
            body = {"programme_id": programme_id, "filename": "bench-admissions.csv",
                    "rows": rows}
            if partner:
                body["partner_id"] = partner
            report = self.api.call("POST", "/v1/admission-imports", body, wait_for=120)
            if report["rejected"]:
                raise ApiError("the admission list rejected rows: %s" % [
                    r for r in report["report"] if r["status"] == "rejected"][:3])
            return [{"id": r["student_id"], "programme_id": programme_id, "partner_id": partner}
                    for r in report["report"]]
        return [student for students in self.parallel(label, batches, admit,
                                                       weight=lambda b: len(b[2]))
                for student in students]

    def enrol_through_workflow(self, data, count, programmes):
        """``count`` imported applicants, each taken through the joint enrolment."""
        if count <= 0:
            return
        people = self.import_applicants(data, count)
        offset = len(data.students)
        api = self.api
        tried = set()
        lock = threading.Lock()

        def enrol(index_person):
            index, person = index_person
            with lock:  # a second attempt: the first left an active application behind
                if index in tried:
                    person = applicant(data.applicant_serial, self.item_rng("retry", index))
                    data.applicant_serial += 1
                tried.add(index)
            programme = programmes[(offset + index) % len(programmes)]
            partner = programme["partners"][(offset + index) // len(programmes)
                                            % len(programme["partners"])] \
                if programme["partners"] else None
            hr = data.enterprise_tokens.get(partner)
            body = {"programme_id": programme["id"], "applicant": person}
            if partner:
                body["partner_id"] = partner
            path = "/v1/applications/%s" % api.call("POST", "/v1/applications", body)["id"]
            api.call("POST", path + "/screening", {"passed": True, "note": "材料齐全"})
            api.call("POST", path + "/interview", {"passed": True, "score": 80},
                     token=hr or None)
            api.call("POST", path + "/offer-decisions", {"approve": True})
            if partner:
                api.call("POST", path + "/offer-decisions", {"approve": True}, token=hr)
            api.call("POST", path + "/offer-response", {"accept": True})
            agreement = api.call("POST", path + "/tripartite-agreements",
                                 {"terms": "学徒期三年，企业按月发放学徒津贴。"})
            signatures = "/v1/tripartite-agreements/%s/signatures" % agreement["id"]
            api.call("POST", signatures, {"party": "college", "signer": "周老师"})
            if partner:
                api.call("POST", signatures, {"signer": "王芳"}, token=hr)
            api.call("POST", signatures, {"party": "student", "signer": person["name"]})
            contract = {"apprentice_contract": {
                "starts_on": "2025-09-01", "ends_on": "2028-06-30", "position": "学徒工"}} \
                if programme["code"].endswith("-AP") else {}
            student = api.call("POST", path + "/enrolment", contract)
            return {"id": student["id"], "programme_id": programme["id"],
                    "partner_id": partner}
        data.students.extend(self.parallel("students", enumerate(people), enrol))

    # -- projects: teams, deliverables and reviews -----------------------------------

    def projects(self, data, count, inbound_share):
        if count <= 0:
            return
        inbound = int(count * inbound_share) if self.provision else 0
        if inbound:
            self.post_projects_inbound(data, inbound)
        count -= inbound
        offset = data.projects
        api = self.api
        partners_with_mentors = [p for p in data.partners if data.industry_mentors.get(p)]

        def project(index):
            serial = offset + index
            rng = self.item_rng("project", serial)
            partner = partners_with_mentors[serial % len(partners_with_mentors)]
            start = self.today - timedelta(days=rng.randint(60, 200))
            created = api.call("POST", "/v1/projects", {
                "title": "基准项目 %05d" % serial, "enterprise_id": partner,
                "brief": "Benchmark project %d: a vision quality-control cell." % serial,
                "team_size": 3, "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=120)).isoformat(),
                "milestones": [{"title": "方案", "due_date": (start + timedelta(days=30))
                                .isoformat(), "weight": 40},
                               {"title": "交付", "due_date": (start + timedelta(days=110))
                                .isoformat(), "weight": 60}]}, wait_for=60)
            path = "/v1/projects/%s" % created["id"]
            api.call("POST", path + "/transitions", {"status": "published"})
            members = [data.students[(serial * 3 + k) % len(data.students)]["id"]
                       for k in range(3)]
            team = self._team(api, created["id"], {
                "student_ids": members, "tutor_id": data.teachers[serial % len(data.teachers)],
                "mentor_id": data.industry_mentors[partner][0]})
            api.call("POST", path + "/transitions", {"status": "in_progress"})
            milestone = created["milestones"][0]
            deliverable = api.call("POST", "/v1/teams/%s/deliverables" % team["id"], {
                "milestone_id": milestone["id"], "title": "方案说明书",
                "url": "https://git.example.cn/bench/%d" % serial,
                "content_hash": hashlib.sha256(b"%d" % serial).hexdigest()})
            for kind in ("enterprise", "tutor"):
                api.call("POST", "/v1/deliverables/%s/reviews" % deliverable["id"], {
                    "reviewer_kind": kind,
                    "rubric": [{"criterion": "功能完整性", "score": rng.randint(55, 98)}]})
        self.parallel("projects", range(count), project)
        data.projects += count

    def post_projects_inbound(self, data, count):
        """Projects posted by enterprise systems through the inbound contract."""
        publishers = data.partners[:max(1, min(len(data.partners), 20))]
        credentials = {p: self.provision(p) for p in publishers}
        by_partner = {}
        for index in range(count):
            by_partner.setdefault(publishers[index % len(publishers)], []).append(index)
        bar = tqdm(total=count, desc="inbound projects", disable=not self.progress, unit="")
        for partner, indexes in by_partner.items():
            publish_projects(credentials[partner], partner, [
                project_posted_event(partner, "BENCH-%d-%05d" % (self.seed, data.projects + i),
                                     self.today) for i in indexes])
            bar.update(len(indexes))
        bar.close()
        data.projects += count

    # -- placements and check-ins ---------------------------------------------------

    def placements(self, data, count):
        if count <= 0:
            return
        api = self.api
        offset = data.placements
        monday = last_monday(self.today)

        def place(index):
            serial = offset + index
            student = data.students[(serial * 7 + 1) % len(data.students)]
            partner = student["partner_id"] or data.partners[serial % len(data.partners)]
            starts = monday - timedelta(weeks=6)
            placement = api.call("POST", "/v1/placements", {
                "student_id": student["id"], "enterprise_id": partner, "site": "基准厂房",
                "supervisor_name": "王建国", "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(weeks=20)).isoformat()},
                wait_for=120, expect=(201,))
            token = api.user("stu.%s" % student["id"][:24], "student",
                             student_id=student["id"])
            path = "/v1/placements/%s/checkins" % placement["id"]
            for week in range(4):  # two weeks left unlogged: the alerts have something
                week_starting = (starts + timedelta(weeks=week)).isoformat()
                api.call("POST", path, {"week_starting": week_starting, "hours": 38,
                                        "summary": "工位实训第%d周" % (week + 1)}, token=token)
                if week < 2:
                    api.call("POST", "%s/%s/confirmation" % (path, week_starting), {},
                             token=data.enterprise_tokens.get(partner))
        self.parallel("placements", range(count), place)
        data.placements += count

    # -- certificate exam results ----------------------------------------------------

    def certificate_results(self, data, count, per_session=1000):
        if count <= 0:
            return
        api = self.api
        for index in range(10):
            api.call("POST", "/v1/certificates", {
                "code": CERTIFICATE_CODE % index, "title": "基准证书 %02d" % index,
                "organisation": "基准评价组织", "levels": ["junior"],
                # every programme prepares for every certificate: any student may sit any
                "alignment": {"programmes": [p["code"] for p in data.programmes]}},
                expect=(201, 409))
        offset = data.results
        sessions = [(start, min(per_session, count - start))
                    for start in range(0, count, per_session)]

        def exam(start_size):
            start, size = start_size
            serial = offset + start
            session = api.call("POST", "/v1/exam-sessions", {
                "certificate_code": CERTIFICATE_CODE % (serial // per_session % 10),
                "level": "junior", "site": "实训楼 A%03d" % (serial // per_session),
                "exam_date": "2099-06-12", "registration_deadline": "2099-05-31",
                "capacity": size})
            rng = self.item_rng("results", serial)
            candidates = [data.students[(serial + k) % len(data.students)]["id"]
                          for k in range(size)]
            for part in range(0, size, REGISTRATION_PART):  # the class registered at once
                self.register_class(session["id"], candidates[part:part + REGISTRATION_PART])
            for part in range(0, size, RESULTS_PART):
                self.import_results(session["id"], candidates[part:part + RESULTS_PART], rng)
            return size
        self.parallel("exam sessions", sessions, exam)
        data.results += count

    def register_class(self, session_id, candidate_ids):
        """One group registration; the candidates it rejects are sent again for a
        while (the certificates service may not know them all yet). Returns the
        candidates registered or waitlisted by this call."""
        waiting, placed = list(candidate_ids), 0
        deadline = time.monotonic() + 300
        while waiting:
            report = self.api.call("POST", "/v1/exam-sessions/%s/group-registrations"
                                   % session_id, {"candidate_ids": waiting}, wait_for=120)
            placed += report["registered"] + report["waitlisted"]
            rejected = [r for r in report["report"] if r["status"] == "rejected"]
            if rejected and time.monotonic() > deadline:
                raise ApiError("group registration rejected candidates: %s" % rejected[:3])
            waiting = [r["candidate_id"] for r in rejected]
            if waiting:
                time.sleep(2)
        return placed

    def import_results(self, session_id, candidate_ids, rng):
        """One results import, a row of random scores (40 to 99, each part) per
        candidate; every row must be recorded. Returns the passes."""
        rows = "".join("%s,%d,%d\n" % (c, rng.randint(40, 99), rng.randint(40, 99))
                       for c in candidate_ids)
        report = self.api.call("POST", "/v1/exam-sessions/%s/results" % session_id,
                               {"csv": "candidate_id,theory,practical\n" + rows})
        if report["rejected"]:  # a pass not issued is a result not recorded
            raise ApiError("the results import rejected rows: %s" % [
                row for row in report["rows"] if row["status"] == "rejected"][:3])
        return sum(1 for row in report["rows"] if row.get("passed"))

    def exam_session(self, data, size=EXAM_SESSION_CANDIDATES):
        """The issue's "an exam session of 1,000 candidates registered and its
        results imported in <= 30 s", measured alone: a certificate of the run's
        own catalogued (no student holds it, every programme aligned), a session
        of ``size`` seats (the first ``size`` students, 1,000 at most), the class
        registered in parts of 500 and its results imported in parts of 250, one
        call after another, as one operator does it, each half timed. Returns
        {"candidates", "registration_s", "import_s", "total_s", "registered",
        "recorded", "passed", "certificate_code"}."""
        api = self.api
        candidates = [student["id"] for student in data.students[:size]]
        code = "1X-EXAM-%s" % uuid.uuid4().hex[:8].upper()
        api.call("POST", "/v1/certificates", {
            "code": code, "title": "基准考场证书", "organisation": "基准评价组织",
            "levels": ["junior"], "alignment": {"programmes": [p["code"] for p in
                                                               data.programmes]}})
        session = api.call("POST", "/v1/exam-sessions", {
            "certificate_code": code, "level": "junior", "site": "实训楼 B101",
            "exam_date": "2099-06-12", "registration_deadline": "2099-05-31",
            "capacity": len(candidates)})
        parts = [candidates[start:start + REGISTRATION_PART]
                 for start in range(0, len(candidates), REGISTRATION_PART)]
        registered = sum(self.parallel(
            EXAM_REGISTRATION, parts, lambda part: self.register_class(session["id"], part),
            weight=len, workers=1))
        if registered != len(candidates):
            raise ApiError("%d of %d candidates registered" % (registered, len(candidates)))
        rng = self.item_rng("exam session")  # the same scores every run
        parts = [candidates[start:start + RESULTS_PART]
                 for start in range(0, len(candidates), RESULTS_PART)]
        passed = sum(self.parallel(
            EXAM_IMPORT, parts, lambda part: self.import_results(session["id"], part, rng),
            weight=len, workers=1))
        # reported on their own, not among the dataset's parts
        registration_s, import_s = (self.rates.pop(EXAM_REGISTRATION)[1],
                                    self.rates.pop(EXAM_IMPORT)[1])
        return {"candidates": len(candidates), "registration_s": round(registration_s, 2),
                "import_s": round(import_s, 2), "total_s": round(registration_s + import_s, 2),
                "registered": registered, "recorded": len(candidates), "passed": passed,
                "certificate_code": code}

    # -- skills competitions: entries, results and the awards' credits ----------------

    def competitions(self, data, count, entries):
        """``count`` competitions of ``entries`` entries each (every fourth a team
        of three, the others individuals, each tutored by a teacher), their
        results recorded at once, after the rules that turn the awards of each
        programme's students into credits (two of them standing in for an exam)."""
        if count <= 0:
            return
        api = self.api

        def award_rule(programme_rule):
            programme, (level, award, credits, stands_in) = programme_rule
            api.call("POST", "/v1/award-credit-rules", {
                "programme_id": programme["id"], "competition_level": level, "award": award,
                "credits": credits, "exam_stand_in": {
                    "certificate_code": CERTIFICATE_CODE % 0, "level": "junior"}
                if stands_in else None},
                wait_for=60)  # certificates learns of the programmes by event
        if not data.competitions:
            self.parallel("award credit rules", [
                (programme, rule) for programme in data.programmes for rule in AWARD_RULES],
                award_rule)
        offset = data.competitions

        def competition(index):
            serial = offset + index
            level = COMPETITION_LEVELS[serial % len(COMPETITION_LEVELS)]
            created = api.call("POST", "/v1/competitions", {
                "name": "基准技能大赛 %04d" % serial, "level": level, "organiser": "基准组委会",
                "held_on": (self.today - timedelta(days=30 + serial % 300)).isoformat(),
                "certificates": [{"code": CERTIFICATE_CODE % (serial % 10), "level": "junior"}]},
                expect=(201,))
            path = "/v1/competitions/%s" % created["id"]
            first = serial * entries * 2  # the competition's students, each entering once
            results, members = [], 0
            for place in range(entries):
                size = 3 if place % 4 == 3 else 1
                students = [data.students[(first + members + k) % len(data.students)]["id"]
                            for k in range(size)]
                members += size
                entry = self._entry(api, path, {
                    "kind": "team" if size > 1 else "individual",
                    "team_name": "基准队 %d" % place if size > 1 else None,
                    "student_ids": students,
                    "tutor_ids": [data.teachers[(serial + place) % len(data.teachers)]]})
                award = AWARDS_BY_PLACE[place] if place < len(AWARDS_BY_PLACE) else "none"
                results.append({"entry_id": entry["id"], "award": award,
                                "rank": place + 1 if award != "none" else None})
            report = api.call("POST", path + "/results", {"results": results})
            if report["rejected"]:
                raise ApiError("competition results rejected: %s" % [
                    row for row in report["rows"] if row["outcome"] == "rejected"][:3])
            return sum(len(row["award_ids"]) for row in report["rows"])
        awards = self.parallel("competitions", range(count), competition)
        data.competitions += count
        data.competition_entries += count * entries
        data.awards += sum(awards)

    @staticmethod
    def _entry(api, path, body):
        """Enter them; a first attempt that the gateway's deadline cut short may
        have entered them already (409): then that entry is the one."""
        try:
            return api.call("POST", path + "/entries", body, expect=(201,), wait_for=120)
        except ApiError as exc:
            if exc.status != 409:
                raise
            entered = api.call("GET", path + "/entries?student_id=%s" % body["student_ids"][0])
            if not entered["items"]:
                raise
            return entered["items"][0]

    # -- graduates: destinations, retention checks and employer surveys ---------------

    def graduates(self, data, sizes):
        """Earlier cohorts' order classes graduated: the registrar checks each
        cohort and graduates it in bulk (timed, the issue's "graduating 1,000"),
        then records each graduate's first destination, the 6- and 12-month
        checks of the hired, and the employers answer some of their surveys."""
        count = sizes.graduates - len(data.graduates)
        if count <= 0:
            return
        if not data.cohorts:
            self.cohort_programmes(data, sizes.cohorts)
        admitted = self.admit(data, count, data.cohorts, "graduating cohorts")
        self.graduate(admitted)
        offset = len(data.graduates)
        graduates = list(enumerate(admitted, offset))
        outsiders = {cohort["id"]: [p for p in data.partners if p not in cohort["partners"]]
                     or data.partners for cohort in data.cohorts}
        destinations = self.parallel("destinations", graduates, lambda serial_graduate: (
            self.destination(serial_graduate, outsiders[serial_graduate[1]["programme_id"]])))
        hires = [(serial, graduate, destination) for (serial, graduate), destination
                 in zip(graduates, destinations) if destination.get("started_on")]
        checks = [(graduate, self.retention_checks(serial)) for serial, graduate, _ in hires]
        self.parallel("retention checks", checks, self.retention,
                      weight=lambda graduate_checks: len(graduate_checks[1]))
        answering = [(serial, graduate, destination) for serial, graduate, destination in hires
                     if destination.get("enterprise_id") and serial % 5 < SURVEYS_ANSWERED]
        answers = self.parallel("survey answers", answering,
                                lambda hire: self.answer_surveys(data, *hire),
                                weight=lambda hire: SURVEYS_PER_HIRE)
        # counted together once all is done: a run cut short starts this part again
        data.graduates.extend(admitted)
        data.destinations += len(destinations)
        data.retention_checks += sum(len(planned) for _, planned in checks)
        data.survey_answers += sum(answers)

    def cohort_programmes(self, data, count):
        """The graduating order classes (intake 2022), each sponsored by a few
        partners, with the competencies employers rate their graduates on and
        requirements their students meet: what they achieved before the system
        was not recorded in it (the demo's graduated class is made the same way)."""
        per = max(1, min(COHORT_SPONSORS, len(data.partners) // 2))
        codes = ["G%02d-OC" % index for index in range(count)]
        sponsors = {code: [data.partners[(index * per + k) % len(data.partners)]
                           for k in range(per)] for index, code in enumerate(codes)}
        codes_of = {}
        for code, partners in sponsors.items():
            for partner in partners:
                codes_of.setdefault(partner, []).append(code)
        self.agreements("cohort agreements", "基准往届订单班协议", "2022-01-01", codes_of)
        api = self.api

        def cohort(index_code):
            index, code = index_code
            created = self.programme(code, sponsors[code], MAX_CAPACITY, kind="order_class",
                                     name="基准往届订单班 %02d" % index, intake_year=2022)
            path = "/v1/programmes/%s" % created["id"]
            api.call("PUT", path + "/competencies", {"competencies": list(COMPETENCIES)})
            api.call("POST", path + "/graduation-requirements", {
                "credits": 0, "placement_hours": 0, "certificates": [],
                "effective_from": "2022-09-01", "note": "基准数据：往届学业记录未录入系统"})
            return created
        data.cohorts = self.parallel("cohort programmes", enumerate(codes), cohort)

    def graduate(self, students):
        """Per cohort, the graduation check (each student checked against the
        requirements), then the bulk graduation, at most 1,000 students a call,
        one call at a time as the registrar confirms them."""
        api = self.api
        of_cohort = {}
        for student in students:
            of_cohort.setdefault(student["programme_id"], []).append(student["id"])

        def check(cohort_ids):
            cohort, ids = cohort_ids
            path = "/v1/programmes/%s/graduation-check?status=active" % cohort
            page = api.call("GET", path + "&limit=1")
            if page["eligible"] < len(ids):
                missing = api.call("GET", path + "&eligible=false&limit=3")["items"]
                raise ApiError("%d of cohort %s's %d may graduate: %s" % (
                    page["eligible"], cohort, len(ids), missing))
        self.parallel("graduation checks", of_cohort.items(), check,
                      weight=lambda cohort_ids: len(cohort_ids[1]), workers=1)

        def confirm(cohort_ids):
            cohort, ids = cohort_ids
            report = api.call("POST", "/v1/programmes/%s/graduations" % cohort,
                              {"student_ids": ids})
            refused = [s for s in report["students"] if not s["graduated"] and
                       s.get("missing") != ["already graduated"]]  # a retried call
            if refused:
                raise ApiError("graduation refused: %s" % refused[:3])
        calls = [(cohort, ids[start:start + GRADUATES_PER_CALL])
                 for cohort, ids in of_cohort.items()
                 for start in range(0, len(ids), GRADUATES_PER_CALL)]
        self.parallel("graduations", calls, confirm, weight=lambda call: len(call[1]),
                      workers=1)

    def destination(self, serial_graduate, outsiders):
        """The graduate's first destination, of the kind its place in
        ``DESTINATIONS`` says; the body recorded."""
        serial, graduate = serial_graduate
        rng = self.item_rng("destination", serial)
        kind = DESTINATIONS[serial % len(DESTINATIONS)]
        started_on = (self.today - timedelta(days=rng.randint(380, 540))).isoformat()
        body = {
            "sponsor": {"kind": "hired", "enterprise_id": graduate["partner_id"],
                        "position": "数控工艺员", "started_on": started_on},
            "partner": {"kind": "hired", "enterprise_id": outsiders[serial % len(outsiders)],
                        "position": "设备运维员", "started_on": started_on},
            "employer": {"kind": "hired", "employer_name": "基准外部企业%03d" % (serial % 97),
                         "started_on": started_on},
            "further_study": {"kind": "further_study", "started_on": started_on,
                              "employer_name": "基准职业技术大学（专升本）"},
            "other": {"kind": "other", "note": "应征入伍"},
            "not_yet_placed": {"kind": "not_yet_placed"},
        }[kind]
        self.api.call("PUT", "/v1/students/%s/destination" % graduate["id"], body)
        return body if body["kind"] == "hired" else {}

    def retention_checks(self, serial):
        """The 6-month check of a hire, and the 12-month one of who stayed then."""
        rng = self.item_rng("retention", serial)
        checks = []
        for months, stays in ((6, 0.9), (12, 0.85)):
            checks.append({"months": months, "still_employed": rng.random() < stays})
            if not checks[-1]["still_employed"]:
                break
        return checks

    def retention(self, graduate_checks):
        graduate, checks = graduate_checks
        for check in checks:
            self.api.call("POST", "/v1/students/%s/retention-checks" % graduate["id"], check)

    def answer_surveys(self, data, serial, graduate, destination):
        """The employer answers the graduate's open surveys (6 and 12 months, both
        due); how many it answered."""
        token = data.enterprise_tokens[destination["enterprise_id"]]
        rng = self.item_rng("survey", serial)
        surveys = self.api.call("GET", "/v1/employer-surveys?student_id=%s&status=open"
                                % graduate["id"], token=token)["items"]
        for survey in surveys:
            # 设备维护 rated lowest: the results name the competency to work on
            self.api.call("POST", "/v1/employer-surveys/%s/answers" % survey["id"], {
                "ratings": {competency: rng.randint(1, 4) if competency == "设备维护"
                            else rng.randint(3, 5) for competency in COMPETENCIES},
                "comment": "基准问卷回答"}, token=token)
        return len(surveys)


CERTIFICATE_CODE = "1X-BN-%02d"  # the ten certificates catalogued, junior level only
COMPETITION_LEVELS = ("provincial", "college", "municipal", "college", "national", "municipal",
                      "college", "provincial", "world", "college")  # in turn
AWARDS_BY_PLACE = ("first", "second", "third", "third", "honourable")  # then none
# (level, award, credits, whether it stands in for the exam of 1X-BN-00, junior)
AWARD_RULES = (("college", "first", 1, False), ("municipal", "first", 2, False),
               ("provincial", "first", 4, True), ("provincial", "second", 2, False),
               ("national", "first", 6, True), ("world", "first", 8, False))

# the graduates' first destinations, in turn: half hired by their sponsor, 15% by another
# partner, 5% by an employer outside the partners, 15% further study, 5% other, 10% not yet
# placed; every kind among the first eight (the smoke run's)
DESTINATIONS = ("sponsor", "partner", "further_study", "sponsor", "not_yet_placed", "employer",
                "sponsor", "other", "sponsor", "partner", "sponsor", "further_study", "sponsor",
                "not_yet_placed", "sponsor", "partner", "sponsor", "further_study", "sponsor",
                "sponsor")
COMPETENCIES = ("数控编程", "设备维护", "质量意识", "职业素养")
COHORT_SPONSORS = 5  # partners sponsoring each graduating order class
GRADUATES_PER_CALL = 1000  # POST /v1/programmes/{id}/graduations takes at most this many
SURVEYS_ANSWERED = 3  # of every five hires by a partner, the employer answers
SURVEYS_PER_HIRE = 2  # at 6 and 12 months, both due: the hires began over a year ago


# -- the inbound contract, as an enterprise system speaks it --------------------------

def project_posted_event(enterprise_id, external_ref, today, sent_at=None):
    start = today + timedelta(days=30)
    return {"specversion": "1.0", "id": str(uuid.uuid4()),
            "source": "/enterprises/%s" % enterprise_id,
            "type": "edu.college.project.posted.v1",
            "time": "%sZ" % time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "datacontenttype": "application/json",
            "data": {"external_ref": external_ref, "revision": 1,
                     "title": "企业项目 %s" % external_ref if sent_at is None
                     else "bench %s %.6f" % (external_ref, sent_at),
                     "brief": "Posted by the enterprise's own system for the benchmark.",
                     "team_size": 4, "start_date": start.isoformat(),
                     "end_date": (start + timedelta(days=90)).isoformat(),
                     "milestones": [{"title": "交付", "due_date": (start + timedelta(days=80))
                                     .isoformat(), "weight": 100}]}}


def publish_projects(credentials, enterprise_id, events):
    """Publish with the enterprise's own broker user, confirmed, as its system does."""
    with Connection(credentials["url"],
                    transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        exchange = Exchange(INBOUND_EXCHANGE, type="topic", no_declare=True)
        for event in events:
            producer.publish(json.dumps(event, ensure_ascii=False).encode(), exchange=exchange,
                             routing_key=event["type"],
                             content_type="application/cloudevents+json",
                             content_encoding="utf-8", delivery_mode=2,
                             user_id=credentials["username"])
