"""The shapes of codes and names the ledger accepts, each defined once, for `fullmatch`."""

from __future__ import annotations

import re

# [0-9], never \d: \d also matches full-width and other scripts' digits. `fullmatch`, never
# `^...$` with `match`: `$` also matches before a trailing newline.

# A Dutch Chamber of Commerce (KvK) number: the controller that discloses.
KVK_NUMBER = re.compile(r"[0-9]{8}")
# A posting system's name, as in `source.system` and a source key's scope.
SOURCE_SYSTEM = re.compile(r"[a-z0-9][a-z0-9_.-]*")
# A calendar month, YYYY-MM.
MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")
# The name of an API key.
KEY_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
# Unicode category Cc (exactly U+0000-001F and U+007F-009F) and the bidirectional overrides and
# isolates, which can make a text display other than it reads. One character class, not a
# per-character category lookup: free text is checked against it in every field.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A code point of the surrogate range on its own. JSON can carry one ("\ud800"), and a str can
# hold it, but it is no character: it has no UTF-8 form, so it can be neither stored nor shown.
# (A valid escaped pair is joined into one character by the parser and is not matched.)
SURROGATES = re.compile("[\ud800-\udfff]")
