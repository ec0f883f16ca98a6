# Membership.funder now points at people.Funder, the same table (funding_funder): state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_initial'),
        ('people', '0005_funder'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='membership',
                    name='funder',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='people.funder', verbose_name='funder'),
                ),
            ],
            database_operations=[],
        ),
    ]
