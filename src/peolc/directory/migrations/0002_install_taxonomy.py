"""Install the shipped PEoLC taxonomy, so every directory starts with the same terms."""

from django.db import migrations


def install(apps, schema_editor):
    from peolc.directory.taxonomy import install_taxonomy

    install_taxonomy(apps.get_model("directory", "Taxonomy"), apps.get_model("directory", "TaxonomyTerm"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
