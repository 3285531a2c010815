#!/usr/bin/python3
"""The house's size rules, read off the C++ sources under src/ and apps/:

  sizes.py REPO

  - no file over 600 lines;
  - no function over 80 lines (from the line its signature starts on to its closing brace),
    except the data tables listed in TABLES below.

Prints each offence with its file, line and size, and exits 1 when there is one; 0 otherwise.
A function is a brace block whose head ends in a parameter list (and qualifiers such as const,
override or a trailing return type) and is not a control statement, a lambda or an initializer;
lambdas count as part of the function around them. Comments and string literals are skipped.
"""
import os
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
# Functions that are data tables, which the rule exempts: path -> function names.
TABLES = {
    "src/config/keys.cpp": {"specs"},  # one row per trainer key: type, help, setter, getter
}

CONTROL = re.compile(r"^(if|for|while|switch|catch|else|do|try)\b")
QUALIFIERS = re.compile(r"\)\s*(const|noexcept|override|final|mutable|&|&&|\s|->\s*[\w:<>,*& ]+)*$")


def strip(text):
    """The text with comments and string/char literals blanked out (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, last line) of each outermost function body in `text`."""
    s = strip(text)
    found, stack, head_start = [], [], 0
    for i, c in enumerate(s):
        if c == "{":
            head = s[head_start:i]
            kind = "block"
            h = " ".join(head.split())
            if not any(k == "function" for k, _, _ in stack):
                if (h.endswith(")") or QUALIFIERS.search(h)) and not CONTROL.match(h) \
                        and not re.search(r"\]\s*\([^()]*\)[^()]*$", h) and "=" not in h.split("(")[0]:
                    m = re.search(r"([~\w:]+)\s*\(", h)
                    if m:
                        kind = "function"
                        first = s.count("\n", 0, head_start + len(head) - len(head.lstrip())) + 1
                        stack.append((kind, m.group(1).split("::")[-1], first))
                        head_start = i + 1
                        continue
            stack.append((kind, "", 0))
            head_start = i + 1
        elif c == "}":
            if stack:
                kind, name, first = stack.pop()
                if kind == "function":
                    found.append((name, first, s.count("\n", 0, i) + 1))
            head_start = i + 1
        elif c == ";":
            head_start = i + 1
    return found


def main():
    repo = sys.argv[1]
    bad = []
    for top in ("src", "apps"):
        for root, _, files in os.walk(os.path.join(repo, top)):
            for f in sorted(files):
                if not f.endswith((".cpp", ".h", ".cu", ".cuh")):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, repo)
                text = open(path, encoding="utf-8").read()
                lines = text.count("\n")
                if lines > MAX_FILE_LINES:
                    bad.append(f"{rel}: {lines} lines (at most {MAX_FILE_LINES})")
                for name, first, last in functions(text):
                    size = last - first + 1
                    if size > MAX_FUNCTION_LINES and name not in TABLES.get(rel, set()):
                        bad.append(f"{rel}:{first}: function {name} has {size} lines "
                                   f"(at most {MAX_FUNCTION_LINES})")
    for b in bad:
        print(b)
    if bad:
        sys.exit(1)
    print(f"sizes: every file under src/ and apps/ within {MAX_FILE_LINES} lines, "
          f"every function within {MAX_FUNCTION_LINES}")


if __name__ == "__main__":
    main()
