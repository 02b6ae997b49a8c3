"""Directory search benchmark: ``/directory/api/services`` by postcode and taxonomy term over 50,000 services.

Builds a throwaway SQLite database (or uses ``DATABASE_URL``), fills it with services spread over a 60 km square,
then times requests through Django's test client (the whole view stack, without network). Target: p95 under 100 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
VAR_DIR = tempfile.mkdtemp(prefix="peolc-bench-directory-")
os.environ.setdefault("PEOLC_VAR_DIR", VAR_DIR)
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peolc.config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from harness import measure_baseline, peak_memory_mb, write_result  # noqa: E402

SERVICES = int(os.environ.get("PEOLC_BENCH_SERVICES", "50000"))
REQUESTS = int(os.environ.get("PEOLC_BENCH_REQUESTS", "300"))
PROXIMITY_M = 10_000


def build(rng: random.Random) -> list[str]:
    """Fill the database; returns the postcodes searched from."""
    from django.core.management import call_command
    from django.utils import timezone

    from peolc.directory import models as m
    from peolc.directory.search import refresh_points

    call_command("migrate", interactive=False, verbosity=0)
    terms = list(m.TaxonomyTerm.objects.all())
    org = m.DirectoryOrganization.objects.create(name="Benchmark organisation", description="Made up.")
    now = timezone.now()
    postcodes = [m.Postcode(postcode=f"NG{d} {s}AA", lsoa_code="E01000000", latitude=52.7 + rng.random() * 0.55,
                            longitude=-1.5 + rng.random() * 0.9) for d in range(1, 26) for s in range(1, 10)]
    m.Postcode.objects.bulk_create(postcodes)
    services, locations, links, attributes = [], [], [], []
    for i in range(SERVICES):
        service = m.Service(organization=org, name=f"Service {i}", description="A made-up service.",
                            last_modified=now, last_reviewed=now.date())
        location = m.Location(name=f"Place {i}", latitude=52.7 + rng.random() * 0.55,
                              longitude=-1.5 + rng.random() * 0.9, address_1="1 Road", postal_code="NG1 1AA")
        services.append(service)
        locations.append(location)
        links.append(m.ServiceAtLocation(service=service, location=location))
        attributes.append(m.Attribute(service=service, taxonomy_term=terms[i % len(terms)]))
    for model, rows in ((m.Service, services), (m.Location, locations), (m.ServiceAtLocation, links),
                        (m.Attribute, attributes)):
        model.objects.bulk_create(rows, batch_size=5000)
    refresh_points([s.id for s in services])
    return [p.postcode for p in postcodes]


def main() -> int:
    import django

    django.setup()
    from django.test import Client

    from peolc.directory.models import TaxonomyTerm

    rng = random.Random(8)
    baseline = measure_baseline()
    started = time.perf_counter()
    postcodes = build(rng)
    build_seconds = time.perf_counter() - started
    codes = list(TaxonomyTerm.objects.values_list("code", flat=True))
    client = Client(HTTP_HOST="localhost")
    timings = []
    for i in range(REQUESTS + 20):
        params = {"postcode": rng.choice(postcodes), "taxonomy_term_id": rng.choice(codes),
                  "proximity": PROXIMITY_M, "per_page": 20}
        began = time.perf_counter()
        response = client.get("/directory/api/services", params)
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.content[:300]
        if i >= 20:  # the first requests warm caches and connections
            timings.append(elapsed)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(0.95 * (len(timings) - 1))]
    figures = {"services": SERVICES, "requests": REQUESTS, "proximity_m": PROXIMITY_M,
               "build_seconds": round(build_seconds, 2), "p50_seconds": round(p50, 4), "p95_seconds": round(p95, 4),
               "target_p95_seconds": 0.1, "meets_target": p95 < 0.1, "peak_memory_mb": round(peak_memory_mb(), 1)}
    path = write_result("directory_search", figures, baseline)
    print(f"/services by postcode + term over {SERVICES:,} services: p50 {p50 * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms (target < 100 ms) -> {path}")
    return 0 if p95 < 0.1 else 1


if __name__ == "__main__":
    sys.exit(main())
