"""Every screen of the demo, as each demo user sees it: a bounded crawl of the links.

The demo is built once for the module. Each demo user logs in, switches to each
administration they may see and follows the same-origin links from the dashboard (GET only),
visiting a few pages of each URL shape (so a sample of the customers, invoices, contracts,
statements... and not all of them). No page may fail; pages of administrations a user has no
role in, and actions their role does not allow, answer 403 or 404, never an error.
New screens are covered as soon as a page links to them."""

import re
import traceback
from collections import Counter, deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation

from facturo.administrations.models import Administration

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PER_SHAPE = 3  # pages visited per URL shape (digits and query values abstracted)
MAX_PAGES = 400  # per user and administration; a crawl that reaches it is reported
SKIP = ("/logout/", "/i18n/", "/switch/", "/api/", "/static/", "/admin/")
OK = {200, 302}

pytestmark = pytest.mark.django_db
FORBIDDEN = {403, 404}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        # htmx GETs load parts of pages the same way a click does
        if values.get("hx-get"):
            self.links.append(values["hx-get"] or "")


def links_of(body: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(body)
    found = []
    for href in parser.links:
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith("/") and not path.startswith(SKIP):
                found.append(path)
    return found


def shape(url: str) -> str:
    """The URL with its numbers and query values abstracted: /invoices/N/?status=*."""
    path, _, query = url.partition("?")
    path = re.sub(r"\d+", "N", path)
    keys = sorted(part.split("=", 1)[0] for part in query.split("&") if part)
    return path + ("?" + "&".join(f"{k}=*" for k in keys) if keys else "")


def crawl(client: Client) -> tuple[dict[str, int], list[str]]:
    """Visit pages breadth-first from the dashboard; returns {url: status} and failures."""
    seen_shapes: Counter[str] = Counter()
    visited: dict[str, int] = {}
    failures: list[str] = []
    queue = deque(["/"])
    queued = {"/"}
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        try:
            response = client.get(url)
        except Exception:  # the test client re-raises a view's exception: that is a 500
            failures.append(f"{url}: exception\n{traceback.format_exc(limit=-6)}")
            visited[url] = 500
            continue
        visited[url] = response.status_code
        if response.status_code not in OK | FORBIDDEN:
            failures.append(f"{url}: {response.status_code}")
            continue
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        for link in links_of(response.content.decode(), url):
            if link in queued:
                continue
            if seen_shapes[shape(link)] >= PER_SHAPE:
                continue
            seen_shapes[shape(link)] += 1
            queued.add(link)
            queue.append(link)
    return visited, failures


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            call_command("demo", "--no-serve", stdout=StringIO(), stderr=StringIO())
            yield
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def crawls(demo, django_db_blocker):
    """{(user, administration code): (visited, failures)} over every administration each may see."""
    results = {}
    with django_db_blocker.unblock(), translation.override("en"):
        for username in ("admin", "clerk", "auditor"):
            user = get_user_model().objects.get(username=username)
            for administration in Administration.objects.filter(code__startswith="demo-").order_by("code"):
                client = Client()
                client.force_login(user)
                switched = client.post("/switch/", {"administration": administration.pk})
                if switched.status_code in FORBIDDEN:
                    results[(username, administration.code)] = None
                    continue
                assert switched.status_code == 302, (username, administration.code, switched.status_code)
                results[(username, administration.code)] = crawl(client)
    return results


def test_report_what_was_crawled(crawls, capsys):
    with capsys.disabled():
        for (username, code), result in sorted(crawls.items()):
            if result is None:
                print(f"\n{username:8} {code:8} no access")
                continue
            visited, failures = result
            statuses = Counter(visited.values())
            print(f"\n{username:8} {code:8} {len(visited):4} pages {dict(sorted(statuses.items()))}")
    assert crawls


@pytest.mark.parametrize("username", ["admin", "clerk", "auditor"])
def test_no_screen_fails(crawls, username):
    failures = [
        f"[{code}] {failure}"
        for (user, code), result in sorted(crawls.items())
        if user == username and result is not None
        for failure in result[1]
    ]
    assert not failures, "\n".join(failures)


def test_the_crawl_reaches_every_area(crawls):
    visited, _ = crawls[("admin", "demo-nl")]
    shapes = {shape(url) for url, status in visited.items() if status == 200}
    for expected in ["/customers/N/", "/sites/N/", "/items/N/", "/charges/N/", "/invoices/N/",
                     "/contracts/", "/outbox/", "/bank/"]:
        assert any(s.startswith(expected.rstrip("/").replace("N", "N")) for s in shapes), expected
    assert len(visited) < MAX_PAGES, "the crawl hit its bound; raise MAX_PAGES or PER_SHAPE less"


def test_users_see_only_their_administrations(crawls):
    assert crawls[("clerk", "demo-pl")] is None
    assert crawls[("auditor", "demo-be")] is None and crawls[("auditor", "demo-pl")] is None
    assert crawls[("auditor", "demo-nl")] is not None


def test_pages_of_another_administration_are_403_or_404(crawls, django_db_blocker):
    """What the admin saw in demo-pl (where the clerk has no role) is closed to the clerk."""
    visited, _ = crawls[("admin", "demo-pl")]
    detail_pages = [url for url, status in visited.items() if status == 200 and re.search(r"/\d+/", url)]
    assert detail_pages
    with django_db_blocker.unblock():
        client = Client()
        client.force_login(get_user_model().objects.get(username="clerk"))
        wrong = {url: client.get(url).status_code for url in detail_pages}
    assert {url: code for url, code in wrong.items() if code not in FORBIDDEN} == {}


def test_the_auditor_cannot_open_forms_that_change_things(crawls, django_db_blocker):
    """The forms the admin reached in demo-nl (new, edit, import) are 403 for its auditor."""
    admin_visited, _ = crawls[("admin", "demo-nl")]
    forms = [url for url in admin_visited if url.rstrip("/").endswith(("/new", "/edit", "/import"))]
    assert len(forms) >= 5
    with django_db_blocker.unblock():
        client = Client()
        client.force_login(get_user_model().objects.get(username="auditor"))
        answers = {url: client.get(url).status_code for url in forms}
    # the layout editor doubles as a read-only viewer of the layouts (no save button without the role)
    read_only_viewers = {"/documents/layouts/edit/"}
    assert {url: code for url, code in answers.items() if code not in FORBIDDEN and url not in read_only_viewers} == {}


# -- the screens in each UI language ---------------------------------------------------------

SAME_WORD = {("nl", "Dashboard"), ("nl", "Bank"), ("pl", "Bank"), ("fr", "Sites")}


def _title(body: str) -> str:
    found = re.search(r"<title>(.*?)</title>", body, re.S)
    return found.group(1).split("·")[0].strip() if found else ""


def _nav(body: str) -> list[str]:
    found = re.search(r'<nav class="mainnav">(.*?)</nav>', body, re.S)
    return [label.strip() for label in re.findall(r">([^<]+)</a>", found.group(1))] if found else []


@pytest.fixture(scope="module")
def in_languages(crawls, django_db_blocker):
    """{language: {url: body}} for one page of each shape the admin reached in demo-nl."""
    visited, _ = crawls[("admin", "demo-nl")]
    sample: dict[str, str] = {}
    for url, status in visited.items():
        if status == 200:
            sample.setdefault(shape(url), url)
    bodies: dict[str, dict[str, str]] = {}
    with django_db_blocker.unblock():
        client = Client()
        client.force_login(get_user_model().objects.get(username="admin"))
        client.post("/switch/", {"administration": Administration.objects.get(code="demo-nl").pk})
        for language in ("en", "nl", "fr", "pl"):
            client.cookies["django_language"] = language
            bodies[language] = {}
            for url in sample.values():
                response = client.get(url)
                if response.get("Content-Type", "").startswith("text/html"):
                    bodies[language][url] = response.content.decode()
    return bodies


@pytest.mark.parametrize("language", ["nl", "fr", "pl"])
def test_navigation_is_translated(in_languages, language):
    english, translated = _nav(in_languages["en"]["/"]), _nav(in_languages[language]["/"])
    assert len(english) == len(translated) >= 10
    untranslated = [e for e, t in zip(english, translated, strict=True) if e == t and (language, e) not in SAME_WORD]
    assert untranslated == []


@pytest.mark.parametrize("language", ["nl", "fr", "pl"])
def test_screen_titles_are_translated(in_languages, language):
    """Titles of list and form pages (those not named after an object) are translated."""
    untranslated = []
    for url, body in in_languages["en"].items():
        if re.search(r"\d", url.partition("?")[0]) or url not in in_languages[language]:
            continue
        english, translated = _title(body), _title(in_languages[language][url])
        if english and english == translated and (language, english) not in SAME_WORD:
            untranslated.append(f"{url}: {english}")
    assert untranslated == []


@pytest.mark.parametrize("language", ["nl", "fr", "pl"])
def test_states_on_the_new_screens_are_translated(in_languages, language):
    """A billing run's, a sending's, a statement line's and a mandate's state speak the language."""
    from facturo.billing.models import RunState
    from facturo.documents.models import SendingState
    from facturo.payments.models import LineState, MandateStatus

    def pages(prefix: str) -> list[str]:
        return [url for url in in_languages[language] if re.fullmatch(prefix, url)]

    checks = [(r"/billing/\d+/", RunState), (r"/outbox/\d+/", SendingState), (r"/bank/lines/\d+/", LineState),
              (r"/bank/", MandateStatus)]
    for pattern, states in checks:
        urls = pages(pattern)
        assert urls, pattern
        for url in urls:
            body = in_languages[language][url]
            with translation.override("en"):
                english = {state: str(state.label) for state in states}
            with translation.override(language):
                shown = [state for state in states if str(state.label) != english[state] and str(state.label) in body]
            assert shown, f"{url}: no {states.__name__} label translated to {language}"


@pytest.mark.parametrize("language", ["nl", "fr", "pl"])
def test_contract_and_customer_forms_speak_the_language(in_languages, language):
    """Choices of the contract form and the customer form's buyer reference are translated."""
    contract_form, customer_form = in_languages[language]["/contracts/new/"], in_languages[language]["/customers/new/"]
    for english in ("Quarterly", "In arrears", "Collective per customer", "Per site", "Fixed percentage"):
        assert f">{english}<" not in contract_form, english
    assert "Buyer reference on every invoice" not in customer_form
    assert ">Quarterly<" in in_languages["en"]["/contracts/new/"]


@pytest.mark.parametrize(("language", "expected"), [("nl", "Creditnota · Frans"), ("fr", "Facture · Polonais")])
def test_mail_texts_are_headed_by_document_and_language_names(in_languages, language, expected):
    body = in_languages[language]["/documents/settings/"]
    assert expected in body and "credit_note · " not in body
