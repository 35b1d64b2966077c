#!/usr/bin/env bash
# The repository is whole: every link in its Markdown (README.md, docs/, events/, …) resolves to a
# file inside it. Fails, naming each bad link, when a relative link points outside the repository
# (`../shared/API.md` from the root), at a file that does not exist, or at a heading that a
# Markdown file does not have. Links to http(s) and mailto are not fetched. Links inside code
# blocks and code spans are not links and are left alone.
#   bash infra/check-links.sh            every Markdown file git knows (tracked or not ignored)
#   bash infra/check-links.sh FILE...    only these
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.md' | sort -u)
fi
((${#files[@]})) || { echo "error: no Markdown files to check" >&2; exit 1; }

python3 - "$root" "${files[@]}" <<'PY'
import os, re, sys

root = os.path.realpath(sys.argv[1])
files = sys.argv[2:]

def slug(heading):
    # GitHub's anchors: lower case, punctuation dropped (but - and _), spaces become -.
    text = re.sub(r"`|\*\*?|__?", "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")

def prose_lines(text, blank_code_spans=True):
    """The lines outside fenced code blocks, with their numbers (code spans blanked)."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        m = re.match(r"(`{3,}|~{3,})", stripped)
        if fence is None and m:
            fence = m.group(1)
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if blank_code_spans:
            line = re.sub(r"`[^`]*`", lambda s: " " * len(s.group(0)), line)
        yield number, line

anchors_cache = {}
def anchors(path):
    """The anchors of a Markdown file's headings, as GitHub makes them (-1, -2 for repeats)."""
    if path not in anchors_cache:
        found, seen = set(), {}
        with open(path, encoding="utf-8") as f:
            for _, line in prose_lines(f.read(), blank_code_spans=False):
                m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    s = slug(m.group(1))
                    n = seen.get(s, 0)
                    seen[s] = n + 1
                    found.add(s if n == 0 else f"{s}-{n}")
        anchors_cache[path] = found
    return anchors_cache[path]

# [text](target "title"), ![alt](target), and reference definitions [id]: target
inline = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
reference = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")

bad = []
checked = 0
for name in files:
    path = os.path.realpath(name)
    if not os.path.isfile(path):
        bad.append(f"{name}: no such file")
        continue
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, line in prose_lines(text):
        targets = [m.group(1) for m in inline.finditer(line)]
        m = reference.match(line)
        if m:
            targets.append(m.group(1))
        for target in targets:
            checked += 1
            where = f"{name}:{number}: {target}"
            if re.match(r"(?i)(https?|mailto):", target):
                continue
            if re.match(r"(?i)[a-z][a-z0-9+.-]*:", target):
                bad.append(f"{where}: a scheme other than http(s) or mailto")
                continue
            file_part, _, anchor = target.partition("#")
            if file_part.startswith("/"):
                bad.append(f"{where}: an absolute path (links must be relative to the file)")
                continue
            resolved = os.path.realpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if resolved != root and not resolved.startswith(root + os.sep):
                bad.append(f"{where}: points outside the repository")
                continue
            if not os.path.exists(resolved):
                bad.append(f"{where}: no such file in the repository")
                continue
            if anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                bad.append(f"{where}: {os.path.relpath(resolved, root)} has no heading #{anchor}")

if bad:
    print("Markdown links that do not resolve inside the repository:", file=sys.stderr)
    for b in bad:
        print(f"  {b}", file=sys.stderr)
    sys.exit(1)
print(f"links: {checked} in {len(files)} Markdown files, every one resolves inside the repository")
PY
