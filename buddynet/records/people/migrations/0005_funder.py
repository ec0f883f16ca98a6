# The Funder record moves from funding to people (a base record: accounts' memberships point at it).
# Only Django's state moves; the table stays funding_funder, so no data is copied.

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_volunteer_anonymised_at'),
        ('funding', '0001_initial'),  # creates the table funding_funder this model keeps
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Funder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True, verbose_name='name')),
                        ('grant_cap', models.DecimalField(decimal_places=2, default=Decimal('50000.00'), help_text='A grant of this funder may not be larger (the Flemish government: EUR 50,000).', max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='maximum amount of one grant')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name': 'funder',
                        'verbose_name_plural': 'funders',
                        'db_table': 'funding_funder',
                        'ordering': ['name'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
