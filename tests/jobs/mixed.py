"""Mixed writes of all 13 kinds queued through the intake services, and the checks that each was applied in
TechLink exactly once, in per-object order, with nothing else created there (used by the tests that run the
outbox through faults, outages, killed workers and broker restarts)."""

import io
from collections import Counter
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from portal_ui.accounts.models import User
from portal_ui.integrations.techlink import wildcards
from portal_ui.jobs import services
from portal_ui.jobs.models import UpstreamWrite


@dataclass(frozen=True)
class Mix:
    """How many writes of each kind (``pairs``: notes whose text is given twice, as staff asked twice)."""

    notes: int
    pairs: int
    workorders: int
    tasks: int
    documents: int
    required: int
    site_documents: int
    attributes: int
    removed_attributes: int
    sites: int
    updates: int
    site_updates: int
    site_deletes: int
    workorder_deletes: int

    @property
    def total(self) -> int:
        return sum(vars(self).values()) - self.pairs


MIX_300 = Mix(notes=70, pairs=5, workorders=40, tasks=35, documents=30, required=15, site_documents=20,
              attributes=25, removed_attributes=10, sites=15, updates=15, site_updates=10, site_deletes=5,
              workorder_deletes=10)  # fmt: skip
MIX_50 = Mix(notes=10, pairs=2, workorders=6, tasks=5, documents=5, required=3, site_documents=3,
             attributes=4, removed_attributes=2, sites=3, updates=3, site_updates=2, site_deletes=2,
             workorder_deletes=2)  # fmt: skip


def queue_mixed_writes(
    user: User,
    client,
    *,
    sites: list[int],
    workorders: list[int],
    taskitem: int,
    run: str,
    mix: Mix = MIX_300,
) -> dict:
    """``mix.total`` writes of all 13 kinds; returns what each should have produced upstream, for counting."""
    expect: dict[str, list] = {key: [] for key in ("notes", "workorders", "tasks", "documents", "required",
                                                   "site_documents", "attributes", "removed_attributes",
                                                   "sites", "updates", "site_updates", "deleted")}  # fmt: skip

    def file(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, f"{name} {run}".encode(), content_type="text/plain")

    # Documents to delete, put there before the writes are queued.
    doomed_site_docs = [
        (
            site,
            client.site_document_upload(site, file=io.BytesIO(b"old"), filename=f"old-{i}.txt").document_id,
        )
        for i, site in enumerate(sites[: mix.site_deletes])
    ]
    doomed_wo_docs = [
        (
            wo,
            client.workorder_document_upload(
                wo, file=io.BytesIO(b"old"), filename=f"old-{i}.txt"
            ).document_id,
        )
        for i, wo in enumerate(workorders[: mix.workorder_deletes])
    ]

    paired = 2 * mix.pairs
    for i in range(mix.notes):
        # The first ones come in pairs: the same text twice on one work order, as staff asked twice.
        text = f"Called the customer {i // 2} of run {run}" if i < paired else f"Note {i} of run {run}"
        wo = workorders[(i // 2) % len(workorders)] if i < paired else workorders[i % len(workorders)]
        expect["notes"].append((wo, text))
        services.workorder_note_add(user=user, workorder_id=wo, note=text)
    for i in range(mix.workorders):
        site, summary = sites[i % len(sites)], f"Install {i} {run}"
        fields = {"site_id": site, "summary": summary}
        if i % 2:
            fields["client_reference"] = f"REF-{run}-{i}"
        services.workorder_create(user=user, fields=fields)
        expect["workorders"].append((site, summary))
    for i in range(mix.tasks):
        wo, text = workorders[i % len(workorders)], f"Task {i} {run}"
        expect["tasks"].append((wo, text))
        services.workorder_task_add(
            user=user, workorder_id=wo, taskitem_id=taskitem, description=text, rate="12.50"
        )
    for i in range(mix.documents):
        wo, name = workorders[i % len(workorders)], f"doc-{i}-{run}.txt"
        description = f"Document {i} {run}" if i % 2 else ""
        expect["documents"].append((wo, name, description))
        services.workorder_document_upload(
            user=user, workorder_id=wo, upload=file(name), description=description
        )
    for i in range(mix.required):
        wo, description = workorders[i % len(workorders)], f"Close-out {i} {run}"
        expect["required"].append((wo, description))
        services.workorder_required_document_upload(
            user=user, workorder_id=wo, upload=file(f"req-{i}.txt"), description=description
        )
    for i in range(mix.site_documents):
        site, description = sites[i % len(sites)], f"Site document {i} {run}"
        expect["site_documents"].append((site, description))
        services.site_document_upload(
            user=user, site_id=site, upload=file(f"site-{i}.txt"), description=description
        )
    for i in range(mix.attributes):
        site, name = sites[i % len(sites)], f"Attribute {i} {run}"
        services.site_attribute_set(user=user, site_id=site, name=name, value=f"value {i}")
        removed = i < mix.removed_attributes
        expect["removed_attributes" if removed else "attributes"].append((site, name, f"value {i}"))
    for site, name, _value in expect["removed_attributes"]:  # after their set, on the same site
        services.site_attribute_remove(user=user, site_id=site, name=name)
    for i in range(mix.sites):
        name = f"Branch {i} {run}"
        fields = {"name": name, "address1": f"{i} Main St", "city": "Columbia", "state": "SC",
                  "zip": "29201", "primary_contact_name": "Pat Doe", "primary_contact_phone": "803-555-0100",
                  "primary_contact_email": "pat@example.com"}  # fmt: skip
        if i % 2:
            fields["site_id"] = f"ST-{run}-{i}"
        services.site_create(user=user, fields=fields)
        expect["sites"].append(name)
    for i in range(mix.updates):
        wo, po = workorders[i], f"PO-{run}-{i}"
        expect["updates"].append((wo, po))
        services.workorder_update(user=user, workorder_id=wo, changes={"po": po})
    for i in range(mix.site_updates):
        site, notes = sites[i % len(sites)], f"Gate code {i} {run}"
        services.site_update(user=user, site_id=site, changes={"notes": notes})
        expect["site_updates"].append((site, notes))  # the last one per site is what stays
    for site, document_id in doomed_site_docs:
        services.site_document_delete(user=user, site_id=site, document_id=document_id)
    for wo, document_id in doomed_wo_docs:
        services.workorder_document_delete(user=user, workorder_id=wo, document_id=document_id)
    expect["deleted"] = [("site", *pair) for pair in doomed_site_docs] + [
        ("wo", *pair) for pair in doomed_wo_docs
    ]
    return expect


def growth(expect: dict) -> dict[str, int]:
    """How the sandbox's object counts (``stats()["objects"]``) grow once every write is applied once (a new
    work order comes with its "created" note)."""
    deleted = Counter(owner for owner, _, _ in expect["deleted"])
    return {
        "notes": len(expect["notes"]) + len(expect["workorders"]),
        "workorders": len(expect["workorders"]),
        "tasks": len(expect["tasks"]),
        "client_documents": len(expect["documents"]) - deleted["wo"],
        "required_documents": len(expect["required"]),
        "site_documents": len(expect["site_documents"]) - deleted["site"],
        "site_attributes": len(expect["attributes"]),
        "sites": len(expect["sites"]),
    }


def assert_no_strays(before: dict[str, int], after: dict[str, int], expect: dict) -> None:
    """Every count of objects upstream grew by what the writes made, and by nothing else."""
    wanted = {key: before[key] + grown for key, grown in growth(expect).items()}
    unchanged = {key: value for key, value in before.items() if key not in wanted}
    assert {key: after[key] for key in wanted} == wanted, "objects upstream (found vs. wanted)"
    assert {key: after[key] for key in unchanged} == unchanged


def assert_in_order() -> None:
    """Writes to one target finished one after the other, oldest first."""
    finished: dict[str, list] = {}
    for target, at in (
        UpstreamWrite.objects.exclude(target="").order_by("pk").values_list("target", "finished_at")
    ):
        finished.setdefault(target, []).append(at)
    disorder = {target: ats for target, ats in finished.items() if ats != sorted(ats)}
    assert not disorder, f"writes to one target finished out of order: {disorder}"


def assert_applied_exactly_once(client, expect: dict) -> None:
    def exactly(counter: Counter, wanted: Counter, what: str) -> None:
        wrong = {key: (counter[key], times) for key, times in wanted.items() if counter[key] != times}
        assert not wrong, f"{what} not applied as often as asked (found, asked): {wrong}"

    def once(counter: Counter, keys, what: str) -> None:
        exactly(counter, Counter(keys), what)

    by_wo = {wo: client.workorder_notes(wo) for wo in {wo for wo, _ in expect["notes"]}}
    seen = Counter((wo, n.content) for wo, notes in by_wo.items() for n in notes)
    exactly(seen, Counter(expect["notes"]), "notes")  # the pairs twice, the others once

    tasks = {wo: client.workorder_tasks(wo) for wo in {wo for wo, _ in expect["tasks"]}}
    once(Counter((wo, t.description) for wo, ts in tasks.items() for t in ts), expect["tasks"], "tasks")

    docs = {wo: client.workorder_documents(wo) for wo in {wo for wo, _, _ in expect["documents"]}}
    seen = Counter((wo, d.filename, d.description) for wo, ds in docs.items() for d in ds)
    once(seen, expect["documents"], "work order documents")

    required = {wo: client.workorder_required_documents(wo) for wo in {wo for wo, _ in expect["required"]}}
    once(
        Counter((wo, d.description) for wo, ds in required.items() for d in ds),
        expect["required"],
        "close-out",
    )

    site_docs = {s: client.site_documents(s) for s in {s for s, _ in expect["site_documents"]}}
    seen = Counter((s, d.description) for s, ds in site_docs.items() for d in ds)
    once(seen, expect["site_documents"], "site documents")

    attributes = {s: client.site_attributes(s) for s in {s for s, _, _ in expect["attributes"]}}
    seen = Counter((s, a.name, a.value) for s, attrs in attributes.items() for a in attrs)
    once(seen, expect["attributes"], "site attributes")
    removed_from = {s for s, _, _ in expect["removed_attributes"]}
    left = {(s, a.name) for s in removed_from for a in client.site_attributes(s)}
    assert not {(s, name) for s, name, _ in expect["removed_attributes"]} & left, "removed attributes remain"

    created = Counter()
    for site in {site for site, _ in expect["workorders"]}:
        created.update((site, wo.summary) for wo in client.workorders_get(client.workorder_ids(site_id=site)))
    once(created, expect["workorders"], "work orders")

    once(
        Counter(name for name in expect["sites"] for _ in client.site_ids(name=wildcards.escape(name))),
        expect["sites"],
        "sites",
    )

    for wo, po in expect["updates"]:
        assert client.workorder_get(wo).po == po
    final_notes = dict(expect["site_updates"])  # later updates of a site overwrite earlier ones, in order
    for site, notes in final_notes.items():
        assert client.site_get(site).notes == notes

    for owner, parent, document_id in expect["deleted"]:
        listed = client.site_documents(parent) if owner == "site" else client.workorder_documents(parent)
        assert document_id not in {d.document_id for d in listed}, f"document {document_id} not deleted"
