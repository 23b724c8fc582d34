#!/usr/bin/env python3
"""Render the fedgate Helm chart without helm: a small, strict Go-template subset.

    render-chart.py [CHART_DIR] [--release NAME] [--namespace NS] [-f VALUES]... [--set k=v]... [--notes]

CHART_DIR defaults to deploy/helm/fedgate. Values: the chart's values.yaml, then each -f file,
then each --set (later wins; maps merge deeply, lists are replaced, null deletes a key). Output:
a multi-document YAML stream on stdout, one "# Source:" document per rendered object, like
`helm template`. --notes also prints the rendered NOTES.txt to stderr. Needs PyYAML.

It implements exactly this subset of Helm's templates, which the chart keeps to so that real helm
renders it the same; anything else is an error (exit 2), never passed through:
  output     {{ PIPELINE }}; whitespace trimming with "{{- " and " -}}"; comments {{/* ... */}}
  terms      .Values.a.b  .Release.Name|Namespace|Service  .Chart.Name|Version|AppVersion
             .  .field  $  $.Values.x  $var  $var.field  "string"  123
             include "name" CTX       (CTX: a term; templates come from {{ define "name" }})
  functions  | quote  | nindent N  | indent N  | default X  | toYaml  | b64enc  | int
  control    {{ if C }} ... {{ else }} ... {{ end }}   C: TERM, not TERM, and T1 T2, or T1 T2
             {{ range $k, $v := TERM }} / {{ range TERM }} ... {{ end }}   (maps: sorted keys)
Semantics follow Go/Helm: numbers from YAML files are float64 (1000000 prints as 1e+06; use
| int), --set integers are int64, truthiness is Go's (0, "", false, null, empty map/list are
false), indent/nindent/b64enc take strings only, toYaml sorts keys as yaml.v2 does. Stricter than
helm: printing or ranging over a value that is missing is an error (catches typos); a missing
value is allowed only in conditions and before | default. toYaml's quoting of unusual strings
and its line folding may differ in form (not in data) from helm's.
"""
import argparse, base64, decimal, functools, json, os, re, sys
try:
    import yaml
except ImportError:
    sys.exit("render-chart.py: PyYAML is required (pip install PyYAML)")

class RenderError(Exception):
    pass

MISSING = object()

# ---- Go value formatting ---------------------------------------------------------------
def go_float(f):
    """fmt %v of a float64: strconv 'g' with the shortest precision (exponent from 1e+06)."""
    if f != f: return "NaN"
    if f in (float("inf"), float("-inf")): return "+Inf" if f > 0 else "-Inf"
    if f == 0: return "0"
    sign = "-" if f < 0 else ""
    t = decimal.Decimal(repr(abs(f))).normalize().as_tuple()   # repr: shortest round-trip digits
    ds = "".join(map(str, t.digits))
    x = len(ds) - 1 + t.exponent
    if x < -4 or x >= 6:
        return "%s%s%se%s%02d" % (sign, ds[0], "." + ds[1:] if len(ds) > 1 else "", "-" if x < 0 else "+", abs(x))
    if x < 0:
        return sign + "0." + "0" * (-x - 1) + ds
    ds = ds.ljust(x + 1, "0")
    return sign + ds[:x + 1] + ("." + ds[x + 1:] if len(ds) > x + 1 else "")

def go_str(v, what="value"):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return go_float(v)
    if isinstance(v, int): return str(v)
    if isinstance(v, str): return v
    if v is None or v is MISSING: raise RenderError(f"{what} is missing or null")
    raise RenderError(f"{what} is a {type(v).__name__}: print it with | toYaml")

def truthy(v):
    if v is None or v is MISSING: return False
    if isinstance(v, (bool, int, float)): return v != 0
    return len(v) > 0

GO_ESC = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}

def go_quote(s):
    """Go's %q (strconv.Quote) for printable text."""
    return '"' + "".join(GO_ESC.get(c) or ("\\x%02x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in s) + '"'

def to_int(v):
    if isinstance(v, (bool, int, float)): return int(v)
    try: return int(v, 0) if isinstance(v, str) else 0
    except ValueError: return 0

# ---- toYaml: what helm's yaml.Marshal (JSON round trip, then yaml.v2) produces -------------
def v2_key_less(a, b):
    """yaml.v2 keyList.Less for string keys: letters after other runes, digit runs by value."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]: continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl: return -1 if a[i] < b[i] else 1
        if al or bl: return -1 if bl else 1
        def run(s):
            j = i
            while j < len(s) and s[j].isdigit(): j += 1
            return j, int(s[i:j] or 0)
        (ai, an), (bi, bn) = run(a), run(b)
        if an != bn: return -1 if an < bn else 1
        if ai != bi: return -1 if ai < bi else 1
        return -1 if a[i] < b[i] else 1
    return (len(a) > len(b)) - (len(a) < len(b))

V2_SPECIAL = re.compile(r"^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
                        r"|on|On|ON|off|Off|OFF|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
                        r"|0x[0-9a-fA-F_]+|0b[01_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$")

def y_scalar(v):
    if v is None: return "null"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e21 else go_float(float(v))
    s = str(v)
    if s == "" or V2_SPECIAL.match(s): return json.dumps(s, ensure_ascii=False)
    printable = all(c == "\t" or ord(c) >= 0x20 and ord(c) != 0x7F for c in s)
    if not printable: return json.dumps(s, ensure_ascii=False)
    plain = not (s[0] in " \t" or s[-1] in " \t" or s[0] in "#,[]{}&*!|>'\"%@`" or s.startswith(("---", "..."))
                 or (s[0] in "-?:" and (len(s) == 1 or s[1] in " \t")) or ": " in s or s.endswith(":") or " #" in s)
    return s if plain else "'" + s.replace("'", "''") + "'"

def y_block(s, pad):
    """A multi-line string as libyaml writes it: literal style, or double quotes if not allowed."""
    if re.search(r"[ \t]\n|[ \t]$", s) or any(ord(c) < 0x20 and c not in "\n\t" for c in s):
        return [json.dumps(s, ensure_ascii=False)]
    body, chomp = (s, "-") if not s.endswith("\n") else (s[:-1], "+" if s.endswith("\n\n") else "")
    hint = "2" if s[0] in " \n" else ""
    return ["|" + hint + chomp] + [(pad + ln) if ln else "" for ln in body.split("\n")]

def y_lines(v, ind):
    pad, out = " " * ind, []
    if isinstance(v, dict):
        for k in sorted(v, key=functools.cmp_to_key(v2_key_less)):
            item, key = v[k], y_scalar(str(k))
            if isinstance(item, dict) and item: out += [f"{pad}{key}:"] + y_lines(item, ind + 2)
            elif isinstance(item, list) and item: out += [f"{pad}{key}:"] + y_lines(item, ind)
            elif isinstance(item, str) and "\n" in item:
                first, *rest = y_block(item, " " * (ind + 2)); out += [f"{pad}{key}: {first}"] + rest
            else: out.append(f"{pad}{key}: {y_inline(item)}")
    else:
        for item in v:
            if isinstance(item, (dict, list)) and item:
                sub = y_lines(item, ind + 2); out += [pad + "- " + sub[0][ind + 2:]] + sub[1:]
            elif isinstance(item, str) and "\n" in item:
                first, *rest = y_block(item, " " * (ind + 2)); out += [f"{pad}- {first}"] + rest
            else: out.append(f"{pad}- {y_inline(item)}")
    return out

def y_inline(v):
    if isinstance(v, dict): return "{}"
    if isinstance(v, list): return "[]"
    return y_scalar(v)

def to_yaml(v):
    if isinstance(v, (dict, list)) and v: return "\n".join(y_lines(v, 0))
    if isinstance(v, str) and "\n" in v: return "\n".join(y_block(v, "  "))
    return y_inline(None if v is MISSING else v)

# ---- parsing -----------------------------------------------------------------------------
TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\||[^\s|"]+)')

def lex(src, name):
    """Text and actions, with trim markers applied: [("text", s) | ("act", words, line)]."""
    items, pos, trim_next = [], 0, False
    for m in re.finditer(r"\{\{(.*?)\}\}", src, re.S):
        text, inner = src[pos:m.start()], m.group(1)
        if trim_next: text = text.lstrip(" \t\r\n")
        if re.match(r"-[ \t\r\n]", inner): text, inner = text.rstrip(" \t\r\n"), inner[2:]
        trim_next = bool(re.search(r"[ \t\r\n]-$", inner))
        if trim_next: inner = inner[:-2]
        items.append(("text", text))
        line, inner = src.count("\n", 0, m.start()) + 1, inner.strip()
        if inner.startswith("/*"):
            if not inner.endswith("*/"): raise RenderError(f"{name}:{line}: unterminated comment")
        else:
            words, p = [], 0
            while p < len(inner):
                t = TOKEN.match(inner, p)
                if not t or t.end() == p: raise RenderError(f"{name}:{line}: cannot parse {{{{ {inner} }}}}")
                words.append(t.group(1)); p = t.end()
            items.append(("act", words, f"{name}:{line}"))
        pos = m.end()
    rest = src[pos:]
    items.append(("text", rest.lstrip(" \t\r\n") if trim_next else rest))
    if "{{" in "".join(i[1] for i in items if i[0] == "text"): raise RenderError(f"{name}: unbalanced {{{{")
    return items

def parse(items, defines, top=True):
    """Items → nodes. Returns (nodes, stopping word, rest) below the top level."""
    nodes = []
    while items:
        item, items = items[0], items[1:]
        if item[0] == "text":
            if item[1]: nodes.append(("text", item[1]))
            continue
        words, where = item[1], item[2]
        kw = words[0]
        if kw in ("end", "else"):
            if top: raise RenderError(f"{where}: unexpected {{{{ {kw} }}}}")
            if len(words) != 1: raise RenderError(f"{where}: unsupported {' '.join(words)} (only plain else/end)")
            return nodes, kw, items
        if kw == "define":
            if not top or len(words) != 2 or not words[1].startswith('"'): raise RenderError(f"{where}: bad define")
            body, stop, items = parse(items, defines, top=False)
            if stop != "end": raise RenderError(f"{where}: define without end")
            defines[json.loads(words[1])] = body
        elif kw == "if":
            cond = parse_cond(words[1:], where)
            then, stop, items = parse(items, defines, top=False)
            other = []
            if stop == "else": other, stop, items = parse(items, defines, top=False)
            if stop != "end": raise RenderError(f"{where}: if without end")
            nodes.append(("if", cond, then, other, where))
        elif kw == "range":
            if len(words) == 5 and words[3] == ":=" and words[1].endswith(","): k, v, term = words[1][:-1], words[2], words[4]
            elif len(words) == 2: k, v, term = None, None, words[1]
            else: raise RenderError(f"{where}: unsupported range form {' '.join(words)}")
            for var in (k, v):
                if var is not None and not re.fullmatch(r"\$[A-Za-z_]\w*", var): raise RenderError(f"{where}: bad variable {var}")
            body, stop, items = parse(items, defines, top=False)
            if stop != "end": raise RenderError(f"{where}: range without end (else in range is not supported)")
            nodes.append(("range", k, v, parse_term([term], where), body, where))
        else:
            nodes.append(("out", parse_pipeline(words, where), where))
    if not top: raise RenderError("missing {{ end }}")
    return nodes, None, []

def parse_term(words, where):
    if len(words) == 3 and words[0] == "include" and words[1].startswith('"'):
        return ("include", json.loads(words[1]), parse_term(words[2:], where))
    if len(words) != 1: raise RenderError(f"{where}: not in the supported subset: {' '.join(words)}")
    w = words[0]
    if w.startswith('"'): return ("lit", json.loads(w))
    if re.fullmatch(r"-?\d+", w): return ("lit", int(w))
    if re.fullmatch(r"(\.|\$|(\$[A-Za-z_]\w*|\$)?(\.[A-Za-z_]\w*)+|\$[A-Za-z_]\w*)", w): return ("path", w)
    raise RenderError(f"{where}: unsupported term {w}")

FUNCS = {"quote": 0, "nindent": 1, "indent": 1, "default": 1, "toYaml": 0, "b64enc": 0, "int": 0}

def parse_pipeline(words, where):
    segs, cur = [], []
    for w in words + ["|"]:
        if w == "|": segs.append(cur); cur = []
        else: cur.append(w)
    if any(not s for s in segs): raise RenderError(f"{where}: empty pipeline stage")
    funcs = []
    for s in segs[1:]:
        if s[0] not in FUNCS or len(s) - 1 != FUNCS[s[0]]: raise RenderError(f"{where}: unsupported function {' '.join(s)}")
        funcs.append((s[0], parse_term(s[1:], where) if len(s) > 1 else None))
    return parse_term(segs[0], where), funcs

def parse_cond(words, where):
    if len(words) == 1: return ("is", parse_term(words, where))
    if len(words) == 2 and words[0] == "not": return ("not", parse_term(words[1:], where))
    if len(words) == 3 and words[0] in ("and", "or"):
        return (words[0], parse_term(words[1:2], where), parse_term(words[2:], where))
    raise RenderError(f"{where}: unsupported condition {' '.join(words)}")

# ---- evaluation ----------------------------------------------------------------------------
class Env:
    def __init__(self, dot, root, vars=None):
        self.dot, self.root, self.vars = dot, root, dict(vars or {})

def lookup(path, env, where):
    if path == ".": return env.dot
    if path == "$": return env.root
    head, *fields = [p for p in re.split(r"(?=\.)", path) if p]
    if head.startswith("$"):
        base = env.root if head == "$" else env.vars.get(head, MISSING)
        if base is MISSING: raise RenderError(f"{where}: undefined variable {head}")
    else:
        base, fields = env.dot, [head] + fields
    for f in fields:
        if base is MISSING or base is None: return MISSING
        if not isinstance(base, dict): raise RenderError(f"{where}: {path}: cannot take {f} of a {type(base).__name__}")
        base = base.get(f[1:], MISSING)
    return base

def evaluate(term, env, ctx, where):
    kind = term[0]
    if kind == "lit": return term[1]
    if kind == "path": return lookup(term[1], env, where)
    data = evaluate(term[2], env, ctx, where)
    if term[1] not in ctx["defines"]: raise RenderError(f"{where}: no template {term[1]!r} defined")
    return render_nodes(ctx["defines"][term[1]], Env(data, data), ctx)

def run_pipeline(pipe, env, ctx, where):
    term, funcs = pipe
    v = evaluate(term, env, ctx, where)
    if v is MISSING and not (funcs and funcs[0][0] == "default"):
        raise RenderError(f"{where}: {term[1]} is not set (define it in values.yaml)")
    for name, arg in funcs:
        a = evaluate(arg, env, ctx, where) if arg else None
        if name == "default": v = v if truthy(v) else a
        elif name == "quote": v = "" if v is None else go_quote(go_str(v, where))
        elif name == "int": v = to_int(v)
        elif name == "toYaml": v = to_yaml(v)
        else:
            if not isinstance(v, str): raise RenderError(f"{where}: {name} wants a string, got {type(v).__name__}")
            if name == "b64enc": v = base64.b64encode(v.encode()).decode()
            else:
                if not isinstance(a, int): raise RenderError(f"{where}: {name} wants a number")
                v = ("\n" if name == "nindent" else "") + " " * a + v.replace("\n", "\n" + " " * a)
    return v

def render_nodes(nodes, env, ctx):
    out = []
    for n in nodes:
        if n[0] == "text": out.append(n[1])
        elif n[0] == "out": out.append(go_str(run_pipeline(n[1], env, ctx, n[2]), n[2]))
        elif n[0] == "if":
            c = n[1]
            val = lambda t: evaluate(t, env, ctx, n[4])
            ok = {"is": lambda: truthy(val(c[1])), "not": lambda: not truthy(val(c[1])),
                  "and": lambda: truthy(val(c[1])) and truthy(val(c[2])),
                  "or": lambda: truthy(val(c[1])) or truthy(val(c[2]))}[c[0]]()
            out.append(render_nodes(n[2] if ok else n[3], env, ctx))
        else:
            _, k, v, term, body, where = n
            coll = evaluate(term, env, ctx, where)
            if coll is MISSING: raise RenderError(f"{where}: {term[1]} is not set")
            if coll is None: continue
            if not isinstance(coll, (dict, list)): raise RenderError(f"{where}: cannot range over {type(coll).__name__}")
            pairs = [(key, coll[key]) for key in sorted(coll)] if isinstance(coll, dict) else list(enumerate(coll))
            for key, item in pairs:
                sub = Env(item, env.root, env.vars)
                if k: sub.vars[k], sub.vars[v] = key, item
                out.append(render_nodes(body, sub, ctx))
    return "".join(out)

# ---- values --------------------------------------------------------------------------------
class Loader(yaml.SafeLoader):
    pass
Loader.yaml_implicit_resolvers = {c: [r for r in rs if r[0] != "tag:yaml.org,2002:timestamp"]
                                  for c, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()}

def as_helm(v):
    """YAML numbers become float64, as helm's JSON round trip makes them."""
    if isinstance(v, dict): return {str(k): as_helm(x) for k, x in v.items()}
    if isinstance(v, list): return [as_helm(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool): return float(v)
    return v

def merge(base, over):
    for k, v in over.items():
        if v is None: base.pop(k, None)
        elif isinstance(v, dict) and isinstance(base.get(k), dict): merge(base[k], v)
        else: base[k] = v
    return base

def set_value(values, expr):
    for part in re.split(r"(?<!\\),", expr):
        key, eq, raw = part.partition("=")
        if not eq or "[" in key or raw.startswith("{"): raise RenderError(f"--set {part}: only a.b=value is supported")
        raw = raw.replace("\\,", ",")
        low = raw.lower()   # helm's strvals.typedVal
        isint = raw == "0" or (re.fullmatch(r"[+-]?\d+", raw) and raw[0] != "0" and -2**63 <= int(raw) < 2**63)
        val = True if low == "true" else False if low == "false" else None if low == "null" else int(raw) if isint else raw
        keys = [k.replace("\\.", ".") for k in re.split(r"(?<!\\)\.", key)]
        node = values
        for k in keys[:-1]:
            if not isinstance(node.get(k), dict): node[k] = {}
            node = node[k]
        merge(node, {keys[-1]: val})

def main():
    ap = argparse.ArgumentParser(description="Render deploy/helm/fedgate (a Helm template subset).")
    ap.add_argument("chart", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "helm", "fedgate"))
    ap.add_argument("--release", default="fedgate"); ap.add_argument("--namespace", default="default")
    ap.add_argument("-f", "--values", action="append", default=[]); ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--notes", action="store_true", help="print the rendered NOTES.txt to stderr")
    args = ap.parse_args()
    try:
        with open(os.path.join(args.chart, "Chart.yaml")) as f: chart = yaml.load(f, Loader=Loader)
        with open(os.path.join(args.chart, "values.yaml")) as f: values = as_helm(yaml.load(f, Loader=Loader) or {})
        for path in args.values:
            with open(path) as f: merge(values, as_helm(yaml.load(f, Loader=Loader) or {}))
        for expr in args.set: set_value(values, expr)
        root = {"Values": values, "Release": {"Name": args.release, "Namespace": args.namespace, "Service": "Helm"},
                "Chart": {"Name": chart["name"], "Version": str(chart["version"]), "AppVersion": str(chart.get("appVersion", ""))}}
        tdir = os.path.join(args.chart, "templates")
        files = sorted(f for f in os.listdir(tdir) if f.endswith((".yaml", ".yml", ".tpl", ".txt")))
        ctx, parsed = {"defines": {}}, {}
        for name in files:
            with open(os.path.join(tdir, name)) as f:
                parsed[name] = parse(lex(f.read(), f"templates/{name}"), ctx["defines"])[0]
        docs = []
        for name in files:
            if name.startswith("_") or name == "NOTES.txt": continue
            text = render_nodes(parsed[name], Env(root, root), ctx)
            for doc in re.split(r"(?m)^---[ \t]*$", text):
                if not doc.strip(): continue
                try: obj = yaml.safe_load(doc)
                except yaml.YAMLError as e: raise RenderError(f"templates/{name}: rendered invalid YAML: {e}\n{doc}")
                if obj is None: continue
                if not isinstance(obj, dict) or "kind" not in obj: raise RenderError(f"templates/{name}: a document without kind")
                docs.append(f"---\n# Source: {chart['name']}/templates/{name}\n{doc.strip()}\n")
        notes = render_nodes(parsed["NOTES.txt"], Env(root, root), ctx) if "NOTES.txt" in parsed else ""
    except (RenderError, OSError, yaml.YAMLError, KeyError) as e:
        print(f"render-chart.py: error: {e}", file=sys.stderr)
        return 2
    sys.stdout.write("".join(docs))
    if args.notes: sys.stderr.write(notes)
    return 0

if __name__ == "__main__":
    sys.exit(main())
