"""Evidence of a request for operational help with serious harm: never a block on its own.

A text shows this evidence when a sentence (or two in a row) both asks for operational help (how to make, get,
use or hide something; step-by-step instructions; a deliverable to write or build; "without getting caught")
and names a serious-harm object or act (a weapon, a hard drug, malware, a poison aimed at people, fraud,
stalking, threats, fake evidence, sexual exploitation, self-harm ...). Technical and everyday senses of the
same words are removed first ("kill a process", "execute arbitrary statements from C", "shoot a photo",
"attack surface", "bomb-proof"), and so is harm done to the reader ("someone is blackmailing me"); a defensive
or informational purpose ("report", "recognise", "the dangers of"), a defender's handling ("check whether", "call
the police") or a game or a story that asks for no operational detail means no evidence.

The harm classifier blocks such a text from a lower threshold (`with_evidence_at` in the weights file, chosen
by the training script with the same rule as the plain block threshold, counting both paths, but never under
0.4). The words here are general vocabulary of harm, written for this module and refined on the training
sources' left-out misses, not phrases of any shared held-out set."""

from __future__ import annotations

import re

from app.moderation.harm_rules import FICTION, GROUPS
from app.moderation.harm_vocabulary import HARD_DRUGS, WEAPONS
from app.moderation.rules import words

# A game or a story. The harm rules also read a bare "fake" as pretend play; here it is harm vocabulary ("a fake
# bank account", "fake reviews"), so it does not count as fiction.
_FICTION = re.compile(FICTION.replace(r"|\bfake\b", ""), re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")

# Asking for operational help: a method, instructions, a thing to be produced, or secrecy.
_ASKS = re.compile(words([
    # "How do I ...", "how would someone ...", "how to ...": how a thing is done by the asker or a stand-in, not
    # how it works or happened ("How does ransomware spread?", "How did the fraud happen?": see `_INFORMATIONAL`)
    r"\bhow (?:do|can|could|would|should|might|does|did) (?:i|we|you|one|someone|somebody|people|they|a person"
    r"|he|she|anyone)\b", r"\bhow to\b",
    r"\b(?:step[- ]by[- ]step|detailed|specific|exact|precise|complete|practical|clear)\b"
    r"(?: \w+){0,2} (?:instructions|guide|steps|plan|tutorial|recipe|directions|methods?|walkthrough"
    r"|procedure|blueprint|breakdown|list)",
    r"\b(?:instructions|guide|tutorial|recipe|steps|plan|strategy|strategies|tips|tricks|ways?|methods?"
    r"|techniques?|tactics|scheme)\b (?:for|on|to|of|that|which|i can|we can)\b",
    r"\b(?:give|provide|show|teach|tell|send|explain to|walk) me\b", r"\bhelp (?:me|us)\b",
    r"\bi (?:want|need|plan|intend|wish|would like|'d like|am going|'m going|am trying|'m trying) to\b",
    r"\bi (?:want|need|would like|'d like) (?:you|some help|help) (?:to|with)\b",
    r"\bwhere (?:can|could|do|should|would|might) (?:i|we|one|you|someone)\b",
    r"\b(?:can|could|should|may) (?:i|we)\b",
    r"\b(?:explain|describe|detail|show|tell|teach|list|outline|write down)s? (?:\w+ ){0,3}?(?:how\b"
    r"|the (?:steps|process|method|procedure|recipe)|what (?:i|you|one|he|she|they)"
    r" (?:would )?need)\b", r"\bis (?:it|there a way) (?:possible )?to\b",
    r"\b(?:what|which) (?:[\w-]+ ){0,3}(?:can|could|should|would|do|might) (?:i|we|one|you|someone) (?:use|mix"
    r"|take|buy|get|do|say|put|add|give|make|combine|order|grow)\b",
    r"\bwhat are (?:some |the )?(?:\w+ )?(?:ways|methods|tips|steps|techniques|tricks|options)\b",
    r"\bwhat are (?:some|the) (?:[\w-]+ ){0,2}(?:terms|words|names|insults|jokes|things to say)\b",
    r"\bwhat (?:is|are|'s) the (?:best|easiest|fastest|quickest|cheapest|safest|most effective|simplest)\b",
    r"\b(?:best|easiest|quickest|fastest|cheapest|surest|most effective|good|ideal) (?:way|method|place|time|spot)s?"
    r"\b",
    r"\bwithout (?:getting|being) (?:caught|detected|noticed|traced|arrested|flagged|banned)\b",
    r"\bwithout (?:anyone|them|him|her|the police|the authorities|my \w+) (?:knowing|noticing|finding out)",
    r"\b(?:undetectable|untraceable|undetected|unnoticed|anonymously|covertly|secretly)\b",
    r"\b(?:evade|avoid|bypass|get past|fool|trick) (?:the )?(?:police|cops|law enforcement|detection"
    r"|authorities|security|customs|border|filters?|moderation|antivirus|the law)\b",
    r"^(?:please )?(?:write|draft|compose|create|generate|produce|craft|design|develop|code|program|build"
    r"|make|devise|outline|plan|list|describe|explain|detail|give|provide|suggest|recommend|tell|teach"
    r"|convince|persuade|publish|post|spread|determine|identify|find|conduct|release|launch|share|send|help"
    r"|show|instruct|compile|automate|set up|train|harvest|exploit|manipulate|hack|steal)\b",
    r"\b(?:can|could|would|will) you (?:please )?(?:write|draft|compose|create|generate|produce|craft"
    r"|design|develop|code|program|build|make|devise|outline|plan|list|describe|explain|detail|give"
    r"|provide|suggest|recommend|tell|teach|help|assist|guide|show|insult|find|get|give|support|spread|share"
    r"|send|post|leak|publish|distribute|generate|open|buy|sell|obtain|determine|identify)\b",
]), re.IGNORECASE)

# Serious-harm objects and acts. Each is a word or phrase whose ordinary sense is harm; words with a common
# technical or everyday sense ("kill", "attack", "execute", "shoot", "exploit") need a human target.
_PERSON = (r"(?:someone|somebody|a person|people|humans?|humanity|mankind|the human race|civilians|children|kids"
           r"|minors|teenagers|(?:[\w-]+ )?(?:women|men|girls|boys|people)"
           r"|(?:a|an|the|my|his|her|their|our|your|that|this|some) (?:[\w-]+ ){0,2}?"
           r"(?:man|woman|child|kid|girl|boy|neighbou?r|wife|husband|spouse|partner|ex|boss|teacher|human|person"
           r"|classmate|coworker|co-worker|colleague|roommate|friend|family|parents?|mother|father|brother"
           r"|sister|son|daughter|stranger|victim|rival|enemy|witness|politician|officer|cop|president"
           r"|minister|judge|journalist|student|employee|customer|date)s?|him|her|them)")
_HARM = re.compile(words([
    # weapons, explosives, agents of mass harm; hard drugs (`harm_vocabulary`, shared with the harm rules)
    rf"\b{words(WEAPONS)}\b(?! (?:of|at the box))", rf"\b{words(HARD_DRUGS)}\b", r"\bdetonat",
    r"\bdirty bomb", r"\b(?:full[- ]auto|fully automatic) (?:conversions?|rifles?|guns?|weapons?|fire|switch(?:es)?"
    r"|sears?|kits?)\b", r"\b(?:deadly|lethal|undetectable|untraceable|tasteless|odou?rless) (?:poisons?|toxins?)\b",
    r"\bpoison(?:ing)? (?:a |the |his |her |their |my |someone's |[\w-]+'s |a [\w-]+'s )*(?:drinks?|food|meals?"
    r"|water supply|wells?"
    r"|coffee|tea|soup|reservoir)\b", r"\bbiotoxins?\b", r"\blethal (?:doses?|amounts?|injections?)\b",
    r"\b(?:mass|school) shootings?\b", r"\bterror(?:ist|ism)?\b", r"\bmass casualt",
    r"\bcrack\b(?= (?:cocaine|rocks?|pipe))", r"\bdate[- ]rape\b",
    r"\billegal (?:drugs|substances|weapons|firearms|guns)\b", r"\bcontrolled substances?\b",
    # violence against people
    rf"\b(?:kill|murder|assassinat|strangl|stab|shoot|tortur|kidnap|abduct|beat up|beat|maim|drown"
    rf"|suffocat|hurt|injur|harm|attack|assault|poison|drug|eliminat|eradicat|annihilat|exterminat|wipe out"
    rf"|smash|crush|gut|hit|slash|punch|burn|run over|knock out|choke|terminat|execut|liquidat|captur|overpower"
    rf"|throttl|hunt down|snip|behead|decimat|dismember|butcher|do away with)(?:s|e|es|ed|ing|ting|bing|ping)? "
    rf"(?:all |every |some )?{_PERSON}\b(?!['’])",
    r"\b(?:hurt|harm|kill|cut|starve) (?:himself|herself|themselves)\b",
    r"\b(?:take|taking|hold|holding|keep|keeping) (?:[\w'-]+ ){1,3}hostage\b", r"\b(?:plan|planning|cause|causing)"
    r" (?:someone's|somebody's|a person's|my [\w-]+'s|his|her|their) (?:death|murder|disappearance)\b",
    r"\b(?:dead bod(?:y|ies)|a corpse|dead baby)\b",
    rf"\bwhy (?:should|must|shouldn't|would it be (?:best|better|right) if we|is it (?:best|right|better) (?:for|that"
    rf"|if))\b[^.?!]{{0,30}}?\b{GROUPS} (?:\w+ )?(?:not |never |be |have |get |lose |go |stay )",
    rf"\breasons? why\b[^.?!]{{0,40}}?\b{GROUPS} (?:should|must|ought|deserve|do not deserve|don't deserve)\b",
    r"\b(?:someone's|somebody's|a person's|a human's|an? (?:[\w-]+ )?(?:child|kid|baby|man|woman|girl|boy)'s"
    r"|my [\w-]+'s|his|her) (?:face|head|skull|spine|sternum|neck|legs?|arms?|throat|bones?|ribs|jaw|teeth|eyes?"
    r"|arter(?:y|ies)|chest|kidneys?)\b",
    r"\b(?:pierce|cut|slit|puncture|sever)\w* (?:my|your) (?:own )?(?:arter(?:y|ies)|veins?|wrists?|throat)\b",
    r"\bwithout (?:getting|being) (?:caught|detected|traced|arrested|identified)\b",
    r"\b(?:look|looks|seem|seems) like an? (?:accident|suicide|natural death)\b",
    r"\b(?:dangerous|deadly|lethal|weaponi[sz]ed) (?:pathogens?|viruses|bacteria|chemicals?|gas(?:es)?"
    r"|substances?)\b", r"\b(?:antibiotic[- ]resistant|resistant to antibiotics)\b",
    r"\b(?:start|set) (?:a )?fires? (?:in|at|to) (?:a|an|the|my|someone's|his|her|their)\b",
    r"\b(?:cut|disable|tamper with|sabotage) (?:[\w'’]+ ){0,2}brakes\b",
    r"\b(?:violent )?gangs?\b(?= (?:\w+ )?(?:recruit|violence|initiation))|\brecruit\w* (?:\w+ ){0,3}into "
    r"(?:a |the )?(?:violent )?(?:gang|cult|terror\w*|extremis\w*)",
    r"\btrick\w* (?:\w+ ){0,3}into (?:giving|sending|paying|transferring|revealing|handing)\b",
    r"\b(?:murder|assassination|kidnapping|massacre|genocide|ethnic cleansing|human trafficking"
    r"|sex trafficking)\b",
    # crime and fraud
    r"\blaunder(?:ing)?\b", r"\bcounterfeit\b", r"\bforg(?:e|ed|ing|ery) (?:a |an |the )?(?:[\w'’]+ )?"
    r"(?:documents?|passports?|ids?|signatures?|checks?|cheques?|prescriptions?|certificates?|diplomas?)",
    r"\bfake (?:ids?|passports?|documents?|news|reviews?|charity|invoices?|identit(?:y|ies)|accounts?"
    r"|profiles?|prescriptions?|degrees?|doctor'?s? notes?|bank accounts?|online stores?)\b",
    r"\b(?:fraud(?:ulent)?|scam(?:s|ming)?|ponzi|pyramid scheme|embezzl\w*|extort\w*|blackmail\w*"
    r"|bribe\w*|smuggl\w*|traffick\w*|shoplift\w*|burglar\w*|arson|insider trading|tax evasion"
    r"|evade (?:paying )?taxes|identity theft|phishing|catfish\w*|sextort\w*)\b",
    r"\bsteal(?:s|ing)?\b", r"\b(?:sell|selling|buy|buying|fence|fencing|launder|laundering|use|using)"
    r" (?:\w+ ){0,2}stolen\b", r"\bfalsif\w*", r"\bhack(?:s|ed|ing)? into\b",
    r"\bexploit(?:s|ing)? (?:a |the |these |known |unpatched )?(?:\w+ )?vulnerabilit",
    r"\bvirus(?:es)? (?:that|which|to) (?:\w+ ){0,3}?(?:infect|disable|spread|steal|encrypt|damage|destroy|delete)",
    r"\b(?:sell|selling|buy|buying|deal|dealing|smuggle|smuggling|get|getting|obtain|score|abuse|abusing)"
    r" (?:\w+ )?(?:drugs|weed|marijuana|marihuana|cannabis|ecstasy(?: pills)?|crack|coke|molly|acid|shrooms)\b",
    r"\b(?:make|making|cook|cooking) (?:\w+ )?crack\b", r"\brob(?:bing|bery)? (?:a|the|my|someone|people)\b",
    r"\b(?:break|breaking|broke) into (?:a |an |the |my |someone's |somebody's |his |her |their |people's )"
    r"(?:[\w'’]+ )?(?:house|home|car|apartment|flat|building|account|email|phone|computer|safe|vault|store|shop"
    r"|office|school|network|system|server|database|atm|locker|wifi|wi-fi|router|camera)s?\b",
    r"\bhotwir", r"\bpick (?:a |the )?lock\b(?! (?:of my own|on my own))",
    # cyber
    r"\b(?:malware|ransomware|keyloggers?|spyware|stalkerware|rootkits?|botnets?|trojans?|worms? that"
    r"|computer virus(?:es)?|backdoors?|ddos|denial[- ]of[- ]service|credential stuffing|brute[- ]force"
    r"|zero[- ]day)\b",
    r"\bhack(?:ing)? (?:into )?(?:a|an|the|my|someone's|somebody's|his|her|their|people's|government"
    r"|bank|corporate|school)\b",
    r"\b(?:crack|bypass|disable|defeat|get around) (?:a |an |the |someone's )?(?:\w+ )?(?:passwords?"
    r"|authentication|2fa|two-factor|drm|paywall|license check|security (?:system|cameras?)|alarms?"
    r"|breathalyzer|ankle monitor)\b",
    r"\b(?:dox+|swat) (?:someone|a |the |him|her|them|my)\b",
    r"\b(?:stalk|spy on|track|monitor|surveil|follow) " + _PERSON
    + r"(?:'s)?(?: \w+)?(?:'s)? ?(?:phone|location|messages|texts|emails|movements|whereabouts|without)?",
    r"\bwithout (?:his|her|their|my \w+'s) (?:knowledge|consent|permission)\b",
    r"\b(?:harass|bully|threaten|intimidate|humiliate|blackmail|stalk|dox|terrori[sz]e|groom|insult"
    r"|shame|mock|ridicule|demean|belittle)\w* (?:someone|somebody|a |an |the |my |his |her |their |people|him"
    r"|them|minors|children|kids|teenagers)", r"\b(?:harassment|bullying|cyberbullying|intimidation) (?:of|against)\b",
    r"\b(?:derogatory|foul language|degrading)\b",
    r"\b(?:death threats?|threatening (?:messages?|letters?|notes?|emails?)|defamatory|libel\w*|slander\w*"
    r"|(?:spread|start)(?:ing)? (?:a |the )?rumou?rs?)\b",
    r"\billegal(?:ly)?\b", r"\bblack market\b", r"\bsabotag\w*", r"\bcause (?:harm|damage|pain|injur)",
    r"\bpirat(?:e|ed|ing) (?:software|movies?|films?|music|games?|content|books?)\b", r"\btorrent",
    r"\b(?:sql injection|sqli|xss|reverse shell|web shell|privilege escalation|remote code execution"
    r"|exfiltrat\w*|obfuscat\w* (?:malware|payloads?|code|the virus)|evade (?:anti-?virus|detection|edr|waf))",
    r"\bdrunk driving|drive (?:a car )?(?:drunk|while (?:drunk|high|intoxicated))\b",
    # hate, disinformation, defamation
    r"\b(?:racist|sexist|homophobic|antisemitic|anti-semitic|islamophobic|transphobic|misogynistic|xenophobic)"
    r" (?:jokes?|slurs?|posts?|messages?|propaganda|rant|speech|content|remarks?|emails?|letters?|notes?|tweets?"
    r"|comments?|articles?|essays?|poems?|songs?|ads?|insults?)\b", r"\bhate speech\b", r"\bslurs?\b",
    r"\bpropaganda\b", r"\b(?:dis|mis)information\b", r"\bconspiracy theor", r"\bhoax\b",
    r"\bfalse(?:ly)? (?:claims?|information|stor(?:y|ies)|rumou?rs?|accusations?|allegations?|evidence"
    r"|alibi|report|claiming|accus\w+)\b", r"\b(?:defam\w+|smear campaign|discredit)\b", r"\bdeepfakes?\b",
    r"\bimpersonat\w+", r"\b(?:are|as|being) (?:genetically |racially )?(?:inferior|subhuman|vermin|parasites)\b",
    # sexual exploitation, self-harm, abuse
    r"\b(?:child|underage|minor|preteen|teen) (?:porn|nudes?|sex|sexual)\w*", r"\bcsam\b",
    r"\b(?:explicit|erotic|pornographic|graphic sex\w*|sexually explicit)\b", r"\brevenge porn\b",
    r"\bsnuff (?:films?|videos?|movies?)\b", r"\bhate mail\b", r"\bvitriol\w*",
    r"\bin (?:graphic|gory|gruesome|vivid|explicit) detail\b",
    r"\bglorif\w* (?:\w+ ){0,2}(?:violence|terror\w*|nazis?|the nazi party|genocide|the holocaust|self-harm"
    r"|anorexia|bulimia|suicide|war crimes?|(?:mass |school )?shootings?|shooters?|massacres?|slavery|rape)\b",
    r"\b(?:encourag|promot|persuad|convinc)\w* (?:\w+ ){0,5}(?:anorexia|bulimia|self-harm|suicide|eating"
    r" disorders?|drug use|binge drinking|violence|terror\w*|extremis\w*|huff\w*|starv\w*|reckless driving"
    r"|drunk driving|dangerous driving)\b",
    r"\bposing as (?:an? |the )?(?:\w+ )?(?:expert|doctor|nurse|official|police|officer|bank|lawyer|scientist)",
    r"\bget(?:ting)? high\b(?![-\w])(?! (?:scores?|marks|grades|rankings?|quality|returns?|yields?)\b)",
    r"\bundetected\b", r"\bransom\b", r"\bradicali[sz]\w*",
    r"\b(?:confidential|private|someone's|a person's) (?:medical|health|criminal|bank|financial) records\b",
    r"\bskimm(?:ing|ers?)\b", r"\b(?:copyrighted|pirated) (?:\w+ )?(?:music|movies?|films?|software|books?"
    r"|content|material|games?)\b", r"\b(?:get around|bypass|fake|lie about|cheat) (?:\w+ )?age verification\b",
    # more of the same kinds, general wording refined on the training sources' left-out misses
    r"\bcyber-? ?attacks?\b", r"\bcomputer worms?\b", r"\bweapons? of mass destruction\b", r"\bweapons?-grade\b",
    r"\benrich\w* uranium\b",
    r"\bhijack\w* (?:a |an |the |someone's |[\w'’-]+ ){0,3}(?:car|plane|aircraft|vehicle|account|computer|system"
    r"|bus|truck|ship|drone|flight)s?\b",
    r"\bmanipulat\w* (?:[\w-]+ ){0,2}(?:stocks?|stock (?:prices?|markets?)|financial markets?|markets?|share prices?"
    r"|elections?|voters?|(?:customer )?ratings|reviews)\b",
    r"\b(?:bypass|circumvent|defeat|get around|evade) (?:\w+ ){0,3}(?:security (?:measures|controls|systems?"
    r"|features?)|protections?|safeguards|drm|digital rights management|copy protection|waf|waf rules"
    r"|web application firewalls?|input validation|content filters?)\b",
    r"\b(?:steal\w*|leak\w*|exfiltrat\w*|sell\w*) (?:\w+ ){0,2}(?:confidential|sensitive|classified|private|personal)"
    r" (?:data|information|documents|files|records|photos?)\b",
    r"\b(?:access\w*|into|obtain\w*) (?:\w+ ){0,4}without (?:\w+ )?(?:authori[sz]ation|permission|consent)\b",
    r"\bincit\w* (?:\w+ ){0,3}(?:violence|hatred|hate|riots?|chaos|panic|unrest|terror\w*|genocide|attacks?)\b",
    r"\b(?:mislead|deceiv)\w* (?:\w+ ){0,2}(?:consumers|customers|voters|investors|the public|people|patients"
    r"|readers)\b",
    r"\b(?:promot|encourag|glorif)\w* (?:\w+ ){0,3}(?:steroids|performance-enhancing drugs)\b",
    r"\beliminat\w* of (?:a |an |the |all )?(?:[\w-]+ )?(?:minorit(?:y|ies)|groups?|races?|people|population)\b",
    r"\b(?:slash|puncture|key|vandali[sz]e|wreck|torch|smash)\w* (?:[\w'’-]+ ){0,2}(?:car|tires|tyres|house"
    r"|property|windows?|windscreen|windshield)s?\b",
    r"\b(?:smash|destroy|demolish|wreck|torch|burn down|vandali[sz]|damag|sabotag|trash)\w* (?:[\w-]+ ){0,2}"
    r"(?:someone's|somebody's|[\w-]+'s|his|her|their) (?:[\w-]+ )?(?:car|house|home|motorbike|motorcycle|bike"
    r"|truck|van|apartment|flat|shop|store|office|boat|property)s?\b",
    r"\b(?:make|cause|get) (?:a |an |the |his |her |their |my |someone's |[\w-]+'s )(?:[\w-]+ )?(?:car|house|building"
    r"|phone|battery|plane|train|bus|truck|tank|boiler|gas line|pipeline)s? (?:to )?(?:explode|blow up|catch fire"
    r"|crash)\b",
    r"\bcommit(?:ting)? (?:a |an )?(?:armed )?(?:crimes?|treason|fraud|arson|murder|genocide|terrorism|perjury"
    r"|a felony|felonies|war crimes|robbery|burglary|assault|rape|kidnapping)\b",
    r"\b(?:replicat|repeat|recreat|carry out|carrying out|stage|staging)\w* (?:[\w/-]+ ){0,4}(?:terror\w* )?"
    r"(?:attacks?|bombings?|bombs?|massacres?|shootings?)\b",
    r"\bbomb(?:ing|s)? (?:a|an|the) (?:[\w-]+ ){0,2}(?:base|building|school|church|mosque|synagogue|temple|embassy"
    r"|station|airport|city|village|crowd|market|office|plane|train|bus|stadium|hospital)s?\b",
    r"\b(?:paedo|pedo)phil\w*",
    r"\b(?:restor|reinstat|bring(?:ing)? back|enforc|justif|promot|encourag)\w* (?:[\w-]+ ){0,3}(?:discrimination"
    r"|segregation|apartheid|slavery)\b",
    r"\b(?:was|were) (?:a |an )?(?:complete |total )?(?:fabrication|lie|myth)\b",
    r"\bdrive (?:\w+ ){0,3}(?:if|when|while|after) (?:i'm|i am|i've been|i have been) (?:drunk|high|intoxicated"
    r"|drinking)\b",
    r"\b(?:prescription (?:drugs|pills|medications?)|opioids|benzos|painkillers|adderall|xanax) recreationally\b",
    r"\b(?:escap|break(?:ing)? out)\w* (?:from |of )?(?:a |the )?(?:prison|jail|correctional facility|custody)\b",
    r"\b(?:evad|outrun|flee|lose|losing)\w* (?:from )?(?:the )?(?:police|cops|law enforcement)\b",
    r"\bexploit\w* (?:the )?(?:vulnerable|elderly|poor|homeless|disabled|lonely) (?:people|populations?|adults|users"
    r"|customers|individuals|workers)\b",
    r"\b(?:weapons?|guns?|firearms?) (?:\w+ ){0,2}(?:with|on|using) a 3d[- ]printer\b",
    r"\b(?:mistreat|maim|cripple|disable|torture|abuse|poison)\w* (?:a |an |the |my |some )?(?:\w+ )?animals?\b",
    r"\bbuyers? for stolen\b", r"\bthreats? (?:i|we|you) (?:can|could|should) (?:make|send|post)\b",
    r"\b(?:damage|ruin|destroy|tarnish)\w* (?:\w+ ){0,3}reputation\b",
    r"\b(?:overwhelm|flood)\w* (?:a |the |their |his |her |someone's |a competitor's )?(?:[\w-]+ ){0,2}(?:website"
    r"|site|server|network|inbox|phone line|page|feed|forum|channel)s?\b",
    r"\bsilenc\w* (?:\w+ ){0,2}(?:whistle-?blowers?|witness(?:es)?|journalists?|critics|dissidents|victims?)\b",
    r"\buntraceabl[ey] (?:purchas\w*|payments?|money|transactions?|funds)\b",
    r"\b(?:creat|writ|distribut|spread|develop|build|releas)\w* (?:and \w+ )?(?:a )?(?:computer )?virus(?:es)?\b",
    r"\btheft of\b", r"\bhacking of\b", r"\bobscene\b",
    r"\b(?:harass(?:es|ing)?|cyberbull\w*|bull(?:y|ies|ying)) (?:and \w+ )?(?:individuals|users|people|others"
    r"|victims)\b",
    r"\b(?:make (?:it|the fire|a fire|the flames) spread|(?:fires?|flames) (?:\w+ ){0,3}spread (?:quickly|fast"
    r"|rapidly))\b",
    r"\bexploits? (?:\w+ ){0,4}(?:against|to (?:attack|hack|break into|compromise|take (?:over|control)))\b",
    r"\btake control of (?:a |an |the |someone's |their )?(?:\w+ )?(?:system|computer|server|network|device"
    r"|car|account)s?\b",
    r"\b(?:dehydrat|starv|purg)\w* myself\b", r"\bget(?:ting)? drunk (?:faster|quicker|quickly)\b",
    rf"\b{GROUPS}(?: in [\w ]{{1,20}}?)? (?:are|is|were) (?:\w+ ){{0,5}}(?:terrorists|criminals|rapists|thieves"
    r"|inferior|subhuman|vermin)\b",
    r"\bhide (?:\w+ ){0,2}(?:drug use|evidence|bruises|injuries|cuts|scars|self-harm)\b",
    r"\b(?:pass|cheat|beat|fool) (?:a |the )?(?:drug|urine) tests?\b",
    r"\b(?:make|send|write|post|leave)\w* (?:\w+ ){0,3}threats?\b", r"\bgossip\b",
    r"\bhit[- ]and[- ]run\b", r"\b(?:caus|creat|spread)\w* (?:mass )?(?:chaos|panic)\b",
    r"\bdisrupt\w* (?:\w+ ){0,2}(?:transportation|transport|power grids?|infrastructure|water supply|emergency"
    r" services|air traffic|elections?)\b",
    r"\b(?:corrupt|destroy)\w* (?!(?:my|our) )(?:\w+ ){0,3}(?:hard drives?|files|data|computers?|systems?|networks?)\b",
    r"\bwithout eating\b", r"\b(?:less|fewer) than \d+ calories\b", r"\bstarv(?:e|ing|ation)\b",
    r"\b(?:drink|drinking|ingest\w*|inject\w*|swallow\w*) (?:\w+ ){0,2}(?:bleach|ammonia|antifreeze|chlorine"
    r" dioxide|lighter fluid|gasoline|petrol)\b",
    r"\b(?:pressur|coerc|manipulat|guilt[- ]trip|forc)\w* (?:\w+ ){0,3}into\b",
    rf"\bjokes? (?:about|on|mocking|making fun of) {GROUPS}", r"\bfalse (?:narratives?|reports?|negative reviews?)\b",
    # more of the same kinds: hate, deception, illegal trade, weapons, drugs, sexual exploitation, privacy
    r"\b(?:inherently|genetically|naturally|biologically) (?:inferior|less intelligent|stupider|more violent"
    r"|criminal|superior)\b", r"\bless intelligent than\b", r"\b(?:racial|ethnic) (?:slurs?|purity|cleansing)\b",
    r"\bwhite (?:supremac\w*|power|nationalis\w*)\b", r"\bmaster race\b", r"\bneo-?nazi\w*",
    r"\b(?:vaccines?|5g|chemtrails?|fluoride) (?:cause|causes|caused|are causing|is causing)\b",
    r"\b(?:elections?|votes|ballots?) (?:(?:was|were|is|are|got) )?(?:rigged|stolen)\b",
    r"\b(?:never happened|was a hoax|were a hoax|was staged|were staged|was faked)\b",
    r"\b(?:fake|fabricated|made-up|invented) (?:quotes?|evidence|statistics|studies|sources|citations|court cases?"
    r"|testimonials?|screenshots?|receipts?|medical records?)\b",
    r"\bchop shops?\b", r"\b(?:elephant )?ivory\b", r"\bendangered (?:species|animals)\b", r"\bpoach\w*",
    r"\b(?:evade|dodge|avoid paying|get out of paying) (?:\w+ )?(?:taxes|tax|customs|duties|tolls|child support"
    r"|fines?)\b", r"\bmoney mules?\b", r"\bkickbacks?\b",
    r"\b(?:unemployment|insurance|welfare|benefits?|medicare|medicaid|tax|mortgage|wire|credit card|bank|loan)"
    r" (?:fraud|scams?)\b",
    r"\b(?:convert|modify|modifying|converting) (?:[\w-]+ ){0,3}(?:to|into) (?:full[- ]auto|fully automatic|automatic"
    r" fire)\b", r"\b(?:make|making|build|building|manufactur\w*) (?:\w+ ){0,2}?(?:ammunition|ammo|bullets"
    r"|gunpowder|black powder|firearms?|guns?|a taser|tasers?|napalm|thermite)\b",
    r"\b(?:bypass|avoid|get around|skip|evade) (?:\w+ )?(?:background checks?|waiting periods?|gun laws)\b",
    r"\b(?:hide|hiding|conceal|concealing|smuggle|smuggling|sneak|sneaking) (?:\w+ ){0,3}(?:weapons?|guns?"
    r"|knife|knives|firearms?|explosives?|drugs) (?:into|onto|past|through|on|at|in)\b",
    r"\b(?:make|making|manufactur\w*|synthesi[sz]\w*|produc\w*|extract\w*|cultur\w*|isolat\w*|weaponi[sz]\w*"
    r"|grow\w*|cook\w*|brew\w*) (?:\w+ ){0,3}?(?:\w*toxins?|pathogens?|nerve agents?|blister agents?"
    r"|chemical (?:warfare )?agents?|poisonous gas|toxic gas|mustard gas|chlorine gas|phosgene|cyanide|arsenic"
    r"|strychnine|lewisite|spores)\b",
    r"\b(?:grow|growing|cultivat\w*) (?:\w+ )?(?:cannabis|marijuana|weed|opium|poppies|psilocybin"
    r"|magic mushrooms)\b",
    r"\b(?:buy|buying|get|getting|obtain\w*|order\w*) (?:\w+ ){0,2}?(?:xanax|oxycodone|oxycontin|percocet"
    r"|adderall|opioids?|benzos?|codeine|steroids|ketamine|psilocybin|painkillers|prescription (?:drugs|pills"
    r"|medications?))\b", r"\bwithout (?:a |any )?prescription\b",
    r"\b(?:nude|naked|intimate) (?:photos?|pictures?|images?|videos?) of (?:my|her|his|a|an|someone|somebody"
    r"|people|the|this|that)\b", r"\bsexual (?:favou?rs?|acts?|content|stor(?:y|ies)|scenes?|fantas(?:y|ies)"
    r"|roleplay|role-play|messages?|images?)\b", r"\bsext\w*", r"\b(?:prostitut\w+|escort services?"
    r"|sex work(?:ers?)?)\b",
    r"\b(?:overdose|od) on\b", r"\bhang(?:ing)? myself\b", r"\beating disorders?\b",
    r"\bpurg(?:e|ing)\b(?! (?:old|the|stale|cache|logs?|files?|data|records|queues?|messages"
    r"|css|\w+ files))",
    r"\b(?:home )?address(?:es)? of (?:my|a|an|this|that|the|someone|somebody|her|his)\b",
    r"\b(?:find|get|locate|track down|look up) (?:\w+ ){0,2}?(?:where (?:\w+ ){1,3}lives|someone's|somebody's"
    r"|a person's|my ex's|her|his) (?:\w+ )?(?:address|location|phone number|home|whereabouts)\b",
    r"\bhidden cameras?\b", r"\bspy(?:ing)? on\b",
    # a tracker or a tracking or spying app put on another person's phone, car or bag
    r"\b(?:gps |location |hidden |tracking |spy )?(?:trackers?|tracking (?:apps?|devices?|software)|spy apps?"
    r"|airtags?)\b (?:\w+ ){0,3}?(?:on|in|into|to|under) (?:[\w'-]+ ){0,2}?(?:[\w-]+'s|his|her|their)"
    r" (?:[\w-]+ )?(?:phone|car|laptop|computer|bag|purse|coat|bike|tablet)",
    r"\b(?:crack|bypass|brute[- ]force|break) (?:\w+ ){0,2}?(?:wifi|wi-fi|wpa2?|login|account|accounts)\b",
    r"\b(?:deface|take down|knock offline|crash) (?:a |the |their |his |her |someone's |a competitor's )?"
    r"(?:\w+ )?(?:website|site|server|network)\b",
    r"\b(?:scrap(?:e|es|ed|ing)|harvest\w*|collect\w*|steal\w*) (?:\w+ ){0,3}(?:email addresses|personal data"
    r"|personal information"
    r"|phone numbers|user data|social security numbers)\b",
    r"\b(?:multiple|fake|bot|sock ?puppet) (?:\w+ )?accounts\b",
    r"\b(?:hurt|torture|kill|poison|abuse|starve|drown|beat)\w* (?:a |my |the |our |his |her |their "
    r"|my neighbou?r's |someone's )?(?:\w+ )?(?:dog|cat|pet|puppy|kitten|horse)s?\b",
    r"\bnon-?consensual\b", r"\b(?:rape|molest\w*|grope|upskirt\w*)\b",
    r"\bsuicid\w*", r"\bself[- ]harm\w*", r"\b(?:cut|starve|hurt|kill) myself\b", r"\bpro-?ana\b",
    r"\banimal (?:cruelty|abuse|fights?)\b", r"\b(?:dog|cock)fight",
    r"\b(?:cheat on|cheating on) (?:an? |the |my )?(?:\w+ )?(?:exams?|tests?|taxes)\b", r"\bplagiari[sz]",
]), re.IGNORECASE)

# Technical and everyday senses that read like harm: removed before looking for a harm object.
_BENIGN_SENSES = re.compile(words([
    r"\b(?:kill|killing|terminate|attack|execute|executing|shoot|shooting|exploit|exploiting|crack"
    r"|cracking|hack|hacking|poison|poisoning|inject|injecting|bomb|bombing|nuke) (?:a |an |the |all |this "
    r"|that |my |our |its |every |any |stale |zombie |child |background |orphan(?:ed)? |hung |running "
    r"|idle |arbitrary |python |sql |shell |unix |linux )*(?:process(?:es)?|threads?|jobs?|tasks?"
    r"|sessions?|containers?|pods?|programs?|apps?|applications?|services?|daemons?|signals?|plans?|orders?"
    r"|trades?|contracts?|wills?|leases?|subscriptions?|accounts?|instances?|loops?|requests?"
    r"|commands?|statements?|code|queries|query|scripts?|functions?|servers?|connections?|workers?|loops?"
    r"|the lights|photos?|pictures?|videos?|films?|scenes?|movies?|hoops|baskets?|goals?|emails?|a ball"
    r"|interviews?|cache|dns cache|arp cache|the cache|tests?|tables?|indexes|database|kernel|puzzles?"
    r"|riddles?|codes?|eggs?|nuts?|knuckles?|jokes?|the market|problems?|opportunit(?:y|ies)|weaknesses"
    r"|vulnerabilit(?:y|ies) in my own)\b",
    r"\b(?:attack|threat) (?:surface|vectors?|model(?:s|ling|ing)?|trees?)\b",
    r"\bkill (?:it|time|the (?:engine|mood|pain|weeds?|bacteria|germs|mold|mould|pests?|fleas?|ants?"
    r"|roaches|lights?))\b",
    r"\b(?:fork|logic|zip|photo|bath|smoke|seed|calorie|flavou?r|glitter|box[- ]office|chocolate|cocoa"
    r"|cake|cherry|f-|truth|love|cinnamon) bombs?\b",
    r"\bbomb-?proof\b", r"\ba murder of crows\b",
    r"\bfood poisoning\b", r"\bpoison ivy\b", r"\bpoison control\b", r"\bcache poisoning\b",
    r"\bthread[- ]safe\b", r"\bsteal(?:ing)? (?:the show|a glance|a kiss|a base|bases|the spotlight"
    r"|(?:someone's|somebody's|my|his|her|their|your) heart)\b",
    r"\bbrute[- ]force (?:search|approach|solution|algorithm|method)\b",
]), re.IGNORECASE)


# Operational detail: in a game or a story, harm is evidence only when these are asked for, as they are when a
# story is a wrapping ("the chemist explains, with exact quantities and every step, how to ...").
_OPERATIONAL_DETAIL = re.compile(r"\b(?:step[- ]by[- ]step|every step|exact|exactly|precise|precisely|specific"
                                 r"|detailed|in (?:full )?detail|quantities|measurements|ingredients|recipe"
                                 r"|real[- ]world|real (?:tools|instructions|steps|methods?|chemicals)"
                                 r"|(?:that|which) (?:would )?(?:actually )?works?|full (?:instructions|explanation"
                                 r"|recipe|method)|with the real)\b", re.IGNORECASE)

# A victim's side: the harm is done to the reader ("someone is blackmailing me", "we got hit by ransomware",
# "our mosque received threatening letters", "my partner has been falsifying our books"). These spans are removed
# before looking for a harm object, like the technical senses: the harm they name is not what is asked for, while
# anything else in the text still counts ("Someone is blackmailing me. How do I hurt him?" is still evidence).
# Written as general wording of that side (refined on the written victims' questions of the training topics,
# `scripts/moderation_victims_train.csv`), never from the held-out topics or the shared sets.
_HARMED = re.compile(
    r"\b(?:blackmail|harass|stalk|threaten|bull(?:y|ie)|scamm|defraud|extort|abus|track|spy|spie|dox+|impersonat"
    r"|target|follow|groom|sextort|phish|hack)\w* (?:me|us)\b"
    r"|\b(?:hit|infected|targeted|compromised|breached|affected|victimi[sz]ed|attacked) (?:by|with) (?:an? |the "
    r"|some )?[\w-]+(?: [\w-]+)?"
    r"|\b(?:received|receiving|got|getting|get|gets|keep getting) (?:\w+ ){0,2}?(?:threat\w*|abusive|harass\w*"
    r"|scam\w*|phishing|blackmail\w*|hate mail)(?: [\w-]+)?"
    r"|\b(?:someone|somebody|a stranger|he|she|they|my [\w-]+(?: [\w-]+)?|our [\w-]+) (?:is|are|was|were|has been"
    r"|have been|keeps?|kept) (?:\w+ )?\w+ing (?:me|us|my|our|to (?:post|share|publish) my)\b(?: [\w-]+)?",
    re.IGNORECASE)

# A defender's side: the reader checks, contains, escalates or reports the harm ("check whether", "first steps",
# "after a breach", "call the police", "sue", "tell hate speech from debate"); part of `_DEFENSIVE` below, written
# and refined as `_HARMED`.
_DEFENDER = (r"|\b(?:did|done|do|does|doing) (?:it|this|that) to (?:me|us|my \w+|our \w+)\b"
             r"|\b(?:check|know|find out|see|verify|confirm) (?:if|whether)\b|\bam i being\b"
             r"|\bis (?:this|it|that) (?:a |an )?(?:scam|fraud|real|legit\w*|abuse|a crime|crime|stalking|harassment"
             r"|grooming|trafficking|phishing|blackmail)\b"
             r"|\bincident (?:response|responders?|reports?|team)\b"
             r"|\b(?:security|cyber|malware|ransomware) incidents?\b"
             r"|\bresponders?\b|\bindicators? of compromise\b|\bfirst steps\b"
             r"|\bafter (?:a |an |the |this |that |our |my )?(?:\w+ )?(?:breach|attack|incident|intrusion|infection"
             r"|outbreak|leak)\b"
             r"|\bcontain(?:ing)? (?:a |an |the )?(?:\w+ )?(?:worm|infection|outbreak|breach|attack|incident|spread)\b"
             r"|\b(?:work with|call|tell|contact|inform|go to|talk to) (?:the )?(?:police|authorities|school|hr"
             r"|bank|a lawyer|my lawyer|a counsell?or|a doctor)\b|\bsue\b|\bescalat\w*|\b(?:hot|help)lines?\b"
             r"|\bsupport (?:groups?|services?|for (?:victims|survivors|families))\b|\bsurvivors?\b"
             r"|\bconfront\w*|\bdistinguish\w*|\btell (?:\w+ ){1,4}from\b|\bdifference between\b"
             r"|\bwithout (?:amplifying|spreading|promoting|sharing|sensationali[sz]ing) (?:it|them|this)\b"
             r"|\b(?:fall|falling|fell) for\b|\bbefore (?:sending|paying|transferring|signing)\b"
             # a worried relative, friend or colleague: "I suspect my son is ...", "we think our daughter ..."
             r"|\b(?:i|we) (?:suspect|fear|worry|think|believe|'m worried|am worried|'re worried|are worried"
             r"|'m concerned|am concerned) (?:that )?(?:my|our)\b")

# The reader (or the reader's family) was harmed: "my identity was stolen", "calls from scammers".
_VICTIM = (r"(?:was|were|been|got|gets|get|being|is|are) (?:\w+ )?(?:stolen|hacked|scammed"
           r"|defrauded|phished|robbed|attacked|poisoned|threatened|stalked|harassed|doxx?ed"
           r"|blackmailed|extorted|kidnapped|abused|assaulted|bullied|groomed)|from (?:\w+ )?scammers")

# A defensive purpose: learning to recognise, prevent or report harm is not a request for help with it.
# How something works, spreads or happened, asked by no one who means to do it ("Explain how a Ponzi scheme
# works", "How do hackers crack passwords?" is still asked of a method, by a third party, so it stays evidence
# only when the asker or a stand-in does it).
_INFORMATIONAL = (r"|\bhow (?!to\b|(?:do|can|could|would|should|might) (?:i|we|you|one|someone|somebody|anyone)\b)"
                  r"(?:[\w-]+ ){1,4}(?:works?|worked|happens?|happened|spreads?|affects?|affected|evolved"
                  r"|(?:is|are|was|were) (?:used|detected|caught|investigated|prosecuted))\b"
                  r"|\b(?:remov\w*|clean\w*|get rid of) (?:\w+ ){0,2}(?:malware|virus(?:es)?|spyware|stalkerware"
                  r"|ransomware|keyloggers?|trojans?|rootkits?|adware) (?:from|on|off)\b"
                  # the reader's own things: "bypass the login on my own router"
                  r"|\b(?:my|our) own (?:[\w'’-]+ ){0,2}(?:accounts?|computers?|laptops?|phones?|networks?|routers?"
                  r"|websites?|servers?|devices?|intranet|systems?|wifi|wi-fi|data|files|software|apps?)\b"
                  # a defender's aim: stopping or withstanding an attack
                  r"|\b(?:stop|block|mitigat|thwart|withstand|resist|harden)\w* (?:\w+ ){0,3}(?:attacks?|attackers"
                  r"|brute[- ]force|phishing|malware|ransomware|spam|scams?|fraud|hackers|intrusions?|ddos)\b")

_DEFENSIVE = re.compile(r"\b(?:" + _VICTIM + r"|warn\w*|alert (?:staff|employees|users|customers|people)"
                        r"|recover\w*|insurance"
                        r"|protect(?:s|ing|ed|ive|ion)?\b|defend\w*|prevent\w*|detect\w*"
                        r"|spot|spotting|recogni[sz]e\w*|(?<!false )(?<!fake )report|reporting|warning signs"
                        r"|(?<!hide )(?<!hide the )(?<!hiding )(?<!conceal )signs of"
                        r"|safely(?! (?:make|manufacture|produce|synthesi[sz]e|build|cook|brew|mix))|safe from"
                        r"|stay safe"
                        r"|keep \w+ safe|combat\w*"
                        r"|awareness|identify(?:ing)?|avoid(?:ing)? (?:being|becoming|falling)|victims? of"
                        r"|history of|historically|dangers? of|risks? of|effects? of|impacts? of|consequences of"
                        r"|causes of|tell (?:if|whether)|explain what|what (?:a|an) \w+ (?:is|are)"
                        r"|what (?:is|are) (?:a|an) \w+"
                        r"|penalt(?:y|ies) for|laws? (?:on|against|about)|illegal to|is it (?:legal|illegal)"
                        r"|(?:story|poem|novel|tale|song|essay|summary|review|blurb|synopsis|plot|scene)"
                        r" (?:about|of|where|in which)"
                        r"|thriller|whodunit|legitimately)\b"
                        # the reader is the one harmed, or handles the harm as a victim or a defender would
                        + _DEFENDER + _INFORMATIONAL, re.IGNORECASE)


# Harm aimed at oneself: the block then carries the caring message, not the one for harm to others.
_SELF = re.compile(r"\b(?:suicid\w*|self[- ]harm\w*|(?:cut|starve|hurt|kill|hang|drown|poison) myself"
                   r"|overdos\w*|eating disorders?|pro-?ana|without eating|starv(?:e|ing|ation)"
                   r"|(?:less|fewer) than \d+ calories)\b",
                   re.IGNORECASE)


def harmful_help_asked(text: str) -> str | None:
    """'self_harm' or 'harmful' when a sentence of `text` (or two in a row) both asks for operational help and
    names a serious-harm object or act (in its harmful sense), outside a game, fiction or defensive context;
    else None. Evidence only: the harm classifier must agree (see the module docstring)."""
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    # Two sentences at a time: "The villain wants to poison his wife. How would he do it unnoticed?"
    for pair in [" ".join(sentences[k:k + 2]) for k in range(max(1, len(sentences) - 1))]:
        cleaned = _HARMED.sub(" ", _BENIGN_SENSES.sub(" ", pair))
        fiction = _FICTION.search(cleaned) and not _OPERATIONAL_DETAIL.search(cleaned)
        if _ASKS.search(cleaned) and _HARM.search(cleaned) and not fiction and not _DEFENSIVE.search(cleaned):
            return "self_harm" if _SELF.search(cleaned) else "harmful"
    return None


def asks_for_harmful_help(text: str) -> bool:
    """Whether `text` shows the evidence (see `harmful_help_asked`)."""
    return harmful_help_asked(text) is not None


# A victim's or defender's framing: harm done to the reader (`_HARMED`, `_VICTIM`), a purpose of protecting,
# recognising, reporting, removing or recovering, a defender's role ("as a moderator"), the reader's own details
# ("my address", "photos of me") or a question whether something done is a crime or abuse (`_DEFENDER`). Written
# as general wording of that side and refined on the training topics of the written victims' questions
# (`scripts/moderation_victims_train.csv`), never on the held-out topics or the shared sets.
_FRAMING = re.compile(
    _HARMED.pattern + r"|\b(?:" + _VICTIM + r")\b" + _DEFENDER
    + r"|\b(?:protect(?:s|ing)?|protected from|prevent\w*|detect(?:s|ed|ing)?|spot|spotting|recogni[sz]\w*"
    r"|report\w*|warning signs|signs (?:of|that)"
    r"|red flags|recover\w*|safely|safe from|stay(?:ing)? safe|keep (?:\w+ ){1,2}(?:safe|out)|avoid(?:ing)? (?:being"
    r"|becoming|falling)|victims? of|remov\w*|take (?:\w+ ){1,2}down|taken down|get (?:\w+ )?help|get (?:my|our)"
    r" money back|document(?:ing)?(?= (?:it|this|that|the|everything|what|each|incidents?)\b)|retaliat\w*"
    r"|(?:wasn't|was not|weren't) (?:me|us)|i never|tell (?:if|whether)"
    r"|(?:(?:is|was) (?:this|that|it)|it's|that's|this is)"
    r" (?:a |an )?(?:crime|abuse|illegal|legal|fraud|scam|retaliation|harassment)|illegal,|hate crimes?"
    r"|(?:abusive|violent|controlling) (?:\w+ )?(?:partner|husband|wife|relationship|ex|boyfriend|girlfriend"
    r"|parent|father|mother|home|carer)|support (?:do|for|from)|moderators?|legally|dispos(?:e|al)"
    r"|what (?:can|should) (?:i|we) do (?:if|when|about|after|now)"
    r"|what (?:can|should) (?:a|an|the|our|my|his|her|their) (?:[\w-]+ ){1,2}(?:do|say) (?:if|when|about|after)"
    r"|(?:can|could|will|would|should) (?:the )?(?:police|authorities|a lawyer|my bank|the bank|hr|the school)"
    r" (?:help|do|step in)|what (?:does|do) (?:the )?laws? say"
    r"|(?:fix|sort out|resolve|clear|undo|correct) (?:this|it|that|my|his|her|our)\b"
    r"|my (?:abuser|stalker|harasser|attacker|bully|blackmailer|abusive \w+)"
    r"|\bso (?:that )?(?:my|our) (?:[\w-]+ ){1,2}(?:can't|cannot|won't|don't|doesn't|do not|will not)"
    r"|how (?:can|do|should) (?:i|we) (?:help|support|talk to|approach|bring (?:it|this|that) up|respond|cope"
    r"|deal with))\b"
    # someone close to the reader, or in the reader's care, is in trouble: "my friend has been ...", "a pupil told me"
    r"|\b(?:my|our|a|one of my|one of our) (?:[\w-]+ )?(?:friends?|sons?|daughters?|child|children|kids?|teen\w*"
    r"|sisters?|brothers?|cousins?|nephews?|nieces?|grand\w+|mum|mom|dad|mother|father|parents?|pupils?|students?"
    r"|patients?|clients?|residents?|employees?|staff|colleagues?|coworkers?|co-workers?|members?|users?)"
    r" (?:is|are|was|were|has|have|had|seems?|seemed|might|may|could|keeps?|kept|told (?:me|us)|says?|said"
    r"|mentioned|admitted|confided)\b"
    r"|\bas an? (?:[\w-]+ ){0,2}(?:moderator|counsell?or|teacher|parent|nurse|doctor|librarian|auditor|manager"
    r"|researcher|analyst|officer|social worker|journalist|investigator|administrator|admin|hr|lawyer|carer"
    r"|coach|principal|pharmacist|therapist|volunteer)\b"
    # checking whether what reached the reader is real: "How do we verify it's genuine?"
    r"|\bverif(?:y|ied|ying|ication)\b|\b(?:genuine|authentic|legit(?:imate)?)\b"
    r"|\b(?:photos?|pictures?|images?|videos?|lies|rumou?rs?|posts?|information|details) (?:of|about) (?:me|us)\b"
    r"|\b(?:made|taken|posted|shared|created|spread) (?:of|about) (?:me|us)\b"
    r"|\bfrom (?:me|us)\b|\bmy (?:own )?(?:personal (?:information|details|data)|address|phone number"
    r"|identity|photos?|pictures?|images?|name|account|passport|card)\b",
    re.IGNORECASE)


# Not a victim's or defender's side whatever the framing: escaping detection or the consequences, hiding the
# signs, a false report (no victim or defender asks how not to be caught), or a deliverable asked for ("Write
# a blog post suggesting that the victims of ... deserved it", also in a polite wrapping): victims ask.
_NOT_VICTIM = re.compile(
    r"\b(?:getting|get|being|be) (?:caught|arrested|detected|traced|identified|noticed)\b"
    r"|\b(?:undetect|untraceabl|unnoticed|covertly|secretly)|(?<!report )(?<!report it )(?<!it )anonymously"
    r"|\bwithout (?:anyone|them|him|her|the police|my \w+) (?:knowing|noticing|finding out)"
    r"|\b(?:evad|avoid|escap|without|bypass|get(?:s|ting)? past|circumvent|fool|beat|pass)\w* (?:\w+ ){0,2}?"
    r"(?:detection|detectors?|security|inspection|protections?|checks?|scanners?)\b"
    r"|\b(?:hide|hiding|conceal\w*|cover(?:ing)? up) (?:\w+ ){0,2}(?:signs|evidence|traces|bruises|drug|injur\w*)"
    r"|\b(?:false|fake|fabricated|bogus) (?:reports?|claims?)\b"
    r"|^\W*(?:please )?(?:write|draft|compose|create|generate|produce|craft|design|develop|build|make|devise"
    r"|outline|list|describe|detail|give|provide|suggest|offer|instruct|tell me|teach|convince|persuade|publish"
    r"|post|spread)\b"
    r"|\b(?:can|could|would|will) you (?:please )?(?:write|draft|compose|create|generate|produce|craft|design"
    r"|develop|build|make|devise|outline|list|describe|detail|give|provide|suggest|offer|teach)\b"
    r"|\bi (?:need|want|would like) you to\b",
    re.IGNORECASE)


def _asks_and_names_harm(text: str) -> bool:
    """Any sentence on its own, or two in a row, that shows the evidence (`harmful_help_asked`) with fiction or
    a game cancelling nothing: the stricter test of its absence, so a defensive word in one sentence does not
    cancel a request for harm in the next."""
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    pieces = sentences + [" ".join(sentences[k:k + 2]) for k in range(len(sentences) - 1)]
    for piece in pieces:
        cleaned = _HARMED.sub(" ", _BENIGN_SENSES.sub(" ", piece))
        if _ASKS.search(cleaned) and _HARM.search(cleaned) and not _DEFENSIVE.search(cleaned):
            return True
    return False


def victim_side(text: str) -> bool:
    """Whether `text` is asked from a victim's or defender's side (`_FRAMING`) and shows no sign of asking for
    operational help with harm, not even one a defensive word would cancel: "My identity was stolen. How do I
    steal someone else's?" is not. The harm head then blocks only from its higher `victim_block_at`."""
    return bool(_FRAMING.search(text)) and not _NOT_VICTIM.search(text) and not _asks_and_names_harm(text)
