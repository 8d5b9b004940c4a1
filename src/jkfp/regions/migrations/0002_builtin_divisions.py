from django.db import migrations


def load(apps, schema_editor):
    # The real divisions of the two plans' regions (DOMAIN.md section 2): data, not code.
    import csv
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "data"
    Region = apps.get_model("regions", "Region")
    Alias = apps.get_model("regions", "RegionCodeAlias")
    with open(data / "divisions.csv", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: len(r["code"]))
    for r in rows:
        Region.objects.update_or_create(
            code=r["code"],
            defaults={"name": r["name"], "level": r["level"], "parent_id": r["parent"] or None,
                      "source": r["source"]},
        )
    with open(data / "aliases.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            Alias.objects.update_or_create(
                code=r["code"],
                defaults={"name": r["name"], "current_id": r["current"], "source": r["source"]},
            )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
