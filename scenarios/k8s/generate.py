#!/usr/bin/env python3
"""generate.py — the Kubernetes manifests that run one lt test as N execution segments.

    scenarios/k8s/generate.py --instances 3 --script lua/b2_peak_sustained.lua \
        --env GATEWAY_URL=http://gateway:8080 --start-in 120 -o out/

writes into out/:
  configmap.yaml  the test script(s), mounted at /scripts (lt's own lua/lib is in the image)
  pvc.yaml        a ReadWriteMany volume for the summaries, mounted at /results
  job.yaml        the Indexed Job: completions = parallelism = N; pod i (JOB_COMPLETION_INDEX)
                  runs segment i/N:(i+1)/N of 0,1/N,...,1 (run-segment.sh), all starting their
                  load at the same --start-at
  merge-job.yaml  the merge step: lt merge of every summary, then lt report (merge.sh)
Apply configmap, pvc and job; when the job completes, apply merge-job (README.md here).
"""
import argparse
import datetime
import os
import sys

import yaml

IMAGE_HOME = "/opt/lt"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", "-n", type=int, required=True, help="N: segments, one pod each")
    p.add_argument("--script", required=True, help="the test script (its file goes into the ConfigMap)")
    p.add_argument("--file", action="append", default=[], help="another file for /scripts (a module the script requires)")
    p.add_argument("--name", default="lt", help="name prefix of every object (default lt)")
    p.add_argument("--namespace", default=None)
    p.add_argument("--image", default="lt:latest")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE in every pod's environment (lt.env)")
    p.add_argument("--args", default="", help="extra lt flags, e.g. '--time-scale 0.1'")
    p.add_argument("--prometheus", default=None, help="remote-write URL: every instance also writes there")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--start-at", default=None, help="RFC 3339 time at which every pod starts its load")
    g.add_argument("--start-in", type=int, default=None, help="seconds from now (the time is written into job.yaml)")
    p.add_argument("--storage-class", default=None, help="a StorageClass offering ReadWriteMany")
    p.add_argument("-o", "--out", required=True, help="directory for the manifests")
    a = p.parse_args(argv)
    if a.instances < 1 or a.instances > 1000:
        p.error("--instances must be 1..1000")
    for kv in a.env:
        if "=" not in kv or kv.startswith("="):
            p.error("--env takes KEY=VALUE, got %r" % kv)
    return a


def meta(a, name, **labels):
    m = {"name": name, "labels": {"app.kubernetes.io/name": "lt", "lt/test": a.name, **labels}}
    if a.namespace:
        m["namespace"] = a.namespace
    return m


def env_list(pairs):
    return [{"name": k, "value": v} for k, v in (kv.split("=", 1) for kv in pairs)]


def manifests(a):
    n = a.instances
    script = os.path.basename(a.script)
    files = [a.script] + a.file
    data = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            data[os.path.basename(f)] = fh.read()
    start_at = a.start_at
    if a.start_in is not None:
        t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=a.start_in)
        start_at = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    lt_args = a.args
    if a.prometheus:
        lt_args = (lt_args + " --out prometheus-rw=" + a.prometheus).strip()
    volumes = [
        {"name": "scripts", "configMap": {"name": a.name + "-scripts"}},
        {"name": "results", "persistentVolumeClaim": {"claimName": a.name + "-results"}},
    ]
    mounts = [
        {"name": "scripts", "mountPath": "/scripts", "readOnly": True},
        {"name": "results", "mountPath": "/results"},
    ]
    common_env = [
        {"name": "LT", "value": IMAGE_HOME + "/bin/lt"},
        {"name": "LT_INSTANCES", "value": str(n)},
        {"name": "LT_RESULTS", "value": "/results"},
    ]
    run_env = common_env + [
        {"name": "LT_SCRIPT", "value": "/scripts/" + script},
        {"name": "LT_START_AT", "value": start_at or ""},
        {"name": "LT_ARGS", "value": lt_args},
        {"name": "LT_INSTANCE_PREFIX", "value": a.name},
    ] + env_list(a.env)
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(a, a.name + "-scripts"), "data": data}
    pvc_spec = {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}}
    if a.storage_class:
        pvc_spec["storageClassName"] = a.storage_class
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta(a, a.name + "-results"), "spec": pvc_spec}
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(a, a.name + "-run"),
        "spec": {
            "completionMode": "Indexed",
            "completions": n,
            "parallelism": n,
            "backoffLimit": 0,  # a retried pod would run its segment's share a second time
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "lt", "lt/test": a.name}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "lt",
                        "image": a.image,
                        "command": [IMAGE_HOME + "/run-segment.sh"],
                        "env": run_env,
                        "volumeMounts": mounts,
                    }],
                    "volumes": volumes,
                },
            },
        },
    }
    merge = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(a, a.name + "-merge"),
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "lt", "lt/test": a.name}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "merge",
                        "image": a.image,
                        "command": [IMAGE_HOME + "/merge.sh"],
                        "env": common_env,
                        "volumeMounts": [mounts[1]],
                    }],
                    "volumes": [volumes[1]],
                },
            },
        },
    }
    return {"configmap.yaml": configmap, "pvc.yaml": pvc, "job.yaml": job, "merge-job.yaml": merge}


def main(argv):
    a = parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    for name, doc in manifests(a).items():
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as fh:
            yaml.safe_dump(doc, fh, sort_keys=False, default_flow_style=False)
    print("wrote %s/{configmap,pvc,job,merge-job}.yaml for %d instances" % (a.out, a.instances))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
