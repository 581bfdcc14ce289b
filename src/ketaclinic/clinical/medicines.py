"""Medicine names as patients and staff write them: brand or generic, to ingredients.

Screening judges interactions (CLINICAL.md 1.4, 1.5, 4.1, 8) and the adequacy of
antidepressant trials (CLINICAL.md 8.1) by ingredient; a patient writes "Xanax
0.5 mg", "Wellbutrin XL 300" or "Norco 10/325". ``identify`` turns such a line into
the ingredients it names, or None when it names none that is known here: screening
then says it "could not identify" the line, never passes it in silence.

The vocabulary is a table of the medicines an infusion clinic meets: every
ingredient of the interaction classes and the dose table, their US brand names
(extended-release and other forms match through the brand: "Adderall XR",
"Wellbutrin SR"), and the common medicines of an adult medication list, so that an
ordinary line is recognised rather than flagged. Brand-to-ingredient mappings are
those of the US product labels (DailyMed, Drugs@FDA) as generally known (GK: not
checked against each label here); a clinic adds a brand it meets to ``BRANDS``.
RxNorm ingredient codes are given where CLINICAL.md 5.4 verifies them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from ketaclinic.clinical import codes

# --- Ingredients --------------------------------------------------------------

# Ingredients by the group a clinician would look for them in (generic names).
INGREDIENT_GROUPS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "benzodiazepines": frozenset(
            {
                "alprazolam",
                "chlordiazepoxide",
                "clobazam",
                "clonazepam",
                "clorazepate",
                "diazepam",
                "estazolam",
                "flurazepam",
                "lorazepam",
                "midazolam",
                "oxazepam",
                "quazepam",
                "temazepam",
                "triazolam",
            }
        ),
        "opioids": frozenset(
            {
                "buprenorphine",
                "codeine",
                "fentanyl",
                "hydrocodone",
                "hydromorphone",
                "levorphanol",
                "meperidine",
                "methadone",
                "morphine",
                "oxycodone",
                "oxymorphone",
                "tapentadol",
                "tramadol",
            }
        ),
        "sedatives": frozenset(
            {
                "baclofen",
                "butalbital",
                "carisoprodol",
                "cyclobenzaprine",
                "diphenhydramine",
                "doxylamine",
                "eszopiclone",
                "gabapentin",
                "hydroxyzine",
                "methocarbamol",
                "oxybate",
                "phenobarbital",
                "pregabalin",
                "promethazine",
                "secobarbital",
                "tizanidine",
                "zaleplon",
                "zolpidem",
                "zopiclone",
            }
        ),
        "stimulants": frozenset(
            {
                "amphetamine",
                "armodafinil",
                "dexmethylphenidate",
                "dextroamphetamine",
                "ephedrine",
                "lisdexamfetamine",
                "methamphetamine",
                "methylphenidate",
                "modafinil",
                "phentermine",
                "phenylephrine",
                "pseudoephedrine",
            }
        ),
        "theophyllines": frozenset({"aminophylline", "theophylline"}),
        "maois": frozenset(
            {
                "isocarboxazid",
                "moclobemide",
                "phenelzine",
                "rasagiline",
                "safinamide",
                "selegiline",
                "tranylcypromine",
            }
        ),
        "antidepressants": frozenset(
            {
                "amitriptyline",
                "bupropion",
                "citalopram",
                "clomipramine",
                "desipramine",
                "desvenlafaxine",
                "doxepin",
                "duloxetine",
                "escitalopram",
                "fluoxetine",
                "fluvoxamine",
                "imipramine",
                "levomilnacipran",
                "milnacipran",
                "mirtazapine",
                "nefazodone",
                "nortriptyline",
                "paroxetine",
                "protriptyline",
                "sertraline",
                "trazodone",
                "trimipramine",
                "venlafaxine",
                "vilazodone",
                "vortioxetine",
                "zuranolone",
                "dextromethorphan",
                "gepirone",
            }
        ),
        "mood_stabilisers_and_antipsychotics": frozenset(
            {
                "aripiprazole",
                "brexpiprazole",
                "carbamazepine",
                "cariprazine",
                "clozapine",
                "divalproex",
                "haloperidol",
                "lamotrigine",
                "lithium",
                "lumateperone",
                "lurasidone",
                "olanzapine",
                "oxcarbazepine",
                "quetiapine",
                "risperidone",
                "topiramate",
                "valproate",
                "ziprasidone",
                "levetiracetam",
            }
        ),
        "ketamine_and_clinic_medicines": frozenset(
            {"esketamine", "ketamine", "ondansetron", "naloxone", "naltrexone"}
        ),
        "other_common": frozenset(
            {
                "acamprosate",
                "acetaminophen",
                "albuterol",
                "amlodipine",
                "aspirin",
                "atenolol",
                "atomoxetine",
                "atorvastatin",
                "buspirone",
                "caffeine",
                "carvedilol",
                "cetirizine",
                "clonidine",
                "disulfiram",
                "esomeprazole",
                "estradiol",
                "ethinyl estradiol",
                "famotidine",
                "fexofenadine",
                "fluticasone",
                "folic acid",
                "furosemide",
                "guanfacine",
                "hydrochlorothiazide",
                "ibuprofen",
                "insulin",
                "lansoprazole",
                "levonorgestrel",
                "levothyroxine",
                "lisinopril",
                "loratadine",
                "losartan",
                "magnesium",
                "melatonin",
                "meloxicam",
                "metformin",
                "metoprolol",
                "montelukast",
                "multivitamin",
                "naproxen",
                "norethindrone",
                "omega 3",
                "omeprazole",
                "pantoprazole",
                "prazosin",
                "prednisone",
                "propranolol",
                "rosuvastatin",
                "semaglutide",
                "sildenafil",
                "simvastatin",
                "sumatriptan",
                "tirzepatide",
                "vitamin b12",
                "vitamin d",
                "fish oil",
                "iron",
            }
        ),
    }
)

INGREDIENTS: frozenset[str] = frozenset().union(*INGREDIENT_GROUPS.values())

# RxNorm ingredient codes verified by CLINICAL.md 5.4 (ketaclinic.clinical.codes).
RXNORM_INGREDIENTS: Mapping[str, codes.Code] = MappingProxyType(
    {
        "ketamine": codes.RXNORM_KETAMINE,
        "ondansetron": codes.RXNORM_ONDANSETRON,
        "midazolam": codes.RXNORM_MIDAZOLAM,
        "lorazepam": codes.RXNORM_LORAZEPAM,
    }
)

# Other names of an ingredient: the name used outside the US, or a salt's name.
SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "paracetamol": ("acetaminophen",),
        "apap": ("acetaminophen",),
        "pethidine": ("meperidine",),
        "mixed amphetamine salts": ("amphetamine", "dextroamphetamine"),
        "dextroamphetamine amphetamine": ("amphetamine", "dextroamphetamine"),
        "valproic acid": ("valproate",),
        "sodium oxybate": ("oxybate",),
        "levothyroxine sodium": ("levothyroxine",),
        "salbutamol": ("albuterol",),
        "omega 3 fatty acids": ("omega 3",),
        "vitamin d3": ("vitamin d",),
        "cholecalciferol": ("vitamin d",),
        "b12": ("vitamin b12",),
        "cyanocobalamin": ("vitamin b12",),
    }
)

# --- Brand names (US labels, GK) -----------------------------------------------

BRANDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # Benzodiazepines
        "xanax": ("alprazolam",),
        "niravam": ("alprazolam",),
        "ativan": ("lorazepam",),
        "loreev": ("lorazepam",),
        "klonopin": ("clonazepam",),
        "valium": ("diazepam",),
        "valtoco": ("diazepam",),
        "diastat": ("diazepam",),
        "restoril": ("temazepam",),
        "halcion": ("triazolam",),
        "librium": ("chlordiazepoxide",),
        "onfi": ("clobazam",),
        "sympazan": ("clobazam",),
        "tranxene": ("clorazepate",),
        "doral": ("quazepam",),
        "prosom": ("estazolam",),
        "dalmane": ("flurazepam",),
        "seizalam": ("midazolam",),
        "nayzilam": ("midazolam",),
        # Opioids and buprenorphine combinations
        "norco": ("hydrocodone", "acetaminophen"),
        "vicodin": ("hydrocodone", "acetaminophen"),
        "lortab": ("hydrocodone", "acetaminophen"),
        "lorcet": ("hydrocodone", "acetaminophen"),
        "hysingla": ("hydrocodone",),
        "zohydro": ("hydrocodone",),
        "percocet": ("oxycodone", "acetaminophen"),
        "endocet": ("oxycodone", "acetaminophen"),
        "roxicet": ("oxycodone", "acetaminophen"),
        "oxycontin": ("oxycodone",),
        "roxicodone": ("oxycodone",),
        "xtampza": ("oxycodone",),
        "oxaydo": ("oxycodone",),
        "dilaudid": ("hydromorphone",),
        "exalgo": ("hydromorphone",),
        "ms contin": ("morphine",),
        "kadian": ("morphine",),
        "duragesic": ("fentanyl",),
        "actiq": ("fentanyl",),
        "fentora": ("fentanyl",),
        "ultram": ("tramadol",),
        "conzip": ("tramadol",),
        "ultracet": ("tramadol", "acetaminophen"),
        "nucynta": ("tapentadol",),
        "demerol": ("meperidine",),
        "dolophine": ("methadone",),
        "methadose": ("methadone",),
        "opana": ("oxymorphone",),
        "tylenol with codeine": ("codeine", "acetaminophen"),
        "tylenol 3": ("codeine", "acetaminophen"),
        "tylenol 4": ("codeine", "acetaminophen"),
        "suboxone": ("buprenorphine", "naloxone"),
        "zubsolv": ("buprenorphine", "naloxone"),
        "bunavail": ("buprenorphine", "naloxone"),
        "subutex": ("buprenorphine",),
        "sublocade": ("buprenorphine",),
        "brixadi": ("buprenorphine",),
        "butrans": ("buprenorphine",),
        "belbuca": ("buprenorphine",),
        # Z-drugs and other sedatives
        "ambien": ("zolpidem",),
        "edluar": ("zolpidem",),
        "intermezzo": ("zolpidem",),
        "zolpimist": ("zolpidem",),
        "lunesta": ("eszopiclone",),
        "sonata": ("zaleplon",),
        "neurontin": ("gabapentin",),
        "gralise": ("gabapentin",),
        "horizant": ("gabapentin",),
        "lyrica": ("pregabalin",),
        "soma": ("carisoprodol",),
        "flexeril": ("cyclobenzaprine",),
        "amrix": ("cyclobenzaprine",),
        "zanaflex": ("tizanidine",),
        "lioresal": ("baclofen",),
        "ozobax": ("baclofen",),
        "robaxin": ("methocarbamol",),
        "benadryl": ("diphenhydramine",),
        "zzzquil": ("diphenhydramine",),
        "unisom": ("doxylamine",),
        "vistaril": ("hydroxyzine",),
        "atarax": ("hydroxyzine",),
        "phenergan": ("promethazine",),
        "xyrem": ("oxybate",),
        "xywav": ("oxybate",),
        "lumryz": ("oxybate",),
        "fioricet": ("butalbital", "acetaminophen", "caffeine"),
        "fiorinal": ("butalbital", "aspirin", "caffeine"),
        # Stimulants and sympathomimetics
        "adderall": ("amphetamine", "dextroamphetamine"),
        "mydayis": ("amphetamine", "dextroamphetamine"),
        "evekeo": ("amphetamine",),
        "adzenys": ("amphetamine",),
        "dyanavel": ("amphetamine",),
        "vyvanse": ("lisdexamfetamine",),
        "ritalin": ("methylphenidate",),
        "concerta": ("methylphenidate",),
        "metadate": ("methylphenidate",),
        "methylin": ("methylphenidate",),
        "daytrana": ("methylphenidate",),
        "quillichew": ("methylphenidate",),
        "quillivant": ("methylphenidate",),
        "jornay": ("methylphenidate",),
        "aptensio": ("methylphenidate",),
        "cotempla": ("methylphenidate",),
        "focalin": ("dexmethylphenidate",),
        "azstarys": ("dexmethylphenidate",),
        "dexedrine": ("dextroamphetamine",),
        "zenzedi": ("dextroamphetamine",),
        "procentra": ("dextroamphetamine",),
        "xelstrym": ("dextroamphetamine",),
        "desoxyn": ("methamphetamine",),
        "provigil": ("modafinil",),
        "nuvigil": ("armodafinil",),
        "adipex": ("phentermine",),
        "lomaira": ("phentermine",),
        "qsymia": ("phentermine", "topiramate"),
        "sudafed": ("pseudoephedrine",),
        "sudafed pe": ("phenylephrine",),
        # Theophyllines
        "theo 24": ("theophylline",),
        "elixophyllin": ("theophylline",),
        "uniphyl": ("theophylline",),
        "theochron": ("theophylline",),
        # MAOIs
        "nardil": ("phenelzine",),
        "parnate": ("tranylcypromine",),
        "marplan": ("isocarboxazid",),
        "emsam": ("selegiline",),
        "eldepryl": ("selegiline",),
        "zelapar": ("selegiline",),
        "azilect": ("rasagiline",),
        "xadago": ("safinamide",),
        # Antidepressants (XL, SR, CR and XR forms match through the brand)
        "prozac": ("fluoxetine",),
        "sarafem": ("fluoxetine",),
        "zoloft": ("sertraline",),
        "paxil": ("paroxetine",),
        "pexeva": ("paroxetine",),
        "brisdelle": ("paroxetine",),
        "celexa": ("citalopram",),
        "lexapro": ("escitalopram",),
        "luvox": ("fluvoxamine",),
        "viibryd": ("vilazodone",),
        "trintellix": ("vortioxetine",),
        "brintellix": ("vortioxetine",),
        "effexor": ("venlafaxine",),
        "pristiq": ("desvenlafaxine",),
        "khedezla": ("desvenlafaxine",),
        "cymbalta": ("duloxetine",),
        "drizalma": ("duloxetine",),
        "irenka": ("duloxetine",),
        "fetzima": ("levomilnacipran",),
        "savella": ("milnacipran",),
        "wellbutrin": ("bupropion",),
        "aplenzin": ("bupropion",),
        "forfivo": ("bupropion",),
        "zyban": ("bupropion",),
        "auvelity": ("dextromethorphan", "bupropion"),
        "remeron": ("mirtazapine",),
        "remeronsoltab": ("mirtazapine",),
        "desyrel": ("trazodone",),
        "oleptro": ("trazodone",),
        "elavil": ("amitriptyline",),
        "pamelor": ("nortriptyline",),
        "aventyl": ("nortriptyline",),
        "tofranil": ("imipramine",),
        "anafranil": ("clomipramine",),
        "norpramin": ("desipramine",),
        "silenor": ("doxepin",),
        "sinequan": ("doxepin",),
        "surmontil": ("trimipramine",),
        "vivactil": ("protriptyline",),
        "zurzuvae": ("zuranolone",),
        "exxua": ("gepirone",),
        "symbyax": ("olanzapine", "fluoxetine"),
        # Mood stabilisers, anticonvulsants and antipsychotics
        "lamictal": ("lamotrigine",),
        "subvenite": ("lamotrigine",),
        "lithobid": ("lithium",),
        "eskalith": ("lithium",),
        "depakote": ("divalproex",),
        "depakene": ("valproate",),
        "tegretol": ("carbamazepine",),
        "equetro": ("carbamazepine",),
        "trileptal": ("oxcarbazepine",),
        "topamax": ("topiramate",),
        "keppra": ("levetiracetam",),
        "abilify": ("aripiprazole",),
        "rexulti": ("brexpiprazole",),
        "vraylar": ("cariprazine",),
        "seroquel": ("quetiapine",),
        "zyprexa": ("olanzapine",),
        "risperdal": ("risperidone",),
        "latuda": ("lurasidone",),
        "geodon": ("ziprasidone",),
        "caplyta": ("lumateperone",),
        "clozaril": ("clozapine",),
        "haldol": ("haloperidol",),
        # Ketamine and medicines of the clinic
        "ketalar": ("ketamine",),
        "spravato": ("esketamine",),
        "zofran": ("ondansetron",),
        "narcan": ("naloxone",),
        "vivitrol": ("naltrexone",),
        "revia": ("naltrexone",),
        "contrave": ("naltrexone", "bupropion"),
        "antabuse": ("disulfiram",),
        "campral": ("acamprosate",),
        # Other common medicines
        "tylenol": ("acetaminophen",),
        "advil": ("ibuprofen",),
        "motrin": ("ibuprofen",),
        "aleve": ("naproxen",),
        "naprosyn": ("naproxen",),
        "mobic": ("meloxicam",),
        "imitrex": ("sumatriptan",),
        "buspar": ("buspirone",),
        "strattera": ("atomoxetine",),
        "intuniv": ("guanfacine",),
        "catapres": ("clonidine",),
        "kapvay": ("clonidine",),
        "minipress": ("prazosin",),
        "inderal": ("propranolol",),
        "lopressor": ("metoprolol",),
        "toprol": ("metoprolol",),
        "tenormin": ("atenolol",),
        "coreg": ("carvedilol",),
        "norvasc": ("amlodipine",),
        "zestril": ("lisinopril",),
        "prinivil": ("lisinopril",),
        "cozaar": ("losartan",),
        "lasix": ("furosemide",),
        "synthroid": ("levothyroxine",),
        "levoxyl": ("levothyroxine",),
        "glucophage": ("metformin",),
        "ozempic": ("semaglutide",),
        "wegovy": ("semaglutide",),
        "rybelsus": ("semaglutide",),
        "mounjaro": ("tirzepatide",),
        "zepbound": ("tirzepatide",),
        "lipitor": ("atorvastatin",),
        "crestor": ("rosuvastatin",),
        "zocor": ("simvastatin",),
        "prilosec": ("omeprazole",),
        "nexium": ("esomeprazole",),
        "protonix": ("pantoprazole",),
        "prevacid": ("lansoprazole",),
        "pepcid": ("famotidine",),
        "zyrtec": ("cetirizine",),
        "claritin": ("loratadine",),
        "allegra": ("fexofenadine",),
        "flonase": ("fluticasone",),
        "singulair": ("montelukast",),
        "ventolin": ("albuterol",),
        "proair": ("albuterol",),
        "viagra": ("sildenafil",),
        "revatio": ("sildenafil",),
    }
)

# What a patient writes for "no medicines".
NONE_WRITTEN = frozenset(
    {"none", "no", "n a", "na", "nil", "nothing", "no medications", "no medicines"}
)


def words(text: str) -> tuple[str, ...]:
    """Lower-case words and numbers: "Norco 10/325" -> ("norco", "10", "325")."""
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


def _names() -> dict[tuple[str, ...], tuple[str, ...]]:
    names: dict[tuple[str, ...], tuple[str, ...]] = {}
    for ingredient in INGREDIENTS:
        names[words(ingredient)] = (ingredient,)
    for table in (SYNONYMS, BRANDS):
        for name, ingredients in table.items():
            names[words(name)] = ingredients
    return names


# Every name a line can contain (as words), and what it stands for.
_NAMES = _names()
_LONGEST = max(len(name) for name in _NAMES)


def identify(line: str) -> tuple[str, ...] | None:
    """The ingredients a medicine line names, in the order written, each once;
    None when it names none known here. A name matches as whole words in any case:
    "Wellbutrin XL 300 mg" -> ("bupropion",); "Suboxone 8/2" -> ("buprenorphine",
    "naloxone"); "pseudoephedrine" never also matches "ephedrine"."""
    tokens = words(line)
    found: list[str] = []
    start = 0
    while start < len(tokens):
        # The longest name starting here: "tylenol with codeine" before "tylenol".
        for size in range(min(_LONGEST, len(tokens) - start), 0, -1):
            ingredients = _NAMES.get(tokens[start : start + size])
            if ingredients is not None:
                found.extend(ingredients)
                start += size
                break
        else:
            start += 1
    return tuple(dict.fromkeys(found)) or None


def single_ingredient(name: str) -> str | None:
    """The one ingredient a drug name stands for ("Zoloft" -> "sertraline"); None
    for a combination or a name not known here."""
    ingredients = identify(name)
    if ingredients is None or len(ingredients) != 1:
        return None
    return ingredients[0]


def is_none_written(line: str) -> bool:
    """Whether a line says the patient takes no medicines ("none", "N/A")."""
    return " ".join(words(line)) in NONE_WRITTEN


def close_names(line: str, limit: int = 3) -> list[str]:
    """Known names close to the words of an unrecognised line, to suggest."""
    candidates = {" ".join(name) for name in _NAMES}
    close: list[str] = []
    for token in words(line):
        if token.isdigit() or len(token) < 4:
            continue
        close.extend(difflib.get_close_matches(token, candidates, n=limit, cutoff=0.8))
    return list(dict.fromkeys(close))[:limit]


def suggestions() -> tuple[str, ...]:
    """Names to offer while typing: each ingredient, and each brand with what it
    holds ("Xanax (alprazolam)"), sorted. A picked suggestion is identified."""
    offered = [*INGREDIENTS]
    offered.extend(
        f"{brand.title()} ({' and '.join(ingredients)})"
        for brand, ingredients in BRANDS.items()
    )
    return tuple(sorted(offered, key=str.lower))


def rxnorm_of(ingredient: str) -> codes.Code | None:
    return RXNORM_INGREDIENTS.get(ingredient)


def unknown_ingredients() -> Iterable[str]:
    """Ingredients a brand or synonym names that are not in the table (for tests)."""
    for table in (SYNONYMS, BRANDS):
        for ingredients in table.values():
            yield from (i for i in ingredients if i not in INGREDIENTS)


__all__ = [
    "BRANDS",
    "INGREDIENTS",
    "INGREDIENT_GROUPS",
    "RXNORM_INGREDIENTS",
    "SYNONYMS",
    "close_names",
    "identify",
    "is_none_written",
    "rxnorm_of",
    "single_ingredient",
    "suggestions",
    "words",
]
