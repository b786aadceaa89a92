"""Deterministic demo data: realistic US job sites and work orders in every state of their life.

``seed_demo(store, sites=300, workorders=3000, random_seed=42)`` fills an empty store.  The same random
seed gives the same data for the same day: scheduled dates are spread around the store's "today" (some
today, some overdue, some ahead), so the dashboard always has something to show.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from . import geo
from .formatting import UNSCHEDULED
from .store import (
    STATUSES,
    Attribute,
    Contact,
    Document,
    Note,
    Photo,
    Project,
    Question,
    Quote,
    Site,
    Store,
    Task,
    TaskItem,
    User,
    WorkOrder,
    md5_hex,
)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class City:
    name: str
    state: str
    zip: str
    lat: float
    lon: float
    tz: str
    area: str


CITIES = [
    City("New York", "NY", "10001", 40.750742, -73.996530, "America/New_York", "212"),
    City("Brooklyn", "NY", "11201", 40.693682, -73.989693, "America/New_York", "718"),
    City("Buffalo", "NY", "14202", 42.886717, -78.878392, "America/New_York", "716"),
    City("Boston", "MA", "02108", 42.357603, -71.068432, "America/New_York", "617"),
    City("Worcester", "MA", "01608", 42.262593, -71.802293, "America/New_York", "508"),
    City("Providence", "RI", "02903", 41.818535, -71.410069, "America/New_York", "401"),
    City("Hartford", "CT", "06103", 41.767013, -72.675979, "America/New_York", "860"),
    City("Newark", "NJ", "07102", 40.735657, -74.172367, "America/New_York", "973"),
    City("Philadelphia", "PA", "19103", 39.952414, -75.173980, "America/New_York", "215"),
    City("Pittsburgh", "PA", "15222", 40.442169, -79.994945, "America/New_York", "412"),
    City("Baltimore", "MD", "21202", 39.290385, -76.612189, "America/New_York", "410"),
    City("Washington", "DC", "20001", 38.912068, -77.019056, "America/New_York", "202"),
    City("Richmond", "VA", "23219", 37.540725, -77.436048, "America/New_York", "804"),
    City("Charlotte", "NC", "28202", 35.227087, -80.843127, "America/New_York", "704"),
    City("Raleigh", "NC", "27601", 35.779590, -78.638179, "America/New_York", "919"),
    City("Columbia", "SC", "29201", 34.000710, -81.034814, "America/New_York", "803"),
    City("Charleston", "SC", "29401", 32.776475, -79.931051, "America/New_York", "843"),
    City("Atlanta", "GA", "30303", 33.755711, -84.388372, "America/New_York", "404"),
    City("Savannah", "GA", "31401", 32.080899, -81.091203, "America/New_York", "912"),
    City("Jacksonville", "FL", "32202", 30.332184, -81.655651, "America/New_York", "904"),
    City("Orlando", "FL", "32801", 28.538335, -81.379236, "America/New_York", "407"),
    City("Miami", "FL", "33130", 25.761680, -80.191790, "America/New_York", "305"),
    City("Tampa", "FL", "33602", 27.950575, -82.457178, "America/New_York", "813"),
    City("Detroit", "MI", "48226", 42.331427, -83.045754, "America/Detroit", "313"),
    City("Grand Rapids", "MI", "49503", 42.963360, -85.668086, "America/Detroit", "616"),
    City("Columbus", "OH", "43215", 39.961176, -82.998794, "America/New_York", "614"),
    City("Cleveland", "OH", "44113", 41.499320, -81.694361, "America/New_York", "216"),
    City("Cincinnati", "OH", "45202", 39.103118, -84.512020, "America/New_York", "513"),
    City("Indianapolis", "IN", "46204", 39.768403, -86.158068, "America/Indiana/Indianapolis", "317"),
    City("Louisville", "KY", "40202", 38.252665, -85.758456, "America/Kentucky/Louisville", "502"),
    City("Nashville", "TN", "37203", 36.162664, -86.781602, "America/Chicago", "615"),
    City("Memphis", "TN", "38103", 35.149534, -90.048980, "America/Chicago", "901"),
    City("Knoxville", "TN", "37902", 35.960638, -83.920739, "America/New_York", "865"),
    City("Birmingham", "AL", "35203", 33.518589, -86.810356, "America/Chicago", "205"),
    City("New Orleans", "LA", "70112", 29.951066, -90.071532, "America/Chicago", "504"),
    City("Chicago", "IL", "60603", 41.878114, -87.629798, "America/Chicago", "312"),
    City("Milwaukee", "WI", "53202", 43.038902, -87.906474, "America/Chicago", "414"),
    City("Minneapolis", "MN", "55401", 44.977753, -93.265011, "America/Chicago", "612"),
    City("St. Louis", "MO", "63101", 38.627003, -90.199404, "America/Chicago", "314"),
    City("Kansas City", "MO", "64106", 39.099727, -94.578567, "America/Chicago", "816"),
    City("Omaha", "NE", "68102", 41.256537, -95.934503, "America/Chicago", "402"),
    City("Des Moines", "IA", "50309", 41.586835, -93.625002, "America/Chicago", "515"),
    City("Dallas", "TX", "75201", 32.776664, -96.796988, "America/Chicago", "214"),
    City("Houston", "TX", "77002", 29.760427, -95.369803, "America/Chicago", "713"),
    City("Austin", "TX", "78701", 30.267153, -97.743061, "America/Chicago", "512"),
    City("San Antonio", "TX", "78205", 29.424122, -98.493628, "America/Chicago", "210"),
    City("El Paso", "TX", "79901", 31.761878, -106.485022, "America/Denver", "915"),
    City("Oklahoma City", "OK", "73102", 35.467560, -97.516428, "America/Chicago", "405"),
    City("Denver", "CO", "80202", 39.739236, -104.990251, "America/Denver", "303"),
    City("Salt Lake City", "UT", "84111", 40.760779, -111.891047, "America/Denver", "801"),
    City("Albuquerque", "NM", "87102", 35.084386, -106.650422, "America/Denver", "505"),
    City("Boise", "ID", "83702", 43.615019, -116.202316, "America/Boise", "208"),
    City("Phoenix", "AZ", "85004", 33.448377, -112.074037, "America/Phoenix", "602"),
    City("Tucson", "AZ", "85701", 32.222607, -110.974711, "America/Phoenix", "520"),
    City("Las Vegas", "NV", "89101", 36.169941, -115.139830, "America/Los_Angeles", "702"),
    City("Los Angeles", "CA", "90012", 34.052234, -118.243685, "America/Los_Angeles", "213"),
    City("San Diego", "CA", "92101", 32.715738, -117.161084, "America/Los_Angeles", "619"),
    City("San Francisco", "CA", "94103", 37.774929, -122.419416, "America/Los_Angeles", "415"),
    City("Sacramento", "CA", "95814", 38.581572, -121.494400, "America/Los_Angeles", "916"),
    City("Portland", "OR", "97204", 45.515232, -122.678385, "America/Los_Angeles", "503"),
    City("Seattle", "WA", "98101", 47.606209, -122.332071, "America/Los_Angeles", "206"),
    City("Spokane", "WA", "99201", 47.658780, -117.426047, "America/Los_Angeles", "509"),
]

COMPANY_FIRST = [
    "Acme",
    "Summit",
    "Blue Ridge",
    "Lakeside",
    "Pioneer",
    "Harbor",
    "Golden State",
    "Keystone",
    "Evergreen",
    "Red Rock",
    "Liberty",
    "Prairie",
    "Coastal",
    "Granite",
    "Riverbend",
    "Northstar",
    "Magnolia",
    "Cardinal",
    "Silver Creek",
    "O'Malley's",
    "Main Street",
    "Sunbelt",
    "Frontier",
    "Heritage",
    "Peachtree",
    "Lone Star",
    "Bayou",
    "Cascade",
    "Mesa",
    "Great Lakes",
]
COMPANY_SECOND = [
    "Pharmacy",
    "Grocers",
    "Hardware",
    "Auto Parts",
    "Medical Clinic",
    "Credit Union",
    "Bank",
    "Fitness",
    "Coffee Co.",
    "Burger Bar",
    "Pet Supply",
    "Outfitters",
    "Dental",
    "Logistics",
    "Distribution Center",
    "Hotel",
    "Cinema",
    "Tire & Service",
    "Market",
    "Bakery & Cafe",
]
COMPANY_SUFFIX = ["", "", "", " Inc.", " LLC", " & Sons", " Co."]
STREETS = [
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Washington Blvd",
    "Park Ave",
    "Elm St",
    "Pine St",
    "Commerce Way",
    "Industrial Pkwy",
    "Market St",
    "Broadway",
    "Lincoln Ave",
    "Highland Rd",
    "Church St",
    "River Rd",
    "Airport Blvd",
    "Center St",
    "Lake Shore Dr",
    "Mill Rd",
    "Union Ave",
]
FIRST_NAMES = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Carlos",
    "Maria",
    "Wei",
    "Aisha",
    "Tyrone",
    "Priya",
    "Sean",
    "Keisha",
    "Dmitri",
    "Sofia",
    "Hiroshi",
    "Fatima",
    "Brandon",
    "Megan",
    "Luis",
    "Grace",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Nguyen",
    "Patel",
    "Kim",
    "O'Connor",
    "Washington",
    "Okafor",
    "Schmidt",
    "Rossi",
]
INSTALLERS = [
    Contact("AAA Installers Ltd.", "404-555-0143", "dispatch@aaa-installers.example"),
    Contact("Precision Cabling LLC", "214-555-0177", "jobs@precisioncabling.example"),
    Contact("Summit Field Services", "303-555-0121", "ops@summitfield.example"),
    Contact("Coastline Networks", "619-555-0198", "service@coastline.example"),
    Contact("Keystone Low Voltage", "215-555-0164", "schedule@keystonelv.example"),
    Contact("Great Lakes Tech Crew", "312-555-0135", "crew@gltech.example"),
]
PROJECT_NAMES = [
    "API Project Test",
    "Retail Refresh 2026",
    "Branch Wi-Fi Upgrade",
    "POS Terminal Rollout",
    "Digital Signage Phase 2",
    "Security Camera Retrofit",
    "SD-WAN Migration",
    "Satellite Backup Links",
]
TASK_ITEM_NAMES = [
    "1M Antenna",
    "1M Antenna w/NPRM Kit",
    "1.2M Antenna",
    "1.8M Antenna",
    "**Technician Down Payment**",
    "Additional Labor (per hour)",
    "After Hours Premium",
    "Cable Run (per drop)",
    "Cancellation Fee",
    "Cat6 Patch Panel",
    "Conduit (per foot)",
    "Digital Signage Mount",
    "Equipment Removal",
    "Fiber Termination",
    "IP Camera Install",
    "Materials",
    "Network Switch Replacement",
    "NVR Configuration",
    "POS Terminal Install",
    "Rack and Stack",
    "Revisit",
    "Router Swap",
    "Site Survey",
    "Technician Wait Time",
    "Travel Time",
    "Trip Charge",
    "UPS Install",
    "Wireless Access Point Install",
    "Wireless Survey",
]
ATTRIBUTES = [
    ("Store hours", ["Mon-Fri 8am-6pm", "24/7", "Mon-Sat 9am-9pm, Sun 11am-6pm"]),
    ("Gate code", ["#4512", "*0099#", "Call ahead"]),
    ("Parking", ["Rear lot", "Street only", "Loading dock B"]),
    ("Network closet", ["Back office, ceiling tile 3", "Basement room 012", "Behind the pharmacy counter"]),
    ("District", ["North", "South", "East", "West", "Central"]),
    ("Escort required", ["Yes", "No"]),
]
SUMMARIES = [
    ("Replace network switch", "Swap the failed switch in the main rack and restore all ports."),
    ("Install wireless access points", "Mount and cable new access points in the sales floor ceiling."),
    ("Run new cable drops", "Pull Cat6 drops to the new register positions and certify each one."),
    ("Install 1M satellite antenna", "Roof mount with NPRM kit; peak and pol the dish, confirm lock."),
    ("POS terminal refresh", "Remove old terminals, install and test the new units at every lane."),
    ("Camera system upgrade", "Replace analog cameras with IP cameras and configure the NVR."),
    ("Digital signage install", "Mount two displays by the entrance and connect the media players."),
    ("Router swap for SD-WAN", "Replace the edge router, confirm both circuits come up on the new unit."),
    (
        "Troubleshoot intermittent outage",
        "Store loses connectivity in the afternoons; find and fix the cause.",
    ),
    ("Decommission equipment", "Remove legacy equipment from the closet and ship it back."),
]
SURVEY_SUMMARIES = [
    ("Site survey for new location", "Document the closet, power, cable paths and roof access."),
    ("Wireless survey", "Heat-map the floor and propose access point positions."),
]
REQUESTED_TEXT = [
    "ASAP",
    "Next week, mornings preferred",
    "Any weekday after 2pm",
    "Before store opening",
    "Weekend only",
    "",
]
NOTES = [
    "Please call the store manager 30 minutes before arrival.",
    "Tech confirmed ETA with site contact.",
    "Customer asked to reschedule due to inventory day.",
    "Parts shipped via ground, tracking 1Z999AA10123456784.",
    "Site contact is out this week; ask for the assistant manager.",
    "Ladder required: ceiling height 14 ft.",
    "Tech on site.",
    "Tech checked out; work completed and tested.",
]
HTML_NOTES = [
    "<b>Important:</b> bring a lift for the high ceiling.",
    "Customer pasted this into the portal: <script>alert(1)</script>",
    "Use the <i>rear</i> entrance &amp; sign in at security.",
]
QUESTIONS = [
    "Did you secure all equipment and provide login details to the client?",
    "Did you clean up your work area and discard all trash?",
    "Did the site contact sign off on the work?",
    "Were all cable drops labelled and tested?",
]
ANSWERS = [
    "Yes.",
    "Yes, signed by the store manager.",
    "Yes, all ports tested.",
    "No - manager unavailable.",
    "Partially; see notes.",
]
QUOTE_ITEMS = [
    ("Survey", "New site survey quote", 750),
    ("Labor", "Estimated installation labor", 1200),
    ("Materials", "Cable, connectors and mounts", 480),
    ("Lift rental", "Scissor lift, one day", 350),
]

# Status mix, in percent.
STATUS_WEIGHTS = {10: 7, 20: 7, 30: 9, 40: 9, 50: 9, 60: 22, 70: 8, 80: 9, 90: 12, 95: 4, 99: 4}


# ------------------------------------------------------------------------------------------- file pool


def make_file_pool(files_dir: Path) -> dict[str, list[str]]:
    """Small real files that generated records share: JPEG photos, PDF and text documents."""
    from PIL import Image, ImageDraw

    pool = files_dir / "pool"
    pool.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[str]] = {"jpg": [], "pdf": [], "txt": []}
    colors = [(52, 101, 164), (78, 154, 6), (204, 0, 0), (117, 80, 123), (193, 125, 17), (85, 87, 83)]
    for i, color in enumerate(colors, start=1):
        path = pool / f"photo_{i}.jpg"
        if not path.exists():
            image = Image.new("RGB", (320, 240), color)
            draw = ImageDraw.Draw(image)
            draw.rectangle((20, 20, 300, 220), outline=(255, 255, 255), width=3)
            draw.text((40, 110), f"Close-out photo {i}", fill=(255, 255, 255))
            image.save(path, "JPEG", quality=70)
        out["jpg"].append(f"pool/{path.name}")
    for i, title in enumerate(["Close-out sign-off sheet", "W-9 form", "Site plan"], start=1):
        path = pool / f"document_{i}.pdf"
        if not path.exists():
            page = Image.new("RGB", (612, 792), (255, 255, 255))
            ImageDraw.Draw(page).text((72, 72), title, fill=(0, 0, 0))
            buffer = io.BytesIO()
            page.save(buffer, "PDF", resolution=72)
            path.write_bytes(buffer.getvalue())
        out["pdf"].append(f"pool/{path.name}")
    for i, text in enumerate(
        ["Scope of work\n", "Equipment list\n- switch\n- patch panel\n", "Access notes\n"], start=1
    ):
        path = pool / f"document_{i}.txt"
        if not path.exists():
            path.write_text(text)
        out["txt"].append(f"pool/{path.name}")
    return out


# ------------------------------------------------------------------------------------------- generator


class _Generator:
    def __init__(self, store: Store, random_seed: int):
        self.store = store
        self.rng = random.Random(random_seed)
        self.now = store.now().astimezone(UTC)
        self.pool = make_file_pool(store.files_dir)
        self.sizes = {p: store.file_path(p).stat().st_size for paths in self.pool.values() for p in paths}

    # ---- helpers
    def person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def phone(self, area: str) -> str:
        return f"{area}-555-{self.rng.randint(100, 199):04d}"

    def email(self, name: str, domain: str) -> str:
        return f"{name.lower().replace(' ', '.').replace(chr(39), '')}@{domain}"

    def pool_doc(self, owner_key: str, owner_id: int, filename: str, description: str, kind: str) -> Document:
        path = self.rng.choice(self.pool[kind])
        content_type = "application/pdf" if kind == "pdf" else "text/plain"
        return Document(
            self.store.next_id("document"),
            owner_key,
            owner_id,
            filename,
            description,
            path,
            content_type,
            self.sizes[path],
        )

    # ---- reference data
    def users(self) -> list[User]:
        users = [
            User(
                self.store.next_id("user"),
                DEMO_USERNAME,
                md5_hex(DEMO_PASSWORD),
                "Demo Dispatcher",
                "demo@example.com",
                "803-555-0100",
                last_login=self.now - timedelta(hours=3),
            )
        ]
        for i in range(11):
            name = f"{FIRST_NAMES[i]} {LAST_NAMES[i]}"
            username = f"{FIRST_NAMES[i][0]}{LAST_NAMES[i]}".lower()
            users.append(
                User(
                    self.store.next_id("user"),
                    username,
                    md5_hex(f"{username}-password"),
                    name,
                    self.email(name, "client.example"),
                    self.phone("803"),
                    restricted=(i in (3, 7)),
                    enabled=(i != 10),
                    last_login=self.now
                    - timedelta(days=self.rng.randint(0, 60), minutes=self.rng.randint(0, 1440)),
                )
            )
        return users

    def projects(self) -> list[Project]:
        return [Project(self.store.next_id("project"), name) for name in PROJECT_NAMES]

    def task_items(self) -> list[TaskItem]:
        return [TaskItem(self.store.next_id("taskitem"), name) for name in TASK_ITEM_NAMES]

    # ---- sites
    def site(self, number: int) -> tuple[Site, City]:
        rng = self.rng
        city = rng.choice(CITIES)
        state_name = geo.US_STATES[city.state]
        company = f"{rng.choice(COMPANY_FIRST)} {rng.choice(COMPANY_SECOND)}{rng.choice(COMPANY_SUFFIX)}"
        contact1 = self.person()
        domain = "".join(ch for ch in company.lower() if ch.isalnum())[:16] + ".example"
        site_id = self.store.next_id("site")
        site = Site(
            id=site_id,
            name=company,
            siteid=f"ST-{number:05d}",
            phone=self.phone(city.area),
            fax=self.phone(city.area) if rng.random() < 0.2 else "",
            notes=rng.choice(
                ["", "", "Back door deliveries only.", "Alarm code with the manager.", "Closed on Sundays."]
            ),
            street=f"{rng.randint(10, 9899)} {rng.choice(STREETS)}",
            street2=rng.choice(["", "", "", f"Suite {rng.randint(100, 950)}", f"Unit {rng.randint(1, 40)}"]),
            street3="",
            city=city.name,
            state=state_name,
            stateabbr=city.state,
            zip=city.zip if rng.random() < 0.8 else f"{city.zip}-{rng.randint(1000, 9999)}",
            country=geo.COUNTRY_US,
            latitude=f"{city.lat + rng.uniform(-0.05, 0.05):.6f}",
            longitude=f"{city.lon + rng.uniform(-0.05, 0.05):.6f}",
            timezone=city.tz,
            contact1=Contact(contact1, self.phone(city.area), self.email(contact1, domain)),
            contact2=Contact(),
            last_modified=self.now - timedelta(days=rng.randint(30, 900), seconds=rng.randint(0, 86400)),
        )
        if rng.random() < 0.6:
            contact2 = self.person()
            site.contact2 = Contact(contact2, self.phone(city.area), self.email(contact2, domain))
        for name, values in rng.sample(ATTRIBUTES, rng.randint(0, 3)):
            site.attributes.append(
                Attribute(self.store.next_id("attribute"), site_id, name, rng.choice(values))
            )
        if rng.random() < 0.2:
            site.documents.append(self.pool_doc("site_id", site_id, "site_plan.pdf", "Site plan", "pdf"))
        return site, city

    # ---- work orders
    def scheduled(self, status: int, tz: str, age_days: int) -> str:
        """A site-local visit time; a past visit never comes before the work order was created."""
        rng = self.rng
        today = self.now.astimezone(ZoneInfo(tz)).date()
        if status in (10, 20, 30, 40, 50) or (status in (95, 99) and rng.random() < 0.5):
            return UNSCHEDULED
        if status == 60:
            roll = rng.random()
            offset = (
                0
                if roll < 0.2
                else (-rng.randint(1, max(1, min(10, age_days))) if roll < 0.35 else rng.randint(1, 30))
            )
        elif status == 70:
            offset = 0 if rng.random() < 0.6 else -rng.randint(1, max(1, min(3, age_days)))
        elif status == 99:
            offset = rng.randint(-20, 20)
        else:  # 80, 90, 95: in the past
            offset = -rng.randint(1, max(1, min(60, age_days - 1)))
        hour = rng.choice([8, 9, 10, 11, 13, 14, 15, 16])
        minute = rng.choice([0, 0, 30])
        return f"{today + timedelta(days=offset)} {hour:02d}:{minute:02d}:00"

    def workorder(
        self, sites: list[Site], users: list[User], projects: list[Project], task_items: list[TaskItem]
    ) -> WorkOrder:
        rng = self.rng
        site = rng.choice(sites)
        tz = site.timezone
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        survey = rng.random() < 0.1
        summary, description = rng.choice(SURVEY_SUMMARIES if survey else SUMMARIES)
        age_days = rng.randint(20, 150) if status in (80, 90, 95) else rng.randint(0, 40)
        created = self.now - timedelta(days=age_days, seconds=rng.randint(0, 86400))
        created = min(created, self.now)
        wo_id = self.store.next_id("workorder")
        wo = WorkOrder(
            id=wo_id,
            status_code=status,
            type="Site Survey" if survey else "Work Order",
            submitter_id=rng.choice(users[:10]).user_id,
            po=f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.7 else "",
            client_reference=f"CR-{rng.randint(100000, 999999)}" if rng.random() < 0.6 else "",
            summary=summary,
            description=description,
            requested_install=(
                (created + timedelta(days=rng.randint(2, 14)))
                .astimezone(ZoneInfo(tz))
                .strftime("%Y/%m/%d 09:00:00")
                if rng.random() < 0.5
                else rng.choice(REQUESTED_TEXT)
            ),
            site_id=site.id,
            project_id=rng.choice(projects).project_id if rng.random() < 0.7 else None,
            created=created,
            last_modified=created,
            scheduled_date=self.scheduled(status, tz, age_days),
        )
        assigned = status >= 40 and not (status in (95, 99) and rng.random() < 0.5)
        if assigned:
            wo.installer = rng.choice(INSTALLERS)
        if assigned and status >= 60:
            tech = self.person()
            wo.planned_tech = Contact(tech, self.phone(rng.choice(CITIES).area))
        moments = sorted(
            created + timedelta(minutes=rng.randint(1, max(2, age_days * 1440))) for _ in range(6)
        )
        moments = [min(m, self.now) for m in moments]
        if status in (70, 80, 90) and wo.scheduled_date != UNSCHEDULED:
            # Answers and photos arrive from the technician a few hours after the visit.
            visit = datetime.strptime(wo.scheduled_date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(tz))
            done = min(visit.astimezone(UTC) + timedelta(minutes=rng.randint(60, 240)), self.now)
            moments[3] = moments[4] = max(done, created)

        wo.notes.append(
            Note(self.store.next_id("note"), wo_id, self.person(), "Status set to Created.", created)
        )
        if status != 10:
            wo.notes.append(
                Note(
                    self.store.next_id("note"),
                    wo_id,
                    "TechLink Project Manager",
                    f"Status set to {STATUSES[status]}.",
                    moments[0],
                )
            )
        for moment in moments[1 : 1 + rng.randint(0, 3)]:
            text = rng.choice(HTML_NOTES) if rng.random() < 0.06 else rng.choice(NOTES)
            wo.notes.append(Note(self.store.next_id("note"), wo_id, self.person(), text, moment))

        if status >= 40 and status != 95:
            for _ in range(rng.randint(0, 3)):
                item = rng.choice(task_items)
                wo.tasks.append(
                    Task(
                        self.store.next_id("task"),
                        wo_id,
                        item.name,
                        f"{item.name} per scope",
                        Decimal(rng.choice([1, 1, 1, 2, 3, 4])),
                        Decimal(rng.choice([85, 125, 250, 450, 1200, 5000])),
                        moments[1],
                        [],
                        [],
                    )
                )
        if status in (20, 30) or survey or rng.random() < 0.1:
            for item, text, rate in rng.sample(QUOTE_ITEMS, rng.randint(1, 2)):
                wo.quotes.append(
                    Quote(
                        self.store.next_id("quote"), wo_id, item, text, Decimal(1), Decimal(rate), moments[2]
                    )
                )

        finished = status in (80, 90)
        working = status == 70
        if status >= 40 and status != 95:
            for order, question in enumerate(rng.sample(QUESTIONS, 3), start=1):
                answer = ""
                if (finished and rng.random() > 0.15) or (working and rng.random() < 0.4):
                    answer = rng.choice(ANSWERS)
                wo.questions.append(
                    Question(
                        self.store.next_id("question"),
                        wo_id,
                        question,
                        answer,
                        order,
                        moments[3] if answer else created,
                    )
                )
        if finished or working:
            for _ in range(rng.randint(2, 5) if finished else rng.randint(0, 2)):
                photo_id = self.store.next_id("photo")
                path = rng.choice(self.pool["jpg"])
                wo.photos.append(
                    Photo(
                        photo_id,
                        wo_id,
                        rng.choice(
                            [
                                "Closet before",
                                "Closet after",
                                "Rack front",
                                "Antenna mount",
                                "Signed sign-off sheet",
                                "Cable labels",
                            ]
                        ),
                        f"wo_{wo_id}_{photo_id}.jpg",
                        path,
                        "image/jpeg",
                        moments[4],
                        self.sizes[path],
                    )
                )
        if rng.random() < 0.25:
            wo.client_documents.append(
                self.pool_doc("workorder_id", wo_id, "scope_of_work.txt", "Scope of work", "txt")
            )
        if status >= 40 and status != 95 and rng.random() < 0.5:
            wo.required_documents.append(
                self.pool_doc(
                    "workorder_id", wo_id, f"wo_{wo_id}_signoff.pdf", "Customer sign-off sheet", "pdf"
                )
            )
            if finished:
                wo.closeout_documents.append(
                    self.pool_doc(
                        "workorder_id",
                        wo_id,
                        f"wo_{wo_id}_signoff_signed.pdf",
                        "Signed sign-off sheet",
                        "pdf",
                    )
                )
        if finished and rng.random() < 0.3:
            wo.closeout_documents.append(
                self.pool_doc("workorder_id", wo_id, f"wo_{wo_id}_w9.pdf", "W-9 form", "pdf")
            )
        wo.last_modified = max([created, *(n.created for n in wo.notes)])
        return wo


def seed_demo(
    store: Store, *, sites: int = 300, workorders: int = 3000, random_seed: int = 42
) -> dict[str, int]:
    """Fill ``store`` with demo data (appending to whatever it holds); answers the object counts."""
    if sites < 1 and workorders > 0:
        raise ValueError("work orders need at least one site")
    gen = _Generator(store, random_seed)
    with store.lock:
        users = gen.users() if not store.users else list(store.users.values())
        projects = gen.projects() if not store.projects else list(store.projects.values())
        task_items = gen.task_items() if not store.task_items else list(store.task_items.values())
        store.add_objects([*users, *projects, *task_items])
        first = len(store.sites) + 1
        new_sites = [gen.site(first + i)[0] for i in range(sites)]
        store.add_objects(new_sites)
        all_sites = list(store.sites.values())
        batch: list[WorkOrder] = []
        for _ in range(workorders):
            batch.append(gen.workorder(all_sites, users, projects, task_items))
            if len(batch) >= 2000:
                store.add_objects(batch)
                batch = []
        store.add_objects(batch)
    return store.stats()


def seed_reference(store: Store) -> None:
    """Only the account itself (users with the demo login, projects, task items): enough to authenticate."""
    seed_demo(store, sites=0, workorders=0)
