"""Rules for requests for help with serious harm: violence against people, weapons, hard drugs, crime and
cybercrime, sexual abuse of children, self-harm and hateful exclusion of groups.

A rule needs a request ("how do I", "best way to", "help me", "where can I", "wie kann ich", "comment",
"cómo") near a harmful act aimed at a real target: "kill a Python process", "shoot a goal", "blow up a
balloon" or "break into the film industry" have the verb but not the target. Questions about history,
definitions and fiction ("How did Kennedy die?", "What is fraud?") carry no request for help. A game or
fiction context ("in Call of Duty", "in my novel") downgrades a match to a warning instead of a block.
"""

from __future__ import annotations

from app.moderation.rules import Rule, rule, words

HARM = "harmful"
SELF_HARM = "self_harm"

REQUEST = words([
    r"how (?:do|can|could|would|should|might|to|do you|can you|does one|would one|will)\b ?(?:i|we|one|you|someone)?",
    r"how's the best way", r"(?:best|easiest|quickest|fastest|simplest|safest|cheapest|most effective|good|"
    r"effective|surest) (?:way|method|technique|means)s?", r"ways? (?:of|to)", r"methods? (?:of|for|to)",
    r"steps? (?:to|for)", r"(?:way|method|place|plan|strategy|process|procedure|technique|time)s? (?:of|to|for)",
    r"what steps should (?:i|we) take to", r"(?:can|could) (?:i|we)\b", r"what do (?:i|we) need to (?:do to )?", r"should (?:i|we)",
    r"guide (?:to|for|on)", r"instructions (?:for|to|on)", r"tips (?:for|on|to)", "teach me",
    "show me how", "tell me how", "explain how", "help me", r"i (?:want|need|plan|intend|wish|would like|'d like) to",
    r"i(?:'m| am) (?:going|planning|trying) to", "let me", r"where (?:can|could|do|should|would) (?:i|we|one) ",
    r"what (?:can|should|could|would) (?:i|we) (?:use|take|do|buy|mix|give)", "recipe for", r"is there a way to",
    r"give me (?:a |the )?(?:plan|guide|steps|instructions|recipe)", r"what's the (?:best|easiest) way",
    r"wie (?:kann|könnte|soll|sollte) (?:ich|man|wir)", r"wie (?:baue|mache|töte|bringe|vergifte) ich",
    "anleitung (?:für|zum|zur)", r"comment (?:puis-je|peut-on|faire pour|je peux|fabriquer|tuer)",
    r"(?:cómo|como) (?:puedo|se puede|hago|hacer|matar|fabricar)", "quiero",
])
# Up to 50 characters between the request and the act, but not across "avoid", "prevent", "not" and the like.
_GAP = r"(?:(?!\b(?:avoid|not|never|prevent|stop|protect|without|against|from|if|when)\b)[^.?!]){0,50}?"
_FICTION = (r"\b(?:in|for|during|inside|at|on) (?:a |an |the |my |our )?(?:[\w'-]+ ){0,3}?(?:game|video ?game|minecraft|"
            r"call of duty|fortnite|gta|skyrim|chess|checkers|poker|movie|film|novel|story|book|play|script|screenplay|"
            r"tv show|series|episode|dnd|d&d|dungeons|rpg|simulation|warzone|pubg|counter-strike|halo|sims|fiction|"
            r"comic|roleplay|role-play|larp|paintball|airsoft|laser tag|match|tournament|debate|quiz|tennis|football|soccer|"
            r"basketball|golf|rugby|hockey|boxing|sports?|cards|board ?games?|fortnite|mario kart|range)\b|\bfake\b|"
            r"\bfictional\b|\bcharacter\b|\bin-game\b")
_PEOPLE = words([
    "someone", "somebody", "some one", "anyone", "anybody", "a person", "persons", "people", r"an? (?:\w+ )?human",
    "humans", "human beings", "humanity", "mankind", r"(?:the )?most people", "as many people as possible",
    r"(?:a|the) (?:\w+ )?population", r"(?:a|the) (?:dead )?(?:body|corpse)",
    r"(?:an?|the|some|that|this) (?:[\w-]+ ){0,2}?(?:man|woman|child|kid|baby|girl|boy|toddler|teenager|stranger|"
    r"cop|police officer|politician|senator|judge|journalist|priest|imam|rabbi|jew|muslim|christian|immigrant|"
    r"refugee|homeless person|gay man|trans woman|black man|black woman|person|hostage|witness|officer)",
    "children", "kids", "babies", "women", "men", "girls", "boys", "him", "her", "them", "myself and others",
    r"(?:my|his|her|their|the|a|our|your|this|that) (?:\w+ )?(?:wife|husband|partner|spouse|girlfriend|boyfriend|ex|"
    r"ex-wife|ex-husband|ex-girlfriend|ex-boyfriend|mother|father|mom|mum|dad|parents?|brother|sister|son|daughter|"
    r"child|baby|family|neighbou?rs?|boss|co-?workers?|colleagues?|teachers?|classmates?|roommates?|friends?|enemy|"
    r"rivals?|landlord|tenants?|employees?|employer|manager|cops?|police officers?|officers?|president|prime minister|"
    r"politicians?|judge|witness|doctor|nurse|patients?|grandma|grandmother|grandpa|grandfather|uncle|aunt|cousin|"
    r"step-?(?:father|mother|son|daughter)|bully|in-laws|date|students?|crush|victim|hostage|"
    r"congregation|village|town|crowd|group of people|whole family|entire family)\b",
    r"(?:someone|somebody|a person|an? (?:\w+ )?human|an? (?:\w+ )?(?:child|kid|baby|man|woman)|my [\w-]+|his|her|"
    r"their)'s? (?:face|head|skull|neck|throat|legs?|arms?|kidneys?|ribs|jaw|nose|bones?|fingers?|knees?|spine|"
    r"sternum|eyes?|teeth|brain|heart)",
])
def verb_forms(verbs: list[str]) -> list[str]:
    """Each verb with its -ing form ('stab' -> 'stabbing', 'execute' -> 'executing', 'beat up' -> 'beating up')."""
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
    "kill", "murder", "poison", "stab", "strangle", "choke", "throttle", "shoot", "behead", "decapitate", "torture",
    "kidnap", "abduct", "assault", "beat up", "beat", "rape", "hurt", "harm", "injure", "maim", "drown", "burn",
    "dismember", "butcher", "suffocate", "smother", "assassinate", "execute", "slaughter", "massacre", "eliminate",
    "overpower", "attack", "punch", "smash", "shatter", "crack open", 
    "slit", "run over", "stalk", "terrorize", "blackmail", "extort", "traffic", "enslave", "drug", 
    "knock out", "get rid of", "do away with", "wipe out", "annihilate", "exterminate", "eradicate", "liquidate",
    "dispose of", "hit", "bludgeon", "lynch", "gas", "shoot up", "ambush", "disfigure",
    "incapacitate", "paralyze", "blind", "starve", "electrocute", "mutilate", "castrate", "sterilize", "slay",
    "snipe", "hunt down", "crush", "gut", "chop up", "hammer", "obliterate", "decimate", "rip off",
    "smash in", "break open", "saw",
]))
_PLACES = (r"(?:my|the|a|an|our|his|her|their|this|that|someone's|somebody's|[\w'-]+'s) "
           r"(?:(?!at |in |on |of |for |to |from |near |by |with )[\w'-]+ ){0,2}?(?:school|"
           r"office|workplace|church|mosque|synagogue|temple|hospital|clinic|airport|station|stadium|concert|mall|"
           r"embassy|building|house|home|apartment|car|plane|airplane|bus|train|subway|city|village|factory|"
           r"parliament|court ?house|police station|bank|restaurant|club|nightclub|festival|crowd|parade|market|bridge|"
           r"power plant|dam|university|campus|kindergarten|daycare|shop|store|supermarket)s?\b")
_WEAPONS = words([
    r"(?:pipe |nail |car |dirty |fertili[sz]er |letter |suicide |homemade |home-made )?bombs?", r"explosives?",
    "explosive devices?", r"\bied\b", "grenades?", "landmines?", r"molotov(?: cocktails?)?", "napalm", "thermite",
    r"\bc-?4\b", "semtex", r"\btnt\b", "dynamite", "detonators?", r"nerve (?:agents?|gas)", "sarin", r"\bvx\b",
    "tabun", "novichok", "mustard gas", "chlorine gas", "ricin", "anthrax", "botulinum", "bio-?weapons?",
    r"biological weapons?", r"chemical weapons?", r"(?:nuclear|atomic) (?:bombs?|weapons?|devices?)", "ghost guns?",
    r"untraceable (?:guns?|firearms?|weapons?)", "silencers?", "suppressors?", "zip guns?", "deadly poisons?",
    r"poisons? (?:that|which) (?:can't|cannot|won't) be (?:traced|detected)", r"lethal (?:doses?|injections?)",
    r"(?:full[- ]auto|automatic) (?:conversion|rifles?)", "toxins?", "flamethrowers?",
])
_DRUGS = words([
    r"crystal meth", "methamphetamine", r"\bmeth\b", r"crack(?: cocaine)?\b", "cocaine", "heroin", "fentanyl",
    "carfentanil", r"\blsd\b", r"\bmdma\b", r"ecstasy(?: pills)?", r"\bmolly\b", r"\bghb\b", "ketamine", r"\bdmt\b",
    r"\bpcp\b", "opium", "illegal drugs", r"drugs(?! (?:test|policy|store|interaction))", "date rape drugs?",
    "rohypnol", "roofies", "bath salts", "krokodil", r"(?:a |an |one )?(?:gram|ounce|bag|line|kilo|eight ?ball)s? of "
    r"(?:coke|crack|meth|heroin|cocaine|molly|speed)",
])
_GROUPS = (r"(?:the )?(?:women|girls|jews|jewish people|muslims|christians|hindus|sikhs|buddhists|atheists|catholics|"
           r"mormons|black people|blacks|white people|whites|asians|asian people|latinos|latinas|hispanics|arabs|"
           r"africans|mexicans|chinese people|indians|immigrants|refugees|migrants|foreigners|gay people|gays|gay men|"
           r"lesbians|homosexuals|bisexuals|trans people|transgender people|trans women|trans men|non-binary people|"
           r"queer people|lgbtq?\+? people|disabled people|people with disabilities|the disabled|roma(?: people)?|"
           r"gypsies|indigenous people|native americans|aboriginal people|elderly people|old people|the elderly|"
           r"poor people|homeless people|pregnant women|divorced people|asexual people|[\w-]+ people)")

RULES: tuple[Rule, ...] = (
    rule(HARM, "asks for help hurting or killing people",
         rf"(?:\b{REQUEST}{_GAP}|^(?:please )?)\b{_VIOLENCE} (?:all (?:the )?|every |some )?{_PEOPLE}\b(?!'s?\b|s'|"
         r" (?:up|back|on the back)\b)", unless=_FICTION),
    rule(HARM, "asks for help pushing someone to their death or taking hostages",
         rf"\b{REQUEST}{_GAP}\b(?:(?:push|throw|shove)(?:ing)? (?:someone|somebody|a person|my \w+|him|her|them) (?:off|"
         r"down|out of|in front of|into|onto)|(?:take|hold|keep|taking|holding|keeping) (?:[\w'-]+ ){1,3}hostage)\b",
         unless=_FICTION),
    rule(HARM, "asks for help injuring someone's body",
         rf"\b{REQUEST}{_GAP}\b(?:break|breaking|snap|snapping|crush|crushing|smash|smashing|shatter|cut off|cutting off|"
         r"rip off|ripping off|tear off|crack|cracking|slit|slitting|gouge out|burn|rupture|pierce|hammer|dislocate) "
         r"(?:in |open )?(?:someone|somebody|a person|an? (?:\w+ )?human|an? (?:\w+ )?(?:child|kid|baby|man|woman)|"
         r"my [\w-]+|his|her|their|people)(?:'s|s') (?:\w+ )?(?:face|head|skull|neck|throat|legs?|arms?|kidneys?|"
         r"ribs|jaw|nose|bones?|fingers?|knees?|spine|sternum|eyes?|teeth|brain|heart|wrists?|hands?)\b",
         unless=_FICTION),
    rule(HARM, "asks for help planning a killing or an attack",
         rf"\b{REQUEST}{_GAP}\b(?:plan|planning|organi[sz]e|carry out|execute|pull off|get away with) (?:a |an |the |"
         r"another |someone's |my [\w-]+'s )?(?:\w+ )?(?:murder|assassination|kidnapping|massacre|robbery|heist|bombing|"
         r"terrorist attack|terror attack|mass shooting|school shooting|explosion|arson attack|death|poisoning|"
         r"hijacking)s?\b", unless=_FICTION),
    rule(HARM, "asks how to destroy someone's property or life",
         rf"\b{REQUEST}{_GAP}\b(?:destroy|destroying|smash|smashing|slash|slashing|vandali[sz]e|vandali[sz]ing|key|"
         r"demolish|demolishing|wreck|wrecking|sabotage|sabotaging|ruin|ruining|end|ending|terminate|terminating|"
         r"set fire to|burn down|blow up|make) (?:someone's|somebody's|my [\w-]+'s|my [\w-]+ [\w-]+'s|his|her|their|"
         r"people's) (?:\w+ )?(?:car|tires|tyres|house|home|motorbike|bike|property|life|business|reputation|marriage|"
         r"career|shop)(?! (?:easier|better|simpler|more|less))\b", unless=_FICTION),
    rule(HARM, "praises, repeats or denies an atrocity",
         rf"\b{REQUEST}{_GAP}\b(?:replicate|repeat|recreate|restore|copy|reproduce|emulate|use)\b[^.?!]{{0,40}}\b(?:genocide|"
         r"massacres?|attacks?|assassination|concentration camps?|atomic bombs?|ethnic cleansing|jim crow|khmer rouge|"
         r"9/11|holocaust|taliban|apartheid|slavery|pinochet|death camps?)"
         r"|\b(?:right|justified|a good thing) to (?:kill|attack|invade|murder|bomb|shoot|enslave|massacre|exterminate)"
         r"|\b(?:shooting|massacre|genocide|holocaust|slave trade|slavery|attacks?|bombings?) (?:was|were) (?:actually |"
         r"morally )?(?:justified|a good thing|right|good)\b"
         r"|\b(?:genocide|massacre|holocaust|trail of tears|shoah|attacks?) (?:never (?:happened|took place)|didn't happen|"
         r"did not happen|(?:was|were) (?:a )?(?:complete |total )?(?:fabrication|lie|hoax|myth|exaggerat))"),
    rule(HARM, "asks how to attack or set fire to a place",
         rf"(?:\b{REQUEST}{_GAP}|^(?:please )?)\b(?:blow up|bomb|firebomb|set fire to|burn down|torch|shoot up|attack|"
         rf"poison the water (?:supply )?(?:of|in)|gas) {_PLACES}|\b(?:{REQUEST}){_GAP}\bset {_PLACES} on fire",
         unless=_FICTION),
    rule(HARM, "asks how to make or get weapons of harm",
         rf"\b{REQUEST}{_GAP}\b(?:make|build|construct|assemble|create|manufacture|produce|synthesi[sz]e|cook|brew|mix|"
         rf"prepare|3d[- ]print|get|buy|obtain|acquire|smuggle|detonate|plant|hide|use) (?:a |an |some |my own |"
         rf"homemade |home-made |the |your own )?{_WEAPONS}", unless=_FICTION),
    rule(HARM, "asks how to make or get hard drugs",
         rf"\b{REQUEST}{_GAP}\b(?:make|making|cook|cooking|synthesi[sz]e|produce|manufacture|extract|brew|buy|"
         rf"buying|get(?: hold of)?|getting|obtain|score|find|smuggle|sell|selling|deal|grow) (?:some |my own |homemade |the |pure )?{_DRUGS}",
         unless=_FICTION),
    rule(HARM, "asks for help committing a serious crime",
         rf"\b{REQUEST}{_GAP}\b(?:launder (?:money|cash|the money)|commit(?:ting)? (?:a |an )?(?:\w+ )?(?:fraud|theft|arson|murders?|"
         r"massacre|genocide|treason|terrorism|terrorist attack|robbery|burglary|crimes?|hate crime|extortion|"
         r"blackmail|perjury|vandalism|insider trading|embezzlement|tax evasion|identity theft|assault|homicide|"
         r"kidnapping|rape)|steal(?:ing)? (?:a |an |someone's |somebody's |my [\w-]+'s |people's |from )?(?:\w+ )?(?:money|cash|"
         r"cars?|identit(?:y|ies)|credit cards?|card details|passwords?|data|wallets?|purses?|phones?|bikes?|"
         r"jewel(?:le)?ry|packages?|mail|goods|electricity|medications?|guns?|firearms?|credentials|accounts?|"
         r"social security numbers?)|shoplift|rob (?:a |the |someone|somebody|my )|break into (?:a |an |the |someone's |"
         r"somebody's |my [\w-]+'s |people's )?(?:\w+ )?(?:house|home|car|apartment|flat|building|account|email|phone|"
         r"computer|safe|vault|store|shop)|hotwire (?:a |someone's )?car|disable (?:the |an? )?(?:alarms?|security "
         r"(?:system|cameras?)|cameras?) (?:in|of|at) (?:a |the )?(?:bank|vault|museum|jewelry store|store|shop|"
         r"house|building|neighbou?r)|evade (?:the )?(?:police|cops|taxes)|(?:hide|dispose of|get rid of) (?:a |the )?"
         r"(?:dead )?body|get away with (?:murder|rape|it|a crime|stealing|killing|fraud)|without (?:getting|being) "
         r"caught|forge (?:a |an )?(?:passport|signature|documents?|id|checks?|cheques?)|counterfeit (?:money|bills|"
         r"currency)|make (?:fake|counterfeit) (?:money|ids?|passports?)|traffic (?:people|humans|children|women|girls)"
         r"|(?:join|recruit (?:for|people for)|fund|support) (?:isis|isil|al[- ]?qaeda|the taliban|a terrorist "
         r"(?:group|organi[sz]ation))|(?:engage in|plan|carry out|organi[sz]e) (?:a )?(?:terrorism|terrorist attack|"
         r"terror attack|mass shooting|school shooting|massacre|genocide|ethnic cleansing|pogrom|coup))",
         unless=_FICTION),
    rule(HARM, "asks for help with hacking or malware",
         rf"\b{REQUEST}{_GAP}\b(?:hack (?:into )?(?:someone's|somebody's|a|an|my [\w-]+'s|the|his|her|their|people's) "
         r"(?:[\w-]+ ){0,2}?(?:accounts?|emails?|phones?|computers?|wifi|wi-fi|networks?|instagram|facebook|snapchat|"
         r"whatsapp|webcams?|servers?|databases?|bank)|(?:write|create|make|build|code|develop|deploy|spread|install) "
         r"(?:a |an |some )?(?:\w+ )?(?:malware|ransomware|keylogger|computer virus|trojan|botnet|rootkit|spyware|"
         r"stalkerware|phishing (?:emails?|pages?|sites?|websites?|kits?)|ddos attack)|(?:ddos|dox|doxx|swat) "
         r"(?:someone|a |the |my |him|her|them)|(?:spy on|track|read) (?:my |someone's |somebody's )(?:\w+ )?"
         r"(?:wife|husband|partner|ex|girlfriend|boyfriend|employees?|neighbou?r)(?:'s)? (?:\w+ )?(?:phone|messages|"
         r"texts|emails|location)?(?: without)?)"),
    rule(HARM, "sexual content involving children",
         r"\b(?:find|get|buy|download|watch|see|view|make|share|produce|access|sell|trade)\b[^.?!]{0,30}\b(?:child|kid|"
         r"minor|underage|preteen|pre-teen|teen|young|little|\d{1,2}[- ]year[- ]old)s? (?:porn|pornography|nudes?|"
         r"naked (?:pictures|photos|images)|sexual (?:images|videos|content|material|photos)|sex videos?)"
         rf"|\b{REQUEST}{_GAP}\b(?:seduce|groom|molest|have sex with|sleep with|touch|undress) (?:a |an |my |the |some "
         r")?(?:\w+ )?(?:child|kid|minor|underage (?:girl|boy)|preteen|\d{1,2}[- ]year[- ]old|little (?:girl|boy)|"
         r"young (?:girl|boy)|stepdaughter|stepson|niece|nephew|pupil)s?\b"
         r"|\b(?:satisfy|act on|indulge|fulfil+) (?:my )?(?:pedophil|paedophil)|\b(?:child sexual abuse material|csam)\b"),
    rule(HARM, "asks for help driving a group of people out or wiping them out",
         rf"\b(?:{REQUEST}|why should we|we should|we must|let's){_GAP}\b(?:kill|exterminate|eradicate|wipe out|get rid of|"
         rf"eliminate|liquidate|annihilate|deport all|sterili[sz]e|gas|purge|cleanse (?:the country|our country) of) "
         rf"(?:all (?:the )?)?{_GROUPS}\b"),
    rule(HARM, "argues that a group of people should lose rights", score=0.75, action="warn",
         pattern=rf"\bwhy (?:should|must|shouldn't|should not|would it be best if we|is it best (?:for [\w ]+ )?(?:that|if|"
                 rf"for)) {_GROUPS} (?:best |better )?(?:not |never )?(?:be (?:allowed|banned|barred|denied|given|admitted|"
                 r"shown|excluded|deported|kicked|removed|segregated|discriminated|locked up|imprisoned|expelled|fired)|"
                 r"have|get|hold|vote|marry|work|study|go through|run for|join)\b"
                 rf"|\b(?:why|reasons? why|explain why|reasons? why|explain why|argue that|prove that|convince (?:me|people) that|"
                 rf"(?:an essay|an argument|a speech|a post) (?:on|about|arguing) why)\b[^.?!]{{0,20}}?{_GROUPS} "
                 r"(?:should(?: best)?|must|ought to|deserve to|do not deserve to|don't deserve to) (?:not |never )?"
                 r"(?:be (?:allowed|banned|barred|denied|excluded|deported|kicked|removed|segregated|discriminated|"
                 r"locked up|imprisoned|expelled|fired|treated)|have (?:the )?(?:rights?|freedom|access|vote)|vote|"
                 r"work|marry|be (?:inferior|subhuman|animals|vermin|parasites))"),
    rule(HARM, "asks for help hurting or killing people (German/French/Spanish)",
         r"\b(?:wie|anleitung)\b[^.?!]{0,40}\b(?:töte|töten|ermorde|ermorden|vergifte|vergiften|erwürge|erwürgen|"
         r"ersteche|erstechen|erschieße|erschießen|umbringe|umbringen) (?:ich |man )?(?:jemanden|einen menschen|"
         r"meine[nrm]? \w+|menschen|leute)\b|\bbombe (?:bauen|basteln|herstellen)|\bsprengstoff (?:herstellen|bauen)"
         r"|\bcomment\b[^.?!]{0,40}\b(?:tuer|assassiner|empoisonner|étrangler|poignarder) (?:quelqu'un|une personne|"
         r"mon \w+|ma \w+|des gens)|\b(?:fabriquer|faire) une bombe\b|\b(?:cómo|como)\b[^.?!]{0,40}\b(?:matar|asesinar|"
         r"envenenar|estrangular|apuñalar) (?:a )?(?:alguien|una persona|mi \w+|la gente)|\b(?:fabricar|hacer) una bomba\b"),
    rule(SELF_HARM, "talks about ending one's life or self-harm",
         r"\b(?:kill|hang|drown|poison|shoot|stab|cut|hurt|harm|burn|starve|suffocate|overdose|electrocute) myself\b"
         r"|\b(?:end|take) my (?:own )?life\b|\b(?:how|ways?|way|help me|i want to|i'm going to|i will|should i)\b"
         r"[^.?!]{0,30}\bcommit suicide\b"
         r"|\bsuicide (?:methods?|note|plan)\b|\b(?:want|wanna|going|plan|planning) to die\b|\b(?:how|ways?|best way|"
         r"easiest way|painless way|quickest way)\b[^.?!]{0,20}\b(?:to|do i|can i|could i|should i) (?:die|end it all)\b"
         r"|\bcarve [^.?!]{0,20}\binto my (?:arm|skin|wrists?|legs?)|\bcut (?:my wrists?|my arms?|my skin)\b"
         r"|\b(?:sever|slit|pierce|cut|open) my (?:own )?(?:\w+ )?(?:arter(?:y|ies)|veins?|wrists?|throat)\b"
         r"|\b(?:die|end my life|kill myself) like\b|\bwhat can i take to die\b|\bmich (?:umbringen|töten)\b"
         r"|\bmir das leben nehmen\b|\bselbstmord begehen\b|\bme (?:suicider|tuer)\b|\bmettre fin à mes jours\b"
         r"|\b(?:suicidarme|matarme|quitarme la vida)\b"),
)
