"""Word lists the English normaliser reads: abbreviations, acronyms, units, currencies, months.

Data, not code: editors and engineers extend these tables; narrator/normalise.py holds the rules.
Spellings follow the convention of the text-normalisation corpus we are scored on
(NVIDIA NeMo's English test cases: US spellings such as "meters", "AM"/"PM" kept in capitals)
because speech engines pronounce both spellings the same way.
"""
from __future__ import annotations

# --- numbers -----------------------------------------------------------------------------------

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
# Short scale, as English news uses it (a billion is a thousand million).
SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion",
          "sextillion", "septillion")
# Ordinal forms of the number words that change ("one" -> "first"); others take "th".
ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
# Denominators read with a special word ("one half", "three quarters").
FRACTION_WORDS = {2: ("half", "halves"), 4: ("quarter", "quarters")}

# --- dates -------------------------------------------------------------------------------------

MONTHS = ("January February March April May June July August September October November "
          "December").split()
# Abbreviation (lower case, without the dot) -> month number. "may" and "march" are full names;
# "mar" alone is a word, so month abbreviations only count next to a day or year number.
MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
# Day abbreviations, only expanded when written with a dot ("Tue.") or before a date.
WEEKDAY_ABBREVIATIONS = {
    "Mon": "Monday", "Tue": "Tuesday", "Tues": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
    "Thur": "Thursday", "Thurs": "Thursday", "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday",
}
# Eras after a year: the year is read as a year ("340 AD" -> "three forty AD").
ERAS = {"AD": "AD", "A.D": "AD", "BC": "BC", "B.C": "BC", "BCE": "BCE", "B.C.E": "BCE",
        "CE": "CE", "C.E": "CE"}

# --- times -------------------------------------------------------------------------------------

# Time zones said letter by letter after a clock time ("1:59 p.m. est" -> "... PM EST").
TIME_ZONES = frozenset(
    "EST EDT CST CDT MST MDT PST PDT AKST HST GMT BST UTC CET CEST EET EEST WET IST JST AEST AEDT "
    "MSK ET CT MT PT".split()
)

# --- money -------------------------------------------------------------------------------------

# Currency symbol or code -> (singular, plural, minor singular, minor plural).
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("US dollar", "US dollars", "cent", "cents"),
    "A$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "C$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "NZ$": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "HK$": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
    "₩": ("won", "won", "jeon", "jeon"),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₽": ("ruble", "rubles", "kopek", "kopeks"),
    "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiykas"),
    "₺": ("lira", "lira", "kurus", "kurus"),
    "₪": ("shekel", "shekels", "agora", "agorot"),
    "₦": ("naira", "naira", "kobo", "kobo"),
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", "sen", "sen"),
    "CNY": ("yuan", "yuan", "fen", "fen"),
    "RMB": ("yuan", "yuan", "fen", "fen"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "RUB": ("ruble", "rubles", "kopek", "kopeks"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "NOK": ("Norwegian krone", "Norwegian kroner", "ore", "ore"),
    "SEK": ("Swedish krona", "Swedish kronor", "ore", "ore"),
    "DKK": ("Danish krone", "Danish kroner", "ore", "ore"),
}
# The symbol's name when it stands alone ("test$" -> "test dollar").
SYMBOL_NAMES = {
    "$": "dollar", "£": "pound", "€": "euro", "¥": "yen", "₩": "won", "₹": "rupee", "₽": "ruble",
    "&": "and", "%": "percent", "#": "hash", "@": "at", "+": "plus", "=": "equals", "§": "section",
    "°": "degrees", "×": "times", "÷": "divided by", "±": "plus or minus", "≈": "about",
}
# Magnitude suffixes after an amount ("$5m", "£2.3bn", "€40k", "¥30 b").
MAGNITUDES = {
    "k": "thousand", "K": "thousand", "thousand": "thousand",
    "m": "million", "M": "million", "mn": "million", "mln": "million", "million": "million",
    "b": "billion", "B": "billion", "bn": "billion", "bln": "billion", "billion": "billion",
    "tn": "trillion", "T": "trillion", "trillion": "trillion",
}
# "per" periods after an amount or a unit ("$20/mo", "£10/wk").
PER_PERIODS = {
    "s": "second", "sec": "second", "min": "minute", "h": "hour", "hr": "hour", "hour": "hour",
    "d": "day", "day": "day", "wk": "week", "week": "week", "mo": "month", "mth": "month",
    "month": "month", "yr": "year", "y": "year", "year": "year",
}

# --- measures ----------------------------------------------------------------------------------

# Unit abbreviation (case-sensitive) -> (singular, plural). Only read as a unit right after a number.
UNITS = {
    "mm": ("millimeter", "millimeters"), "cm": ("centimeter", "centimeters"),
    "m": ("meter", "meters"), "km": ("kilometer", "kilometers"),
    "in": ("inch", "inches"), "ft": ("foot", "feet"), "yd": ("yard", "yards"),
    "mi": ("mile", "miles"), "nm": ("nanometer", "nanometers"),
    "mg": ("milligram", "milligrams"), "g": ("gram", "grams"), "kg": ("kilogram", "kilograms"),
    "t": ("ton", "tons"), "lb": ("pound", "pounds"), "lbs": ("pounds", "pounds"),
    "oz": ("ounce", "ounces"),
    "ml": ("milliliter", "milliliters"), "mL": ("milliliter", "milliliters"),
    "l": ("liter", "liters"), "L": ("liter", "liters"), "cl": ("centiliter", "centiliters"),
    "gal": ("gallon", "gallons"),
    "mph": ("mile per hour", "miles per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kmh": ("kilometer per hour", "kilometers per hour"),
    "m/s": ("meter per second", "meters per second"),
    "kbps": ("kilobit per second", "kilobits per second"),
    "mbps": ("megabit per second", "megabits per second"),
    "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "gbps": ("gigabit per second", "gigabits per second"),
    "KB": ("kilobyte", "kilobytes"), "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"), "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "MWh": ("megawatt hour", "megawatt hours"), "GWh": ("gigawatt hour", "gigawatt hours"),
    "V": ("volt", "volts"), "kV": ("kilovolt", "kilovolts"), "mA": ("milliampere", "milliamperes"),
    "ha": ("hectare", "hectares"), "sq km": ("square kilometer", "square kilometers"),
    "sq m": ("square meter", "square meters"), "sq ft": ("square foot", "square feet"),
    "km2": ("square kilometer", "square kilometers"), "m2": ("square meter", "square meters"),
    "cm2": ("square centimeter", "square centimeters"), "m3": ("cubic meter", "cubic meters"),
    "km3": ("cubic kilometer", "cubic kilometers"), "cm3": ("cubic centimeter", "cubic centimeters"),
    "cc": ("cubic centimeter", "cubic centimeters"),
    "°C": ("degree Celsius", "degrees Celsius"), "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"), "K": ("kelvin", "kelvin"),
    "C": ("degree Celsius", "degrees Celsius"), "F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "ms": ("millisecond", "milliseconds"), "sec": ("second", "seconds"),
    "min": ("minute", "minutes"), "hr": ("hour", "hours"), "hrs": ("hours", "hours"),
    "h": ("hour", "hours"),
    "bbl": ("barrel", "barrels"), "kt": ("knot", "knots"),
}
# Unit abbreviations that are also ordinary words or letters: only units when the number and
# the unit are written together ("5in", "3t") or, for "m"/"g", before a full stop or end.
AMBIGUOUS_UNITS = frozenset({"in", "t", "l", "h", "K", "W", "V", "min", "sec", "ha", "C", "F"})

# --- abbreviations -----------------------------------------------------------------------------

# Titles before a name (with or without the full stop): "Dr. Smith" -> "doctor Smith".
TITLES = {
    "Mr": "mister", "Mrs": "misses", "Ms": "miz", "Dr": "doctor", "Prof": "professor",
    "Gen": "general", "Lt": "lieutenant", "Col": "colonel", "Maj": "major", "Capt": "captain",
    "Cmdr": "commander", "Adm": "admiral", "Sgt": "sergeant", "Cpl": "corporal",
    "Pvt": "private", "Gov": "governor", "Sen": "senator", "Rep": "representative",
    "Rev": "reverend", "Fr": "father", "Hon": "honorable", "Pres": "president", "Supt": "superintendent",
    "Insp": "inspector", "Det": "detective", "Mt": "mount", "Ft": "fort",
}
# Abbreviations that follow a name: "Martin Luther King Jr." -> "... junior".
POST_TITLES = {"Jr": "junior", "Sr": "senior"}
# Dotted abbreviations read anywhere (the dots are part of the key).
ABBREVIATIONS = {
    "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "vs": "versus",
    "approx.": "approximately", "Dept.": "department", "Univ.": "university", "Corp.": "corporation",
    "Inc.": "incorporated", "Ltd.": "limited", "Bros.": "brothers", "Ave.": "avenue",
    "a.k.a.": "also known as", "aka": "also known as",
}
# Street address words, after a house number and a street name.
STREET_TYPES = {
    "St": "Street", "Ave": "Avenue", "Av": "Avenue", "Rd": "Road", "Blvd": "Boulevard",
    "Dr": "Drive", "Ln": "Lane", "Ct": "Court", "Pl": "Place", "Sq": "Square", "Hwy": "Highway",
    "Pkwy": "Parkway", "Expy": "Expressway", "Fwy": "Freeway", "Ter": "Terrace", "Cres": "Crescent",
    "Street": "Street", "Avenue": "Avenue", "Road": "Road", "Boulevard": "Boulevard",
    "Drive": "Drive", "Lane": "Lane", "Way": "Way", "Court": "Court", "Place": "Place",
}
DIRECTIONS = {"N": "North", "S": "South", "E": "East", "W": "West", "NE": "Northeast",
              "NW": "Northwest", "SE": "Southeast", "SW": "Southwest"}
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah",
    "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "D C",
}
# Lower-case words always written in capitals when spoken ("tv" -> "TV").
WHITELIST = {"tv": "TV", "and/or": "and or", "w/": "with", "w/o": "without"}

# --- acronyms ----------------------------------------------------------------------------------
# All-capital words. Checked with espeak-ng (which Piper also uses to phonemise): it already
# spells vowel-less capitals (BBC, NHS) and common acronyms it knows (USA, FBI, AM), and reads
# words it can pronounce (NATO). What it gets wrong is a short unknown acronym with a vowel
# ("UDI" said "yoodee"), so those are spelled out letter by letter ("U D I").
# Editors extend these sets, or add a lexicon entry ("UDI<TAB>U D I", "ABBA<TAB>ABBA").

# Always spelled letter by letter.
SPELLED_ACRONYMS = frozenset("UDI ICE IOC IAEA OECD UEFA IMF ECB".split())
# Said as words: never spelled out.
WORD_ACRONYMS = frozenset(
    "NATO NASA UNESCO UNICEF OPEC AIDS COVID FIFA ASEAN OSCE SWAT CERN ISIS DAESH NAFTA BAFTA "
    "OFCOM OFSTED SARS MERS GIF JPEG PIN RAM ROM LASER RADAR SCUBA".split()
)
# Short acronyms the engines already spell correctly: left as written.
KNOWN_ACRONYMS = frozenset(
    "US USA UK EU UN AM PM TV ID OK AI IT UAE FBI CIA NBA NFL NHL MLB CEO CFO CTO MP MPS PR "
    "GDP GOP UFO DNA RNA ISO EST IRA IRS ETA IP PC".split()
)
# Words often set in capitals in headlines: never spelled out.
CAPITAL_WORDS = frozenset(
    "A I AN AS AT BE BY DO GO HE IF IN IS IT ME MY NO OF ON OR SO TO UP US WE AM ARE BUT CAN "
    "DID FOR HAS HER HIM HIS HOW ITS NEW NOT NOW OFF OLD ONE OUR OUT SAY SEE SHE THE TOO TWO "
    "WAS WAY WHO WHY YES YET YOU ALL AND ANY DAY GET GOT LET MAN MEN OWN PUT RUN SET TOP WAR WIN "
    "USE AGO AGE AIR ACT END EYE OIL IT THIS THAT THEY THERE THEN WHEN WHAT FROM WITH".split()
)
CAPITAL_WORDS_LOWER = frozenset(w.lower() for w in CAPITAL_WORDS)

# --- roman numerals ----------------------------------------------------------------------------

# Words before a roman numeral that is read as a cardinal ("World War II" -> "World War two").
ROMAN_CARDINAL_CONTEXT = frozenset(
    "war chapter part volume vol act scene book phase article title section stage level "
    "round class grade type series season episode appendix annex schedule psalm canto "
    "bowl apollo".split()
)
# Words before a capital "I" that show it is the pronoun, not a roman one.
PRONOUN_I_CONTEXT = frozenset(
    "and but or then when if so as than that because while where what who how said say do did "
    "am was have had can could will would shall should may might must yes no oh".split()
)

# --- electronic addresses ----------------------------------------------------------------------

# Characters inside URLs and e-mail addresses, by name.
URL_SYMBOLS = {
    ".": "dot", "@": "at", "/": "slash", ":": "colon", "-": "dash", "_": "underscore",
    "&": "ampersand", "+": "plus", "~": "tilde", "#": "hash", "?": "question mark",
    "=": "equals", "%": "percent",
}
# Parts of addresses said letter by letter ("www" -> "WWW", "http" -> "HTTP").
URL_SPELLED = frozenset({"www", "http", "https", "ftp"})
# Domain endings said as words; every other two-letter ending is spelled ("de" -> "DE").
TLD_WORDS = frozenset("com net org edu gov mil int info biz name pro aero coop museum io".split())
# File extensions said another way.
URL_WORDS = {"jpg": "jpeg"}
