"""Words for weapons and hard drugs, in one place for the two modules that read them.

`harm_rules` blocks a request to make or get one of these ("how do I make napalm", "where can I buy heroin");
`harm_evidence` counts one of them, in a sentence that asks for operational help, as evidence of a harmful
request. Each entry is a regex phrase; the modules add their own boundaries. Only things whose ordinary sense
is harm belong here: "bath salts" are a drug only as "bath salts drugs", "crack" only as "crack cocaine" (the
rules, which need a verb like "smoke" or "buy" before it, also read a bare "crack")."""

from __future__ import annotations

WEAPONS: list[str] = [
    r"(?:pipe |nail |car |dirty |fertili[sz]er |letter |suicide |homemade |home-made |improvised )?bombs?",
    r"explosives?", "explosive devices?", r"\bied\b", "grenades?", "landmines?", r"molotov(?: cocktails?)?",
    "napalm", "thermite", r"\bc-?4\b", "semtex", r"\btnt\b", "dynamite", "detonators?", r"nerve (?:agents?|gas)",
    "sarin", r"\bvx\b", "tabun", "novichok", "mustard gas", "chlorine gas", "ricin", "anthrax", "botulinum",
    "bio-?weapons?", r"(?:biological|chemical|radiological) weapons?",
    r"(?:nuclear|atomic) (?:bombs?|weapons?|devices?)",
    "ghost guns?", r"untraceable (?:guns?|firearms?|weapons?)", r"3d[- ]print(?:ed)? (?:guns?|firearms?)",
    "silencers?", "suppressors?", "zip guns?", "deadly poisons?",
    r"poisons? (?:that|which) (?:can't|cannot|won't) be (?:traced|detected)", r"lethal (?:doses?|injections?)",
    r"(?:full[- ]auto|automatic) (?:conversion|rifles?)", "toxins?",
    "flamethrowers?",
]

HARD_DRUGS: list[str] = [
    r"crystal meth", "methamphetamine", r"\bmeth\b", "crack cocaine", "cocaine", "heroin", "fentanyl",
    "carfentanil", r"\blsd\b", r"\bmdma\b", r"(?<!state of )(?<!states of )ecstasy(?: pills)?", r"\bmolly\b",
    r"\bghb\b", "ketamine",
    r"\bdmt\b", r"\bpcp\b", "opium", "date[- ]rape drugs?", "rohypnol", "roofies", r"bath salts? (?:drugs?|high)",
    "synthetic cathinones?", "krokodil", r"(?:a |an |one )?(?:gram|ounce|bag|line|kilo|eight ?ball)s? of "
    r"(?:coke|crack|meth|heroin|cocaine|molly|speed)",
]
