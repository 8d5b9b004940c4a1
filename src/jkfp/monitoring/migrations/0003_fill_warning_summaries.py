"""Fill the warnings' summaries of an existing database (what `jkfp summary rebuild` does for
them; decision 62)."""

from django.db import migrations

NAMES = ("monitoring.warnings_status", "monitoring.warnings_unverified_due",
         "monitoring.warnings_closed_year")
T = "monitoring_riskwarning"
INSERT = 'INSERT INTO summaries_regioncount (summary, region_code, "key", n) '


def fill(apps, schema_editor):
    year = ("CAST(EXTRACT(YEAR FROM closed_on) AS VARCHAR(32))"
            if schema_editor.connection.vendor == "postgresql" else "strftime('%%Y', closed_on)")
    with schema_editor.connection.cursor() as cur:
        empty(apps, schema_editor)
        cur.execute(INSERT + f"SELECT %s, region_code, status, COUNT(*) FROM {T} "
                    "GROUP BY region_code, status", [NAMES[0]])
        cur.execute(INSERT + f"SELECT %s, region_code, CAST(due_on AS VARCHAR(32)), COUNT(*) "
                    f"FROM {T} WHERE status IN ('found', 'pushed') GROUP BY region_code, due_on",
                    [NAMES[1]])
        cur.execute(INSERT + f"SELECT %s, region_code, {year}, COUNT(*) FROM {T} "
                    f"WHERE status = 'closed' AND closed_on IS NOT NULL "
                    f"GROUP BY region_code, {year}", [NAMES[2]])


def empty(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("DELETE FROM summaries_regioncount WHERE summary IN (%s, %s, %s)",
                    list(NAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_warnflow_push"),
        ("summaries", "0002_fill_registry_summaries"),
    ]

    operations = [migrations.RunPython(fill, empty)]
