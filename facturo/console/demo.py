"""The demo data: three administrations with customers, sites, items and two months of
charges, and one billing cycle run over them, all through the services.

Names and addresses are made up. Identifiers (VAT numbers, enterprise numbers, NIPs) are
generated to pass their real checksums, and e-mail addresses use the reserved `.example`
domain, so nothing here can reach a real company or mailbox."""

import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from stdnum.be import vat as be_vat
from stdnum.de import vat as de_vat
from stdnum.nl import vat as nl_vat
from stdnum.pl import nip

from facturo.administrations.access import Context, context_for
from facturo.administrations.models import Administration, Role
from facturo.administrations.services import create_administration, grant
from facturo.catalog.services import create_item
from facturo.charges.services import create_charges
from facturo.contracts import demo as contracts_demo
from facturo.documents import demo as documents_demo
from facturo.einvoicing import demo as einvoicing_demo
from facturo.invoicing.drafting import Grouping, draft_from_charges
from facturo.invoicing.issuing import issue_invoices
from facturo.invoicing.models import InvoiceState
from facturo.invoicing.services import approve, create_credit_note, invoices, issue, write_off
from facturo.parties.services import create_customer, create_site
from facturo.payments import demo as payments_demo

Progress = Callable[[int | None, str], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    email: str
    superuser: bool
    roles: dict[str, str]  # administration code -> role; "*" means every demo administration

    def describe(self) -> str:
        if "*" in self.roles:
            text = f"{Role(self.roles['*']).label.lower()} in every demo administration"
        else:
            by_role: dict[str, list[str]] = {}
            for code, role in self.roles.items():
                by_role.setdefault(Role(role).label.lower(), []).append(code)
            text = "; ".join(f"{label} in {', '.join(codes)}" for label, codes in by_role.items())
        return text + (" (superuser)" if self.superuser else "")


USERS = (
    DemoUser("admin", "facturo-admin", "admin@facturo.example", True, {"*": Role.ADMIN}),
    DemoUser(
        "clerk",
        "facturo-clerk",
        "clerk@facturo.example",
        False,
        {"demo-nl": Role.BILLING_CLERK, "demo-be": Role.BILLING_CLERK},
    ),
    DemoUser("auditor", "facturo-auditor", "auditor@facturo.example", False, {"demo-nl": Role.AUDITOR}),
)


# -- identifiers with valid checksums ---------------------------------------------------------


def _walk(start: int, make: Callable[[int], str], valid: Callable[[str], bool]) -> str:
    for n in range(start, start + 10_000):
        if valid(make(n)):
            return make(n)
    raise ValueError(f"no valid identifier near {make(start)}")


def nl_vat_number(seed: int) -> str:
    return _walk(100_000_000 + seed * 7_919 % 800_000_000, lambda n: f"NL{n:09d}B01", nl_vat.is_valid)


def be_enterprise_number(seed: int) -> str:
    """A KBO/BCE enterprise number: 0, seven digits, and 97 minus the remainder modulo 97."""
    return _walk(
        2_000_000 + seed * 3_571 % 7_000_000, lambda n: f"0{n:07d}{97 - (n % 97):02d}", be_vat.is_valid
    )


def pl_nip(seed: int) -> str:
    return _walk(5_250_000_000 + seed * 104_729 % 4_000_000_000, lambda n: f"{n:010d}", nip.is_valid)


def de_vat_number(seed: int) -> str:
    return _walk(110_000_000 + seed * 7_919 % 800_000_000, lambda n: f"DE{n:09d}", de_vat.is_valid)


def kvk_number(seed: int) -> str:
    return f"{30_000_000 + seed * 104_723 % 9_000_000:08d}"


# -- the three administrations ----------------------------------------------------------------


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    category: str  # b2b / government / consumer
    city: str
    language: str
    role: str = ""  # contractor (reverse charge), marine (zero rate), foreign, home (reduced rate)
    country: str = ""


@dataclass
class AdministrationSpec:
    data: dict[str, Any]
    grouping: Grouping
    items: list[dict[str, Any]]
    customers: list[CustomerSpec]
    streets: list[str]
    postal_code: Callable[[random.Random], str]
    site_names: list[str]
    month_names: list[str]
    texts: dict[str, str]
    leave_drafts: int = 3
    leave_approved: int = 0
    credit_note: dict[str, Any] | None = None
    write_off_reason: str = ""
    seed: int = 0
    peppol: Callable[[str, str, int], tuple[str, str]] = field(default=lambda *_: ("", ""))


def _nl_peppol(category: str, registration: str, index: int) -> tuple[str, str]:
    if category == "government":
        return "0190", f"00000001{registration}0000"
    return "0106", registration


def _be_peppol(category: str, registration: str, index: int) -> tuple[str, str]:
    return "0208", registration


def _pl_peppol(category: str, registration: str, index: int) -> tuple[str, str]:
    return "9945", f"PL{registration}"


NL = AdministrationSpec(
    data={
        "code": "demo-nl",
        "name": "Verhoef Installatietechniek B.V.",
        "street": "Nijverheidsweg 18",
        "postal_code": "3812 PK",
        "city": "Amersfoort",
        "country": "NL",
        "vat_number": "NL123456782B01",
        "registration_number": "32145678",
        "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A",
        "email": "administratie@verhoef-installatie.example",
        "phone": "+31 33 460 12 80",
        "currency": "EUR",
        "locale": "nl",
        "invoice_pattern": "{year}-{seq:05d}",
        "credit_note_pattern": "C{year}-{seq:05d}",
    },
    grouping=Grouping.PER_CUSTOMER,
    items=[
        {"code": "ONDH-UUR", "names": {"nl": "Onderhoud en storingsdienst", "en": "Maintenance and repairs"},
         "unit": "HUR", "default_price": "72.50"},
        {"code": "VOORRIJ", "names": {"nl": "Voorrijkosten", "en": "Call-out fee"},
         "unit": "C62", "default_price": "49.00"},
        {"code": "MON-CV", "names": {"nl": "Servicecontract cv en koeling (maand)",
                                     "en": "Heating and cooling service contract (month)"},
         "unit": "MON", "default_price": "24.95"},
        {"code": "MAT", "names": {"nl": "Installatiemateriaal", "en": "Installation material"},
         "unit": "C62", "default_price": "18.40"},
        {"code": "TRAIN-FGAS", "names": {"nl": "Training F-gassen (dag)", "en": "F-gas training (day)"},
         "unit": "DAY", "default_price": "395.00", "vat_category": "E", "vat_kind": "none"},
        {"code": "INST-VERL", "names": {"nl": "Installatiewerk onderaanneming, btw verlegd",
                                        "en": "Subcontracted installation work, reverse charge"},
         "unit": "HUR", "default_price": "61.00", "vat_category": "AE", "vat_kind": "none"},
        {"code": "ZEEV-0", "names": {"nl": "Onderhoud installatie zeeschip (0%)",
                                     "en": "Maintenance of sea-going vessel installation (0%)"},
         "unit": "HUR", "default_price": "78.00", "vat_category": "Z", "vat_kind": "zero"},
        {"code": "ISOL-9", "names": {"nl": "Isolatiewerk woning, arbeid (9%)",
                                     "en": "Home insulation labour (9%)"},
         "unit": "HUR", "default_price": "58.00", "vat_kind": "reduced"},
    ],
    customers=[
        CustomerSpec("Woonstichting Eemland Wonen", "b2b", "Amersfoort", "nl"),
        CustomerSpec("Bakkerij Van der Meulen", "b2b", "Soest", "nl"),
        CustomerSpec("Hotel De Keizershof", "b2b", "Baarn", "nl"),
        CustomerSpec("Zorgcentrum De Hoven", "b2b", "Leusden", "nl"),
        CustomerSpec("Autobedrijf Jansen Amersfoort B.V.", "b2b", "Amersfoort", "nl"),
        CustomerSpec("Bouwbedrijf Hoornstra B.V.", "b2b", "Nijkerk", "nl", role="contractor"),
        CustomerSpec("Klimaattechniek Noordvallei B.V.", "b2b", "Barneveld", "nl", role="contractor"),
        CustomerSpec("Scheepswerf De Eemmond B.V.", "b2b", "Spakenburg", "nl", role="marine"),
        CustomerSpec("Logistiek Centrum Hoevelaken B.V.", "b2b", "Hoevelaken", "nl"),
        CustomerSpec("Tandartsenpraktijk Smile Soest", "b2b", "Soest", "nl"),
        CustomerSpec("Sportcentrum FitEem", "b2b", "Amersfoort", "nl"),
        CustomerSpec("Restaurant De Gouden Karper", "b2b", "Bunschoten", "nl"),
        CustomerSpec("Buurtsuper Hooglanderveen", "b2b", "Hooglanderveen", "nl"),
        CustomerSpec("Kinderopvang Het Speelbos", "b2b", "Leusden", "nl"),
        CustomerSpec("Eemland Data Services B.V.", "b2b", "Amersfoort", "en"),
        CustomerSpec("Gemeente Eemvallei", "government", "Amersfoort", "nl"),
        CustomerSpec("Waterschap Vallei en Eem", "government", "Leusden", "nl"),
        CustomerSpec("Openbare Basisschool De Regenboog", "government", "Soest", "nl"),
        CustomerSpec("J. de Vries", "consumer", "Amersfoort", "nl", role="home"),
        CustomerSpec("Fam. Bakker-Smit", "consumer", "Leusden", "nl", role="home"),
        CustomerSpec("M. el Amrani", "consumer", "Amersfoort", "nl"),
        CustomerSpec("A. Visser", "consumer", "Soest", "nl", role="home"),
        CustomerSpec("Familie Müller", "consumer", "Baarn", "de"),
        CustomerSpec("S. Thompson", "consumer", "Amersfoort", "en"),
        CustomerSpec("K. Peters", "consumer", "Nijkerk", "nl", role="home"),
    ],
    streets=["Stationsplein", "Utrechtseweg", "Kamp", "Langestraat", "Leusderweg", "Hogeweg",
             "Ringweg", "Van Asch van Wijckstraat", "Soesterweg", "Eemweg", "Kruiskamp", "Vathorstlaan"],
    postal_code=lambda r: f"{r.randint(3700, 3899)} {r.choice('ABCDEGHJKLMNPRST')}{r.choice('ABCDEGHJKLNPRST')}",
    site_names=["Hoofdvestiging", "Kantoor", "Magazijn", "Filiaal", "Complex", "Locatie"],
    month_names=["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                 "september", "oktober", "november", "december"],
    texts={"visit": "Storing verholpen", "maintenance": "Periodiek onderhoud", "material": "Materiaal",
           "training": "Training F-gassen", "contract": "SC"},
    leave_drafts=3,
    credit_note={"amount": "50.00", "vat_category": "S", "vat_rate": "21",
                 "reason": "Korting wegens vertraagde oplevering"},
    seed=31,
    peppol=_nl_peppol,
)

BE = AdministrationSpec(
    data={
        "code": "demo-be",
        "name": "Schildwacht Beveiliging BV",
        "street": "Industriepark Noord 7",
        "postal_code": "2800",
        "city": "Mechelen",
        "country": "BE",
        "vat_number": "BE" + be_enterprise_number(1),
        "registration_number": be_enterprise_number(1),
        "iban": "BE68539007547034",
        "bic": "GKCCBEBB",
        "email": "boekhouding@schildwacht.example",
        "phone": "+32 15 28 44 10",
        "currency": "EUR",
        "locale": "nl",
        "requires_approval": True,
        "invoice_pattern": "{year}/{seq:05d}",
        "credit_note_pattern": "CN{year}/{seq:05d}",
    },
    grouping=Grouping.PER_SITE,
    items=[
        {"code": "BEW-UUR", "names": {"nl": "Bewaking ter plaatse", "fr": "Gardiennage sur site",
                                      "en": "On-site guarding"}, "unit": "HUR", "default_price": "38.60"},
        {"code": "INTERV", "names": {"nl": "Interventie na alarm", "fr": "Intervention après alarme",
                                     "en": "Alarm response call-out"}, "unit": "C62", "default_price": "85.00"},
        {"code": "MON-AC", "names": {"nl": "Aansluiting alarmcentrale (maand)",
                                     "fr": "Raccordement centrale d'alarme (mois)",
                                     "en": "Alarm monitoring centre (month)"},
         "unit": "MON", "default_price": "32.50"},
        {"code": "MAT-CAM", "names": {"nl": "Camera en toebehoren", "fr": "Caméra et accessoires",
                                      "en": "Camera and accessories"}, "unit": "C62", "default_price": "189.00"},
        {"code": "OPL-BRAND", "names": {"nl": "Opleiding brandpreventie (dag)",
                                        "fr": "Formation prévention incendie (jour)",
                                        "en": "Fire prevention training (day)"},
         "unit": "DAY", "default_price": "420.00", "vat_category": "E", "vat_kind": "none"},
        {"code": "INST-MC", "names": {"nl": "Installatie alarmsysteem, medecontractant",
                                      "fr": "Installation système d'alarme, cocontractant",
                                      "en": "Alarm system installation, reverse charge"},
         "unit": "HUR", "default_price": "64.00", "vat_category": "AE", "vat_kind": "none"},
        {"code": "SCHIP-0", "names": {"nl": "Bewaking zeeschip in haven (0%)",
                                      "fr": "Surveillance navire de mer (0%)",
                                      "en": "Guarding of sea-going vessel (0%)"},
         "unit": "HUR", "default_price": "44.00", "vat_category": "Z", "vat_kind": "zero"},
        {"code": "RENO-6", "names": {"nl": "Beveiliging woning ouder dan 10 jaar (6%)",
                                     "fr": "Sécurisation habitation de plus de 10 ans (6%)",
                                     "en": "Securing a home older than 10 years (6%)"},
         "unit": "HUR", "default_price": "59.00", "vat_kind": "super_reduced"},
    ],
    customers=[
        CustomerSpec("Brouwerij De Dijlevallei", "b2b", "Mechelen", "nl"),
        CustomerSpec("Juwelier Verhaeghe", "b2b", "Antwerpen", "nl"),
        CustomerSpec("Apotheek Sint-Rombout", "b2b", "Mechelen", "nl"),
        CustomerSpec("Garage Peeters NV", "b2b", "Lier", "nl"),
        CustomerSpec("Distributiecentrum Rupelstreek NV", "b2b", "Willebroek", "nl"),
        CustomerSpec("Bouwonderneming Claes BV", "b2b", "Duffel", "nl", role="contractor"),
        CustomerSpec("Elektro Van Damme BV", "b2b", "Bonheiden", "nl", role="contractor"),
        CustomerSpec("Rederij Scheldemond NV", "b2b", "Antwerpen", "nl", role="marine"),
        CustomerSpec("Hotel Vandenberghe", "b2b", "Leuven", "nl"),
        CustomerSpec("Bijouterie Lemaire SRL", "b2b", "Wavre", "fr"),
        CustomerSpec("Restaurant Le Petit Jardin", "b2b", "Bruxelles", "fr"),
        CustomerSpec("Boulangerie Dubois SRL", "b2b", "Nivelles", "fr"),
        CustomerSpec("Kantoorpark Zuiderpoort NV", "b2b", "Mechelen", "nl"),
        CustomerSpec("Flanders Logistics Hub BV", "b2b", "Boom", "en"),
        CustomerSpec("VZW Scholengroep Sint-Jozef", "b2b", "Mechelen", "nl"),
        CustomerSpec("Gemeente Dijleland", "government", "Mechelen", "nl"),
        CustomerSpec("OCMW Rivierenland", "government", "Lier", "nl"),
        CustomerSpec("Commune de Val-Dyle", "government", "Wavre", "fr"),
        CustomerSpec("Jan Wouters", "consumer", "Mechelen", "nl", role="home"),
        CustomerSpec("An Maes", "consumer", "Lier", "nl", role="home"),
        CustomerSpec("Pierre Lambert", "consumer", "Wavre", "fr", role="home"),
        CustomerSpec("Familie Janssens", "consumer", "Bonheiden", "nl"),
        CustomerSpec("Sophie Leroy", "consumer", "Bruxelles", "fr"),
        CustomerSpec("Tom Claessens", "consumer", "Duffel", "nl"),
        CustomerSpec("Emma Hermans", "consumer", "Leuven", "nl", role="home"),
    ],
    streets=["Bruul", "IJzerenleen", "Brusselsesteenweg", "Leuvensestraat", "Kerkstraat", "Stationsstraat",
             "Antwerpsesteenweg", "Nekkerspoel", "Rue de Namur", "Chaussée de Bruxelles", "Dorpsplein"],
    postal_code=lambda r: str(r.choice([2800, 2500, 2570, 2820, 2830, 2018, 3000, 1300, 1400, 1000])),
    site_names=["Hoofdzetel", "Magazijn", "Winkel", "Vestiging", "Site", "Depot"],
    month_names=["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                 "september", "oktober", "november", "december"],
    texts={"visit": "Interventie na alarmmelding", "maintenance": "Onderhoud alarminstallatie",
           "material": "Materiaal", "training": "Opleiding brandpreventie", "contract": "BW"},
    leave_drafts=2,
    leave_approved=1,
    write_off_reason="Klein openstaand saldo, invordering niet rendabel",
    seed=32,
    peppol=_be_peppol,
)

PL = AdministrationSpec(
    data={
        "code": "demo-pl",
        "name": "Techserwis Wisła Sp. z o.o.",
        "street": "ul. Przemysłowa 14",
        "postal_code": "30-701",
        "city": "Kraków",
        "country": "PL",
        "vat_number": "PL" + pl_nip(1),
        "registration_number": pl_nip(1),
        "iban": "PL61109010140000071219812874",
        "bic": "WBKPPLPP",
        "email": "ksiegowosc@techserwis-wisla.example",
        "phone": "+48 12 345 67 80",
        "currency": "PLN",
        "locale": "pl",
        "invoice_pattern": "FV/{year}/{seq:05d}",
        "credit_note_pattern": "FK/{year}/{seq:05d}",
    },
    grouping=Grouping.COLLECTIVE_PERIOD,
    items=[
        {"code": "RBH", "names": {"pl": "Roboczogodzina serwisowa", "en": "Service hour"},
         "unit": "HUR", "default_price": "145.00"},
        {"code": "DOJAZD", "names": {"pl": "Dojazd serwisanta", "en": "Call-out fee"},
         "unit": "C62", "default_price": "120.00"},
        {"code": "ABON-MON", "names": {"pl": "Abonament monitoringu (miesiąc)",
                                       "en": "Monitoring subscription (month)"},
         "unit": "MON", "default_price": "129.00"},
        {"code": "MAT", "names": {"pl": "Materiały instalacyjne", "en": "Installation material"},
         "unit": "C62", "default_price": "64.90"},
        {"code": "SZKOL", "names": {"pl": "Szkolenie ppoż. (dzień)", "en": "Fire safety training (day)"},
         "unit": "DAY", "default_price": "1450.00", "vat_category": "E", "vat_kind": "none"},
        {"code": "USL-OO", "names": {"pl": "Usługa montażu, odwrotne obciążenie",
                                     "en": "Installation service, reverse charge"},
         "unit": "HUR", "default_price": "160.00", "vat_category": "AE", "vat_kind": "none"},
        {"code": "TRANS-0", "names": {"pl": "Serwis chłodni w transporcie międzynarodowym (0%)",
                                      "en": "Reefer service in international transport (0%)"},
         "unit": "HUR", "default_price": "150.00", "vat_category": "Z", "vat_kind": "zero"},
        {"code": "MONT-8", "names": {"pl": "Montaż w lokalu mieszkalnym (8%)",
                                     "en": "Installation in a dwelling (8%)"},
         "unit": "HUR", "default_price": "130.00", "vat_kind": "reduced"},
    ],
    customers=[
        CustomerSpec("Piekarnia Kowalski Sp. j.", "b2b", "Kraków", "pl"),
        CustomerSpec("Hotel Stare Podgórze", "b2b", "Kraków", "pl"),
        CustomerSpec("Galeria Handlowa Krokus Sp. z o.o.", "b2b", "Kraków", "pl"),
        CustomerSpec("Apteka Pod Złotym Orłem", "b2b", "Wieliczka", "pl"),
        CustomerSpec("Biurowiec Zabłocie Sp. z o.o.", "b2b", "Kraków", "pl"),
        CustomerSpec("Przychodnia Zdrowie Plus Sp. z o.o.", "b2b", "Skawina", "pl"),
        CustomerSpec("Drukarnia Nowak S.A.", "b2b", "Niepołomice", "pl"),
        CustomerSpec("Magazyny Logistyczne Wieliczka Sp. z o.o.", "b2b", "Wieliczka", "pl"),
        CustomerSpec("Restauracja Smaki Galicji", "b2b", "Kraków", "pl"),
        CustomerSpec("Szkoła Językowa Lingua", "b2b", "Kraków", "pl"),
        CustomerSpec("Transport Międzynarodowy Zieliński Sp. z o.o.", "b2b", "Bochnia", "pl", role="marine"),
        CustomerSpec("Chłodnie Małopolskie Sp. z o.o.", "b2b", "Tarnów", "pl", role="marine"),
        CustomerSpec("Nordbau Anlagentechnik GmbH", "b2b", "Dresden", "en", role="foreign", country="DE"),
        CustomerSpec("Sachsen Kältetechnik GmbH", "b2b", "Leipzig", "en", role="foreign", country="DE"),
        CustomerSpec("Stacja Paliw Orbita", "b2b", "Myślenice", "pl"),
        CustomerSpec("Urząd Gminy Wiśniowa Góra", "government", "Wiśniowa Góra", "pl"),
        CustomerSpec("Szkoła Podstawowa nr 12", "government", "Kraków", "pl"),
        CustomerSpec("Miejski Ośrodek Sportu i Rekreacji", "government", "Skawina", "pl"),
        CustomerSpec("Jan Kowalczyk", "consumer", "Kraków", "pl", role="home"),
        CustomerSpec("Anna Wiśniewska", "consumer", "Wieliczka", "pl", role="home"),
        CustomerSpec("Piotr Lewandowski", "consumer", "Kraków", "pl"),
        CustomerSpec("Katarzyna Wójcik", "consumer", "Skawina", "pl", role="home"),
        CustomerSpec("Tomasz Kamiński", "consumer", "Niepołomice", "pl"),
        CustomerSpec("Magdalena Zając", "consumer", "Kraków", "pl", role="home"),
        CustomerSpec("Michael Brown", "consumer", "Kraków", "en"),
    ],
    streets=["ul. Długa", "ul. Krakowska", "ul. Wielicka", "ul. Lipowa", "ul. Zabłocie", "al. Pokoju",
             "ul. Kalwaryjska", "ul. Mogilska", "ul. Rynek", "ul. Ogrodowa", "ul. Słoneczna"],
    postal_code=lambda r: f"{r.randint(30, 32)}-{r.randint(1, 999):03d}",
    site_names=["Siedziba", "Magazyn", "Sklep", "Oddział", "Obiekt", "Hala"],
    month_names=["styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
                 "wrzesień", "październik", "listopad", "grudzień"],
    texts={"visit": "Usunięcie awarii", "maintenance": "Przegląd okresowy", "material": "Materiały",
           "training": "Szkolenie ppoż.", "contract": "UM"},
    leave_drafts=2,
    seed=33,
    peppol=_pl_peppol,
)

SPECS = (NL, BE, PL)
CODES = tuple(spec.data["code"] for spec in SPECS)
CHARGES_PER_ADMINISTRATION = 200


# -- building -------------------------------------------------------------------------------


@dataclass
class Summary:
    code: str
    name: str
    country: str
    currency: str
    customers: int = 0
    sites: int = 0
    items: int = 0
    charges: int = 0
    drafted: int = 0
    issued: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_present() -> bool:
    return Administration.objects.filter(code__in=CODES).count() == len(CODES)


def ensure_users() -> dict[str, tuple[AbstractBaseUser, bool]]:
    """The demo users, created if missing (an existing user keeps their password)."""
    model = get_user_model()
    users: dict[str, tuple[AbstractBaseUser, bool]] = {}
    for spec in USERS:
        user = model.objects.filter(username=spec.username).first()
        created = user is None
        if user is None:
            if spec.superuser:
                user = model.objects.create_superuser(spec.username, spec.email, spec.password)
            else:
                user = model.objects.create_user(spec.username, spec.email, spec.password)
        users[spec.username] = (user, created)
    return users


def build(
    progress: Progress, say: Callable[[str], None], today: date | None = None
) -> list[Summary]:
    """Create whatever part of the demo is missing; every administration in one transaction."""
    today = today or timezone.localdate()
    users = {name: user for name, (user, _) in ensure_users().items()}
    summaries = []
    for spec in SPECS:
        if Administration.objects.filter(code=spec.data["code"]).exists():
            continue
        with transaction.atomic():
            summaries.append(_build_administration(spec, users, today, progress, say))
    return summaries


def _build_administration(
    spec: AdministrationSpec,
    users: dict[str, AbstractBaseUser],
    today: date,
    progress: Progress,
    say: Callable[[str], None],
) -> Summary:
    rng = random.Random(spec.seed)
    admin = create_administration(users["admin"], spec.data)
    ctx = context_for(users["admin"], admin)
    for user_spec in USERS:
        role = user_spec.roles.get(admin.code) or user_spec.roles.get("*")
        if role and user_spec.username != "admin":
            grant(ctx, users[user_spec.username], role)
    summary = Summary(admin.code, admin.name, admin.country, admin.currency)
    say(f"{admin.code}: {admin.name}")

    for item in spec.items:
        create_item(ctx, item)
    summary.items = len(spec.items)

    customers = _make_customers(ctx, spec, rng)
    summary.customers = len(customers)
    summary.sites = sum(len(c.sites) for c in customers)

    contract_rows, service_rows = _charge_rows(spec, customers, rng, today)
    create_charges(ctx, contract_rows, source_kind="contract")
    create_charges(ctx, service_rows, source_kind="service")
    summary.charges = len(contract_rows) + len(service_rows)

    _billing_cycle(ctx, spec, summary, today, progress)
    summary.notes.extend(einvoicing_demo.add_examples(ctx, today))
    documents_demo.setup(ctx)
    summary.notes.append(contracts_demo.build(ctx, [(c.number, c.sites) for c in customers], today))
    summary.notes.extend(payments_demo.add_bank(ctx, today))
    return summary


@dataclass
class _Customer:
    number: str
    spec: CustomerSpec
    sites: list[str]
    discount: Decimal


def _make_customers(ctx: Context, spec: AdministrationSpec, rng: random.Random) -> list[_Customer]:
    country = ctx.administration.country
    slug_base = ctx.administration.code.split("-")[-1].upper()
    made: list[_Customer] = []
    site_counter = 0
    for index, customer in enumerate(spec.customers):
        seed = spec.seed * 100 + index
        home = customer.country or country
        data: dict[str, Any] = {
            "name": customer.name,
            "street": f"{rng.choice(spec.streets)} {rng.randint(1, 180)}",
            "postal_code": spec.postal_code(rng) if home == country else f"0{rng.randint(1000, 9999)}",
            "city": customer.city,
            "country": home,
            "language": customer.language,
            "currency": ctx.administration.currency,
            "category": customer.category,
            "payment_terms_days": rng.choice([14, 30, 30, 30]) if customer.category != "government" else 30,
        }
        if customer.category == "consumer":
            data["payment_terms_days"] = 14
        if customer.category == "government":
            # Public bodies route invoices by their own purchase reference.
            data["buyer_reference"] = f"INK-{spec.seed}{index:03d}"
        slug = "".join(ch for ch in customer.name.lower() if ch.isalnum())[:24]
        data["email"] = f"{'facturen' if customer.language in ('nl', 'de') else 'invoices'}@{slug}.example"
        if customer.category != "consumer":
            registration = _registration(home, seed)
            data["registration_number"] = registration if home == country else ""
            data["vat_number"] = _vat_number(home, seed)
            if home == country and index % 3 != 2:
                data["delivery_channel"] = "peppol"
                data["peppol_scheme"], data["peppol_id"] = spec.peppol(customer.category, registration, index)
            elif index % 5 == 4:
                data["delivery_channel"] = "print"
        elif index % 4 == 3:
            data["delivery_channel"] = "print"
        created = create_customer(ctx, data)
        sites: list[str] = []
        count = 0 if customer.category == "consumer" and customer.role != "home" else (
            1 if customer.category == "consumer" else rng.choice([1, 1, 2, 2, 3])
        )
        for n in range(count):
            site_counter += 1
            code = f"{slug_base}-{site_counter:03d}"
            name = (
                "Woonhuis" if customer.category == "consumer" and country != "PL"
                else "Dom" if customer.category == "consumer"
                else f"{spec.site_names[n % len(spec.site_names)]} {customer.city}"
            )
            create_site(
                ctx,
                created.pk,
                {
                    "code": code,
                    "name": name,
                    "street": f"{rng.choice(spec.streets)} {rng.randint(1, 180)}",
                    "postal_code": data["postal_code"],
                    "city": customer.city,
                },
            )
            sites.append(code)
        discount = Decimal(rng.choice([0, 0, 0, 5, 10])) if customer.category != "consumer" else Decimal(0)
        made.append(_Customer(created.number, customer, sites, discount))
    return made


def _registration(country: str, seed: int) -> str:
    if country == "NL":
        return kvk_number(seed)
    if country == "BE":
        return be_enterprise_number(seed)
    if country == "PL":
        return pl_nip(seed)
    return ""


def _vat_number(country: str, seed: int) -> str:
    if country == "NL":
        return nl_vat_number(seed)
    if country == "BE":
        return "BE" + be_enterprise_number(seed)
    if country == "PL":
        return "PL" + pl_nip(seed)
    if country == "DE":
        return de_vat_number(seed)
    return ""


def _months(today: date) -> list[tuple[date, date]]:
    """The previous and the current calendar month."""
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return [(previous, first - timedelta(days=1)), (first, following - timedelta(days=1))]


def _charge_rows(
    spec: AdministrationSpec, customers: list[_Customer], rng: random.Random, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Monthly subscription charges (from contracts) and service charges (from work orders)."""
    items = {i["code"]: i for i in spec.items}
    codes = list(items)
    hour, callout, subscription, material, training, reverse, zero, reduced = codes
    contract: list[dict[str, Any]] = []
    service: list[dict[str, Any]] = []
    prefix = spec.texts["contract"]
    months = _months(today)

    for index, customer in enumerate(customers):
        if customer.spec.role in ("foreign",) or index % 4 == 3:
            continue
        targets = customer.sites or [""]
        for site in targets:
            reference = f"{prefix}-{today.year}-{index + 1:03d}"
            for start, end in months:
                contract.append(
                    {
                        "reference": f"{reference}/{site or 'main'}",
                        "customer": customer.number,
                        "item": subscription,
                        "description": f"{_name(items[subscription], customer)} "
                        f"{spec.month_names[start.month - 1]} {start.year}",
                        "quantity": "1",
                        "period_start": start,
                        "period_end": end,
                        "site": site,
                        "contract_reference": reference,
                    }
                )

    window = 58
    order = 0

    def visit(customer: _Customer, day: date) -> None:
        nonlocal order
        order += 1
        work_order = f"WO{today.year % 100:02d}{spec.seed:02d}{order:04d}"
        site = rng.choice(customer.sites) if customer.sites else ""
        role = customer.spec.role
        common = {"customer": customer.number, "service_date": day, "site": site}
        labour = (
            reverse if role in ("contractor", "foreign")
            else zero if role == "marine"
            else reduced if role == "home" and rng.random() < 0.6
            else hour
        )
        text = spec.texts["visit"] if rng.random() < 0.5 else spec.texts["maintenance"]
        service.append(
            {
                **common,
                "reference": f"{work_order}-1",
                "item": labour,
                "description": f"{text}, {_name(items[labour], customer).lower()} ({work_order})",
                "quantity": str(Decimal(rng.randint(2, 14)) / 2),
                "discount_percent": str(customer.discount) if customer.discount else "",
            }
        )
        if labour not in (reverse, zero):
            service.append({**common, "reference": f"{work_order}-2", "item": callout, "quantity": "1"})
        if rng.random() < 0.45:
            price = (Decimal(items[material]["default_price"]) * Decimal(rng.randint(50, 400)) / 100).quantize(
                Decimal("0.01")
            )
            category_fields = (
                {"vat_category": items[labour].get("vat_category", "S")} if labour in (reverse, zero) else {}
            )
            service.append(
                {
                    **common,
                    **category_fields,
                    "reference": f"{work_order}-3",
                    "item": material,
                    "description": f"{spec.texts['material']} ({work_order})",
                    "quantity": str(rng.randint(1, 6)),
                    "unit_price": str(price),
                }
            )

    businesses = [c for c in customers if c.spec.category != "consumer"]
    for customer in rng.sample(businesses, 6):
        day = today - timedelta(days=rng.randint(5, window))
        service.append(
            {
                "reference": f"TR-{spec.seed}-{customer.number}",
                "customer": customer.number,
                "item": training,
                "description": f"{spec.texts['training']} {day.isoformat()}",
                "quantity": str(rng.choice([1, 1, 2])),
                "service_date": day,
            }
        )
    # A few visits in the last two days stay open after the run (its cut-off is three days ago).
    for customer in rng.sample(customers, 3):
        visit(customer, today - timedelta(days=rng.randint(0, 2)))
    while len(contract) + len(service) < CHARGES_PER_ADMINISTRATION:
        visit(rng.choice(customers), today - timedelta(days=rng.randint(3, window)))
    return contract, service


def _name(item: dict[str, Any], customer: _Customer) -> str:
    names = item["names"]
    return str(names.get(customer.spec.language) or names.get("en") or item["code"])


def _billing_cycle(
    ctx: Context, spec: AdministrationSpec, summary: Summary, today: date, progress: Progress
) -> None:
    cutoff = today - timedelta(days=3)
    customers = summary.customers
    with progress(customers, f"{ctx.administration.code}: drafting") as step:
        result = draft_from_charges(ctx, spec.grouping, up_to=cutoff, progress=step)
    summary.drafted = result.invoices
    drafts = list(invoices(ctx, status="draft", sort="id").values_list("pk", flat=True))
    keep = spec.leave_drafts
    to_issue = drafts[: len(drafts) - keep] if keep else drafts
    if ctx.administration.requires_approval:
        approve(ctx, to_issue)
        if spec.leave_approved:
            to_issue = to_issue[: len(to_issue) - spec.leave_approved]
    with progress(len(to_issue), f"{ctx.administration.code}: issuing") as step:
        issued = issue_invoices(ctx, to_issue, issue_date=today, progress=step)
    if issued.refused:
        raise RuntimeError(f"the demo could not issue {issued.refused}")
    summary.issued = [i.number or "" for i in issued.issued]

    if spec.credit_note:
        target = (
            invoices(ctx, status="open", kind="invoice", sort="id")
            .filter(lines__vat_category="S", lines__vat_rate=Decimal(spec.credit_note["vat_rate"]))
            .filter(tax_inclusive__gt=Decimal(spec.credit_note["amount"]) * 3)
            .distinct()
            .first()
        )
        if target is not None:
            credit = create_credit_note(ctx, target.pk, spec.credit_note)
            credit = issue(ctx, credit.pk, issue_date=today)
            summary.notes.append(
                f"credit note {credit.number} of {credit.tax_inclusive} on invoice {target.number}"
            )
    if spec.write_off_reason:
        target = invoices(ctx, status="open", kind="invoice").order_by("amount_open", "id").first()
        if target is not None:
            amount = target.amount_open
            write_off(ctx, target.pk, spec.write_off_reason, on=today)
            summary.notes.append(f"wrote off {amount} on invoice {target.number}")


def overview() -> Iterator[dict[str, Any]]:
    """What the demo administrations hold now, for the closing message."""
    from facturo.charges.models import Charge, ChargeState
    from facturo.invoicing.models import Invoice

    for admin in Administration.objects.filter(code__in=CODES).order_by("code"):
        documents = Invoice.objects.filter(administration=admin)
        yield {
            "code": admin.code,
            "name": admin.name,
            "country": admin.country,
            "currency": admin.currency,
            "customers": admin.customers.count(),
            "issued": documents.filter(state=InvoiceState.ISSUED).count(),
            "approved": documents.filter(state=InvoiceState.APPROVED).count(),
            "drafts": documents.filter(state=InvoiceState.DRAFT).count(),
            "open_charges": Charge.objects.filter(administration=admin, state=ChargeState.OPEN).count(),
        }
