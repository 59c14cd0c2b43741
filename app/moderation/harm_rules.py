"""Rules for requests for help with serious harm: violence against people, weapons, hard drugs, crime and
cybercrime, sexual abuse of children, self-harm and hateful exclusion of groups.

A rule needs a request ("how do I", "best way to", "help me", "where can I", "wie kann ich", "comment",
"cómo") near a harmful act aimed at a real target: "kill a Python process", "shoot a goal", "blow up a
balloon" or "break into the film industry" have the verb but not the target. Questions about history,
definitions and fiction ("How did Kennedy die?", "What is fraud?") carry no request for help. A game or
fiction context ("in Call of Duty", "in my novel") downgrades a match to a warning instead of a block.
"""

from __future__ import annotations

from app.moderation.harm_vocabulary import HARD_DRUGS, WEAPONS
from app.moderation.rules import Rule, rule, words

HARM = "harmful"
SELF_HARM = "self_harm"

REQUEST = words([
    r"how (?:do|can|could|would|should|might|to|do you|can you|does one|would one|will)\b ?"
    r"(?:i|we|one|you|someone)?",
    r"how's the best way",
    r"(?:best|easiest|quickest|fastest|simplest|safest|cheapest|most effective|good|effective|surest) "
    r"(?:way|method|technique|means)s?",
    r"ways? (?:of|to)", r"methods? (?:of|for|to)", r"steps? (?:to|for)",
    r"(?:way|method|place|plan|strategy|process|procedure|technique|time)s? (?:of|to|for)",
    r"what steps should (?:i|we) take to", r"(?:can|could) (?:i|we)\b",
    r"what do (?:i|we) need to (?:do to )?", r"should (?:i|we)",
    r"guide (?:to|for|on)", r"instructions (?:for|to|on)", r"tips (?:for|on|to)", "teach me",
    "show me how", "tell me how", "explain how", "help me",
    r"i (?:want|need|plan|intend|wish|would like|'d like) to",
    r"i(?:'m| am) (?:going|planning|trying) to", "let me",
    r"where (?:can|could|do|should|would) (?:i|we|one) ",
    r"what (?:can|should|could|would) (?:i|we) (?:use|take|do|buy|mix|give)", "recipe for",
    r"is there a way to",
    r"give me (?:a |the )?(?:plan|guide|steps|instructions|recipe)", r"what's the (?:best|easiest) way",
    r"wie (?:kann|könnte|soll|sollte) (?:ich|man|wir)", r"wie (?:baue|mache|töte|bringe|vergifte) ich",
    "anleitung (?:für|zum|zur)", r"comment (?:puis-je|peut-on|faire pour|je peux|fabriquer|tuer)",
    r"(?:cómo|como) (?:puedo|se puede|hago|hacer|matar|fabricar)", "quiero",
])
# Up to 50 characters between the request and the act, but not across "avoid", "prevent", "not" and the like.
_GAP = r"(?:(?!\b(?:avoid|not|never|prevent|stop|protect|without|against|from|if|when)\b)[^.?!]){0,50}?"
_FICTION = (r"\b(?:in|for|during|inside|at|on) (?:a |an |the |my |our )?(?:[\w'-]+ ){0,3}?(?:game|video ?game"
            r"|minecraft|call of duty|fortnite|gta|skyrim|chess|checkers|poker|movie|film|novel|story|book"
            r"|play|script|screenplay|tv show|series|episode|dnd|d&d|dungeons|rpg|simulation|warzone|pubg"
            r"|counter-strike|halo|sims|fiction|comic|roleplay|role-play|larp|paintball|airsoft|laser tag"
            r"|match|tournament|debate|quiz|tennis|football|soccer|basketball|golf|rugby|hockey|boxing"
            r"|sports?|cards|board ?games?|fortnite|mario kart|range)\b|\bfake\b|\bfictional\b|\bcharacter\b"
            r"|\bin-game\b")
_PEOPLE = words([
    "someone", "somebody", "some one", "anyone", "anybody", "a person", "persons", "people",
    r"an? (?:\w+ )?human",
    "humans", "human beings", "humanity", "mankind", r"(?:the )?most people", "as many people as possible",
    r"(?:a|the) (?:\w+ )?population", r"(?:a|the) (?:dead )?(?:body|corpse)",
    r"(?:an?|the|some|that|this) (?:[\w-]+ ){0,2}?(?:man|woman|child|kid|baby|girl|boy|toddler|teenager"
    r"|stranger|cop|police officer|politician|senator|judge|journalist|priest|imam|rabbi|jew|muslim|christian"
    r"|immigrant|refugee|homeless person|gay man|trans woman|black man|black woman|person|hostage|witness"
    r"|officer)",
    "children", "kids", "babies", "women", "men", "girls", "boys", "him", "her", "them", "myself and others",
    r"(?:my|his|her|their|the|a|our|your|this|that) (?:\w+ )?(?:wife|husband|partner|spouse|girlfriend"
    r"|boyfriend|ex|ex-wife|ex-husband|ex-girlfriend|ex-boyfriend|mother|father|mom|mum|dad|parents?|brother"
    r"|sister|son|daughter|child|baby|family|neighbou?rs?|boss|co-?workers?|colleagues?|teachers?|classmates?"
    r"|roommates?|friends?|enemy|rivals?|landlord|tenants?|employees?|employer|manager|cops?|police officers?"
    r"|officers?|president|prime minister|politicians?|judge|witness|doctor|nurse|patients?|grandma"
    r"|grandmother|grandpa|grandfather|uncle|aunt|cousin|step-?(?:father|mother|son|daughter)|bully|in-laws"
    r"|date|students?|crush|victim|hostage|congregation|village|town|crowd|group of people|whole family"
    r"|entire family)\b",
    r"(?:someone|somebody|a person|an? (?:\w+ )?human|an? (?:\w+ )?(?:child|kid|baby|man|woman)|my [\w-]+|his"
    r"|her|their)'s? (?:face|head|skull|neck|throat|legs?|arms?|kidneys?|ribs|jaw|nose|bones?|fingers?|knees?"
    r"|spine|sternum|eyes?|teeth|brain|heart)",
])


def verb_forms(verbs: list[str]) -> list[str]:
    """Each verb and its -ing form: 'stab' -> 'stabbing', 'beat up' -> 'beating up'."""
    out: list[str] = []
    for verb in verbs:
        head, _, rest = verb.partition(" ")
        if head.endswith("e") and not head.endswith("ee"):
            ing = head[:-1] + "ing"
        elif len(head) <= 4 and head[-1] in "bdgmnpt" and head[-2] in "aeiou" and head[-3:-2] not in "aeiou":
            ing = head + head[-1] + "ing"
        else:
            ing = head + "ing"
        out += [verb, f"{ing} {rest}".strip()]
    return out


_VIOLENCE = words(verb_forms([
    "kill", "murder", "poison", "stab", "strangle", "choke", "throttle", "shoot", "behead", "decapitate",
    "torture",
    "kidnap", "abduct", "assault", "beat up", "beat", "rape", "hurt", "harm", "injure", "maim", "drown",
    "burn",
    "dismember", "butcher", "suffocate", "smother", "assassinate", "execute", "slaughter", "massacre",
    "eliminate",
    "overpower", "attack", "punch", "smash", "shatter", "crack open",
    "slit", "run over", "stalk", "terrorize", "blackmail", "extort", "traffic", "enslave", "drug",
    "knock out", "get rid of", "do away with", "wipe out", "annihilate", "exterminate", "eradicate",
    "liquidate",
    "dispose of", "hit", "bludgeon", "lynch", "gas", "shoot up", "ambush", "disfigure",
    "incapacitate", "paralyze", "blind", "starve", "electrocute", "mutilate", "castrate", "sterilize", "slay",
    "snipe", "hunt down", "crush", "gut", "chop up", "hammer", "obliterate", "decimate", "rip off",
    "smash in", "break open", "saw",
]))
_PLACES = (r"(?:my|the|a|an|our|his|her|their|this|that|someone's|somebody's|[\w'-]+'s) (?:(?!at |in |on |of "
           r"|for |to |from |near |by |with )[\w'-]+ ){0,2}?(?:school|office|workplace|church|mosque"
           r"|synagogue|temple|hospital|clinic|airport|station|stadium|concert|mall|embassy|building|house"
           r"|home|apartment|car|plane|airplane|bus|train|subway|city|village|factory|parliament|court ?house"
           r"|police station|bank|restaurant|club|nightclub|festival|crowd|parade|market|bridge|power plant"
           r"|dam|university|campus|kindergarten|daycare|shop|store|supermarket)s?\b")
# Weapons and hard drugs: `harm_vocabulary` (shared with `harm_evidence`); a bare "crack" after a verb of
# making, buying or selling, and "drugs" as such, are drugs here too.
_WEAPONS = words(WEAPONS)
_DRUGS = words([*HARD_DRUGS, r"crack\b", "illegal drugs", r"drugs(?! (?:test|policy|store|interaction))"])
_GROUPS = (r"(?:the )?(?:women|girls|jews|jewish people|muslims|christians|hindus|sikhs|buddhists|atheists"
           r"|catholics|mormons|black people|blacks|white people|whites|asians|asian people|latinos|latinas"
           r"|hispanics|arabs|africans|mexicans|chinese people|indians|immigrants|refugees|migrants"
           r"|foreigners|gay people|gays|gay men|lesbians|homosexuals|bisexuals|trans people"
           r"|transgender people|trans women|trans men|non-binary people|queer people|lgbtq?\+? people"
           r"|disabled people|people with disabilities|the disabled|roma(?: people)?|gypsies"
           r"|indigenous people|native americans|aboriginal people|elderly people|old people|the elderly"
           r"|poor people|homeless people|pregnant women|divorced people|asexual people|[\w-]+ people)")

# Read by `harm_evidence` too.
FICTION = _FICTION  # a game or fiction context
GROUPS = _GROUPS  # groups of people

RULES: tuple[Rule, ...] = (
    rule(HARM, "asks for help hurting or killing people",
         rf"(?:\b{REQUEST}{_GAP}|^(?:please )?)\b{_VIOLENCE} (?:all (?:the )?|every "
         rf"|some )?{_PEOPLE}\b(?!'s?\b|s'|"
         r" (?:up|back|on the back)\b)", unless=_FICTION),
    rule(HARM, "asks for help pushing someone to their death or taking hostages",
         rf"\b{REQUEST}{_GAP}\b(?:(?:push|throw|shove)(?:ing)? (?:someone|somebody|a person|my \w+|him|her"
         rf"|them) (?:off|"
         r"down|out of|in front of|into|onto)|(?:take|hold|keep|taking|holding"
         r"|keeping) (?:[\w'-]+ ){1,3}hostage)\b",
         unless=_FICTION),
    rule(HARM, "asks for help injuring someone's body",
         rf"\b{REQUEST}{_GAP}\b(?:break|breaking|snap|snapping|crush|crushing|smash|smashing|shatter|cut off"
         rf"|cutting off|"
         r"rip off|ripping off|tear off|crack|cracking|slit|slitting|gouge out|burn|rupture|pierce|hammer"
         r"|dislocate) (?:in |open )?(?:someone|somebody|a person|an? (?:\w+ )?human|an? (?:\w+ )?(?:child"
         r"|kid|baby|man|woman)|my [\w-]+|his|her|their|people)(?:'s|s') (?:\w+ )?(?:face|head|skull|neck"
         r"|throat|legs?|arms?|kidneys?|ribs|jaw|nose|bones?|fingers?|knees?|spine|sternum|eyes?|teeth|brain"
         r"|heart|wrists?|hands?)\b",
         unless=_FICTION),
    rule(HARM, "asks for help planning a killing or an attack",
         rf"\b{REQUEST}{_GAP}\b(?:plan|planning|organi[sz]e|carry out|execute|pull off|get away with) (?:a "
         rf"|an |the |"
         r"another |someone's |my [\w-]+'s )?(?:\w+ )?(?:murder|assassination|kidnapping|massacre|robbery"
         r"|heist|bombing|terrorist attack|terror attack|mass shooting|school shooting|explosion|arson attack"
         r"|death|poisoning|hijacking)s?\b", unless=_FICTION),
    rule(HARM, "asks how to destroy someone's property or life",
         rf"\b{REQUEST}{_GAP}\b(?:destroy|destroying|smash|smashing|slash|slashing|vandali[sz]e"
         rf"|vandali[sz]ing|key|"
         r"demolish|demolishing|wreck|wrecking|sabotage|sabotaging|ruin|ruining|end|ending|terminate"
         r"|terminating|set fire to|burn down|blow up|make) (?:someone's|somebody's|my [\w-]+'s"
         r"|my [\w-]+ [\w-]+'s|his|her|their|people's) (?:\w+ )?(?:car|tires|tyres|house|home|motorbike|bike"
         r"|property|life|business|reputation|marriage|career|shop)(?! (?:easier|better"
         r"|simpler|more|less))\b", unless=_FICTION),
    rule(HARM, "praises, repeats or denies an atrocity",
         rf"\b{REQUEST}{_GAP}\b(?:replicate|repeat|recreate|restore|copy|reproduce|emulate"
         rf"|use)\b[^.?!]{{0,40}}\b(?:genocide|"
         r"massacres?|attacks?|assassination|concentration camps?|atomic bombs?|ethnic cleansing|jim crow"
         r"|khmer rouge|9/11|holocaust|taliban|apartheid|slavery|pinochet|death camps?)|\b(?:right|justified"
         r"|a good thing) to (?:kill|attack|invade|murder|bomb|shoot|enslave|massacre|exterminate)"
         r"|\b(?:shooting|massacre|genocide|holocaust|slave trade|slavery|attacks?|bombings?) (?:was"
         r"|were) (?:actually |morally )?(?:justified|a good thing|right|good)\b|\b(?:genocide|massacre"
         r"|holocaust|trail of tears|shoah|attacks?) (?:never (?:happened|took place)|didn't happen"
         r"|did not happen|(?:was|were) (?:a )?(?:complete |total )?(?:fabrication|lie|hoax|myth"
         r"|exaggerat))"),
    rule(HARM, "asks how to attack or set fire to a place",
         rf"(?:\b{REQUEST}{_GAP}|^(?:please )?)\b(?:blow up|bomb|firebomb|set fire to|burn down|torch"
         rf"|shoot up|attack|poison the water (?:supply )?(?:of|in)|gas) {_PLACES}"
         rf"|\b(?:{REQUEST}){_GAP}\bset {_PLACES} on fire",
         unless=_FICTION),
    rule(HARM, "asks how to make or get weapons of harm",
         rf"\b{REQUEST}{_GAP}\b(?:make|build|construct|assemble|create|manufacture|produce|synthesi[sz]e|cook"
         rf"|brew|mix|prepare|3d[- ]print|get|buy|obtain|acquire|smuggle|detonate|plant|hide|use) (?:a |an "
         rf"|some |my own |homemade |home-made |the |your own )?{_WEAPONS}", unless=_FICTION),
    rule(HARM, "asks how to make or get hard drugs",
         rf"\b{REQUEST}{_GAP}\b(?:make|making|cook|cooking|synthesi[sz]e|produce|manufacture|extract|brew|buy"
         rf"|buying|get(?: hold of)?|getting|obtain|score|find|smuggle|sell|selling|deal|grow) (?:some "
         rf"|my own |homemade |the |pure )?{_DRUGS}",
         unless=_FICTION),
    rule(HARM, "asks for help committing a serious crime",
         rf"\b{REQUEST}{_GAP}\b(?:launder (?:money|cash|the money)|commit(?:ting)? (?:a "
         rf"|an )?(?:\w+ )?(?:fraud|theft|arson|murders?|"
         r"massacre|genocide|treason|terrorism|terrorist attack|robbery|burglary|crimes?|hate crime|extortion"
         r"|blackmail|perjury|vandalism|insider trading|embezzlement|tax evasion|identity theft|assault"
         r"|homicide|kidnapping|rape)|steal(?:ing)? (?:a |an |someone's |somebody's |my [\w-]+'s |people's "
         r"|from )?(?:\w+ )?(?:money|cash|cars?|identit(?:y|ies)|credit cards?|card details|passwords?|data"
         r"|wallets?|purses?|phones?|bikes?|jewel(?:le)?ry|packages?|mail|goods|electricity|medications?"
         r"|guns?|firearms?|credentials|accounts?|social security numbers?)|shoplift|rob (?:a |the |someone"
         r"|somebody|my )|break into (?:a |an |the |someone's |somebody's |my [\w-]+'s "
         r"|people's )?(?:\w+ )?(?:house|home|car|apartment|flat|building|account|email|phone|computer|safe"
         r"|vault|store|shop)|hotwire (?:a |someone's )?car|disable (?:the |an? )?(?:alarms?"
         r"|security (?:system|cameras?)|cameras?) (?:in|of|at) (?:a |the )?(?:bank|vault|museum"
         r"|jewelry store|store|shop|house|building|neighbou?r)|evade (?:the )?(?:police|cops|taxes)|(?:hide"
         r"|dispose of|get rid of) (?:a |the )?(?:dead )?body|get away with (?:murder|rape|it|a crime"
         r"|stealing|killing|fraud)|without (?:getting|being) caught|forge (?:a |an )?(?:passport|signature"
         r"|documents?|id|checks?|cheques?)|counterfeit (?:money|bills|currency)|make (?:fake"
         r"|counterfeit) (?:money|ids?|passports?)|traffic (?:people|humans|children|women|girls)|(?:join"
         r"|recruit (?:for|people for)|fund|support) (?:isis|isil|al[- ]?qaeda|the taliban"
         r"|a terrorist (?:group|organi[sz]ation))|(?:engage in|plan|carry out"
         r"|organi[sz]e) (?:a )?(?:terrorism|terrorist attack|terror attack|mass shooting|school shooting"
         r"|massacre|genocide|ethnic cleansing|pogrom|coup))",
         unless=_FICTION),
    rule(HARM, "asks for help with hacking or malware",
         rf"\b{REQUEST}{_GAP}\b(?:hack (?:into )?(?:someone's|somebody's|a|an|my [\w-]+'s|the|his|her|their"
         rf"|people's) "
         r"(?:[\w-]+ ){0,2}?(?:accounts?|emails?|phones?|computers?|wifi|wi-fi|networks?|instagram|facebook"
         r"|snapchat|whatsapp|webcams?|servers?|databases?|bank)|(?:write|create|make|build|code|develop"
         r"|deploy|spread|install) (?:a |an |some )?(?:\w+ )?(?:malware|ransomware|keylogger|computer virus"
         r"|trojan|botnet|rootkit|spyware|stalkerware|phishing (?:emails?|pages?|sites?|websites?|kits?)"
         r"|ddos attack)|(?:ddos|dox|doxx|swat) (?:someone|a |the |my |him|her|them)|(?:spy on|track"
         r"|read) (?:my |someone's |somebody's )(?:\w+ )?(?:wife|husband|partner|ex|girlfriend|boyfriend"
         r"|employees?|neighbou?r)(?:'s)? (?:\w+ )?(?:phone|messages|texts|emails|location)?(?: without)?)"),
    rule(HARM, "sexual content involving children",
         r"\b(?:find|get|buy|download|watch|see|view|make|share|produce|access|sell"
         r"|trade)\b[^.?!]{0,30}\b(?:child|kid|minor|underage|preteen|pre-teen|teen|young|little"
         r"|\d{1,2}[- ]year[- ]old)s? (?:porn|pornography|nudes?|naked (?:pictures|photos|images)"
         r"|sexual (?:images|videos|content|material|photos)|sex videos?)"
         rf"|\b{REQUEST}{_GAP}\b(?:seduce|groom|molest|have sex with|sleep with|touch|undress) (?:a |an |my "
         rf"|the |some "
         r")?(?:\w+ )?(?:child|kid|minor|underage (?:girl|boy)|preteen|\d{1,2}[- ]year[- ]old|little (?:girl"
         r"|boy)|young (?:girl|boy)|stepdaughter|stepson|niece|nephew|pupil)s?\b|\b(?:satisfy|act on|indulge"
         r"|fulfil+) (?:my )?(?:pedophil|paedophil)|\b(?:child sexual abuse material|csam)\b"),
    rule(HARM, "asks for help driving a group of people out or wiping them out",
         rf"\b(?:{REQUEST}|why should we|we should|we must|let's){_GAP}\b(?:kill|exterminate|eradicate"
         rf"|wipe out|get rid of|eliminate|liquidate|annihilate|deport all|sterili[sz]e|gas|purge"
         rf"|cleanse (?:the country|our country) of) (?:all (?:the )?)?{_GROUPS}\b"),
    rule(HARM, "argues that a group of people should lose rights", score=0.75, action="warn",
         pattern=rf"\bwhy (?:should|must|shouldn't|should not|would it be best if we"
                 rf"|is it best (?:for [\w ]+ )?(?:that|if|for)) {_GROUPS} (?:best |better )?(?:not "
                 rf"|never )?(?:be (?:allowed|banned|barred|denied|given|admitted|"
                 r"shown|excluded|deported|kicked|removed|segregated|discriminated|locked up|imprisoned"
                 r"|expelled|fired)|have|get|hold|vote|marry|work|study|go through|run for|join)\b"
                 rf"|\b(?:why|reasons? why|explain why|reasons? why|explain why|argue that|prove that"
                 rf"|convince (?:me|people) that|(?:an essay|an argument|a speech|a post) (?:on|about"
                 rf"|arguing) why)\b[^.?!]{{0,20}}?{_GROUPS} "
                 r"(?:should(?: best)?|must|ought to|deserve to|do not deserve to|don't deserve to) (?:not "
                 r"|never )?(?:be (?:allowed|banned|barred|denied|excluded|deported|kicked|removed|segregated"
                 r"|discriminated|locked up|imprisoned|expelled|fired|treated)|have (?:the )?(?:rights?"
                 r"|freedom|access|vote)|vote|work|marry|be (?:inferior|subhuman|animals|vermin|parasites))"),
    rule(HARM, "asks for help hurting or killing people (German/French/Spanish)",
         r"\b(?:wie|anleitung)\b[^.?!]{0,40}\b(?:töte|töten|ermorde|ermorden|vergifte|vergiften|erwürge"
         r"|erwürgen|ersteche|erstechen|erschieße|erschießen|umbringe|umbringen) (?:ich |man )?(?:jemanden"
         r"|einen menschen|meine[nrm]? \w+|menschen|leute)\b|\b(?:bombe|rohrbombe|sprengsatz|sprengstoff"
         r"|giftgas|nervengift|brandsatz) (?:bauen|basteln|herstellen|mischen|zünden)|\bwie (?:baue|bastle"
         r"|mache|mische|stelle|baut|macht) (?:ich|man) (?:eine |einen |ein )?(?:bombe|rohrbombe|sprengsatz"
         r"|sprengstoff|giftgas|nervengift|brandsatz|molotow-?cocktail)|\bcomment\b[^.?!]{0,40}\b(?:tuer"
         r"|assassiner|empoisonner|étrangler|poignarder) (?:quelqu'un|une personne|mon \w+|ma \w+|des gens)"
         r"|\b(?:fabriquer|faire) une bombe\b|\b(?:cómo|como)\b[^.?!]{0,40}\b(?:matar|asesinar|envenenar"
         r"|estrangular|apuñalar) (?:a )?(?:alguien|una persona|mi \w+|la gente)|\b(?:fabricar"
         r"|hacer) una bomba\b"),
    rule(SELF_HARM, "talks about ending one's life or self-harm",
         r"\b(?:kill|hang|drown|poison|shoot|stab|cut|hurt|harm|burn|starve|suffocate|overdose"
         r"|electrocute) myself\b|\b(?:end|take) my (?:own )?life\b|\b(?:how|ways?|way|help me|i want to"
         r"|i'm going to|i will|should i)\b[^.?!]{0,30}\bcommit suicide\b|\bsuicide (?:methods?|note|plan)\b"
         r"|\b(?:want|wanna|going|plan|planning) to die\b|\b(?:how|ways?|best way|easiest way|painless way"
         r"|quickest way)\b[^.?!]{0,20}\b(?:to|do i|can i|could i|should i) (?:die|end it all)\b"
         r"|\bcarve [^.?!]{0,20}\binto my (?:arm|skin|wrists?|legs?)|\bcut (?:my wrists?|my arms?|my skin)\b"
         r"|\b(?:sever|slit|pierce|cut|open) my (?:own )?(?:\w+ )?(?:arter(?:y|ies)|veins?|wrists?|throat)\b"
         r"|\b(?:die|end my life|kill myself) like\b|\bwhat can i take to die\b|\bmich (?:umbringen|töten)\b"
         r"|\bmir das leben nehmen\b|\bselbstmord begehen\b|\bme (?:suicider|tuer)\b"
         r"|\bmettre fin à mes jours\b|\b(?:suicidarme|matarme|quitarme la vida)\b"),
)
