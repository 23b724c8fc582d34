#!/usr/bin/env python3
"""Boots the real fedgate binary the way a rendered chart would run it, on loopback.

    deploy-boot-smoke.py RENDERED.yaml FEDGATE_BINARY

Takes the Deployment's args and environment, the ConfigMap's fedgate.toml and the Secret's
files from a `helm template`/render-chart.py output, lays them out in a temporary directory
(each volumeMount path mapped into it), points redis-url at a redis-server of its own on a
free loopback port and kek at a fresh key, listens on 127.0.0.1, and checks what the chart
relies on: the process starts with that configuration (`serve --config`, the *_FILE variables,
the SSO client-secret variables), /healthz and /readyz answer 200, /readyz answers 503 once
Redis is gone while /healthz stays 200, and SIGTERM ends the process with status 0.
Used by scripts/validate-deploy.sh; needs PyYAML, redis-server and openssl. Exit 0 = passed.
"""
import base64, os, secrets, signal, socket, subprocess, sys, tempfile, time, urllib.error, urllib.request
import yaml

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def status(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as r: return r.status
    except urllib.error.HTTPError as e: return e.code
    except OSError: return None

def wait_for(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred(): return True
        time.sleep(0.2)
    return False

def main(rendered, binary):
    docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
    kind = lambda k: [d for d in docs if d["kind"] == k]
    deploy, = kind("Deployment")
    pod = deploy["spec"]["template"]["spec"]; c = pod["containers"][0]
    work = tempfile.mkdtemp(prefix="fedgate-boot-")
    mounts = {m["mountPath"]: os.path.join(work, "m" + m["mountPath"].replace("/", "_")) for m in c["volumeMounts"]}
    local = lambda s: next((s.replace(p, d, 1) for p, d in mounts.items() if s.startswith(p + "/") or s == p), s)
    vols = {v["name"]: v for v in pod["volumes"]}
    rport, hport = free_port(), free_port()
    for m in c["volumeMounts"]:
        d = mounts[m["mountPath"]]; os.makedirs(d)
        v = vols[m["name"]]
        if "configMap" in v and v["configMap"]["name"] == deploy["metadata"]["name"]:
            text, = [x["data"]["fedgate.toml"] for x in kind("ConfigMap")]
            for p in mounts: text = text.replace(f'"{p}/', f'"{mounts[p]}/')
            open(os.path.join(d, "fedgate.toml"), "w").write(text)
        elif "secret" in v:
            for s in kind("Secret"):
                for k, b in s.get("data", {}).items():
                    open(os.path.join(d, k), "wb").write(base64.b64decode(b))
            open(os.path.join(d, "kek"), "w").write(secrets.token_hex(32) + "\n")
            open(os.path.join(d, "redis-url"), "w").write(f"redis://127.0.0.1:{rport}/0\n")
            if os.path.exists(os.path.join(d, "saml-sp.key")):   # values hold placeholders: a real pair
                subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=fedgate SP",
                                "-days", "1", "-keyout", os.path.join(d, "saml-sp.key"), "-out", os.path.join(d, "saml-sp.crt")],
                               check=True, capture_output=True)
        elif "configMap" in v:   # e.g. kube-root-ca.crt for oidc.ca_file: a throwaway CA
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-subj", "/CN=fedgate boot smoke", "-days", "1", "-keyout", os.path.join(work, "ca.key"),
                            "-out", os.path.join(d, "ca.crt")], check=True, capture_output=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": work}
    env.update({e["name"]: local(e["value"]) for e in c["env"] if "value" in e})
    env["FEDGATE_LISTEN"] = f"127.0.0.1:{hport}"
    redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL)
    log = open(os.path.join(work, "fedgate.log"), "w+")
    proc, ok = None, True
    def check(what, good):
        nonlocal ok
        print(f"  {'ok  ' if good else 'FAIL'} {what}", file=sys.stderr); ok &= bool(good)
    def run():
        nonlocal proc
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", rport)) == 0, 10)
        proc = subprocess.Popen([binary] + [local(a) for a in c["args"]], env=env, cwd=work, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{hport}"
        wait_for(lambda: proc.poll() is not None or status(base + "/healthz") == 200, 30)
        check("starts with the rendered configuration; /healthz 200", proc.poll() is None and status(base + "/healthz") == 200)
        if proc.poll() is not None: return
        check("/readyz 200 with Redis up", status(base + "/readyz") == 200)
        if "FEDGATE_SAML__SP_CERT_FILE" in env:
            with urllib.request.urlopen(base + "/saml/metadata", timeout=3) as r: meta = r.read().decode()
            check("SP certificate in /saml/metadata (saml.sp_*_file from the Secret)", "X509Certificate" in meta)
        log.flush(); check("first start created an account", "first start: created account" in open(log.name).read())
        redis.terminate(); redis.wait(10)
        check("/readyz 503 once Redis is gone", wait_for(lambda: status(base + "/readyz") == 503, 15))
        check("/healthz still 200 without Redis", status(base + "/healthz") == 200)
        proc.send_signal(signal.SIGTERM)
        try: rc = proc.wait(15)
        except subprocess.TimeoutExpired: rc = None
        check(f"SIGTERM: exits with status 0 (got {rc})", rc == 0)
    try:
        run()
    finally:
        for p in (proc, redis):
            if p and p.poll() is None: p.kill(); p.wait()
        if not ok:
            log.seek(0); sys.stderr.write("".join(l for l in log.read().splitlines(True)[-20:] if "SecretAccessKey" not in l and "password" not in l))
    subprocess.run(["rm", "-rf", work])
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
