"""Benchmark of a region's map (issue 12, decision 78): the check and store of an uploaded
GeoJSON, and the region's dashboard page with and without a map (the city dashboard's target: 300 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iui_bench .venv/bin/python \
        bench/bench_map.py [--vertices 5000] [--repeat 5]

Builds what it needs in the database it is given (migrated, the built-in divisions, figures
of every indicator for --region and its sub-regions for 2025; nothing else): a synthetic
GeoJSON of its sub-regions, each a ring of --vertices points (real township outlines from
a surveying office run to thousands of points), checked and stored (`region_map_upload`),
then the region's dashboard asked for through Django's test client, before and after, and the map's
GeoJSON itself. Medians of --repeat; wall and CPU time; the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def timed(fn, repeat: int):
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def ring(cx: float, cy: float, r: float, n: int) -> list:
    pts = [[round(cx + r * math.cos(2 * math.pi * i / n) * (1 + 0.05 * math.sin(7 * i)), 6),
            round(cy + r * math.sin(2 * math.pi * i / n), 6)] for i in range(n)]
    return [pts + [pts[0]]]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vertices", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--region", default="640323", help="a region with sub-regions in the "
                   "built-in divisions (盐池县: its 10 townships)")
    args = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from jkfp.accounts.models import Role, User
    from jkfp.indicators import definitions, maps
    from jkfp.indicators.models import Figure, RegionMap
    from jkfp.regions.models import Region

    if not Region.objects.filter(code="6403").exists():
        from jkfp.regions.services import region_load_builtin

        region_load_builtin()
    region = args.region
    counties = list(Region.objects.filter(parent_id=region).values_list("code", flat=True))
    ids = list(definitions.current().indicators)
    Figure.objects.filter(period="2025").delete()
    Figure.objects.bulk_create([Figure(indicator=i, region_code=c, period="2025",
                                       numerator=70 + n, denominator=100)
                                for i in ids for n, c in enumerate([region, *counties])])
    user, _ = User.objects.get_or_create(username="bench_map", defaults={
        "region_id": region[:6], "role": Role.APPROVER})
    RegionMap.objects.filter(region_code=region).delete()
    features = [{"type": "Feature", "properties": {"adcode": int(c), "name": c},
                 "geometry": {"type": "Polygon",
                              "coordinates": ring(106 + k * 0.5, 37.5, 0.2, args.vertices)}}
                for k, c in enumerate(counties)]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    client = Client()
    client.force_login(user)
    url = f"/indicators/{region}/?period=2025&indicator=insurance_coverage_poor"
    client.get(url)  # warm the definitions and templates
    print(f"load average before: {loadavg()}")
    print(f"{region}: {len(counties)} sub-regions, {args.vertices} vertices each, file {len(data) / 1e6:.1f} MB")
    w, c = timed(lambda: client.get(url), args.repeat)
    print(f"dashboard without a map: wall {w:.1f} ms, CPU {c:.1f} ms")
    w, c = timed(lambda: maps.geojson_check(data, children={k: k for k in counties}),
                 args.repeat)
    print(f"check of the GeoJSON (geojson_check): wall {w:.1f} ms, CPU {c:.1f} ms")
    w, c = timed(lambda: maps.region_map_upload(user=user, region_code=region, data=data,
                                                file_name="bench.geojson"), args.repeat)
    print(f"check and store a new version (region_map_upload): wall {w:.1f} ms, CPU {c:.1f} ms")
    resp = client.get(url)
    assert b'id="ind-map"' in resp.content
    w, c = timed(lambda: client.get(url), args.repeat)
    print(f"dashboard with a map: wall {w:.1f} ms, CPU {c:.1f} ms "
          f"(page {len(resp.content) / 1e3:.0f} kB)")
    version = maps.map_current(region_code=region).version
    geo_url = f"/indicators/{region}/map.geojson?v={version}"
    w, c = timed(lambda: client.get(geo_url), args.repeat)
    print(f"the map's GeoJSON {geo_url}: wall {w:.1f} ms, CPU {c:.1f} ms")
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()
