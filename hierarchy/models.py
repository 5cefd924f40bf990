"""The ISA-95 plant tree (enterprise > site > area > line > cell > equipment), who may see
which part of it (site grants), and per-user API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from hierarchy.tree import MAX_KEY_LENGTH, child_key


class Level(models.TextChoices):
    """ISA-95 equipment hierarchy levels, outermost first."""

    ENTERPRISE = "ENTERPRISE", gettext_lazy("Enterprise")
    SITE = "SITE", gettext_lazy("Site")
    AREA = "AREA", gettext_lazy("Area")
    LINE = "LINE", gettext_lazy("Line")
    CELL = "CELL", gettext_lazy("Cell")
    EQUIPMENT = "EQUIPMENT", gettext_lazy("Equipment")


LEVEL_ORDER: tuple[str, ...] = tuple(Level.values)


def child_level(level: str) -> str | None:
    """Return the level a child of ``level`` must have, or None below EQUIPMENT."""
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


class NodeQuerySet(models.QuerySet["Node"]):
    """Tree queries answered from the materialised path, without recursion."""

    def subtree(self, node: Node) -> NodeQuerySet:
        """The node and all its descendants."""
        return self.filter(path__startswith=node.path)

    def descendants(self, node: Node) -> NodeQuerySet:
        """All descendants of ``node``, without the node itself."""
        return self.subtree(node).exclude(pk=node.pk)

    def ancestors(self, node: Node) -> NodeQuerySet:
        """The ancestors of ``node``, root first, without the node itself."""
        return self.filter(pk__in=node.ancestor_ids()).order_by("path")

    def in_tree_order(self) -> NodeQuerySet:
        """Each node right after its parent, siblings by name (``hierarchy.tree``)."""
        return self.order_by("tree_key")


class Node(models.Model):
    """One place in the plant.

    ``path`` is the chain of primary keys from the root, e.g. ``/1/4/9/``, kept up to date
    on save so that a subtree is a single ``LIKE 'path%'`` query on an indexed column.
    ``tree_key`` orders the tree (each node after its parent, siblings by name; see
    ``hierarchy.tree``); it is the default order. Ids in ``path`` do not sort.
    """

    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=60, help_text="Short code used in topics and exports.")
    level = models.CharField(max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    tree_key = models.CharField(max_length=MAX_KEY_LENGTH, editable=False, default="")

    objects = NodeQuerySet.as_manager()

    class Meta:
        ordering = ["tree_key"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(parent__isnull=True) & models.Q(level="ENTERPRISE"))
                | (models.Q(parent__isnull=False) & ~models.Q(level="ENTERPRISE")),
                name="node_root_is_enterprise",
                violation_error_message="Only an enterprise is a root; every other level "
                "needs a parent.",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=LEVEL_ORDER), name="node_level_valid"
            ),
            models.UniqueConstraint(fields=["parent", "code"], name="node_code_unique_in_parent"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(parent__isnull=True),
                name="node_root_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Validate the tree rule, then store and refresh ``path`` and ``tree_key`` (and
        the descendants' after a move or a rename)."""
        self.clean()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path", "depth", "tree_key"}
        with transaction.atomic():
            old_path, old_key = self.path, self.tree_key
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
            self.path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
            self.depth = self.path.count("/") - 2
            # The parent's key from the database: a parent renamed since it was loaded
            # has a new one.
            parent_key = (
                Node.objects.filter(pk=self.parent_id).values_list("tree_key", flat=True).first()
                if self.parent_id
                else ""
            )
            self.tree_key = child_key(parent_key or "", self.name, self.pk)
            super().save(*args, **kwargs)
            if old_path and (old_path != self.path or old_key != self.tree_key):
                self._move_descendants(old_path)

    def clean(self) -> None:
        """Check the ISA-95 parent/child rule: a child sits exactly one level below."""
        if self.parent is None:
            if self.level != Level.ENTERPRISE:
                raise ValidationError({"parent": "Only an enterprise can have no parent."})
            return
        expected = child_level(self.parent.level)
        if expected is None:
            raise ValidationError({"parent": "Equipment cannot have children."})
        if self.level != expected:
            raise ValidationError(
                {
                    "level": f"A {self.get_level_display().lower()} cannot sit under a "
                    f"{self.parent.get_level_display().lower()}; expected "
                    f"{Level(expected).label.lower()}."
                }
            )
        if self.pk and str(self.pk) in self.parent.path.strip("/").split("/"):
            raise ValidationError({"parent": "A node cannot sit under itself."})

    def ancestor_ids(self) -> list[int]:
        """Primary keys of the ancestors, root first, read from ``path``."""
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def _move_descendants(self, old_path: str) -> None:
        """Rewrite descendants' paths and tree keys after this node moved or was renamed,
        parents first, each from its parent's new values."""
        paths, keys = {self.pk: self.path}, {self.pk: self.tree_key}
        below = Node.objects.filter(path__startswith=old_path).exclude(pk=self.pk)
        for pk, parent_id, name in below.order_by("depth").values_list("pk", "parent_id", "name"):
            paths[pk] = f"{paths[parent_id]}{pk}/"
            keys[pk] = child_key(keys[parent_id], name, pk)
            Node.objects.filter(pk=pk).update(
                path=paths[pk], depth=paths[pk].count("/") - 2, tree_key=keys[pk]
            )

    def breadcrumbs(self) -> list[Node]:
        """Ancestors root first, then the node itself."""
        return [*Node.objects.ancestors(self), self]


class SiteGrant(models.Model):
    """Access to a part of the plant: the user sees ``node`` and everything below it.

    A grant on the enterprise, or one without a node, is the whole plant. Users without any
    grant see nothing (superusers see everything).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_grants"
    )
    node = models.ForeignKey(
        Node,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
        help_text="Leave empty for the whole plant.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "node__path"]
        constraints = [
            models.UniqueConstraint(fields=["user", "node"], name="site_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.node.name if self.node else 'whole plant'}"


TOKEN_PREFIX = "ospc_"


def hash_key(key: str) -> str:
    """SHA-256 hex digest of an API key (keys are random and long, so no slow hash)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A named API key of one user, stored only as a hash; acts with the user's role and scope.

    The full key is shown once, when issued (:meth:`issue`); ``prefix`` (its first
    characters) identifies it in lists.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What uses the token, e.g. 'CMM line 3'.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """True until revoked."""
        return self.revoked is None

    @classmethod
    def issue(cls, user: Any, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns the row and the key (shown only once)."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=hash_key(key), prefix=key[: len(TOKEN_PREFIX) + 6]
        )
        return token, key

    def revoke(self) -> None:
        """Stop the token from authenticating (kept for the record)."""
        if self.revoked is None:
            self.revoked = timezone.now()
            self.save(update_fields=["revoked"])


class UserPreference(models.Model):
    """A user's page language and time zone; blank means the default (the browser's
    language, the plant's zone). Read on every request by ``hierarchy.preferences``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(max_length=12, blank=True, help_text="e.g. de, es; blank: browser")
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA name, e.g. Europe/Berlin; blank: the plant's"
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.language or 'browser'}, {self.time_zone or 'plant zone'}"
