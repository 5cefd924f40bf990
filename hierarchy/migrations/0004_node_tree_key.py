"""Node.tree_key: the tree order (each node after its parent, siblings by name), filled in
for the nodes there are, parents first."""

from django.db import migrations, models

from hierarchy.tree import child_key


def fill_tree_keys(apps, schema_editor):
    node_model = apps.get_model("hierarchy", "Node")
    keys = {}
    rows = node_model.objects.order_by("depth", "pk").values_list("pk", "parent_id", "name")
    for pk, parent_id, name in rows:
        keys[pk] = child_key(keys.get(parent_id, ""), name, pk)
        node_model.objects.filter(pk=pk).update(tree_key=keys[pk])


class Migration(migrations.Migration):

    dependencies = [
        ("hierarchy", "0003_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="node",
            options={"ordering": ["tree_key"]},
        ),
        migrations.AddField(
            model_name="node",
            name="tree_key",
            field=models.CharField(default="", editable=False, max_length=660),
        ),
        migrations.RunPython(fill_tree_keys, migrations.RunPython.noop),
    ]
