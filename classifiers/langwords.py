"""Word and letter lists the language gate (:mod:`classifiers.langid`) reads.

All words are on the folded Latin view (lower case, Cyrillic in Latin, no diacritics,
``đ`` written ``dj``) unless the name says Cyrillic. A list of "only" words holds words
that are common in one language and absent (or rare) in every other language the gate
tells it from: a word two candidate languages share is left out, so a hit is evidence.
"""

from __future__ import annotations

# -- scope: which language a post is in -------------------------------------------------

# Cyrillic letters that Serbian lacks (Russian, Ukrainian, Bulgarian, Macedonian).
FOREIGN_CYRILLIC = frozenset("ыэъёйщьюяєіїґѓќѕЫЭЪЁЙЩЬЮЯЄІЇҐЃЌЅ")
# Cyrillic letters of Serbian (and Macedonian) that the other Cyrillic candidates lack.
SERBIAN_CYRILLIC = frozenset("јљњџЈЉЊЏ")
UKRAINIAN_LETTERS = frozenset("єіїґЄІЇҐ")
MACEDONIAN_LETTERS = frozenset("ѓќѕЃЌЅ")
RUSSIAN_LETTERS = frozenset("ыэёЫЭЁ")  # none of them is Bulgarian
ALBANIAN_LETTERS = frozenset("ëçËÇ")
BCMS_LATIN_LETTERS = frozenset("ćĆ")  # č š ž are Slovene too; đ is decided earlier

# Serbian words (Cyrillic, lower case) that Macedonian does not use, and the reverse.
SERBIAN_CYRILLIC_WORDS = frozenset(
    "је није су нису у смо сте био била били данас сви који која које каже кажу зашто "
    "када кад где гдје много још сам јер".split()
)
MACEDONIAN_WORDS = frozenset(
    "во со дека денес денеска многу сите сум е ги кое оваа овој тоа таа тие нив биде".split()
)

BCMS_ONLY_WORDS = frozenset(
    "nije nisu su ili zbog nego kad kada gde gdje ovo ovaj ove ovim danas sve svi bio jer "
    "ako protiv posle poslije koji koja koje kojoj kojem cemo cete hoce nece necu kazu "
    "kaze rekao rekla izjavio izjavila godine zasto jos takodje u vise neko nema hocu mogu "
    "moze mozemo sada onda tokom tome toga izmedju medju prema bez kroz kod osim iako jedan "
    "jedna jedno svaki svake svaka svakog cak evo eto dok nista nesto uvek uvijek mnogo "
    "vrlo veoma im ih joj bice kome ciji cije srpski srpska srpske srpskoj srpskog ovog "
    "ovoj ovom ovu ovih nase nasi nasa nasem molim ajde hajde li".split()
)
SLOVENE_ONLY_WORDS = frozenset(
    "ki v tudi zaradi ker sem kaj danes vendar zdaj in bo bodo bomo kot kje kdo zelo "
    "jutri vse vsem vsi ter niso ze povedal bil proti dovolj nic zakaj kdaj potem bolj manj "
    "med brez skozi vedno nekaj nekdo lahko jih jim ji naj pri vsak vsako vsaka celo razen "
    "ceprav vceraj dober torej namrec sicer seveda skupaj glede kjer kateri katera katere "
    "tisti".split()
)
ENGLISH_ONLY_WORDS = frozenset(
    "the and of is that for with are was this it be by from has have not you we they will "
    "what our all at an or but who which his their been were would can about after said "
    "says its your there how why when where very thank good morning next breaking more "
    "than just now if so".split()
)
ALBANIAN_ONLY_WORDS = frozenset(
    "dhe eshte nga qe nuk por ky kjo kete jane shume sot edhe tij saj mund duhet ishte ajo "
    "cfare pse kush jemi jeni une tyre deri vone".split()
)

# -- variety: Serbian, Croatian, Bosnian or Montenegrin ---------------------------------

VARIETY_CUES: dict[str, tuple[str, ...]] = {
    "ekavian": (
        *"rec reci vreme deca dete lepo lep mleko svet sveta svetu mesto mesta vek veka".split(),
        *"reka pesma cena cene belo beli sever videti verovati vera vesti uvek gde ovde".split(),
        *"onde dve posle pre predsednik predsednika predsedniku sednica sednici sednice".split(),
        *"sednicu resenje resenja uspeh uspeha ceo celo cela celu celi primer primera".split(),
        *"mera mere meru deo lekar verujem veruju veruje bezbednost bezbednosti".split(),
        *"posledice otcepljenje pretio pretnja savet saveta".split(),
    ),
    "ijekavian": (
        *"rijec rijeci vrijeme djeca dijete lijepo lijep mlijeko svijet svijeta svijetu".split(),
        *"mjesto mjesta vijek vijeka rijeka pjesma cijena cijene bijelo bijeli sjever".split(),
        *"vidjeti vjerovati vjera vijesti uvijek gdje ovdje dvije poslije prije".split(),
        *"predsjednik predsjednika predsjedniku sjednica sjednici sjednice sjednicu".split(),
        *"rjesenje rjesenja uspjeh uspjeha cijeli cijelo cijela cijelu primjer".split(),
        *"primjera mjera mjere mjeru ljekar vjerujem vjeruju vjeruje bezbjednost".split(),
        *"bezbjednosti posljedice otcjepljenje otcjepljenju zaprijetio prijetnja".split(),
        *"savjet savjeta".split(),
    ),
    "hr": (
        *"tko tisuca tisuce tisucu kruh vlak tjedan tjedna glazba kazaliste sveuciliste".split(),
        *"povijest zrakoplov opcenito izvanredno uvjet uvjeti obitelj sabor saboru".split(),
        *"obrana obrane obrani zastupnik zastupnici europski europska europske".split(),
        *"europskoj europu europa utjecaj suradnja suradnju nogomet kava".split(),
        *"sijecnja veljace ozujka travnja svibnja lipnja srpnja kolovoza rujna".split(),
        *"listopada studenoga prosinca".split(),
        "bit ce",
        "hrvatska vlada",
    ),
    "bs": (
        *"historija historije historijski historijska hljeb sedmica sedmice lahko".split(),
        *"polahko kahva mahala insan dzenaza bajram hudovica haber merhaba sahat".split(),
        "federacija",
        "federacije",
    ),
    "cnr": ("dje", "odje", "sjutra", "kudje", "crna gora", "cetinje", "podgorica"),
    "sr": (
        *"hleb voz hiljada hiljade nedelja istorija istorije bezbednost opstina".split(),
        *"uslov saopstenje vaspitanje vazduh".split(),
    ),
}
