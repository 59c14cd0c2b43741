"""Signs that a document steered an answer against its reader: a request for credentials, and links
that no passage contains.

An answer that asks the reader to send a password or a one-time code is withheld whatever the passages
say (no legitimate document answer asks for that); a link that none of the trusted passages contains is
removed, since the model either made it up or took it from an instruction it should not follow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SECRET = (r"(?:passwords?|passcodes?|pass ?phrases?|pins?|pin codes?|login (?:details|credentials)|credentials"
           r"|(?:one[- ]time|2fa|mfa|verification|security|authentication|sms) codes?|private keys?"
           r"|recovery (?:codes?|phrases?)|seed phrases?|security answers?|card (?:numbers?|details)"
           r"|cvv|cvc|passwort|kennwort|mot de passe|contraseña)")
_ASK = (r"(?:send|e-?mail|mail|give|share|provide|forward|reply with|respond with|enter|submit|type|confirm"
        r"|verify|tell|text|post|paste|upload|schick|sende|senden sie|envoyez|envoie|envía|envie)")
CREDENTIAL_REQUEST = re.compile(
    rf"(?<!never )(?<!not )(?<!n't )(?<!don't )\b{_ASK}\b(?: us| me| them| it)?(?: (?:your|the|their|all"
    rf"|current|old|new|account|user|login|bank|email|e-mail|network|vpn|admin|dein|deine|ihr|ihre|votre|ton"
    rf"|tu|su)\b){{0,3}} {_SECRET}\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:never|do not|don't|must not|should not|shouldn't|won't|will never|nie|niemals"
                      r"|jamais|nunca)\b[^.!?]{0,40}$", re.IGNORECASE)
LINK = re.compile(
    r"\bhttps?://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|info|biz|ru|cn|xyz|top|example|site|online|app|dev|co|me"
    r"|tk|gq|ml|cf)\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)


def credential_request(text: str) -> str | None:
    """The words of a request that the reader hand over a secret, or None."""
    for match in CREDENTIAL_REQUEST.finditer(text):
        if _NEGATED.search(text[max(0, match.start() - 60):match.start()]):
            continue
        return match.group(0)
    return None


def _host(link: str) -> str:
    link = re.sub(r"^https?://", "", link.lower()).removeprefix("www.")
    link = link.split("@")[-1]
    return re.split(r"[/?#:]", link, maxsplit=1)[0].rstrip(".,;")


def unsupported_links(text: str, passages: Sequence[str]) -> list[str]:
    """Links, web addresses and e-mail domains in `text` whose host no passage mentions."""
    source = "\n".join(passages).lower()
    found = []
    for match in LINK.finditer(text):
        link = match.group(0).rstrip(".,;:")
        if _host(link) not in source and link not in found:
            found.append(link)
    return found


def remove_links(text: str, links: Sequence[str]) -> str:
    """`text` with each of `links` replaced by a visible marker."""
    for link in sorted(links, key=len, reverse=True):
        text = text.replace(link, "[link removed: not in your documents]")
    return text
