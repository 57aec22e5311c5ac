"""Offline checks of deploy/k8s: schema, security findings, coverage and network reachability.

No cluster is needed. Manifests are rendered by the kustomize subset in
kustomize_lite (cross-checked against ``kubectl kustomize`` where kubectl exists),
validated against the Kubernetes OpenAPI schemas bundled with kubernetes-validate,
scanned by checkov, and then held to what the deployment promises: every service
in services/ is deployed, probed, hardened and fenced by NetworkPolicy.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kv

from tests.deploy.conftest import K8S, OVERLAYS, REPO, CheckovRun
from tests.deploy.kustomize_lite import Resource, pod_spec

# The Kubernetes version the manifests are written for: grpc probes and
# CronJob.timeZone are GA since 1.27; schemas are kubernetes-validate's.
KUBERNETES_VERSION = "1.32.0"
# Custom resources have no bundled schema; these, and only these, are expected
# (each is checked field by field below instead).
CUSTOM_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Pooler"),
    ("gateway.networking.k8s.io/v1", "Gateway"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("gateway.networking.k8s.io/v1", "GRPCRoute"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}
SECRET_ENV = {"DATABASE_URL", "DGCP_JWT_SECRET", "DGCP_BULLETIN_SIGNING_KEY"}


def _services() -> list[str]:
    """Every service package: a directory in services/ with a __main__.py."""
    return sorted(p.parent.name for p in (REPO / "services").glob("*/__main__.py"))


def _find(resources: list[Resource], kind: str, name: str) -> Resource:
    matches = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def _of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def _namespace(resources: list[Resource]) -> str:
    (namespace,) = _of_kind(resources, "Namespace")
    return str(namespace["metadata"]["name"])


def _pod_labels(workload: Resource) -> dict[str, str]:
    template = (
        workload["spec"]["jobTemplate"]["spec"]["template"]
        if workload["kind"] == "CronJob"
        else workload["spec"]["template"]
    )
    return dict(template["metadata"]["labels"])


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (an empty selector selects everything)."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


# --- rendering and schema ----------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kustomize_subset_renders_what_kubectl_renders(overlay: str, kubectl: str) -> None:
    output = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    from tests.deploy.kustomize_lite import render

    def key(r: Resource) -> tuple[str, str, str, str]:
        meta = r["metadata"]
        return r["apiVersion"], r["kind"], meta.get("namespace", ""), meta["name"]

    expected = {key(r): r for r in yaml.safe_load_all(output) if r}
    actual = {key(r): r for r in render(K8S / "overlays" / overlay)}
    assert sorted(actual) == sorted(expected)
    different = [k for k in expected if actual[k] != expected[k]]
    assert not different, f"rendered differently from kubectl: {different}"


def test_overlays_exist() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_passes_strict_schema_validation(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    errors, custom = [], set()
    for resource in rendered[overlay]:
        name = f"{resource['kind']}/{resource['metadata']['name']}"
        try:
            kv.validate(resource, KUBERNETES_VERSION, strict=True)
        except kv.SchemaNotFoundError:
            custom.add((resource["apiVersion"], resource["kind"]))
        except kv.ValidationError as error:
            errors.append(f"{name}: {error.message} at {list(error.path)}")
    assert not errors, "\n".join(errors)
    unexpected = custom - CUSTOM_KINDS
    assert not unexpected, f"no schema for {unexpected}: a typo, or a custom resource to list"


def test_prod_runs_postgresql_on_cloudnativepg_behind_a_pooler(
    rendered: dict[str, list[Resource]],
) -> None:
    """What the schema check cannot see in the custom resources, checked by hand."""
    resources = rendered["prod"]
    (cluster,) = [r for r in resources if r["kind"] == "Cluster"]
    (pooler,) = [r for r in resources if r["kind"] == "Pooler"]
    spec = cluster["spec"]
    assert spec["instances"] >= 3, "a primary and two replicas survive one node"
    assert spec["storage"]["size"]
    assert ":" in spec["imageName"] and not spec["imageName"].endswith(":latest")
    assert spec["inheritedMetadata"]["labels"]["dgcp.io/role"] == "database"
    assert pooler["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert pooler["spec"]["type"] == "rw"
    assert pooler["spec"]["pgbouncer"]["poolMode"] in {"session", "transaction"}
    assert pooler["spec"]["template"]["metadata"]["labels"]["dgcp.io/role"] == "database"
    known_cluster_fields = {
        "instances", "imageName", "primaryUpdateStrategy", "inheritedMetadata", "bootstrap",
        "postgresql", "storage", "walStorage", "resources", "affinity", "backup", "monitoring",
        "managed",
    }  # fmt: skip
    assert set(spec) <= known_cluster_fields, set(spec) - known_cluster_fields
    # One login role per service, named like its schema (see postgres.yaml for why).
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    init_sql = " ".join(spec["bootstrap"]["initdb"]["postInitApplicationSQL"])
    for service in [*_services(), "gateway"]:
        assert roles[service]["login"] is True
        assert roles[service]["passwordSecret"]["name"] == f"dgcp-pg-role-{service}"
        assert f"CREATE ROLE {service} LOGIN" in init_sql
        assert service in init_sql.split("GRANT CONNECT, CREATE ON DATABASE")[1]


# --- checkov ---------------------------------------------------------------------


def test_checkov_finds_no_unjustified_failure(checkov_runs: tuple[CheckovRun, CheckovRun]) -> None:
    run, _ = checkov_runs
    assert not run.parsing_errors, run.parsing_errors
    assert len(run.passed) > 100, "checkov evaluated almost nothing: did it see the manifests?"
    assert not sorted(run.failed), "checkov failures:\n" + "\n".join(map(str, sorted(run.failed)))
    unexplained = [key for key, reason in run.skipped.items() if len(reason) < 20]
    assert not unexplained, f"skips need a written justification: {unexplained}"


def test_every_checkov_skip_is_still_needed(checkov_runs: tuple[CheckovRun, CheckovRun]) -> None:
    """Without its skips each skipped check fails, and nothing else does: no stale skips."""
    run, stripped = checkov_runs
    assert stripped.failed == set(run.skipped)


# --- every service is deployed, probed and fenced ---------------------------------


@pytest.mark.parametrize("service", _services())
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_deployment_service_probes_and_network_policy(
    overlay: str, service: str, rendered: dict[str, list[Resource]]
) -> None:
    resources = rendered[overlay]
    deployment = _find(resources, "Deployment", service)
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"], labels)
    (container,) = pod["spec"]["containers"]
    assert container["args"] == [f"services.{service}"]
    (port,) = [p for p in container["ports"] if p["name"] == "grpc"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == port["containerPort"], probe

    svc = _find(resources, "Service", service)
    assert selects({"matchLabels": svc["spec"]["selector"]}, labels)
    (svc_port,) = [p for p in svc["spec"]["ports"] if p["name"] != "metrics"]  # metrics: below
    assert svc_port["name"] == "grpc" and svc_port["targetPort"] == "grpc"

    config = _find(resources, "ConfigMap", "dgcp-config")["data"]
    assert config[f"DGCP_{service.upper()}_ADDR"] == f"{service}:{svc_port['port']}"

    policies = [
        p
        for p in _of_kind(resources, "NetworkPolicy")
        if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"], labels)
    ]
    assert any("Ingress" in p["spec"]["policyTypes"] for p in policies), "no ingress allow-list"
    assert any(r["metadata"]["name"] == "default-deny-all" for r in _of_kind(resources, "NetworkPolicy"))

    account = _find(resources, "ServiceAccount", pod["spec"]["serviceAccountName"])
    assert account["automountServiceAccountToken"] is False
    assert any(
        h["spec"]["scaleTargetRef"]["name"] == service for h in _of_kind(resources, "HorizontalPodAutoscaler")
    )
    assert any(selects(b["spec"]["selector"], labels) for b in _of_kind(resources, "PodDisruptionBudget"))

    (job,) = [r for r in _of_kind(resources, "Job") if r["metadata"]["name"] == "migrate"]
    migrations = [c["args"] for c in job["spec"]["template"]["spec"]["containers"]]
    assert [f"services.{service}", "migrate"] in migrations


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_is_deployed_and_migrated(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    resources = rendered[overlay]
    deployment = _find(resources, "Deployment", "gateway")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["gateway"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz", probe
    (job,) = [r for r in _of_kind(resources, "Job") if r["metadata"]["name"] == "migrate"]
    assert ["gateway", "migrate"] in [c["args"] for c in job["spec"]["template"]["spec"]["containers"]]


def _host_matches(listener_host: str, host: str) -> bool:
    """Gateway API hostname matching: exact, or one leading wildcard label."""
    if listener_host.startswith("*."):
        return host.endswith(listener_host[1:]) and host.count(".") == listener_host.count(".")
    return host == listener_host


def _attached(resources: list[Resource], route: Resource) -> list[dict[str, Any]]:
    """The listeners a route attaches to, checking its hostnames fit each one."""
    listeners = []
    for parent in route["spec"]["parentRefs"]:
        gateway = _find(resources, "Gateway", parent["name"])
        (listener,) = [x for x in gateway["spec"]["listeners"] if x["name"] == parent["sectionName"]]
        assert route["kind"] in [k["kind"] for k in listener["allowedRoutes"]["kinds"]]
        for host in route["spec"]["hostnames"]:
            assert _host_matches(listener["hostname"], host), (route["metadata"]["name"], host)
        listeners.append(listener)
    return listeners


def _backend_port(resources: list[Resource], name: str, port_name: str) -> int:
    (port,) = [p for p in _find(resources, "Service", name)["spec"]["ports"] if p["name"] == port_name]
    return int(port["port"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_is_served_over_tls_and_plain_http_only_redirects(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    resources = rendered[overlay]
    route = _find(resources, "HTTPRoute", "gateway")
    (listener,) = _attached(resources, route)
    assert listener["protocol"] == "HTTPS" and listener["tls"]["mode"] == "Terminate"
    assert listener["tls"]["certificateRefs"]
    ((backend,),) = [rule["backendRefs"] for rule in route["spec"]["rules"]]
    assert backend == {"name": "gateway", "port": _backend_port(resources, "gateway", "http")}
    for other in _of_kind(resources, "HTTPRoute"):
        for attached in _attached(resources, other):
            if attached["protocol"] != "HTTPS":
                for rule in other["spec"]["rules"]:
                    assert "backendRefs" not in rule
                    assert rule["filters"][0]["requestRedirect"]["scheme"] == "https"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_is_reachable_over_grpc_with_tls(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    """The procurement system's way in from outside the cluster."""
    resources = rendered[overlay]
    routed = set()
    for route in _of_kind(resources, "GRPCRoute"):
        for listener in _attached(resources, route):
            assert listener["protocol"] == "HTTPS" and listener["tls"]["certificateRefs"]
        for rule in route["spec"]["rules"]:
            for backend in rule["backendRefs"]:
                assert backend["port"] == _backend_port(resources, backend["name"], "grpc")
                service = _find(resources, "Service", backend["name"])
                assert service["spec"]["ports"][0]["appProtocol"] == "kubernetes.io/h2c"
                routed.add(backend["name"])
    assert set(_services()) <= routed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_bulletin_runs_monthly_in_beijing_time_never_overlapping(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    cron = _find(rendered[overlay], "CronJob", "bulletin")
    assert cron["spec"]["timeZone"] == "Asia/Shanghai"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    # minute hour day-of-month month day-of-week: once, on the 1st of every month.
    assert cron["spec"]["schedule"].split()[2:] == ["1", "*", "*"]
    spec = pod_spec(cron)
    assert spec is not None
    (container,) = spec["containers"]
    # No --period: the job computes the previous month itself.
    assert container["args"] == ["services.scoring.bulletin"]


# --- pod hardening ---------------------------------------------------------------


def _workloads(resources: list[Resource]) -> Iterator[tuple[Resource, dict[str, Any]]]:
    for resource in resources:
        spec = pod_spec(resource)
        if spec is not None:
            yield resource, spec


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_hardened(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    resources = rendered[overlay]
    workloads = list(_workloads(resources))
    assert len(workloads) >= 6
    for workload, spec in workloads:
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        assert spec["automountServiceAccountToken"] is False, name
        account = _find(resources, "ServiceAccount", spec["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context.get("privileged", False) is False, name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)
            (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert "emptyDir" in volumes[tmp["name"]], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_references_never_values(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    resources = rendered[overlay]
    assert not _of_kind(resources, "Secret"), "Secrets are created out of band, never committed"
    config = _find(resources, "ConfigMap", "dgcp-config")["data"]
    assert not SECRET_ENV & set(config)
    for workload, spec in _workloads(resources):
        for container in spec["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            for name in SECRET_ENV & set(env):
                assert "value" not in env[name], (workload["metadata"]["name"], name)
                assert "secretKeyRef" in env[name]["valueFrom"]
            module = container["args"][0]
            if "DATABASE_URL" in env:
                # Each service's code connects with its own credential (and role).
                owner = module.split(".")[1] if module.startswith("services.") else module
                assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == owner


# --- network reachability ----------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    """A pod as NetworkPolicy sees it."""

    name: str
    namespace: str
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)  # named container ports


def _peer_matches(peer: dict[str, Any], pod: Pod, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return False
    namespace_labels = {"kubernetes.io/metadata.name": pod.namespace}
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif pod.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], pod.labels)


def _rule_allows(rule: dict[str, Any], peers_key: str, peer: Pod, target: Pod, port: int, ns: str) -> bool:
    peers = rule.get(peers_key)
    if peers and not any(_peer_matches(p, peer, ns) for p in peers):
        return False
    ports = rule.get("ports")
    if not ports:
        return True
    return any(
        p.get("protocol", "TCP") == "TCP" and (p["port"] == port or target.ports.get(p["port"]) == port)
        for p in ports
    )


def reachable(policies: list[Resource], namespace: str, source: Pod, target: Pod, port: int) -> bool:
    """Whether TCP from ``source`` to ``target``:``port`` is allowed by ``namespace``'s policies."""
    for direction, subject, peer, key in (
        ("Ingress", target, source, "from"),
        ("Egress", source, target, "to"),
    ):
        if subject.namespace != namespace:
            continue  # policies elsewhere are not ours to model
        selecting = [
            p
            for p in policies
            if direction in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], subject.labels)
        ]
        rules = [r for p in selecting for r in p["spec"].get(direction.lower(), [])]
        if selecting and not any(_rule_allows(r, key, peer, target, port, namespace) for r in rules):
            return False
    return True


def _pods(resources: list[Resource]) -> dict[str, Pod]:
    namespace = _namespace(resources)
    pods = {}
    for workload, spec in _workloads(resources):
        ports = {p["name"]: p["containerPort"] for c in spec["containers"] for p in c.get("ports", [])}
        name = _pod_labels(workload)["app.kubernetes.io/name"]
        pods[name] = Pod(name, namespace, _pod_labels(workload), ports)
    # The PgBouncer pods of the CloudNativePG Pooler (labels: operator's and postgres.yaml's).
    pods["database"] = Pod(
        "database", namespace, {"dgcp.io/role": "database", "cnpg.io/poolerName": "dgcp-pg-pooler-rw"}
    )
    pods["procurement"] = Pod("procurement", "procurement", {"app": "procurement"})
    pods["edge"] = Pod("edge", "gateway-system", {"app": "gateway-data-plane"})
    pods["stranger"] = Pod("stranger", "default", {"app": "anything"})
    return pods


GRPC_SERVICES = {"assignment": 50051, "scoring": 50052, "surveys": 50053}
ALLOWED = {
    ("gateway", "assignment"), ("gateway", "scoring"), ("gateway", "surveys"),
    ("scoring", "assignment"), ("scoring", "surveys"),
    ("bulletin", "assignment"), ("bulletin", "surveys"),
    ("procurement", "assignment"), ("procurement", "scoring"), ("procurement", "surveys"),
    ("edge", "assignment"), ("edge", "scoring"), ("edge", "surveys"), ("edge", "gateway"),
}  # fmt: skip
DATABASE_CLIENTS = {"assignment", "scoring", "surveys", "gateway", "migrate", "bulletin"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policy_allows_exactly_the_real_callers(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    resources = rendered[overlay]
    namespace = _namespace(resources)
    policies = _of_kind(resources, "NetworkPolicy")
    pods = _pods(resources)
    targets = {**GRPC_SERVICES, "gateway": 8080}
    for source in pods:
        for target, port in targets.items():
            expected = (source, target) in ALLOWED
            actual = reachable(policies, namespace, pods[source], pods[target], port)
            assert actual == expected, f"{source} -> {target}:{port} allowed={actual}"
    if not _of_kind(resources, "Pooler"):
        return  # an external database: test_external_database_component_opens_only_postgres_egress
    for client in pods.values():
        if client.namespace == namespace and client.name != "database":
            to_db = reachable(policies, namespace, client, pods["database"], 5432)
            assert to_db == (client.name in DATABASE_CLIENTS), f"{client.name} -> database"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_may_resolve_names(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    resources = rendered[overlay]
    namespace = _namespace(resources)
    dns = Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"})
    for source in _pods(resources).values():
        if source.namespace == namespace:
            assert reachable(_of_kind(resources, "NetworkPolicy"), namespace, source, dns, 53), source.name


def test_external_database_component_opens_only_postgres_egress(
    rendered: dict[str, list[Resource]],
) -> None:
    policy = _find(rendered["dev"], "NetworkPolicy", "database-clients-egress")
    blocks = [r for r in policy["spec"]["egress"] if any("ipBlock" in peer for peer in r.get("to", []))]
    assert blocks and all(r["ports"] == [{"port": 5432, "protocol": "TCP"}] for r in blocks)


def test_readme_names_every_overlay() -> None:
    readme = (K8S / "README.md").read_text()
    for overlay in OVERLAYS:
        assert f"overlays/{overlay}" in readme
    assert Path(K8S / "components" / "external-db").is_dir()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_config_names_only_settings_the_code_reads(overlay: str, rendered: dict[str, list[Resource]]) -> None:
    """A misspelt key in the ConfigMap would be ignored silently; the code documents every name."""
    from gateway.settings import ENV_DOCS as GATEWAY_ENV
    from runtime.config import DEFAULT_PORTS, ENV_DOCS
    from runtime.notify.settings import ENV_DOCS as NOTIFY_ENV

    known = set(ENV_DOCS) | set(GATEWAY_ENV) | set(NOTIFY_ENV)
    known |= {f"DGCP_{s.upper()}_{what}" for s in DEFAULT_PORTS for what in ("ADDR", "PORT")}
    config = _find(rendered[overlay], "ConfigMap", "dgcp-config")["data"]
    assert set(config) <= known, set(config) - known


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_exposes_metrics_for_scraping(
    overlay: str, rendered: dict[str, list[Resource]]
) -> None:
    """Each service and the gateway: a metrics port on the pod and the Service, the scrape
    annotations, the port setting; Prometheus's namespace may reach it; prod has a ServiceMonitor."""
    resources = rendered[overlay]
    config = _find(resources, "ConfigMap", "dgcp-config")["data"]
    port = int(config["DGCP_METRICS_PORT"])
    for name in [*_services(), "gateway"]:
        deployment = _find(resources, "Deployment", name)
        template = deployment["spec"]["template"]
        notes = template["metadata"]["annotations"]
        assert notes["prometheus.io/scrape"] == "true" and int(notes["prometheus.io/port"]) == port
        (container,) = template["spec"]["containers"]
        assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in container["ports"]
        service = _find(resources, "Service", name)
        assert any(p["name"] == "metrics" and p["port"] == port for p in service["spec"]["ports"])
    scrape = _find(resources, "NetworkPolicy", "allow-metrics-scrape")["spec"]["ingress"]
    assert scrape == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "ports": [{"port": "metrics", "protocol": "TCP"}],
        }
    ]
    monitors = _of_kind(resources, "ServiceMonitor")
    if overlay == "prod":
        (monitor,) = monitors
        assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
        assert monitor["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/part-of": "dgcp"}
    else:
        assert not monitors
