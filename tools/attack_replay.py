"""Replay every finding of issue 12 against a live ``emploi demo`` and say which still reproduce.

Start a demo, keep what it printed (the demo accounts and their passwords), then::

    PYTHONPATH=$PWD EMPLOI_INDEX_DIR=var/index EMPLOI_CACHE_DIR=var/cache \\
        .venv/bin/emploi demo --port 5070 | tee var/demo.out &
    PYTHONPATH=$PWD .venv/bin/python tools/attack_replay.py --url http://127.0.0.1:5070 \\
        --accounts var/demo.out --index-dir var/index --cache-dir var/cache \\
        --instance-dir instance

Each finding is printed as FIXED, REPRODUCES or ERROR (the check could not run) with what was
seen; the exit code is 0 when every finding is fixed, 1 when one still reproduces, 2 when a
check could not run. The run changes the demo as an attacker would: it erases one demo seeker,
creates (then deactivates) an account, changes a password back and forth and leaves login
throttling counters for the loopback addresses it uses (127.0.0.2–127.0.0.9; Linux routes all
of 127/8 to the loopback). Restart the demo for a clean one.

The input findings (oversized title, 100,000-deep JSON line) run ``emploi index`` on a small
file of their own into a temporary index folder, in a child process whose address space is
capped (``--memory-cap-gb``), so that a reproduction fails inside the cap instead of taking the
machine's memory.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

FIXED, REPRODUCES, ERROR = "FIXED", "REPRODUCES", "ERROR"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ACCOUNT_LINE = re.compile(
    r"^\s+(seeker|employer|counsellor|admin)\s+(\S+@\S+)\s+(\S+)\s+\((.*)\)\s*$")
TOKEN = re.compile(r'<code class="token">([^<]+)</code>')
HUGE_ID = 2**63
ROOT = Path(__file__).resolve().parent.parent


# --- a small HTTP client: cookies, a chosen source address, no redirects followed ------------

@dataclass
class Response:
    """What came back."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> object:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class Browser:
    """One client: its cookies, and the local address it connects from."""

    base: str
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None,
                body: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = 120.0) -> Response:
        """Send one request (``path`` is sent as given: percent-encode it yourself)."""
        url = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80,
                                                timeout=timeout, source_address=(self.source, 0))
        sent = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            data = raw.read()
            received = {k: v for k, v in raw.getheaders() if k.lower() != "set-cookie"}
            for header, value in raw.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie = rest.split(";", 1)[0]
                    if cookie:
                        self.cookies[name.strip()] = cookie
                    else:
                        self.cookies.pop(name.strip(), None)
        finally:
            connection.close()
        return Response(raw.status, received, data, time.perf_counter() - started)

    def csrf(self, path: str = "/connexion") -> str:
        """The CSRF token of this client's session, read from a page's form."""
        match = CSRF_FIELD.search(self.request("GET", path).text)
        if match is None:
            raise RuntimeError(f"no CSRF field on {path}")
        return match.group(1)

    def post_form(self, path: str, data: dict[str, str], *, csrf_from: str = "/connexion",
                  headers: dict[str, str] | None = None) -> Response:
        """POST a form with the session's CSRF token."""
        return self.request("POST", path, form={**data, "csrf_token": self.csrf(csrf_from)},
                            headers=headers)

    def login(self, email: str, password: str, next_path: str | None = None) -> Response:
        """Sign in through the login form."""
        path = "/connexion" + (f"?next={next_path}" if next_path else "")
        return self.post_form(path, {"email": email, "password": password})

    def logout(self) -> Response:
        """Sign out."""
        return self.post_form("/deconnexion", {}, csrf_from="/compte")

    def new_token(self) -> str:
        """Create an API token on the account page (signed in)."""
        page = self.post_form("/compte/jetons", {"name": "attaque"}, csrf_from="/compte")
        match = TOKEN.search(page.text)
        if match is None:
            raise RuntimeError(f"no token created (HTTP {page.status})")
        return match.group(1)


@dataclass(frozen=True)
class Account:
    """A demo account as ``emploi demo`` printed it."""

    role: str
    email: str
    password: str
    note: str

    @property
    def profile_id(self) -> str | None:
        """A demo seeker's profile id, from the note."""
        match = re.search(r"profil (\S+),", self.note)
        return match.group(1) if match else None


def read_accounts(path: Path) -> dict[str, list[Account]]:
    """The demo accounts by role, from the demo's printed output."""
    accounts: dict[str, list[Account]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = ACCOUNT_LINE.match(line)
        if match:
            accounts.setdefault(match.group(1), []).append(Account(*match.groups()))
    for role in ("seeker", "employer", "counsellor", "admin"):
        if not accounts.get(role):
            raise SystemExit(f"{path}: no {role} account found (give the output of emploi demo)")
    return accounts


# --- the findings ------------------------------------------------------------------------------

@dataclass
class Outcome:
    """One finding's verdict."""

    finding: str
    verdict: str
    detail: str


@dataclass
class Context:
    """What the checks share."""

    url: str
    accounts: dict[str, list[Account]]
    index_dir: Path
    cache_dir: Path
    instance_dir: Path
    memory_cap_gb: float
    lock_hold_s: float
    sources: Iterator[str] = field(default_factory=lambda: iter(
        f"127.0.0.{n}" for n in range(2, 255)))

    def browser(self, fresh_address: bool = False) -> Browser:
        """A new client, from a loopback address of its own when asked."""
        return Browser(self.url, next(self.sources) if fresh_address else "127.0.0.1")

    def signed_in(self, account: Account) -> Browser:
        """A client signed in as ``account``, from an address of its own."""
        browser = self.browser(fresh_address=True)
        response = browser.login(account.email, account.password)
        if response.status != 302:
            raise RuntimeError(f"cannot sign in as {account.email} (HTTP {response.status})")
        return browser


Check = Callable[[Context], tuple[bool, str]]
CHECKS: list[tuple[int, str, Check]] = []
LAST = 100


def finding(name: str, order: int = 0) -> Callable[[Check], Check]:
    """Register a check: it returns (still reproduces, what was seen). Checks that leave
    throttling counters behind run last (``order``), so that the others can still sign in
    on a server that throttles by account."""
    def register(check: Check) -> Check:
        CHECKS.append((order, name, check))
        return check

    return register


@finding("open redirect: /connexion?next=/%09/evil.test and next=/%0A/x")
def open_redirect(ctx: Context) -> tuple[bool, str]:
    browser = ctx.signed_in(ctx.accounts["seeker"][0])
    tab = browser.request("GET", "/connexion?next=/%09/evil.test")
    newline = browser.request("GET", "/connexion?next=/%0A/x")
    location = tab.headers.get("Location", "")
    cleaned = "".join(c for c in location if c not in "\t\n\r")
    off_site = cleaned.startswith(("//", "/\\")) or "://" in cleaned
    return (off_site or newline.status >= 500,
            f"tab: HTTP {tab.status} Location {location!r}; newline: HTTP {newline.status}")


@finding("a session cookie copied before logout still works after it")
def cookie_after_logout(ctx: Context) -> tuple[bool, str]:
    browser = ctx.signed_in(ctx.accounts["seeker"][0])
    copied = dict(browser.cookies)
    browser.logout()
    thief = ctx.browser(fresh_address=True)
    thief.cookies = copied
    replay = thief.request("GET", "/chercheur")
    return replay.status == 200, f"replayed cookie on /chercheur: HTTP {replay.status}"


@finding("API tokens survive a password change")
def token_after_password_change(ctx: Context) -> tuple[bool, str]:
    account = ctx.accounts["employer"][-1]
    browser = ctx.signed_in(account)
    token = browser.new_token()
    temporary = "attaque-" + secrets.token_urlsafe(12)
    changed = browser.post_form("/compte/mot-de-passe",
                                {"current": account.password, "new": temporary},
                                csrf_from="/compte")
    if changed.status != 302:
        raise RuntimeError(f"password change refused (HTTP {changed.status})")
    me = ctx.browser().request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    browser.post_form("/compte/mot-de-passe", {"current": temporary, "new": account.password},
                      csrf_from="/compte")  # put the demo password back
    return me.status == 200, f"token after the password change: HTTP {me.status}"


@finding("one address can lock a real user out (per-account lock)", LAST + 1)
def lockout(ctx: Context) -> tuple[bool, str]:
    account = ctx.accounts["counsellor"][-1]
    attacker = ctx.browser(fresh_address=True)
    statuses = [attacker.login(account.email, "mauvais-mot-de-passe").status for _ in range(7)]
    owner = ctx.browser(fresh_address=True)
    answer = owner.login(account.email, account.password)
    return (answer.status != 302,
            f"attacker from {attacker.source}: {statuses}; owner from {owner.source}: "
            f"HTTP {answer.status}")


@finding("login throttling races: 40 concurrent wrong passwords (limit 5)", LAST + 2)
def throttle_race(ctx: Context) -> tuple[bool, str]:
    account = ctx.accounts["employer"][0]
    source = next(ctx.sources)
    browsers = [Browser(ctx.url, source) for _ in range(40)]
    tokens = [b.csrf() for b in browsers]
    barrier = threading.Barrier(len(browsers))

    def attempt(index: int) -> int:
        barrier.wait()
        return browsers[index].request("POST", "/connexion", form={
            "email": account.email, "password": "mauvais-mot-de-passe",
            "csrf_token": tokens[index]}).status

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        statuses = list(pool.map(attempt, range(len(browsers))))
    checked = statuses.count(401)
    return checked > 5, f"{checked} passwords checked, {statuses.count(429)} throttled"


@finding("account enumeration by login timing (unknown vs known e-mail)", LAST)
def login_timing(ctx: Context) -> tuple[bool, str]:
    known = [a.email for a in ctx.accounts["seeker"][1:4]]
    unknown = [f"personne-{secrets.token_hex(4)}@demo.emploi.test" for _ in known]
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for kind, emails in (("unknown", unknown), ("known", known)):
        for email in emails:
            browser = ctx.browser(fresh_address=True)
            token = browser.csrf()
            response = browser.request("POST", "/connexion", form={
                "email": email, "password": "mauvais-mot-de-passe", "csrf_token": token})
            times[kind].append(response.seconds)
    fast, slow = statistics.median(times["unknown"]), statistics.median(times["known"])
    return (fast < 0.5 * slow,
            f"median answer: unknown e-mail {fast * 1000:.0f} ms, known {slow * 1000:.0f} ms")


@finding("no trusted-proxy setting (every user shares the proxy's address)", LAST)
def trusted_proxies(ctx: Context) -> tuple[bool, str]:
    """A setting is not visible over HTTP: this reads the code of this checkout, and checks
    on the server that a client's own X-Forwarded-For is not trusted by default."""
    sys.path.insert(0, str(ROOT))
    from indexer.settings import Settings

    present = "trusted_proxies" in Settings.model_fields
    account = ctx.accounts["seeker"][1]
    browser = ctx.browser(fresh_address=True)
    for _ in range(5):
        token = browser.csrf()
        browser.request("POST", "/connexion", headers={"X-Forwarded-For": "192.0.2.1"},
                        form={"email": account.email, "password": "mauvais-mot-de-passe",
                              "csrf_token": token})
    token = browser.csrf()
    forged = browser.request("POST", "/connexion", headers={"X-Forwarded-For": "192.0.2.2"},
                             form={"email": account.email, "password": account.password,
                                   "csrf_token": token})
    return (not present or forged.status == 302,
            ("trusted_proxies is a setting of this checkout" if present
             else "no trusted_proxies in this checkout's indexer.settings.Settings")
            + f"; a forged X-Forwarded-For after 5 failures: HTTP {forged.status}")


@finding("an admin links a new seeker account to a profile and reads its data")
def admin_reads_profile(ctx: Context) -> tuple[bool, str]:
    admin = ctx.signed_in(ctx.accounts["admin"][0])
    email = f"attaque-{secrets.token_hex(4)}@demo.emploi.test"
    created = admin.post_form("/admin/utilisateurs", {"email": email, "role": "seeker"},
                              csrf_from="/admin/utilisateurs")
    password_match = TOKEN.search(created.text)
    row = re.search(re.escape(email) + r'</span></td>.*?/admin/utilisateurs/(\d+)/actif',
                    created.text, re.S)
    if password_match is None or row is None:
        raise RuntimeError(f"account not created (HTTP {created.status})")
    ids = {email: row.group(1)}
    target = "P000100"
    linked = admin.post_form(f"/admin/utilisateurs/{ids[email]}/lien", {"target": target},
                             csrf_from="/admin/utilisateurs")
    spy = ctx.browser(fresh_address=True)
    spy.login(email, password_match.group(1))
    export = spy.request("GET", "/chercheur/donnees")
    leaked = False
    if export.status == 200:
        try:
            data = export.json()
            leaked = isinstance(data, dict) and data.get("profile") is not None
        except ValueError:
            leaked = False
    admin.post_form(f"/admin/utilisateurs/{ids[email]}/actif", {},
                    csrf_from="/admin/utilisateurs")  # deactivate the account made here
    return leaked, (f"link to {target}: HTTP {linked.status}; the new account's "
                    f"/chercheur/donnees: HTTP {export.status}"
                    + (" with the profile" if leaked else ""))


@finding("pseudonyms are an unkeyed hash of the profile id, the same for every employer")
def pseudonyms(ctx: Context) -> tuple[bool, str]:
    seen: list[set[str]] = []
    for account in ctx.accounts["employer"][:2]:
        browser = ctx.signed_in(account)
        page = browser.request("GET", "/employeur").text
        offers = re.findall(r'<option value="([^"]+)"', page)
        shown: set[str] = set()
        for offer_id in offers:
            listing = browser.request(
                "GET", f"/employeur?offre={urllib.parse.quote(offer_id)}&top=100").text
            shown |= set(re.findall(r"Candidat (C-[0-9A-F]+)", listing))
        seen.append(shown)
    unkeyed = {"C-" + hashlib.sha256(f"emploi-profile:P{n:06d}".encode()).hexdigest()[:8].upper()
               for n in range(1, 100_000)}
    computable = set().union(*seen) & unkeyed
    shared = seen[0] & seen[1] if len(seen) == 2 else set()
    return (bool(computable) or bool(shared),
            f"{sum(map(len, seen))} pseudonyms shown to 2 employers; computable from the id: "
            f"{len(computable)}; identical across employers: {len(shared)}")


@finding("<int:…> routes answer 500 on ids >= 2**63")
def huge_ids(ctx: Context) -> tuple[bool, str]:
    browser = ctx.signed_in(ctx.accounts["seeker"][0])
    page = browser.post_form(f"/chercheur/contacts/{HUGE_ID}", {"decision": "accepter"},
                             csrf_from="/chercheur/contacts")
    return page.status >= 500, f"POST /chercheur/contacts/{HUGE_ID}: HTTP {page.status}"


@finding("Authorization: Bearer junk skips the CSRF check of page forms")
def bearer_csrf(ctx: Context) -> tuple[bool, str]:
    browser = ctx.signed_in(ctx.accounts["seeker"][0])
    response = browser.request("POST", "/compte/jetons", form={"name": "csrf"},
                               headers={"Authorization": "Bearer junk"})
    return (response.status == 200 and TOKEN.search(response.text) is not None,
            f"token form without CSRF token, with Bearer junk: HTTP {response.status}")


@finding('the admin form accepts x"><script>…@demo.test as an e-mail')
def admin_email(ctx: Context) -> tuple[bool, str]:
    admin = ctx.signed_in(ctx.accounts["admin"][0])
    email = f'x"><script>alert({secrets.randbelow(1000)})</script>@demo.test'
    response = admin.post_form("/admin/utilisateurs", {"email": email, "role": "employer"},
                               csrf_from="/admin/utilisateurs")
    return response.status == 200, f"HTTP {response.status}"


@finding("405 without an Allow header")
def allow_header(ctx: Context) -> tuple[bool, str]:
    response = ctx.browser().request("PUT", "/api/v1/search")
    return (response.status == 405 and "Allow" not in response.headers,
            f"HTTP {response.status}, Allow: {response.headers.get('Allow')!r}")


@finding("/api/v1/territoire/* absent from the OpenAPI document")
def openapi_territory(ctx: Context) -> tuple[bool, str]:
    document = ctx.browser().request("GET", "/api/v1/openapi.json").json()
    paths = [p for p in (document.get("paths", {}) if isinstance(document, dict) else {})
             if p.startswith("/territoire")]
    return not paths, f"{len(paths)} territory paths documented"


@finding("a deeply nested JSON body on the API gives 500")
def nested_json_api(ctx: Context) -> tuple[bool, str]:
    browser = ctx.signed_in(ctx.accounts["employer"][0])
    token = browser.new_token()
    body = ("[" * 100_000 + "]" * 100_000).encode()
    response = ctx.browser().request("POST", "/api/v1/contact-requests", body=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return response.status >= 500, f"HTTP {response.status}: {response.text[:120]!r}"


@finding("tag save and erasure give up on the index lock (500, edit lost, erasure half done)")
def index_lock(ctx: Context) -> tuple[bool, str]:
    counsellor = ctx.accounts["counsellor"][0]
    seeker = ctx.accounts["seeker"][-2]  # [-1] is erased by the erasure check
    assigned = next(a for a in ctx.accounts["seeker"] if counsellor.email in a.note)
    editor = ctx.signed_in(counsellor)
    form_page = f"/conseiller?profil={assigned.profile_id}"
    page = editor.request("GET", form_page).text
    skill = re.search(r'name="remove" value="([^"]+)"', page)
    if skill is None:
        raise RuntimeError(f"no skill to remove on {form_page}")
    erased_list = ctx.index_dir / "erased-profiles.txt"
    list_before = erased_list.read_bytes() if erased_list.exists() else b""
    leaver = ctx.signed_in(seeker)
    results: dict[str, Response] = {}
    with holding_index_lock(ctx.index_dir, ctx.lock_hold_s):
        edit_token, erase_token = editor.csrf(form_page), leaver.csrf("/chercheur/effacer")

        def save() -> None:
            results["edit"] = editor.request("POST", "/conseiller", form={
                "profil": assigned.profile_id or "", "action": "enregistrer",
                "remove": skill.group(1), "raison": "rejeu d'attaque",
                "csrf_token": edit_token})

        def erase() -> None:
            results["erase"] = leaver.request("POST", "/chercheur/effacer", form={
                "confirmation": "EFFACER", "csrf_token": erase_token})

        threads = [threading.Thread(target=save), threading.Thread(target=erase)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    edit, erasure = results["edit"], results["erase"]
    after = editor.request("GET", form_page).text
    still_there = ctx.browser(fresh_address=True).login(seeker.email, seeker.password).status
    list_after = erased_list.read_bytes() if erased_list.exists() else b""
    # acceptable: done (302), or 503 with Retry-After, the edit still in the form, and the
    # erasure not started (account usable, erasure list unchanged)
    edit_ok = edit.status == 302 or (edit.status == 503 and "Retry-After" in edit.headers
                                     and "rejeu d" in edit.text)
    erase_ok = erasure.status == 302 or (erasure.status == 503
                                         and "Retry-After" in erasure.headers
                                         and still_there == 302 and list_after == list_before)
    reproduces = not (edit_ok and erase_ok)
    return reproduces, (f"index locked {ctx.lock_hold_s:.0f} s by another process: tag save "
                        f"HTTP {edit.status} (Retry-After {edit.headers.get('Retry-After')}, "
                        f"edit kept in the form: {'rejeu d' in edit.text}), erasure HTTP "
                        f"{erasure.status}; account still usable: {still_there == 302}; "
                        f"erasure list changed: {list_after != list_before}; tag saved "
                        f"meanwhile: {'rejeu d' in after}")


@finding("an erased seeker's name, e-mail and phone stay on disk (index, database, WAL, cache)")
def erasure_traces(ctx: Context) -> tuple[bool, str]:
    seeker = ctx.accounts["seeker"][-1]
    browser = ctx.signed_in(seeker)
    export = browser.request("GET", "/chercheur/donnees")
    data = export.json()
    profile = data.get("profile") if isinstance(data, dict) else None
    if not isinstance(profile, dict):
        raise RuntimeError(f"{seeker.email} has no profile to erase (already erased?)")
    personal = profile.get("personal") or {}
    needles = [v for v in (personal.get("email"), personal.get("name"), personal.get("phone"))
               if v]
    erased = browser.post_form("/chercheur/effacer", {"confirmation": "EFFACER"},
                               csrf_from="/chercheur/effacer")
    if erased.status != 302:
        raise RuntimeError(f"erasure answered HTTP {erased.status}")
    traces = grep([ctx.index_dir, ctx.instance_dir, ctx.cache_dir], needles)
    return bool(traces), (f"erased {profile.get('id')} ({', '.join(needles)}); found in: "
                          + (", ".join(sorted({str(p) for p, _ in traces})) or "nothing"))


@finding("files holding personal data are world-readable")
def world_readable(ctx: Context) -> tuple[bool, str]:
    loose = []
    for root in (ctx.index_dir, ctx.instance_dir, ctx.cache_dir):
        for path in [root, *root.rglob("*")]:
            if path.is_symlink() or not path.exists():
                continue
            if path.stat().st_mode & 0o044 or (path.is_dir() and path.stat().st_mode & 0o011):
                loose.append(path)
    return bool(loose), (f"{len(loose)} readable by others, e.g. "
                         f"{', '.join(str(p) for p in loose[:3])}" if loose
                         else "index, instance and cache folders are private")


@finding("a one-word 10 MB title makes `emploi index` exhaust memory; valid records lost")
def oversized_title(ctx: Context) -> tuple[bool, str]:
    lines = [json.dumps({"id": "A-VALIDE", "title": "Vendeur en boulangerie"}),
             json.dumps({"id": "B", "title": "Vendeur " + "x" * 10_000_000})]
    return run_index(ctx, lines, "B")


@finding("a 100,000-deep JSON line gives a raw RecursionError; valid records lost")
def deep_json_line(ctx: Context) -> tuple[bool, str]:
    lines = [json.dumps({"id": "A-VALIDE", "title": "Vendeur en boulangerie"}),
             "[" * 100_000 + "]" * 100_000]
    return run_index(ctx, lines, None)


# --- helpers -----------------------------------------------------------------------------------

def grep(roots: Sequence[Path], needles: Sequence[str]) -> list[tuple[Path, str]]:
    """(file, needle) for every file under ``roots`` that holds a needle (bytes, UTF-8)."""
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [(path, n) for n in needles if n.encode("utf-8") in data]
    return found


@contextmanager
def holding_index_lock(index_dir: Path, seconds: float) -> Iterator[None]:
    """Hold the index folder's writer lock (the ``flock`` every index writer takes) from a
    separate process for ``seconds``, as a long ``emploi index`` would."""
    script = ("import fcntl, os, sys, time\n"
              "fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)\n"
              "fcntl.flock(fd, fcntl.LOCK_EX)\n"
              "print('locked', flush=True)\n"
              "time.sleep(float(sys.argv[2]))\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(index_dir / ".lock"),
                                str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "locked":
            raise RuntimeError("could not take the index lock")
        yield
    finally:
        process.wait(timeout=seconds + 60)
        if process.stdout is not None:
            process.stdout.close()


def run_index(ctx: Context, lines: list[str], bad_id: str | None) -> tuple[bool, str]:
    """Run ``emploi index`` on ``lines`` (a JSONL offer file) into a temporary index, with
    capped memory; it reproduces when the run crashes, shows a traceback, loses the valid
    record or names no line for the bad one."""
    with tempfile.TemporaryDirectory(prefix="attack-") as folder:
        offers = Path(folder) / "offers.jsonl"
        offers.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cap = int(ctx.memory_cap_gb * 1024**3)

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

        env = {**os.environ, "EMPLOI_INDEX_DIR": str(Path(folder) / "index"),
               "EMPLOI_CACHE_DIR": str(ctx.cache_dir), "EMPLOI_ENCODE_PROCESSES": "1",
               "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-c", "from webapp.cli import main; main()", "index",
                   "--offers", str(offers), "--report", str(Path(folder) / "report.jsonl")]
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True,
                                  timeout=900, preexec_fn=limit, check=False)
        except subprocess.TimeoutExpired:
            return True, "emploi index ran for more than 15 minutes"
        output = done.stdout + done.stderr
        indexed = re.search(r"indexed (\d+) offers", output)
        traceback = "Traceback (most recent call last)" in output
        names_line = re.search(r"offers\.jsonl:2\b", output) is not None
        crashed = done.returncode not in (0, 1) or indexed is None
        lost = indexed is None or int(indexed.group(1)) < 1
        reproduces = crashed or traceback or lost or (bad_id is None and not names_line)
        last = output.strip().splitlines()[-1][:160] if output.strip() else ""
        return reproduces, (f"exit {done.returncode}, "
                            f"{'indexed ' + indexed.group(1) if indexed else 'nothing indexed'}"
                            f", traceback: {traceback}, bad line named: {names_line}; "
                            f"last line: {last!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every check and print the table; the exit code says whether any reproduces."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5070")
    parser.add_argument("--accounts", type=Path, required=True,
                        help="the output of `emploi demo` (its demo accounts and passwords)")
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--instance-dir", type=Path, required=True)
    parser.add_argument("--memory-cap-gb", type=float, default=6.0,
                        help="address-space cap of the `emploi index` child runs")
    parser.add_argument("--lock-hold-s", type=float, default=30.0,
                        help="how long the index lock is held (more than the server's "
                             "index_lock_wait_s, 20 s by default)")
    parser.add_argument("--only", help="run the checks whose name contains this text")
    args = parser.parse_args(argv)
    ctx = Context(args.url, read_accounts(args.accounts), args.index_dir, args.cache_dir,
                  args.instance_dir, args.memory_cap_gb, args.lock_hold_s)
    outcomes = []
    for _order, name, check in sorted(CHECKS, key=lambda entry: entry[0]):
        if args.only and args.only not in name:
            continue
        started = time.monotonic()
        try:
            reproduces, detail = check(ctx)
            verdict = REPRODUCES if reproduces else FIXED
        except Exception as error:  # a check that cannot run is reported, not fatal
            verdict, detail = ERROR, f"{type(error).__name__}: {error}"
        outcomes.append(Outcome(name, verdict, detail))
        print(f"{verdict:<10} {name}\n           {detail}  ({time.monotonic() - started:.1f} s)",
              flush=True)
    counts = {v: sum(o.verdict == v for o in outcomes) for v in (FIXED, REPRODUCES, ERROR)}
    print(f"\n{counts[FIXED]} fixed, {counts[REPRODUCES]} still reproduce, "
          f"{counts[ERROR]} could not be checked")
    if counts[REPRODUCES]:
        return 1
    return 2 if counts[ERROR] else 0


if __name__ == "__main__":
    sys.exit(main())
