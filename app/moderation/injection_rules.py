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
    "ausführungen", "anordnungen", "richtlinien", "informationen", "dokumente", "artikel", "texte", "prompts?",
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
_AI = r"(?:you|your|yourself|ai|a\.i\.|assistant|chatbot|bot|model|gpt|chatgpt|llm|language model|version)"
_LIMITS_EN = words([
    "restrictions", "limitations", "limits", "filters", "filtering", "censorship", "guidelines", "rules",
    "ethics", "morals", "morality", r"(?:ethical|moral|content|programming|safety) (?:guidelines|principles|"
    r"boundaries|constraints|polic(?:y|ies)|restrictions|filters|rules)", "boundaries", "safeguards", "principles",
])

RULES: tuple[Rule, ...] = (
    # --- prompt injection: overriding the instructions -------------------------------------------------
    rule(PI, "asks to ignore the assistant's instructions",
         rf"\b{_OVERRIDE_EN} {_ANY}{_SCOPE_EN} {_ANY}{_INSTRUCTIONS_EN}\b"),
    rule(PI, "asks to forget or ignore everything said before",
         r"\b(?:ignore|disregard|forget|neglect)(?: about)? (?:everything|anything|all (?:of )?(?:that|this|it|the "
         r"above|above|else)|all(?=[.,!:;]|$| and| you| we| before| previous| prior| from)|the above|what (?:i|you|we) "
         r"(?:said|wrote|told you|discussed|were told)|(?:what|everything) you (?:know|were told|have been told))"),
    rule(PI, "asks to ignore the assistant's instructions (German)",
         rf"\b(?:ignorier(?:e|en sie)?|vergiss|vergessen sie|missachte(?:n sie)?|übergehe|beachte nicht|"
         rf"verwirf|überspringe) {_ANY}(?:alle|alles|sämtliche|vorherigen?|vorangehenden?|vorigen?|bisherigen?|"
         rf"obigen?|früheren?|deine|ihre|ursprünglichen?) {_ANY}{_INSTRUCTIONS_DE}\b"),
    rule(PI, "asks to forget everything said before (German)",
         r"\b(?:vergiss|vergessen sie|ignoriere|ignorieren sie) (?:einfach )?(?:alles|das alles|alle(?=[.,!:;]|$| und))"
         r"|\b(?:vorherigen?|vorangehenden?|vorigen?|bisherigen?|obigen?|früheren?) (?:\w+ )?"
         rf"{_INSTRUCTIONS_DE} (?:zu )?(?:ignorieren|vergessen|missachten)"
         r"|\babweichend (?:zu|von) (?:den |deinen |ihren )?(?:vorherigen|obigen|bisherigen|ursprünglichen) "
         r"(?:instruktionen|anweisungen|vorgaben|regeln)"),
    rule(PI, "asks to ignore the assistant's instructions (French)",
         rf"\b(?:ignore[zr]?|oublie[zr]?|ne (?:tiens|tenez) (?:pas|plus) compte d[eu']s?|(?:fais|faites) "
         rf"abstraction d[eu']s?|néglige[zr]?) ?{_ANY}(?:toutes?|tous|les|tes|vos|précédentes?|antérieures?) "
         rf"{_ANY}{_INSTRUCTIONS_FR}\b|\boublie[zr]? tout\b|\bignore[zr]? tout ce qui (?:précède|a été dit)"),
    rule(PI, "asks to ignore the assistant's instructions (Spanish)",
         rf"\b(?:ignora[rn]?|ignore[ns]?|olvida[rn]?|olvide[ns]?|olvídate de|olvidate de|olvídese de|haz caso "
         rf"omiso (?:a|de)|no hagas caso (?:a|de)|descarta) {_ANY}(?:todas?|todos|las|los|tus|sus|anteriores|previas) "
         rf"{_ANY}{_INSTRUCTIONS_ES}\b|\b(?:olvida|olvide|ignora) (?:todo|lo anterior)\b"),
    rule(PI, "asks to ignore the assistant's instructions (Italian/Portuguese/Dutch)",
         r"\b(?:ignora|dimentica|ignorate|dimenticate) (?:tutte )?(?:le )?(?:istruzioni|regole|indicazioni)"
         r"|\bdimentica tutto\b|\b(?:ignore|ignora|esqueça|esqueca|esquece) (?:todas )?(?:as )?(?:suas |tuas )?"
         r"(?:instruções|instrucoes|regras) ?(?:anteriores)?|\besqueça tudo\b"
         r"|\b(?:negeer|vergeet) (?:alle )?(?:vorige |eerdere |voorgaande )?(?:instructies|regels|opdrachten)"
         r"|\bvergeet alles\b"),
    rule(PI, "announces new instructions or a new task",
         r"\b(?:your|the|deine|ihre|ta|votre|tu|su) (?:new|neue|nouvelle|nueva) (?:task|instructions?|goal|"
         r"objective|purpose|mission|role|aufgabe|anweisungen?|tâche|mission|tarea|instrucciones?)\b"
         r"|\bnew (?:instructions?|task|rules)\s?:|\b(?:focus|concentrate) (?:now )?on (?:your|the|this) new task"
         r"|\bkonzentrier(?:e|en sie) (?:dich|sich) (?:jetzt |nun )?auf (?:deine|ihre|die) neue"
         r"|\bneue (?:anweisungen?|aufgabe)\s?:|\bnouvelles? (?:instructions?|tâche)\s?:|\bnuevas? (?:instrucciones|tarea)\s?:"),
    rule(PI, "asks for an answer from outside the documents",
         r"\b(?:answer|respond|reply|write|tell me|say)\b[^.?!]{0,40}\b(?:not|instead of|rather than|without) "
         r"(?:by|from|based on|using|with|in|looking at|relying on)? ?(?:the|these|those|your|any|provided) "
         r"(?:provided )?(?:articles|documents|passages|sources|context|texts|search results)"
         r"|\b(?:answer|respond|reply)\b[^.?!]{0,30}\b(?:from|by|with|using|based on) your own (?:knowledge|opinion|"
         r"training|memory|views?)|\b(?:ignore|disregard) (?:the |all |any |these )?(?:provided |given |retrieved )?"
         r"(?:documents|articles|passages|sources|context|search results)"
         r"|\b(?:antworte|antworten sie|sag|sage)\b[^.?!]{0,60}\bnicht (?:mit|aus|anhand) (?:den|der|dem) "
         r"(?:artikeln|dokumenten|quellen|texten)|\bdein(?:em)? eigenen? wissen"),
    rule(PI, "asks the assistant to stop citing its sources",
         r"\b(?:do not|don't|never|stop|no longer) (?:cite|citing|include|add|give|use|show|mention) (?:any |the |your )?"
         r"(?:citations|sources|references|passage numbers|footnotes)|\bwithout (?:any )?(?:citations|sources|references)"
         r"|\bohne (?:quellenangaben|quellen|zitate)\b|\bsans (?:citer|citations|sources)\b|\bsin (?:citar|citas|fuentes)\b"),
    rule(PI, "dictates the exact words of the reply",
         r"(?:^|[.,!?:;] |\band |\bthen |\bbut )(?:now )?(?:just |only |simply )?(?:say|print|output|type|reply|respond|"
         r"answer|write|antworte|antworten sie|sage|sag|schreibe?|gib aus|dis|dites|écris|réponds|di|escribe|responde)"
         r" (?:only |just |exactly |nur |einfach |seulement |solo )?(?:with |mit |par |con )?[\"“«„'][^\"”»“']{1,80}[\"”»“']",
         score=0.7, action="warn"),
    rule(PI, "makes the assistant praise or attack someone on command",
         r"\b(?:say|state|write|tell (?:me|everyone) that|claim|declare|announce|sag|sage|schreibe?|dis|dites|escribe|"
         r"di)\b (?:that |dass |que )?[\w' .-]{1,40} (?:is|are|ist|sind|est|es) (?:the |der |die |das |le |la |el )?"
         r"(?:best|greatest|worst|hottest|beste|größte|schlechteste|meilleur|pire|mejor|peor)\b",
         score=0.7, action="warn"),
    rule(PI, "uses a known injection marker",
         r"\bpwn(?:e)?d\b|\bhaha pwned\b|\bi have been pwned\b"),
    rule(PI, "imitates chat-format control tokens or roles",
         r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[/?inst\]|<</?sys>>"
         r"|(?:^|[.!?] )#{2,} ?(?:system|instruction|new instructions?)\b|^(?:system|assistant) ?:"
         r"|\b(?:human|user|assistant|system) ?: ?(?:human|user|assistant|system) ?:"
         r"|\b(?:end|beginning|start) of (?:the )?(?:system )?prompt\b|\[(?:system|admin)(?: message)?\]"),
    # --- jailbreak: another persona, no rules ----------------------------------------------------------
    rule(JB, "uses a known jailbreak persona or mode",
         r"\bdo anything now\b|\bdan mode\b|\b(?:developer|god|jailbreak|jailbroken|unrestricted|unfiltered|evil|"
         r"opposite|chaos|dude|sudo|admin|debug|maintenance) mode\b|\bjailbr(?:eak|oken)\b|\b(?:act|acting|you are|"
         r"you're|play|become) (?:as )?(?:a |the )?(?:dan|stan|aim|mongo tom|betterdan|anti-?gpt|evilbot|devmode)\b"),
    rule(JB, "asks the assistant to act without rules or limits",
         rf"\b{_AI}\b[^.?!]{{0,60}}\b(?:no|without|free (?:of|from)|not bound by|unbound by|beyond|ignores?|bypass(?:es)?)"
         rf" (?:any |all |the |of )?(?:\w+ )?{_LIMITS_EN}\b(?! (?:for|on|of) (?:the |this |parking|file|upload))"),
    rule(JB, "describes the assistant as amoral or unfiltered",
         rf"\b{_AI}\b[^.?!]{{0,40}}\b(?:immoral|amoral|unethical|unfiltered|uncensored|unrestricted|unhinged|"
         r"without (?:a )?conscience)\b|\b(?:immoral|amoral|unfiltered|uncensored|unrestricted|evil) (?:ai|assistant|"
         r"chatbot|bot|model|version|persona|character|confidant)\b"),
    rule(JB, "tries to give the assistant a new identity or role",
         r"\byou are (?:now|no longer|not (?:an? )?(?:ai|assistant|chatbot|language model|bot|chatgpt))\b"
         r"(?! (?:ready|able|logged|connected|done|finished|signed|registered|subscribed|set|all set|in|on)\b)"
         r"|\bfrom now on,? (?:you|your|act|pretend|respond|answer|reply|behave|you'll|you're)\b"
         r"|\bpretend (?:to be|you are|you're|that you are|that you're)\b|\bact as (?:if|though) you\b"
         r"|\b(?:i want|i'd like|i would like|i need) you to (?:act|behave|pretend|roleplay|role-play|play|respond|"
         r"answer|function) (?:as|like)\b|\byou (?:will|shall|must|are going to) (?:act|behave|respond|pretend) as\b"
         r"|\b(?:you (?:are|act as|will be)|now you act as|act as) (?:two|2|three|3|multiple|several) (?:entities|"
         r"characters|personas|people|ais|different)\b|\b(?:simulate|emulate|impersonate) (?:an?|the|another) "
         r"(?:\w+ ){0,2}(?:ai|chatbot|assistant|model|terminal|character|persona)\b|\broleplay as\b|\brole-play as\b"
         r"|\bplay the role of\b|\b(?:stay|remain|staying) (?:fully |completely |always )?in (?:your|their|his|her|the) "
         r"(?:roles?|character)\b|\bstay in character\b|\bbreak(?:ing)? character\b",
         score=0.9),
    rule(JB, "tries to give the assistant a new identity or role (German)",
         r"\b(?:du bist|sie sind) (?:jetzt|nun|ab jetzt|ab sofort|von nun an|ab heute) (?:ein|eine|einer|der|die|das|mein|"
         r"meine|kein|keine)\b|\b(?:nun|jetzt|ab sofort|von nun an|ab jetzt) bist du\b|\bstell dir vor,? (?:du wärst|du bist|"
         r"dass du)|\btu so,? als (?:ob|wärst|seist)|\b(?:spiel|spiele|übernimm|übernehme|übernehmen sie) (?:jetzt |nun )?"
         r"die rolle|\bin (?:deiner|ihrer|seiner|der) rolle (?:bleiben|bleibst|auf)|\bgehst (?:vollkommen|völlig|ganz) "
         r"in deiner rolle auf|\bbleib(?:e|en sie)? in (?:deiner |ihrer )?rolle|\bich möchte,? dass (?:du|sie) als "
         r"[^.?!]{1,80} (?:fungierst|fungieren|agierst|agieren|handelst|handeln|auftrittst|auftreten)"),
    rule(JB, "asks the assistant to act without rules or limits (German/French/Spanish)",
         r"\b(?:du|dich|dir|ki|assistent|modell|antworte|antwortest)\b[^.?!]{0,60}\bohne (?:jegliche |irgendwelche |"
         r"alle )?(?:einschränkungen|filter|zensur|regeln|richtlinien|moral|ethik|grenzen)\b"
         r"|\b(?:tu|toi|vous|ia|assistant|modèle|réponds|répondez)\b[^.?!]{0,60}\bsans (?:aucune |aucun )?(?:restrictions?|"
         r"limites?|filtres?|censure|règles|éthique|morale)\b"
         r"|\b(?:tú|eres|ia|asistente|modelo|responde|respondes|responder)\b[^.?!]{0,60}\bsin (?:ninguna |ningún |"
         r"ningun )?(?:restricci(?:ón|ones)|límites?|limites?|filtros?|censura|reglas|ética|moral)\b"),
    rule(JB, "tries to give the assistant a new identity or role (French/Spanish)",
         r"\b(?:tu es|vous êtes) (?:maintenant|désormais|dorénavant) (?:un|une|le|la|mon|ma)\b"
         r"|\b(?:à partir de maintenant|désormais|dorénavant),? (?:tu|vous)\b|\b(?:fais|faites) semblant d'être\b"
         r"|\bfais comme si tu\b|\bjoue[zr]? le rôle\b|\b(?:agis|agissez|comporte-toi|comportez-vous) comme (?:si|un|une)\b"
         r"|\breste[zr]? dans (?:ton|votre|ce|le) (?:rôle|personnage)|\bje veux que tu (?:agisses|joues|fasses semblant)"
         r"|\b(?:ahora|desde ahora|a partir de ahora|de ahora en adelante),? (?:eres|serás|seras|actuarás|actúa|"
         r"actua|vas a ser)\b|\bfing(?:e|ir) (?:que eres|ser)\b|\bfinja ser\b|\bhaz como si\b|\b(?:actúa|actua|"
         r"compórtate|comportate) como (?:si|un|una)\b|\b(?:juega|interpreta) el papel\b|\bquédate en (?:tu )?"
         r"(?:personaje|papel)|\bquiero que (?:actúes|actues|finjas|seas)\b"),
    # --- system prompt extraction ----------------------------------------------------------------------
    rule(SP, "asks for the assistant's hidden instructions",
         rf"\b{_REVEAL_EN}\b (?:(?:me|us|all|of|out|back|exactly|verbatim|word for word|the) )*(?:\w+ ){{0,2}}?your "
         r"(?:\w+ ){0,3}?(?:prompts?|instructions|rules|guidelines|directives|configuration|system message|programming|"
         r"initial text|setup|context)\b"
         rf"|\b(?:{_REVEAL_EN}|what (?:is|are|was|were|'s)|where (?:is|are)|how (?:long|big) is)\b[^.?!]{{0,30}}\b"
         rf"(?:your|the|this|my) {_SECRET_PROMPT}"
         r"|\bwhat (?:are|were|was|is) your (?:exact |initial |original |full |hidden |secret |actual )?"
         r"(?:instructions|prompt|system prompt|directives|guidelines)\b"),
    rule(SP, "asks to repeat the text that came before the question",
         r"\b(?:repeat|print|output|show|write|copy|paste|recite|spell|type|dump|display) (?:\w+ ){0,5}?(?:text|words|"
         r"everything|content|instructions|message|lines?|sentences?) (?:above|before this|preceding|so far|at the "
         r"(?:start|beginning|top))|\bwhat (?:was|is) written (?:above|before)|\beverything (?:above|before) this (?:line|"
         r"message|point)|\b(?:starting|beginning) with (?:the (?:words?|phrase) )?[\"“']you are"),
    rule(SP, "asks how the assistant was instructed", score=0.75, action="warn",
         pattern=r"\b(?:how|what) (?:were|are|have) you (?:been )?(?:instructed|programmed|told|prompted|configured|"
                 r"set up) (?:to|with|by)\b"),
    rule(SP, "asks for the assistant's hidden instructions (German)",
         r"\b(?:zeig(?:e|en sie)?|gib|geben sie|nenn(?:e|en sie)?|verrat(?:e|en sie)?|wiederhol(?:e|en sie)?|druck(?:e|en sie)?|"
         r"schreib(?:e|en sie)?|sag(?:e|en sie)?|liste|teil(?:e|en sie)?|kopier(?:e|en sie)?|gib aus)\b(?: mir| uns)?"
         r"(?: \w+){0,3}? (?:deinen|deine|dein|ihren|ihre|ihr|den|die|das) (?:gesamten?|vollständigen?|ganzen?|"
         r"ursprünglichen?|initialen?|geheimen?|internen?|kompletten?)? ?(?:prompts?|prompt-texte?|prompttexte?|systemprompts?|"
         r"system-prompts?|systemnachricht|anweisungen|instruktionen|regeln|vorgaben)\b"
         r"|\bwas (?:sind|waren|ist|war) (?:deine|ihre|dein|ihr) (?:\w+ )?(?:anweisungen|instruktionen|prompt|systemprompt|"
         r"vorgaben)\b"),
    rule(SP, "asks for the assistant's hidden instructions (French/Spanish/Italian/Portuguese)",
         r"\b(?:montre|montrez|affiche|affichez|révèle|révélez|répète|répétez|donne|donnez|dis|dites|écris|écrivez|imprime|"
         r"copie|partage)(?:-moi|-nous| moi| nous)? (?:\w+ ){0,2}?(?:ton|ta|tes|votre|vos) (?:\w+ ){0,2}?(?:prompt|"
         r"instructions|consignes|règles|directives|message système|invite)\b|\b(?:montre|affiche|révèle|répète|donne)"
         r"(?:-moi|z-moi)? (?:le|les) (?:prompt système|message système|invite système|instructions (?:initiales|"
         r"système|cachées))|\bquelles sont (?:tes|vos) (?:instructions|consignes|règles|directives)\b"
         r"|\b(?:muestra|muéstrame|muestrame|enseña|enséñame|ensename|revela|revélame|revelame|repite|dime|escribe|imprime|"
         r"dame|comparte|copia)(?: me)? (?:\w+ ){0,2}?(?:tu|tus|su|sus) (?:\w+ ){0,2}?(?:prompt|instrucciones|indicaciones|"
         r"reglas|directrices|mensaje del sistema)\b|\b(?:cuáles|cuales) son (?:tus|sus) (?:instrucciones|reglas|"
         r"indicaciones|directrices)\b|\b(?:mostra|mostrami|rivela|ripeti|dimmi) (?:le tue|il tuo) (?:istruzioni|prompt|"
         r"regole)\b|\b(?:mostre|mostra|revele|repita|diga)(?:-me)? (?:as suas|suas|tuas|o seu|seu|teu) (?:instruções|"
         r"regras|prompt)\b"),
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
         r"\b(?:if|when) you are (?:an? )?(?:ai|a\.i\.|llm|large language model|language model|assistant|chatbot|"
         r"gpt|chatgpt|bot)\b|\b(?:note|message|instructions?) (?:to|for) (?:the |any )?(?:ai|llm|assistant|chatbot|"
         r"language model|model|gpt|bot)s?\b|\b(?:ai|llm|assistant|chatbot|language model)s? (?:reading|processing|"
         r"summari[sz]ing) this\b|\b(?:dear|attention|hey) (?:ai|llm|assistant|chatbot|chatgpt|gpt|language model)\b"),
    rule(PI, "tells the reader what to hide or exactly how to answer",
         r"\b(?:do not|don't|never) (?:mention|reveal|disclose) (?:this|these) (?:instructions?|messages?|notes?|text)\b"
         r"|\b(?:respond|reply|answer) only with (?:the (?:word|phrase) )?[\"“']"),
)
