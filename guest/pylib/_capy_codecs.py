"""capy: the codecs a sandbox knows, registered without `encodings`.

CPython finds codecs by importing `encodings.<name>` modules; the sandbox
has no import machinery for that. UTF-8 and ASCII are built into the
interpreter; this search function adds Latin-1 (which `re` uses for bytes
patterns), UTF-16 and UTF-32, and the escape codecs (`pickle` writes
protocol 0 with `raw_unicode_escape`), from `_codecs`' own functions.
"""

import _codecs

_CODECS = {
    "latin_1": (_codecs.latin_1_encode, _codecs.latin_1_decode),
    "utf_16": (_codecs.utf_16_encode, _codecs.utf_16_decode),
    "utf_16_le": (_codecs.utf_16_le_encode, _codecs.utf_16_le_decode),
    "utf_16_be": (_codecs.utf_16_be_encode, _codecs.utf_16_be_decode),
    "utf_32": (_codecs.utf_32_encode, _codecs.utf_32_decode),
    "utf_32_le": (_codecs.utf_32_le_encode, _codecs.utf_32_le_decode),
    "utf_32_be": (_codecs.utf_32_be_encode, _codecs.utf_32_be_decode),
    "raw_unicode_escape": (_codecs.raw_unicode_escape_encode,
                           _codecs.raw_unicode_escape_decode),
    "unicode_escape": (_codecs.unicode_escape_encode,
                       _codecs.unicode_escape_decode),
}

_ALIASES = {
    "latin1": "latin_1", "l1": "latin_1", "iso_8859_1": "latin_1",
    "iso8859_1": "latin_1", "8859": "latin_1", "cp819": "latin_1",
    "latin": "latin_1", "utf16": "utf_16", "utf32": "utf_32",
}


def _search(name):
    name = name.lower().replace("-", "_").replace(" ", "_")
    name = _ALIASES.get(name, name)
    pair = _CODECS.get(name)
    if pair is None:
        return None
    return (pair[0], pair[1], None, None)


_codecs.register(_search)
