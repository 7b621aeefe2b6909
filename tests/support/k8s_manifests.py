#!/usr/bin/env python3
"""The Kubernetes manifests of docs/kubernetes/, checked and turned into commands.

check DIR: every document is checked against the part of the Kubernetes API
it uses (batch/v1 Job and CronJob, v1 ConfigMap and PersistentVolumeClaim):
required fields, value types, and no field the API does not have (kubectl's
strict validation refuses those too; a misspelt field would otherwise be
dropped by the server without a word).

run DIR WORK: writes each ConfigMap's files under WORK/config/<name>/ and
prints, one JSON list per line, the argv each evalrun container would run:
the Indexed Job's once per completion index (its completion-index annotation
resolved as the Job controller sets it), then the other Jobs', then the
CronJob's. $(VAR) is expanded as Kubernetes expands it; a mountPath in an
argument or a ConfigMap file becomes WORK/<volume name>.
"""
import json
import os
import re
import sys

import yaml

STR, INT, BOOL = "string", "integer", "boolean"


def lst(item):
    return ("list", item)


def dict_of(value):
    return ("map", value)


QUANTITY = ("quantity",)
INT_OR_STR = ("int-or-string",)

METADATA = {"name": STR, "labels": dict_of(STR), "annotations": dict_of(STR), "namespace": STR}
OBJECT_FIELD = {"fieldPath": STR, "apiVersion": STR}
ENV_SOURCE = {
    "fieldRef": OBJECT_FIELD,
    "secretKeyRef": {"name": STR, "key": STR, "optional": BOOL},
    "configMapKeyRef": {"name": STR, "key": STR, "optional": BOOL},
}
ENV = {"name": STR, "value": STR, "valueFrom": ENV_SOURCE}
RESOURCES = {"limits": dict_of(QUANTITY), "requests": dict_of(QUANTITY)}
PROBE = {
    "httpGet": {"path": STR, "port": INT_OR_STR, "scheme": STR},
    "exec": {"command": lst(STR)},
    "periodSeconds": INT, "failureThreshold": INT, "initialDelaySeconds": INT,
    "timeoutSeconds": INT, "successThreshold": INT,
}
CONTAINER = {
    "name": STR, "image": STR, "command": lst(STR), "args": lst(STR), "env": lst(ENV),
    "resources": RESOURCES, "volumeMounts": lst({"name": STR, "mountPath": STR, "readOnly": BOOL, "subPath": STR}),
    "startupProbe": PROBE, "readinessProbe": PROBE, "livenessProbe": PROBE,
    "restartPolicy": STR, "workingDir": STR, "imagePullPolicy": STR,
}
VOLUME = {
    "name": STR,
    "configMap": {"name": STR, "items": lst({"key": STR, "path": STR})},
    "persistentVolumeClaim": {"claimName": STR, "readOnly": BOOL},
    "emptyDir": {"medium": STR, "sizeLimit": QUANTITY},
}
POD_SPEC = {
    "restartPolicy": STR, "initContainers": lst(CONTAINER), "containers": lst(CONTAINER),
    "volumes": lst(VOLUME), "nodeSelector": dict_of(STR), "serviceAccountName": STR,
    "securityContext": {"fsGroup": INT, "runAsUser": INT, "runAsGroup": INT, "runAsNonRoot": BOOL},
}
POD_TEMPLATE = {"metadata": METADATA, "spec": POD_SPEC}
JOB_SPEC = {
    "completionMode": STR, "completions": INT, "parallelism": INT, "backoffLimit": INT,
    "backoffLimitPerIndex": INT, "activeDeadlineSeconds": INT, "ttlSecondsAfterFinished": INT,
    "template": POD_TEMPLATE,
}
KINDS = {
    ("batch/v1", "Job"): {"apiVersion": STR, "kind": STR, "metadata": METADATA, "spec": JOB_SPEC},
    ("batch/v1", "CronJob"): {
        "apiVersion": STR, "kind": STR, "metadata": METADATA,
        "spec": {
            "schedule": STR, "concurrencyPolicy": STR, "successfulJobsHistoryLimit": INT,
            "failedJobsHistoryLimit": INT, "suspend": BOOL, "startingDeadlineSeconds": INT,
            "timeZone": STR, "jobTemplate": {"metadata": METADATA, "spec": JOB_SPEC},
        },
    },
    ("v1", "ConfigMap"): {"apiVersion": STR, "kind": STR, "metadata": METADATA, "data": dict_of(STR)},
    ("v1", "PersistentVolumeClaim"): {
        "apiVersion": STR, "kind": STR, "metadata": METADATA,
        "spec": {
            "accessModes": lst(STR), "storageClassName": STR,
            "resources": {"requests": dict_of(QUANTITY), "limits": dict_of(QUANTITY)},
        },
    },
}
REQUIRED = {
    "metadata": ["name"], "container": ["name", "image"], "template.spec": ["containers"],
    "Job.spec": ["template"], "CronJob.spec": ["schedule", "jobTemplate"],
}
ENUMS = {
    "restartPolicy": {"Always", "OnFailure", "Never"},
    "completionMode": {"NonIndexed", "Indexed"},
    "concurrencyPolicy": {"Allow", "Forbid", "Replace"},
    "accessModes": {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"},
    "imagePullPolicy": {"Always", "IfNotPresent", "Never"},
}


def check(value, schema, where, errors):
    if isinstance(schema, tuple):
        if schema[0] == "list":
            if not isinstance(value, list):
                errors.append(f"{where}: expected a list")
                return
            for i, item in enumerate(value):
                check(item, schema[1], f"{where}[{i}]", errors)
        elif schema[0] == "map":
            if not isinstance(value, dict):
                errors.append(f"{where}: expected a map")
                return
            for k, v in value.items():
                check(v, schema[1], f"{where}.{k}", errors)
        elif schema[0] == "quantity":
            if not (isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"[0-9.]+([KMGTPE]i?|[mkMGTPE])?", value))):
                errors.append(f"{where}: not a quantity: {value!r}")
        elif schema[0] == "int-or-string":
            if not isinstance(value, (int, str)) or isinstance(value, bool):
                errors.append(f"{where}: expected an integer or a string")
        return
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            errors.append(f"{where}: expected a map")
            return
        for k, v in value.items():
            if k not in schema:
                errors.append(f"{where}: unknown field {k!r}")
            else:
                check(v, schema[k], f"{where}.{k}", errors)
        return
    kinds = {STR: str, INT: int, BOOL: bool}
    if not isinstance(value, kinds[schema]) or (schema == INT and isinstance(value, bool)):
        errors.append(f"{where}: expected a {schema}, not {value!r}")
    leaf = where.rsplit(".", 1)[-1].split("[")[0]
    if leaf in ENUMS and value not in ENUMS[leaf]:
        errors.append(f"{where}: {value!r} is not one of {sorted(ENUMS[leaf])}")


def pod_specs(doc):
    if doc["kind"] == "Job":
        return [doc["spec"]["template"]["spec"]]
    if doc["kind"] == "CronJob":
        return [doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    return []


def semantic_checks(doc, where, errors):
    for field in REQUIRED["metadata"]:
        if field not in doc.get("metadata", {}):
            errors.append(f"{where}: metadata.{field} is required")
    if doc["kind"] == "CronJob":
        spec = doc["spec"]
        fields = spec.get("schedule", "").split()
        if len(fields) != 5:
            errors.append(f"{where}: schedule {spec.get('schedule')!r} is not 5 cron fields")
        job = spec.get("jobTemplate", {}).get("spec", {})
    elif doc["kind"] == "Job":
        job = doc["spec"]
        if job.get("completionMode") == "Indexed" and "completions" not in job:
            errors.append(f"{where}: an Indexed Job needs spec.completions")
    else:
        return
    pod = job.get("template", {}).get("spec", {})
    if "containers" not in pod or not pod["containers"]:
        errors.append(f"{where}: the pod has no containers")
    if pod.get("restartPolicy") not in ("OnFailure", "Never"):
        errors.append(f"{where}: a Job's pod needs restartPolicy OnFailure or Never")
    volumes = {v["name"] for v in pod.get("volumes", [])}
    for c in pod.get("initContainers", []) + pod.get("containers", []):
        for field in REQUIRED["container"]:
            if field not in c:
                errors.append(f"{where}: container {c.get('name')} needs {field}")
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                errors.append(f"{where}: container {c['name']} mounts {m['name']!r}, which is no volume")


def load(folder):
    docs = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yaml"):
            with open(os.path.join(folder, name)) as f:
                for doc in yaml.safe_load_all(f):
                    if doc is not None:
                        docs.append((name, doc))
    return docs


def check_all(folder):
    errors = []
    docs = load(folder)
    if not docs:
        errors.append(f"{folder}: no manifests")
    for name, doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in KINDS:
            errors.append(f"{name}: unexpected apiVersion/kind {key}")
            continue
        where = f"{name}:{doc['kind']}/{doc.get('metadata', {}).get('name')}"
        check(doc, KINDS[key], where, errors)
        semantic_checks(doc, where, errors)
    return docs, errors


def expand(text, env):
    # Kubernetes: $(VAR) of a variable defined before is replaced, $$ is a $.
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def argv_of(pod, index, work, secrets):
    out = []
    mounts_by_volume = {}
    for c in pod["containers"]:
        if c["image"].split(":")[0] != "evalrun":
            continue
        env = {}
        for e in c.get("env", []):
            if "value" in e:
                env[e["name"]] = expand(e["value"], env)
            elif "fieldRef" in e.get("valueFrom", {}):
                path = e["valueFrom"]["fieldRef"]["fieldPath"]
                if path != "metadata.annotations['batch.kubernetes.io/job-completion-index']" or index is None:
                    raise SystemExit(f"unsupported fieldRef {path}")
                env[e["name"]] = str(index)
            elif "secretKeyRef" in e.get("valueFrom", {}):
                env[e["name"]] = secrets
        argv = ["evalrun"] if "command" not in c else list(c["command"])
        argv += c.get("args", [])
        argv = [expand(a, env) for a in argv]
        for m in c.get("volumeMounts", []):
            mounts_by_volume[m["mountPath"]] = os.path.join(work, m["name"])
        for mount, local in sorted(mounts_by_volume.items(), key=lambda x: -len(x[0])):
            argv = [a.replace(mount, local) for a in argv]
        out.append(argv)
    return out


def run(folder, work):
    docs, errors = check_all(folder)
    if errors:
        raise SystemExit("\n".join(errors))
    for _, doc in docs:
        if doc["kind"] == "ConfigMap":
            target = os.path.join(work, "config")
            os.makedirs(target, exist_ok=True)
            for key, text in doc["data"].items():
                with open(os.path.join(target, key), "w") as f:
                    f.write(text.replace("/results", os.path.join(work, "results")))
    lines = []
    order = {"Job": 0, "CronJob": 1}
    jobs = sorted((d for _, d in docs if d["kind"] in order),
                  key=lambda d: (order[d["kind"]], d["spec"].get("completionMode") != "Indexed"))
    for doc in jobs:
        job = doc["spec"] if doc["kind"] == "Job" else doc["spec"]["jobTemplate"]["spec"]
        pod = job["template"]["spec"]
        indexes = range(job["completions"]) if job.get("completionMode") == "Indexed" else [None]
        for index in indexes:
            for argv in argv_of(pod, index, work, "not-a-key"):
                lines.append(json.dumps(argv))
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        _, problems = check_all(sys.argv[2])
        if problems:
            print("\n".join(problems), file=sys.stderr)
            sys.exit(1)
        print(f"{sys.argv[2]}: manifests valid")
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
