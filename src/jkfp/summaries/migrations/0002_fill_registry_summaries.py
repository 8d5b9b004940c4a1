"""Fill the registry's summaries of an existing database (what `jkfp summary rebuild` does)."""

from django.db import migrations

FILL = [
    """INSERT INTO summaries_regioncount (summary, region_code, "key", n)
       SELECT 'registry.periods_open', region_code, category, COUNT(*)
       FROM registry_categoryperiod WHERE end_date IS NULL GROUP BY region_code, category""",
    """INSERT INTO summaries_regioncount (summary, region_code, "key", n)
       SELECT 'registry.persons_alive', region_code, '', COUNT(*)
       FROM registry_person WHERE alive GROUP BY region_code""",
]
EMPTY = "DELETE FROM summaries_regioncount WHERE summary IN " \
        "('registry.periods_open', 'registry.persons_alive')"


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0001_initial"),
        ("registry", "0004_period_date_indexes"),
    ]

    operations = [migrations.RunSQL([EMPTY, *FILL], reverse_sql=[EMPTY])]
