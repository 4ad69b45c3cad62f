#!/usr/bin/env python3
"""k8s_check.py DIR N SCRIPT — checks the manifests scenarios/k8s/generate.py wrote for N
instances; prints one 'ok'/'FAIL' line per check. With --env-of-run, instead prints the run
container's command and environment as shell lines (what tests/segments/k8s_test.sh runs)."""
import os
import shlex
import sys

import yaml


def load(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as fh:
        docs = list(yaml.safe_load_all(fh))
    assert len(docs) == 1, name
    return docs[0]


def env_of(container):
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def checks(d, n, script):
    cm, pvc, job, merge = (load(d, f) for f in ("configmap.yaml", "pvc.yaml", "job.yaml", "merge-job.yaml"))
    spec = job["spec"]
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    env = env_of(c)
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    with open(script, encoding="utf-8") as fh:
        text = fh.read()
    base = os.path.basename(script)
    yield "ConfigMap holds the script", cm["kind"] == "ConfigMap" and cm["data"].get(base) == text
    yield "PVC is ReadWriteMany", pvc["kind"] == "PersistentVolumeClaim" and pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    yield "Job is Indexed", job["kind"] == "Job" and job["apiVersion"] == "batch/v1" and spec["completionMode"] == "Indexed"
    yield "completions = parallelism = %d" % n, spec["completions"] == n and spec["parallelism"] == n
    yield "no retries (backoffLimit 0), restartPolicy Never", spec["backoffLimit"] == 0 and pod["restartPolicy"] == "Never"
    yield "command is run-segment.sh", c["command"] == ["/opt/lt/run-segment.sh"]
    yield "LT_INSTANCES = %d" % n, env.get("LT_INSTANCES") == str(n)
    yield "script from the ConfigMap mount", env.get("LT_SCRIPT") == "/scripts/" + base and mounts.get("scripts") == "/scripts" \
        and vols["scripts"]["configMap"]["name"] == cm["metadata"]["name"]
    yield "summaries to the PVC", env.get("LT_RESULTS") == "/results" and mounts.get("results") == "/results" \
        and vols["results"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    yield "a start time for every pod", env.get("LT_START_AT", "") != ""
    m = merge["spec"]["template"]["spec"]
    mc = m["containers"][0]
    menv = env_of(mc)
    yield "merge Job: merge.sh over the same PVC", mc["command"] == ["/opt/lt/merge.sh"] and \
        m["volumes"][0]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"] and \
        menv.get("LT_INSTANCES") == str(n) and merge["spec"].get("completionMode") is None


def shell_env(d, what):
    doc = load(d, "job.yaml" if what == "run" else "merge-job.yaml")
    c = doc["spec"]["template"]["spec"]["containers"][0]
    for k, v in env_of(c).items():
        print("export %s=%s" % (k, shlex.quote(v)))
    print("CMD=%s" % shlex.quote(c["command"][0]))


def main(argv):
    if argv[0] in ("--env-of-run", "--env-of-merge"):
        shell_env(argv[1], argv[0][len("--env-of-"):])
        return 0
    d, n, script = argv[0], int(argv[1]), argv[2]
    bad = 0
    for name, ok in checks(d, n, script):
        print("%s N=%d: %s" % ("ok  " if ok else "FAIL", n, name))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
