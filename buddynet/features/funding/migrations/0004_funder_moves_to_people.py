# The Funder record moves to people; Grant.funder points at it. The table funding_funder stays
# (people.Funder's db_table), so only Django's state changes here.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_membership_funder_in_people'),
        ('funding', '0003_seed_allowance_caps'),
        ('people', '0005_funder'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='grant',
                    name='funder',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='people.funder', verbose_name='funder'),
                ),
                migrations.DeleteModel(
                    name='Funder',
                ),
            ],
            database_operations=[],
        ),
    ]
