"""The subset of kustomize that deploy/k8s uses, so the manifest tests need no binary.

A fresh machine has Python but not necessarily kubectl. deploy/k8s keeps to the
kustomize features below; anything else in a kustomization fails loudly here
rather than being silently ignored. Where kubectl exists, the tests render with
it too and require the same objects, which keeps this subset honest.

Supported: ``resources`` (files and directories), ``components``, ``namespace``,
``images`` (``newName``/``newTag``/``digest``) and ``patches`` in JSON 6902 form
(a list of operations) whose ``target`` names a ``kind`` and optionally a ``name``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import jsonpatch
import yaml

Resource = dict[str, Any]

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "components",
    "namespace",
    "images",
    "patches",
}
# Kinds the namespace transformer leaves alone (those deploy/k8s can contain).
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "IngressClass",
    "PriorityClass",
}


class UnsupportedKustomization(ValueError):
    """A kustomization uses a feature outside the subset this module renders."""


def render(directory: Path) -> list[Resource]:
    """Build the kustomization in ``directory`` as ``kubectl kustomize`` would."""
    kustomization = _load_kustomization(directory)
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        resources.extend(_load_entry(directory / entry))
    for entry in kustomization.get("components", []):
        resources = _apply_component(directory / entry, resources)
    return _transform(kustomization, directory, resources)


def _load_kustomization(directory: Path) -> dict[str, Any]:
    for name in KUSTOMIZATION_FILES:
        path = directory / name
        if path.is_file():
            data = yaml.safe_load(path.read_text()) or {}
            unknown = set(data) - SUPPORTED_FIELDS
            if unknown:
                raise UnsupportedKustomization(f"{path}: unsupported fields {sorted(unknown)}")
            return dict(data)
    raise FileNotFoundError(f"no kustomization in {directory}")


def _load_entry(path: Path) -> list[Resource]:
    if path.is_dir():
        return render(path)
    return list(_documents(path))


def _documents(path: Path) -> Iterator[Resource]:
    for document in yaml.safe_load_all(path.read_text()):
        if document:
            yield document


def _apply_component(directory: Path, resources: list[Resource]) -> list[Resource]:
    """A component adds its own resources, then transforms everything so far."""
    kustomization = _load_kustomization(directory)
    if kustomization.get("kind") != "Component":
        raise UnsupportedKustomization(f"{directory} is listed as a component but is not one")
    combined = list(resources)
    for entry in kustomization.get("resources", []):
        combined.extend(_load_entry(directory / entry))
    return _transform(kustomization, directory, combined)


def _transform(kustomization: dict[str, Any], directory: Path, resources: list[Resource]) -> list[Resource]:
    result = [copy.deepcopy(resource) for resource in resources]
    for patch in kustomization.get("patches", []):
        result = _apply_patch(patch, directory, result)
    namespace = kustomization.get("namespace")
    if namespace:
        for resource in result:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = namespace
    for image in kustomization.get("images", []):
        for resource in result:
            for container in _containers(resource):
                container["image"] = _retag(container["image"], image)
    return result


def _apply_patch(patch: dict[str, Any], directory: Path, resources: list[Resource]) -> list[Resource]:
    body = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
    operations = yaml.safe_load(body)
    if not isinstance(operations, list):
        raise UnsupportedKustomization("only JSON 6902 patches (a list of operations) are supported")
    target = patch.get("target") or {}
    if set(target) - {"kind", "name"} or "kind" not in target:
        raise UnsupportedKustomization(f"patch targets select by kind and name only: {target}")
    matched = False
    patched = []
    for resource in resources:
        if resource["kind"] == target["kind"] and target.get("name") in (
            None,
            resource["metadata"]["name"],
        ):
            resource = jsonpatch.apply_patch(resource, operations)
            matched = True
        patched.append(resource)
    if not matched:
        raise UnsupportedKustomization(f"patch target {target} matches no resource")
    return patched


def pod_spec(resource: Resource) -> dict[str, Any] | None:
    """The pod spec inside a workload, or None for kinds that run no pods."""
    kind = resource["kind"]
    spec = resource.get("spec", {})
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
        return cast(dict[str, Any], spec["template"]["spec"])
    if kind == "CronJob":
        return cast(dict[str, Any], spec["jobTemplate"]["spec"]["template"]["spec"])
    if kind == "Pod":
        return cast(dict[str, Any], spec)
    return None


def _containers(resource: Resource) -> Iterator[dict[str, Any]]:
    spec = pod_spec(resource)
    if spec is None:
        return
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


def _retag(reference: str, image: dict[str, str]) -> str:
    """Apply one ``images:`` entry to a container image reference, if it names it.

    References in deploy/k8s are ``name[:tag]``; a digest comes only from an
    ``images:`` entry (the release pipeline's ``kustomize edit set image``).
    """
    name, tag = _split_image(reference)
    if name != image["name"]:
        return reference
    name = image.get("newName", name)
    if "digest" in image:
        return f"{name}@{image['digest']}"
    tag = image.get("newTag", tag)
    return name + (f":{tag}" if tag else "")


def _split_image(reference: str) -> tuple[str, str]:
    if "@" in reference:
        raise UnsupportedKustomization(f"digest in a base image reference: {reference}")
    if ":" in reference.rsplit("/", 1)[-1]:
        name, tag = reference.rsplit(":", 1)
        return name, tag
    return reference, ""
