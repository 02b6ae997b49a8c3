"""The synthetic ICS's places and organisations.

Residents live in real LSOAs (2011) of eight real local authority districts, so every person's IMD 2019 decile is
genuine. Organisation codes, names and postcodes are invented, following one documented scheme so that nobody
mistakes them for real ones:

=================== ==================== =========================================
type                code                 example
=================== ==================== =========================================
icb                 ``QZZ``              Synthetic Shire ICB
locality            ``ZL1``–``ZL4``      City locality
pcn                 ``UZ`` + 4 digits    UZ0001
gp_practice         ``Z`` + 5 digits     Z00001
acute_trust         ``ZA1``…             Northgate Hospitals NHS Trust
community_provider  ``ZC1``…
hospice             ``ZH`` + 3 digits
care_home           ``ZK`` + 4 digits
urgent_care         ``ZU1``
ambulance_service   ``ZB1``
pharmacy            ``FZ`` + 3 digits    (real pharmacy codes are F + 4 characters)
local_authority     ``ZLA`` + 2 digits
=================== ==================== =========================================

Postcodes are well-formed ``NG`` postcodes made up at random; some may coincide with real ones by chance, but none is
tied to a real address. The ``postcodes`` table gives each LSOA a few of them and made-up coordinates: the
localities are placed around an invented centre and the LSOA centroids scattered about them, so distances between
places are believable but the map is of nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from peolc import reference
from peolc.analytics.contract import table

ICB_CODE = "QZZ"
ICB_NAME = "Synthetic Shire Integrated Care Board"


@dataclass(frozen=True)
class Locality:
    """One locality: its local authority districts and how its residents differ from the others."""

    code: str
    name: str
    districts: tuple[str, ...]
    postcode_districts: tuple[int, ...]
    # Positive tilts the age structure older (per decade, on the log scale of each band's weight).
    age_tilt: float
    # Share of residents not in the White British group before the deprivation and age adjustments.
    minority_share: float


LOCALITIES: tuple[Locality, ...] = (
    Locality("ZL1", "City", ("E06000018",), (1, 2, 3, 5, 6, 7, 8, 11), -0.16, 0.36),
    Locality("ZL2", "South", ("E07000172", "E07000173", "E07000176"), (4, 9, 12, 13, 14, 16), 0.06, 0.10),
    Locality("ZL3", "Mid", ("E07000170", "E07000174"), (15, 17, 18, 19, 20, 21), 0.02, 0.05),
    Locality("ZL4", "North", ("E07000171", "E07000175"), (22, 23, 24, 25), 0.10, 0.04),
)

_PLACE_WORDS = (
    "Abbey",
    "Ash",
    "Beech",
    "Birch",
    "Bridge",
    "Brook",
    "Castle",
    "Cedar",
    "Church",
    "Clifton",
    "Elm",
    "Fern",
    "Field",
    "Forest",
    "Glen",
    "Green",
    "Hall",
    "Hazel",
    "Heath",
    "Hill",
    "Holly",
    "Lake",
    "Lime",
    "Maple",
    "Meadow",
    "Mill",
    "Moor",
    "Oak",
    "Orchard",
    "Park",
    "Pine",
    "Priory",
    "Quarry",
    "River",
    "Rose",
    "Spring",
    "Stone",
    "Valley",
    "Well",
    "Willow",
    "Wood",
    "Yew",
)
_PLACE_ENDINGS = ("side", "field", "gate", "bank", "croft", "lea", "dale", "ford", "ton", "wood", "")
_PRACTICE_KINDS = ("Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Family Practice")
_CARE_HOME_KINDS = ("House", "Lodge", "Court", "Manor", "Grange", "View")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class Ics:
    """The organisations table and the arrays the population generator samples from."""

    organisations: pa.Table
    lsoa_code: np.ndarray
    lsoa_decile: np.ndarray
    lsoa_locality: np.ndarray
    lsoa_practice: np.ndarray
    practice_code: np.ndarray
    practice_pcn: np.ndarray
    practice_locality: np.ndarray
    practice_weight: np.ndarray
    locality_code: np.ndarray
    trust_code: np.ndarray
    locality_trust: np.ndarray
    community_code: np.ndarray
    locality_community: np.ndarray
    hospice_code: np.ndarray
    locality_hospice: np.ndarray
    care_home_code: np.ndarray
    care_home_locality: np.ndarray
    urgent_care_code: str

    def practices_in(self, locality: int) -> np.ndarray:
        """Indices of the practices in one locality."""
        return np.flatnonzero(self.practice_locality == locality)


def _names(rng: np.random.Generator, n: int, suffixes: tuple[str, ...]) -> list[str]:
    words = rng.choice(len(_PLACE_WORDS), n)
    endings = rng.choice(len(_PLACE_ENDINGS), n)
    kinds = rng.choice(len(suffixes), n)
    return [
        f"{_PLACE_WORDS[w]}{_PLACE_ENDINGS[e]} {suffixes[k]}".strip()
        for w, e, k in zip(words, endings, kinds, strict=True)
    ]


def _postcodes(rng: np.random.Generator, districts: tuple[int, ...], n: int) -> list[str]:
    chosen = rng.choice(np.array(districts), n)
    sectors = rng.integers(1, 10, n)
    letters = rng.integers(0, len(_INWARD_LETTERS), (n, 2))
    return [
        f"NG{d} {s}{_INWARD_LETTERS[a]}{_INWARD_LETTERS[b]}"
        for d, s, (a, b) in zip(chosen, sectors, letters, strict=True)
    ]


def _split(total: int, shares: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Split ``total`` into whole numbers proportional to ``shares``, each at least ``minimum``."""
    raw = np.maximum(minimum, np.floor(total * shares / shares.sum()).astype(int))
    remainder = total - raw.sum()
    order = np.argsort(-(total * shares / shares.sum() - raw))
    for i in range(max(0, remainder)):
        raw[order[i % len(raw)]] += 1
    return raw


def load_lsoas() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, IMD 2019 deciles and locality index of the LSOAs in the ICS, ordered by code within locality."""
    district_locality = {d: i for i, loc in enumerate(LOCALITIES) for d in loc.districts}
    rows = sorted(
        (district_locality[r["lad19cd"]], r["lsoa11cd"], int(r["imd_decile"]))
        for r in reference.rows("imd2019_lsoa_england.csv")
        if r["lad19cd"] in district_locality
    )
    locality = np.array([r[0] for r in rows], dtype=np.int8)
    codes = np.array([r[1] for r in rows])
    deciles = np.array([r[2] for r in rows], dtype=np.int8)
    return codes, deciles, locality


def build_ics(people: int, rng: np.random.Generator) -> Ics:
    """Build the organisations of an ICS sized for ``people`` registered patients.

    A 1,000,000-person ICS has 120 practices in 20 PCNs, 3 acute trusts, 2 community providers, 3 hospices and 125
    care homes; smaller ones keep 4 localities and scale the rest (at least one practice per locality).
    """
    lsoa_code, lsoa_decile, lsoa_locality = load_lsoas()
    n_loc = len(LOCALITIES)
    loc_share = np.bincount(lsoa_locality, minlength=n_loc).astype(float)

    n_practices = max(n_loc, round(people / 8300))
    practices_per_loc = _split(n_practices, loc_share)
    big = people >= 300_000
    n_trusts = 3 if big else 2
    n_community = 2 if big else 1
    n_hospices = 3 if big else 2
    n_care_homes = max(n_loc, round(people / 8000))
    n_pharmacies = max(n_loc, round(people / 10_000))

    rows: dict[str, list] = {c.name: [] for c in table("organisations").columns}

    def add(
        code: str,
        kind: str,
        name: str,
        parent: str | None,
        locality: str | None,
        postcode: str | None,
        capacity: int | None = None,
    ) -> None:
        for key, value in zip(rows, (code, kind, name, parent, locality, postcode, capacity), strict=True):
            rows[key].append(value)

    all_districts = tuple(d for loc in LOCALITIES for d in loc.postcode_districts)
    add(ICB_CODE, "icb", ICB_NAME, None, None, _postcodes(rng, (1,), 1)[0])
    for loc in LOCALITIES:
        add(loc.code, "locality", f"{loc.name} locality", ICB_CODE, loc.code, None)

    trust_code = np.array([f"ZA{i + 1}" for i in range(n_trusts)])
    trust_names = (
        "Northgate Hospitals NHS Trust",
        "Riverside University Hospitals NHS Trust",
        "Sherwood Vale Hospitals NHS Foundation Trust",
    )
    # Each locality's residents mostly use one trust; the city trust also serves the south.
    locality_trust = np.array([0, 0, 1 % n_trusts, 2 % n_trusts])
    for i, code in enumerate(trust_code):
        home = int(np.flatnonzero(locality_trust == i)[0])
        add(
            code,
            "acute_trust",
            trust_names[i],
            ICB_CODE,
            None,
            _postcodes(rng, LOCALITIES[home].postcode_districts, 1)[0],
        )

    community_code = np.array([f"ZC{i + 1}" for i in range(n_community)])
    locality_community = np.array([0, 0, 1 % n_community, 1 % n_community])
    for i, code in enumerate(community_code):
        add(
            code,
            "community_provider",
            f"Synthetic Shire Community Health {'ABC'[i]}",
            ICB_CODE,
            None,
            _postcodes(rng, all_districts, 1)[0],
        )

    hospice_code = np.array([f"ZH{i + 1:03d}" for i in range(n_hospices)])
    locality_hospice = np.array([0, 1 % n_hospices, 2 % n_hospices, 1 % n_hospices])
    for i, code in enumerate(hospice_code):
        home = int(np.flatnonzero(locality_hospice == i)[0])
        add(
            code,
            "hospice",
            _names(rng, 1, ("Hospice",))[0],
            ICB_CODE,
            LOCALITIES[home].code,
            _postcodes(rng, LOCALITIES[home].postcode_districts, 1)[0],
            int(rng.integers(10, 30)),
        )

    add(
        "ZU1",
        "urgent_care",
        "Synthetic Shire NHS 111 and Out of Hours",
        ICB_CODE,
        None,
        _postcodes(rng, all_districts, 1)[0],
    )
    add(
        "ZB1",
        "ambulance_service",
        "Synthetic Shire Ambulance Service NHS Trust",
        ICB_CODE,
        None,
        _postcodes(rng, all_districts, 1)[0],
    )
    add(
        "ZLA01",
        "local_authority",
        "Synthetic City Council",
        ICB_CODE,
        LOCALITIES[0].code,
        _postcodes(rng, LOCALITIES[0].postcode_districts, 1)[0],
    )
    add(
        "ZLA02",
        "local_authority",
        "Synthetic Shire County Council",
        ICB_CODE,
        None,
        _postcodes(rng, all_districts, 1)[0],
    )

    practice_code, practice_pcn, practice_locality = [], [], []
    pcn_number = practice_number = 0
    lsoa_practice = np.empty(lsoa_code.size, dtype=np.int32)
    for li, loc in enumerate(LOCALITIES):
        n_here = int(practices_per_loc[li])
        n_pcns = max(1, round(n_here / 6))
        pcn_of = np.sort(np.arange(n_here) % n_pcns)
        pcn_codes = [f"UZ{pcn_number + k + 1:04d}" for k in range(n_pcns)]
        for k, code in enumerate(pcn_codes):
            add(
                code,
                "pcn",
                f"{loc.name} {_PLACE_WORDS[(pcn_number + k) % len(_PLACE_WORDS)]} PCN",
                loc.code,
                loc.code,
                None,
            )
        pcn_number += n_pcns
        names = _names(rng, n_here, _PRACTICE_KINDS)
        posts = _postcodes(rng, loc.postcode_districts, n_here)
        first_practice = practice_number
        for k in range(n_here):
            practice_number += 1
            code = f"Z{practice_number:05d}"
            add(code, "gp_practice", names[k], pcn_codes[pcn_of[k]], loc.code, posts[k])
            practice_code.append(code)
            practice_pcn.append(pcn_codes[pcn_of[k]])
            practice_locality.append(li)
        # Catchments: consecutive LSOA codes (roughly neighbouring areas) share a practice, so practices differ
        # in deprivation as real ones do.
        in_loc = np.flatnonzero(lsoa_locality == li)
        lsoa_practice[in_loc] = first_practice + (np.arange(in_loc.size) * n_here) // in_loc.size

    care_home_locality = np.repeat(np.arange(n_loc), _split(n_care_homes, loc_share))
    care_home_code = np.array([f"ZK{i + 1:04d}" for i in range(n_care_homes)])
    ch_names = _names(rng, n_care_homes, _CARE_HOME_KINDS)
    for i, code in enumerate(care_home_code):
        loc = LOCALITIES[care_home_locality[i]]
        add(
            code,
            "care_home",
            ch_names[i],
            loc.code,
            loc.code,
            _postcodes(rng, loc.postcode_districts, 1)[0],
            int(rng.integers(20, 90)),
        )

    pharmacy_locality = np.repeat(np.arange(n_loc), _split(n_pharmacies, loc_share))
    ph_names = _names(rng, n_pharmacies, ("Pharmacy", "Chemist"))
    for i, ph_li in enumerate(pharmacy_locality):
        loc = LOCALITIES[ph_li]
        add(
            f"FZ{i + 1:03d}", "pharmacy", ph_names[i], loc.code, loc.code, _postcodes(rng, loc.postcode_districts, 1)[0]
        )

    organisations = pa.table(rows, schema=table("organisations").schema)
    practice_weight = rng.lognormal(0.0, 0.45, len(practice_code))
    return Ics(
        organisations=organisations,
        lsoa_code=lsoa_code,
        lsoa_decile=lsoa_decile,
        lsoa_locality=lsoa_locality,
        lsoa_practice=lsoa_practice,
        practice_code=np.array(practice_code),
        practice_pcn=np.array(practice_pcn),
        practice_locality=np.array(practice_locality, dtype=np.int8),
        practice_weight=practice_weight,
        locality_code=np.array([loc.code for loc in LOCALITIES]),
        trust_code=trust_code,
        locality_trust=locality_trust,
        community_code=community_code,
        locality_community=locality_community,
        hospice_code=hospice_code,
        locality_hospice=locality_hospice,
        care_home_code=care_home_code,
        care_home_locality=care_home_locality,
        urgent_care_code="ZU1",
    )


# Invented centres of the localities (latitude, longitude) and how widely their LSOAs spread, in degrees.
_LOCALITY_CENTRES = ((52.95, -1.15), (52.86, -1.02), (53.04, -1.30), (53.16, -1.08))
_LOCALITY_SPREAD = (0.025, 0.05, 0.05, 0.06)
POSTCODES_PER_LSOA = 3


def build_postcodes(ics: Ics, rng: np.random.Generator) -> pa.Table:
    """The synthetic ``postcodes`` table: made-up postcodes and coordinates for every LSOA and organisation.

    Each LSOA gets a made-up centroid near its locality's invented centre and ``POSTCODES_PER_LSOA`` postcodes
    around it; every organisation's postcode is added in an LSOA of its locality (any LSOA for ICS-wide ones).
    """
    n = ics.lsoa_code.size
    centre = np.array(_LOCALITY_CENTRES)[ics.lsoa_locality]
    spread = np.array(_LOCALITY_SPREAD)[ics.lsoa_locality]
    lsoa_lat = centre[:, 0] + rng.normal(0, 1, n) * spread
    lsoa_lon = centre[:, 1] + rng.normal(0, 1, n) * spread * 1.6  # a degree of longitude is shorter here
    rows: dict[str, tuple[str, float, float]] = {}

    def add(postcode: str, lsoa: int) -> None:
        if postcode not in rows:
            rows[postcode] = (
                str(ics.lsoa_code[lsoa]),
                round(float(lsoa_lat[lsoa] + rng.normal(0, 0.003)), 6),
                round(float(lsoa_lon[lsoa] + rng.normal(0, 0.005)), 6),
            )

    for lsoa in range(n):
        districts = LOCALITIES[ics.lsoa_locality[lsoa]].postcode_districts
        for postcode in _postcodes(rng, districts, POSTCODES_PER_LSOA):
            add(postcode, lsoa)
    locality_index = {loc.code: i for i, loc in enumerate(LOCALITIES)}
    orgs = ics.organisations.select(["postcode", "locality_code"]).to_pylist()
    for org in orgs:
        if not org["postcode"]:
            continue
        home = locality_index.get(org["locality_code"] or "")
        candidates = np.flatnonzero(ics.lsoa_locality == home) if home is not None else np.arange(n)
        add(org["postcode"], int(rng.choice(candidates)))
    ordered = sorted(rows)
    return pa.table(
        {
            "postcode": ordered,
            "lsoa_code": [rows[p][0] for p in ordered],
            "latitude": [rows[p][1] for p in ordered],
            "longitude": [rows[p][2] for p in ordered],
        },
        schema=table("postcodes").schema,
    )
