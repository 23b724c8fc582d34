#!/usr/bin/env bash
# Validates the deployment files without a cluster:
#  1. renders the Helm chart deploy/helm/fedgate for its default values, for each values file in
#     deploy/helm/examples/ (each on its own, and ingress-tls.yaml on top of each Redis file),
#     and for deploy/helm/fedgate/ci/*-values.yaml (every optional branch) — with `helm
#     template` when helm is on PATH (and then also with scripts/render-chart.py, failing if the
#     two differ), else with scripts/render-chart.py alone;
#  2. validates every rendered object and deploy/examples/*.yaml with `kubernetes-validate
#     --strict` (unknown fields are errors) against the oldest Kubernetes the chart claims
#     (Chart.yaml kubeVersion >=1.25) and the newest the pinned validator knows (1.37);
#     ServiceMonitor (a Prometheus Operator CRD, not in those schemas) is validated against
#     deploy/schemas/servicemonitor-v1.json, a strict subset of the CRD's schema; any other kind
#     without a schema is an error;
#  3. checks what the schemas cannot: the ConfigMap's fedgate.toml parses as TOML and does not set
#     keys the chart sets through the environment; the Deployment keeps its security settings,
#     probes and secret paths; no template syntax is left in the output;
#  4. when a release binary exists, that the Dockerfile's runtime stage installs exactly the
#     Debian packages of the libraries the binary links (ldd, dpkg -S; libc6 is the base's);
#  5. when a release binary exists (FEDGATE_BIN, default $CARGO_TARGET_DIR/release/fedgate, as
#     scripts/test.sh builds it) and redis-server and openssl are installed: boots it exactly as
#     the all-features render configures the pod (scripts/deploy-boot-smoke.py: args, config
#     file, environment, secret files; Redis and the listener on loopback) and checks /healthz,
#     /readyz with and without Redis, and the exit on SIGTERM.
# Exits non-zero on any failure; the last line is a one-line summary.
#
# Tools go into a venv under ${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-venv-deploy (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

KV_VERSION=1.37.0            # kubernetes-validate; ships schemas for Kubernetes 1.25 to 1.37
PYYAML_VERSION=6.0.2
K8S_VERSIONS=(1.25.0 1.37.0)
CHART=deploy/helm/fedgate

venv="${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-venv-deploy"
if ! "$venv/bin/python" -c 'import kubernetes_validate, yaml, jsonschema' 2>/dev/null \
   || [ "$("$venv/bin/kubernetes-validate" --version 2>/dev/null)" != "$KV_VERSION" ]; then
  echo "validate-deploy: installing kubernetes-validate $KV_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "kubernetes-validate==$KV_VERSION" "PyYAML==$PYYAML_VERSION"
fi
py="$venv/bin/python"
"$py" -c 'import tomllib' 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check tomli

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

renderer="scripts/render-chart.py"
if command -v helm >/dev/null; then renderer="helm template (compared with scripts/render-chart.py)"; fi

# render NAME ARGS...: writes $work/NAME.yaml; ARGS are -f/--set options shared by both renderers.
render() {
  local name=$1; shift
  if ! "$py" scripts/render-chart.py "$CHART" --release fedgate --namespace fedgate --notes "$@" \
       >"$work/$name.py.yaml" 2>"$work/$name.notes"; then
    fail "$name: scripts/render-chart.py: $(grep -v '^$' "$work/$name.notes" | tail -1)"; return 1
  fi
  if command -v helm >/dev/null; then
    if ! helm template fedgate "$CHART" --namespace fedgate "$@" >"$work/$name.yaml" 2>"$work/$name.err"; then
      fail "$name: helm template: $(tail -1 "$work/$name.err")"; return 1
    fi
    "$py" - "$work/$name.yaml" "$work/$name.py.yaml" <<'EOF' || fail "$name: helm and scripts/render-chart.py render different objects"
import sys, yaml
def objs(p):
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(p)) if d}
a, b = objs(sys.argv[1]), objs(sys.argv[2])
for k in sorted(set(a) | set(b)):
    if a.get(k) != b.get(k): print(f"  differs: {k[0]}/{k[1]}", file=sys.stderr)
sys.exit(a != b)
EOF
  else
    cp "$work/$name.py.yaml" "$work/$name.yaml"
  fi
}

renders=(default)
render default || true
for f in deploy/helm/examples/*.yaml "$CHART"/ci/*-values.yaml; do
  n=$(basename "$f" .yaml); renders+=("$n"); render "$n" -f "$f" || true
done
for f in deploy/helm/examples/redis-*.yaml; do
  n="$(basename "$f" .yaml)+ingress-tls"; renders+=("$n")
  render "$n" -f "$f" -f deploy/helm/examples/ingress-tls.yaml || true
done
renders+=(minimal)
render minimal --set serviceAccount.create=false --set podAntiAffinity.enabled=false \
  --set topologySpread.enabled=false --set podDisruptionBudget.enabled=false \
  --set secrets.existingSecret=fedgate-secrets || true

# Split every render into objects with Kubernetes schemas and ServiceMonitors; run the checks.
"$py" - "$work" "${renders[@]}" <<'EOF' || fail "rendered objects (see above)"
import json, os, re, sys, yaml, jsonschema
try:
    import tomllib
except ImportError:
    import tomli as tomllib
work, names = sys.argv[1], sys.argv[2:]
schema = json.load(open("deploy/schemas/servicemonitor-v1.json"))
ok, counts = True, {}
def bad(msg):
    global ok; ok = False; print(f"FAIL: {msg}", file=sys.stderr)
ENV_KEYS = {"listen", "public_url", "store", "kek_file"}   # set by the chart's environment
for name in names:
    path = f"{work}/{name}.yaml"
    if not os.path.exists(path): continue
    text = open(path).read()
    if "{{" in text or "<no value>" in text: bad(f"{name}: template syntax left in the output")
    docs = [d for d in yaml.safe_load_all(text) if d]
    k8s, crd = [], []
    for d in docs:
        kind = d.get("kind"); counts[kind] = counts.get(kind, 0) + 1
        where = f"{name}: {kind}/{d.get('metadata', {}).get('name')}"
        if kind == "ServiceMonitor":
            crd.append(d)
            for e in jsonschema.Draft202012Validator(schema).iter_errors(d):
                bad(f"{where}: {'.'.join(map(str, e.path))}: {e.message}")
            continue
        k8s.append(d)
        if kind == "ConfigMap":
            try:
                conf = tomllib.loads(d["data"]["fedgate.toml"])
            except Exception as e:
                bad(f"{where}: fedgate.toml is not TOML: {e}"); continue
            for key in ENV_KEYS & set(conf): bad(f"{where}: fedgate.toml sets {key}, which the chart sets from values")
        if kind == "Deployment":
            spec = d["spec"]["template"]["spec"]; c = spec["containers"][0]; sc = c["securityContext"]
            checks = {
                "runAsNonRoot": spec["securityContext"].get("runAsNonRoot") is True and sc.get("runAsNonRoot") is True,
                "runAsUser 10001": spec["securityContext"].get("runAsUser") == 10001,
                "readOnlyRootFilesystem": sc.get("readOnlyRootFilesystem") is True,
                "allowPrivilegeEscalation false": sc.get("allowPrivilegeEscalation") is False,
                "capabilities drop ALL": sc.get("capabilities", {}).get("drop") == ["ALL"],
                "seccomp RuntimeDefault": spec["securityContext"].get("seccompProfile", {}).get("type") == "RuntimeDefault",
                "liveness /healthz": c["livenessProbe"]["httpGet"]["path"] == "/healthz",
                "readiness /readyz": c["readinessProbe"]["httpGet"]["path"] == "/readyz",
                "preStop sleep": c["lifecycle"]["preStop"]["exec"]["command"][0] == "/bin/sleep",
                "grace > preStop sleep": spec["terminationGracePeriodSeconds"] > int(c["lifecycle"]["preStop"]["exec"]["command"][1]),
                "serve --config": c["args"][:3] == ["serve", "--config", "/etc/fedgate/fedgate.toml"],
                "/tmp emptyDir": any(m["mountPath"] == "/tmp" for m in c["volumeMounts"]),
            }
            env = {e["name"]: e.get("value") for e in c["env"]}
            for var in ("FEDGATE_STORE__REDIS_URL_FILE", "FEDGATE_KEK_FILE"):
                checks[var] = (env.get(var) or "").startswith("/run/secrets/fedgate/")
            for var in env:
                checks[f"env {var} valid"] = bool(re.fullmatch(r"[-._a-zA-Z][-._a-zA-Z0-9]*", var))
            for what, good in checks.items():
                if not good: bad(f"{where}: {what}")
    with open(f"{work}/{name}.k8s.yaml", "w") as f: yaml.safe_dump_all(k8s, f)
print(" ".join(f"{v} {k}" for k, v in sorted(counts.items())), file=open(f"{work}/counts", "w"))
sys.exit(0 if ok else 1)
EOF

# kubernetes-validate: strict schemas; an object without a schema is a WARN line: a failure here.
kv_args=(--strict --quiet)
for v in "${K8S_VERSIONS[@]}"; do kv_args+=(-k "$v"); done
files=()
for n in "${renders[@]}"; do [ -f "$work/$n.k8s.yaml" ] && files+=("$work/$n.k8s.yaml"); done
files+=(deploy/examples/*.yaml)
if ! "$venv/bin/kubernetes-validate" "${kv_args[@]}" "${files[@]}" >"$work/kv.out" 2>&1 \
   || grep -qE '^(WARN|ERROR|FATAL)' "$work/kv.out"; then
  sed "s#$work/##" "$work/kv.out" >&2
  fail "kubernetes-validate"
fi
objects=$("$py" -c 'import sys,yaml; print(sum(1 for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d))' "${files[@]}")

# The Dockerfile's runtime packages against what the release binary links (ldd, mapped to
# Debian packages with dpkg -S): the image cannot be built here (no Docker engine), so this
# keeps its package list from going stale. libc6 comes with the base image.
bin=${FEDGATE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}/release/fedgate}
libs_note="runtime packages not checked (no $bin)"
if [ -x "$bin" ] && command -v ldd >/dev/null && command -v dpkg >/dev/null; then
  linked=$(ldd "$bin" | awk '/=>/ {print $3}' | while read -r lib; do
             dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || echo "UNKNOWN:$lib"
           done | cut -d: -f1 | grep -vx libc6 | sort -u)
  listed=$(awk '/^FROM debian/ {rt=1} rt && /apt-get install/ {grab=1; next} grab && /^ *&&/ {grab=0} grab' deploy/Dockerfile \
           | tr -s ' \\' '\n' | grep -v '^$' | grep -vx ca-certificates | sort -u)
  if [ "$linked" = "$listed" ]; then
    libs_note="Dockerfile runtime packages match ldd ($(echo "$listed" | wc -l))"
  else
    echo "linked by $bin: $(echo $linked)" >&2
    echo "deploy/Dockerfile installs: $(echo $listed)" >&2
    fail "the Dockerfile's runtime packages differ from what the binary links"
  fi
fi

# Boot the real binary with the rendered configuration.
boot_note="boot smoke skipped (no $bin; cargo build --release)"
if [ -x "$bin" ] && command -v redis-server >/dev/null && command -v openssl >/dev/null; then
  if "$py" scripts/deploy-boot-smoke.py "$work/all-features-values.yaml" "$bin" 2>"$work/boot.out"; then
    boot_note="boot smoke passed ($(grep -c '^  ok' "$work/boot.out") checks)"
  else
    cat "$work/boot.out" >&2; fail "boot smoke of the all-features render"
  fi
elif [ -x "$bin" ]; then
  boot_note="boot smoke skipped (redis-server or openssl missing)"
fi

kinds=$(cat "$work/counts" 2>/dev/null || echo "?")
if [ "$failures" -eq 0 ]; then
  echo "validate-deploy: OK: ${#renders[@]} chart renders with $renderer and $(ls deploy/examples/*.yaml | wc -l) example files; $objects objects valid for Kubernetes ${K8S_VERSIONS[*]} (strict), ServiceMonitors against deploy/schemas/servicemonitor-v1.json; rendered kinds: $kinds; $libs_note; $boot_note"
else
  echo "validate-deploy: FAILED: $failures failure(s) (renderer: $renderer)"
  exit 1
fi
