#!/usr/bin/env python3
"""Finds Chinese (CJK) string literals in Rust source outside tests and table files.

The bar (issue 13): clerk-facing Chinese text lives in message / label / data / wording
tables, one per layer, and nowhere else. This script scans every `*.rs` under the crates'
`src/` directories and reports each string, raw string, byte string or char literal that
holds a CJK character (ideographs, CJK and fullwidth punctuation such as 「」，。（）),
except in
  * test code: `#[cfg(test)]` / `#[test]` items, files named `tests.rs`, files under a
    `tests/` directory;
  * the table files on ALLOW_LIST below.
Comments are not literals.

Usage: python3 scripts/check-cjk.py [DIR_OR_FILE ...]
  With no argument it scans the source trees in DEFAULT_ROOTS. A crate directory
  (one with Cargo.toml and src/) is scanned through its src/. Prints `file:line: literal`
  per finding, a count per argument and in total; exits 1 if anything was found.
"""

import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULT_ROOTS = ["drivers/src", "pki/src", "seal/src", "core/src", "server/src", "src-tauri/src"]

# Table files, relative to the repository root: path -> why Chinese literals belong there.
ALLOW_LIST = {
    # drivers
    "drivers/src/messages.rs": "message table: the drivers layer's clerk sentences, device names",
    "drivers/src/idcard/labels.rs": "label table: card types, sexes, field names, SAM statuses",
    "drivers/src/idcard/nations.rs": "data table: GB 3304 nation codes and 民族 names",
    "drivers/src/idcard/samples.rs": "data table: the identities on the simulator's sample cards",
    "drivers/src/scanner/labels.rs": "label table: barcode symbology names",
    "drivers/src/scanner/samples.rs": "data table: sample scan payloads",
    "drivers/src/escpos/wording.rs": "document wording: what receipt slips print, sample ticket",
    # pki
    "pki/src/messages.rs": "message table: every clerk-facing sentence of the pki layer",
    # seal
    "seal/src/wording.rs": "wording table: a stamp verdict's sentences and the signing time",
    # core
    "core/src/messages.rs": "message table: every clerk-facing error sentence of the core layer",
    "core/src/labels.rs": "label table: device and window names, demo defaults, print notes, file names, simulator usage, code-parsing characters",
    "core/src/domain/intake/labels.rs": "label table: case states, decisions, receipt forms, ID sources, lights",
    "core/src/domain/document/notices.rs": "document wording: the notices' and receipts' printed text",
    "core/src/domain/issuing/wording.rs": "document wording: the pickup slip's printed text, the handover sentences",
    "core/src/domain/flow/wording.rs": "document wording: the 物料流转单's printed text, the sentences after a package or a sign-off",
    "core/src/domain/intake/wording.rs": "document wording: the intake notices' dates, material lines, default bodies",
    "core/src/domain/visit/labels.rs": "label table: rating levels and reasons, the citizen screen's prompts",
    "core/src/domain/catalog/labels.rs": "label table: item kinds, material forms, search match reasons",
    "core/src/domain/document/wording.rs": "document wording: 禁则 punctuation, em character, signature date, page number",
    "core/src/domain/catalog/synthetic.rs": "data table: word lists of the synthetic benchmark catalog",
    "core/src/shell_text.rs": "text table: the desktop shell's product name, window titles, startup line",
    "core/src/domain/intake/testkit.rs": "test fixtures (a #[cfg(test)] module declared in intake/mod.rs)",
    "core/src/workstation/seal_tests.rs": "tests (the #[cfg(test)] module of workstation/seal.rs)",
    "core/src/workstation/assist_tests.rs": "tests (the #[cfg(test)] module of workstation/assist.rs)",
    # server
    "server/src/messages.rs": "message table: every Chinese sentence of the server layer",
    "server/src/auth/demo_data.rs": "demo data: the sample clerk in the OpenAPI `Clerk` schema example",
}

# Code points counted as CJK: ideographs and their radicals, CJK symbols and punctuation,
# kana, bopomofo, enclosed and compatibility forms, vertical and fullwidth forms.
CJK_RANGES = [
    (0x2E80, 0x2FDF),
    (0x3001, 0x303F),  # not U+3000, the ideographic space: padding, not text
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31A0, 0x31BF),
    (0x31F0, 0x31FF),
    (0x3200, 0x32FF),
    (0x3300, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3134F),
]


def is_cjk(ch):
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


UNICODE_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F_]{1,8})\}")


def has_cjk(text):
    """Whether `text` (a literal as written) holds a CJK character, also as a `\\u{..}` escape."""
    if any(is_cjk(ch) for ch in text):
        return True
    for digits in UNICODE_ESCAPE.findall(text):
        cp = int(digits.replace("_", ""), 16)
        if cp <= 0x10FFFF and is_cjk(chr(cp)):
            return True
    return False


def is_ident_char(ch):
    return ch == "_" or ch.isalnum()


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind = kind  # "str" (any literal), "ident", "punct"
        self.text = text
        self.line = line


def tokenize(src):
    """The tokens of Rust source that matter here: literals, identifiers, punctuation."""
    toks = []
    i, n, line = 0, len(src), 1

    def scan_quoted(start, quote):
        """Index just past the closing `quote` of a literal whose body starts at `start`."""
        j = start
        while j < n:
            c = src[j]
            if c == "\\":
                j += 2
                continue
            if c == quote:
                return j + 1
            j += 1
        return n

    def scan_raw(start):
        """`start` is at the first `#` or `"` after the r; index past the literal, or None."""
        j = start
        hashes = 0
        while j < n and src[j] == "#":
            hashes += 1
            j += 1
        if j >= n or src[j] != '"':
            return None
        end = src.find('"' + "#" * hashes, j + 1)
        return n if end < 0 else end + 1 + hashes

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
            continue
        if src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            line += src.count("\n", i, j)
            i = j
            continue
        if is_ident_char(c):
            j = i
            while j < n and is_ident_char(src[j]):
                j += 1
            word = src[i:j]
            # String prefixes: b"..", c"..", r"..", r#".."#, br"..", cr#".."#, b'..'.
            if word in ("r", "br", "cr") and j < n and src[j] in "#\"":
                end = scan_raw(j)
                if end is not None:
                    toks.append(Tok("str", src[i:end], line))
                    line += src.count("\n", i, end)
                    i = end
                    continue
            if word in ("b", "c") and j < n and src[j] == '"':
                end = scan_quoted(j + 1, '"')
                toks.append(Tok("str", src[i:end], line))
                line += src.count("\n", i, end)
                i = end
                continue
            if word == "b" and j < n and src[j] == "'":
                end = scan_quoted(j + 1, "'")
                toks.append(Tok("str", src[i:end], line))
                i = end
                continue
            toks.append(Tok("ident", word, line))
            i = j
            continue
        if c == '"':
            end = scan_quoted(i + 1, '"')
            toks.append(Tok("str", src[i:end], line))
            line += src.count("\n", i, end)
            i = end
            continue
        if c == "'":
            # A char literal ('x', '\n', '\u{4e2d}') or a lifetime / label ('a, 'static).
            if i + 1 < n and src[i + 1] == "\\":
                end = scan_quoted(i + 1, "'")
                toks.append(Tok("str", src[i:end], line))
                i = end
                continue
            if i + 2 < n and src[i + 2] == "'" and src[i + 1] != "\n":
                toks.append(Tok("str", src[i : i + 3], line))
                i += 3
                continue
            i += 1
            continue
        toks.append(Tok("punct", c, line))
        i += 1
    return toks


def matching(toks, k, open_, close):
    """Index of the token closing the bracket opened at `k`."""
    depth = 0
    for j in range(k, len(toks)):
        t = toks[j]
        if t.kind == "punct":
            if t.text == open_:
                depth += 1
            elif t.text == close:
                depth -= 1
                if depth == 0:
                    return j
    return len(toks) - 1


def is_test_attr(body):
    """Whether the tokens inside `#[...]` make the item test-only."""
    words = [t.text for t in body if t.kind == "ident"]
    if not words:
        return False
    if words == ["test"] or (len(words) >= 2 and words[-1] == "test" and "cfg" not in words):
        return True  # #[test], #[tokio::test]
    return words[0] == "cfg" and "test" in words and "not" not in words


def item_end(toks, k):
    """Index of the last token of the item starting at `k` (its `;` or its body's `}`)."""
    depth = 0
    for j in range(k, len(toks)):
        t = toks[j]
        if t.kind != "punct":
            continue
        if t.text in "([":
            depth += 1
        elif t.text in ")]":
            depth -= 1
        elif depth == 0 and t.text == ";":
            return j
        elif depth == 0 and t.text == "{":
            return matching(toks, j, "{", "}")
    return len(toks) - 1


def findings_in(src):
    """(line, literal) for every CJK literal outside test items."""
    toks = tokenize(src)
    test = [False] * len(toks)
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.kind == "punct" and t.text == "#" and k + 1 < len(toks):
            inner = toks[k + 1].kind == "punct" and toks[k + 1].text == "!"
            open_at = k + 2 if inner else k + 1
            if open_at < len(toks) and toks[open_at].text == "[":
                close = matching(toks, open_at, "[", "]")
                if is_test_attr(toks[open_at + 1 : close]):
                    if inner:  # #![cfg(test)]: the enclosing scope is test code
                        return []
                    end = item_end(toks, close + 1)
                    for j in range(k, end + 1):
                        test[j] = True
                    k = end + 1
                    continue
                k = close + 1
                continue
        k += 1
    return [
        (t.line, t.text)
        for j, t in enumerate(toks)
        if t.kind == "str" and not test[j] and has_cjk(t.text)
    ]


def is_test_file(rel):
    parts = rel.split("/")
    return parts[-1] == "tests.rs" or "tests" in parts[:-1]


def rust_files(root):
    if os.path.isfile(root):
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("target", "node_modules"))
        for name in sorted(filenames):
            if name.endswith(".rs"):
                yield os.path.join(dirpath, name)


def resolve(arg):
    path = arg if os.path.isabs(arg) else os.path.join(os.getcwd(), arg)
    if not os.path.exists(path):
        path = os.path.join(REPO, arg)
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "Cargo.toml")):
        if os.path.isdir(os.path.join(path, "src")):
            path = os.path.join(path, "src")
    return path


def main(argv):
    args = argv[1:] or DEFAULT_ROOTS
    total = 0
    counts = []
    for arg in args:
        root = resolve(arg)
        if not os.path.exists(root):
            print(f"check-cjk: no such file or directory: {arg}", file=sys.stderr)
            return 2
        count = 0
        for path in rust_files(root):
            rel = os.path.relpath(os.path.abspath(path), REPO).replace(os.sep, "/")
            if rel in ALLOW_LIST or is_test_file(rel):
                continue
            with open(path, encoding="utf-8") as f:
                src = f.read()
            for line, lit in findings_in(src):
                shown = lit.replace("\n", "\\n")
                print(f"{rel}:{line}: {shown}")
                count += 1
        counts.append((arg, count))
        total += count
    for arg, count in counts:
        print(f"check-cjk: {arg}: {count}")
    print(f"check-cjk: {total} Chinese string literal(s) outside tests and table files")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
