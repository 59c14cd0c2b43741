"""Rules for attacks on the assistant itself, in English, German, French, Spanish (and some Italian,
Portuguese and Dutch): instruction overrides (prompt injection), role-play escapes and "no rules" personas
(jailbreak), and requests for the hidden instructions (system prompt).

Patterns see cleaned, lower-cased, single-spaced text (see `normalize.clean`). They aim at the shape of
an attack ("ignore" + "previous/your/all" + "instructions"), not at particular sentences, and leave
ordinary uses of the same words alone ("ignore the instructions in section 2" is a question).
"""

from __future__ import annotations

from app.moderation.rules import Rule, rule, words

PI = "prompt_injection"
JB = "jailbreak"
SP = "system_prompt_request"

_ANY = r"(?:[\w'-]+ ){0,4}?"  # up to four filler words, lazily
_INSTRUCTIONS_EN = words([
    r"instructions?", r"prompts?", "rules", "directions", "directives", "orders", "commands", "guidelines",
    "tasks?", "assignments?", "programming", "training", "context", "constraints", "restrictions",
    r"polic(?:y|ies)", "messages", "conversation", "documents", "articles", "passages", "sources", "text",
])
_OVERRIDE_EN = words([
    "ignore", "ignoring", "disregard", "forget", "neglect", "pay no attention to", "do not follow",
    "don't follow", "stop following", "set aside", "discard", "override", "bypass", "skip",
])
_SCOPE_EN = words([
    "previous", "prior", "preceding", "earlier", "above", "former", "original", "initial", "foregoing",
    "all", "any", "every", "your", "system", "existing", "old", "given", "default", "developer",
])
_INSTRUCTIONS_DE = words([
    "anweisungen", "anweisung", "instruktionen", "befehle", "aufträge", "aufgaben", "regeln", "vorgaben",
    "ausführungen", "anordnungen", "richtlinien", "informationen", "dokumente", "artikel", "texte",
    "prompts?",
])
_INSTRUCTIONS_FR = words([
    "instructions?", "consignes?", "règles", "ordres", "directives", "tâches", "indications", "documents",
    "articles", "prompts?",
])
_INSTRUCTIONS_ES = words([
    "instrucciones", "indicaciones", "reglas", "órdenes", "ordenes", "directrices", "tareas", "documentos",
    "artículos", "articulos", "prompts?",
])
_REVEAL_EN = words([
    "show", "reveal", "print", "display", "output", "repeat", "tell", "give", "share", "write out",
    "write down", "write", "list", "leak", "dump", "recite", "spell out", "paste", "copy", "return",
    "provide", "expose", "disclose", "read back", "read out", "type out", "send", "translate",
])
_SECRET_PROMPT = words([
    r"system ?prompts?", r"system ?messages?", "initial prompt", "original prompt", "hidden prompt",
    "secret prompt", r"pre-?prompt", r"meta-?prompt", r"developer (?:message|prompt)", r"prompt[- ]?texts?",
    "initial instructions", "original instructions", "hidden instructions", "secret instructions",
    "system instructions", "internal instructions", "starting prompt", "base prompt",
])
# Where an imperative starts: the beginning, after punctuation, or after "and", "then", "but", "now".
_COMMAND_START = (
    r"(?:^|[.,!?:;] |\band |\bthen |\bbut |\bnow |\bjust |\bsimply )(?:now |just |only |simply |please )?"
)
_AI = r"(?:you|your|yourself|ai|a\.i\.|assistant|chatbot|bot|model|gpt|chatgpt|llm|language model|version)"
_MODES = words([
    "developer", "god", "jailbreak", "jailbroken", "unrestricted", "unfiltered", "uncensored", "evil",
    "opposite", "chaos", "dude", "sudo", "admin", "debug", "maintenance", "dan", "no-?limits?",
])
_LIMITS_EN = words([
    "restrictions", "limitations", "limits", "filters", "filtering", "censorship", "guidelines", "rules",
    "ethics", "morals", "morality", "boundaries", "safeguards", "principles",
    r"(?:ethical|moral|content|programming|safety) (?:guidelines|principles|boundaries|constraints|"
    r"polic(?:y|ies)|restrictions|filters|rules)",
])

RULES: tuple[Rule, ...] = (
    # --- prompt injection: overriding the instructions -------------------------------------------------
    rule(PI, "asks to ignore the assistant's instructions",
         rf"\b{_OVERRIDE_EN} {_ANY}{_SCOPE_EN} {_ANY}{_INSTRUCTIONS_EN}\b"),
    rule(PI, "asks to forget or ignore everything said before",
         r"\b(?:ignore|disregard|forget|neglect)(?: about)? (?:everything|anything|all (?:of )?(?:that|this"
         r"|it|the above|above|else)|all(?=[.,!:;]|$| and| you| we| before| previous| prior| from)|the above"
         r"|what (?:i|you|we) (?:said|wrote|told you|discussed|were told)|(?:what|everything) you (?:know"
         r"|were told|have been told))"),
    rule(PI, "asks to ignore the assistant's instructions (German)",
         rf"\b(?:ignorier(?:e|en sie)?|vergiss|vergessen sie|missachte(?:n sie)?|übergehe|beachte nicht"
         rf"|verwirf|überspringe) {_ANY}(?:alle|alles|sämtliche|vorherigen?|vorangehenden?|vorigen?"
         rf"|bisherigen?|obigen?|früheren?|deine|ihre|ursprünglichen?) {_ANY}{_INSTRUCTIONS_DE}\b"),
    rule(PI, "asks to forget everything said before (German)",
         r"\b(?:vergiss|vergessen sie|ignoriere|ignorieren sie) (?:einfach )?(?:alles|das alles"
         r"|alle(?=[.,!:;]|$| und))|\b(?:vorherigen?|vorangehenden?|vorigen?|bisherigen?|obigen?"
         r"|früheren?) (?:\w+ )?"
         rf"{_INSTRUCTIONS_DE} (?:zu )?(?:ignorieren|vergessen|missachten)"
         r"|\babweichend (?:zu|von) (?:den |deinen |ihren )?(?:vorherigen|obigen|bisherigen"
         r"|ursprünglichen) (?:instruktionen|anweisungen|vorgaben|regeln)"),
    rule(PI, "asks to ignore the assistant's instructions (French)",
         rf"\b(?:ignore[zr]?|oublie[zr]?|ne (?:tiens|tenez) (?:pas|plus) compte d[eu']s?|(?:fais"
         rf"|faites) abstraction d[eu']s?|néglige[zr]?) ?{_ANY}(?:toutes?|tous|les|tes|vos|précédentes?"
         rf"|antérieures?) {_ANY}{_INSTRUCTIONS_FR}\b|\boublie[zr]? tout\b"
         rf"|\bignore[zr]? tout ce qui (?:précède|a été dit)"),
    rule(PI, "asks to ignore the assistant's instructions (Spanish)",
         rf"\b(?:ignora[rn]?|ignore[ns]?|olvida[rn]?|olvide[ns]?|olvídate de|olvidate de|olvídese de"
         rf"|haz caso omiso (?:a|de)|no hagas caso (?:a|de)|descarta) {_ANY}(?:todas?|todos|las|los|tus|sus"
         rf"|anteriores|previas) {_ANY}{_INSTRUCTIONS_ES}\b|\b(?:olvida|olvide|ignora) (?:todo"
         rf"|lo anterior)\b"),
    rule(PI, "asks to ignore the assistant's instructions (Italian/Portuguese/Dutch)",
         r"\b(?:ignora|dimentica|ignorate|dimenticate) (?:tutte )?(?:le )?(?:istruzioni|regole|indicazioni)"
         r"|\bdimentica tutto\b|\b(?:ignore|ignora|esqueça|esqueca|esquece) (?:todas )?(?:as )?(?:suas "
         r"|tuas )?(?:instruções|instrucoes|regras) ?(?:anteriores)?|\besqueça tudo\b|\b(?:negeer"
         r"|vergeet) (?:alle )?(?:vorige |eerdere |voorgaande )?(?:instructies|regels|opdrachten)"
         r"|\bvergeet alles\b"),
    rule(PI, "announces new instructions or a new task",
         r"\b(?:your|the|deine|ihre|ta|votre|tu|su) (?:new|neue|nouvelle|nueva) (?:task|instructions?|goal"
         r"|objective|purpose|mission|role|aufgabe|anweisungen?|tâche|mission|tarea|instrucciones?)\b"
         r"|\bnew (?:instructions?|task|rules)\s?:|\b(?:focus|concentrate) (?:now )?on (?:your|the"
         r"|this) new task|\bkonzentrier(?:e|en sie) (?:dich|sich) (?:jetzt |nun )?auf (?:deine|ihre"
         r"|die) neue|\bneue (?:anweisungen?|aufgabe)\s?:|\bnouvelles? (?:instructions?|tâche)\s?:"
         r"|\bnuevas? (?:instrucciones|tarea)\s?:"),
    rule(PI, "asks for an answer from outside the documents",
         r"\b(?:answer|respond|reply|write|tell me|say)\b[^.?!]{0,40}\b(?:not|instead of|rather than"
         r"|without) (?:by|from|based on|using|with|in|looking at|relying on)? ?(?:the|these|those|your|any"
         r"|provided) (?:provided )?(?:articles|documents|passages|sources|context|texts|search results)"
         r"|\b(?:answer|respond|reply)\b[^.?!]{0,30}\b(?:from|by|with|using|based on) your own (?:knowledge"
         r"|opinion|training|memory|views?)|\b(?:ignore|disregard) (?:the |all |any |these )?(?:provided "
         r"|given |retrieved )?(?:documents|articles|passages|sources|context|search results)|\b(?:antworte"
         r"|antworten sie|sag|sage)\b[^.?!]{0,60}\bnicht (?:mit|aus|anhand) (?:den|der|dem) (?:artikeln"
         r"|dokumenten|quellen|texten)|\bdein(?:em)? eigenen? wissen"),
    rule(PI, "asks the assistant to stop citing its sources",
         r"\b(?:do not|don't|never|stop|no longer) (?:cite|citing|include|add|give|use|show|mention) (?:any "
         r"|the |your )?(?:citations|sources|references|passage numbers|footnotes)"
         r"|\bwithout (?:any )?(?:citations|sources|references)|\bohne (?:quellenangaben|quellen|zitate)\b"
         r"|\bsans (?:citer|citations|sources)\b|\bsin (?:citar|citas|fuentes)\b"),
    rule(PI, "dictates the exact words of the reply",
         rf"{_COMMAND_START}(?:say|print|output|type|reply|respond|answer|write|antworte|antworten sie|sage"
         rf"|sag|schreibe?|"
         r"gib aus|dis|dites|écris|réponds|di|escribe|responde) (?:only |just |exactly |nur |einfach "
         r"|seulement |solo )?(?:with |mit |par |con )?[\"“«„'][^\"”»“']{1,80}[\"”»“']", score=0.85),
    rule(PI, "tells the assistant not to give its usual answer",
         r"\b(?:answer|respond|reply|say|antworte|antworten sie|sag|sage|réponds|répondez|responde"
         r"|di)\b[^.?!]{0,60}\b(?:and not|but not|rather than|instead of|und nicht|aber nicht|statt|anstatt"
         r"|et non|plutôt que|y no|en vez de|en lugar de) (?:with |mit |avec |con "
         r"|by )?[\"“«„']", score=0.85),
    rule(PI, "makes the assistant praise or attack someone on command",
         rf"{_COMMAND_START}(?:say|state|write|tell (?:me|everyone|them) that|claim|declare|announce|sag|sage"
         rf"|schreibe?|"
         r"dis|dites|écris|escribe|di)\b (?:that |dass |que )?[\w' .-]{1,40} (?:is|are|ist|sind|est"
         r"|es) (?:the |der |die |das |le |la |el )?(?:best|greatest|worst|hottest|beste|größte|schlechteste"
         r"|meilleur|pire|mejor|peor)\b",
         score=0.85),
    rule(PI, "switches to a new task after praising the last one",
         r"\b(?:good job|well done|great job|great|perfect|excellent|that's done|that is done|sehr gut"
         r"|gut gemacht|das ist erledigt|super|toll|prima|très bien|bien joué|parfait|muy bien|perfecto"
         r"|bien hecho)[.!,] (?:[^.?!]{0,40}[.!] )?(?:now|jetzt|nun|maintenant|ahora)\b[^.?!]{0,20}\b(?:write"
         r"|tell|say|verfasse|schreibe?|sag|écris|dis|escribe|di)\b|\b(?:verfasse|schreibe?|write|écris"
         r"|escribe) (?:nun|jetzt|now|maintenant|ahora) (?:ein|eine|a|an|un|une"
         r"|una)\b", score=0.7, action="warn"),
    # A word attacks like to use is evidence only: "How do I check if my email was pwned?" is a question.
    rule(PI, "uses a word injection attacks often use", r"\bpwn(?:e)?d\b", score=0.6, action="flag"),
    rule(PI, "imitates chat-format control tokens or roles",
         r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[/?inst\]"
         r"|<</?sys>>|(?:^|[.!?] )#{2,} ?(?:system|instruction|new instructions?)\b|^(?:system|assistant) ?:"
         r"|\b(?:human|user|assistant|system) ?: ?(?:human|user|assistant|system) ?:|\b(?:end|beginning"
         r"|start) of (?:the )?(?:system )?prompt\b|\[(?:system|admin)(?: message)?\]"),
    # --- jailbreak: another persona, no rules ----------------------------------------------------------
    rule(JB, "uses a known jailbreak persona",
         r"\bdo anything now\b|\bdan mode\b|\b(?:act|acting|you are|you're|play|become|be) (?:as )?(?:a "
         r"|the )?(?:dan|stan|aim|mongo tom|betterdan|anti-?gpt|evilbot|devmode)\b"),
    # A "mode" is an attack only when the assistant is told to enter it: "How do I enable debug mode in the
    # config?" and "god mode in Skyrim" are questions; "you are now in developer mode" is not.
    rule(JB, "tells the assistant to enter a special mode",
         rf"\b(?:you are|you're|you will be|you'll be|you must be|you will|you'll|you must|you shall|you now"
         rf"|yourself)(?: now)? (?:(?:operate|operating|respond|responding|run|running|act|acting|answer"
         rf"|answering|be|stay|remain|enter|switch|go) )?(?:in|into|to|under) (?:an? |the )?{_MODES} mode\b"
         rf"|\b(?:enter|activate|enable|switch (?:to|into)|turn on|unlock|put (?:yourself|you) "
         rf"(?:in|into)) (?:your )?{_MODES} mode (?:and|then|now)? ?(?:you|answer|respond|reply|ignore"
         rf"|forget|without)\b|\b{_AI} (?:(?:is|are|in|now|with) )+{_MODES} mode\b"),
    rule(JB, "names a jailbreak or a special mode", score=0.6, action="flag",
         pattern=rf"\b{_MODES} mode\b|\bjailbr(?:eak|oken)\b"),
    rule(JB, "asks to jailbreak the assistant",
         r"\bjailbr(?:eak|eaking|oken)\b (?:(?:mode|version) )?(?:of )?(?:you|yourself|this (?:ai|assistant"
         r"|chatbot|bot|model)|the (?:ai|assistant|chatbot|bot|model)|chatgpt|gpt)\b|\byou(?: are|'re)"
         r" (?:now )?jailbroken\b"),
    rule(JB, "asks the assistant to act without rules or limits",
         rf"\b{_AI}\b[^.?!]{{0,60}}\b(?:no|without|free (?:of|from)|not bound by|unbound by|beyond|ignores?"
         rf"|bypass(?:es)?) (?:any |all |the |of )?(?:\w+ )?{_LIMITS_EN}\b(?! (?:for|on|of) (?:the |this "
         rf"|parking|file|upload))"),
    rule(JB, "describes the assistant as amoral or unfiltered",
         rf"\b{_AI}\b[^.?!]{{0,40}}\b(?:immoral|amoral|unethical|unfiltered|uncensored|unrestricted|unhinged|"
         r"without (?:a )?conscience)\b|\b(?:immoral|amoral|unfiltered|uncensored|unrestricted|evil) (?:ai"
         r"|assistant|chatbot|bot|model|version|persona|character|confidant)\b"),
    # Role play alone is evidence, not intent ("Pretend you are a teacher and explain ..."); telling the
    # assistant it is no longer an assistant is an attempt to change its instructions.
    rule(JB, "tells the assistant it is no longer an assistant",
         r"\byou are (?:no longer|not) (?:an? |the )?(?:ai|assistant|chatbot|language model|bot|chatgpt"
         r"|bound by|restricted|limited|required to|obliged to|an? (?:\w+ )?(?:ai|assistant))\b"
         r"|\byou (?:no longer|don't|do not) (?:have to )?(?:follow|obey|need to follow) (?:any |your |the "
         r")?(?:rules|instructions|guidelines|policies|restrictions)\b"),
    rule(JB, "tries to give the assistant a new identity or role",
         r"\byou are (?:now|no longer|not (?:an? )?(?:ai|assistant|chatbot|language model|bot"
         r"|chatgpt))\b(?! (?:ready|able|logged|connected|done|finished|signed|registered|subscribed|set"
         r"|all set|in|on)\b)|\bfrom now on,? (?:you|your|act|pretend|respond|answer|reply|behave|you'll"
         r"|you're)\b|\bpretend (?:to be|you are|you're|that you are|that you're)\b|\bact as (?:if"
         r"|though) you\b|\b(?:i want|i'd like|i would like|i need) you to (?:act|behave|pretend|roleplay"
         r"|role-play|play|respond|answer|function) (?:as|like)\b|\byou (?:will|shall|must"
         r"|are going to) (?:act|behave|respond|pretend) as\b|\b(?:you (?:are|act as|will be)|now you act as"
         r"|act as) (?:two|2|three|3|multiple|several) (?:entities|characters|personas|people|ais"
         r"|different)\b|\b(?:simulate|emulate|impersonate) (?:an?|the|another) (?:\w+ ){0,2}(?:ai|chatbot"
         r"|assistant|model|terminal|character|persona)\b|\broleplay as\b|\brole-play as\b"
         r"|\bplay the role of\b|\b(?:stay|remain|staying) (?:fully |completely |always )?in (?:your|their"
         r"|his|her|the) (?:roles?|character)\b|\bstay in character\b|\bbreak(?:ing)? character\b",
         score=0.7, action="flag"),
    rule(JB, "tries to give the assistant a new identity or role (German)",
         r"\b(?:du bist|sie sind) (?:jetzt|nun|ab jetzt|ab sofort|von nun an|ab heute) (?:ein|eine|einer|der"
         r"|die|das|mein|meine|kein|keine)\b|\b(?:nun|jetzt|ab sofort|von nun an|ab jetzt) bist du\b"
         r"|\bstell dir vor,? (?:du wärst|du bist|dass du)|\btu so,? als (?:ob|wärst|seist)|\b(?:spiel|spiele"
         r"|übernimm|übernehme|übernehmen sie) (?:jetzt |nun )?die rolle|\bin (?:deiner|ihrer|seiner"
         r"|der) rolle (?:bleiben|bleibst|auf)|\bgehst (?:vollkommen|völlig|ganz) in deiner rolle auf"
         r"|\bbleib(?:e|en sie)? in (?:deiner |ihrer )?rolle|\bich möchte,? dass (?:du"
         r"|sie) als [^.?!]{1,80} (?:fungierst|fungieren|agierst|agieren|handelst|handeln|auftrittst"
         r"|auftreten)", score=0.7, action="flag"),
    rule(JB, "asks the assistant to act without rules or limits (German/French/Spanish)",
         r"\b(?:du|dich|dir|ki|assistent|modell|antworte|antwortest)\b[^.?!]{0,60}\bohne (?:jegliche "
         r"|irgendwelche |alle )?(?:einschränkungen|filter|zensur|regeln|richtlinien|moral|ethik|grenzen)\b"
         r"|\b(?:tu|toi|vous|ia|assistant|modèle|réponds|répondez)\b[^.?!]{0,60}\bsans (?:aucune "
         r"|aucun )?(?:restrictions?|limites?|filtres?|censure|règles|éthique|morale)\b|\b(?:tú|eres|ia"
         r"|asistente|modelo|responde|respondes|responder)\b[^.?!]{0,60}\bsin (?:ninguna |ningún "
         r"|ningun )?(?:restricci(?:ón|ones)|límites?|limites?|filtros?|censura|reglas|ética|moral)\b"),
    rule(JB, "tries to give the assistant a new identity or role (French/Spanish)",
         r"\b(?:tu es|vous êtes) (?:maintenant|désormais|dorénavant) (?:un|une|le|la|mon|ma)\b"
         r"|\b(?:à partir de maintenant|désormais|dorénavant),? (?:tu|vous)\b|\b(?:fais"
         r"|faites) semblant d'être\b|\bfais comme si tu\b|\bjoue[zr]? le rôle\b|\b(?:agis|agissez"
         r"|comporte-toi|comportez-vous) comme (?:si|un|une)\b|\breste[zr]? dans (?:ton|votre|ce|le) (?:rôle"
         r"|personnage)|\bje veux que tu (?:agisses|joues|fasses semblant)|\b(?:ahora|desde ahora"
         r"|a partir de ahora|de ahora en adelante),? (?:eres|serás|seras|actuarás|actúa|actua|vas a ser)\b"
         r"|\bfing(?:e|ir) (?:que eres|ser)\b|\bfinja ser\b|\bhaz como si\b|\b(?:actúa|actua|compórtate"
         r"|comportate) como (?:si|un|una)\b|\b(?:juega|interpreta) el papel\b"
         r"|\bquédate en (?:tu )?(?:personaje|papel)|\bquiero que (?:actúes|actues|finjas|seas)\b",
         score=0.7, action="flag"),
    # --- system prompt extraction ----------------------------------------------------------------------
    rule(SP, "asks for the assistant's hidden instructions",
         rf"\b{_REVEAL_EN}\b (?:(?:me|us|all|of|out|back|exactly|verbatim|word for word"
         rf"|the) )*(?:\w+ ){{0,2}}?your "
         r"(?:\w+ ){0,3}?(?:prompts?|instructions|rules|guidelines|directives|configuration|system message"
         r"|programming|initial text|setup|context)\b"
         rf"|\b(?:{_REVEAL_EN}|what (?:is|are|was|were|'s)|where (?:is|are)|how (?:long"
         rf"|big) is)\b[^.?!]{{0,30}}\b(?:your|the|this|my) {_SECRET_PROMPT}"
         r"|\bwhat (?:are|were|was|is) your (?:exact |initial |original |full |hidden |secret "
         r"|actual )?(?:instructions|prompt|system prompt|directives|guidelines)\b"),
    rule(SP, "asks to repeat the text that came before the question",
         r"\b(?:repeat|print|output|show|write|copy|paste|recite|spell|type|dump"
         r"|display) (?:\w+ ){0,5}?(?:text|words|everything|content|instructions|message|lines?"
         r"|sentences?) (?:above|before this|preceding|so far|at the (?:start|beginning|top))|\bwhat (?:was"
         r"|is) written (?:above|before)|\beverything (?:above|before) this (?:line|message|point)"
         r"|\b(?:starting|beginning) with (?:the (?:words?|phrase) )?[\"“']you are"),
    rule(SP, "asks how the assistant was instructed", score=0.75, action="warn",
         pattern=r"\b(?:how|what) (?:were|are|have) you (?:been )?(?:instructed|programmed|told|prompted"
                 r"|configured|set up) (?:to|with|by)\b"),
    rule(SP, "asks for the assistant's hidden instructions (German)",
         r"\b(?:zeig(?:e|en sie)?|gib|geben sie|nenn(?:e|en sie)?|verrat(?:e|en sie)?|wiederhol(?:e|en sie)?"
         r"|druck(?:e|en sie)?|schreib(?:e|en sie)?|sag(?:e|en sie)?|liste|teil(?:e|en sie)?|kopier(?:e"
         r"|en sie)?|gib aus)\b(?: mir| uns)?(?: \w+){0,3}? (?:deinen|deine|dein|ihren|ihre|ihr|den|die"
         r"|das) (?:gesamten?|vollständigen?|ganzen?|ursprünglichen?|initialen?|geheimen?|internen?"
         r"|kompletten?)? ?(?:prompts?|prompt-texte?|prompttexte?|systemprompts?|system-prompts?"
         r"|systemnachricht|(?:system-?)?anweisungen|(?:system-?)?instruktionen|regeln|vorgaben)\b"
         r"|\bwas (?:sind|waren|ist|war) (?:deine|ihre|dein|ihr) (?:\w+ )?(?:(?:system-?)?anweisungen"
         r"|instruktionen|prompt|systemprompt|vorgaben)\b"),
    rule(SP, "asks for the assistant's hidden instructions (French/Spanish/Italian/Portuguese)",
         r"\b(?:montre|montrez|affiche|affichez|révèle|révélez|répète|répétez|donne|donnez|dis|dites|écris"
         r"|écrivez|imprime|copie|partage)(?:-moi|-nous| moi| nous)? (?:\w+ ){0,2}?(?:ton|ta|tes|votre"
         r"|vos) (?:\w+ ){0,2}?(?:prompt|instructions|consignes|règles|directives|message système|invite)\b"
         r"|\b(?:montre|affiche|révèle|répète|donne)(?:-moi|z-moi)? (?:le|les) (?:prompt système"
         r"|message système|invite système|instructions (?:initiales|système|cachées))|\bquelles sont (?:tes"
         r"|vos) (?:instructions|consignes|règles|directives)\b|\b(?:muestra|muéstrame|muestrame|enseña"
         r"|enséñame|ensename|revela|revélame|revelame|repite|dime|escribe|imprime|dame|comparte"
         r"|copia)(?: me)? (?:\w+ ){0,2}?(?:tu|tus|su|sus) (?:\w+ ){0,2}?(?:prompt|instrucciones|indicaciones"
         r"|reglas|directrices|mensaje del sistema)\b|\b(?:cuáles|cuales) son (?:tus|sus) (?:instrucciones"
         r"|reglas|indicaciones|directrices)\b|\b(?:mostra|mostrami|rivela|ripeti|dimmi) (?:le tue"
         r"|il tuo) (?:istruzioni|prompt|regole)\b|\b(?:mostre|mostra|revele|repita|diga)(?:-me)? (?:as suas"
         r"|suas|tuas|o seu|seu|teu) (?:instruções|regras|prompt)\b"),
)

# Instructions aimed at an AI reader inside a document (indirect injection): flagged at ingest, never blocked.
DOCUMENT_RULES: tuple[Rule, ...] = tuple(
    r for r in RULES if r.action == "block" and r.detail not in {
        "asks for an answer from outside the documents",  # a document may well say "not from the articles"
        "tries to give the assistant a new identity or role",  # manuals say "you are now logged in"
        "tries to give the assistant a new identity or role (German)",
        "tries to give the assistant a new identity or role (French/Spanish)",
    }
) + (
    rule(PI, "addresses an AI model reading the document",
         r"\b(?:if|when) you are (?:an? )?(?:ai|a\.i\.|llm|large language model|language model|assistant"
         r"|chatbot|gpt|chatgpt|bot)\b|\b(?:note|message|instructions?) (?:to|for) (?:the |any )?(?:ai|llm"
         r"|assistant|chatbot|language model|model|gpt|bot)s?\b|\b(?:ai|llm|assistant|chatbot"
         r"|language model)s? (?:reading|processing|summari[sz]ing) this\b|\b(?:dear|attention|hey) (?:ai|llm"
         r"|assistant|chatbot|chatgpt|gpt|language model)\b"),
    rule(PI, "tells the reader what to hide or exactly how to answer",
         r"\b(?:do not|don't|never) (?:mention|reveal|disclose) (?:this|these) (?:instructions?|messages?"
         r"|notes?|text)\b|\b(?:respond|reply|answer) only with (?:the (?:word|phrase) )?[\"“']"),
)

# Signs in an answer that an attack worked (checked on streamed text too, so only the unambiguous ones); they
# count only when the passages do not contain them.
OUTPUT_RULES: tuple[Rule, ...] = (
    rule(PI, "announces that an injection worked",
         r"\b(?:i have|i've|you have|you've) been pwned\b|\bhaha,? pwned\b|^\W*pwned\W*$"),
    rule(JB, "speaks as a jailbreak persona",
         r"(?:^|\n)\s*\[?(?:dan|stan|aim|🔓 ?jailbreak|jailbreak|developer mode output)\]? ?:|\bdan mode "
         r"(?:enabled|activated)\b|\b(?:developer|jailbreak|god|unrestricted|unfiltered) mode "
         r"(?:enabled|activated|on)\b|\bas (?:dan|an unfiltered ai|an ai without restrictions),? i\b"),
)
