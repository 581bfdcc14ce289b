"""Word lists for the bench data set: names, streets, and chart entries.

Last names: the most common US surnames in rough order of frequency (drawn with
Zipf weights), then a long tail of built names (stem + ending, and
three-syllable names), so that a two- or three-letter prefix matches a
realistic share of a chain's patients rather than a fortieth of them.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# Roughly in order of frequency in the US census; a few keep their accents so
# that name_key (accent-free search) is exercised.
COMMON_LAST_NAMES = _words("""
Smith Johnson Williams Brown Jones García Miller Davis Rodríguez Martínez
Hernández López González Wilson Anderson Thomas Taylor Moore Jackson Martin
Lee Pérez Thompson White Harris Sánchez Clark Ramírez Lewis Robinson Walker
Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson
Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Phillips Evans Turner
Díaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook
Rogers Gutiérrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos
Kim Cox Ward Richardson Watson Brooks Chávez Wood James Bennett Gray Mendoza
Ruiz Hughes Price Álvarez Castillo Sanders Patel Myers Long Ross Foster
Jiménez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson
Barnes González Fisher Vásquez Simmons Romero Jordan Patterson Alexander
Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera
Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
Harrison Fernández McDonald Woods Washington Kennedy Wells Vargas Henry Chen
Freeman Webb Tucker Guzmán Burns Crawford Olson Simpson Porter Hunter Gordon
Mendez Silva Shaw Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Wagner
Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt
García Ferguson Weaver Daniels Stephens Gardner Payne Kelley Dunn Pierce
Arnold Tran Spencer Peters Hawkins Grant Hansen Castro Hoffman Hart Elliott
Cunningham Knight Bradley Carroll Hudson Duncan Armstrong Berry Andrews
Johnston Ray Lane Riley Carpenter Perkins Aguilar Silva Richards Willis
Matthews Chapman Lawrence García Wheeler Chávez Watkins Olson Carlson Harper
Burke Peña Núñez Ibarra Okafor Nakamura Kowalski Novak Jensen Larsen Schneider
Fischer Dubois Tanaka Ibrahim Khan Singh Shah Ali Yamamoto Sato Park Choi
Wong Liu Huang Zhang Wang Li Yang Zhao Wu Chen Lin Pham Le Vu Hoang Dang
O'Brien O'Connor O'Neill McCarthy Doyle Quinn Walsh Byrne Gallagher Brennan
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco
Müller Schulz Becker Wolf Schäfer Koch Bauer Richter Klein Schröder
Ivanov Petrov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov Pavlov
Andersen Nielsen Pedersen Christensen Lindqvist Johansson Karlsson Nilsson
Okonkwo Adeyemi Mensah Owusu Diallo Traoré Kamara Banda Mwangi Otieno
""")

# Stems and endings for the long tail of Anglo-looking surnames.
STEMS = _words("""
Ash Black Brad Brook Burn Carl Clay Crane Dal Dun Elm Fair Farn Field Gar Glen
Hale Har Hay Heath Hol Hunt Kings Lang Lin Mar Mid Mil Nor Oak Pen Ran Red Ross
Rut Sal Sand Shel Stan Ster Stock Sut Thorn Tow Wal War Went West Whit Wick Win
Wood Bel Bur Cal Cor Dar Ed Fen Gil Good Hard Hart Hol Ken Lock Mor New Nut
Pay Pres Row Ship Sil Stam Tal Thur Tre Ver Ward Wes Wil Yar Aber Ald Bar Bran
Brent Cam Chad Cres Dray Ess Fin Graf Hal Ing Kel Lam Mer Ogle Pem Quen Rad
""")
ENDINGS = _words("""
ford ley ton well man son field wood er ing by stead wick worth more land
dale burn ridge ham hurst cott low brook stone
""")

# Syllables for three-syllable names from many origins.
SYLLABLES_1 = _words("""
Ka Ma Ta Sa Na Ha Ra Ba Da Ga Ko Mo To So No Ho Ro Bo Do Go Ki Mi Ti Si Ni
Ri Bi Di Va Ze Lu Xa Ye Ja Pe Fe Qui Ade Oka Emi Ola
""")
SYLLABLES_2 = _words("""
ra ri ro ru na ni no nu ta ti to tu ka ki ko ku la li lo lu ma mi mo mu da
de do sa se so
""")
SYLLABLES_3 = _words("""
wa ya shi moto mura da ki lar ren sky vich nen sen ez ov ian ini elli oglu
tu chi ye ke
""")

FEMALE_FIRST_NAMES = _words("""
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen
Lisa Nancy Betty Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol
Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy
Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine
Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane
Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan
Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa
Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy
Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie
Theresa Diana Brittany Doris Kayla Alexis Lori Marie Lucía Sofía Valentina
Camila Ximena Guadalupe Rosa Carmen Ana Mei Yuki Aiko Priya Aisha Fatima
Amara Chioma Ngozi Ingrid Astrid Sigrid Chloé Zoé Inès Renée Nadia Elena
Leah Zoe Maya Ava Mia Harper Aria Layla Nora Hazel Aurora Ellie Stella
""")
MALE_FIRST_NAMES = _words("""
James Robert John Michael David William Richard Joseph Thomas Christopher
Charles Daniel Matthew Anthony Mark Donald Steven Andrew Paul Joshua Kenneth
Kevin Brian George Timothy Ronald Jason Edward Jeffrey Ryan Jacob Gary
Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel
Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose
Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy Walter
Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur
Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert
Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell Bradley
Philip Eugene Mateo Santiago Diego Luis Carlos Jorge Miguel Tomás Andrés
Hiro Kenji Takeshi Ravi Arjun Omar Yusuf Ahmed Kwame Chidi Emeka Lars Sven
Nils Pierre Étienne Jérôme Ivan Dmitri Owen Liam Lucas Caleb Isaac Felix
""")

STREET_NAMES = _words("""
Larimer Colfax Pearl York Downing Federal Speer Broadway Lincoln Sherman
Grant Logan Pennsylvania Washington Clarkson Emerson Ogden Corona Marion
Lafayette Humboldt Franklin Gilpin Williams High Race Vine Josephine Columbine
Elizabeth Clayton Steele Adams Cook Madison Jackson Garfield Monroe Harrison
Main Oak Maple Cedar Pine Elm Walnut Spruce Willow Aspen Juniper Cottonwood
""")
STREET_TYPES = ["St", "Ave", "Blvd", "Dr", "Ct", "Ln", "Way", "Pl"]

RELATIONS = [
    "spouse",
    "partner",
    "sister",
    "brother",
    "friend",
    "mother",
    "father",
    "adult son",
    "adult daughter",
    "neighbor",
    "roommate",
]

# (substance, reaction, severity)
ALLERGIES = [
    ("Penicillin", "hives", "moderate"),
    ("Amoxicillin", "rash", "mild"),
    ("Sulfa drugs", "rash", "mild"),
    ("Latex", "contact dermatitis", "mild"),
    ("Codeine", "vomiting", "moderate"),
    ("Morphine", "itching", "mild"),
    ("Peanuts", "anaphylaxis", "severe"),
    ("Shellfish", "swelling of lips", "severe"),
    ("Aspirin", "wheezing", "moderate"),
    ("Ibuprofen", "stomach upset", "mild"),
    ("Cephalexin", "hives", "moderate"),
    ("Iodinated contrast", "hives", "moderate"),
    ("Adhesive tape", "skin irritation", "mild"),
    ("Eggs", "hives", "mild"),
    ("Ondansetron", "headache", "unknown"),
]

# (name, dose, frequency)
MEDICATIONS = [
    ("Sertraline", "100 mg", "once daily"),
    ("Sertraline", "50 mg", "once daily"),
    ("Escitalopram", "20 mg", "once daily"),
    ("Citalopram", "40 mg", "once daily"),
    ("Fluoxetine", "40 mg", "once daily"),
    ("Paroxetine", "20 mg", "once daily"),
    ("Venlafaxine XR", "150 mg", "once daily"),
    ("Duloxetine", "60 mg", "once daily"),
    ("Bupropion XL", "300 mg", "once daily"),
    ("Mirtazapine", "15 mg", "at bedtime"),
    ("Trazodone", "50 mg", "at bedtime"),
    ("Aripiprazole", "5 mg", "once daily"),
    ("Quetiapine", "100 mg", "at bedtime"),
    ("Lamotrigine", "100 mg", "twice daily"),
    ("Lithium carbonate", "300 mg", "twice daily"),
    ("Lorazepam", "0.5 mg", "as needed"),
    ("Clonazepam", "0.5 mg", "twice daily"),
    ("Prazosin", "2 mg", "at bedtime"),
    ("Gabapentin", "300 mg", "three times daily"),
    ("Pregabalin", "75 mg", "twice daily"),
    ("Amitriptyline", "25 mg", "at bedtime"),
    ("Lisinopril", "10 mg", "once daily"),
    ("Amlodipine", "5 mg", "once daily"),
    ("Metoprolol succinate", "50 mg", "once daily"),
    ("Atorvastatin", "20 mg", "once daily"),
    ("Metformin", "500 mg", "twice daily"),
    ("Levothyroxine", "75 mcg", "once daily"),
    ("Omeprazole", "20 mg", "once daily"),
    ("Sumatriptan", "50 mg", "as needed"),
    ("Ibuprofen", "400 mg", "as needed"),
]

# ICD-10-CM codes seen in a ketamine clinic; descriptions come from
# ketaclinic.clinical.codes.icd10_lookup, which also proves each one exists.
CONDITION_CODES = [
    "F33.2",
    "F33.1",
    "F33.0",
    "F32.2",
    "F32.1",
    "F32.9",
    "F43.10",
    "F43.12",
    "F41.1",
    "F41.0",
    "F42.2",
    "F31.81",
    "F90.0",
    "G89.4",
    "G89.29",
    "G90.511",
    "M79.7",
    "G43.909",
    "I10",
    "E78.5",
    "E11.9",
    "E03.9",
    "K21.9",
    "G47.00",
]

# US area codes of a chain in the Front Range and beyond.
AREA_CODES = [
    "303",
    "720",
    "970",
    "719",
    "505",
    "801",
    "385",
    "480",
    "602",
    "406",
    "307",
    "208",
]
